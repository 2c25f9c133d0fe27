"""A bounded history of events: the newest ``capacity`` are kept, and the ones pushed out are counted."""

from __future__ import annotations

from collections import deque
from collections.abc import Iterator

from vdbgsh.transport.base import Event

DEFAULT_CAPACITY = 10_000


class EventRing:
    def __init__(self, capacity: int = DEFAULT_CAPACITY) -> None:
        if capacity < 1:
            raise ValueError(f"an event ring holds at least one event, not {capacity}")
        self.capacity = capacity
        self._events: deque[Event] = deque(maxlen=capacity)
        #: Events pushed out to make room since the last clear.
        self.dropped = 0
        #: Events ever appended; a reader remembers it to know how many arrived since it last looked.
        self.total = 0

    def append(self, event: Event) -> None:
        if len(self._events) == self.capacity:
            self.dropped += 1
        self._events.append(event)
        self.total += 1

    def resize(self, capacity: int) -> None:
        """Hold up to ``capacity`` events from now on, keeping the newest; those let go count as dropped."""
        if capacity < 1:
            raise ValueError(f"an event ring holds at least one event, not {capacity}")
        kept = deque(self._events, maxlen=capacity)
        self.dropped += len(self._events) - len(kept)
        self._events = kept
        self.capacity = capacity

    def clear(self) -> None:
        self._events.clear()
        self.dropped = 0

    def since(self, total: int) -> list[Event]:
        """The events appended after the moment ``self.total`` was ``total`` (those still held)."""
        wanted = min(self.total - total, len(self._events))
        return list(self._events)[len(self._events) - wanted :] if wanted > 0 else []

    def __len__(self) -> int:
        return len(self._events)

    def __iter__(self) -> Iterator[Event]:
        return iter(self._events)

    def __getitem__(self, index: int) -> Event:
        return self._events[index]
