"""Guard rails in the shell's Session, on real guests: the UI's confirm callback asked, declined or missing,
read-only mode, the shell options, and HMP lines (translated, or passed through)."""

from __future__ import annotations

import re
from collections.abc import Awaitable, Callable
from pathlib import Path
from typing import TypeVar

import libvirt
import pytest

from tests.conftest import LoopThread
from tests.guest_facts import QemuFacts
from vdbgsh.guard.policy import GuardPolicy
from vdbgsh.guest.plain_qemu import PlainQemu
from vdbgsh.schema.loading import SchemaCache, load_schema
from vdbgsh.session import Session
from vdbgsh.transport import Target

T = TypeVar("T")


@pytest.fixture(scope="module")
def cache(tmp_path_factory: pytest.TempPathFactory) -> Path:
    return tmp_path_factory.mktemp("schema")


class Asker:
    """A confirm callback that records each question and gives the answers it was handed."""

    def __init__(self, *answers: bool) -> None:
        self.answers = list(answers)
        self.questions: list[str] = []

    async def __call__(self, question: str) -> bool:
        self.questions.append(question)
        return self.answers.pop(0)


def with_session(
    loop: LoopThread,
    target: Target,
    cache: Path,
    work: Callable[[Session], Awaitable[T]],
    guard: GuardPolicy | None = None,
) -> T:
    async def run() -> T:
        monitor = await target.open(events=False)
        try:
            loaded = await load_schema(monitor, SchemaCache(cache))
            return await work(Session(monitor, loaded, colour=False, guard=guard or GuardPolicy()))
        finally:
            await monitor.close()

    return loop.run(run())


def running(conn: libvirt.virConnect, name: str) -> bool:
    return bool(conn.lookupByName(name).state()[0] == libvirt.VIR_DOMAIN_RUNNING)


def test_confirm_asked_declined_and_missing(
    loop: LoopThread, conn: libvirt.virConnect, guest: str, cache: Path
) -> None:
    async def work(session: Session) -> list[str]:
        texts = [(await session.run("stop")).text]  # no confirm callback: refused, naming the shell option
        asker = Asker(False, True)
        session.confirm = asker
        texts.append((await session.run("stop")).text)  # declined
        texts.append(str(running(conn, guest)))
        texts.append((await session.run("query-status")).text)  # not asked about
        texts.append((await session.run("stop")).text)  # confirmed
        texts.extend(asker.questions)
        return texts

    refused, declined, still_running, status, sent, *questions = with_session(loop, Target(domain=guest), cache, work)
    assert refused == (
        f"error: refused: stop changes what libvirt tracks of {guest} (run state) and this shell cannot ask; "
        "':confirm off' sends it anyway"
    )
    assert declined == "note: cancelled: stop was not sent"
    assert still_running == "True"
    assert '"status": "running"' in status
    assert sent.startswith("{}")
    assert not running(conn, guest)
    assert len(questions) == 2
    assert questions[0] == (
        f"stop changes what libvirt tracks (run state): libvirt did not pause {guest}: it learns of it only from "
        "QEMU's STOP event and reports 'paused (unknown)', and a save, snapshot or migration libvirt runs is not told."
    )


def test_confirm_off_and_hmp_lines(loop: LoopThread, conn: libvirt.virConnect, guest: str, cache: Path) -> None:
    asker = Asker(False)

    async def work(session: Session) -> list[str]:
        session.confirm = asker
        texts = [(await session.run("info status")).text]  # translated to query-status: not asked
        texts.append((await session.run("stop")).text)  # declined
        texts.append((await session.run(":confirm off")).text)
        texts.append((await session.run("human-monitor-command command-line=stop")).text)  # passthrough, unasked
        texts.append((await session.run("info status")).text)
        return texts

    info, declined, option, passthrough, after = with_session(loop, Target(domain=guest), cache, work)
    assert "VM status: running" in info
    assert declined.endswith("note: cancelled: stop was not sent")
    assert option == "confirm: off"
    assert re.fullmatch(r"\(\d+\.\d ms\)", passthrough)  # HMP's stop prints nothing: only the time shows
    assert "VM status: paused" in after
    assert len(asker.questions) == 1


def test_hmp_lines_under_the_guard(
    loop: LoopThread, conn: libvirt.virConnect, shared_guest: str, cache: Path, qemu_facts: QemuFacts
) -> None:
    asker = Asker()

    async def work(session: Session) -> list[str]:
        session.confirm = asker
        texts = [(await session.run(":read-only on")).text]
        for line in ("stop", "savevm snap1", "device_add usb-kbd,id=k1", "info status", "x/2xb 0", "query-name"):
            texts.append((await session.run(line)).text)
        texts.append((await session.run(":read-only off")).text)
        return texts

    option, stop, savevm, device, info, memory, name, off = with_session(loop, Target(domain=shared_guest), cache, work)
    assert option == "read-only: on"
    assert stop == "error: refused: stop is not read-only, and read-only mode is on (:read-only on)"
    # What the HMP line becomes is shown before the refusal.
    assert savevm.splitlines() == [
        '→ {"execute":"human-monitor-command","arguments":{"command-line":"savevm snap1"}}',
        "error: refused: savevm (HMP) is not read-only, and read-only mode is on (:read-only on)",
    ]
    assert device.endswith("error: refused: device_add is not read-only, and read-only mode is on (:read-only on)")
    assert "VM status: running" in info
    assert re.search(qemu_facts.xp_address(0) + r": 0x\w\w 0x\w\w", memory)
    assert shared_guest in name
    assert off == "read-only: off"
    assert asker.questions == []  # read-only refuses before anything is asked
    assert running(conn, shared_guest)


def test_read_only_from_the_start_stays(
    loop: LoopThread, conn: libvirt.virConnect, shared_guest: str, cache: Path
) -> None:
    async def work(session: Session) -> list[str]:
        return [(await session.run(line)).text for line in (":read-only off", "cont", ":confirm off", "quit")]

    guard = GuardPolicy(confirm=False, read_only=True)  # as `vdbgsh attach --read-only --yes` builds it
    off, cont, _confirm, quit_ = with_session(loop, Target(domain=shared_guest), cache, work, guard)
    assert off == "error: read-only mode was set by --read-only: leave the shell and attach without it"
    assert cont == "error: refused: cont is not read-only, and read-only mode is on (--read-only)"
    assert quit_ == "error: refused: quit is not read-only, and read-only mode is on (--read-only)"
    assert running(conn, shared_guest)


def test_a_plain_qemu_is_not_asked_about(loop: LoopThread, qemu: PlainQemu, cache: Path) -> None:
    async def work(session: Session) -> list[str]:
        texts = [(await session.run("stop")).text, (await session.run("query-status")).text]
        session.confirm = Asker(False)
        texts += [(await session.run(":confirm on")).text, (await session.run("cont")).text]
        return texts

    stop, status, option, cont = with_session(loop, Target(qmp=qemu.address), cache, work)
    assert stop.startswith("{}")
    assert '"status": "paused"' in status
    assert option == "confirm: on"
    assert cont == "note: cancelled: cont was not sent"
