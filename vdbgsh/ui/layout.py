"""Where things go on the screen: the transcript, the events pane beside it (or below it on a narrow terminal),
the input line, the search line and the toolbar; the completion menu floats over them at the cursor."""

from __future__ import annotations

from collections.abc import Callable
from typing import Literal

from prompt_toolkit.application.current import get_app_session
from prompt_toolkit.buffer import Buffer
from prompt_toolkit.filters import has_focus
from prompt_toolkit.formatted_text import StyleAndTextTuples
from prompt_toolkit.formatted_text.utils import fragment_list_width
from prompt_toolkit.layout import (
    ConditionalContainer,
    Dimension,
    DynamicContainer,
    Float,
    FloatContainer,
    FormattedTextControl,
    HSplit,
    Layout,
    VSplit,
    Window,
)
from prompt_toolkit.layout.containers import AnyContainer
from prompt_toolkit.layout.controls import BufferControl
from prompt_toolkit.layout.menus import CompletionsMenu
from prompt_toolkit.layout.processors import AppendAutoSuggestion
from prompt_toolkit.lexers import Lexer
from prompt_toolkit.widgets import SearchToolbar

from vdbgsh.events.view import EventsView
from vdbgsh.ui.events_pane import EventsControl, title_fragments
from vdbgsh.ui.style import continuation
from vdbgsh.ui.transcript import Transcript, TranscriptControl

PaneSetting = Literal["auto", "right", "below"]
WIDE_ENOUGH = 100  # columns from which the pane goes beside the transcript rather than below it


def pane_width(columns: int) -> int:
    return max(30, min(70, columns // 3))


def pane_height(rows: int) -> int:
    return max(4, rows // 4)


class ShellScreen:
    def __init__(
        self,
        transcript: Transcript,
        events: EventsView,
        buffer: Buffer,
        *,
        lexer: Lexer,
        prompt: Callable[[], StyleAndTextTuples],
        toolbar: Callable[[], StyleAndTextTuples],
        placement: PaneSetting = "auto",
        pane_shown: bool = True,
    ) -> None:
        self.placement = placement
        self.pane_shown = pane_shown
        self._prompt = prompt
        self.transcript_control = TranscriptControl(transcript)
        self.transcript_window = Window(self.transcript_control, wrap_lines=False)
        self.events_control = EventsControl(events)
        self.events_window = Window(self.events_control, wrap_lines=False)
        events_title = Window(
            FormattedTextControl(lambda: title_fragments(events, self.pane_focused())), height=1, wrap_lines=False
        )
        self._pane = HSplit([events_title, self.events_window])
        self._bodies: dict[tuple[str, int], AnyContainer] = {}
        self.search = SearchToolbar(
            backward_search_prompt="(reverse-i-search) ", forward_search_prompt="(i-search) ", ignore_case=True
        )
        self.input_control = BufferControl(
            buffer,
            lexer=lexer,
            input_processors=[AppendAutoSuggestion()],
            search_buffer_control=self.search.control,
            preview_search=True,  # Ctrl-R shows the line found as the search is typed, as bash and zsh do
        )
        self.input_window = Window(
            self.input_control,
            get_line_prefix=self._line_prefix,
            height=Dimension(min=1, max=12),
            dont_extend_height=True,
            wrap_lines=True,
        )
        toolbar_window = Window(FormattedTextControl(toolbar), height=1, style="class:bottom-toolbar")
        body = HSplit(
            [
                DynamicContainer(self._body),
                self.input_window,
                ConditionalContainer(self.search, filter=has_focus(self.search.control)),
                toolbar_window,
            ]
        )
        menu = CompletionsMenu(max_height=12, scroll_offset=1, extra_filter=has_focus(buffer))
        self.root = FloatContainer(body, floats=[MenuAboveInput(menu, self.input_window)])
        self.layout = Layout(self.root, focused_element=self.input_window)

    def pane_focused(self) -> bool:
        return self.layout.has_focus(self.events_window)

    def pane_side(self) -> str:
        """ "right", "below" or "" (hidden)."""
        if not self.pane_shown:
            return ""
        if self.placement != "auto":
            return self.placement
        return "right" if _size()[1] >= WIDE_ENOUGH else "below"

    def columns(self) -> int:
        return _size()[1]

    def transcript_width(self) -> int:
        columns = _size()[1]
        return columns - pane_width(columns) - 1 if self.pane_side() == "right" else columns

    def _body(self) -> AnyContainer:
        side = self.pane_side()
        rows, columns = _size()
        extent = pane_width(columns) if side == "right" else pane_height(rows) if side == "below" else 0
        key = (side, extent)
        body = self._bodies.get(key)
        if body is None:
            if side == "right":
                body = VSplit(
                    [
                        self.transcript_window,
                        Window(width=1, char="│", style="class:separator"),
                        HSplit([self._pane], width=Dimension.exact(extent)),
                    ]
                )
            elif side == "below":
                body = HSplit([self.transcript_window, HSplit([self._pane], height=Dimension.exact(extent))])
            else:
                body = self.transcript_window
            self._bodies = {key: body}
        return body

    def _line_prefix(self, line_number: int, wrap_count: int) -> StyleAndTextTuples:
        prompt = self._prompt()
        if line_number == 0 and wrap_count == 0:
            return prompt
        width = fragment_list_width(prompt)
        # A JSON request continues with dots under the prompt; a wrapped line with spaces.
        return [("class:separator", continuation(width) if wrap_count == 0 else " " * width)]


class MenuAboveInput(Float):
    """The completion menu at the cursor's column, its last row right above the input's first: the input sits at
    the bottom, and prompt_toolkit's own placement (above the cursor's row) covered the rows of a wrapped line
    above the cursor, prompt included (at 60x20)."""

    MAX_HEIGHT = 12

    def __init__(self, menu: CompletionsMenu, input_window: Window) -> None:
        self._input_window = input_window
        self._menu = menu
        super().__init__(content=menu, xcursor=True, height=self._height)

    @property
    def bottom(self) -> int:
        """Rows from the input's first row to the screen's foot; the floats are drawn after the input, so its
        position is the one of this very drawing."""
        info = self._input_window.render_info
        rows = _size()[0]
        return rows - info._y_offset if info is not None else 1

    @bottom.setter
    def bottom(self, _value: int | None) -> None:
        pass  # Float.__init__ sets it; the property above is the one that counts

    def _height(self) -> int:
        above = _size()[0] - self.bottom
        wanted = self._menu.preferred_height(_size()[1], self.MAX_HEIGHT).preferred
        return max(0, min(wanted, self.MAX_HEIGHT, above))


def _size() -> tuple[int, int]:
    size = get_app_session().output.get_size()
    return size.rows, size.columns
