"""What running QEMU's own documented procedures (bitmaps.rst, live-block-operations.rst) through vdbgsh found:
a quit that ends the guest is what was asked, meta words never go to QEMU, a caret under the faulty value,
deprecated commands and members said once."""

from __future__ import annotations

import re
from pathlib import Path

import libvirt

from tests.conftest import LoopThread, running_guest, vdbgsh, vdbgsh_in_terminal
from tests.terminal import Tmux
from tests.test_guard_session import Asker, with_session
from vdbgsh.guest.plain_qemu import PlainQemu
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


def test_exec_help_prints_the_shells_help_and_sends_nothing(shared_guest: str, tmp_path: Path) -> None:
    log = tmp_path / "t.jsonl"
    overview = vdbgsh("exec", "--log", str(log), shared_guest, "help")
    assert overview.returncode == 0, overview.stderr
    assert "block-dirty-bitmap-add" in overview.stdout
    assert "CommandNotFound" not in overview.stderr
    one = vdbgsh("exec", shared_guest, "help block-dirty-bitmap-add")
    assert one.returncode == 0, one.stderr
    assert one.stdout.startswith("block-dirty-bitmap-add")
    assert "granularity" in one.stdout
    assert vdbgsh("exec", shared_guest, "help", "block-dirty-bitmap-add").stdout == one.stdout
    assert vdbgsh("exec", shared_guest, "-", input="help block-dirty-bitmap-add\n").stdout == one.stdout
    assert ":confirm on|off" in vdbgsh("exec", shared_guest, "help", ":confirm").stdout
    unknown = vdbgsh("exec", shared_guest, "help block-dirty-bitmap-ad")
    assert unknown.returncode == 2
    assert "block-dirty-bitmap-add" in unknown.stdout + unknown.stderr  # the close match
    assert not log.exists() or '"execute": "help"' not in log.read_text()


def test_exec_refuses_the_shells_other_meta_words_unsent(shared_guest: str) -> None:
    for words in (["exit"], [":quit"], [":output", "table"], ["-"]):
        stdin = "exit\n" if words == ["-"] else None
        result = vdbgsh("exec", shared_guest, *words, input=stdin)
        assert result.returncode == 2, (words, result.stdout, result.stderr)
        assert "meta-command of the interactive shell" in result.stderr
        assert "CommandNotFound" not in result.stderr


def _caret_under(shown: str, line: str) -> str:
    """The text of ``line`` from the column the caret under it points at."""
    rows = [re.sub(r"\x1b\[[0-9;]*m", "", row) for row in shown.replace("\r", "").split("\n")]
    at = next(i for i, row in enumerate(rows) if row.strip() == line)
    column = rows[at + 1].index("^") - rows[at].index(line[0])
    return line[column:]


BITMAP = '{"execute":"block-dirty-bitmap-add","arguments":{"node":"n0","name":"b0","granularity":"64k"}}'
QCOW2_FILE = '{"execute":"blockdev-add","arguments":{"driver":"qcow2","node-name":"q0","file":%s}}'


def test_a_type_error_in_json_puts_the_caret_under_the_value(shared_guest: str) -> None:
    status, shown = vdbgsh_in_terminal("exec", "--dry-run", shared_guest, BITMAP)
    assert status == 2, shown
    assert "granularity: expected int" in shown
    assert _caret_under(shown, BITMAP).startswith('"64k"}}')
    number_file = QCOW2_FILE % "5"
    status, shown = vdbgsh_in_terminal("exec", "--dry-run", shared_guest, number_file)
    assert status == 2, shown
    assert "file: expected {…} or str, got 5" in shown
    assert _caret_under(shown, number_file) == "5}}"


def test_an_object_missing_a_required_member_names_it(shared_guest: str) -> None:
    no_filename = QCOW2_FILE % '{"driver":"file"}'
    status, shown = vdbgsh_in_terminal("exec", "--dry-run", shared_guest, no_filename)
    assert status == 2, shown
    assert "missing required 'file.filename' (str)" in shown
    assert "expected {" not in shown
    assert _caret_under(shown, no_filename) == '{"driver":"file"}}}'


def test_exec_says_a_deprecated_command_or_member_once_naming_the_replacement(shared_guest: str) -> None:
    backup = vdbgsh("exec", "--dry-run", shared_guest, "drive-backup", "device=d0", "target=/tmp/x", "sync=full")
    assert backup.returncode == 0, backup.stderr
    assert "note: drive-backup is deprecated in this QEMU: use blockdev-backup" in backup.stderr
    commits = "block-commit device=d0 base=/a.qcow2 top=/b.qcow2\n" * 2
    batch = vdbgsh("exec", "--dry-run", shared_guest, "-", input=commits + "nbd-server-add device=d0\n")
    assert batch.returncode == 0, batch.stderr
    notes = batch.stderr.splitlines()
    assert notes == [
        "vdbgsh: line 1: note: block-commit's base is deprecated in this QEMU: use base-node instead; "
        "its top is deprecated: use top-node instead",
        "vdbgsh: line 3: note: nbd-server-add is deprecated in this QEMU: use block-export-add type=nbd instead",
    ]
    plain = vdbgsh("exec", "--dry-run", shared_guest, "block-commit", "device=d0", "base-node=n1")
    assert plain.stderr == ""


def test_the_shell_says_a_deprecated_command_once_per_session(
    loop: LoopThread, shared_guest: str, tmp_path: Path
) -> None:
    async def work(session: Session) -> list[str]:
        session.confirm = Asker(*[True] * 4)
        return [(await session.run("drive-backup device=nothing-here target=/tmp/x sync=full")).text for _ in "ab"]

    first, second = with_session(loop, Target(domain=shared_guest), tmp_path, work)
    assert "drive-backup is deprecated in this QEMU: use blockdev-backup" in first
    assert "deprecated" not in second


def test_exec_help_is_the_shells_help_word_for_word(loop: LoopThread, shared_guest: str, tmp_path: Path) -> None:
    async def work(session: Session) -> str:
        session.width = lambda: 100  # exec's width when piped
        return (await session.run("help block-dirty-bitmap-add")).text

    shell = with_session(loop, Target(domain=shared_guest), tmp_path, work)
    assert vdbgsh("exec", shared_guest, "help", "block-dirty-bitmap-add").stdout == shell + "\n"


def test_the_shell_says_the_guest_it_told_to_quit_is_gone_as_a_note(conn: libvirt.virConnect, tmux: Tmux) -> None:
    with running_guest(conn) as guest:
        tmux.start("attach", guest)
        tmux.wait_for(f"{guest} (running)>")
        tmux.type_line("quit")
        tmux.wait_for("[y/N]")
        tmux.send("y")
        tmux.wait_for(f"{guest} (gone)>")
        screen = tmux.screen()
        assert "note: QEMU quit, as asked" in screen
        assert f"note: guest {guest} is gone" in screen
        assert "error:" not in screen


def test_exec_quit_of_a_plain_qemu_is_a_success_too(qemu: PlainQemu) -> None:
    result = vdbgsh("exec", "-y", "--qmp", f"unix:{qemu.socket_path}", "quit")
    assert result.returncode == 0, result.stderr
    assert "note: QEMU quit, as asked" in result.stderr
