"""Fleet figures (vdbgsh exec across many guests), each beside its baseline.

- 100 paused transient diskless 64 MiB guests on this host: ``vdbgsh exec --domain 'PREFIX*' query-status`` (the
  bench's guests only: ``--all`` would reach every guest on the host, others' too) against a shell loop of ``virsh
  qemu-monitor-command`` and a serial libvirt-python script over the same guests; vdbgsh's peak memory; the
  carrier measured in-process: a thread pool against asyncio (libvirtaio registered, ``to_thread``).
- Latency-bound: 4 private libvirtds (tests/remote.py) x 25 guests, each reached over TCP through a proxy adding
  20 ms each way (bench/latency_proxy.py, loopback only): vdbgsh against the serial script over the same URIs; the
  per-host connection cost and the per-request cost through the proxy.
- Two real stacks at once: the host's libvirtd and the sid chroot's, one command, one table (when the sid socket is
  there).

Every guest is created here and destroyed at the end, whatever happens.
"""

from __future__ import annotations

import asyncio
import contextlib
import json
import os
import secrets
import subprocess
import sys
import threading
import time
from collections.abc import Callable, Iterator
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path
from typing import Any

import libvirt
import libvirt_qemu

from bench.latency_proxy import LatencyProxy
from bench.timing import report
from vdbgsh.guest.definitions import domain_xml, qemu_binary
from vdbgsh.guest.libvirt_guest import destroy_quietly

VDBGSH = str(Path(sys.executable).parent / "vdbgsh")
QUERY = '{"execute":"query-status"}'
LOCAL_GUESTS = 100
HOSTS = 4
GUESTS_PER_HOST = 25
DELAY = 0.020  # seconds each way
SID_URI = "qemu:///system?socket=/srv/sid/run/libvirt/libvirt-sock"

SERIAL = """
import sys, libvirt, libvirt_qemu, fnmatch
pattern = sys.argv[1]
for uri in sys.argv[2:]:
    conn = libvirt.open(uri)
    for dom in conn.listAllDomains(libvirt.VIR_CONNECT_LIST_DOMAINS_ACTIVE):
        if fnmatch.fnmatchcase(dom.name(), pattern):
            print(libvirt_qemu.qemuMonitorCommand(dom, '{"execute":"query-status"}', 0))
"""


def start_paused(conn: libvirt.virConnect, names: list[str], parallel: int = 4) -> None:
    """Transient guests started paused (no CPU once up), a few at a time."""
    binary = qemu_binary()

    def one(name: str) -> None:
        for attempt in range(3):  # a busy machine: libvirtd may drop one start
            try:
                conn.createXML(domain_xml(name, binary), libvirt.VIR_DOMAIN_START_PAUSED)
                return
            except libvirt.libvirtError:
                if attempt == 2:
                    raise
                time.sleep(1)

    with ThreadPoolExecutor(parallel) as pool:
        list(pool.map(one, names))


@contextlib.contextmanager
def guests(conn: libvirt.virConnect, prefix: str, count: int, parallel: int = 4) -> Iterator[list[str]]:
    names = [f"{prefix}{index:03d}" for index in range(count)]
    try:
        start_paused(conn, names, parallel)
        yield names
    finally:
        for name in names:
            destroy_quietly(conn, name)


def timed(argv: list[str], *, shell: bool = False) -> tuple[float, int, str]:
    """Seconds, peak RSS (KiB) and stdout of one run."""
    start = time.perf_counter()
    process = subprocess.Popen(
        argv if not shell else ["bash", "-c", argv[0]], stdout=subprocess.PIPE, stderr=subprocess.DEVNULL, text=True
    )
    assert process.stdout is not None
    out = process.stdout.read()
    _pid, status, usage = os.wait4(process.pid, 0)
    process.returncode = os.waitstatus_to_exitcode(status)
    return time.perf_counter() - start, usage.ru_maxrss, out


def best_of(runs: int, argv: list[str], *, shell: bool = False) -> tuple[float, int, str]:
    results = [timed(argv, shell=shell) for _ in range(runs)]
    seconds = sorted(result[0] for result in results)[len(results) // 2]
    return seconds, max(result[1] for result in results), results[-1][2]


def interleaved(runs: int, *commands: list[str]) -> list[tuple[float, int, str]]:
    """Each command's median seconds, peak RSS and last stdout over ``runs`` rounds taking turns, after one warm-up
    round: the guests were just started, and libvirtd's and the QEMUs' settling would fall on whichever ran first."""
    for argv in commands:
        timed(argv)
    results: list[list[tuple[float, int, str]]] = [[] for _ in commands]
    for _ in range(runs):
        for index, argv in enumerate(commands):
            results[index].append(timed(argv))
    return [(sorted(r[0] for r in rows)[len(rows) // 2], max(r[1] for r in rows), rows[-1][2]) for rows in results]


def carriers(conn: libvirt.virConnect, names: list[str]) -> tuple[float, float]:
    """In-process: 100 calls through 32 threads, against asyncio.to_thread (32 workers) with libvirtaio registered."""
    doms = [conn.lookupByName(name) for name in names]

    def call(dom: Any) -> str:
        return str(libvirt_qemu.qemuMonitorCommand(dom, QUERY, 0))

    def threads() -> None:
        with ThreadPoolExecutor(32) as pool:
            list(pool.map(call, doms))

    async def with_asyncio() -> None:
        loop = asyncio.get_running_loop()
        loop.set_default_executor(ThreadPoolExecutor(32))
        await asyncio.gather(*(asyncio.to_thread(call, dom) for dom in doms))

    def asyncio_side() -> None:
        asyncio.run(with_asyncio())

    import libvirtaio

    ready = threading.Event()
    loop = asyncio.new_event_loop()

    def run_loop() -> None:
        asyncio.set_event_loop(loop)
        libvirtaio.virEventRegisterAsyncIOImpl(loop=loop)
        ready.set()
        loop.run_forever()

    threading.Thread(target=run_loop, daemon=True).start()
    ready.wait(5)
    timings: dict[str, list[float]] = {"threads": [], "asyncio": []}
    for _ in range(7):
        for label, function in (("threads", threads), ("asyncio", asyncio_side)):
            start = time.perf_counter()
            function()
            timings[label].append(time.perf_counter() - start)
    loop.call_soon_threadsafe(loop.stop)
    return tuple(sorted(values)[3] for values in timings.values())  # type: ignore[return-value]


def local(runs: int) -> list[str]:
    conn = libvirt.open("qemu:///system")
    prefix = f"vdbgsh-bench-fleet-{os.getpid()}-{secrets.token_hex(2)}-"
    lines = []
    try:
        start = time.perf_counter()
        with guests(conn, prefix, LOCAL_GUESTS) as names:
            made = time.perf_counter() - start
            lines.append(f"{LOCAL_GUESTS} paused transient guests started in {made:.1f} s")
            ours_argv = [VDBGSH, "exec", "--domain", f"{prefix}*", "query-status"]
            serial_argv = [sys.executable, "-c", SERIAL, f"{prefix}*", "qemu:///system"]
            (ours, peak, out), (serial, serial_peak, serial_out) = interleaved(2 * runs + 1, ours_argv, serial_argv)
            assert len(out.splitlines()) == LOCAL_GUESTS, out[-500:]
            assert len(serial_out.splitlines()) == LOCAL_GUESTS
            loop = f"for g in {' '.join(names)}; do virsh qemu-monitor-command $g '{QUERY}'; done"
            virsh_loop, _, out = best_of(1, [loop], shell=True)
            assert len(out.split()) >= LOCAL_GUESTS
            label = f"exec --domain GLOB query-status ({LOCAL_GUESTS})"
            lines.append(report(label, ours * 1000, f"virsh loop ({LOCAL_GUESTS} processes)", virsh_loop * 1000, 0.1))
            lines.append(report(label, ours * 1000, "serial libvirt-python script", serial * 1000, 1.0))
            lines.append(f"  peak memory: vdbgsh {peak / 1024:.1f} MiB; serial script {serial_peak / 1024:.1f} MiB")
            threads, with_asyncio = carriers(conn, names)
            lines.append(
                f"  carrier, in-process, {LOCAL_GUESTS} calls: 32 threads {threads * 1000:.1f} ms; "
                f"asyncio.to_thread + libvirtaio {with_asyncio * 1000:.1f} ms"
            )
    finally:
        conn.close()
    return lines


def latency_bound(runs: int) -> list[str]:
    sys.path.insert(0, str(Path(__file__).resolve().parent.parent))
    from tests.remote import RemoteLibvirtd

    prefix = f"vdbgsh-bench-fleet-{os.getpid()}-{secrets.token_hex(2)}-"
    lines = []
    with contextlib.ExitStack() as stack:
        daemons = [stack.enter_context(RemoteLibvirtd()) for _ in range(HOSTS)]
        proxies = [stack.enter_context(LatencyProxy(daemon.port, DELAY)) for daemon in daemons]
        uris = [f"qemu+tcp://127.0.0.1:{proxy.port}/system" for proxy in proxies]
        conns = [libvirt.open(daemon.uri) for daemon in daemons]
        for conn in conns:
            stack.callback(conn.close)
        start = time.perf_counter()
        for index, conn in enumerate(conns):
            stack.enter_context(guests(conn, f"{prefix}{index}-", GUESTS_PER_HOST, parallel=2))
        made = time.perf_counter() - start
        lines.append(f"{HOSTS} private libvirtds x {GUESTS_PER_HOST} paused guests in {made:.1f} s")
        argv = [VDBGSH, "exec"]
        for uri in uris:
            argv += ["-c", uri]
        ours, peak, out = best_of(runs, [*argv, "--all", "query-status"])
        assert len(out.splitlines()) == HOSTS * GUESTS_PER_HOST, out[-500:]
        serial, _, out = best_of(runs, [sys.executable, "-c", SERIAL, f"{prefix}*", *uris])
        assert len(out.splitlines()) == HOSTS * GUESTS_PER_HOST
        label = f"exec -c x{HOSTS} --all ({HOSTS * GUESTS_PER_HOST}, {DELAY * 1000:.0f} ms each way)"
        lines.append(report(label, ours * 1000, "serial libvirt-python script", serial * 1000, 0.2))
        lines.append(f"  peak memory: vdbgsh {peak / 1024:.1f} MiB")
        lines.extend(slopes(uris[0]))
    return lines


def slopes(uri: str) -> list[str]:
    """What one host costs to reach through the proxy, and one request on it, in-process (medians of 7)."""
    opens, calls = [], []
    for _ in range(7):
        start = time.perf_counter()
        conn = libvirt.open(uri)
        opens.append(time.perf_counter() - start)
        dom = conn.listAllDomains(libvirt.VIR_CONNECT_LIST_DOMAINS_ACTIVE)[0]
        start = time.perf_counter()
        libvirt_qemu.qemuMonitorCommand(dom, QUERY, 0)
        calls.append(time.perf_counter() - start)
        conn.close()
    return [
        f"  per host: libvirt.open {sorted(opens)[3] * 1000:.0f} ms; per request (serial) "
        f"{sorted(calls)[3] * 1000:.1f} ms (round trip {2 * DELAY * 1000:.0f} ms added by the proxy)"
    ]


def two_stacks() -> list[str]:
    if not Path(SID_URI.split("socket=")[1]).exists():
        return ["two stacks: skipped (no sid chroot socket here)"]
    prefix = f"vdbgsh-bench-fleet-{os.getpid()}-{secrets.token_hex(2)}-"
    host, sid = libvirt.open("qemu:///system"), libvirt.open(SID_URI)
    try:
        with guests(host, f"{prefix}h", 5), guests(sid, f"{prefix}s", 5):
            argv = [VDBGSH, "exec", "-c", "qemu:///system", "-c", SID_URI, "--domain", f"{prefix}*", "query-version"]
            seconds, _, out = timed(argv)
            versions = sorted({_version(json.loads(line)) for line in out.splitlines()})
            return [f"two stacks (host + sid), 5 + 5 guests, one command: {seconds * 1000:.0f} ms; QEMU {versions}"]
    finally:
        host.close()
        sid.close()


def _version(reply: dict[str, Any]) -> str:
    qemu = reply["return"]["qemu"]
    return f"{qemu['major']}.{qemu['minor']}.{qemu['micro']}"


def run(runs: int = 3) -> Iterator[str]:
    """Each section's lines as soon as it is measured."""
    sections: list[Callable[[int], list[str]]] = [local, latency_bound]
    for section in sections:
        yield from section(runs)
    yield from two_stacks()


if __name__ == "__main__":
    from vdbgsh.transport.libvirt_errors import silence_libvirt

    silence_libvirt()
    for line in run():
        print(line, flush=True)
