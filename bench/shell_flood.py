"""A flood of events into the shell: 10,000 (a stop/cont loop from a second connection) while the shell runs a
command again and again. Every event must reach the pane (and `vdbgsh events --json`, run alongside); the command's
latency during the flood is set next to the same command at rest (target <= 2x), and the shell's peak memory is
printed."""

from __future__ import annotations

import json
import subprocess
import sys
import threading
import time

from bench.events import PAIRS, VDBGSH, stop_cont_burst

TARGET_RATIO = 2.0


def run(domain: str) -> list[str]:
    expected = 2 * PAIRS
    probe = subprocess.Popen(
        [sys.executable, "-m", "bench.shell_probe", domain, str(expected)],
        stdin=subprocess.PIPE,
        stdout=subprocess.PIPE,
        text=True,
    )
    assert probe.stdin is not None
    assert probe.stdout is not None
    follower = subprocess.Popen(
        [VDBGSH, "events", "--json", "--count", str(expected), "--timeout", "180", domain],
        stdout=subprocess.PIPE,
        stderr=subprocess.DEVNULL,
        text=True,
    )
    counted = {"lines": 0}

    def read() -> None:
        assert follower.stdout is not None
        for _line in follower.stdout:
            counted["lines"] += 1

    reader = threading.Thread(target=read, daemon=True)
    reader.start()
    try:
        if probe.stdout.readline().strip() != "ready":
            return ["shell flood: the shell probe did not start"]
        time.sleep(0.5)
        probe.stdin.write("go\n")
        probe.stdin.flush()
        burst = stop_cont_burst(domain)
        report = json.loads(probe.stdout.readline())
        follower.wait(timeout=180)
        reader.join(5)
    finally:
        for process in (probe, follower):
            if process.poll() is None:
                process.kill()
    pane, piped = report["pane_events"], counted["lines"]
    verdict = "ok" if pane == piped == expected else "MISSED"
    ratio = report["flood_ms"] / report["rest_ms"] if report["flood_ms"] else float("inf")
    return [
        f"{'events in the pane / in events --json':<44} {pane:>6} / {piped} of {expected} ({verdict}); "
        f"burst {expected / burst:,.0f} events/s",
        f"{'shell: query-status typed during the flood':<44} {report['flood_ms']:9.3f} ms   "
        f"{'the same at rest':<34} {report['rest_ms']:9.3f} ms   ratio {ratio:.2f}x (target <= {TARGET_RATIO:.0f}x: "
        f"{'ok' if ratio <= TARGET_RATIO else 'MISSED'}; p90 {report['flood_p90_ms']:.3f} ms over "
        f"{report['flood_commands']} commands)",
        f"{'shell: peak memory (RSS)':<44} {report['peak_mib']:9.1f} MiB after {pane:,} events "
        f"(pane holds {report['pane_held']:,}, dropped {report['pane_dropped']:,}); "
        f"{report['rest_peak_mib']:.1f} MiB before the flood",
    ]
