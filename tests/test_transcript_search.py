"""Finding text in the transcript (Ctrl-F), not only in the history: matches highlighted, the newest scrolled into
view, Enter/Up older and Down newer, Esc back to typing; on a real guest through prompt_toolkit's pipe input and
in a real terminal (tmux)."""

from __future__ import annotations

import asyncio
import re
from pathlib import Path
from typing import Any

import pytest

from tests.conftest import LoopThread
from tests.terminal import Tmux
from tests.test_shell import Step, run_shell
from vdbgsh.ui.shell import Shell
from vdbgsh.ui.transcript_search import CURRENT_STYLE, MATCH_STYLE


@pytest.fixture(scope="module")
def cache(tmp_path_factory: pytest.TempPathFactory) -> Path:
    return tmp_path_factory.mktemp("schema")


def press(keys: str, settle: float = 0.3) -> Step:
    """Keys that end no line (the find line's own), then a moment for the shell to act on them."""

    async def step(shell: Shell) -> None:
        shell.app.input.send_text(keys)  # type: ignore[attr-defined]  # the pipe input
        await asyncio.sleep(settle)

    return step


def screen_rows(shell: Shell) -> list[list[tuple[str, str]]]:
    """The transcript's rows as the screen shows them now, with their styles."""
    control = shell.screen.transcript_control
    content = control.create_content(control.width, control.height)
    return [[(f[0], f[1]) for f in content.get_line(i)] for i in range(content.line_count)]


def test_find_highlights_steps_and_goes_back(loop: LoopThread, shared_guest: str, cache: Path) -> None:
    seen: dict[str, Any] = {}

    def look(key: str) -> Step:
        async def step(shell: Shell) -> None:
            finder = shell.finder
            rows = screen_rows(shell)
            seen[key] = {
                "active": finder.active,
                "place": (finder.current, len(finder.matches)),
                "back": shell.screen.transcript_control.scrolled_back,
                "marked": [text for row in rows for style, text in row if MATCH_STYLE in style],
                "current": [text for row in rows for style, text in row if CURRENT_STYLE in style],
            }

        return step

    keys: list[str | Step] = [
        "qom-get path=/machine property=type\r",
        *["query-status\r"] * 12,
        "query-name\r",
        press("\x06"),  # Ctrl-F
        press("MACHINE"),  # a capital: exact case, no match
        look("exact"),
        press("\x7f" * 7 + "machine"),
        look("newest"),
        press("\r"),  # older
        look("older"),
        press("\x1b[B"),  # Down: newer again
        look("newer"),
        press("\x03"),  # Ctrl-C: back to typing, the view where it is
        look("closed"),
        "query-name\r",
        ":quit\r",
    ]
    text, _source = run_shell(loop, shared_guest, keys, cache)
    assert seen["exact"]["place"] == (None, 0)
    newest = seen["newest"]
    assert newest["active"]
    # "machine" is in the typed line and in the reply (pc-...-machine): the newest match, in the reply, is current.
    count = newest["place"][1]
    assert count >= 2
    assert newest["place"][0] == count - 1
    assert newest["current"] == ["machine"]
    assert newest["back"] > 0  # scrolled back to it, past the twelve query-status
    assert seen["older"]["place"] == (count - 2, count)
    assert seen["newer"]["place"] == (count - 1, count)
    assert len(seen["older"]["marked"]) >= 1  # the other match still highlighted
    assert not seen["closed"]["active"]
    assert f'"name": "{shared_guest}"' in text  # typing works again


def test_find_in_a_terminal(tmux: Tmux, shared_guest: str, home: dict[str, str]) -> None:
    prompt = f"{shared_guest} (running)>"
    tmux.start("attach", "--pane", "off", shared_guest, env=home)
    tmux.wait_for(prompt)
    tmux.type_line(":pager off")
    tmux.type_line("qom-get path=/machine property=type")
    tmux.wait_for("-machine")
    tmux.type_line("help")
    tmux.wait_for("RESUME")  # its list of events, at the end
    tmux.send("C-f")
    tmux.wait_for("find:")
    tmux.send("-l", "property=ty")
    tmux.wait_for("1 of 1")
    screen = tmux.visible()
    assert any("qom-get path=/machine property=type" in row for row in screen)  # scrolled back to it
    coloured = tmux._tmux("capture-pane", "-t", tmux.name, "-p", "-e").stdout
    assert re.search(r"\x1b\[[0-9;]*41[;m]", coloured)  # the current match on red
    tmux.send("Escape")
    tmux.wait_for(f"{shared_guest} · running")  # the toolbar is back
    assert not any("find:" in row for row in tmux.visible())
    tmux.type_line("query-name")
    tmux.wait_for(f'"name": "{shared_guest}"')
