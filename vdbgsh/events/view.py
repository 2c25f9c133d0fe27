"""What an events pane shows, apart from how it is drawn: the ring's events that pass a filter, frozen while
paused, scrolled back or following the newest, one of them perhaps selected.

Events are numbered in arrival order (``seq``) so that a pause, a selection and a scroll position stay on the
same events while new ones arrive and the ring drops old ones.
"""

from __future__ import annotations

from bisect import bisect_left
from collections import deque
from typing import NamedTuple

from vdbgsh.events.filter import EventFilter
from vdbgsh.events.ring import EventRing
from vdbgsh.transport.base import Event


class Numbered(NamedTuple):
    seq: int
    event: Event


class EventsView:
    def __init__(self, ring: EventRing) -> None:
        self.ring = ring
        self.filter = EventFilter()
        self._matching: deque[Numbered] = deque(maxlen=ring.capacity)
        self.paused_at: int | None = None  # events from this seq on wait until resume
        self.selected: int | None = None  # seq of the selected event
        self.scrolled_back = 0  # shown events below the window; 0 follows the newest
        self.seen = 0  # ring.total when the user last had the newest events in view

    def add(self, event: Event) -> None:
        numbered = Numbered(self.ring.total, event)
        self.ring.append(event)
        if self.filter(event):
            self._matching.append(numbered)
            if self.selected is not None or self.scrolled_back:
                self.scrolled_back += 1  # the user is looking at older ones: they stay where they are

    def set_filter(self, event_filter: EventFilter) -> None:
        self.filter = event_filter
        first = self.ring.total - len(self.ring)
        self._matching = deque(
            (Numbered(first + i, e) for i, e in enumerate(self.ring) if event_filter(e)), maxlen=self.ring.capacity
        )
        self.selected = None
        self.scrolled_back = 0

    def resize(self, capacity: int) -> None:
        """Hold up to ``capacity`` events from now on, keeping the newest."""
        self.ring.resize(capacity)
        self.set_filter(self.filter)

    def clear(self) -> None:
        self.ring.clear()
        self._matching.clear()
        self.selected = None
        self.scrolled_back = 0
        self.seen = self.ring.total

    def pause(self) -> None:
        if self.paused_at is None:
            self.paused_at = self.ring.total

    def resume(self) -> None:
        self.paused_at = None

    @property
    def paused(self) -> bool:
        return self.paused_at is not None

    @property
    def unseen(self) -> int:
        return self.ring.total - self.seen

    def waiting(self) -> int:
        """Matching events that arrived while paused."""
        if self.paused_at is None:
            return 0
        count = 0
        for numbered in reversed(self._matching):
            if numbered.seq < self.paused_at:
                break
            count += 1
        return count

    def shown(self) -> list[Numbered]:
        """The events the pane lists, oldest first."""
        events = list(self._matching)
        if self.paused_at is not None:
            events = events[: bisect_left(events, self.paused_at, key=lambda n: n.seq)]
        return events

    def window(self, rows: int) -> list[Numbered]:
        """The ``rows`` shown events to draw; moves the window to keep the selected event in it."""
        events = self.shown()
        count = len(events)
        if self.selected is not None:
            position = bisect_left(events, self.selected, key=lambda n: n.seq)
            if position < count and events[position].seq == self.selected:
                end = count - self.scrolled_back
                if position >= end:
                    self.scrolled_back = count - position - 1
                elif position < end - rows:
                    self.scrolled_back = count - position - rows
            else:
                self.selected = None
        self.scrolled_back = max(0, min(self.scrolled_back, count - rows))
        end = count - self.scrolled_back
        return events[max(0, end - rows) : end]

    def scroll(self, lines: int) -> None:
        self.scrolled_back = max(0, self.scrolled_back + lines)

    def select(self, step: int) -> None:
        """Move the selection ``step`` events (negative: older); the first move selects the newest."""
        events = self.shown()
        if not events:
            self.selected = None
            return
        if self.selected is None:
            position = len(events) - 1
        else:
            position = bisect_left(events, self.selected, key=lambda n: n.seq) + step
        self.selected = events[max(0, min(len(events) - 1, position))].seq

    def select_end(self, newest: bool) -> None:
        events = self.shown()
        self.selected = (events[-1] if newest else events[0]).seq if events else None

    def selected_event(self) -> Numbered | None:
        if self.selected is None:
            return None
        events = self.shown()
        position = bisect_left(events, self.selected, key=lambda n: n.seq)
        return events[position] if position < len(events) and events[position].seq == self.selected else None

    def nth_newest(self, n: int) -> Numbered | None:
        events = self.shown()
        return events[-n] if 0 < n <= len(events) else None
