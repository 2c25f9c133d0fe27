"""``:wait EVENT [member=value ...] [--timeout S]``: wait for the guest's next event of that name whose data has
those values (``device=m0``; a dotted path reaches into nested data: ``qom-path=...``, ``info.status=...``), and show
it. Only events from the moment the wait starts count; Ctrl-C stops waiting (the shell says so, events keep
arriving in the pane meanwhile, none is lost).

Parsing and matching are pure; ``wait_for`` waits on whatever feeds it events (the session's event observers).
"""

from __future__ import annotations

import asyncio
import fnmatch
import json
import math
import time
from collections import deque
from collections.abc import Callable, Mapping
from typing import Any, NamedTuple

from vdbgsh.errors import UsageError
from vdbgsh.events.format import clock
from vdbgsh.render.ansi import BOLD, DIM, paint
from vdbgsh.render.json_text import pretty
from vdbgsh.render.messages import error_text
from vdbgsh.render.untrusted import untrusted_line
from vdbgsh.schema.model import Schema
from vdbgsh.syntax.values import did_you_mean
from vdbgsh.transport.base import Event

USAGE = ":wait EVENT [member=value ...] [--timeout SECONDS]"


class WaitSpec(NamedTuple):
    pattern: str  # an event name, or a glob of names (BLOCK_JOB_*)
    members: tuple[tuple[str, str], ...]  # (dotted path, value as typed)
    timeout: float | None

    def describe(self) -> str:
        return " ".join([self.pattern, *(f"{path}={value}" for path, value in self.members)])


def parse_wait(words: list[str], schema: Schema | None) -> WaitSpec:
    """The words after ``:wait``; a UsageError saying what is wrong (nothing waits then)."""
    pattern = ""
    members: list[tuple[str, str]] = []
    timeout: float | None = None
    rest = iter(words)
    for word in rest:
        if word == "--timeout" or word.startswith("--timeout="):
            text = word.partition("=")[2] if "=" in word else next(rest, "")
            timeout = _seconds(text)
        elif word.startswith("-"):
            raise UsageError(f":wait: unknown option {untrusted_line(word)}", f"usage: {USAGE}")
        elif not pattern:
            pattern = word
        elif "=" in word and not word.startswith("="):
            path, _, value = word.partition("=")
            members.append((path, value))
        else:
            raise UsageError(f":wait: {untrusted_line(word)} is not member=value", f"usage: {USAGE}")
    if not pattern:
        raise UsageError(":wait needs an event name", f"usage: {USAGE}; Tab lists the guest's events")
    _check_name(pattern, schema)
    return WaitSpec(pattern, tuple(members), timeout)


def _seconds(text: str) -> float:
    try:
        seconds = float(text)
    except ValueError:
        seconds = math.nan
    if not math.isfinite(seconds) or seconds <= 0:
        shown = untrusted_line(text) if text else "nothing"
        raise UsageError(f":wait --timeout takes a number of seconds above 0 (got {shown})", f"usage: {USAGE}")
    return seconds


def _check_name(pattern: str, schema: Schema | None) -> None:
    """An event this QEMU can send: a name of its schema, or a glob matching one (a typo would wait forever)."""
    names = list(schema.events) if schema is not None else []
    if not names:
        return  # no schema of events to check against (a names-only fallback): wait as asked
    if any(fnmatch.fnmatchcase(name, pattern) for name in names):
        return
    raise UsageError(
        f":wait: this QEMU has no event {untrusted_line(pattern)}{did_you_mean(pattern.upper(), names)}",
        "Tab after ':wait ' lists the guest's events",
    )


def matches(spec: WaitSpec, event: Event) -> bool:
    if not fnmatch.fnmatchcase(event.name, spec.pattern):
        return False
    return all(_value_matches(_at(event.data, path), text) for path, text in spec.members)


_ABSENT = object()


def _at(data: Any, path: str) -> Any:
    value = data
    for step in path.split("."):
        if not isinstance(value, Mapping) or step not in value:
            return _ABSENT
        value = value[step]
    return value


def _value_matches(value: Any, text: str) -> bool:
    """A typed value against the text typed: strings as they are, booleans as true/false (on/off), numbers by value,
    anything else by its compact JSON."""
    if value is _ABSENT:
        return False
    if isinstance(value, str):
        return value == text
    if isinstance(value, bool):
        return text.lower() in (("true", "on", "yes") if value else ("false", "off", "no"))
    if isinstance(value, int | float):
        try:
            return float(text) == value
        except ValueError:
            return False
    return json.dumps(value, separators=(",", ":")) == text


Subscribe = Callable[[Callable[[Event], None]], Callable[[], None]]  # add an observer; returns its removal


class RecentEvents:
    """The events that came since the last request was sent (or the last wait ended): a job started by the line
    before ``:wait`` may be ready before the wait begins (a small mirror is, within milliseconds), and waiting for
    an event that already came would wait forever."""

    def __init__(self, capacity: int = 1000) -> None:
        self._events: deque[tuple[float, Event]] = deque(maxlen=capacity)
        self._since = 0.0

    def add(self, event: Event) -> None:
        self._events.append((time.monotonic(), event))

    def sent(self) -> None:
        """A request is about to go out: what came before it is not what a later :wait waits for."""
        self._since = time.monotonic()

    def taken(self) -> None:
        """A wait ended: the next one waits for later events."""
        self._since = time.monotonic()

    def first_match(self, spec: WaitSpec) -> tuple[float, Event] | None:
        """The first event since then that matches, and how long ago it came."""
        now = time.monotonic()
        for arrived, event in self._events:
            if arrived >= self._since and matches(spec, event):
                return now - arrived, event
        return None


async def wait_for(spec: WaitSpec, subscribe: Subscribe) -> Event | None:
    """The first matching event from now on; None once the timeout has passed. Cancelling stops the wait."""
    future: asyncio.Future[Event] = asyncio.get_running_loop().create_future()

    def seen(event: Event) -> None:
        if not future.done() and matches(spec, event):
            future.set_result(event)

    unsubscribe = subscribe(seen)
    try:
        return await asyncio.wait_for(future, spec.timeout)
    except TimeoutError:
        return None
    finally:
        unsubscribe()


def shown_event(event: Event, waited: float, colour: bool, *, came: str = "") -> str:
    """The event that ended the wait: its time, name and how long it took, then its data whole."""
    head = f"{paint(clock(event.timestamp), DIM, colour)} {paint(untrusted_line(event.name), BOLD, colour)}"
    head += paint(f" ({came or f'after {waited:.1f} s'})", DIM, colour)
    if not event.data:
        return head
    if colour:
        from vdbgsh.render.highlight import highlight_json

        return f"{head}\n{highlight_json(event.data)}"
    return f"{head}\n{pretty(event.data)}"


async def run_wait(
    words: list[str],
    schema: Schema | None,
    observers: list[Callable[[Event], None]],
    colour: bool,
    recent: RecentEvents | None = None,
) -> str:
    """``:wait``'s whole run on the session's event observers: the event that came (or had come since the last
    request was sent: ``recent``), or one line saying none did in time. A UsageError for bad words, before any
    waiting."""
    spec = parse_wait(words, schema)
    if recent is not None and (found := recent.first_match(spec)) is not None:
        recent.taken()
        ago, earlier = found
        return shown_event(earlier, 0.0, colour, came=f"it had come {ago:.1f} s before :wait, after the last command")

    def subscribe(callback: Callable[[Event], None]) -> Callable[[], None]:
        observers.append(callback)
        return lambda: observers.remove(callback)

    start = time.monotonic()
    try:
        event = await wait_for(spec, subscribe)
    finally:
        if recent is not None:
            recent.taken()
    if event is None:
        assert spec.timeout is not None
        return error_text([f"no {untrusted_line(spec.describe())} came within {spec.timeout:g} s"], colour)
    return shown_event(event, time.monotonic() - start, colour)


def waits_on_purpose(line: str) -> bool:
    """A line that runs until something happens (:wait, :watch), not one whose slowness may mean a stuck guest."""
    return line.split(maxsplit=1)[0] in (":wait", ":watch") if line.strip() else False


def stopped_waiting(line: str) -> str | None:
    """What Ctrl-C during ``line`` stopped, when it is a ``:wait``: said instead of the usual 'stopped waiting for
    the reply'."""
    words = line.split()
    if len(words) < 2 or words[0] != ":wait":
        return None
    wanted: list[str] = []
    after_option = False
    for word in words[1:]:
        if not word.startswith("-") and not after_option:
            wanted.append(word)
        after_option = word == "--timeout"  # its value is no part of what was waited for
    return f"stopped waiting for {untrusted_line(' '.join(wanted))} (the events go on arriving)"


__all__ = [
    "USAGE",
    "WaitSpec",
    "matches",
    "parse_wait",
    "run_wait",
    "shown_event",
    "stopped_waiting",
    "wait_for",
    "waits_on_purpose",
]
