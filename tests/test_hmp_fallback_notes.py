"""HMP in the shell as a person uses it: the "HMP only" note once per command per session, and `info cpus` with
HMP's `*` on the current CPU (the first until `cpu N` chooses another)."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

import libvirt
import pytest

from tests.conftest import LoopThread, unique_name
from tests.test_guard_session import with_session
from vdbgsh.guest.definitions import domain_xml, qemu_binary
from vdbgsh.guest.libvirt_guest import destroy_quietly
from vdbgsh.session import Session
from vdbgsh.transport import Target


@pytest.fixture
def guest_2cpu(conn: libvirt.virConnect) -> Iterator[str]:
    name = unique_name()
    conn.createXML(domain_xml(name, qemu_binary()).replace("<vcpu>1</vcpu>", "<vcpu>2</vcpu>"), 0)
    try:
        yield name
    finally:
        destroy_quietly(conn, name)


def test_the_hmp_only_note_is_said_once_per_command(loop: LoopThread, shared_guest: str, tmp_path: Path) -> None:
    async def work(session: Session) -> list[str]:
        return [(await session.run(line)).text for line in ("info network", "info network", "info history")]

    first, second, other = with_session(loop, Target(domain=shared_guest), tmp_path, work)
    assert "note: HMP only" in first
    assert "HMP only" not in second
    assert "note: HMP only" in other  # another command: said for it too


def test_info_cpus_marks_the_current_cpu_as_hmp_does(loop: LoopThread, guest_2cpu: str, tmp_path: Path) -> None:
    async def work(session: Session) -> list[str]:
        return [(await session.run(line)).text for line in ("info cpus", "cpu 1", "info cpus")]

    before, _chose, after = with_session(loop, Target(domain=guest_2cpu), tmp_path, work)
    assert "\n* CPU #0: thread_id=" in before
    assert "\n  CPU #1: thread_id=" in before
    assert "\n  CPU #0: thread_id=" in after
    assert "\n* CPU #1: thread_id=" in after
