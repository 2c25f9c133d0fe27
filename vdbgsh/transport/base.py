"""The one interface every transport offers: execute QMP, run HMP, subscribe to events, close.

Records here are NamedTuples rather than dataclasses: ``vdbgsh exec`` imports this module, and importing
dataclasses (with inspect) costs ~10 ms of a one-shot budget of ~20 ms over the interpreter and libvirt.
"""

from __future__ import annotations

import abc
from collections.abc import Callable
from typing import Any, NamedTuple, Protocol

JSONObject = dict[str, Any]


class Reply(NamedTuple):
    """A QMP reply as the guest sent it: either ``{"return": ...}`` or ``{"error": {...}}``."""

    message: JSONObject
    # Seconds between sending the request and receiving the reply, measured by the transport.
    elapsed: float = 0.0

    @property
    def ok(self) -> bool:
        return "error" not in self.message

    @property
    def value(self) -> Any:
        return self.message.get("return")

    @property
    def error_class(self) -> str:
        return str(self.message.get("error", {}).get("class", "GenericError"))

    @property
    def error_desc(self) -> str:
        return str(self.message.get("error", {}).get("desc", ""))


class Event(NamedTuple):
    """A QMP event: name, data, QEMU's timestamp (seconds since the epoch) and the domain it came from."""

    name: str
    data: JSONObject | None
    timestamp: float
    source: str


EventCallback = Callable[[Event], None]


class Lost(NamedTuple):
    """The monitor went away between commands: ``link`` when only the way to it did (libvirtd stopped or
    restarted: the guest may run on, and a new connection finds it again); else the guest or its QEMU ended."""

    link: bool
    message: str


LostCallback = Callable[[Lost], None]


class Subscription(NamedTuple):
    """Returned by ``Monitor.subscribe``; ``cancel()`` stops delivery."""

    cancel: Callable[[], None]


HMP_PASSTHROUGH = "human-monitor-command"  # QMP's way to run a text-monitor (HMP) line


def request_message(command: str, arguments: JSONObject | None = None) -> JSONObject:
    message: JSONObject = {"execute": command}
    if arguments:
        message["arguments"] = arguments
    return message


class BlockingMonitor(Protocol):
    """What the one-shot paths need: send a request and wait for its reply, without an event loop."""

    target: str

    def execute_message(self, message: JSONObject) -> Reply: ...

    def build_identity(self) -> str: ...

    def close(self) -> None: ...


class Monitor(abc.ABC):
    """A connection to one guest's QMP monitor.

    All methods run in the caller's asyncio loop and never block it. Transport failures raise
    ``vdbgsh.errors.ConnectError`` or ``MonitorGone``; a QMP error is a normal ``Reply`` with ``ok`` false.
    """

    #: What the monitor is attached to, as the user named it (a domain name or a socket address).
    target: str
    #: Whether libvirt manages the guest (and so keeps state a raw command can change behind its back).
    libvirt: bool = False
    #: Which run of the guest this is (libvirt's domain id), to tell a restarted guest from the same one; "" unknown.
    instance: str = ""
    #: The guest agent (qemu-ga), not QEMU's monitor: no run state, no HMP, no events.
    agent: bool = False

    @abc.abstractmethod
    async def execute_message(self, message: JSONObject) -> Reply:
        """Send one QMP request (``{"execute": ..., "arguments": ...}``) and return its reply."""

    async def execute(self, command: str, arguments: JSONObject | None = None) -> Reply:
        return await self.execute_message(request_message(command, arguments))

    async def hmp(self, line: str) -> str:
        """Run a text-monitor line through QMP's ``human-monitor-command`` and return its text output."""
        reply = await self.execute(HMP_PASSTHROUGH, {"command-line": line})
        if not reply.ok:
            raise HMPError(reply)
        return str(reply.value)

    async def build_identity(self) -> str:
        """Something that changes when the QEMU binary does (for the schema cache); empty when unknown."""
        return ""

    @abc.abstractmethod
    def subscribe(self, callback: EventCallback) -> Subscription:
        """Call ``callback`` in the loop for every event the guest emits, until cancelled or closed."""

    def watch(self, callback: LostCallback) -> Subscription:
        """Call ``callback`` in the loop when the monitor goes away by itself, until cancelled or closed."""
        return Subscription(lambda: None)

    @abc.abstractmethod
    async def close(self) -> None:
        """Release the connection; safe to call twice."""

    async def __aenter__(self) -> Monitor:
        return self

    async def __aexit__(self, *exc: object) -> None:
        await self.close()


class HMPError(Exception):
    """``human-monitor-command`` itself failed (the HMP line's own errors come back as its text)."""

    def __init__(self, reply: Reply) -> None:
        super().__init__(f"{reply.error_class}: {reply.error_desc}")
        self.reply = reply
