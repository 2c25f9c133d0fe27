"""The Monitor of a libvirt-managed guest: commands through qemuMonitorCommand, events through libvirtaio."""

from __future__ import annotations

import asyncio
import contextlib
import json
import time
from typing import Any

import libvirt
import libvirt_qemu

from vdbgsh.errors import ConnectError, MonitorGone
from vdbgsh.transport.base import Event, EventCallback, JSONObject, Monitor, Reply, Subscription
from vdbgsh.transport.libvirt_domains import lookup_domain, open_connection
from vdbgsh.transport.libvirt_errors import command_error


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


async def _drain_libvirt_events() -> None:
    import libvirtaio

    impl = libvirtaio.getCurrentImpl()
    if impl is not None and impl.loop is asyncio.get_running_loop():
        await impl.drain()


class LibvirtMonitor(Monitor):
    def __init__(self, conn: libvirt.virConnect, uri: str, dom: libvirt.virDomain) -> None:
        self.conn = conn
        self.uri = uri
        self.dom = dom
        self.target = dom.name()
        self._callbacks: set[int] = set()
        self._closed = False

    @classmethod
    async def open(cls, uri: str | None, domain: str, *, events: bool = True) -> LibvirtMonitor:
        """Connect to libvirtd and find the running domain (by name, UUID or id)."""
        if events:
            ensure_event_loop_impl()
        conn, resolved = await asyncio.to_thread(open_connection, uri)
        try:
            dom = await asyncio.to_thread(lookup_domain, conn, resolved, domain)
        except BaseException:
            conn.close()
            raise
        return cls(conn, resolved, dom)

    async def execute_message(self, message: JSONObject) -> Reply:
        if self._closed:
            raise MonitorGone(f"the monitor of {self.target} is closed")
        # libvirt numbers requests itself ("libvirt-N") and refuses one that already carries an id.
        outgoing = {key: value for key, value in message.items() if key != "id"}
        text = json.dumps(outgoing)
        start = time.perf_counter()
        try:
            answer = await asyncio.to_thread(libvirt_qemu.qemuMonitorCommand, self.dom, text, 0)
        except libvirt.libvirtError as err:
            raise command_error(self.target, self.uri, err) from None
        elapsed = time.perf_counter() - start
        reply: Any = json.loads(answer)
        return Reply(reply, elapsed)

    def subscribe(self, callback: EventCallback) -> Subscription:
        def deliver(
            _conn: object,
            dom: Any,
            name: str,
            seconds: int,
            micros: int,
            details: str | None,
            _opaque: object,
        ) -> None:
            data = json.loads(details) if details else None
            callback(Event(name, data, seconds + micros / 1e6, dom.name() if dom is not None else self.target))

        try:
            callback_id = libvirt_qemu.qemuMonitorEventRegister(self.conn, self.dom, None, deliver, None, 0)
        except libvirt.libvirtError as err:
            raise command_error(self.target, self.uri, err) from None
        self._callbacks.add(callback_id)

        def cancel() -> None:
            if callback_id in self._callbacks and not self._closed:
                self._callbacks.discard(callback_id)
                # A failure means the connection is gone, and the callback with it.
                with contextlib.suppress(libvirt.libvirtError):
                    libvirt_qemu.qemuMonitorEventDeregister(self.conn, callback_id)

        return Subscription(cancel)

    async def close(self) -> None:
        if self._closed:
            return
        with contextlib.suppress(libvirt.libvirtError):
            for callback_id in self._callbacks:
                libvirt_qemu.qemuMonitorEventDeregister(self.conn, callback_id)
        self._callbacks.clear()
        self._closed = True
        # The domain object holds a reference on the connection: drop it, or the connection really closes
        # only when the object is collected, after the loop that libvirt's event handles live in has gone.
        del self.dom
        with contextlib.suppress(libvirt.libvirtError):
            self.conn.close()
        await _drain_libvirt_events()
