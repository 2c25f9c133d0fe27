"""Faults in the shell, on real guests: a guest destroyed, QEMU killed -9 (during a command and between them), a
guest shutting down from inside, libvirtd restarted, a QMP socket closed, a 10 MB reply. Each is said in one
line, with no traceback and no hang; the shell stays open, its transcript, history and log keep everything.

libvirtd is restarted only as the tests' own private daemon (tests/remote.py), never the system's: a developer
runs these tests on their own hypervisor, whose guests must not see libvirtd go."""

from __future__ import annotations

import asyncio
import contextlib
import json
import os
import re
import shutil
import signal
import tempfile
import threading
import time
from collections.abc import Callable, Iterator, Sequence
from pathlib import Path

import libvirt
import pytest
from prompt_toolkit.application import create_app_session
from prompt_toolkit.history import InMemoryHistory
from prompt_toolkit.input import create_pipe_input
from prompt_toolkit.output import DummyOutput

from tests.conftest import LoopThread, running_guest, unique_name
from tests.guest_facts import QemuFacts
from tests.remote import RemoteLibvirtd
from tests.test_shell import Step, type_keys
from vdbgsh.errors import ConnectError
from vdbgsh.guest.definitions import qemu_binary
from vdbgsh.guest.libvirt_guest import destroy_quietly
from vdbgsh.guest.plain_qemu import PlainQemu
from vdbgsh.link import STAYS_OPEN, Reopen
from vdbgsh.schema.loading import SchemaCache, load_schema
from vdbgsh.session import Session
from vdbgsh.transport import Target
from vdbgsh.transport.base import Monitor
from vdbgsh.ui.shell import Shell


class Ended:
    """What the test looks at once the shell has ended."""

    text = ""
    history: list[str]
    shell: Shell


def run_shell(
    loop: LoopThread,
    target: Target,
    keys: Sequence[str | Step],
    cache: Path,
    log: Path | None = None,
    *,
    reopen: Reopen | None = None,
) -> Ended:
    """The shell as attach builds it (reopening the same target when the monitor goes), typed into."""

    async def session() -> Ended:
        with create_pipe_input() as pipe, create_app_session(input=pipe, output=DummyOutput()):
            session = Session(
                monitor := await target.open(events=True),
                await load_schema(monitor, SchemaCache(cache)),
                colour=False,
            )
            if log is not None:
                session.start_log(str(log))
            shell = Shell(
                session,
                target.describe(),
                history=InMemoryHistory(),
                reopen=reopen or (lambda: target.open(events=True)),
            )
            typist = asyncio.get_running_loop().create_task(type_keys(shell, pipe, keys))
            try:
                await asyncio.wait_for(shell.run("banner"), 120)
            finally:
                session.stop_log()
                await session.monitor.close()
            if typist.done() and typist.exception() is not None:
                raise typist.exception()  # type: ignore[misc]
            typist.cancel()
            ended = Ended()
            ended.text = shell.transcript.text()
            ended.history = list(shell.buffer.history.get_strings())
            ended.shell = shell
            return ended

    return loop.run(session(), timeout=180)


def until(text: str, timeout: float = 30) -> Step:
    """Wait until the transcript shows ``text``."""

    async def step(shell: Shell) -> None:
        deadline = time.monotonic() + timeout
        while text not in shell.transcript.text():
            if time.monotonic() > deadline:
                raise AssertionError(f"{text!r} did not show within {timeout} s:\n{shell.transcript.text()}")
            await asyncio.sleep(0.05)

    return step


def meanwhile(action: Callable[[], object], delay: float = 0.0) -> Step:
    """Start ``action`` in a thread after ``delay`` s and go on typing at once (the next line may hang until it)."""

    async def step(_shell: Shell) -> None:
        def run() -> None:
            time.sleep(delay)
            action()

        threading.Thread(target=run, daemon=True).start()

    return step


def until_event(name: str, timeout: float = 30) -> Step:
    """Wait until the events pane holds an event ``name``."""

    async def step(shell: Shell) -> None:
        deadline = time.monotonic() + timeout
        while name not in [numbered.event.name for numbered in shell.events.shown()]:
            if time.monotonic() > deadline:
                raise AssertionError(f"no {name} event within {timeout} s")
            await asyncio.sleep(0.05)

    return step


def restarting(remote: RemoteLibvirtd) -> Callable[[], None]:
    def restart() -> None:
        remote.kill()
        remote.start()

    return restart


@contextlib.contextmanager
def remote_restored(remote: RemoteLibvirtd) -> Iterator[None]:
    """Whatever the block does to the tests' libvirtd, it runs and answers again afterwards."""
    try:
        yield
    finally:
        if remote.process is None or remote.process.poll() is not None:
            remote.start()


@pytest.fixture
def private_guest(remote: RemoteLibvirtd) -> Iterator[str]:
    """A guest of the test's own on the tests' private libvirtd (which these tests restart)."""
    connection = libvirt.open(remote.uri)
    try:
        with running_guest(connection) as name:
            yield name
    finally:
        with contextlib.suppress(libvirt.libvirtError):
            connection.close()


def private_qemu_pid(remote: RemoteLibvirtd, domain: str) -> int:
    return int((remote.root / "run" / "qemu" / f"{domain}.pid").read_text())


def blocking(action: Callable[[], object]) -> Step:
    """Run ``action`` in a thread and wait for it."""

    async def step(_shell: Shell) -> None:
        await asyncio.to_thread(action)

    return step


def while_a_command_waits(pid: int, action: Callable[[], object]) -> list[str | Step]:
    """A line answered; then QEMU (``pid``) is stopped, so that the next line (query-status) waits for its
    reply while ``action`` runs."""
    return [
        "query-name\r",
        blocking(lambda: os.kill(pid, signal.SIGSTOP)),
        meanwhile(action, delay=0.5),
        "query-status\r",
    ]


def qemu_pid(domain: str) -> int:
    return int(Path(f"/var/run/libvirt/qemu/{domain}.pid").read_text())


@pytest.fixture(scope="module")
def cache(tmp_path_factory: pytest.TempPathFactory) -> Path:
    return tmp_path_factory.mktemp("schema")


def records(log: Path) -> list[dict[str, object]]:
    return [json.loads(line) for line in log.read_text().splitlines()]


def test_guest_destroyed_during_a_command(
    loop: LoopThread, conn: libvirt.virConnect, guest: str, cache: Path, tmp_path: Path
) -> None:
    log = tmp_path / "session.jsonl"
    pid = qemu_pid(guest)

    def destroy() -> None:
        threading.Thread(target=lambda: destroy_quietly(conn, guest), daemon=True).start()
        time.sleep(0.3)
        os.kill(pid, signal.SIGCONT)  # the SIGTERM of the destroy is delivered now

    ended = run_shell(
        loop,
        Target(domain=guest),
        [
            *while_a_command_waits(pid, destroy),
            until(f"guest {guest} is gone: destroyed"),
            "query-chardev\r",
            ":history\r",
            ":quit\r",
        ],
        cache,
        log,
    )
    text = ended.text
    assert "Traceback" not in text
    assert f"error: guest {guest}" in text  # the command's own error, then how the guest went
    assert f"error: guest {guest} is gone: destroyed" in text
    assert STAYS_OPEN in text
    assert f"error: not sent: guest {guest} is gone: destroyed" in text  # a command typed afterwards
    assert f"{guest} (gone)> query-chardev" in text
    assert ended.history == ["query-name", "query-status", "query-chardev", ":history", ":quit"]
    assert "    2  query-status" in text
    requests = [r["request"] for r in records(log) if r["type"] == "request"]
    assert {"execute": "query-status"} in requests  # sent, never answered: still recorded
    notices = [r for r in records(log) if r["type"] == "notice"]
    unanswered = [r for r in notices if "seq" in r]
    assert len(unanswered) == 1
    assert str(unanswered[0]["message"]).startswith(f"guest {guest}")
    assert any(r["message"] == f"guest {guest} is gone: destroyed" for r in notices)
    assert records(log)[-1]["type"] == "end"


def test_qemu_killed_during_a_command(loop: LoopThread, guest: str, cache: Path) -> None:
    pid = qemu_pid(guest)
    ended = run_shell(
        loop,
        Target(domain=guest),
        [
            blocking(lambda: os.kill(pid, signal.SIGSTOP)),
            meanwhile(lambda: os.kill(pid, signal.SIGKILL), delay=0.5),
            "query-status\r",
            until("killed, or crashed"),
            ":quit\r",
        ],
        cache,
    )
    assert "Traceback" not in ended.text
    assert f"guest {guest} is gone: failed: its QEMU ended without shutting down (killed, or crashed)" in ended.text


def test_qemu_killed_between_commands_is_said_at_once(loop: LoopThread, guest: str, cache: Path) -> None:
    pid = qemu_pid(guest)
    ended = run_shell(
        loop,
        Target(domain=guest),
        ["query-name\r", blocking(lambda: os.kill(pid, signal.SIGKILL)), until(STAYS_OPEN), "query-name\r", ":q\r"],
        cache,
    )
    assert f"error: guest {guest} is gone: failed" in ended.text
    assert f"error: not sent: guest {guest} is gone: failed" in ended.text


# A boot sector that powers the machine off through ACPI (PIIX4's PM1a control at 0x604, SLP_TYP 0 = S5, SLP_EN):
# the guest shutting itself down, as an OS would, without an OS.
POWER_OFF_SECTOR = bytes.fromhex("ba0406b80020eff4ebfd").ljust(510, b"\0") + b"\x55\xaa"


@pytest.fixture
def self_stopping_guest(conn: libvirt.virConnect) -> Iterator[str]:
    """A guest, started paused, whose boot disk powers it off as soon as it runs."""
    # Where QEMU, run as libvirt-qemu, can read it (pytest's tmp_path is under a directory of root's only).
    directory = Path(tempfile.mkdtemp(prefix="vdbgsh-test-"))
    directory.chmod(0o755)
    disk = directory / "poweroff.img"
    disk.write_bytes(POWER_OFF_SECTOR.ljust(1024 * 1024, b"\0"))
    name = unique_name()
    xml = f"""<domain type='qemu'>
  <name>{name}</name>
  <memory unit='MiB'>64</memory>
  <vcpu>1</vcpu>
  <os><type arch='x86_64' machine='pc'>hvm</type><boot dev='hd'/></os>
  <features><acpi/></features>
  <on_poweroff>destroy</on_poweroff>
  <devices>
    <emulator>{qemu_binary()}</emulator>
    <disk type='file' device='disk'><driver name='qemu' type='raw'/><source file='{disk}'/>
      <target dev='hda' bus='ide'/></disk>
  </devices>
</domain>"""
    conn.createXML(xml, libvirt.VIR_DOMAIN_START_PAUSED)
    try:
        yield name
    finally:
        destroy_quietly(conn, name)
        shutil.rmtree(directory, ignore_errors=True)


def test_guest_shuts_down_from_inside(loop: LoopThread, self_stopping_guest: str, cache: Path) -> None:
    name = self_stopping_guest
    ended = run_shell(
        loop,
        Target(domain=name),
        [":confirm off\r", "cont\r", until(STAYS_OPEN), "query-status\r", ":quit\r"],
        cache,
    )
    text = ended.text
    assert f"error: guest {name} is gone: shut down; the guest shut itself down (from inside)" in text
    assert "SHUTDOWN" in [numbered.event.name for numbered in ended.shell.events.shown()]
    assert f"not sent: guest {name} is gone: shut down" in text


def test_libvirtd_restarted_the_shell_reconnects(
    loop: LoopThread, remote: RemoteLibvirtd, private_guest: str, cache: Path, tmp_path: Path
) -> None:
    guest = private_guest
    log = tmp_path / "session.jsonl"
    with remote_restored(remote):
        ended = run_shell(
            loop,
            Target(uri=remote.uri, domain=guest),
            [
                "query-name\r",
                meanwhile(restarting(remote)),
                until("reconnecting to libvirtd…"),
                "query-status\r",  # typed during the outage
                until("reconnected to libvirtd"),
                ":confirm off\r",
                "stop\r",
                "cont\r",
                until_event("RESUME"),
                "query-name\r",
                ":quit\r",
            ],
            cache,
            log,
        )
    text = ended.text
    assert "Traceback" not in text
    assert f"error: lost the connection to libvirtd at {remote.uri}" in text
    assert "error: not sent: libvirtd is not back yet (reconnecting)" in text
    assert "events re-registered" in text
    assert text.count(f'"name": "{guest}"') == 2
    # The events after the reconnection reach the pane: the new registration works.
    assert [n.event.name for n in ended.shell.events.shown()][-2:] == ["STOP", "RESUME"]
    assert ended.history[:2] == ["query-name", "query-status"]
    messages = [str(r["message"]) for r in records(log) if r["type"] == "notice"]
    assert any(m.startswith("lost the connection to libvirtd") for m in messages)
    assert any(m.startswith("reconnected to libvirtd after") for m in messages)
    assert "started again meanwhile" not in text  # the same QEMU as before


def test_libvirtd_restarted_while_a_command_waits(
    loop: LoopThread, remote: RemoteLibvirtd, private_guest: str, cache: Path
) -> None:
    # The thread waiting for the reply is the one that sees the connection go: libvirt runs its close callback
    # there, not in the loop (which once left the shell "reconnecting" for ever, seen under load).
    guest = private_guest
    pid = private_qemu_pid(remote, guest)

    def outage() -> None:
        remote.kill()
        os.kill(pid, signal.SIGCONT)
        remote.start()

    with remote_restored(remote):
        ended = run_shell(
            loop,
            Target(uri=remote.uri, domain=guest),
            [
                *while_a_command_waits(pid, outage),
                until("reconnected to libvirtd"),
                "query-name\r",
                ":quit\r",
            ],
            cache,
        )
    text = ended.text
    assert f"error: lost the connection to libvirtd at {remote.uri}" in text
    assert text.count(f'"name": "{guest}"') == 2  # and the shell works again


def test_libvirtd_restarted_and_the_guest_too(
    loop: LoopThread, remote: RemoteLibvirtd, private_guest: str, cache: Path
) -> None:
    guest = private_guest
    target = Target(uri=remote.uri, domain=guest)
    restarted: list[bool] = []

    def restart_guest() -> None:
        conn = libvirt.open(remote.uri)
        try:
            dom = conn.lookupByName(guest)
            xml = dom.XMLDesc(0)
            dom.destroy()
            conn.createXML(xml, 0)
        finally:
            conn.close()

    async def reopen() -> Monitor:
        # Fault injection: the guest is restarted once libvirtd is back, before the shell finds it again.
        if not restarted:
            try:
                await asyncio.to_thread(restart_guest)
            except libvirt.libvirtError as err:
                raise ConnectError(f"libvirtd is not back yet: {err}") from None
            restarted.append(True)
        return await target.open(events=True)

    with remote_restored(remote):
        ended = run_shell(
            loop,
            target,
            [
                "query-name\r",
                meanwhile(restarting(remote)),
                until("reconnecting to libvirtd…"),
                until("reconnected to libvirtd"),
                "query-name\r",
                ":quit\r",
            ],
            cache,
            reopen=reopen,
        )
    text = ended.text
    assert f"error: {guest} was started again meanwhile: a new QEMU, not the one the commands above ran on" in text
    assert text.count(f'"name": "{guest}"') == 2  # the shell works on with the new QEMU


def test_qmp_socket_closed(loop: LoopThread, qemu: PlainQemu, cache: Path) -> None:
    assert qemu.process is not None
    pid = qemu.process.pid
    ended = run_shell(
        loop,
        Target(qmp=qemu.address),
        [
            blocking(lambda: os.kill(pid, signal.SIGSTOP)),
            meanwhile(lambda: os.kill(pid, signal.SIGKILL), delay=0.5),
            "query-status\r",
            until(STAYS_OPEN),
            "query-name\r",
            ":quit\r",
        ],
        cache,
    )
    text = ended.text
    # The command's error and the watcher's account race; either way the shell says it and stays.
    assert re.search(rf"query-status\nerror: (QEMU at|the QMP connection to) {re.escape(str(qemu.address))}", text)
    assert "qmp.sock (gone)> query-name" in text  # a long socket path is shortened in the prompt
    assert "error: not sent:" in text
    assert "Traceback" not in text


def test_qemu_told_to_quit_through_its_socket(loop: LoopThread, qemu: PlainQemu, cache: Path) -> None:
    ended = run_shell(loop, Target(qmp=qemu.address), ["quit\r", until(STAYS_OPEN), ":quit\r"], cache)
    assert f"QEMU at {qemu.address} is gone: it shut down; QEMU was told to quit (QMP quit)" in ended.text


def test_a_10_mb_reply(loop: LoopThread, qemu: PlainQemu, cache: Path, qemu_facts: QemuFacts) -> None:
    # 1,400,000 bytes shown as HMP does, 8 a line: 175,000 lines, 10.7 MB of text.
    ended = run_shell(loop, Target(qmp=qemu.address), ["xp /1400000xb 0\r", "query-name\r", ":quit\r"], cache)
    shell = ended.shell
    assert len(shell.transcript) == 20_000  # the newest lines kept; the pager (on a terminal) shows it all
    assert shell.transcript.dropped > 150_000
    assert f"{qemu_facts.xp_address(0x155CB8)}: 0x" in ended.text  # the last of them
    assert f'"name": "{qemu.name}"' in ended.text


def test_a_reply_too_large_for_libvirt(loop: LoopThread, shared_guest: str, cache: Path, qemu_facts: QemuFacts) -> None:
    # ~4.4 MB: libvirtd cannot pass it on. (Past 10 MiB libvirtd itself gives up the guest's monitor for good.)
    # Sent unchecked: otherwise it is refused before it is sent (test_a_memory_dump_libvirt_cannot_carry...).
    # A line of 8 bytes is "ADDRESS: " and 8 times "0x00 " less a blank, then CR LF; the address's width is QEMU's.
    line = qemu_facts.xp_digits + len(": ") + 8 * len("0x00 ") - 1 + len("\r\n")
    count = 4_400_000 // line * 8
    keys = [f"!human-monitor-command command-line='xp /{count}xb 0'\r", "query-name\r", ":quit\r"]
    ended = run_shell(loop, Target(domain=shared_guest), keys, cache)
    assert "error: the reply is too large for libvirt to pass on (at most 4 MiB through libvirtd)" in ended.text
    assert f'"name": "{shared_guest}"' in ended.text  # the connection is fine


def test_a_memory_dump_libvirt_cannot_carry_is_refused_before_it_is_sent(
    loop: LoopThread, shared_guest: str, cache: Path, qemu_facts: QemuFacts
) -> None:
    # 10.7 MB: sent, it would make libvirtd give up this guest's monitor for good.
    keys = [
        "xp /1400000xb 0\r",
        "human-monitor-command command-line='xp/1400000xb 0'\r",  # the same dump asked for through QMP
        "xp /64xb 0\r",
        "query-name\r",
        ":quit\r",
    ]
    ended = run_shell(loop, Target(domain=shared_guest), keys, cache)
    # About 11 MB where xp prints 16-digit addresses (7.2), 10 MB with 11.1's 8 digits: tests/test_plan.py.
    refused = r"error: refused: xp would print about 1[01] MB, and through libvirt a reply over 4 MiB fails"
    assert len(re.findall(refused, ended.text)) == 2, ended.text
    assert re.search(r"hint: ask for at most [\d,]+ at a time, or use --qmp on a plain QEMU", ended.text), ended.text
    assert f"{qemu_facts.xp_address(0x38)}: 0x" in ended.text  # a smaller one goes through
    assert f'"name": "{shared_guest}"' in ended.text
