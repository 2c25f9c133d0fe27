"""A bug met while running one line is one "internal error" line (its traceback kept in a private file), and the
shell goes on; meta-commands without their argument, or with a bad one, are errors, never crashes (pipe input,
real guest)."""

from __future__ import annotations

import asyncio
from pathlib import Path

import pytest
from prompt_toolkit.buffer import Buffer
from prompt_toolkit.input import PipeInput

from tests.conftest import LoopThread
from tests.test_shell import MonitorWrapper, Step, run_shell
from vdbgsh.syntax.meta import META_COMMANDS
from vdbgsh.transport import Reply
from vdbgsh.transport.base import JSONObject
from vdbgsh.ui.shell import Shell


class BuggyQomList(MonitorWrapper):
    """Fault injection: a bug of vdbgsh's (not an error it knows) raised while qom-list runs."""

    async def execute_message(self, message: JSONObject) -> Reply:
        if message.get("execute") == "qom-list":
            raise RuntimeError("injected bug")
        return await self.monitor.execute_message(message)


def test_a_bug_in_one_line_is_said_and_the_shell_goes_on(
    loop: LoopThread, shared_guest: str, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    state = tmp_path / "state"
    monkeypatch.setenv("XDG_STATE_HOME", str(state))
    keys = ["qom-list path=/machine\r", "query-name\r", ":quit\r"]
    text, _source = run_shell(loop, shared_guest, keys, tmp_path / "cache", wrap=BuggyQomList)
    said = "error: internal error (a bug in vdbgsh, not in the guest): RuntimeError: injected bug"
    assert said in text
    assert f'"name": "{shared_guest}"' in text.split(said, 1)[1]  # the next line ran
    kept = list((state / "vdbgsh" / "crashes").iterdir())
    assert len(kept) == 1
    assert f"hint: please report it with the traceback kept in {kept[0]}; the shell goes on" in text
    assert kept[0].stat().st_mode & 0o777 == 0o600
    assert kept[0].parent.stat().st_mode & 0o777 == 0o700
    assert "RuntimeError: injected bug" in kept[0].read_text()
    assert "Traceback" not in text


# "²" is a digit to str.isdigit, not to int().
def test_a_bug_in_a_key_or_a_callback_is_said_and_the_keys_still_work(
    loop: LoopThread, shared_guest: str, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("XDG_STATE_HOME", str(tmp_path / "state"))

    async def bugs(shell: Shell) -> None:
        typed = shell.app.input
        assert isinstance(typed, PipeInput)
        accept = shell.buffer.accept_handler

        def buggy_accept(buffer: Buffer) -> bool:
            shell.buffer.accept_handler = accept  # once
            raise RuntimeError("injected key bug")

        shell.buffer.accept_handler = buggy_accept
        typed.send_text("query-name\r")  # Enter's handler raises
        await asyncio.sleep(0.5)

        def buggy_callback() -> None:
            raise RuntimeError("injected callback bug")

        asyncio.get_running_loop().call_soon(buggy_callback)
        await asyncio.sleep(0.2)

    keys: list[str | Step] = [bugs, "\x15query-status\r", ":quit\r"]  # Ctrl-U: the line left from the failed Enter
    text, _source = run_shell(loop, shared_guest, keys, tmp_path / "cache")
    assert "error: internal error (a bug in vdbgsh, not in the guest): RuntimeError: injected key bug" in text
    assert "error: internal error (a bug in vdbgsh, not in the guest): RuntimeError: injected callback bug" in text
    assert '"status": "running"' in text  # the keys still work
    assert "Traceback" not in text


BAD_ARGUMENTS = ["", "bogus", "1 2 3", "-1", "0", "²", "99999999999999999999", ":", "=", "''", '"', "\\x1b[2J"]
EVENTS_ARGUMENTS = ["show ²", "buffer ²", "buffer", "show 0", "filter --regex (", "filter -x", "grep", "pause 1"]
LEFT_OUT = {"quit", "clear", "begin", "log"}  # they end the shell, start a block, or write a file: tried below


@pytest.mark.parametrize("name", sorted(set(META_COMMANDS) - LEFT_OUT))
def test_every_meta_command_without_or_with_a_bad_argument(
    loop: LoopThread, shared_guest: str, tmp_path: Path, monkeypatch: pytest.MonkeyPatch, name: str
) -> None:
    monkeypatch.setenv("XDG_STATE_HOME", str(tmp_path / "state"))
    arguments = BAD_ARGUMENTS + (EVENTS_ARGUMENTS if name == "events" else [])
    keys = [f":{name} {argument}".rstrip() + "\r" for argument in arguments] + ["query-name\r", ":quit\r"]
    text, _source = run_shell(loop, shared_guest, keys, tmp_path / "cache")
    assert "internal error" not in text
    assert f'"name": "{shared_guest}"' in text


def test_the_block_and_log_metas_without_or_with_a_bad_argument(
    loop: LoopThread, shared_guest: str, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("XDG_STATE_HOME", str(tmp_path / "state"))
    monkeypatch.chdir(tmp_path)
    keys = [
        ":log\r",
        f":log {tmp_path}/missing/x\r",
        f":log {tmp_path}\r",
        ":log off\r",
        ":begin bogus\r",
        ":begin completion-mode=bogus\r",
        ":transaction 1 2\r",
        ":begin\r",
        ":drop 7\r",
        ":drop ²\r",
        ":commit bogus=1\r",
        ":begin\r",
        ":abort\r",
        ":clear bogus\r",
        ":\r",
        "query-name\r",
        ":quit\r",
    ]
    text, _source = run_shell(loop, shared_guest, keys, tmp_path / "cache")
    assert "internal error" not in text
    assert f'"name": "{shared_guest}"' in text
