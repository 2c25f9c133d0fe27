"""The Monitor of a libvirt-managed guest: commands through qemuMonitorCommand, events through libvirtaio."""

from __future__ import annotations

import asyncio
import contextlib
import json
from typing import Any

import libvirt
import libvirt_qemu

from vdbgsh.errors import ConnectError, MonitorGone
from vdbgsh.transport.base import Event, EventCallback, JSONObject, Monitor, Reply, Subscription
from vdbgsh.transport.libvirt_commands import LibvirtCommands
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
        self._callbacks: set[int] = set()

    @classmethod
    async def open(cls, uri: str | None, domain: str, *, events: bool = True) -> LibvirtMonitor:
        """Connect to libvirtd and find the running domain (by name, UUID or id)."""
        if events:
            ensure_event_loop_impl()
        return cls(await asyncio.to_thread(LibvirtCommands.open, uri, domain))

    async def execute_message(self, message: JSONObject) -> Reply:
        # qemuMonitorCommand blocks: in a thread, the UI and the events stay live during a slow command.
        return await asyncio.to_thread(self.commands.execute_message, message)

    async def build_identity(self) -> str:
        return await asyncio.to_thread(self.commands.build_identity)

    def subscribe(self, callback: EventCallback) -> Subscription:
        def deliver(
            _conn: object, dom: Any, name: str, seconds: int, micros: int, details: str | None, _opaque: object
        ) -> None:
            data = json.loads(details) if details else None
            callback(Event(name, data, seconds + micros / 1e6, dom.name() if dom is not None else self.target))

        if self.commands.dom is None:
            raise MonitorGone(f"the monitor of {self.target} is closed")
        try:
            callback_id = libvirt_qemu.qemuMonitorEventRegister(self.conn, self.commands.dom, None, deliver, None, 0)
        except libvirt.libvirtError as err:
            raise command_error(self.target, self.commands.uri, err) from None
        self._callbacks.add(callback_id)

        def cancel() -> None:
            if callback_id in self._callbacks:
                self._callbacks.discard(callback_id)
                # A failure means the connection is gone, and the callback with it.
                with contextlib.suppress(libvirt.libvirtError):
                    libvirt_qemu.qemuMonitorEventDeregister(self.conn, callback_id)

        return Subscription(cancel)

    async def close(self) -> None:
        if self.commands.dom is None:
            return
        with contextlib.suppress(libvirt.libvirtError):
            for callback_id in self._callbacks:
                libvirt_qemu.qemuMonitorEventDeregister(self.conn, callback_id)
        self._callbacks.clear()
        self.commands.close()
        await drain_libvirt_events()
