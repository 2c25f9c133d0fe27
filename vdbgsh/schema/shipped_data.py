"""Data shipped per QEMU version (vdbgsh/data/NAME-VERSION.EXT: QEMU's documentation, the agent's schema): which
versions there are, and which one a guest of a given version gets.

A guest gets its own version's file, else the nearest older one (a later release mostly adds: the older words and
types still hold for what both have), else none (an older QEMU may lack what the file describes).
"""

from __future__ import annotations

import re
from collections.abc import Iterable
from pathlib import Path
from typing import TypeVar

DATA = Path(__file__).resolve().parent.parent / "data"
V = TypeVar("V", bound=tuple[int, ...])


def versions_of(pattern: re.Pattern[str], directory: Path = DATA) -> list[tuple[int, ...]]:
    """The versions of the files in ``directory`` whose name ``pattern`` matches whole (its groups: the numbers)."""
    found = []
    for path in directory.iterdir():
        match = pattern.fullmatch(path.name)
        if match is not None:
            found.append(tuple(int(number) for number in match.groups()))
    return sorted(found)


def nearest_older(wanted: V, shipped: Iterable[V]) -> V | None:
    """``wanted`` itself if shipped, else the newest shipped version older than it; None when all are newer."""
    older = [version for version in shipped if version <= wanted]
    return max(older) if older else None
