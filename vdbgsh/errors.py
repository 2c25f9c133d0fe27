"""The errors a user can meet, each carrying the one line they are shown and the exit status it means.

Exit statuses follow libvirt's tools: 0 success, 1 the guest answered with an error, 2 usage or connection error.
"""

from __future__ import annotations

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
        return [self.message] if self.hint is None else [self.message, f"hint: {self.hint}"]


class UsageError(VdbgshError):
    """The command line or an input line is wrong; nothing was sent."""


class ConnectError(VdbgshError):
    """The guest's monitor could not be reached: libvirtd, the domain or the QMP socket."""


class MonitorGone(VdbgshError):
    """The monitor went away while talking to it (the guest was destroyed, QEMU died, the socket closed)."""
