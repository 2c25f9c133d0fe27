"""What running QEMU's own documented procedures (bitmaps.rst, live-block-operations.rst) through vdbgsh found:
a quit that ends the guest is what was asked, meta words never go to QEMU, a caret under the faulty value,
deprecated commands and members said once."""

from __future__ import annotations

from pathlib import Path

import libvirt

from tests.conftest import LoopThread, running_guest, vdbgsh
from tests.test_guard_session import Asker, with_session
from vdbgsh.session import Session
from vdbgsh.transport import Target


def test_exec_quit_that_ends_the_guest_is_a_success_with_a_note(conn: libvirt.virConnect) -> None:
    for _ in range(3):  # the reply and the end of QEMU race: each way round must read the same
        with running_guest(conn) as guest:
            result = vdbgsh("exec", "-y", guest, "quit")
            assert result.returncode == 0, result.stderr
            assert "went away" not in result.stderr
            assert "note: QEMU quit, as asked" in result.stderr


def test_a_batch_quit_is_a_success_and_nothing_is_sent_after_it(conn: libvirt.virConnect) -> None:
    with running_guest(conn) as guest:
        result = vdbgsh("exec", "-y", guest, "-", input="query-name\nquit\n")
        assert result.returncode == 0, result.stderr
        assert "line 2: note: QEMU quit, as asked" in result.stderr
        assert "went away" not in result.stderr
    with running_guest(conn) as guest:
        result = vdbgsh("exec", "-y", guest, "-", input="quit\nquery-status\n")
        assert result.returncode == 2
        assert "line 2: not sent: the guest's QEMU quit at an earlier line, as asked" in result.stderr
        assert "went away" not in result.stderr


def test_shell_quit_that_ends_the_guest_is_a_note(loop: LoopThread, conn: libvirt.virConnect, tmp_path: Path) -> None:
    async def work(session: Session) -> str:
        session.confirm = Asker(True)
        return (await session.run("quit")).text

    for _ in range(3):  # the reply and the end of QEMU race: each way round must read the same
        with running_guest(conn) as guest:
            text = with_session(loop, Target(domain=guest), tmp_path, work)
            assert "note: QEMU quit, as asked" in text
            assert "went away" not in text
