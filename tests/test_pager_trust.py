"""The pager reads only what is typed while it shows, and cannot run commands (a real terminal: tmux, a pty)."""

from __future__ import annotations

import os
import pty
import select
import signal
import sys
import time
from pathlib import Path

import pytest

from tests.conftest import unique_name
from tests.terminal import Tmux
from tests.test_typeahead import Terminal

pytestmark = pytest.mark.terminal(100, 30)


def test_typed_ahead_and_in_the_pager_no_shell_command_runs(
    tmux: Tmux, shared_guest: str, home: dict[str, str], tmp_path: Path
) -> None:
    ahead = Path(f"/tmp/{unique_name()}-ahead")
    inside = Path(f"/tmp/{unique_name()}-inside")
    try:
        tmux.start("attach", shared_guest, env=home)
        tmux.wait_for(f"{shared_guest} (running)>")
        tmux.type_line("query-qmp-schema")  # a long reply: paged
        tmux.type_line(f"!touch {ahead}")  # typed at once, before the pager shows or while it starts
        tmux.wait_for('"meta-type"')
        tmux.wait_for("\n:")  # less waits at the end of its first page
        tmux.send("-l", "!")
        time.sleep(0.5)
        if "Command not available" not in tmux.screen():  # less asks for a shell command: run one
            tmux.send("-l", f"touch {inside}")
            tmux.send("Enter")
        tmux.wait_for("Command not available")  # less in its secure mode
        tmux.send("q")
        tmux.wait_for(f" {shared_guest} · running")  # back in the shell
        tmux.type_line("query-name")
        tmux.wait_for(f'"name": "{shared_guest}"')
        time.sleep(0.3)
        assert not ahead.exists()
        assert not inside.exists()
    finally:
        ahead.unlink(missing_ok=True)
        inside.unlink(missing_ok=True)


def test_a_pager_that_does_not_parse_is_one_error_line(tmux: Tmux, shared_guest: str, home: dict[str, str]) -> None:
    tmux.start("attach", shared_guest, env={**home, "PAGER": "less '"})
    tmux.wait_for(f"{shared_guest} (running)>")
    tmux.type_line("query-qmp-schema")
    screen = tmux.wait_for("does not parse as a command")
    said = " ".join(" ".join(row.split("│")[0].split()) for row in screen.splitlines())  # the transcript's rows
    assert 'error: PAGER="less \'" does not parse as a command (No closing quotation)' in said
    tmux.type_line("query-name")  # the shell goes on
    screen = tmux.wait_for(f'"name": "{shared_guest}"')
    assert "EXIT=" not in screen
    assert "Traceback" not in screen


def test_a_pager_that_cannot_start_is_one_error_line(tmux: Tmux, shared_guest: str, home: dict[str, str]) -> None:
    tmux.start("attach", shared_guest, env={**home, "PAGER": "/nonexistent/pager -R"})
    tmux.wait_for(f"{shared_guest} (running)>")
    tmux.type_line("query-qmp-schema")
    tmux.wait_for("could not be started")
    tmux.type_line("query-name")
    screen = tmux.wait_for(f'"name": "{shared_guest}"')
    assert "EXIT=" not in screen


RECORDER = """
import os, select, sys
sys.stdin.buffer.read()
tty = os.open("/dev/tty", os.O_RDONLY)
ready = select.select([tty], [], [], 0.5)[0]
open(sys.argv[1], "wb").write(os.read(tty, 1000) if ready else b"")
"""


def test_keys_typed_before_the_pager_started_do_not_reach_it(tmp_path: Path) -> None:
    """On a terminal of its own: a line typed before ``page`` is called is not read by the pager it starts."""
    recorded = tmp_path / "recorded"
    pid, fd = pty.fork()
    if pid == 0:  # the child: waits for the typed line, then pages (the pager records what it can read)
        try:
            while not select.select([0], [], [], 10)[0]:
                pass
            from vdbgsh.ui.pager import page

            page("a long reply\n", [sys.executable, "-c", RECORDER, str(recorded)])
        finally:
            os._exit(0)
    os.write(fd, b"!touch /tmp/typed-ahead\n")
    deadline = time.monotonic() + 30
    while time.monotonic() < deadline:
        if select.select([fd], [], [], 1)[0]:
            try:
                if not os.read(fd, 65536):
                    break
            except OSError:
                break
    os.close(fd)
    os.waitpid(pid, 0)
    assert recorded.read_bytes() == b""


RECORDER_ON_ITS_TERMINAL = """
import os, select, sys
sys.stdin.buffer.read()
ready = select.select([2], [], [], 0.5)[0]
open(sys.argv[1] + ".new", "wb").write(os.read(2, 1000) if ready else b"")
os.rename(sys.argv[1] + ".new", sys.argv[1])  # whole, for the test that waits for it
"""


def test_in_the_shell_keys_typed_before_the_pager_started_do_not_reach_it(
    guest: str, home: dict[str, str], tmp_path: Path
) -> None:
    """The shell's screen is set aside for the pager while the terminal holds back its output: keys typed then,
    before the pager runs, are not the pager's (here a pager that records what it can read on its terminal)."""
    recorded = tmp_path / "recorded"
    recorder = tmp_path / "recorder.py"
    recorder.write_text(RECORDER_ON_ITS_TERMINAL)
    terminal = Terminal(["attach", guest], {**home, "PAGER": f"{sys.executable} {recorder} {recorded}"})
    qemu = int(Path(f"/var/run/libvirt/qemu/{guest}.pid").read_text())
    try:
        terminal.read_until(" · running · events".encode())
        terminal.type(b":pager on\r")  # every reply through the pager, this one's too
        terminal.read_until(b"pager: on")
        deadline = time.monotonic() + 20
        while not recorded.exists() and time.monotonic() < deadline:
            terminal.read(0.1)
        recorded.unlink()
        terminal.drain()
        os.kill(qemu, signal.SIGSTOP)  # the reply waits: the shell is idle meanwhile
        try:
            terminal.type(b"query-name\r")
            time.sleep(0.5)
            terminal.drain()
            terminal.hold_back_output()
        finally:
            os.kill(qemu, signal.SIGCONT)
        time.sleep(0.5)  # the reply came: the screen is being set aside for the pager, held back by the terminal
        terminal.type(b"!touch /tmp/typed-before-the-pager\r")
        time.sleep(0.3)
        deadline = time.monotonic() + 20
        while not recorded.exists() and time.monotonic() < deadline:
            terminal.read(0.1)
        assert recorded.read_bytes() == b""
    finally:
        terminal.close()
