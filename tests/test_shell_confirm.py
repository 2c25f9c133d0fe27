"""The shell asks before a command that changes what libvirt tracks (pipe input, real guest): y sends it, any other
key cancels it, and the question stays in the transcript."""

from __future__ import annotations

import asyncio
from pathlib import Path

from prompt_toolkit.input import PipeInput

from tests.conftest import LoopThread
from tests.test_shell import Step, run_shell
from vdbgsh.ui.shell import Shell


def answer(line: str, key: str) -> Step:
    async def step(shell: Shell) -> None:
        typed = shell.app.input
        assert isinstance(typed, PipeInput)
        typed.send_text(line)
        while not shell.answerable:  # a key sent before the question is on the screen is typing, not its answer
            await asyncio.sleep(0.01)
        typed.send_text(key)
        while shell.lines_done < shell.lines_accepted:
            await asyncio.sleep(0.01)

    return step


def test_y_sends_other_keys_cancel(loop: LoopThread, guest: str, tmp_path: Path) -> None:
    states: list[str] = []

    async def state(shell: Shell) -> None:
        states.append(shell.session.run_state)

    keys: list[str | Step] = [
        answer("stop\r", "n"),
        state,
        answer("stop\r", "y"),
        state,
        answer("cont\r", "Y"),
        state,
        ":quit\r",
    ]
    text, _source = run_shell(loop, guest, keys, tmp_path)
    assert states == ["running", "paused", "running"]
    assert f"libvirt did not pause {guest}" in text
    assert text.count("[y/N]") == 3
    assert "cancelled: stop was not sent" in text
