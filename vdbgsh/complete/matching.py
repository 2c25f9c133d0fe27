"""Ranking candidates against what the user typed: prefix matches first, then subsequence ("fuzzy") matches.

Names are compared case-insensitively and with ``_`` equal to ``-``: QMP spells ``device_add`` next to
``blockdev-add``, and nobody remembers which is which.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable
from typing import Generic, TypeVar

T = TypeVar("T")


def normalise(name: str) -> str:
    return name.casefold().replace("_", "-")


def fuzzy_span(pattern: str, name: str) -> tuple[int, int] | None:
    """Where ``pattern`` occurs in ``name`` as a subsequence: (start, end) of a tight window, or None.

    A forward pass finds the earliest end; walking back from it finds the latest start for that end, which keeps
    "bdadd" closer to "blockdev-add" than a first-occurrence window would.
    """
    position = -1
    for char in pattern:
        position = name.find(char, position + 1)
        if position < 0:
            return None
    end = position + 1
    start = position
    for char in reversed(pattern[:-1]):
        start = name.rfind(char, 0, start)
    return start, end


class MatchIndex(Generic[T]):
    """Items sorted once by their normalised name, so each keystroke only scans and filters."""

    __slots__ = ("_entries",)

    def __init__(self, items: Iterable[T], name: Callable[[T], str]) -> None:
        keyed = [(normalise(name(item)), name(item), item) for item in items]
        keyed.sort(key=lambda entry: (entry[0], entry[1]))
        self._entries = [(key, item) for key, _, item in keyed]

    def __len__(self) -> int:
        return len(self._entries)

    def match(self, typed: str) -> list[T]:
        """Prefix matches in alphabetical order, then subsequence matches, tightest and earliest first."""
        if not typed:
            return [item for _, item in self._entries]
        pattern = normalise(typed)
        prefixed: list[T] = []
        fuzzy: list[tuple[int, int, int, T]] = []
        for order, (key, item) in enumerate(self._entries):
            if key.startswith(pattern):
                prefixed.append(item)
                continue
            span = fuzzy_span(pattern, key)
            if span is not None:
                start, end = span
                fuzzy.append((end - start, start, order, item))
        fuzzy.sort(key=lambda entry: entry[:3])
        return prefixed + [entry[3] for entry in fuzzy]


def rank(items: Iterable[T], typed: str, name: Callable[[T], str]) -> list[T]:
    """One-off ranking, for values fetched live that are not worth indexing."""
    return MatchIndex(items, name).match(typed)
