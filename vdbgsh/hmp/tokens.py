"""HMP's tokenizer: C-locale blanks and get_str(), the only place HMP removes quotes."""

from __future__ import annotations

import re

# C isspace() in the "C" locale: Python's str.isspace() would also accept Unicode spaces QEMU does not.
BLANKS = " \t\n\v\f\r"

_BLANKS = re.compile(r"[ \t\n\v\f\r]*")
_WORD = re.compile(r"[^ \t\n\v\f\r]*")
_PLAIN_QUOTED = re.compile(r'"([^"\\]*)"')
_ESCAPES = {"n": "\n", "r": "\r", "\\": "\\", "'": "'", '"': '"'}


class TokenError(ValueError):
    """get_str() failed: ``reason`` in plain words, ``offset`` where."""

    def __init__(self, reason: str, offset: int) -> None:
        super().__init__(reason)
        self.reason = reason
        self.offset = offset


def skip_blanks(text: str, pos: int) -> int:
    return _BLANKS.match(text, pos).end()  # type: ignore[union-attr]  # a '*' pattern always matches


def get_str(text: str, pos: int) -> tuple[str, int]:
    """One token from ``pos`` (blanks skipped first): ``"..."`` with HMP's five escapes, else up to the next blank.

    Returns the token and the offset just after it. Unlike HMP, tokens longer than 1023 bytes are not truncated:
    a translation should not silently cut a value QMP would accept whole.
    """
    pos = _BLANKS.match(text, pos).end()  # type: ignore[union-attr]
    if pos >= len(text):
        raise TokenError("nothing left on the line", pos)
    if text[pos] != '"':
        end = _WORD.match(text, pos).end()  # type: ignore[union-attr]
        return text[pos:end], end
    plain = _PLAIN_QUOTED.match(text, pos)
    if plain:
        return plain.group(1), plain.end()
    return _quoted(text, pos)


def _quoted(text: str, start: int) -> tuple[str, int]:
    out: list[str] = []
    pos = start + 1
    size = len(text)
    while pos < size and text[pos] != '"':
        ch = text[pos]
        if ch == "\\":
            escaped = text[pos + 1] if pos + 1 < size else ""
            decoded = _ESCAPES.get(escaped)
            if decoded is None:
                shown = f"\\{escaped}" if escaped else "\\ at the end"
                raise TokenError(f"unsupported escape code {shown}: only \\n \\r \\\\ \\' \\\" are decoded", pos)
            out.append(decoded)
            pos += 2
        else:
            out.append(ch)
            pos += 1
    if pos >= size:
        raise TokenError('unterminated string: the closing " is missing', start)
    return "".join(out), pos + 1


def comma_value(text: str, pos: int) -> tuple[str, int]:
    """A value up to the next single comma, ",," standing for one comma (QemuOpts and keyval alike); returns it
    and where that comma stands (the text's length when there is none)."""
    comma = text.find(",", pos)
    if comma < 0:
        return text[pos:], len(text)
    if text[comma + 1 : comma + 2] != ",":
        return text[pos:comma], comma
    parts: list[str] = []
    while True:
        comma = text.find(",", pos)
        if comma < 0:
            parts.append(text[pos:])
            return "".join(parts), len(text)
        if text[comma + 1 : comma + 2] != ",":
            parts.append(text[pos:comma])
            return "".join(parts), comma
        parts.append(text[pos : comma + 1])
        pos = comma + 2
