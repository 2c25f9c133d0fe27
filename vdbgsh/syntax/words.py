"""Shell-like words with their positions (shell_words.py splits them), an open quote an error with a caret."""

from __future__ import annotations

from vdbgsh.syntax.errors import ParseError
from vdbgsh.syntax.shell_words import Word, scan_words

__all__ = ["Word", "split_words"]


def split_words(source: str, *, partial: bool = False) -> list[Word]:
    """Split ``source`` into words. With ``partial`` (text before the cursor), an open quote is not an error."""
    words, unclosed = scan_words(source)
    if unclosed >= 0 and not partial:
        raise ParseError("no closing quotation", source, unclosed, "close the quote, or escape it with \\")
    return words
