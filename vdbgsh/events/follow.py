"""Following events as they happen: every named domain of a libvirt connection (or all of them), or one QMP socket.

Over libvirt there is one connection and one registration for every domain (``dom=None``), filtered here by name:
a followed domain that is destroyed and started again is a new QEMU with a new monitor, and a registration bound
to the old domain object would never hear from it. libvirt's lifecycle events say when that happens.
"""

from __future__ import annotations

import asyncio
import contextlib
import json
import time
from typing import Any, NamedTuple, Protocol

from vdbgsh.errors import ConnectError, VdbgshError
from vdbgsh.transport.address import QMPAddress
from vdbgsh.transport.base import Event, Subscription


class Notice(NamedTuple):
    """A followed domain started or stopped (from libvirt's lifecycle events, not QEMU's)."""

    domain: str
    state: str  # "started" or "stopped"
    reason: str
    timestamp: float
    again: bool = False  # started after it stopped while followed


class Sink(Protocol):
    """Where a follower delivers; every call happens in the asyncio loop."""

    def event(self, event: Event) -> None: ...

    def notice(self, notice: Notice) -> None: ...

    def ended(self, error: VdbgshError | None, line: str) -> None:
        """No more events will come: the connection is gone (``error``) or QEMU quit (``line`` says so)."""


class Follower(Protocol):
    description: str
    #: Said after the description: which named domains are awaited.
    remarks: list[str]

    async def close(self) -> None: ...


# libvirt's lifecycle details, as virsh words them.
STARTED_REASONS = ("booted", "migrated", "restored", "from snapshot", "woken up")
STOPPED_REASONS = ("shut down", "destroyed", "crashed", "migrated", "saved", "failed", "from snapshot")


def _reason(reasons: tuple[str, ...], detail: int) -> str:
    return reasons[detail] if 0 <= detail < len(reasons) else f"reason {detail}"


class DomainSelection:
    """The domains to follow, by name or UUID; every domain when none is named."""

    def __init__(self, names: set[str], uuids: set[str]) -> None:
        self.names = names
        self.uuids = uuids

    @property
    def everything(self) -> bool:
        return not self.names and not self.uuids

    def wants(self, dom: Any) -> bool:
        return self.everything or dom.name() in self.names or dom.UUIDString().lower() in self.uuids


def resolve_domains(
    conn: Any, uri: str, refs: list[str], *, wait: bool
) -> tuple[DomainSelection, list[str], list[str]]:
    """Turn DOMAIN words (name, UUID or id) into names to follow; returns the selection, names and side remarks.

    A domain libvirt does not know at all is a typo more often than a guest about to appear: an error, unless
    ``wait`` says the user expects it. A defined domain that is shut off is simply awaited.
    """
    from vdbgsh.transport.libvirt_domains import ACTIVE_STATES, looks_like_uuid, running_names, state_name

    names: set[str] = set()
    uuids: set[str] = set()
    shown: list[str] = []
    remarks: list[str] = []
    for ref in refs:
        dom = _find(conn, uri, ref)
        if dom is not None:
            names.add(dom.name())
            shown.append(dom.name())
            state, _reason = dom.state()
            if state not in ACTIVE_STATES:
                remarks.append(f"{dom.name()} is not running ({state_name(dom)}): waiting for it to start")
            continue
        if not wait:
            running = ", ".join(running_names(conn)) or "none"
            raise ConnectError(
                f"no domain '{ref}' on {uri} (running: {running})",
                "see 'vdbgsh list --all'; pass --wait to wait for a domain that does not exist yet",
            )
        if looks_like_uuid(ref):
            uuids.add(ref.lower())
        else:
            names.add(ref)
        shown.append(ref)
        remarks.append(f"no domain '{ref}' on {uri} yet: waiting for it")
    return DomainSelection(names, uuids), shown, remarks


def _find(conn: Any, uri: str, ref: str) -> Any:
    import libvirt

    from vdbgsh.transport.libvirt_domains import looks_like_uuid
    from vdbgsh.transport.libvirt_errors import connect_error

    kinds = [kind for kind, fits in (("id", ref.isdigit()), ("uuid", looks_like_uuid(ref))) if fits]
    for kind in [*kinds, "name"]:
        try:
            if kind == "id":
                return conn.lookupByID(int(ref))
            if kind == "uuid":
                return conn.lookupByUUIDString(ref)
            return conn.lookupByName(ref)
        except libvirt.libvirtError as err:
            if err.get_error_code() != libvirt.VIR_ERR_NO_DOMAIN:
                raise connect_error(uri, err) from None
    return None


class LibvirtFollower:
    """One connection, QEMU's events of the selected domains and libvirt's lifecycle events for them."""

    def __init__(self, conn: Any, uri: str, sink: Sink) -> None:
        self.conn = conn
        self.uri = uri
        self.sink = sink
        self.selection = DomainSelection(set(), set())
        self.description = f"every domain on {uri}"
        self.remarks: list[str] = []
        self._stopped: set[str] = set()
        self._qemu_callback: int | None = None
        self._lifecycle_callback: int | None = None
        self._closing = False

    @classmethod
    async def open(cls, uri: str | None, refs: list[str], sink: Sink, *, wait: bool) -> LibvirtFollower:
        from vdbgsh.transport.libvirt_domains import open_connection
        from vdbgsh.transport.libvirt_monitor import ensure_event_loop_impl

        # Before the connection opens, or that connection never delivers an event.
        ensure_event_loop_impl()
        conn, resolved = await asyncio.to_thread(open_connection, uri)
        follower = cls(conn, resolved, sink)
        try:
            follower._start(refs, wait)
        except BaseException:
            await follower.close()
            raise
        return follower

    def _start(self, refs: list[str], wait: bool) -> None:
        # Callbacks run in this loop, so none can fire before this method returns: registering before resolving
        # loses nothing that happens in between, and no callback sees a half-built selection.
        self._register()
        selection, shown, remarks = resolve_domains(self.conn, self.uri, refs, wait=wait)
        self.selection = selection
        if shown:
            self.description = f"{', '.join(shown)} on {self.uri}"
        self.remarks = remarks

    def _register(self) -> None:
        import libvirt
        import libvirt_qemu

        try:
            # A dead libvirtd is noticed within ~15 s instead of never.
            self.conn.setKeepAlive(5, 3)
            self.conn.registerCloseCallback(self._on_close, None)
            self._qemu_callback = libvirt_qemu.qemuMonitorEventRegister(self.conn, None, None, self._on_qemu, None, 0)
            self._lifecycle_callback = self.conn.domainEventRegisterAny(
                None, libvirt.VIR_DOMAIN_EVENT_ID_LIFECYCLE, self._on_lifecycle, None
            )
        except libvirt.libvirtError as err:
            raise _registration_error(self.uri, err) from None

    def _on_qemu(
        self, _conn: object, dom: Any, name: str, seconds: int, micros: int, details: str | None, _opaque: object
    ) -> None:
        if self._closing or not self.selection.wants(dom):
            return
        data = json.loads(details) if details else None
        self.sink.event(Event(name, data, seconds + micros / 1e6, dom.name()))

    def _on_lifecycle(self, _conn: object, dom: Any, kind: int, detail: int, _opaque: object) -> None:
        import libvirt

        if self._closing or not self.selection.wants(dom):
            return
        name = dom.name()
        if kind == libvirt.VIR_DOMAIN_EVENT_STARTED:
            again = name in self._stopped
            self._stopped.discard(name)
            self.sink.notice(Notice(name, "started", _reason(STARTED_REASONS, detail), time.time(), again))
        elif kind == libvirt.VIR_DOMAIN_EVENT_STOPPED:
            self._stopped.add(name)
            self.sink.notice(Notice(name, "stopped", _reason(STOPPED_REASONS, detail), time.time()))

    def _on_close(self, _conn: object, reason: int, _opaque: object) -> None:
        import libvirt

        if self._closing or reason == libvirt.VIR_CONNECT_CLOSE_REASON_CLIENT:
            return
        from vdbgsh.transport.libvirt_errors import SOCKET_HINT

        why = {libvirt.VIR_CONNECT_CLOSE_REASON_KEEPALIVE: "it stopped answering"}.get(reason, "it closed")
        self.sink.ended(ConnectError(f"lost the connection to libvirtd at {self.uri}: {why}", SOCKET_HINT), "")

    async def close(self) -> None:
        if self._closing:
            return
        self._closing = True
        import libvirt
        import libvirt_qemu

        from vdbgsh.transport.libvirt_monitor import drain_libvirt_events

        with contextlib.suppress(libvirt.libvirtError):
            if self._qemu_callback is not None:
                libvirt_qemu.qemuMonitorEventDeregister(self.conn, self._qemu_callback)
            if self._lifecycle_callback is not None:
                self.conn.domainEventDeregisterAny(self._lifecycle_callback)
            self.conn.unregisterCloseCallback()
        with contextlib.suppress(libvirt.libvirtError):
            self.conn.close()
        await drain_libvirt_events()


def _registration_error(uri: str, err: Any) -> VdbgshError:
    import libvirt

    from vdbgsh.transport.libvirt_errors import connect_error

    text = (err.get_error_message() or str(err)).strip()
    if err.get_error_code() == libvirt.VIR_ERR_OPERATION_DENIED or "read only" in text:
        return ConnectError(
            f"the connection to {uri} is read-only: libvirt delivers QEMU monitor events only on a read-write one",
            "connect as a user with read-write access (root, or the 'libvirt' group)",
        )
    return connect_error(uri, err)


class SocketFollower:
    """The events of one plain QEMU through its QMP socket; ends when QEMU closes the connection."""

    def __init__(self, monitor: Any, sink: Sink) -> None:
        self.monitor = monitor
        self.sink = sink
        self.description = f"QEMU at {monitor.target}"
        self.remarks: list[str] = []
        self._subscription: Subscription | None = None
        self._watch: asyncio.Task[None] | None = None

    @classmethod
    async def open(cls, address: QMPAddress, sink: Sink) -> SocketFollower:
        from vdbgsh.transport.socket_monitor import SocketMonitor

        follower = cls(await SocketMonitor.open(address), sink)
        follower._subscription = follower.monitor.subscribe(sink.event)
        follower._watch = asyncio.get_running_loop().create_task(follower._watch_connection())
        return follower

    async def _watch_connection(self) -> None:
        from qemu.qmp.protocol import Runstate

        client = self.monitor.client
        while client.runstate == Runstate.RUNNING:
            await client.runstate_changed()
        # Events already queued for the listener come first: let the pump hand them over before saying goodbye.
        await asyncio.sleep(0.05)
        self.sink.ended(None, f"QEMU at {self.monitor.target} closed the QMP connection")

    async def close(self) -> None:
        if self._watch is not None:
            self._watch.cancel()
        if self._subscription is not None:
            self._subscription.cancel()
        await self.monitor.close()
