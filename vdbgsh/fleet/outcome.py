"""What became of one request to one guest of a fleet, and the four kinds the counts and the exit status add up."""

from __future__ import annotations

from typing import Any, NamedTuple

OK = "ok"
QEMU_ERROR = "QEMU error"  # the guest answered with an error
UNREACHABLE = "unreachable"  # the host, the guest or its monitor could not be reached (or went away)
REFUSED = "refused"  # not sent: the guard rails, a declined question, or a command this guest's QEMU lacks
INTERRUPTED = "interrupted"  # Ctrl-C came before its reply
KINDS = (OK, QEMU_ERROR, UNREACHABLE, REFUSED)

# The JSON "class" of what did not come from QEMU itself (QEMU's errors keep QEMU's class).
ERROR_CLASSES = {UNREACHABLE: "Unreachable", REFUSED: "Refused", INTERRUPTED: "Interrupted"}


class Outcome(NamedTuple):
    uri: str
    domain: str
    kind: str
    value: Any  # OK: the return value; else {"class": ..., "desc": ...}
    elapsed: float = 0.0
    line: int | None = None  # the stdin line of a batch ('-')
    hmp_text: bool = False  # the return is the text monitor's output
    note: str = ""  # said beside the outcome (QEMU quit as asked)


def failed(uri: str, domain: str, kind: str, desc: str, *, line: int | None = None, elapsed: float = 0.0) -> Outcome:
    return Outcome(uri, domain, kind, {"class": ERROR_CLASSES[kind], "desc": desc}, elapsed, line)
