"""The guest a command talks to: a libvirt domain (with its URI) or a plain QEMU's QMP socket."""

from __future__ import annotations

from typing import NamedTuple

from vdbgsh.transport.address import QMPAddress
from vdbgsh.transport.base import BlockingMonitor, Monitor


class Target(NamedTuple):
    uri: str | None = None
    domain: str | None = None
    qmp: QMPAddress | None = None
    #: Seconds the blocking paths wait for a reply (``exec --timeout``); None: for as long as it takes.
    timeout: float | None = None
    #: The guest agent (qemu-ga) through libvirt instead of QEMU's monitor, and libvirt's wait for its replies
    #: (seconds, or -2 block, -1 libvirt's default, 0 nowait).
    agent: bool = False
    agent_timeout: int = -1

    def describe(self) -> str:
        return self.domain if self.domain is not None else str(self.qmp)

    async def open(self, *, events: bool) -> Monitor:
        """Open the monitor: lazily import only the transport needed (libvirt or qemu.qmp)."""
        if self.qmp is not None:
            from vdbgsh.transport.socket_monitor import SocketMonitor

            return await SocketMonitor.open(self.qmp)
        assert self.domain is not None
        if self.agent:
            from vdbgsh.transport.libvirt_agent import AgentMonitor

            return await AgentMonitor.open(self.uri, self.domain, self.agent_timeout)
        from vdbgsh.transport.libvirt_monitor import LibvirtMonitor

        return await LibvirtMonitor.open(self.uri, self.domain, events=events)

    def open_blocking(self) -> BlockingMonitor:
        """For one-shot use: libvirt directly (no event loop to import or start), a socket through a private loop;
        either waited for so that Ctrl-C and ``timeout`` end a wait for a reply that does not come."""
        from vdbgsh.transport.interruptible import InterruptibleMonitor

        if self.qmp is not None:
            from vdbgsh.transport.blocking import BlockingAdapter

            return InterruptibleMonitor.open(
                lambda: BlockingAdapter(lambda: self.open(events=False)),
                self.timeout,
                libvirt=False,
                where=str(self.qmp),
            )
        domain = self.domain
        assert domain is not None
        from vdbgsh.transport.libvirt_commands import LibvirtCommands
        from vdbgsh.transport.libvirt_domains import resolve_uri

        if self.agent:
            from vdbgsh.transport.libvirt_agent_commands import AgentCommands

            return InterruptibleMonitor.open(
                lambda: AgentCommands.open(self.uri, domain, self.agent_timeout),
                self.timeout,
                libvirt=True,
                where=resolve_uri(self.uri),
            )
        return InterruptibleMonitor.open(
            lambda: LibvirtCommands.open(self.uri, domain), self.timeout, libvirt=True, where=resolve_uri(self.uri)
        )
