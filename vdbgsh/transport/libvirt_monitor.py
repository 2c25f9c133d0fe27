"""The Monitor of a libvirt-managed guest: commands through qemuMonitorCommand, events through libvirtaio."""

from __future__ import annotations

import asyncio
import contextlib
import json
import threading
from collections.abc import Callable
from typing import Any

import libvirt
import libvirt_qemu

from vdbgsh.errors import ConnectError, MonitorGone
from vdbgsh.transport.base import Event, EventCallback, JSONObject, Lost, LostCallback, Monitor, Reply, Subscription
from vdbgsh.transport.connection_care import in_daemon_thread, watch_connection
from vdbgsh.transport.gone import ShutdownSeen, libvirt_stopped
from vdbgsh.transport.libvirt_commands import LibvirtCommands
from vdbgsh.transport.libvirt_errors import SOCKET_HINT, command_error
from vdbgsh.transport.loop_calls import call_in_loop, current_loop


def ensure_event_loop_impl() -> None:
    """Make libvirt deliver its events in the running asyncio loop.

    libvirt accepts one event implementation per process and binds it to one loop, so this registers once; it
    must happen before the connection is opened, or that connection never sees an event.
    """
    import libvirtaio

    loop = asyncio.get_running_loop()
    impl = libvirtaio.getCurrentImpl()
    if impl is None:
        libvirtaio.virEventRegisterAsyncIOImpl(loop=loop)
    elif impl.loop is not loop:
        raise ConnectError("libvirt events are already bound to another event loop in this process")


async def drain_libvirt_events() -> None:
    import libvirtaio

    impl = libvirtaio.getCurrentImpl()
    if impl is not None and impl.loop is asyncio.get_running_loop():
        # Bounded: closing must never hang on a callback libvirt never completes.
        with contextlib.suppress(Exception):
            await asyncio.wait_for(impl.drain(), 1.0)


class LibvirtMonitor(Monitor):
    libvirt = True

    def __init__(self, commands: LibvirtCommands) -> None:
        self.commands = commands
        self.conn = commands.conn
        self.target = commands.target
        self.instance = commands.instance
        self._callbacks: set[int] = set()
        self._listeners: list[list[EventCallback]] = []
        self._unwatch: list[Subscription] = []
        self._in_flight = 0  # monitor commands whose reply has not come (a caller may have stopped waiting)
        self._counting = threading.Lock()  # they are counted in their own threads

    @classmethod
    async def open(cls, uri: str | None, domain: str, *, events: bool = True) -> LibvirtMonitor:
        """Connect to libvirtd and find the running domain (by name, UUID or id)."""
        if events:
            ensure_event_loop_impl()
        return cls(await in_daemon_thread(lambda: LibvirtCommands.open(uri, domain), unwanted=LibvirtCommands.close))

    async def execute_message(self, message: JSONObject) -> Reply:
        # qemuMonitorCommand blocks: in a thread, the UI and the events stay live during a slow command; a thread
        # of its own, which a reply that never comes (QEMU stopped) leaves behind without holding up the exit.
        return await in_daemon_thread(lambda: self._counted(message))

    def _counted(self, message: JSONObject) -> Reply:
        with self._counting:  # in the call's own thread: it ends when the reply comes, whoever still waits
            self._in_flight += 1
        try:
            return self.commands.execute_message(message)
        finally:
            with self._counting:
                self._in_flight -= 1

    def _off_the_loop(self, calls: Callable[[], None]) -> None:
        """Deregistering calls, at once, or in a daemon thread while a command waits for QEMU: libvirt's client
        (9.0) then takes up to a keepalive interval (5 s) to send another call, and leaving the shell waited that
        long."""
        if self._in_flight:
            threading.Thread(target=calls, name="vdbgsh-libvirt-deregister", daemon=True).start()
        else:
            calls()

    async def build_identity(self) -> str:
        return await in_daemon_thread(self.commands.build_identity)

    def subscribe(self, callback: EventCallback) -> Subscription:
        # One registration with libvirtd, shared by every subscriber: libvirt refuses a second one for the same
        # domain ("event callback already tracked").
        if self.commands.dom is None:
            raise MonitorGone(f"the monitor of {self.target} is closed")
        if not self._callbacks:
            try:
                callback_id = libvirt_qemu.qemuMonitorEventRegister(
                    self.conn, self.commands.dom, None, self._deliver, None, 0
                )
            except libvirt.libvirtError as err:
                raise command_error(self.target, self.commands.uri, err) from None
            self._callbacks.add(callback_id)
        listener = [callback]  # a box of its own: the same function may subscribe twice
        self._listeners.append(listener)

        def cancel() -> None:
            if listener in self._listeners:
                self._listeners.remove(listener)
            if not self._listeners:
                self._deregister()

        return Subscription(cancel)

    def _deliver(
        self, _conn: object, dom: Any, name: str, seconds: int, micros: int, details: str | None, _opaque: object
    ) -> None:
        data = json.loads(details) if details else None
        event = Event(name, data, seconds + micros / 1e6, dom.name() if dom is not None else self.target)
        for (callback,) in list(self._listeners):
            callback(event)

    def _deregister(self) -> None:
        conn, callback_ids = self.conn, list(self._callbacks)
        self._callbacks.clear()

        def deregister() -> None:
            for callback_id in callback_ids:
                # A failure means the connection is gone, and the callback with it.
                with contextlib.suppress(libvirt.libvirtError):
                    libvirt_qemu.qemuMonitorEventDeregister(conn, callback_id)

        self._off_the_loop(deregister)

    def watch(self, callback: LostCallback) -> Subscription:
        """libvirt's close callback (libvirtd gone: the keepalive notices a hung one within ~15 s) and the
        domain's lifecycle events (stopped: how, with QEMU's SHUTDOWN cause when it sent one)."""
        dom = self.commands.dom
        if dom is None:
            raise MonitorGone(f"the monitor of {self.target} is closed")
        shutdown = ShutdownSeen()
        events = self.subscribe(shutdown)
        conn, uri = self.conn, self.commands.uri
        loop = current_loop()

        def on_close(_conn: object, why: str) -> None:
            if self.commands.dom is not None:
                callback(Lost(True, f"lost the connection to libvirtd at {uri} ({why})"))

        def on_lifecycle(_conn: object, _dom: object, kind: int, detail: int, _opaque: object) -> None:
            if kind == libvirt.VIR_DOMAIN_EVENT_STOPPED and self.commands.dom is not None:
                call_in_loop(loop, callback, Lost(False, libvirt_stopped(self.target, detail, shutdown.reason)))

        closing: Subscription | None = None
        try:
            closing = watch_connection(conn, on_close)
            lifecycle = conn.domainEventRegisterAny(dom, libvirt.VIR_DOMAIN_EVENT_ID_LIFECYCLE, on_lifecycle, None)
        except libvirt.libvirtError as err:
            events.cancel()
            if closing is not None:
                closing.cancel()
            raise MonitorGone(f"cannot watch {self.target} through libvirtd at {uri}: {err}", SOCKET_HINT) from None
        watching = closing

        def deregister() -> None:
            # Failures mean the connection is gone, and the callbacks with it.
            with contextlib.suppress(libvirt.libvirtError):
                conn.domainEventDeregisterAny(lifecycle)
            watching.cancel()

        def cancel() -> None:
            events.cancel()
            self._off_the_loop(deregister)

        subscription = Subscription(cancel)
        self._unwatch.append(subscription)
        return subscription

    async def close(self) -> None:
        if self.commands.dom is None:
            return
        for subscription in self._unwatch:
            subscription.cancel()
        self._unwatch.clear()
        self._listeners.clear()
        self._deregister()
        self.commands.close()
        if not self._in_flight:  # else libvirt's pending callbacks never drain: nothing to wait for
            await drain_libvirt_events()
