"""What a command runs in: its streams and whether they are terminals. Tests can hand in their own."""

from __future__ import annotations

import os
import sys
from typing import TextIO


class Environment:
    def __init__(self, stdin: TextIO | None = None, stdout: TextIO | None = None, stderr: TextIO | None = None) -> None:
        self.stdin = stdin or sys.stdin
        self.stdout = stdout or sys.stdout
        self.stderr = stderr or sys.stderr

    @property
    def stdout_is_terminal(self) -> bool:
        return _isatty(self.stdout)

    @property
    def colour(self) -> bool:
        return self.stdout_is_terminal and "NO_COLOR" not in os.environ and os.environ.get("TERM") != "dumb"

    def error(self, *lines: str) -> None:
        first, *rest = lines
        print(f"vdbgsh: error: {first}", file=self.stderr)
        for line in rest:
            print(line, file=self.stderr)


def _isatty(stream: TextIO) -> bool:
    try:
        return stream.isatty()
    except (AttributeError, ValueError):
        return False
