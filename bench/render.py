"""Rendering the biggest reply there is, the whole query-qmp-schema (186 KB compact, 340 KB pretty), with colours:
vdbgsh's highlighter against pygments' TerminalFormatter and rich's JSON renderable, each from the parsed value."""

from __future__ import annotations

import json
from io import StringIO
from pathlib import Path
from typing import Any

from bench.timing import alternate, median_ms, report
from vdbgsh.render.highlight import highlight_json

SCHEMA_REPLY = Path(__file__).resolve().parent.parent / "tests/data/qmp-schema-7.2.json"
TARGET_SECONDS = 0.3
RICH_RUNS = 5  # ~2 s each: five is the minimum for a median that means something


def pygments_text(value: Any) -> str:
    from pygments import highlight
    from pygments.formatters import TerminalFormatter
    from pygments.lexers import JsonLexer

    return highlight(json.dumps(value, indent=2, ensure_ascii=False), JsonLexer(), TerminalFormatter())


def rich_text(value: Any) -> str:
    from rich.console import Console
    from rich.json import JSON

    buffer = StringIO()
    Console(file=buffer, force_terminal=True, color_system="standard", width=120).print(JSON.from_data(value))
    return buffer.getvalue()


def run(runs: int = 9) -> list[str]:
    value = json.loads(SCHEMA_REPLY.read_text())
    runs = max(5, runs)
    highlight_json(value)  # warm: imports, compiled regexes, lexer registry
    pygments_text(value)
    ours, pygments = alternate(lambda: highlight_json(value), lambda: pygments_text(value), runs)
    ours_again, rich = alternate(lambda: highlight_json(value), lambda: rich_text(value), RICH_RUNS)
    ours_ms = median_ms(ours + ours_again)
    kilobytes = len(json.dumps(value, indent=2, ensure_ascii=False).encode()) // 1024
    verdict = "ok" if ours_ms < TARGET_SECONDS * 1000 else "MISSED"
    return [
        report(
            "highlight_json(query-qmp-schema)", median_ms(ours), "pygments TerminalFormatter", median_ms(pygments), 1.0
        ),
        # Rich is the renderer the shell would otherwise use: 0.15x is the 0.3 s budget against its ~2 s.
        report("highlight_json(query-qmp-schema)", median_ms(ours_again), "rich JSON", median_ms(rich), 0.15),
        f"{f'  absolute: {kilobytes} KB pretty JSON, coloured':<44} {ours_ms:9.3f} ms   "
        f"target < {TARGET_SECONDS * 1000:.0f} ms: {verdict}",
    ]


if __name__ == "__main__":
    for line in run():
        print(line, flush=True)
