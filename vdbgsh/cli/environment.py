"""What a command runs in: its streams and whether they are terminals. Tests can hand in their own.

A stream can be closed (``exec G query-status >&-``: Python then has None for it) or unable to encode what a
guest sent (a ring buffer's ☃ under an ASCII or Latin-1 locale). Either must be said before anything is taken
from the guest, or not matter: what was read from it (a ring buffer is emptied by reading) is never lost.
"""

from __future__ import annotations

import io
import os
import sys
from typing import TextIO

from vdbgsh.errors import UsageError
from vdbgsh.render.untrusted import untrusted_line

# Commands that print what they got from a guest (or a transcript): no use starting them with stdout closed.
PRINTING = ("exec", "list", "translate", "events", "replay", "attach")


class Environment:
    def __init__(self, stdin: TextIO | None = None, stdout: TextIO | None = None, stderr: TextIO | None = None) -> None:
        self.closed = [name for name, stream in (("output", sys.stdout), ("input", sys.stdin)) if stream is None]
        self.stdin = stdin or (_undecodable_escaped(sys.stdin) if sys.stdin is not None else ClosedInput())
        if sys.stdout is None or sys.stderr is None:  # closed: written to nowhere, by whoever writes
            sys.stdout, sys.stderr = sys.stdout or _nowhere(), sys.stderr or _nowhere()
        self.stdout = stdout or _never_unencodable(sys.stdout)
        self.stderr = stderr or _never_unencodable(sys.stderr)

    def require_streams(self, command: str) -> None:
        """Refuse to start, before any guest is touched, what could only end in losing its output."""
        if "output" in self.closed and command in PRINTING:
            raise UsageError(
                "standard output is closed: what the guest answers would have nowhere to go (nothing was sent)",
                "redirect it to /dev/null to discard the output, rather than closing it",
            )

    @property
    def stdout_is_terminal(self) -> bool:
        return _isatty(self.stdout)

    @property
    def colour(self) -> bool:
        return self.stdout_is_terminal and "NO_COLOR" not in os.environ and os.environ.get("TERM") != "dumb"

    def error(self, *lines: str) -> None:
        """Each line neutralised: an error can quote what QEMU, libvirt or a guest said (an internal error's
        message too), and stderr is often the user's terminal."""
        first, *rest = lines
        print(f"vdbgsh: error: {untrusted_line(first)}", file=self.stderr)
        for line in rest:
            print(untrusted_line(line), file=self.stderr)


def _undecodable_escaped(stream: TextIO) -> TextIO:
    """Bytes on stdin that are not UTF-8 read as Python reads them in argv (surrogate escapes), so that a batch
    reports them on their line as invalid UTF-8, as it reports any other fault, instead of ending on a decoding
    error. Under the C locale Python does this already; under a UTF-8 locale it is strict."""
    if isinstance(stream, io.TextIOWrapper):
        stream.reconfigure(errors="surrogateescape")
    return stream


class ClosedInput(io.StringIO):
    """stdin when it was closed: reading it is a clear error, not an AttributeError on None. Nothing has been sent
    by then (a batch reads its line before sending it)."""

    def read(self, size: int | None = -1) -> str:
        raise UsageError("standard input is closed: there are no commands to read", "feed them on stdin (< FILE)")

    def readline(self, size: int | None = -1) -> str:  # type: ignore[override]
        return self.read()

    def readlines(self, hint: int | None = -1) -> list[str]:  # type: ignore[override]
        self.read()
        return []

    def __iter__(self) -> ClosedInput:  # type: ignore[override]
        self.read()
        return self


def _never_unencodable(stream: TextIO) -> TextIO:
    """A character the locale's encoding lacks is written as its escape (``\\u2603``; in a JSON string that is
    the same string) instead of failing the write after the guest's data was taken (strict under a Latin-1
    PYTHONIOENCODING, surrogateescape under the C locale: both fail on ☃)."""
    if isinstance(stream, io.TextIOWrapper):
        stream.reconfigure(errors="backslashreplace")
    return stream


def _nowhere() -> TextIO:
    return open(os.devnull, "w")  # for the life of the process


def _isatty(stream: TextIO) -> bool:
    try:
        return stream.isatty()
    except (AttributeError, ValueError):
        return False
