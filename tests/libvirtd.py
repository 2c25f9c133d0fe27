"""Restarting the real libvirtd under a test, the way scripts/setup.sh starts it (``libvirtd -d``).

Other tests run against the same daemon meanwhile: the outage is kept to the seconds a restart takes, and the
daemon is running again when the block ends, whatever happened inside it.
"""

from __future__ import annotations

import contextlib
import os
import signal
import subprocess
import time
from collections.abc import Iterator
from pathlib import Path

import libvirt

PID_FILE = Path("/var/run/libvirtd.pid")
SOCKET = Path("/var/run/libvirt/libvirt-sock")


def _pid() -> int | None:
    try:
        pid = int(PID_FILE.read_text().strip())
        os.kill(pid, 0)
    except (OSError, ValueError):
        return None
    return pid


def stop_libvirtd(timeout: float = 15) -> None:
    """SIGTERM to the daemon the pid file names (never another libvirtd on this machine); waits until it is gone."""
    pid = _pid()
    if pid is None:
        return
    os.kill(pid, signal.SIGTERM)
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        try:
            os.kill(pid, 0)
        except ProcessLookupError:
            return
        time.sleep(0.05)
    os.kill(pid, signal.SIGKILL)


def start_libvirtd(timeout: float = 30) -> None:
    """``libvirtd -d`` unless it runs; returns once a connection answers."""
    deadline = time.monotonic() + timeout
    started = False
    while time.monotonic() < deadline:
        if _pid() is None and not started:
            subprocess.run(["libvirtd", "-d"], check=False, capture_output=True)
            started = True
        if SOCKET.exists():
            with contextlib.suppress(libvirt.libvirtError):
                libvirt.open("qemu:///system").close()
                return
        time.sleep(0.1)
    raise AssertionError(f"libvirtd did not answer on {SOCKET} within {timeout} s")


@contextlib.contextmanager
def libvirtd_restored() -> Iterator[None]:
    """Whatever the block does to the daemon, it runs and answers again afterwards."""
    try:
        yield
    finally:
        start_libvirtd()
