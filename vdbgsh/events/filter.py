"""Which events to show: by name (globs, or regexes as virsh's ``--regex``), optionally ignoring case, and by text.

Name patterns follow ``virsh qemu-monitor-event``: several ``--event`` values are alternatives; with ``--regex`` each
is an extended regex searched anywhere in the name (libvirt's regexec is unanchored), otherwise a glob matched
against the whole name; ``--no-case`` makes both case-insensitive.
"""

from __future__ import annotations

import fnmatch
import re
from collections.abc import Iterable

from vdbgsh.errors import UsageError
from vdbgsh.render.json_text import compact
from vdbgsh.transport.base import Event


class EventFilter:
    def __init__(
        self, patterns: Iterable[str] = (), *, regex: bool = False, no_case: bool = False, text: str = ""
    ) -> None:
        self.patterns = tuple(patterns)
        self.regex = regex
        self.no_case = no_case
        self.text = text
        flags = re.IGNORECASE if no_case else 0
        compiled = []
        for pattern in self.patterns:
            source = pattern if regex else fnmatch.translate(pattern)
            try:
                compiled.append(re.compile(source, flags))
            except re.error as err:
                raise UsageError(f"bad --event regex '{pattern}': {err}") from None
        # One alternation: a burst of hundreds of events a second is checked with one regex call each.
        self._names = re.compile("|".join(f"(?:{c.pattern})" for c in compiled), flags) if compiled else None
        self._anchored = not regex
        self._text = text.casefold() if no_case else text

    @property
    def active(self) -> bool:
        return self._names is not None or bool(self.text)

    def matches_name(self, name: str) -> bool:
        if self._names is None:
            return True
        # fnmatch.translate already anchors the end with \Z; match() anchors the start.
        found = self._names.match(name) if self._anchored else self._names.search(name)
        return found is not None

    def matches_text(self, event: Event) -> bool:
        if not self.text:
            return True
        haystack = compact(event.data) if event.data is not None else ""
        if self.no_case:
            haystack = haystack.casefold()
        return self._text in haystack

    def __call__(self, event: Event) -> bool:
        return self.matches_name(event.name) and self.matches_text(event)
