"""Foundation figures: one-shot ``vdbgsh exec`` against ``virsh qemu-monitor-command``, and the in-process cost
of one command through each transport against the bare call underneath it."""

from __future__ import annotations

import asyncio
import json
import socket
import subprocess
import sys
import time
from pathlib import Path

import libvirt
import libvirt_qemu

from bench.timing import alternate, median_ms, report
from vdbgsh.guest.plain_qemu import PlainQemu
from vdbgsh.transport.address import QMPAddress
from vdbgsh.transport.libvirt_monitor import LibvirtMonitor
from vdbgsh.transport.socket_monitor import SocketMonitor

VDBGSH = str(Path(sys.executable).parent / "vdbgsh")
QUERY = '{"execute":"query-status"}'


FLOOR = """
import sys, libvirt, libvirt_qemu
dom = libvirt.open("qemu:///system").lookupByName(sys.argv[1])
print(libvirt_qemu.qemuMonitorCommand(dom, '{"execute":"query-status"}', 0))
"""


def one_shot(domain: str, runs: int) -> list[str]:
    """vdbgsh exec against virsh; and, for reference, what any Python tool pays: the interpreter, libvirt's
    bindings and one call."""

    def ours() -> None:
        subprocess.run([VDBGSH, "exec", domain, "query-status"], capture_output=True, check=True)

    def virsh() -> None:
        subprocess.run(["virsh", "qemu-monitor-command", domain, QUERY], capture_output=True, check=True)

    def floor() -> None:
        subprocess.run([sys.executable, "-c", FLOOR, domain], capture_output=True, check=True)

    for warm in (ours, virsh, floor):  # the page cache, for every side
        warm()
    times_ours, times_virsh = alternate(ours, virsh, runs)
    times_floor, times_virsh_again = alternate(floor, virsh, runs)
    return [
        report(
            "vdbgsh exec DOMAIN query-status",
            median_ms(times_ours),
            "virsh qemu-monitor-command",
            median_ms(times_virsh),
            3.0,
        ),
        report(
            "  reference: python + import libvirt + 1 call",
            median_ms(times_floor),
            "virsh qemu-monitor-command",
            median_ms(times_virsh_again),
            3.0,
        ),
    ]


def libvirt_in_process(domain: str, calls: int, blocks: int) -> str:
    conn = libvirt.open("qemu:///system")
    dom = conn.lookupByName(domain)

    async def measure() -> tuple[list[float], list[float]]:
        monitor = await LibvirtMonitor.open("qemu:///system", domain, events=False)
        ours: list[float] = []
        bare: list[float] = []
        for _ in range(blocks):
            start = time.perf_counter()
            for _ in range(calls):
                libvirt_qemu.qemuMonitorCommand(dom, QUERY, 0)
            bare.append((time.perf_counter() - start) / calls)
            start = time.perf_counter()
            for _ in range(calls):
                await monitor.execute("query-status")
            ours.append((time.perf_counter() - start) / calls)
        await monitor.close()
        return ours, bare

    ours, bare = asyncio.run(measure())
    conn.close()
    return report(
        "LibvirtMonitor.execute (in-process)", median_ms(ours), "bare qemuMonitorCommand", median_ms(bare), 1.2
    )


class RawQMP:
    """The bare baseline: a blocking socket, one line out, one line in."""

    def __init__(self, path: str) -> None:
        self.sock = socket.socket(socket.AF_UNIX, socket.SOCK_STREAM)
        self.sock.connect(path)
        self.file = self.sock.makefile("rwb", buffering=0)
        self.file.readline()  # greeting
        self.call(b'{"execute":"qmp_capabilities"}\n')

    def call(self, line: bytes) -> object:
        self.file.write(line)
        return json.loads(self.file.readline())

    def close(self) -> None:
        self.file.close()
        self.sock.close()


def socket_in_process(address: QMPAddress, calls: int, blocks: int) -> list[str]:
    assert address.path is not None
    path = address.path
    request = (QUERY + "\n").encode()

    async def async_block() -> tuple[float, float]:
        monitor = await SocketMonitor.open(address)
        start = time.perf_counter()
        for _ in range(calls):
            await monitor.execute("query-status")
        ours = (time.perf_counter() - start) / calls
        # The library underneath, called as vdbgsh calls it, without vdbgsh's wrapper.
        start = time.perf_counter()
        for _ in range(calls):
            await monitor.client._raw({"execute": "query-status"})
        library = (time.perf_counter() - start) / calls
        await monitor.close()
        return ours, library

    ours: list[float] = []
    library: list[float] = []
    bare: list[float] = []
    for _ in range(blocks):
        # QEMU serves one client at a time: the sides take turns on the socket.
        raw = RawQMP(path)
        start = time.perf_counter()
        for _ in range(calls):
            raw.call(request)
        bare.append((time.perf_counter() - start) / calls)
        raw.close()
        ours_block, library_block = asyncio.run(async_block())
        ours.append(ours_block)
        library.append(library_block)
    return [
        report("SocketMonitor.execute (in-process)", median_ms(ours), "raw socket round trip", median_ms(bare), 1.2),
        report("  of which qemu.qmp's own _raw", median_ms(library), "raw socket round trip", median_ms(bare), 1.2),
    ]


def run(domain: str, qemu: PlainQemu, runs: int) -> list[str]:
    return [
        *one_shot(domain, runs),
        libvirt_in_process(domain, calls=200, blocks=7),
        *socket_in_process(qemu.address, calls=500, blocks=7),
    ]
