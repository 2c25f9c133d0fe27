"""Long transcript lines broken into screen rows at blanks, as a reader expects, rather than mid-word.

Compact JSON (the ``→`` echo of a request, a transaction's actions) has no blanks: it breaks between members, after a
comma outside a string, so that its rows copied back together are the same JSON. A word wider than the row is cut
where the row ends (a long JSON string, a path). Widths are terminal cells: wide characters count two.
"""

from __future__ import annotations

from prompt_toolkit.formatted_text import StyleAndTextTuples
from prompt_toolkit.utils import get_cwidth


def row_spans(text: str, width: int) -> list[tuple[int, int]]:
    """``(start, end)`` offsets of each row of ``text``; a blank where a row breaks belongs to neither row."""
    width = max(1, width)
    rows: list[tuple[int, int]] = []
    row_start = column = 0
    after_blank = -1  # where the next row could start, just after the last blank of this row (-1: no blank yet)
    in_string = False  # inside a JSON string: its commas are not between members
    for offset, char in enumerate(text):
        cells = get_cwidth(char)
        if column + cells > width and offset > row_start:
            if char == " ":  # the blank at the edge goes: the next row starts after it
                rows.append((row_start, offset))
                row_start, column, after_blank = offset + 1, 0, -1
                continue
            start = after_blank if after_blank > row_start else offset
            rows.append((row_start, start))
            row_start, after_blank = start, -1
            column = sum(get_cwidth(c) for c in text[start:offset])
            if column + cells > width:  # the word carried over and this wide character still do not fit
                rows.append((row_start, offset))
                row_start, column = offset, 0
        column += cells
        if char == '"' and not _escaped(text, offset):
            in_string = not in_string
        if char == " " or (char == "," and not in_string and text[offset + 1 : offset + 2] not in (" ", "")):
            after_blank = offset + 1
    rows.append((row_start, len(text)))
    return rows


def _escaped(text: str, offset: int) -> bool:
    """Whether the quote at ``offset`` is escaped: an odd run of backslashes before it."""
    backslashes = 0
    while offset - backslashes > 0 and text[offset - backslashes - 1] == "\\":
        backslashes += 1
    return backslashes % 2 == 1


def wrap_fragments(fragments: StyleAndTextTuples, width: int) -> list[StyleAndTextTuples]:
    """``fragments`` as rows no wider than ``width``, each piece keeping its style."""
    text = "".join(fragment[1] for fragment in fragments)
    spans = row_spans(text, width)
    if len(spans) == 1:
        return [fragments]
    rows: list[StyleAndTextTuples] = [[] for _ in spans]
    row = at = 0
    for fragment in fragments:  # one pass: a highlighted reply can be one line of thousands of fragments
        style, piece = fragment[0], fragment[1]
        piece_end = at + len(piece)
        while row < len(spans) and spans[row][0] < piece_end:
            start, end = spans[row]
            low, high = max(start, at), min(end, piece_end)
            if low < high:
                rows[row].append((style, piece[low - at : high - at]))
            if end > piece_end:
                break
            row += 1
        at = piece_end
    return rows
