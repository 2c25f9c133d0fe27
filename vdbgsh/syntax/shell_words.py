"""Shell-like words with their positions: quotes and backslashes as in sh, offsets kept for carets.

``'...'`` is literal; ``"..."`` allows ``\\"`` and ``\\\\``; a backslash outside quotes escapes the next character.

The bottom of the syntax layer: it imports nothing of it, so that the secrets masker (which every parse error
uses to show its line) can split words without importing the parse errors that words.py raises.
"""

from __future__ import annotations

import re
from typing import NamedTuple


class Word(NamedTuple):
    text: str  # the word with quotes removed
    start: int  # offset of its first character in the source
    end: int  # offset just past its last character
    # Offset in the source where the value starts, for key=value words (after the first unquoted '='); -1 if none.
    value_start: int = -1


# Runs of characters with no meaning here, taken in one step: a line can be a megabyte long.
_PLAIN = re.compile(r"[^\s'\"\\=]+")
_PLAIN_AFTER_EQUALS = re.compile(r"[^\s'\"\\]+")


def scan_words(source: str) -> tuple[list[Word], int]:
    """The words of ``source``, an open quote taken to run to the end; and the offset of the first quote left
    open (-1 when every quote is closed)."""
    words: list[Word] = []
    unclosed = -1
    i, n = 0, len(source)
    while i < n:
        if source[i].isspace():
            i += 1
            continue
        start = i
        chars: list[str] = []
        value_start = -1
        while i < n and not source[i].isspace():
            ch = source[i]
            if ch == "=" and value_start < 0:
                value_start = i + 1
                chars.append(ch)
                i += 1
            elif ch == "'":
                close = source.find("'", i + 1)
                if close < 0:
                    unclosed = i if unclosed < 0 else unclosed
                    close = n
                chars.append(source[i + 1 : close])
                i = close + 1
            elif ch == '"':
                i += 1
                while i < n and source[i] != '"':
                    if source[i] == "\\" and i + 1 < n and source[i + 1] in '"\\':
                        i += 1
                    chars.append(source[i])
                    i += 1
                if i >= n and unclosed < 0:
                    unclosed = start + source[start:].index('"')
                i += 1
            elif ch == "\\" and i + 1 < n:
                chars.append(source[i + 1])
                i += 2
            else:
                run = (_PLAIN if value_start < 0 else _PLAIN_AFTER_EQUALS).match(source, i)
                if run is None:  # a backslash that ends the source, or '=' once the value has begun
                    chars.append(ch)
                    i += 1
                else:
                    chars.append(run.group())
                    i = run.end()
        words.append(Word("".join(chars), start, min(i, n), value_start))
    return words, unclosed
