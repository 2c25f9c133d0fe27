"""The events pane: a title line saying what is shown, then one line per event (time, name, compact data, cut
with an ellipsis at the pane's edge); the event picked with F3 shows whole, over as many rows as it takes."""

from __future__ import annotations

from collections.abc import Callable

from prompt_toolkit.formatted_text import StyleAndTextTuples
from prompt_toolkit.formatted_text.utils import fragment_list_width
from prompt_toolkit.layout.controls import UIContent, UIControl
from prompt_toolkit.mouse_events import MouseEvent, MouseEventType
from prompt_toolkit.utils import get_cwidth

from vdbgsh.events.format import clock, identifying_first
from vdbgsh.events.view import EventsView, Numbered
from vdbgsh.render.json_text import compact
from vdbgsh.render.untrusted import untrusted_line
from vdbgsh.transport.base import Event
from vdbgsh.ui.wrap import wrap_fragments

# Events that mean the guest stopped or went away stand out; the ones that say it is fine again are green.
_ALARMING = ("SHUTDOWN", "RESET", "GUEST_PANICKED", "GUEST_CRASHLOADED", "POWERDOWN", "BLOCK_IO_ERROR")
_RELIEVING = ("RESUME", "WAKEUP", "BLOCK_JOB_COMPLETED", "DEVICE_DELETED")
_DATA_SHOWN = 300  # characters of data drawn on one line; the whole event is one Enter away
_SELECTED_ROWS = 40  # rows a picked event takes at most in the pane (Enter shows any event whole)


def event_style(name: str) -> str:
    if name in _ALARMING:
        return "class:event.name.alarming"
    if name in _RELIEVING:
        return "class:event.name.relieving"
    if name in ("STOP", "SUSPEND"):
        return "class:event.name.stopping"
    return "class:event.name"


def event_fragments(numbered: Numbered, selected: bool) -> StyleAndTextTuples:
    """The event as one line: its time, its name, then its data with the identifying members first."""
    event = numbered.event
    line: StyleAndTextTuples = [
        ("class:event.time", clock(event.timestamp)),
        ("", " "),
        (event_style(event.name), untrusted_line(event.name)),  # QEMU's word, whatever it holds
    ]
    if event.data is not None:
        data = compact(identifying_first(event.data))
        line += [("", " "), ("class:event.data", data if selected else data[:_DATA_SHOWN])]
    if selected:
        line = [("class:event.selected " + fragment[0], fragment[1]) for fragment in line]
    return line


def event_rows(numbered: Numbered, selected: bool, width: int, cause: str = "") -> list[StyleAndTextTuples]:
    """An event fitted to the pane: cut with an ellipsis at its edge, or, picked, shown whole over several rows,
    with the command that most likely caused it (``cause``, events/cause.py) under it."""
    line = event_fragments(numbered, selected)
    if selected:
        rows = wrap_fragments(line, width)
        if cause:
            rows += wrap_fragments([("class:event.selected class:event.cause", f"← {cause}")], width)
        return rows[:_SELECTED_ROWS]
    return [fit_fragments(line, width)]


def fit_fragments(line: StyleAndTextTuples, width: int) -> StyleAndTextTuples:
    """``line`` cut to ``width`` cells, its last cell an ellipsis when anything was cut."""
    if fragment_list_width(line) <= width:
        return line
    fitted: StyleAndTextTuples = []
    room = max(0, width - 1)
    for fragment in line:
        style, text = fragment[0], fragment[1]
        kept = ""
        for char in text:
            cells = get_cwidth(char)
            if cells > room:
                break
            kept += char
            room -= cells
        if kept:
            fitted.append((style, kept))
        if kept != text:
            fitted.append((style, "…"))
            break
    return fitted


def title_fragments(view: EventsView, focused: bool) -> StyleAndTextTuples:
    ring = view.ring
    parts = [f" events {ring.total:,}"]
    if view.filter.active:
        described = " ".join(view.filter.patterns)
        if view.filter.regex:
            described = f"/{described}/"
        if view.filter.text:
            described = f"{described} containing {view.filter.text!r}".strip()
        parts.append(f"shown {len(view.shown()):,} ({described}{', any case' if view.filter.no_case else ''})")
    if view.paused:
        parts.append(f"PAUSED, {view.waiting():,} waiting")
    if ring.dropped:
        parts.append(f"{ring.dropped:,} dropped (buffer {ring.capacity:,})")
    if focused:
        parts.append("↑↓ pick · Enter JSON · p pause · c clear · Esc back")
    else:
        parts.append("F3 pick one")
    style = "class:events.title.focused" if focused else "class:events.title"
    return [(style, " · ".join(parts))]


class EventsControl(UIControl):
    def __init__(self, view: EventsView) -> None:
        self.view = view
        self.cause: Callable[[Event], str] | None = None  # the picked event's likely cause, "" when none is known

    def is_focusable(self) -> bool:
        return True

    def create_content(self, width: int, height: int) -> UIContent:
        view = self.view
        lines: list[StyleAndTextTuples] = []
        picked = (0, 0)  # the rows of the selected event, which stay on the screen
        for numbered in view.window(height):
            selected = numbered.seq == view.selected
            cause = self.cause(numbered.event) if selected and self.cause is not None else ""
            rows = event_rows(numbered, selected, width, cause)
            if selected:
                picked = (len(lines), len(lines) + len(rows))
            lines += rows
        if len(lines) > height:
            # The picked event's rows pushed the others down: the oldest go first, as long as it stays whole.
            start = min(picked[0], len(lines) - height)
            lines = lines[start : start + height]
        if not lines:
            lines = [[("class:events.empty", " (no events yet)" if not view.ring.total else " (none match)")]]
        return UIContent(get_line=lambda i: lines[i], line_count=len(lines), show_cursor=False)

    def mouse_handler(self, mouse_event: MouseEvent) -> None:
        if mouse_event.event_type == MouseEventType.SCROLL_UP:
            self.view.scroll(3)
        elif mouse_event.event_type == MouseEventType.SCROLL_DOWN:
            self.view.scroll(-3)
