"""Typeahead never answers a question it was typed before: in the shell (pipe input and a real terminal, tmux) and
in ``vdbgsh exec`` on a terminal; and no typed line is lost, it runs in turn after the question."""

from __future__ import annotations

import asyncio
import contextlib
import fcntl
import json
import os
import pty
import select
import struct
import subprocess
import termios
import time
from pathlib import Path

import pytest
from prompt_toolkit.input import PipeInput

from tests.conftest import VDBGSH, LoopThread
from tests.terminal import Tmux
from tests.test_shell import Step, run_shell
from vdbgsh.ui.shell import Shell

pytestmark = pytest.mark.terminal(100, 30)


def domstate(guest: str) -> str:
    return subprocess.run(["virsh", "domstate", guest], capture_output=True, text=True, check=True).stdout.strip()


async def until(condition: object, timeout: float = 10) -> bool:
    deadline = asyncio.get_running_loop().time() + timeout
    while asyncio.get_running_loop().time() < deadline:
        if callable(condition) and condition():
            return True
        await asyncio.sleep(0.01)
    return False


def answerable(shell: Shell) -> bool:
    return bool(getattr(shell, "answerable", shell.question is not None))


def typed_ahead_of_the_question(line: str, ahead: str, answer: str) -> Step:
    """Type ``line``, which asks; ``ahead`` reaches the shell after the question was asked but before it was on the
    screen (as keys typed quickly after Enter do); then, once the question shows, ``answer``."""

    async def step(shell: Shell) -> None:
        typed = shell.app.input
        assert isinstance(typed, PipeInput)
        asked = shell.session.confirm
        assert asked is not None

        async def confirm(question: str) -> bool:
            typed.send_text(ahead)  # read by the shell only once the question has been asked
            return await asked(question)

        shell.session.confirm = confirm
        accepted = shell.lines_accepted
        typed.send_text(line)
        assert await until(lambda: shell.lines_accepted > accepted)
        assert await until(lambda: answerable(shell) or shell.lines_done == shell.lines_accepted)
        if shell.question is not None:
            typed.send_text(answer)
        assert await until(lambda: shell.lines_done == shell.lines_accepted and shell.question is None)
        shell.session.confirm = asked

    return step


def test_keys_typed_before_the_question_showed_are_lines_not_answers(
    loop: LoopThread, guest: str, tmp_path: Path
) -> None:
    keys: list[str | Step] = [typed_ahead_of_the_question("stop\r", "yank cable=now\r", "n"), ":quit\r"]
    text, _source = run_shell(loop, guest, keys, tmp_path)
    assert domstate(guest) == "running"
    assert "cancelled: stop was not sent" in text
    # The line typed ahead is not lost: it ran after the question, in turn.
    after = text.split("cancelled: stop was not sent", 1)[1]
    assert f"{guest} (running)> yank cable=now" in after
    assert "unknown argument 'cable'" in after


def test_keys_typed_after_the_answer_are_typing_again(loop: LoopThread, guest: str, tmp_path: Path) -> None:
    async def answer_then_type(shell: Shell) -> None:
        typed = shell.app.input
        assert isinstance(typed, PipeInput)
        typed.send_text("stop\r")
        assert await until(lambda: answerable(shell))
        typed.send_text("nquery-name\r")  # one read: the answer, then the next line
        assert await until(lambda: shell.lines_accepted == 2 and shell.lines_done == 2)

    text, _source = run_shell(loop, guest, [answer_then_type, ":quit\r"], tmp_path)
    assert "cancelled: stop was not sent" in text
    assert f'"name": "{guest}"' in text.split("cancelled: stop was not sent", 1)[1]
    assert domstate(guest) == "running"


def test_in_a_terminal_a_line_typed_ahead_runs_after_the_question(tmux: Tmux, guest: str, home: dict[str, str]) -> None:
    """As a quick typist does in tmux: the next line follows Enter at once. Whether its keys come before the question
    is asked or before it is drawn depends on the machine (the held-back terminal below makes it certain)."""
    prompt = f"{guest} (running)>"
    tmux.start("attach", guest, env=home)
    tmux.wait_for(prompt)
    tmux.type_line("stop")
    tmux.type_line("yank cable=now")
    tmux.wait_for("[y/N]")
    time.sleep(0.5)  # had a typed-ahead key answered, the guest would be pausing by now
    assert domstate(guest) == "running"
    assert "cancelled" not in tmux.screen()
    tmux.send("n")
    tmux.wait_for("cancelled: stop was not sent")
    screen = tmux.wait_for("unknown argument 'cable'")
    assert screen.index(f"{prompt} yank cable=now") > screen.index("cancelled: stop was not sent")
    assert domstate(guest) == "running"


class Terminal:
    """A pseudo-terminal of the test's own around ``vdbgsh``: the test is the terminal, so it can also hold back
    what is shown (by filling the terminal's output queue), as a slow link or a busy terminal does."""

    def __init__(self, args: list[str], home: dict[str, str], columns: int = 100, rows: int = 30) -> None:
        env = {key: value for key, value in os.environ.items() if key not in ("LIBVIRT_DEFAULT_URI", "NO_COLOR")}
        env.update(home, TERM="xterm-256color")
        self.main, child = os.openpty()
        fcntl.ioctl(child, termios.TIOCSWINSZ, struct.pack("HHHH", rows, columns, 0, 0))
        self.child_name = os.ttyname(child)
        self.process = subprocess.Popen(
            [VDBGSH, *args], stdin=child, stdout=child, stderr=child, env=env, start_new_session=True
        )
        os.close(child)
        self.shown = b""

    def read(self, timeout: float) -> bytes:
        if not select.select([self.main], [], [], timeout)[0]:
            return b""
        try:
            chunk = os.read(self.main, 65536)
        except OSError:  # EIO: vdbgsh closed the terminal
            return b""
        self.shown += chunk
        return chunk

    def read_until(self, text: bytes, since: int = 0, timeout: float = 20) -> None:
        deadline = time.monotonic() + timeout
        while text not in self.shown[since:]:
            if time.monotonic() > deadline:
                raise AssertionError(f"{text!r} did not show within {timeout} s: {self.shown[-400:]!r}")
            self.read(0.1)

    def drain(self, quiet: float = 0.3) -> None:
        while self.read(quiet):
            pass

    def type(self, keys: bytes) -> None:
        os.write(self.main, keys)

    def hold_back_output(self) -> None:
        """Fill the terminal's output queue: vdbgsh's next draw waits until the test reads again."""
        fd = os.open(self.child_name, os.O_WRONLY | os.O_NONBLOCK | os.O_NOCTTY)
        try:
            for _ in range(3):  # again after a moment: the kernel may have moved some on, making room
                with contextlib.suppress(BlockingIOError):
                    while True:
                        os.write(fd, b" " * 64)
                time.sleep(0.05)
        finally:
            os.close(fd)

    def close(self) -> None:
        self.process.kill()
        self.process.wait(10)
        os.close(self.main)


def test_keys_typed_while_the_question_was_held_back_are_typing(guest: str, home: dict[str, str]) -> None:
    """In a terminal that has not shown the question yet (its output held back), the keys typed are typeahead."""
    terminal = Terminal(["attach", guest], home)
    try:
        terminal.read_until(" · running · events".encode())  # the toolbar: the shell listens
        terminal.drain()
        since = len(terminal.shown)
        terminal.hold_back_output()
        terminal.type(b"stop\r")
        time.sleep(0.5)  # the question is asked; the draw that would show it waits for the terminal
        terminal.type(b"yank cable=now\r")
        time.sleep(0.5)
        terminal.read_until(b"[y/N]", since)  # the terminal shows the question now
        terminal.drain()
        assert domstate(guest) == "running"
        assert b"cancelled" not in terminal.shown[since:]
        since = len(terminal.shown)
        terminal.type(b"n")
        terminal.read_until(b"cancelled: stop was not sent", since)
        terminal.read_until(b"unknown argument 'cable'", since)  # the line typed ahead ran, after
        assert domstate(guest) == "running"
    finally:
        terminal.close()


def on_terminal_typed_ahead(args: list[str], home: Path, typed_ahead: bytes, answer: bytes) -> tuple[int, str]:
    """``vdbgsh ARGS`` on a terminal of its own; ``typed_ahead`` is typed before vdbgsh even starts (so before its
    question), ``answer`` once the question shows."""
    env = {key: value for key, value in os.environ.items() if key not in ("LIBVIRT_DEFAULT_URI", "NO_COLOR")}
    env.update(TERM="xterm-256color", XDG_CONFIG_HOME=str(home))
    pid, fd = pty.fork()
    if pid == 0:  # the child: waits until the keys are typed, then becomes vdbgsh
        while not select.select([0], [], [], 10)[0]:
            pass
        os.execve(VDBGSH, [VDBGSH, *args], env)
    os.write(fd, typed_ahead)
    shown = b""
    answered = False
    while True:
        ready, _, _ = select.select([fd], [], [], 30)
        if not ready:
            os.kill(pid, 9)
            raise TimeoutError(f"vdbgsh exec stalled: {shown[-300:]!r}")
        try:
            chunk = os.read(fd, 65536)
        except OSError:  # EIO: the child closed the terminal
            break
        if not chunk:
            break
        shown += chunk
        if b"[y/N] " in shown and not answered:
            time.sleep(0.3)  # had the typed-ahead line answered, vdbgsh would be sending stop by now
            os.write(fd, answer)
            answered = True
    os.close(fd)
    _, status = os.waitpid(pid, 0)
    return os.waitstatus_to_exitcode(status), shown.decode(errors="replace").replace("\r\n", "\n")


def test_exec_on_a_terminal_ignores_answers_typed_before_it_asked(guest: str, tmp_path: Path) -> None:
    status, shown = on_terminal_typed_ahead(["exec", guest, "stop"], tmp_path, b"y\n", b"n\n")
    assert domstate(guest) == "running"
    assert status == 2, shown
    assert "vdbgsh: cancelled: stop was not sent" in shown


def test_replay_on_a_terminal_ignores_answers_typed_before_it_asked(guest: str, tmp_path: Path) -> None:
    """Where a transcript was recorded is used only when the user says yes once asked: a "y" typed before is not."""
    records = [
        {"timestamp": "2024-01-01T00:00:00.000000Z", "type": "start", "domain": guest, "uri": "qemu+unix:///system"},
        {
            "timestamp": "2024-01-01T00:00:00.000000Z",
            "type": "request",
            "domain": guest,
            "seq": 1,
            "line": "stop",
            "request": {"execute": "stop"},
        },
    ]
    log = tmp_path / "t.jsonl"
    log.write_text("".join(json.dumps(record) + "\n" for record in records))
    status, shown = on_terminal_typed_ahead(["replay", "--yes", str(log)], tmp_path, b"y\n", b"n\n")
    assert domstate(guest) == "running", shown
    assert status == 2, shown
    assert "nothing sent: not connecting to qemu+unix:///system" in shown
