"""The gdb-like `/count format size` of x, xp, print, i and o, and the defaults HMP keeps between commands."""

from __future__ import annotations

from dataclasses import dataclass

from vdbgsh.syntax.errors import ParseError

FORMATS = "oduxic"
SIZES = {"b": 1, "h": 2, "w": 4, "g": 8, "L": 8}
FORMAT_HINT = "a format is /[count][format][size]: format one of o d u x i c, size one of b h w g"


@dataclass(slots=True)
class FormatState:
    """HMP's default_fmt_format/default_fmt_size: process-wide in QEMU, so one per guest here, kept by the caller.

    ``format`` is the format letter ('x'), ``size`` the unit in bytes.
    """

    format: str = "x"
    size: int = 4


def parse_format(line: str, pos: int, state: FormatState) -> tuple[int, str, int, int]:
    """The format at ``pos`` (blanks already skipped), or the defaults when no '/' is there.

    Returns count, format letter, size (-1 for 'i' with no size) and the offset after the format. Updates
    ``state`` as HMP does: an explicit format or size becomes the default for the next command.
    """
    if pos >= len(line) or line[pos] != "/":
        fmt = state.format
        return 1, fmt, -1 if fmt == "i" else state.size, pos
    pos += 1
    size_of_line = len(line)
    count = 1
    digits_end = pos
    while digits_end < size_of_line and "0" <= line[digits_end] <= "9":
        digits_end += 1
    if digits_end > pos:
        count = _int32(int(line[pos:digits_end]))
        pos = digits_end
    fmt, size = "", -1
    while pos < size_of_line:
        ch = line[pos]
        if ch in FORMATS:
            fmt = ch
        elif ch in SIZES:
            size = SIZES[ch]
        else:
            break
        pos += 1
    if pos < size_of_line and line[pos] not in " \t\n\v\f\r":
        raise ParseError(f"invalid char in format: '{line[pos]}' ({FORMAT_HINT})", line, pos)
    fmt = fmt or state.format
    if fmt != "i":
        # For 'i' an absent size stays -1 and the default size is left alone.
        if size < 0:
            size = state.size
        state.size = size
    state.format = fmt
    return count, fmt, size, pos


def _int32(value: int) -> int:
    """HMP accumulates the count in a C int."""
    value &= 0xFFFFFFFF
    return value - (1 << 32) if value & 0x80000000 else value


__all__ = ["FORMATS", "FORMAT_HINT", "SIZES", "FormatState", "parse_format"]
