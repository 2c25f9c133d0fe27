"""Time from typing ``vdbgsh attach DOMAIN`` to its first prompt, cold (no schema cache) and with the schema
cached, in a real pseudo-terminal; and qmp-shell's start-up on a plain QEMU socket in the same run, for
reference."""

from __future__ import annotations

import os
import pty
import select
import shutil
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

from vdbgsh.guest.plain_qemu import PlainQemu

BIN = Path(sys.executable).parent
TARGET_CACHED_S = 0.5


def time_to_prompt(argv: list[str], prompt: bytes, env: dict[str, str], timeout: float = 20) -> float:
    """Seconds from starting ``argv`` on a terminal until ``prompt`` shows; then the program is ended."""
    main_fd, child_fd = pty.openpty()
    start = time.perf_counter()
    process = subprocess.Popen(argv, stdin=child_fd, stdout=child_fd, stderr=child_fd, env=env, close_fds=True)
    os.close(child_fd)
    seen = b""
    try:
        while prompt not in seen:
            ready, _, _ = select.select([main_fd], [], [], timeout)
            if not ready:
                raise TimeoutError(f"{argv[0]} showed no prompt in {timeout} s: {seen[-200:]!r}")
            seen += os.read(main_fd, 65536)
        return time.perf_counter() - start
    finally:
        process.kill()
        process.wait()
        os.close(main_fd)


def run(domain: str, qemu: PlainQemu, runs: int = 7) -> list[str]:
    base_env = {k: v for k, v in os.environ.items() if k != "LIBVIRT_DEFAULT_URI"}
    base_env["TERM"] = "xterm-256color"
    attach = [str(BIN / "vdbgsh"), "attach", domain]
    prompt = f"{domain} (".encode()
    cold: list[float] = []
    cached: list[float] = []
    warm_cache = tempfile.mkdtemp(prefix="vdbgsh-bench-cache-")
    state = tempfile.mkdtemp(prefix="vdbgsh-bench-state-")
    try:
        warm_env = {**base_env, "XDG_CACHE_HOME": warm_cache, "XDG_STATE_HOME": state}
        time_to_prompt(attach, prompt, warm_env)  # fills the cache and the page cache
        for _ in range(runs):
            empty = tempfile.mkdtemp(prefix="vdbgsh-bench-cold-")
            try:
                cold.append(time_to_prompt(attach, prompt, {**warm_env, "XDG_CACHE_HOME": empty}))
            finally:
                shutil.rmtree(empty, ignore_errors=True)
            cached.append(time_to_prompt(attach, prompt, warm_env))
        qmp_shell = [
            time_to_prompt([str(BIN / "qmp-shell"), str(qemu.socket_path)], b"(QEMU)", base_env) for _ in range(runs)
        ]
    finally:
        shutil.rmtree(warm_cache, ignore_errors=True)
        shutil.rmtree(state, ignore_errors=True)
    cached_s = statistics.median(cached)
    verdict = "ok" if cached_s < TARGET_CACHED_S else "MISSED"
    return [
        f"{'vdbgsh attach to first prompt, schema cached':<44} {cached_s * 1000:9.1f} ms   "
        f"(target < {TARGET_CACHED_S * 1000:.0f} ms: {verdict})",
        f"{'vdbgsh attach to first prompt, cold':<44} {statistics.median(cold) * 1000:9.1f} ms   "
        "(fetches query-qmp-schema, ~186 KB)",
        f"{'  reference: qmp-shell start-up (QMP socket)':<44} {statistics.median(qmp_shell) * 1000:9.1f} ms   "
        "(completes command names only)",
    ]
