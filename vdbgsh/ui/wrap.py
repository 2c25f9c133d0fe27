"""Long transcript lines broken into screen rows at blanks, as a reader expects, rather than mid-word.

A word wider than the row is cut where the row ends (a long JSON string, a path). Widths are terminal cells:
wide characters count two.
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
        if char == " ":
            after_blank = offset + 1
    rows.append((row_start, len(text)))
    return rows


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
