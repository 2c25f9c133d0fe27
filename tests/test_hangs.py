"""Hangs: a QEMU that never answers (SIGSTOPped under libvirt) must not take the terminal with it. Ctrl-C ends
``exec`` and the wait in ``attach`` within a second, ``exec --timeout`` gives up by itself, and libvirt keeps the
monitor: once QEMU runs again the guest answers as before."""

from __future__ import annotations

import contextlib
import os
import re
import signal
import subprocess
import time
from collections.abc import Iterator
from pathlib import Path

import pytest

from tests.conftest import VDBGSH, unique_name, user_env, vdbgsh
from tests.remote import RemoteLibvirtd
from tests.terminal import Tmux
from vdbgsh.guest.plain_qemu import PlainQemu


def qemu_pid(guest: str) -> int:
    return int(Path(f"/run/libvirt/qemu/{guest}.pid").read_text())


@contextlib.contextmanager
def qemu_stopped(guest: str) -> Iterator[None]:
    """The guest's QEMU SIGSTOPped for the block: libvirt's monitor commands wait for a reply that does not come."""
    pid = qemu_pid(guest)
    os.kill(pid, signal.SIGSTOP)
    try:
        yield
    finally:
        os.kill(pid, signal.SIGCONT)


def answers(guest: str) -> None:
    """The guest still answers through libvirt (which kept the monitor)."""
    result = vdbgsh("exec", guest, "query-status", timeout=60)
    assert result.returncode == 0, result.stderr
    assert '"running":true' in result.stdout


def test_ctrl_c_ends_exec_while_qemu_is_stopped(guest: str) -> None:
    with qemu_stopped(guest):
        running = subprocess.Popen(
            [VDBGSH, "exec", guest, "query-status"],
            stdin=subprocess.DEVNULL,
            stdout=subprocess.PIPE,
            stderr=subprocess.PIPE,
            text=True,
            env=user_env(),
        )
        time.sleep(1.0)
        assert running.poll() is None  # waiting for the reply
        running.send_signal(signal.SIGINT)
        sent = time.monotonic()
        out, err = running.communicate(timeout=30)
        waited = time.monotonic() - sent
    assert waited < 2.0, f"Ctrl-C took {waited:.1f} s"
    assert running.returncode == 130
    assert out == ""
    assert err.startswith(
        f"vdbgsh: error: interrupted: stopped waiting for the reply to query-status from {guest}; "
        "the command may still run in QEMU (libvirt keeps waiting for its reply"
    ), err
    assert "Traceback" not in err
    answers(guest)


def test_exec_timeout_gives_up_and_says_the_command_may_still_run(guest: str) -> None:
    with qemu_stopped(guest):
        started = time.monotonic()
        result = vdbgsh("exec", "--timeout", "1", guest, "query-status", timeout=30)
        took = time.monotonic() - started
    assert 1.0 <= took < 3.0, f"took {took:.1f} s"
    assert result.returncode == 124
    assert result.stdout == ""
    first, hint = result.stderr.splitlines()
    assert first == (
        f"vdbgsh: error: no reply to query-status from {guest} within 1 s; the command may still run in QEMU "
        "(libvirt keeps waiting for its reply and holds the monitor)"
    )
    assert hint.startswith("hint: QEMU may be stopped (SIGSTOP")
    answers(guest)


def test_exec_timeout_leaves_a_quick_reply_alone(shared_guest: str) -> None:
    result = vdbgsh("exec", "--timeout", "10", shared_guest, "query-status")
    assert result.returncode == 0, result.stderr
    assert '"status":"running"' in result.stdout


@pytest.mark.parametrize("value", ["0", "-1", "soon", "nan", "inf"])
def test_exec_timeout_must_be_positive_seconds(value: str) -> None:
    result = vdbgsh("exec", f"--timeout={value}", "nowhere", "query-status")
    assert result.returncode == 2
    assert f"expected a number of seconds above 0, not '{value}'" in result.stderr


def test_exec_timeout_on_a_plain_qemu_stopped_mid_batch(qemu: PlainQemu) -> None:
    assert qemu.process is not None
    running = subprocess.Popen(
        [VDBGSH, "exec", "--timeout", "1", "--qmp", str(qemu.address), "-"],
        stdin=subprocess.PIPE,
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        text=True,
        env=user_env(),
    )
    assert running.stdin is not None
    assert running.stdout is not None
    running.stdin.write("query-name\n")
    running.stdin.flush()
    assert "name" in running.stdout.readline()  # connected (a stopped QEMU would not even greet)
    os.kill(qemu.process.pid, signal.SIGSTOP)
    try:
        running.stdin.write("query-status\n")
        running.stdin.flush()
        _out, err = running.communicate(timeout=30)
    finally:
        os.kill(qemu.process.pid, signal.SIGCONT)
    assert running.returncode == 124
    assert err.startswith(
        f"vdbgsh: error: no reply to query-status from {qemu.address} within 1 s; the command may still run in QEMU\n"
    ), err


class Terminal(Tmux):
    def start_catching_ctrl_c(self, *vdbgsh_args: str, env: dict[str, str] | None = None) -> None:
        """Like ``start``, but the window's shell outlives a Ctrl-C sent to vdbgsh and shows vdbgsh's status."""
        self.start(*vdbgsh_args, env=env, outlive_ctrl_c=True)


@pytest.fixture
def terminal(tmp_path: Path) -> Iterator[Terminal]:
    shown = Terminal(unique_name(), width=100, height=30)
    yield shown
    shown.kill()


def test_ctrl_c_while_attaching_to_a_stopped_qemu_ends_cleanly(terminal: Terminal, guest: str) -> None:
    """Before the shell is up there is no line to abandon: after 5 s attach says what it waits for, and Ctrl-C
    ends it, saying why, at once."""
    with qemu_stopped(guest):
        terminal.start_catching_ctrl_c("attach", guest)
        terminal.wait_for("vdbgsh: waiting 5 s for QEMU's reply: QEMU may be stopped (SIGSTOP) or busy", timeout=15)
        terminal.send("C-c")
        sent = time.monotonic()
        screen = terminal.wait_for("EXIT=", timeout=10)
        waited = time.monotonic() - sent
    assert waited < 2.0, f"Ctrl-C took {waited:.1f} s"
    assert "EXIT=130" in screen
    assert f"vdbgsh: error: interrupted while attaching to {guest}: QEMU did not answer yet" in screen
    assert "Traceback" not in screen
    answers(guest)


def test_ctrl_c_abandons_the_wait_in_the_shell_and_leaving_is_prompt(terminal: Terminal, guest: str) -> None:
    """Ctrl-C in the shell gives the prompt back; Ctrl-D then leaves at once although the abandoned call still
    waits for QEMU (it must not hold up the exit)."""
    terminal.start_catching_ctrl_c("attach", guest)
    terminal.wait_for(f"{guest} (running)>")
    with qemu_stopped(guest):
        terminal.type_line("query-name")
        terminal.wait_for("running query-name")
        time.sleep(1.0)
        terminal.send("C-c")
        sent = time.monotonic()
        terminal.wait_for("stopped waiting for the reply", timeout=5)
        waited = time.monotonic() - sent
        assert waited < 2.0, f"Ctrl-C took {waited:.1f} s"
        terminal.wait_for(f"{guest} (running)>", count=2)
        terminal.send("C-d")
        left = time.monotonic()
        screen = terminal.wait_for("EXIT=", timeout=10)
        leaving = time.monotonic() - left
        assert leaving < 3.0, f"leaving took {leaving:.1f} s"
    assert "EXIT=0" in screen
    answers(guest)


def test_a_long_wait_in_the_shell_says_what_may_hold_it(terminal: Terminal, guest: str) -> None:
    terminal.start_catching_ctrl_c("attach", "--pane", "off", guest)
    terminal.wait_for(f"{guest} (running)>")
    with qemu_stopped(guest):
        terminal.type_line("query-name")
        terminal.wait_for("running query-name")
        started = time.monotonic()
        terminal.wait_for("waiting 5 s for QEMU's reply", timeout=15)
        assert time.monotonic() - started >= 4.5
        screen = " ".join(terminal.screen().split())  # the note wraps in the transcript
        assert (
            "waiting 5 s for QEMU's reply: QEMU may be stopped (SIGSTOP) or busy; libvirt holds the monitor meanwhile "
            "(other commands to it wait too); Ctrl-C stops" in screen
        )
        terminal.send("C-c")
        terminal.wait_for("stopped waiting for the reply", timeout=5)
    terminal.type_line("query-status")
    terminal.wait_for('"status": "running"')


def test_line_mode_says_a_long_wait_and_ctrl_c_stops_it(guest: str, tmp_path: Path) -> None:
    running = subprocess.Popen(
        [VDBGSH, "attach", guest],
        stdin=subprocess.PIPE,
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        text=True,
        env=user_env({"XDG_STATE_HOME": str(tmp_path)}),
    )
    assert running.stdin is not None
    assert running.stdout is not None
    running.stdin.write("query-name\n")
    running.stdin.flush()
    while not re.fullmatch(r"\(.* ms\)\n", running.stdout.readline()):  # the reply, up to its time
        pass
    with qemu_stopped(guest):
        running.stdin.write("query-status\n")
        running.stdin.flush()
        started = time.monotonic()
        assert running.stdout.readline().startswith("note: waiting 5 s for QEMU's reply")
        assert time.monotonic() - started >= 4.5
        running.send_signal(signal.SIGINT)
        stopped = running.stdout.readline()
        assert stopped == "error: stopped waiting for the reply (the guest may still run the command)\n"
        running.stdin.write("query-name\n")  # the shell goes on: this one waits for QEMU, and is answered after
        running.stdin.flush()
    out, err = running.communicate(timeout=30)  # the end of the input: the shell leaves
    assert running.returncode == 0, err
    assert f'"name": "{guest}"' in out


def test_exec_timeout_and_ctrl_c_while_libvirtd_does_not_answer(remote: RemoteLibvirtd) -> None:
    """The tests' own libvirtd, SIGSTOPped (never the system's): connecting waits for it, and gives up too."""
    assert remote.process is not None
    os.kill(remote.process.pid, signal.SIGSTOP)
    try:
        started = time.monotonic()
        result = vdbgsh("exec", "-c", remote.uri, "--timeout", "1", "anyguest", "query-status", timeout=30)
        took = time.monotonic() - started
        running = subprocess.Popen(
            [VDBGSH, "exec", "-c", remote.uri, "anyguest", "query-status"],
            stdin=subprocess.DEVNULL,
            stdout=subprocess.PIPE,
            stderr=subprocess.PIPE,
            text=True,
            env=user_env(),
        )
        time.sleep(1.0)
        running.send_signal(signal.SIGINT)
        _out, err = running.communicate(timeout=10)
    finally:
        os.kill(remote.process.pid, signal.SIGCONT)
    assert took < 3.0, f"took {took:.1f} s"
    assert result.returncode == 124
    assert result.stderr.splitlines() == [
        f"vdbgsh: error: no answer from libvirtd at {remote.uri} within 1 s while connecting",
        "hint: is it stopped (SIGSTOP) or hung? 'ps -o stat' shows T for a stopped process",
    ]
    assert running.returncode == 130
    assert err == f"vdbgsh: error: interrupted while connecting to {remote.uri}\n"
