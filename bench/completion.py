"""Completion latency on the captured QEMU 7.2 schema, static candidates only: every prefix of every command name,
and every prefix of every argument name after its command. The first pass runs on a fresh completer, so the lazily
built indexes are paid for inside the figures, as a user pays for them on first Tab."""

from __future__ import annotations

import json
import statistics
import time
from pathlib import Path

from prompt_toolkit.completion import CompleteEvent
from prompt_toolkit.document import Document

from vdbgsh.complete.prompt_completer import QMPCompleter
from vdbgsh.schema.model import Schema

SCHEMA_FILE = Path(__file__).resolve().parent.parent / "tests" / "data" / "qmp-schema-7.2.json"
TARGET_P99_MS = 5.0


def lines_to_complete(schema: Schema) -> list[str]:
    lines = [name[:end] for name in schema.commands for end in range(1, len(name) + 1)]
    for name in schema.commands:
        for member in schema.members(schema.arguments(name)):
            lines += [f"{name} {member.name[:end]}" for end in range(len(member.name) + 1)]
    return lines


def percentile_ms(samples: list[float], percent: int) -> float:
    return statistics.quantiles(samples, n=100, method="inclusive")[percent - 1] * 1000


def measure(completer: QMPCompleter, lines: list[str]) -> list[float]:
    event = CompleteEvent(completion_requested=True)
    samples = []
    for line in lines:
        document = Document(line)
        start = time.perf_counter()
        list(completer.get_completions(document, event))
        samples.append(time.perf_counter() - start)
    return samples


def verdict_line(label: str, samples: list[float]) -> str:
    p50, p99 = percentile_ms(samples, 50), percentile_ms(samples, 99)
    verdict = "ok" if p99 < TARGET_P99_MS else "MISSED"
    return (
        f"{label:<44} p50 {p50:7.3f} ms   p99 {p99:7.3f} ms   max {max(samples) * 1000:7.3f} ms   "
        f"(target p99 < {TARGET_P99_MS:g} ms: {verdict})"
    )


def run() -> list[str]:
    schema = Schema.from_introspection(json.loads(SCHEMA_FILE.read_text()))
    lines = lines_to_complete(schema)
    commands = [line for line in lines if " " not in line]
    arguments = [line for line in lines if " " in line]
    completer = QMPCompleter(lambda: schema)
    first = measure(completer, lines)
    warm = measure(completer, lines)
    return [
        f"completion on the 7.2 schema: {len(commands)} command prefixes, {len(arguments)} argument prefixes",
        verdict_line("complete command names (fresh completer)", first[: len(commands)]),
        verdict_line("complete argument names (fresh completer)", first[len(commands) :]),
        verdict_line("complete all, indexes warm", warm),
    ]


if __name__ == "__main__":
    for result in run():
        print(result)
