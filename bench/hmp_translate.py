"""Translating HMP lines into QMP: 10,000 lines drawn from the verified examples of every translated command,
through one Translator with the QEMU 7.2 schema, as the shell does it; cost per line against 50 µs."""

from __future__ import annotations

import json
import statistics
import time
from pathlib import Path

from vdbgsh.hmp.translate import Translator
from vdbgsh.schema.model import Schema

DATA = Path(__file__).resolve().parent.parent / "tests/data"
TARGET_US = 50.0
LINES = 10_000


def sample_lines() -> list[str]:
    entries = json.loads((DATA / "hmp-7.2.json").read_text())
    examples = [example["hmp"] for entry in entries if entry["qmp"] for example in entry["examples"]]
    return [examples[i % len(examples)] for i in range(LINES)]


def run(runs: int = 5) -> list[str]:
    schema = Schema.from_introspection(json.loads((DATA / "qmp-schema-7.2.json").read_text()))
    lines = sample_lines()
    per_line: list[float] = []
    for _ in range(runs):
        translator = Translator(schema)
        start = time.perf_counter()
        for line in lines:
            translator.translate(line)
        per_line.append((time.perf_counter() - start) / len(lines) * 1e6)
    median = statistics.median(per_line)
    verdict = "ok" if median < TARGET_US else "MISSED"
    distinct = len(set(lines))
    return [
        f"{'translate HMP -> QMP, per line':<44} {median:9.1f} µs   "
        f"({LINES} lines, {distinct} distinct, schema-checked; target < {TARGET_US:.0f} µs: {verdict})"
    ]
