"""Small timing helpers: medians of alternating runs, so both sides see the same machine noise."""

from __future__ import annotations

import statistics
import time
from collections.abc import Callable


def median_ms(samples: list[float]) -> float:
    return statistics.median(samples) * 1000


def alternate(first: Callable[[], object], second: Callable[[], object], runs: int) -> tuple[list[float], list[float]]:
    """Time ``first`` and ``second`` in turn, ``runs`` times each; returns both lists of seconds."""
    times_first: list[float] = []
    times_second: list[float] = []
    for _ in range(runs):
        for function, times in ((first, times_first), (second, times_second)):
            start = time.perf_counter()
            function()
            times.append(time.perf_counter() - start)
    return times_first, times_second


def report(label: str, ours_ms: float, baseline_label: str, baseline_ms: float, target: float) -> str:
    ratio = ours_ms / baseline_ms
    verdict = "ok" if ratio <= target else "MISSED"
    return (
        f"{label:<44} {ours_ms:9.3f} ms   {baseline_label:<34} {baseline_ms:9.3f} ms   "
        f"ratio {ratio:5.2f}x (target <= {target}x: {verdict})"
    )
