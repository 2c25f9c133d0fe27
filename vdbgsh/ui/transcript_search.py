"""Searching the transcript (what the shell showed, not only the lines typed): Ctrl-F opens a find line over the
toolbar; as the pattern is typed the newest match is scrolled into view and every match on the screen is
highlighted, the current one apart. Enter, Up or Ctrl-F go to the next older match, Down to the next newer; Esc
(or Ctrl-C) goes back to typing, the view staying where it is (Ctrl-End follows the newest line again).

Case-insensitive unless the pattern has a capital letter (as less -i and vim's smartcase).
"""

from __future__ import annotations

from collections.abc import Callable
from itertools import pairwise
from typing import NamedTuple

from prompt_toolkit.buffer import Buffer
from prompt_toolkit.filters import Condition, Filter, has_focus
from prompt_toolkit.formatted_text import StyleAndTextTuples
from prompt_toolkit.key_binding import KeyBindings, KeyPressEvent
from prompt_toolkit.layout import ConditionalContainer, Float, FormattedTextControl, VSplit, Window
from prompt_toolkit.layout.controls import BufferControl

from vdbgsh.render.ansi import strip_ansi
from vdbgsh.ui.layout import ShellScreen
from vdbgsh.ui.transcript import Transcript

MATCH_STYLE = "bg:ansiyellow fg:ansiblack"
CURRENT_STYLE = "bg:ansired fg:ansiwhite bold"


class Match(NamedTuple):
    line: int  # absolute line number (Transcript.dropped + index)
    start: int  # offset in the line's text as shown


class TranscriptSearch:
    def __init__(self, screen: ShellScreen, transcript: Transcript, back_to_typing: Callable[[], None]) -> None:
        self.screen = screen
        self.transcript = transcript
        self.back_to_typing = back_to_typing
        self.buffer = Buffer(name="find", multiline=False, on_text_changed=lambda _buffer: self.search())
        self.matches: list[Match] = []
        self.current: int | None = None  # index into matches
        # Each line's text without colours, by absolute line number: stripped once, not on every key typed.
        self._plain: dict[int, str] = {}
        self.window = Window(
            BufferControl(self.buffer),
            get_line_prefix=lambda _line, _wrap: [("class:bottom-toolbar.key", "find: ")],
            height=1,
            style="class:bottom-toolbar",
        )
        status = Window(
            FormattedTextControl(self._status), height=1, style="class:bottom-toolbar", dont_extend_width=True
        )
        bar = ConditionalContainer(VSplit([self.window, status]), filter=has_focus(self.buffer))
        # Over the toolbar (its keys make no sense while finding), so the screen's layout stays as it is.
        screen.root.floats.append(Float(content=bar, bottom=0, left=0, right=0, height=1))
        screen.transcript_control.highlight = self.highlight

    @property
    def active(self) -> bool:
        return self.screen.layout.has_focus(self.buffer)

    def open(self) -> None:
        self.screen.layout.focus(self.window)
        if self.buffer.text:
            self.buffer.cursor_position = len(self.buffer.text)
            self.search()

    def close(self) -> None:
        self.back_to_typing()

    @property
    def pattern(self) -> str:
        return self.buffer.text

    def _folded(self, text: str) -> str:
        return text if any(c.isupper() for c in self.pattern) else text.lower()

    def search(self) -> None:
        """All matches, oldest first; the newest becomes the current one, scrolled into view."""
        self.matches = []
        self.current = None
        pattern = self._folded(self.pattern)
        if pattern:
            transcript = self.transcript
            if self._plain and min(self._plain) < transcript.dropped:
                self._plain = {key: text for key, text in self._plain.items() if key >= transcript.dropped}
            for index in range(len(transcript)):
                key = transcript.dropped + index
                plain = self._plain.get(key)
                if plain is None:
                    plain = self._plain[key] = strip_ansi(transcript.line(index))
                text = self._folded(plain)
                start = text.find(pattern)
                while start >= 0:
                    self.matches.append(Match(transcript.dropped + index, start))
                    start = text.find(pattern, start + max(1, len(pattern)))
        if self.matches:
            self.current = len(self.matches) - 1
            self._show_current()

    def step(self, older: bool) -> None:
        if not self.matches:
            self.search()
            return
        assert self.current is not None
        self.current = max(0, self.current - 1) if older else min(len(self.matches) - 1, self.current + 1)
        self._show_current()

    def _show_current(self) -> None:
        """Scroll so that the current match's line is about the middle of the view (as near as the ends allow)."""
        assert self.current is not None
        control, transcript = self.screen.transcript_control, self.transcript
        index = self.matches[self.current].line - transcript.dropped
        lines_below = len(transcript) - 1 - index
        rows = 0
        for later in range(index + 1, len(transcript)):  # the lines under it that fit in half the view
            rows += len(transcript.rows(later, control.width))
            if rows > control.height // 2:
                break
            lines_below -= 1
        control.scrolled_back = 0
        control.scroll(lines_below)

    def _status(self) -> StyleAndTextTuples:
        if not self.pattern:
            return [("", " type what to find · Esc back ")]
        if not self.matches:
            return [("class:bottom-toolbar.unseen", " no match "), ("", "· Esc back ")]
        assert self.current is not None
        place = f" {self.current + 1} of {len(self.matches)} "
        return [("class:bottom-toolbar.key", place), ("", "· Enter/↑ older · ↓ newer · Esc back ")]

    def highlight(self, index: int, fragments: StyleAndTextTuples) -> StyleAndTextTuples:
        """``fragments`` of transcript line ``index`` (as held) with the pattern's matches styled."""
        pattern = self._folded(self.pattern)
        if not pattern or not self.matches:
            return fragments
        text = "".join(fragment[1] for fragment in fragments)
        folded = self._folded(text)
        spans: list[tuple[int, int, str]] = []
        absolute = self.transcript.dropped + index
        current = self.matches[self.current] if self.current is not None else None
        start = folded.find(pattern)
        while start >= 0:
            is_current = current is not None and current == (absolute, start)
            spans.append((start, start + len(pattern), CURRENT_STYLE if is_current else MATCH_STYLE))
            start = folded.find(pattern, start + len(pattern))
        return _styled(fragments, spans) if spans else fragments


def _styled(fragments: StyleAndTextTuples, spans: list[tuple[int, int, str]]) -> StyleAndTextTuples:
    """``fragments`` with the text in each span restyled (the fragment's own style kept underneath)."""
    out: StyleAndTextTuples = []
    at = 0
    for fragment in fragments:
        style, text = fragment[0], fragment[1]
        end = at + len(text)
        cuts = sorted({0, len(text), *(max(0, min(len(text), p - at)) for s, e, _ in spans for p in (s, e))})
        for low, high in pairwise(cuts):
            if low == high:
                continue
            extra = next((st for s, e, st in spans if s <= at + low and at + high <= e), "")
            out.append((f"{style} {extra}".strip() if extra else style, text[low:high]))
        at = end
    return out


def search_key_bindings(search: Callable[[], TranscriptSearch | None], typing: Filter) -> KeyBindings:
    """Ctrl-F from the input line opens the find line; its own keys while it has the focus."""
    keys = KeyBindings()
    finding = Condition(lambda: (found := search()) is not None and found.active)

    @keys.add("c-f", filter=typing)
    def _open(event: KeyPressEvent) -> None:
        found = search()
        if found is not None:
            found.open()

    @keys.add("enter", filter=finding)
    @keys.add("up", filter=finding)
    @keys.add("c-f", filter=finding)
    def _older(event: KeyPressEvent) -> None:
        found = search()
        assert found is not None
        found.step(older=True)

    @keys.add("down", filter=finding)
    def _newer(event: KeyPressEvent) -> None:
        found = search()
        assert found is not None
        found.step(older=False)

    @keys.add("escape", filter=finding, eager=True)
    @keys.add("c-c", filter=finding)
    def _close(event: KeyPressEvent) -> None:
        found = search()
        assert found is not None
        found.close()

    return keys


__all__ = ["TranscriptSearch", "search_key_bindings"]
