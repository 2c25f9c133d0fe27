"""Progress bars for what ``:watch`` sees running: block jobs (query-block-jobs), jobs (query-jobs) and a migration
(query-migrate), each with how far it is, its rate (from the samples of successive rounds) and the time left.

Pure: the rates are remembered by a ``Rates`` the caller keeps between rounds.
"""

from __future__ import annotations

import io
import time
from collections import deque
from collections.abc import Mapping
from typing import TYPE_CHECKING, Any, NamedTuple

from vdbgsh.render.untrusted import untrusted_line

if TYPE_CHECKING:
    from rich.text import Text


class Progress(NamedTuple):
    key: str  # what identifies it between rounds: the job's id or device, "migration"
    label: str
    done: int
    total: int
    state: str


WINDOW = 30.0  # seconds of samples a rate is taken over


class Rates:
    """Each job's samples of the last WINDOW seconds, for its rate (bytes per second) across rounds: a job limited
    by a speed copies in bursts (a chunk, then a sleep), so the rate between two rounds alone jumps to and from 0."""

    def __init__(self) -> None:
        self._samples: dict[str, deque[tuple[float, int]]] = {}

    def update(self, key: str, done: int, now: float) -> float | None:
        samples = self._samples.setdefault(key, deque())
        if samples and done < samples[-1][1]:
            samples.clear()  # a new job of the same name: start over
        samples.append((now, done))
        while len(samples) > 2 and now - samples[1][0] >= WINDOW:
            samples.popleft()
        first_at, first_done = samples[0]
        if now <= first_at or done == first_done:
            return None
        return (done - first_done) / (now - first_at)


def progresses(command: str, value: Any) -> list[Progress]:
    """The running jobs a reply tells of, by the command that got it."""
    found: list[Progress] = []
    if command == "query-block-jobs" and isinstance(value, list):
        for job in value:
            if isinstance(job, Mapping) and _counts(job.get("offset"), job.get("len")):
                device = str(job.get("device", "?"))
                state = str(job.get("status", "ready" if job.get("ready") else "running"))
                found.append(Progress(device, f"{job.get('type', 'job')} {device}", job["offset"], job["len"], state))
    elif command == "query-jobs" and isinstance(value, list):
        for job in value:
            if isinstance(job, Mapping) and _counts(job.get("current-progress"), job.get("total-progress")):
                ident = str(job.get("id", "?"))
                found.append(
                    Progress(
                        ident,
                        f"{job.get('type', 'job')} {ident}",
                        job["current-progress"],
                        job["total-progress"],
                        str(job.get("status", "")),
                    )
                )
    elif command == "query-migrate" and isinstance(value, Mapping):
        ram = value.get("ram")
        if isinstance(ram, Mapping) and _counts(ram.get("transferred"), ram.get("total")):
            total = ram["total"]
            remaining = ram.get("remaining")
            done = total - remaining if isinstance(remaining, int) and 0 <= remaining <= total else ram["transferred"]
            found.append(
                Progress("migration", "migration (RAM)", min(done, total), total, str(value.get("status", "")))
            )
    return found


def _counts(done: object, total: object) -> bool:
    return isinstance(done, int) and isinstance(total, int) and not isinstance(done, bool) and total > 0


def progress_lines(
    command: str, value: Any, rates: Rates, *, width: int, colour: bool, now: float | None = None
) -> list[str]:
    """One line a job: label, bar, percentage, rate and time left (ANSI-coloured when ``colour``)."""
    from rich.console import Console
    from rich.table import Table
    from rich.text import Text

    jobs = progresses(command, value)
    if not jobs:
        return []
    moment = time.monotonic() if now is None else now
    table = Table.grid(padding=(0, 1))
    for _ in range(5):
        table.add_column(no_wrap=True)
    label_width = min(24, max(len(job.label) for job in jobs))
    bar_width = max(10, width - label_width - 40)
    for job in jobs:
        rate = rates.update(job.key, job.done, moment)
        share = job.done / job.total
        left = _time_left(job.total - job.done, rate)
        table.add_row(
            untrusted_line(job.label)[:label_width],
            _bar(share, bar_width, colour, Text),
            f"{share:6.1%}",
            f"{_bytes(rate)}/s" if rate is not None else "…/s",
            left if job.state in ("running", "active", "") else f"{left} ({untrusted_line(job.state)})",
        )
    out = io.StringIO()
    console = Console(
        file=out, width=width, force_terminal=colour, color_system="standard" if colour else None, no_color=not colour
    )
    console.print(table, end="")
    return out.getvalue().rstrip("\n").split("\n")


def _bar(share: float, width: int, colour: bool, text: type[Text]) -> Text:
    """A bar readable without colours too (rich's own draws the part to go in a colour only)."""
    filled = min(width, int(share * width + 0.5))
    bar = text("█" * filled, style="green" if colour else "")
    bar.append("░" * (width - filled), style="dim" if colour else "")
    return bar


def _time_left(remaining: int, rate: float | None) -> str:
    if remaining <= 0:
        return "done"
    if not rate:
        return "…"  # no rate yet: the job has not moved between two rounds
    seconds = int(remaining / rate + 0.5)
    hours, rest = divmod(seconds, 3600)
    minutes, secs = divmod(rest, 60)
    shown = f"{hours}:{minutes:02}:{secs:02}" if hours else f"{minutes}:{secs:02}"
    return f"{shown} left"


def _bytes(count: float) -> str:
    for unit in ("B", "KiB", "MiB", "GiB"):
        if count < 1024:
            return f"{count:.0f} {unit}" if unit == "B" else f"{count:.1f} {unit}"
        count /= 1024
    return f"{count:.1f} TiB"


__all__ = ["Progress", "Rates", "progress_lines", "progresses"]
