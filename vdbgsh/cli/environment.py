"""What a command runs in: its streams and whether they are terminals. Tests can hand in their own."""

from __future__ import annotations

import io
import os
import sys
from typing import TextIO

from vdbgsh.render.untrusted import untrusted_line


class Environment:
    def __init__(self, stdin: TextIO | None = None, stdout: TextIO | None = None, stderr: TextIO | None = None) -> None:
        self.stdin = stdin or _undecodable_escaped(sys.stdin)
        self.stdout = stdout or sys.stdout
        self.stderr = stderr or sys.stderr

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


def _isatty(stream: TextIO) -> bool:
    try:
        return stream.isatty()
    except (AttributeError, ValueError):
        return False
