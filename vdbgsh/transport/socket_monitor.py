"""The Monitor of a plain QEMU through its QMP socket, using QEMU's own client library (qemu.qmp)."""

from __future__ import annotations

import asyncio
import contextlib
import logging
import os
import socket
import struct
import time
from typing import Any

from qemu.qmp import ConnectError as QMPConnectError
from qemu.qmp import EventListener, QMPClient
from qemu.qmp.protocol import Runstate

from vdbgsh.errors import ConnectError, MonitorGone
from vdbgsh.transport.address import QMPAddress
from vdbgsh.transport.base import Event, EventCallback, JSONObject, Lost, LostCallback, Monitor, Reply, Subscription
from vdbgsh.transport.binary_identity import process_binary_identity
from vdbgsh.transport.gone import ShutdownSeen, socket_closed
from vdbgsh.transport.processes import pid_alive

# QEMU greets a client at once; silence means another client holds the socket (QEMU serves one at a time).
GREETING_TIMEOUT = 3.0
# The longest reply line read (qemu.qmp's default is 10 MiB, beyond which it drops the connection): a bound on
# memory, not on what a debugging user may ask for (`xp /1200000xb 0` is 9 MB).
READ_LIMIT = 64 * 1024 * 1024


def _quiet_library_logs() -> None:
    # qemu.qmp logs a disconnect as a warning with a traceback; vdbgsh reports it as one line instead.
    logging.getLogger("qemu.qmp").setLevel(logging.CRITICAL)


def _connect_failure(address: QMPAddress, exc: BaseException) -> ConnectError:
    cause = exc.exc if isinstance(exc, QMPConnectError) else exc
    where = str(address)
    if isinstance(cause, FileNotFoundError):
        return ConnectError(f"no QMP socket at {where}", "start QEMU with -qmp unix:PATH,server=on,wait=off")
    if isinstance(cause, ConnectionRefusedError):
        return ConnectError(f"QMP socket {where} refused the connection (is QEMU still running?)")
    if isinstance(cause, PermissionError):
        return ConnectError(f"permission denied opening the QMP socket {where}", "run as the user that owns it")
    if isinstance(cause, (EOFError, ConnectionResetError)):
        return ConnectError(
            f"QMP socket {where} closed the connection before greeting",
            "QEMU serves one client at a time; is another client attached?",
        )
    return ConnectError(f"cannot connect to the QMP socket {where}: {cause}")


def _connect_unix(address: QMPAddress, timeout: float) -> tuple[socket.socket, int | None]:
    """Connect to a unix QMP socket ourselves, to learn which process serves it (SO_PEERCRED)."""
    assert address.path is not None
    sock = socket.socket(socket.AF_UNIX, socket.SOCK_STREAM)
    sock.settimeout(timeout)  # a full listen backlog would otherwise block here
    try:
        sock.connect(address.path)
        pid, _uid, _gid = struct.unpack("3i", sock.getsockopt(socket.SOL_SOCKET, socket.SO_PEERCRED, 12))
    except BaseException:
        sock.close()
        raise
    sock.setblocking(False)
    return sock, pid or None


class SocketMonitor(Monitor):
    def __init__(self, client: QMPClient, address: QMPAddress, peer_pid: int | None = None) -> None:
        self.client = client
        self.address = address
        self.target = str(address)
        self.peer_pid = peer_pid
        self._pumps: set[asyncio.Task[None]] = set()
        self._closing = False

    @classmethod
    async def open(cls, address: QMPAddress, *, greeting_timeout: float = GREETING_TIMEOUT) -> SocketMonitor:
        _quiet_library_logs()
        client = QMPClient(os.path.basename(address.path) if address.path else str(address), readbuflen=READ_LIMIT)
        peer_pid = None
        try:
            if address.path is not None:
                sock, peer_pid = _connect_unix(address, greeting_timeout)
                await asyncio.wait_for(client.connect(sock), greeting_timeout)
            else:
                await asyncio.wait_for(client.connect(address.target()), greeting_timeout)
        except TimeoutError:
            with contextlib.suppress(Exception):
                await client.disconnect()
            raise ConnectError(
                f"QMP socket {address} is busy: it accepted but never greeted",
                "QEMU serves one QMP client at a time; detach the other client (or give QEMU a second -qmp)",
            ) from None
        except (QMPConnectError, OSError, EOFError) as exc:
            raise _connect_failure(address, exc) from None
        return cls(client, address, peer_pid)

    async def build_identity(self) -> str:
        """The binary of the QEMU behind a local unix socket; unknown (empty) over TCP."""
        return process_binary_identity(self.peer_pid) if self.peer_pid else ""

    async def execute_message(self, message: JSONObject) -> Reply:
        if self.client.runstate != Runstate.RUNNING:
            raise MonitorGone(f"the QMP connection to {self.target} is closed")
        # qemu.qmp numbers requests itself, like libvirt; an id of the caller's own could collide with its own.
        outgoing = {key: value for key, value in message.items() if key != "id"}
        start = time.perf_counter()
        try:
            # _raw is qemu.qmp's call that hands back the whole reply: execute() keeps only "return" and turns
            # an error into an exception, and vdbgsh shows and prints whole replies (--raw).
            reply: Any = await self.client._raw(outgoing)
        except Exception as exc:  # qemu.qmp wraps a lost connection in several exception types
            raise MonitorGone(f"QEMU at {self.target} went away during the command ({type(exc).__name__})") from None
        return Reply(dict(reply), time.perf_counter() - start)

    def subscribe(self, callback: EventCallback) -> Subscription:
        listener = EventListener()
        self.client.register_listener(listener)
        target = self.target

        async def pump() -> None:
            while True:
                message: Any = await listener.get()
                stamp = message.get("timestamp", {})
                when = stamp.get("seconds", 0) + stamp.get("microseconds", 0) / 1e6
                callback(Event(str(message["event"]), message.get("data"), when, target))

        task = asyncio.get_running_loop().create_task(pump())
        self._pumps.add(task)

        def cancel() -> None:
            task.cancel()
            self._pumps.discard(task)
            with contextlib.suppress(Exception):
                self.client.remove_listener(listener)

        return Subscription(cancel)

    def watch(self, callback: LostCallback) -> Subscription:
        """The connection leaving the running state by itself (QEMU quit, died, or closed the socket)."""
        shutdown = ShutdownSeen()
        events = self.subscribe(shutdown)
        client = self.client

        async def wait() -> None:
            while client.runstate == Runstate.RUNNING:
                await client.runstate_changed()
            if self._closing:
                return
            await asyncio.sleep(0.05)  # the SHUTDOWN event queued before the close reaches its listener first
            alive = pid_alive(self.peer_pid) if self.peer_pid else None
            callback(Lost(False, socket_closed(self.target, shutdown.reason, alive)))

        task = asyncio.get_running_loop().create_task(wait())
        self._pumps.add(task)

        def cancel() -> None:
            task.cancel()
            self._pumps.discard(task)
            events.cancel()

        return Subscription(cancel)

    async def close(self) -> None:
        self._closing = True
        for task in list(self._pumps):
            task.cancel()
        self._pumps.clear()
        with contextlib.suppress(Exception):
            await self.client.disconnect()
