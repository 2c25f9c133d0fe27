"""The errors a user can meet, each carrying the one line they are shown and the exit status it means.

Exit statuses follow libvirt's tools: 0 success, 1 the guest answered with an error, 2 usage or connection error.
"""

from __future__ import annotations

import functools
import re

EXIT_OK = 0
EXIT_GUEST_ERROR = 1
EXIT_USAGE = 2


class VdbgshError(Exception):
    """An error shown to the user as one line (plus an optional hint line), never as a traceback."""

    exit_status = EXIT_USAGE

    def __init__(self, message: str, hint: str | None = None) -> None:
        super().__init__(message)
        self.message = message
        self.hint = hint

    def lines(self) -> list[str]:
        message = shown(self.message)
        return [message] if self.hint is None else [message, f"hint: {shown(self.hint)}"]


# Messages quote what was typed. A terminal acts on control characters (ESC starts a sequence, CR rewinds the
# line), Unicode line separators break the one line in two, and lone surrogates (invalid UTF-8 bytes as Python
# decodes argv and stdin) cannot be printed at all.
# Compiled on first use (~0.7 ms, a one-shot exec's budget): only an error needs it.
_UNPRINTABLE = "[\x00-\x1f\x7f-\x9f\u2028\u2029\ud800-\udfff]"
LONGEST_LINE = 400


@functools.cache
def _unprintable() -> re.Pattern[str]:
    return re.compile(_UNPRINTABLE)


def printable(text: str) -> str:
    """``text`` with every unprintable character as its escape (an undecodable byte as that byte, ``\\xff``)."""
    return _unprintable().sub(_escape, text)


def _escape(found: re.Match[str]) -> str:
    code = ord(found.group())
    if 0xDC80 <= code <= 0xDCFF:
        code -= 0xDC00
    return f"\\x{code:02x}" if code <= 0xFF else f"\\u{code:04x}"


def shown(text: str) -> str:
    """``text`` as one printable line of a readable length: the middle of a longer one (a megabyte value quoted
    back) left out, before escaping, so that the cost does not grow with the input."""
    if len(text) > LONGEST_LINE:
        half = LONGEST_LINE // 2
        text = f"{text[:half]} … {text[-half:]}"
    return printable(text)


class UsageError(VdbgshError):
    """The command line or an input line is wrong; nothing was sent."""


class ConnectError(VdbgshError):
    """The guest's monitor could not be reached: libvirtd, the domain or the QMP socket."""


class MonitorGone(VdbgshError):
    """The monitor went away while talking to it (the guest was destroyed, QEMU died, the socket closed)."""


class LinkLost(MonitorGone):
    """The connection to libvirtd was lost (libvirtd stopped or restarted); the guest itself may well run on."""


class NotRunning(ConnectError):
    """libvirtd answers, but the domain does not exist or is not running."""
