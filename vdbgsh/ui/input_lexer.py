"""Colours for the line being typed, chosen by how it starts: JSON, a meta-command, or ``cmd key=value``."""

from __future__ import annotations

from collections.abc import Callable

from prompt_toolkit.document import Document
from prompt_toolkit.formatted_text import StyleAndTextTuples
from prompt_toolkit.lexers import Lexer, PygmentsLexer
from pygments.lexers import JsonLexer

from vdbgsh.syntax.meta import is_meta


class InputLexer(Lexer):
    def __init__(self) -> None:
        self._json = PygmentsLexer(JsonLexer)

    def lex_document(self, document: Document) -> Callable[[int], StyleAndTextTuples]:
        text = document.text.lstrip()
        if text.startswith("{") or text.startswith("!{"):
            return self._json.lex_document(document)
        lines = document.lines
        meta = is_meta(text) if text else False

        def line(number: int) -> StyleAndTextTuples:
            source = lines[number] if number < len(lines) else ""
            if meta:
                return [("class:meta", source)]
            return _command_line(source) if number == 0 else [("", source)]

        return line


def _command_line(source: str) -> StyleAndTextTuples:
    fragments: StyleAndTextTuples = []
    first = True
    for chunk in _chunks(source):
        if chunk.isspace():
            fragments.append(("", chunk))
        elif first:
            fragments.append(("class:command", chunk))
            first = False
        elif "=" in chunk:
            key, _, value = chunk.partition("=")
            fragments += [("class:key", key), ("class:equals", "="), ("class:value", value)]
        else:
            fragments.append(("class:value", chunk))
    return fragments


def _chunks(source: str) -> list[str]:
    """Runs of spaces and runs of the rest (quotes are not split: colouring only)."""
    chunks: list[str] = []
    for ch in source:
        if chunks and chunks[-1][-1].isspace() == ch.isspace():
            chunks[-1] += ch
        else:
            chunks.append(ch)
    return chunks
