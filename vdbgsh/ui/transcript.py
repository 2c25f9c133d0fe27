"""The transcript: what the shell showed, newest last, scrolled back by the user or following the newest line.

Lines are held as the ANSI text the renderers produce and turned into styled fragments only when they are on
screen: prompt_toolkit's ANSI parser costs tens of microseconds a line, and a reply can be 20,000 lines long.

The renderers neutralise what QEMU and guests wrote before they paint it, so the only sequences in that text are
vdbgsh's own colours. The transcript keeps only those as it takes text in (render.untrusted.own_colours_only): any
other control that got this far is shown as its escape, never applied by prompt_toolkit's ANSI parser (which would
also pass a ``\x01...\x02`` run straight to the terminal) nor written out when the shell leaves its last screenful.
"""

from __future__ import annotations

from collections import deque
from collections.abc import Callable

from prompt_toolkit.formatted_text import ANSI, StyleAndTextTuples, to_formatted_text
from prompt_toolkit.formatted_text.utils import fragment_list_width
from prompt_toolkit.layout.controls import UIContent, UIControl
from prompt_toolkit.mouse_events import MouseEvent, MouseEventType

from vdbgsh.render.ansi import strip_ansi
from vdbgsh.render.untrusted import own_colours_only
from vdbgsh.ui.wrap import wrap_fragments

DEFAULT_MAX_LINES = 20_000
_PARSED_KEPT = 4_000  # parsed lines remembered: a few screens, whichever way the user scrolls


class Transcript:
    """The text shown so far: at most ``max_lines`` lines, the oldest dropped first (and counted)."""

    def __init__(self, max_lines: int = DEFAULT_MAX_LINES) -> None:
        self._lines: deque[str] = deque(maxlen=max_lines)
        self.dropped = 0  # lines pushed out since the start; also the absolute number of the oldest line held
        self._parsed: dict[int, StyleAndTextTuples] = {}
        self._rows: dict[tuple[int, int], list[StyleAndTextTuples]] = {}  # wrapped lines, by line and width

    def append(self, text: str) -> None:
        for line in own_colours_only(text).split("\n"):
            if len(self._lines) == self._lines.maxlen:
                self._parsed.pop(self.dropped, None)  # (its rows go when the row cache fills: keys are absolute)
                self.dropped += 1
            self._lines.append(line.expandtabs())

    def clear(self) -> None:
        self.dropped += len(self._lines)
        self._lines.clear()
        self._parsed.clear()
        self._rows.clear()

    def __len__(self) -> int:
        return len(self._lines)

    def fragments(self, index: int) -> StyleAndTextTuples:
        key = self.dropped + index
        parsed = self._parsed.get(key)
        if parsed is None:
            if len(self._parsed) >= _PARSED_KEPT:
                self._parsed.clear()
            line = self._lines[index]
            parsed = to_formatted_text(ANSI(line)) if "\x1b" in line else [("", line)]
            self._parsed[key] = parsed
        return parsed

    def rows(self, index: int, width: int) -> list[StyleAndTextTuples]:
        """One line as the screen rows it takes at ``width``, broken at blanks."""
        key = (self.dropped + index, width)
        rows = self._rows.get(key)
        if rows is None:
            if len(self._rows) >= _PARSED_KEPT:
                self._rows.clear()
            fragments = self.fragments(index)
            rows = [fragments] if fragment_list_width(fragments) <= width else wrap_fragments(fragments, width)
            self._rows[key] = rows
        return rows

    def line(self, index: int) -> str:
        """One line as held: vdbgsh's ANSI colours included, and no other control."""
        return self._lines[index]

    def text(self) -> str:
        """The transcript as plain text, the way a user reads it."""
        return "\n".join(strip_ansi(line) for line in self._lines)


class TranscriptControl(UIControl):
    """Shows the lines that end ``scrolled_back`` lines above the newest, long lines broken into rows at blanks.

    The control picks the lines itself (rather than letting the Window scroll a whole transcript) so that a
    redraw only ever looks at what fits on the screen.
    """

    def __init__(self, transcript: Transcript) -> None:
        self.transcript = transcript
        self.scrolled_back = 0  # 0: follow the newest line
        self.height = 1  # the screen's, as of the last redraw: what a page is, and how far back the view goes
        self.width = 80
        # Marks on a line's fragments (the transcript search's matches: ui/transcript_search.py), by line index.
        self.highlight: Callable[[int, StyleAndTextTuples], StyleAndTextTuples] | None = None

    @property
    def following(self) -> bool:
        return self.scrolled_back == 0

    def scroll(self, lines: int) -> None:
        """Positive: back towards older lines; negative: forward. Stops at both ends: back, once the first line
        is at the top of the screen (the screen never shows blank rows above it)."""
        self.scrolled_back = min(self._most_back(), max(0, self.scrolled_back + lines))

    def _most_back(self) -> int:
        """Lines below the view when the first line is at its top: the last line of the smallest run of lines from
        the first that fills the rows above the hint. A transcript that fits on the screen does not scroll."""
        transcript = self.transcript
        room = max(1, self.height - 1)
        rows = 0
        for index in range(len(transcript)):
            rows += len(transcript.rows(index, self.width))
            if rows >= room:
                return len(transcript) - 1 - index
        return 0

    def page_up(self) -> None:
        self.scroll(max(1, self.height - 2))

    def page_down(self) -> None:
        self.scroll(-max(1, self.height - 2))

    def follow(self) -> None:
        self.scrolled_back = 0

    def is_focusable(self) -> bool:
        return False

    def create_content(self, width: int, height: int) -> UIContent:
        self.height = height
        self.width = width
        # A resize (or a cleared transcript) may leave the view past the first line: it stops there.
        self.scrolled_back = min(self.scrolled_back, self._most_back())
        transcript = self.transcript
        last = len(transcript) - 1 - self.scrolled_back
        room = height if self.following else max(1, height - 1)  # the last row, when scrolled back, is the hint's
        shown: list[StyleAndTextTuples] = []
        index = last
        while index >= 0 and len(shown) < room:
            shown.extend(reversed(self._rows(index, width)))
            index -= 1
        shown.reverse()
        if len(shown) > room:
            # The oldest line only partly fits: its last rows show, as a terminal scrolled that far would.
            del shown[: len(shown) - room]
        if not self.following:
            shown.append([("class:transcript.scrolled", f" ↓ {self.scrolled_back} more lines (Ctrl-End) ")])
        return UIContent(
            get_line=lambda i: shown[i],
            line_count=len(shown),
            show_cursor=False,
        )

    def _rows(self, index: int, width: int) -> list[StyleAndTextTuples]:
        rows = self.transcript.rows(index, width)
        if self.highlight is None:
            return rows
        fragments = self.transcript.fragments(index)
        marked = self.highlight(index, fragments)
        if marked is fragments:
            return rows
        return [marked] if fragment_list_width(marked) <= width else wrap_fragments(marked, width)

    def mouse_handler(self, mouse_event: MouseEvent) -> None:
        if mouse_event.event_type == MouseEventType.SCROLL_UP:
            self.scroll(3)
        elif mouse_event.event_type == MouseEventType.SCROLL_DOWN:
            self.scroll(-3)
