"""Following events as they happen: every named domain of a libvirt connection (or all of them), or one QMP socket.

Over libvirt there is one connection and one registration for every domain (``dom=None``), filtered here by name:
a followed domain that is destroyed and started again is a new QEMU with a new monitor, and a registration bound
to the old domain object would never hear from it. libvirt's lifecycle events say when that happens.

A lost connection (libvirtd stopped or restarted, a remote host unreachable) is said through the sink and retried
with backoff until libvirtd answers again; the follower then registers anew on a new connection. Events emitted
meanwhile are not delivered by libvirt, and the user is told so; which followed domains stopped, started or were
restarted meanwhile is worked out from the running domains before and after, and said as libvirt's own would be.
That list is looked at again a few times after a reconnection: a libvirtd just restarted (12.8 does) can still list
a guest whose QEMU died meanwhile while it reconnects to the monitors, then drop it without a lifecycle event.
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
from vdbgsh.transport.connection_care import OPEN_TIMEOUT, open_off_loop, retry_delays, watch_connection


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

    def connection(self, line: str) -> None:
        """vdbgsh's own word on a connection (lost and retried, back): for the user, not part of the stream."""


class Follower(Protocol):
    description: str
    #: Said after the description: which named domains are not running yet.
    remarks: list[str]
    #: Named domains this connection does not know (awaited with --wait), each with the line saying so.
    awaiting: dict[str, str]

    async def close(self) -> None: ...


# libvirt's lifecycle details, as virsh words them.
STARTED_REASONS = ("booted", "migrated", "restored", "from snapshot", "woken up")
STOPPED_REASONS = ("shut down", "destroyed", "crashed", "migrated", "saved", "failed", "from snapshot")
WHILE_LOST = "while the connection was lost"
# Seconds between the looks at the running domains after a reconnection. libvirtd 12.8 takes ~2 s to give up on
# the monitor of a QEMU that died while it was down, and lists that guest as running meanwhile; more guests to
# reconnect to take longer. Each look is one call, and only stops nobody heard of are said.
CONFIRM_DELAYS = (1.0, 2.0, 4.0, 8.0)
# Lifecycle events already on their way are delivered before a domain missing from the list is said stopped.
EVENT_GRACE = 0.2


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
) -> tuple[DomainSelection, list[str], list[str], dict[str, str]]:
    """Turn DOMAIN words (name, UUID or id) into names to follow; returns the selection, names, side remarks, and
    the words naming no domain yet (with a line saying each is awaited).

    A domain libvirt does not know at all is a typo more often than a guest about to appear: an error, unless
    ``wait`` says the user expects it. A defined domain that is shut off is simply awaited.
    """
    from vdbgsh.transport.libvirt_domains import ACTIVE_STATES, looks_like_uuid, running_names, state_name

    names: set[str] = set()
    uuids: set[str] = set()
    shown: list[str] = []
    remarks: list[str] = []
    awaiting: dict[str, str] = {}
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
        awaiting[ref] = f"no domain '{ref}' on {uri} yet: waiting for it"
    return DomainSelection(names, uuids), shown, remarks, awaiting


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
        self.awaiting: dict[str, str] = {}
        self.shown: list[str] = []
        self._stopped: set[str] = set()
        self._running: dict[str, int] = {}  # followed domains running, by name: their id (a restart gives a new one)
        self._qemu_callback: int | None = None
        self._lifecycle_callback: int | None = None
        self._closing = False
        self._reconnecting: asyncio.Task[None] | None = None
        self._confirming: asyncio.Task[None] | None = None  # the looks again after a reconnection
        self._released = False  # self.conn is closed: libvirt-python must not be asked to close it twice
        self._watching: Subscription | None = None  # the keepalive and close callback of self.conn

    @classmethod
    async def open(cls, uri: str | None, refs: list[str], sink: Sink, *, wait: bool) -> LibvirtFollower:
        from vdbgsh.transport.libvirt_monitor import ensure_event_loop_impl

        # Before the connection opens, or that connection never delivers an event.
        ensure_event_loop_impl()
        conn, resolved = await open_off_loop(uri)
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
        selection, shown, remarks, awaiting = resolve_domains(self.conn, self.uri, refs, wait=wait)
        self.selection = selection
        self._running = self._running_now() or {}
        self.shown = shown
        if shown:
            self.description = f"{', '.join(shown)} on {self.uri}"
        self.remarks = remarks
        self.awaiting = awaiting

    def among_several(self) -> None:
        """Following several hosts, the description names only the domains this one has."""
        if self.shown:
            known = [name for name in self.shown if name not in self.awaiting]
            self.description = f"{', '.join(known) or 'none of them yet'} on {self.uri}"

    def _register(self) -> None:
        import libvirt
        import libvirt_qemu

        try:
            self._watching = watch_connection(self.conn, self._on_lost)
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
            # The id comes with the event (no call to libvirtd); one seen already was said on reconnecting.
            if self._running.get(name) != dom.ID():
                self._started(name, _reason(STARTED_REASONS, detail), dom.ID())
        elif kind == libvirt.VIR_DOMAIN_EVENT_STOPPED and (name in self._running or name not in self._stopped):
            # A stop already said (found by a look at the running domains, its event late) is not said twice.
            self._stopped_now(name, _reason(STOPPED_REASONS, detail))

    def _started(self, name: str, reason: str, domain_id: int) -> None:
        again = name in self._stopped
        self._stopped.discard(name)
        self._running[name] = domain_id
        self.sink.notice(Notice(name, "started", reason, time.time(), again))

    def _stopped_now(self, name: str, reason: str) -> None:
        self._stopped.add(name)
        self._running.pop(name, None)
        self.sink.notice(Notice(name, "stopped", reason, time.time()))

    def _running_now(self) -> dict[str, int] | None:
        """None when libvirtd cannot say (the connection failed again: its close callback follows)."""
        import libvirt

        try:
            domains = self.conn.listAllDomains(libvirt.VIR_CONNECT_LIST_DOMAINS_ACTIVE)
        except libvirt.libvirtError:
            return None
        # Names, ids and UUIDs come with the list: no further calls that could fail.
        return {dom.name(): dom.ID() for dom in domains if self.selection.wants(dom)}

    def _catch_up(self) -> None:
        """After a reconnection: what libvirt said while nobody listened, worked out from the running domains."""
        # A copy: saying a domain stopped takes it out of self._running.
        before, now = dict(self._running), self._running_now()
        if now is None:
            return
        for name, domain_id in before.items():
            if now.get(name) != domain_id:
                self._stopped_now(name, WHILE_LOST)
        for name, domain_id in now.items():
            if before.get(name) != domain_id:
                self._started(name, WHILE_LOST, domain_id)

    async def _confirm_catch_up(self) -> None:
        """Look at the running domains again a few times: a followed one gone from the list, of which libvirt said
        nothing, stopped while the connection was lost (libvirtd gave up on its monitor after reconnecting)."""
        for delay in CONFIRM_DELAYS:
            await asyncio.sleep(delay)
            now = self._running_now()
            if now is None:
                return  # the connection went again: its close callback follows, and a new catch-up
            missing = {name: domain_id for name, domain_id in self._running.items() if name not in now}
            if not missing:
                continue
            await asyncio.sleep(EVENT_GRACE)
            for name, domain_id in missing.items():
                if self._running.get(name) == domain_id:  # no event about it came meanwhile
                    self._stopped_now(name, WHILE_LOST)

    def _on_lost(self, conn: object, why: str) -> None:
        if self._closing or conn is not self.conn:
            return
        if self._reconnecting is not None and not self._reconnecting.done():
            return
        if self._confirming is not None:
            self._confirming.cancel()  # the next reconnection looks again
        self.sink.connection(f"lost connection to {self.uri} ({why}); retrying")
        # Not from inside libvirt's callback: the dead connection is released, and a new one opened, in a task.
        self._reconnecting = asyncio.get_running_loop().create_task(self._reconnect(time.monotonic()))

    async def _reconnect(self, since: float) -> None:
        self._release()
        for attempt, delay in enumerate(retry_delays(), start=1):
            await asyncio.sleep(delay)
            try:
                conn, _uri = await asyncio.wait_for(open_off_loop(self.uri), OPEN_TIMEOUT)
            except (VdbgshError, TimeoutError):
                continue
            self.conn = conn
            self._released = False
            try:
                self._register()
            except VdbgshError:
                self._release()
                continue
            self.sink.connection(
                f"reconnected to {self.uri} after {time.monotonic() - since:.1f} s ({attempt} attempt"
                f"{'' if attempt == 1 else 's'}); events emitted meanwhile were missed"
            )
            self._catch_up()
            self._confirming = asyncio.get_running_loop().create_task(self._confirm_catch_up())
            return

    def _release(self) -> None:
        """Drop the registrations and the connection; on a dead connection each step fails at once, quietly."""
        import libvirt
        import libvirt_qemu

        if self._released:
            return
        self._released = True
        with contextlib.suppress(libvirt.libvirtError):
            if self._qemu_callback is not None:
                libvirt_qemu.qemuMonitorEventDeregister(self.conn, self._qemu_callback)
        with contextlib.suppress(libvirt.libvirtError):
            if self._lifecycle_callback is not None:
                self.conn.domainEventDeregisterAny(self._lifecycle_callback)
        if self._watching is not None:
            self._watching.cancel()
        self._qemu_callback = self._lifecycle_callback = self._watching = None
        with contextlib.suppress(libvirt.libvirtError):
            self.conn.close()

    async def close(self) -> None:
        if self._closing:
            return
        self._closing = True
        from vdbgsh.transport.libvirt_monitor import drain_libvirt_events

        for task in (self._reconnecting, self._confirming):
            if task is not None:
                task.cancel()
                with contextlib.suppress(asyncio.CancelledError):
                    await task
        self._release()
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
        self.awaiting: dict[str, str] = {}
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
