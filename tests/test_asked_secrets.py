"""Secrets given as '-' are read when the request goes (stdin, or the terminal without echo), never typed where
``ps``, the history or the scrollback would show them."""

from __future__ import annotations

import contextlib
import json
import os
import pty
import select
import subprocess
import time
from pathlib import Path
from typing import Any

import pytest

from tests.conftest import VDBGSH, unique_name, user_env, vdbgsh
from tests.terminal import Tmux
from vdbgsh.syntax.asked_secrets import asked_secrets, with_secrets
from vdbgsh.syntax.secrets import mask_line, masked_secrets


def hmp(line: str) -> dict[str, Any]:
    return {"execute": "human-monitor-command", "arguments": {"command-line": line}}


def test_the_marker_is_found_and_filled_where_a_secret_goes() -> None:
    qmp: dict[str, Any] = {"execute": "set_password", "arguments": {"protocol": "vnc", "password": "-"}}
    assert [a.what for a in asked_secrets(qmp)] == ["password for set_password"]
    assert with_secrets(qmp, ["hunter2"])["arguments"]["password"] == "hunter2"
    assert qmp["arguments"]["password"] == "-"  # a copy: the planned request is left alone
    assert with_secrets(hmp("set_password vnc -"), ['a "b"'])["arguments"]["command-line"] == (
        'set_password vnc "a \\"b\\""'
    )
    option = hmp("object_add secret,id=s0,data=-,format=raw")
    assert with_secrets(option, ["a,b"])["arguments"]["command-line"] == "object_add secret,id=s0,data=a,,b,format=raw"
    for line in [
        "object-add qom-type=secret id=s0 data=-",
        "set_password vnc -",
        "object_add secret,id=s0,data=-",
        '{"execute":"set_password","arguments":{"protocol":"vnc","password":"-"}}',
        'human-monitor-command "command-line=set_password vnc -"',
    ]:
        assert mask_line(line) == line  # the marker is no secret: a line recalled from history asks again
    assert masked_secrets(qmp) == []
    for not_asked in [
        {"execute": "set_password", "arguments": {"protocol": "vnc", "password": "x-"}},
        {"execute": "object-add", "arguments": {"qom-type": "secret_keyring", "id": "k", "serial": "-"}},
        {"execute": "qom-set", "arguments": {"path": "/o", "property": "format", "value": "-"}},
        hmp("qom-get /objects/s0 -"),
    ]:
        assert asked_secrets(not_asked) == []


def secret_of(guest: str, object_id: str) -> Any:
    read = vdbgsh("exec", guest, "qom-get", f"path=/objects/{object_id}", "property=data")
    assert read.returncode == 0, read.stderr
    return json.loads(read.stdout)


@pytest.mark.parametrize(
    ("object_id", "argv"),
    [
        ("in0", ["object-add", "qom-type=secret", "id=in0", "data=-"]),
        ("in1", ["object_add secret,id=in1,data=-"]),  # HMP, translated
        ("in2", ["human-monitor-command", "command-line=object_add secret,id=in2,data=-"]),
        ("in3", ['{"execute":"object-add","arguments":{"qom-type":"secret","id":"in3","data":"-"}}']),
    ],
)
def test_exec_reads_a_secret_given_as_dash_from_stdin(guest: str, object_id: str, argv: list[str]) -> None:
    sent = vdbgsh("exec", "--yes", guest, *argv, input="hun,ter2\n")
    assert sent.returncode == 0, sent.stderr
    assert "hun,ter2" not in sent.stdout + sent.stderr
    assert secret_of(guest, object_id) == "hun,ter2"


def test_exec_with_no_secret_on_stdin_says_so_and_sends_nothing(guest: str) -> None:
    sent = vdbgsh("exec", "--yes", guest, "object-add", "qom-type=secret", "id=none0", "data=-", input="")
    assert sent.returncode == 2
    assert sent.stderr.splitlines()[0] == (
        "vdbgsh: error: the data for object-add is '-', to be read from stdin, but stdin has ended (nothing was sent)"
    )
    listed = vdbgsh("exec", guest, "qom-list", "path=/objects")
    assert "none0" not in listed.stdout


def test_a_batch_without_a_terminal_cannot_be_asked(guest: str) -> None:
    sent = subprocess.run(
        [VDBGSH, "exec", "--yes", guest, "-"],
        input="object-add qom-type=secret id=b0 data=-\n",
        capture_output=True,
        text=True,
        env=user_env(),
        start_new_session=True,  # no controlling terminal: /dev/tty cannot be opened
        check=False,
        timeout=60,
    )
    assert sent.returncode == 2
    assert "there is no terminal to ask on (nothing was sent)" in sent.stderr
    assert "Traceback" not in sent.stderr


def read_until(fd: int, wanted: bytes, timeout: float = 30) -> bytes:
    seen = b""
    deadline = time.monotonic() + timeout
    while wanted not in seen:
        ready, _, _ = select.select([fd], [], [], max(0.0, deadline - time.monotonic()))
        if not ready:
            raise TimeoutError(f"{wanted!r} not shown; saw {seen!r}")
        try:
            chunk = os.read(fd, 4096)
        except OSError:  # EIO: the terminal's other end closed
            break
        if not chunk:
            break
        seen += chunk
    return seen


def test_exec_on_a_terminal_asks_without_echo(guest: str) -> None:
    main_fd, child_fd = pty.openpty()
    process = subprocess.Popen(
        [VDBGSH, "exec", "--yes", guest, "object-add", "qom-type=secret", "id=tty0", "data=-"],
        stdin=child_fd,
        stdout=child_fd,
        stderr=child_fd,
        env=user_env(),
        close_fds=True,
    )
    os.close(child_fd)
    try:
        shown = read_until(main_fd, b"(not shown): ")
        assert b"vdbgsh: data for object-add (not shown): " in shown
        os.write(main_fd, b"hunter2\n")
        assert process.wait(30) == 0
        with contextlib.suppress(TimeoutError):  # the rest of what it showed, up to its exit
            shown += read_until(main_fd, b"\x00", timeout=2)
    finally:
        os.close(main_fd)
        if process.poll() is None:
            process.kill()
    assert b"hunter2" not in shown  # not echoed
    assert secret_of(guest, "tty0") == "hunter2"


def test_the_shell_asks_without_echo_and_keeps_no_trace(guest: str, tmp_path: Path) -> None:
    home = {"XDG_STATE_HOME": str(tmp_path / "state"), "XDG_CACHE_HOME": str(tmp_path / "cache")}
    tmux = Tmux(unique_name(), width=100, height=24)
    try:
        tmux.start("attach", "--yes", guest, env=home)
        prompt = f"{guest} (running)>"
        tmux.wait_for(prompt)
        tmux.type_line("object-add qom-type=secret id=sh0 data=-")
        tmux.wait_for("data for object-add (not shown): ")
        tmux.type_line("hunter2")
        tmux.wait_for(prompt, count=2)
        tmux.type_line("object_add secret,id=sh1,data=-")  # HMP: translated, then asked the same way
        tmux.wait_for("data for object-add (not shown): ", count=2)
        tmux.type_line("hunter3")
        tmux.wait_for(prompt, count=3)
        tmux.type_line("object-add qom-type=secret id=sh2 data=-")
        tmux.wait_for("data for object-add (not shown): ", count=3)
        tmux.send("C-c")  # not given: nothing sent, and the shell goes on
        tmux.wait_for("no secret given: nothing was sent")
        tmux.type_line("qom-get path=/objects/sh1 property=data")
        tmux.wait_for('"hunter3"')  # asked for: shown
        assert "hunter2" not in tmux.screen()
        tmux.type_line(":quit")
        tmux.wait_for("EXIT=0")
    finally:
        tmux.kill()
    assert secret_of(guest, "sh0") == "hunter2"
    assert "sh2" not in vdbgsh("exec", guest, "qom-list", "path=/objects").stdout
    history = (tmp_path / "state" / "vdbgsh" / "history").read_text()
    assert "hunter2" not in history
    assert "data=-" in history


def test_a_batch_asks_on_its_terminal_without_echo(guest: str, tmp_path: Path) -> None:
    """exec - reads its commands from stdin (a pipe here): the secret is asked on the controlling terminal."""
    import shlex

    tmux = Tmux(unique_name(), width=120, height=24)
    batch = tmp_path / "batch"
    batch.write_text("object-add qom-type=secret id=bt0 data=-\nqom-get path=/objects/bt0 property=format\n")
    command = f"{shlex.quote(VDBGSH)} exec --yes {shlex.quote(guest)} - < {shlex.quote(str(batch))}"
    try:
        started = tmux._tmux(
            "new-session", "-d", "-s", tmux.name, "-x", "120", "-y", "24",
            "env -u LIBVIRT_DEFAULT_URI sh -c " + shlex.quote(f"{command}; echo EXIT=$?; sleep 600"),
        )  # fmt: skip
        assert started.returncode == 0, started.stderr
        tmux.wait_for("vdbgsh: data for object-add (not shown): ")
        tmux.type_line("hunter2")
        tmux.wait_for("EXIT=0")
        assert "hunter2" not in tmux.screen()
        assert '"raw"' in tmux.screen()  # the batch went on after it
    finally:
        tmux.kill()
    assert secret_of(guest, "bt0") == "hunter2"


def test_the_line_mode_asks_without_echo(guest: str, tmp_path: Path) -> None:
    home = {"XDG_STATE_HOME": str(tmp_path / "state"), "XDG_CACHE_HOME": str(tmp_path / "cache"), "TERM": "dumb"}
    tmux = Tmux(unique_name(), width=100, height=24)
    try:
        tmux.start("attach", "--yes", guest, env=home)
        prompt = f"{guest} (running)>"
        tmux.wait_for("Line mode (TERM=dumb)")
        tmux.wait_for(prompt)
        tmux.type_line("object-add qom-type=secret id=lm0 data=-")
        tmux.wait_for("data for object-add (not shown): ")
        tmux.type_line("hunter2")
        tmux.wait_for(prompt, count=2)
        tmux.type_line("qom-get path=/objects/lm0 property=format")  # typing shows again
        tmux.wait_for("qom-get path=/objects/lm0 property=format")
        tmux.wait_for('"raw"')
        assert "hunter2" not in tmux.screen()
        tmux.send("C-d")
        tmux.wait_for("EXIT=0")
    finally:
        tmux.kill()
    assert secret_of(guest, "lm0") == "hunter2"
