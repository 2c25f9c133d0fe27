"""The guest agent's Monitor for the shell: AgentCommands' calls (libvirt_agent_commands.py), each in a daemon thread
of its own as the monitor's are (transport/connection_care.py), so that a slow agent never holds up the UI."""

from __future__ import annotations

import contextlib

from vdbgsh.errors import VdbgshError
from vdbgsh.transport.base import EventCallback, JSONObject, Monitor, Reply, Subscription
from vdbgsh.transport.connection_care import in_daemon_thread
from vdbgsh.transport.libvirt_agent_commands import AgentCommands


class AgentMonitor(Monitor):
    """The async face of AgentCommands, for the shell: every call in a daemon thread of its own, as the monitor's."""

    libvirt = True
    agent = True

    def __init__(self, commands: AgentCommands) -> None:
        self.commands = commands
        self.target = commands.target
        self.instance = commands.instance

    @classmethod
    async def open(cls, uri: str | None, domain: str, timeout: int = -1) -> AgentMonitor:
        opened = await in_daemon_thread(lambda: AgentCommands.open(uri, domain, timeout), unwanted=AgentCommands.close)
        return cls(opened)

    async def execute_message(self, message: JSONObject) -> Reply:
        return await in_daemon_thread(lambda: self.commands.execute_message(message))

    async def hmp(self, line: str) -> str:
        raise VdbgshError("the guest agent runs no HMP: HMP lines go to QEMU's monitor (attach without --agent)")

    def subscribe(self, callback: EventCallback) -> Subscription:
        return Subscription(lambda: None)  # the agent sends no events

    async def close(self) -> None:
        with contextlib.suppress(Exception):
            self.commands.close()
