"""The guest agent: one-shot ``vdbgsh exec --agent DOMAIN guest-ping`` against ``virsh qemu-agent-command``, and
AgentMonitor's round trip against the bare libvirt_qemu.qemuAgentCommand in-process, on the real Linux guest
(tests/linux_guest.py: the only test guest that runs an agent)."""

from __future__ import annotations

import asyncio
import os
import secrets
import subprocess
import time

import libvirt
import libvirt_qemu

from bench.timing import alternate, median_ms, report
from bench.transports import VDBGSH
from vdbgsh.transport.libvirt_agent import AgentMonitor

PING = '{"execute":"guest-ping"}'
DEFAULT_WAIT = -1  # VIR_DOMAIN_QEMU_AGENT_COMMAND_DEFAULT, as vdbgsh's --agent-timeout default


def one_shot(domain: str, runs: int) -> list[str]:
    """Against virsh; and against vdbgsh's own one-shot to QEMU's monitor on the same guest: the agent's path
    should cost no more than the monitor's (the start-up both pay is bench/transports.py's)."""

    def ours() -> None:
        subprocess.run([VDBGSH, "exec", "--agent", domain, "guest-ping"], capture_output=True, check=True)

    def virsh() -> None:
        subprocess.run(["virsh", "qemu-agent-command", domain, PING], capture_output=True, check=True)

    def monitor() -> None:
        subprocess.run([VDBGSH, "exec", domain, "query-status"], capture_output=True, check=True)

    for warm in (ours, virsh, monitor):
        warm()
    times_ours, times_virsh = alternate(ours, virsh, runs)
    times_again, times_monitor = alternate(ours, monitor, runs)
    return [
        report(
            "vdbgsh exec --agent DOMAIN guest-ping",
            median_ms(times_ours),
            "virsh qemu-agent-command",
            median_ms(times_virsh),
            3.0,
        ),
        report(
            "  the same",
            median_ms(times_again),
            "vdbgsh exec DOMAIN query-status",
            median_ms(times_monitor),
            1.1,
        ),
    ]


def in_process(domain: str, calls: int, blocks: int) -> str:
    conn = libvirt.open("qemu:///system")
    dom = conn.lookupByName(domain)

    async def measure() -> tuple[list[float], list[float]]:
        monitor = await AgentMonitor.open("qemu:///system", domain)
        ours: list[float] = []
        bare: list[float] = []
        for _ in range(blocks):
            start = time.perf_counter()
            for _ in range(calls):
                libvirt_qemu.qemuAgentCommand(dom, PING, DEFAULT_WAIT, 0)
            bare.append((time.perf_counter() - start) / calls)
            start = time.perf_counter()
            for _ in range(calls):
                await monitor.execute("guest-ping")
            ours.append((time.perf_counter() - start) / calls)
        await monitor.close()
        return ours, bare

    ours, bare = asyncio.run(measure())
    conn.close()
    return report("AgentMonitor.execute (in-process)", median_ms(ours), "bare qemuAgentCommand", median_ms(bare), 1.2)


def run(runs: int) -> list[str]:
    from tests.linux_guest import booted_linux_guest

    conn = libvirt.open("qemu:///system")
    name = f"vdbgsh-bench-agent-{os.getpid()}-{secrets.token_hex(3)}"
    try:
        with booted_linux_guest(conn, name) as guest:
            return [
                f"  (the real Linux guest {guest.name}: agent up {guest.boot_seconds:.1f} s after start)",
                *one_shot(guest.name, runs),
                in_process(guest.name, calls=100, blocks=7),
            ]
    finally:
        conn.close()


if __name__ == "__main__":
    from vdbgsh.transport.libvirt_errors import silence_libvirt

    silence_libvirt()
    for line in run(15):
        print(line, flush=True)
