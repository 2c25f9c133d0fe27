"""The guest agent (qemu-ga) of a libvirt guest, through libvirt_qemu.qemuAgentCommand: libvirt's second monitor.
Blocking, without asyncio (``vdbgsh exec --agent`` imports only this); the shell's AgentMonitor is in
libvirt_agent.py.

The agent speaks QMP's request shape but is no QEMU monitor: no events, no HMP, no introspection. libvirt turns
the agent's error replies into libvirt errors ("unable to execute QEMU agent command 'X': DESC"); they are turned
back into QMP error replies here, so that the guest's errors read as errors the guest gave (exit status 1), and
libvirt's own (no agent, no answer) as the one line saying what to do.
"""

from __future__ import annotations

import json
import re
import time
from typing import Any

import libvirt
import libvirt_qemu

from vdbgsh.errors import ConnectError, MonitorGone, VdbgshError
from vdbgsh.transport.base import JSONObject, Reply
from vdbgsh.transport.libvirt_commands import LibvirtCommands
from vdbgsh.transport.libvirt_errors import command_error

# libvirt's VIR_DOMAIN_QEMU_AGENT_COMMAND_* timeouts (seconds, or these): how long libvirtd waits for the agent.
AGENT_TIMEOUT_NAMES = {"block": -2, "default": -1, "nowait": 0}
AGENT_TIMEOUT_HELP = (
    "block (wait for ever), default (libvirt's own), nowait (fails unless the agent answers at once), or seconds"
)

_GUEST_ERROR = re.compile(r"unable to execute QEMU agent command '([^']*)': (.*)", re.DOTALL)
_NOT_FOUND = re.compile(r"The command \S+ has not been found|Command \S+ has been disabled")
AGENT_HINT = (
    "the guest needs qemu-ga running and a channel <channel type='unix'><target type='virtio' "
    "name='org.qemu.guest_agent.0'/></channel> in its domain XML"
)


def parse_agent_timeout(text: str) -> int:
    """``--agent-timeout``: a name of libvirt's or whole seconds (at least 1)."""
    word = text.strip().lower()
    if word in AGENT_TIMEOUT_NAMES:
        return AGENT_TIMEOUT_NAMES[word]
    try:
        seconds = int(word)
    except ValueError:
        seconds = 0
    if seconds < 1:
        raise ValueError(f"'{text}' is no agent timeout: give {AGENT_TIMEOUT_HELP}")
    return seconds


def agent_error(domain: str, uri: str, err: libvirt.libvirtError, timeout: int = -1) -> VdbgshError | Reply:
    """libvirt's error for an agent command: a Reply when it is the agent's own error reply, else one line."""
    text = (err.get_error_message() or str(err)).strip()
    code = err.get_error_code()
    guest = _GUEST_ERROR.search(text)
    if guest is not None:
        desc = guest.group(2).strip()
        error_class = "CommandNotFound" if _NOT_FOUND.search(desc) else "GenericError"
        return Reply({"error": {"class": error_class, "desc": desc}})
    if code == libvirt.VIR_ERR_ARGUMENT_UNSUPPORTED and "not configured" in text:
        return ConnectError(f"guest {domain} has no guest agent channel: {text}", AGENT_HINT)
    if code == libvirt.VIR_ERR_AGENT_UNRESPONSIVE and timeout == AGENT_TIMEOUT_NAMES["nowait"]:
        # libvirt syncs with the agent before each command, and nowait does not wait for that either.
        return ConnectError(
            f"guest {domain}'s agent did not answer at once, and --agent-timeout nowait does not wait: {text}",
            "give --agent-timeout SECONDS (or default)",
        )
    if code == libvirt.VIR_ERR_AGENT_UNRESPONSIVE:
        return ConnectError(
            f"guest {domain}'s agent is not answering: {text}",
            "is qemu-ga running in the guest (and has the guest booted)? a slow agent: --agent-timeout SECONDS",
        )
    if code == libvirt.VIR_ERR_AGENT_UNSYNCED:
        return ConnectError(f"guest {domain}'s agent is out of step with libvirt: {text}", "try again in a moment")
    if code == libvirt.VIR_ERR_OPERATION_INVALID and "not running" in text:
        return MonitorGone(f"guest {domain} is not running")
    return command_error(domain, uri, err)


class AgentCommands:
    """Blocking agent commands to one domain: what ``vdbgsh exec --agent`` calls directly."""

    libvirt = True

    def __init__(self, commands: LibvirtCommands, timeout: int) -> None:
        self.commands = commands
        self.uri = commands.uri
        self.timeout = timeout
        self.target = commands.target
        self.instance = commands.instance

    @classmethod
    def open(cls, uri: str | None, domain: str, timeout: int = -1) -> AgentCommands:
        return cls(LibvirtCommands.open(uri, domain), timeout)

    def execute_message(self, message: JSONObject) -> Reply:
        dom = self.commands.dom
        if dom is None:
            raise MonitorGone(f"the agent connection of {self.target} is closed")
        outgoing = {key: value for key, value in message.items() if key != "id"}
        start = time.perf_counter()
        try:
            answer = libvirt_qemu.qemuAgentCommand(dom, json.dumps(outgoing), self.timeout, 0)
        except libvirt.libvirtError as err:
            outcome = agent_error(self.target, self.commands.uri, err, self.timeout)
            if isinstance(outcome, Reply):
                return outcome._replace(elapsed=time.perf_counter() - start)
            raise outcome from None
        if answer is None:  # no answer text (libvirt gives none for a command whose agent sends no reply)
            return Reply({"return": {}}, time.perf_counter() - start)
        reply: Any = json.loads(answer)
        return Reply(reply, time.perf_counter() - start)

    def build_identity(self) -> str:
        return ""  # the agent's schema is chosen by its version (guest-info), not by a binary

    def close(self) -> None:
        self.commands.close()
