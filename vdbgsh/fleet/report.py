"""What a fleet command shows: one JSON object per reply as it arrives (piped, or ``--output json``), or on a
terminal a table once all have answered, a progress bar meanwhile; then the counts, and the exit status.

Exit status: 0 every guest answered without error; 1 a guest answered with an error; 2 a request was refused (the
guard rails, a command a guest's QEMU lacks) or a name matched no guest; 3 a host or guest could not be reached;
130 Ctrl-C stopped the wait. The highest of these wins (3 over 2 over 1).
"""

from __future__ import annotations

import json
import time
from typing import Any

from vdbgsh.cli.environment import Environment
from vdbgsh.fleet.outcome import INTERRUPTED, KINDS, OK, QEMU_ERROR, REFUSED, UNREACHABLE, Outcome
from vdbgsh.render.untrusted import json_safe, untrusted_line

EXIT_BY_KIND = {OK: 0, QEMU_ERROR: 1, REFUSED: 2, UNREACHABLE: 3}
EXIT_INTERRUPTED = 130
PROGRESS_AFTER = 1.0  # seconds of work still ahead before a progress bar is worth showing


def json_line(outcome: Outcome) -> str:
    record: dict[str, Any] = {"uri": outcome.uri, "domain": outcome.domain or None}
    if outcome.line is not None:
        record["line"] = outcome.line
    record["return" if outcome.kind == OK else "error"] = outcome.value
    if outcome.note:
        record["note"] = outcome.note
    return json_safe(json.dumps(record, ensure_ascii=False, separators=(",", ":")))


def summary(outcome: Outcome) -> str:
    """The reply in one line (the table cuts it to the width)."""
    value = outcome.value
    if outcome.kind == OK:
        if outcome.note:
            return outcome.note
        text = value if isinstance(value, str) else json.dumps(value, ensure_ascii=False, separators=(",", ":"))
        return untrusted_line(" ".join(text.split()) if isinstance(value, str) else text)
    if isinstance(value, dict) and outcome.kind == QEMU_ERROR:
        return untrusted_line(" ".join(f"{value.get('class', '')}: {value.get('desc', '')}".split()))
    if isinstance(value, dict):
        return untrusted_line(str(value.get("desc", "")))
    return untrusted_line(str(value))


class Reporter:
    def __init__(self, env: Environment, *, output: str | None, total: int) -> None:
        self.env = env
        self.json = output == "json" or (output is None and not env.stdout_is_terminal)
        self.total = total
        self.outcomes: list[Outcome] = []
        self.started = time.monotonic()
        self._progress: Any = None
        self._task: Any = None
        self._paused = False
        self.planned = 0  # --dry-run: guests whose requests were printed

    def arrived(self, outcome: Outcome) -> None:
        self.outcomes.append(outcome)
        if self.json:
            print(json_line(outcome), file=self.env.stdout, flush=True)

    def dry_run(self, record: dict[str, Any]) -> None:
        """What one guest would be sent (``--dry-run``): one JSON object, piped or not."""
        self.planned += 1
        print(
            json_safe(json.dumps(record, ensure_ascii=False, separators=(",", ":"))), file=self.env.stdout, flush=True
        )

    def pause_progress(self) -> None:
        """No bar while a question waits for its answer on the same terminal."""
        self._stop_progress()
        self._paused = True

    def tick(self, done: int, total: int) -> None:
        """A progress bar (on stderr, a terminal only) while more than a second of work seems to remain."""
        if self._paused or not self.env.stderr.isatty():
            return
        elapsed = time.monotonic() - self.started
        if self._progress is None:
            remaining = total - done
            ahead = elapsed / done * remaining if done else elapsed
            if remaining == 0 or (ahead < PROGRESS_AFTER and elapsed < PROGRESS_AFTER):
                return
            from rich.console import Console
            from rich.progress import BarColumn, MofNCompleteColumn, Progress, TextColumn, TimeElapsedColumn

            console = Console(file=self.env.stderr)
            self._progress = Progress(
                TextColumn("guests"),
                BarColumn(),
                MofNCompleteColumn(),
                TimeElapsedColumn(),
                console=console,
                transient=True,
            )
            self._task = self._progress.add_task("guests", total=total)
            self._progress.start()
        self._progress.update(self._task, completed=done)

    def _stop_progress(self) -> None:
        if self._progress is not None:
            self._progress.stop()
            self._progress = None

    def finish(self, unmatched: list[str], pending: list[tuple[str, str]] | None = None) -> int:
        """The table (a terminal), the counts line, and the exit status. ``pending``: guests Ctrl-C left
        without a reply."""
        self._stop_progress()
        interrupted = pending is not None
        rows = list(self.outcomes)
        for uri, name in pending or []:
            rows.append(Outcome(uri, name, INTERRUPTED, {"class": "Interrupted", "desc": "no reply: interrupted"}))
        if not self.json and rows:
            self._table(rows)
        for line in unmatched:
            self.env.error(untrusted_line(line))
        counts = {kind: sum(1 for outcome in self.outcomes if outcome.kind == kind) for kind in KINDS}
        said = " / ".join(f"{counts[kind]} {kind}" for kind in KINDS)
        if interrupted:
            said += f" / {len(pending or [])} interrupted"
        elapsed = time.monotonic() - self.started
        line = f"{said} ({len(rows)} replies in {elapsed:.2f} s)"
        if self.planned:
            line = f"{self.planned} guests planned, nothing sent (--dry-run); " + line
        if self.json or self.planned:
            print(f"vdbgsh: {line}", file=self.env.stderr, flush=True)
        else:
            print(line, file=self.env.stdout, flush=True)
        if interrupted:
            return EXIT_INTERRUPTED
        worst = max((EXIT_BY_KIND[outcome.kind] for outcome in self.outcomes), default=0)
        return max(worst, 2 if unmatched else 0)

    def _table(self, rows: list[Outcome]) -> None:
        import shutil

        from rich.console import Console
        from rich.table import Table
        from rich.text import Text

        width = shutil.get_terminal_size().columns
        console = Console(file=self.env.stdout, width=width, highlight=False, color_system="auto")
        hosts = {row.uri for row in rows}
        batch = any(row.line is not None for row in rows)
        table = Table(box=None, pad_edge=False, show_edge=False, header_style="bold")
        # Every column but the reply gets the width it needs (host and domain within bounds); the reply the rest,
        # cut with an ellipsis: who answered and how must stay readable at any width.
        host_width = min(max((len(untrusted_line(row.uri)) for row in rows), default=4), 48)
        name_width = min(max([6, *(len(untrusted_line(row.domain)) for row in rows)]), 40)
        line_width = max((len(str(row.line)) for row in rows if row.line is not None), default=4)
        if len(hosts) > 1:  # on a narrow terminal the host gives way first, down to 12 columns
            host_width = max(12, min(host_width, width - name_width - 11 - 7 - 10 - 10 - (line_width + 2) * batch))
        fixed = [name_width, 11, 7] + ([host_width] if len(hosts) > 1 else []) + ([max(line_width, 4)] if batch else [])
        reply_width = max(10, width - sum(fixed) - 2 * len(fixed))
        if len(hosts) > 1:
            table.add_column("host", no_wrap=True, overflow="ellipsis", width=host_width)
        table.add_column("domain", no_wrap=True, overflow="ellipsis", width=name_width)
        if batch:
            table.add_column("line", justify="right", no_wrap=True, width=max(line_width, 4))
        table.add_column("outcome", no_wrap=True, width=11)
        table.add_column("elapsed", justify="right", no_wrap=True, width=7)
        table.add_column("reply", no_wrap=True, overflow="ellipsis", max_width=reply_width)
        styles = {OK: "green", QEMU_ERROR: "red", UNREACHABLE: "magenta", REFUSED: "yellow", INTERRUPTED: "yellow"}
        for row in sorted(rows, key=lambda r: (r.uri, r.domain, r.line or 0)):
            cells: list[Text] = []
            if len(hosts) > 1:
                cells.append(Text(untrusted_line(row.uri)))
            cells.append(Text(untrusted_line(row.domain) or "-"))
            if batch:
                cells.append(Text("" if row.line is None else str(row.line)))
            cells.append(Text(row.kind, style=styles.get(row.kind, "")))
            cells.append(Text(f"{row.elapsed * 1000:.0f} ms" if row.kind in (OK, QEMU_ERROR) else ""))
            cells.append(Text(summary(row)))
            table.add_row(*cells)
        if len(hosts) == 1 and rows:
            console.print(Text(f"host: {untrusted_line(rows[0].uri)}", style="dim"))
        console.print(table)
