"""The shell, in a process of its own, measured from inside: ``python -m bench.shell_probe DOMAIN EVENTS``.

It runs the real Shell (full-screen application, pipe input, output discarded but still laid out and rendered)
on DOMAIN, times ``query-status`` typed at the prompt (Enter to reply in the transcript) at rest, prints
``ready``, and after ``go`` on stdin times it again while the parent floods the guest with events, until the pane
has EVENTS of them. Then it prints one JSON line: the latencies, the pane's counts and the process's peak memory.
"""

from __future__ import annotations

import asyncio
import json
import statistics
import sys
import time

from prompt_toolkit.application import create_app_session
from prompt_toolkit.input import PipeInput, create_pipe_input
from prompt_toolkit.output import DummyOutput

from vdbgsh.schema.loading import SchemaCache, load_schema
from vdbgsh.session import Session
from vdbgsh.transport import Target
from vdbgsh.ui.shell import Shell

AT_REST = 40


async def timed_line(shell: Shell, pipe: PipeInput, line: str) -> float:
    done = shell.lines_done
    start = time.perf_counter()
    pipe.send_text(line + "\r")
    while shell.lines_done == done:
        await asyncio.sleep(0.0005)
    return time.perf_counter() - start


def peak_mib() -> float:
    """This process's own peak RSS. Not getrusage's ru_maxrss: after fork and exec that keeps the parent's peak
    (Linux carries the pre-exec high-water mark over), and the bench's parent is big."""
    with open("/proc/self/status") as status:
        for line in status:
            if line.startswith("VmHWM:"):
                return int(line.split()[1]) / 1024
    return float("nan")


async def measure(shell: Shell, pipe: PipeInput, expected: int) -> dict[str, object]:
    await asyncio.sleep(0.5)
    rest = [await timed_line(shell, pipe, "query-status") for _ in range(AT_REST)]
    rest_peak = peak_mib()
    print("ready", flush=True)
    await asyncio.to_thread(sys.stdin.readline)
    flood: list[float] = []
    deadline = time.monotonic() + 180
    while shell.events.ring.total < expected and time.monotonic() < deadline:
        flood.append(await timed_line(shell, pipe, "query-status"))
    await asyncio.sleep(0.5)  # stragglers: a count above EXPECTED would be a bug too
    return {
        "rest_ms": statistics.median(rest) * 1000,
        "flood_ms": statistics.median(flood) * 1000 if flood else None,
        "flood_p90_ms": statistics.quantiles(flood, n=10)[-1] * 1000 if len(flood) >= 10 else None,
        "flood_commands": len(flood),
        "pane_events": shell.events.ring.total,
        "pane_held": len(shell.events.ring),
        "pane_dropped": shell.events.ring.dropped,
        "rest_peak_mib": rest_peak,
        "peak_mib": peak_mib(),
    }


async def main(domain: str, expected: int) -> None:
    with create_pipe_input() as pipe, create_app_session(input=pipe, output=DummyOutput()):
        monitor = await Target(domain=domain).open(events=True)
        try:
            loaded = await load_schema(monitor, SchemaCache.default())
            shell = Shell(Session(monitor, loaded, colour=True), domain, events_capacity=expected)
            result: dict[str, object] = {}

            async def probe() -> None:
                try:
                    result.update(await measure(shell, pipe, expected))
                finally:
                    shell.leave()

            prober = asyncio.get_running_loop().create_task(probe())
            await shell.run("bench")
            await prober
            print(json.dumps(result), flush=True)
        finally:
            await monitor.close()


if __name__ == "__main__":
    asyncio.run(main(sys.argv[1], int(sys.argv[2])))
