"""The few ANSI styles vdbgsh prints, and how to apply or remove them."""

from __future__ import annotations

import re

RESET = "\x1b[0m"
BOLD = "\x1b[1m"
DIM = "\x1b[2m"
RED_BOLD = "\x1b[1;31m"
MAGENTA = "\x1b[35m"

_ANSI = re.compile(r"\x1b\[[0-9;]*m")


def paint(text: str, code: str, colour: bool) -> str:
    return f"{code}{text}{RESET}" if colour else text


def strip_ansi(text: str) -> str:
    """The text a user reads: escape codes removed (what tests and width measurements need)."""
    return _ANSI.sub("", text)
