"""A burst of events: a stop/cont loop on a guest from a second connection, followed by `vdbgsh events --json`;
every event must arrive (counts match), and the rate is printed next to the loop's own."""

from __future__ import annotations

import json
import subprocess
import sys
import threading
import time
from pathlib import Path

import libvirt
import libvirt_qemu

VDBGSH = str(Path(sys.executable).parent / "vdbgsh")
PAIRS = 5_000  # stop + cont: 10,000 events


def stop_cont_burst(domain: str) -> float:
    """PAIRS stop/cont pairs from a connection of its own (two events each); returns the seconds it took."""
    dom = libvirt.open("qemu:///system").lookupByName(domain)
    start = time.perf_counter()
    for _ in range(PAIRS):
        libvirt_qemu.qemuMonitorCommand(dom, '{"execute":"stop"}', 0)
        libvirt_qemu.qemuMonitorCommand(dom, '{"execute":"cont"}', 0)
    return time.perf_counter() - start


def run(domain: str) -> list[str]:
    expected = 2 * PAIRS
    follower = subprocess.Popen(
        [VDBGSH, "events", "--json", "--count", str(expected), "--timeout", "120", domain],
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        text=True,
    )
    assert follower.stdout is not None
    counted = {"lines": 0, "last": 0.0}

    def read() -> None:
        assert follower.stdout is not None
        for line in follower.stdout:
            json.loads(line)
            counted["lines"] += 1
            counted["last"] = time.perf_counter()

    reader = threading.Thread(target=read, daemon=True)
    reader.start()
    time.sleep(1.0)  # let it register before the burst
    start = time.perf_counter()
    burst = stop_cont_burst(domain)
    follower.wait(timeout=130)
    reader.join(5)
    seen = counted["lines"]
    lag = max(0.0, counted["last"] - start - burst)
    verdict = "ok" if seen == expected else "MISSED"
    return [
        f"{'events --json during a stop/cont burst':<44} {seen:>6} of {expected} delivered ({verdict}); "
        f"burst {expected / burst:,.0f} events/s, last line {lag * 1000:.0f} ms after the burst ended"
    ]
