"""The events pane: a title line saying what is shown, then one line per event (time, name, compact data)."""

from __future__ import annotations

from prompt_toolkit.formatted_text import StyleAndTextTuples
from prompt_toolkit.layout.controls import UIContent, UIControl
from prompt_toolkit.mouse_events import MouseEvent, MouseEventType

from vdbgsh.events.format import clock
from vdbgsh.events.view import EventsView, Numbered
from vdbgsh.render.json_text import compact
from vdbgsh.render.untrusted import untrusted_line

# Events that mean the guest stopped or went away stand out; the ones that say it is fine again are green.
_ALARMING = ("SHUTDOWN", "RESET", "GUEST_PANICKED", "GUEST_CRASHLOADED", "POWERDOWN", "BLOCK_IO_ERROR")
_RELIEVING = ("RESUME", "WAKEUP", "BLOCK_JOB_COMPLETED", "DEVICE_DELETED")
_DATA_SHOWN = 300  # characters of data drawn on one line; the whole event is one Enter away


def event_style(name: str) -> str:
    if name in _ALARMING:
        return "class:event.name.alarming"
    if name in _RELIEVING:
        return "class:event.name.relieving"
    if name in ("STOP", "SUSPEND"):
        return "class:event.name.stopping"
    return "class:event.name"


def event_fragments(numbered: Numbered, selected: bool) -> StyleAndTextTuples:
    event = numbered.event
    line: StyleAndTextTuples = [
        ("class:event.time", clock(event.timestamp)),
        ("", " "),
        (event_style(event.name), untrusted_line(event.name)),  # QEMU's word, whatever it holds
    ]
    if event.data is not None:
        line += [("", " "), ("class:event.data", compact(event.data)[:_DATA_SHOWN])]
    if selected:
        line = [("class:event.selected " + fragment[0], fragment[1]) for fragment in line]
    return line


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

    def is_focusable(self) -> bool:
        return True

    def create_content(self, width: int, height: int) -> UIContent:
        view = self.view
        rows = view.window(height)
        lines = [event_fragments(numbered, numbered.seq == view.selected) for numbered in rows]
        if not lines:
            lines = [[("class:events.empty", " (no events yet)" if not view.ring.total else " (none match)")]]
        return UIContent(get_line=lambda i: lines[i], line_count=len(lines), show_cursor=False)

    def mouse_handler(self, mouse_event: MouseEvent) -> None:
        if mouse_event.event_type == MouseEventType.SCROLL_UP:
            self.view.scroll(3)
        elif mouse_event.event_type == MouseEventType.SCROLL_DOWN:
            self.view.scroll(-3)
