"""The ``:events`` meta-command: what the user asked the events pane to do, parsed and checked (no UI here)."""

from __future__ import annotations

import shlex
from typing import NamedTuple

from vdbgsh.errors import UsageError

USAGE = (
    ":events [on|off] | filter [--regex] [--no-case] [PATTERN ...] | grep [TEXT] | pause | resume | clear"
    " | show [N] | buffer N"
)
ACTIONS = ("on", "off", "filter", "grep", "pause", "resume", "clear", "show", "buffer")
MAX_BUFFER = 1_000_000


class EventsCommand(NamedTuple):
    action: str  # "toggle" or one of ACTIONS
    patterns: tuple[str, ...] = ()
    regex: bool = False
    no_case: bool = False
    text: str = ""
    number: int = 1


def parse_events_command(argument: str) -> EventsCommand:
    """``argument`` is what follows ``:events``."""
    try:
        words = shlex.split(argument)
    except ValueError as err:
        raise UsageError(f":events: {err}", USAGE) from None
    if not words:
        return EventsCommand("toggle")
    action, rest = words[0], words[1:]
    if action not in ACTIONS:
        raise UsageError(f":events has no '{action}'", USAGE)
    if action == "filter":
        flags = {"--regex", "--no-case", "-i"}
        patterns = tuple(word for word in rest if word not in flags)
        unknown = [word for word in patterns if word.startswith("-") and len(word) > 1]
        if unknown:
            raise UsageError(f":events filter has no option '{unknown[0]}'", "options: --regex, --no-case (-i)")
        return EventsCommand(action, patterns, regex="--regex" in rest, no_case="--no-case" in rest or "-i" in rest)
    if action == "grep":
        return EventsCommand(action, text=" ".join(rest))
    if action in ("show", "buffer"):
        return EventsCommand(action, number=_number(action, rest, required=action == "buffer"))
    if rest:
        raise UsageError(f":events {action} takes nothing after it (got '{' '.join(rest)}')", USAGE)
    return EventsCommand(action)


def _number(action: str, rest: list[str], *, required: bool) -> int:
    if not rest and not required:
        return 1
    # isascii: "²" is a digit to str.isdigit, not to int().
    if len(rest) != 1 or not (rest[0].isascii() and rest[0].isdigit()) or not 1 <= int(rest[0]) <= MAX_BUFFER:
        what = "how many events to keep" if action == "buffer" else "which event, counted from the newest (1)"
        raise UsageError(f":events {action} takes a number from 1 to {MAX_BUFFER:,}: {what}")
    return int(rest[0])
