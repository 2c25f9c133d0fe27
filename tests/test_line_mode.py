"""The shell without the full screen: TERM=dumb, and input that is no terminal (``attach G </dev/null``, commands
piped in). The same session line by line; a question asked on its own line and answered only by a line typed
after it showed; and the full-screen shell still starting when its history file cannot be kept."""

from __future__ import annotations

import subprocess
import sys
from collections.abc import Iterator
from pathlib import Path

import pytest

from tests.conftest import VDBGSH, unique_name, user_env, vdbgsh
from tests.test_hangs import Terminal


@pytest.fixture
def terminal() -> Iterator[Terminal]:
    shown = Terminal(unique_name(), width=100, height=50)
    yield shown
    shown.kill()


def test_attach_with_stdin_from_dev_null_starts_and_leaves(shared_guest: str, tmp_path: Path) -> None:
    result = subprocess.run(
        [VDBGSH, "attach", shared_guest],
        stdin=subprocess.DEVNULL,
        capture_output=True,
        text=True,
        env=user_env({"XDG_STATE_HOME": str(tmp_path)}),
        timeout=60,
        check=False,
    )
    assert result.returncode == 0, result.stderr
    assert result.stdout.startswith(f"vdbgsh attached to {shared_guest} (QEMU ")
    assert result.stderr == ""
    assert "\x1b" not in result.stdout  # no full screen, no colour


def test_attach_runs_piped_lines_and_refuses_what_it_cannot_ask(shared_guest: str, tmp_path: Path) -> None:
    result = vdbgsh(
        "attach", shared_guest, input="query-status\ninfo status\nstop\n", env={"XDG_STATE_HOME": str(tmp_path)}
    )
    assert result.returncode == 0, result.stderr
    assert '"status": "running"' in result.stdout
    assert "VM status: running" in result.stdout
    assert "error: refused: stop changes what libvirt tracks" in result.stdout
    assert "this shell cannot ask" in result.stdout
    still = vdbgsh("exec", shared_guest, "query-status")
    assert '"running":true' in still.stdout


def test_term_dumb_is_a_line_mode_whose_question_takes_no_typeahead(terminal: Terminal, guest: str) -> None:
    terminal.start_catching_ctrl_c("attach", guest, env={"TERM": "dumb"})
    terminal.wait_for("Line mode (TERM=dumb)")
    terminal.wait_for(f"{guest} (running)>")
    # Typed ahead, before the question shows: 'y' must not answer it, and must not be lost either.
    terminal.send("-l", "stop\ny\n")
    terminal.wait_for("[y/N]")
    terminal.type_line("n")
    terminal.wait_for("note: cancelled: stop was not sent")
    terminal.wait_for("error: unknown command 'y'")  # the typed-ahead line, run in turn
    terminal.type_line("stop")
    terminal.wait_for("[y/N]", count=2)
    terminal.type_line("y")
    terminal.wait_for(f"{guest} (paused)>")
    terminal.type_line("cont")
    terminal.wait_for("[y/N]", count=3)
    terminal.send("C-c")  # no, at a question
    terminal.wait_for("note: cancelled: cont was not sent")
    terminal.type_line("cont")
    terminal.wait_for("[y/N]", count=4)
    terminal.type_line("y")
    terminal.wait_for(f"{guest} (running)>", count=3)
    terminal.send("C-d")
    screen = terminal.wait_for("EXIT=0")
    assert "Tab complete" not in screen  # the full screen's toolbar never showed
    assert "event: " in screen
    assert " STOP" in screen


def test_full_screen_shell_starts_when_its_history_cannot_be_kept(
    terminal: Terminal, shared_guest: str, tmp_path: Path
) -> None:
    state = tmp_path / "state"  # a file where a directory should be
    state.write_text("not a directory\n")
    terminal.start_catching_ctrl_c("attach", "--pane", "off", shared_guest, env={"XDG_STATE_HOME": str(state)})
    terminal.wait_for(f"{shared_guest} (running)>")
    screen = " ".join(terminal.screen().split())
    assert "note: history kept for this shell only: Not a directory" in screen
    assert "check XDG_STATE_HOME" in screen
    terminal.type_line("query-name")
    terminal.wait_for('"name"')
    terminal.send("C-d")
    terminal.wait_for("EXIT=0")


BUGGY_LINE_MODE = """
import asyncio, sys
from pathlib import Path
from vdbgsh.schema.loading import SchemaCache, load_schema
from vdbgsh.session import Session
from vdbgsh.transport import Target
from vdbgsh.ui.line_mode import LineShell

class Buggy:  # fault injection: one command meets a bug of vdbgsh's
    def __init__(self, real):
        self.real = real
    def __getattr__(self, name):
        return getattr(self.real, name)
    async def execute_message(self, request):
        if request.get("execute") == "query-name":
            raise RuntimeError("injected bug")
        return await self.real.execute_message(request)

async def main():
    real = await Target(domain=sys.argv[1]).open(events=True)
    try:
        loaded = await load_schema(real, SchemaCache(Path(sys.argv[2])))
        await LineShell(Session(Buggy(real), loaded, colour=False), sys.argv[1], reopen=None).run("banner")
    finally:
        await real.close()

asyncio.run(main())
"""


def test_a_bug_in_one_line_is_said_and_line_mode_goes_on(shared_guest: str, tmp_path: Path) -> None:
    ran = subprocess.run(
        [sys.executable, "-c", BUGGY_LINE_MODE, shared_guest, str(tmp_path / "cache")],
        input="query-name\nquery-status\n",
        capture_output=True,
        text=True,
        timeout=60,
        env={**user_env(), "XDG_STATE_HOME": str(tmp_path / "state")},
        check=False,
    )
    assert "error: internal error (a bug in vdbgsh, not in the guest): RuntimeError: injected bug" in ran.stdout
    assert '"status": "running"' in ran.stdout  # the next line still ran
    assert "Traceback" not in ran.stdout + ran.stderr
