"""The Monitor interface in-process, on both transports, against real guests."""

from __future__ import annotations

import asyncio
import signal
from collections.abc import Callable

import libvirt
import pytest

from tests.conftest import LoopThread
from vdbgsh.errors import ConnectError, MonitorGone
from vdbgsh.guest.plain_qemu import PlainQemu
from vdbgsh.transport import Event, Monitor, Subscription, Target
from vdbgsh.transport.binary_identity import binary_identity
from vdbgsh.transport.libvirt_commands import LibvirtCommands
from vdbgsh.transport.libvirt_monitor import LibvirtMonitor
from vdbgsh.transport.socket_monitor import SocketMonitor


def open_both(loop: LoopThread, domain: str, qemu: PlainQemu) -> list[Monitor]:
    return [
        loop.run(Target(domain=domain).open(events=True)),
        loop.run(Target(qmp=qemu.address).open(events=True)),
    ]


def test_execute_hmp_and_close_twice(loop: LoopThread, guest: str, qemu: PlainQemu) -> None:
    for monitor in open_both(loop, guest, qemu):
        reply = loop.run(monitor.execute("query-status"))
        assert reply.ok
        assert reply.value["status"] == "running"
        assert reply.elapsed > 0
        error = loop.run(monitor.execute("no-such-command"))
        assert (error.ok, error.error_class) == (False, "CommandNotFound")
        assert loop.run(monitor.hmp("info status")).strip() == "VM status: running"
        loop.run(monitor.close())
        loop.run(monitor.close())
        with pytest.raises(MonitorGone):
            loop.run(monitor.execute("query-status"))


def test_a_request_id_of_the_users_own_is_not_sent(loop: LoopThread, guest: str, qemu: PlainQemu) -> None:
    # libvirt refuses a request that carries an id ("Unable to append command 'id' string").
    for monitor in open_both(loop, guest, qemu):
        reply = loop.run(monitor.execute_message({"execute": "query-name", "id": "mine"}))
        assert reply.ok, reply.message
        loop.run(monitor.close())


def test_events_arrive_while_subscribed(loop: LoopThread, guest: str, qemu: PlainQemu) -> None:
    for monitor in open_both(loop, guest, qemu):
        seen: list[Event] = []
        arrived = asyncio.Event()

        def collect(event: Event, seen: list[Event] = seen, arrived: asyncio.Event = arrived) -> None:
            seen.append(event)
            if event.name == "RESUME":
                arrived.set()

        async def subscribe(monitor: Monitor = monitor, collect: Callable[[Event], None] = collect) -> Subscription:
            return monitor.subscribe(collect)

        subscription = loop.run(subscribe())
        loop.run(monitor.execute("stop"))
        loop.run(monitor.execute("cont"))
        loop.run(asyncio.wait_for(arrived.wait(), 10))
        assert [e.name for e in seen] == ["STOP", "RESUME"]
        assert all(e.timestamp > 1.7e9 for e in seen)
        loop.loop.call_soon_threadsafe(subscription.cancel)
        loop.run(monitor.execute("stop"))
        loop.run(monitor.execute("cont"))
        loop.run(asyncio.sleep(0.3))
        assert len(seen) == 2
        loop.run(monitor.close())


def test_read_only_connection_is_one_clear_error(loop: LoopThread, conn: libvirt.virConnect, guest: str) -> None:
    read_only = libvirt.openReadOnly("qemu:///system")
    monitor = LibvirtMonitor(LibvirtCommands(read_only, "qemu:///system", read_only.lookupByName(guest)))
    with pytest.raises(ConnectError) as caught:
        loop.run(monitor.execute("query-status"))
    assert caught.value.message.startswith("the connection to qemu:///system is read-only")
    loop.run(monitor.close())


def test_libvirt_guest_destroyed_under_the_monitor(loop: LoopThread, conn: libvirt.virConnect, guest: str) -> None:
    monitor = loop.run(Target(domain=guest).open(events=False))
    conn.lookupByName(guest).destroy()
    with pytest.raises(MonitorGone, match=f"guest {guest}"):
        loop.run(monitor.execute("query-status"))
    loop.run(monitor.close())


def test_qemu_killed_under_the_socket_monitor(loop: LoopThread, qemu: PlainQemu) -> None:
    monitor = loop.run(SocketMonitor.open(qemu.address))
    assert qemu.process is not None
    qemu.process.send_signal(signal.SIGKILL)
    qemu.process.wait()
    with pytest.raises(MonitorGone, match=r"went away|closed"):
        loop.run(monitor.execute("query-status"))
    loop.run(monitor.close())


def test_both_transports_name_the_qemu_binary(loop: LoopThread, guest: str, qemu: PlainQemu) -> None:
    # What keys the schema cache: a rebuilt QEMU binary is a new key even with the same version string.
    expected = binary_identity("/usr/bin/qemu-system-x86_64")
    assert expected.startswith("/usr/bin/qemu-system-x86_64:")
    for monitor in open_both(loop, guest, qemu):
        assert loop.run(monitor.build_identity()) == expected
        loop.run(monitor.close())
