"""The shell in a person's hands (issue 13), in a real terminal (tmux) on a real guest: scrolling the transcript,
the events pane's lines, long JSON lines, history search and Tab."""

from __future__ import annotations

import time
from collections.abc import Callable, Iterator
from pathlib import Path

import pytest

from tests.conftest import unique_name
from tests.terminal import Tmux


@pytest.fixture
def home(tmp_path: Path) -> dict[str, str]:
    """A private XDG home: the test's history and schema cache are its own."""
    return {"XDG_STATE_HOME": str(tmp_path / "state"), "XDG_CACHE_HOME": str(tmp_path / "cache")}


@pytest.fixture
def tmux() -> Iterator[Tmux]:
    terminal = Tmux(unique_name(), width=80, height=24)
    yield terminal
    terminal.kill()


def _transcript_rows(tmux: Tmux) -> list[str]:
    """The rows above the input line (the pane is below the transcript at 80 columns, hidden here)."""
    rows = tmux.visible()
    prompt_row = max(index for index, row in enumerate(rows) if "(running)>" in row)
    return rows[:prompt_row]


def _until(condition: Callable[[], bool], tmux: Tmux, timeout: float = 20) -> None:
    deadline = time.monotonic() + timeout
    while not condition():
        assert time.monotonic() < deadline, "\n".join(tmux.visible())
        time.sleep(0.05)


def _wait_for_the_pager(tmux: Tmux) -> None:
    _until(lambda: tmux.visible()[-1:] == [":"], tmux)  # less waits at the end of its first page


def test_scrolling_back_stops_at_the_first_line(tmux: Tmux, shared_guest: str, home: dict[str, str]) -> None:
    prompt = f"{shared_guest} (running)>"
    tmux.start("attach", shared_guest, env=home)
    tmux.wait_for(prompt)
    tmux.type_line(":events off")
    tmux.type_line("help")
    _wait_for_the_pager(tmux)
    tmux.send("q")
    tmux.wait_for(f" {shared_guest} · running")
    for _ in range(30):
        tmux.send("PageUp")
    tmux.wait_for("more lines (Ctrl-End)")
    rows = _transcript_rows(tmux)
    assert rows[0].strip(), "\n".join(rows)  # the first line at the top: no blank space above it
    assert sum(1 for row in rows if row.strip()) > len(rows) // 2, "\n".join(rows)
    first = rows[0]
    tmux.send("PageUp")
    assert _transcript_rows(tmux)[0] == first  # no further
    tmux.send("C-End")
    _until(lambda: "more lines" not in "\n".join(_transcript_rows(tmux)), tmux)


def test_a_short_transcript_does_not_scroll_into_blank_rows(
    tmux: Tmux, shared_guest: str, home: dict[str, str]
) -> None:
    prompt = f"{shared_guest} (running)>"
    tmux.start("attach", shared_guest, env=home)
    tmux.wait_for(prompt)
    tmux.type_line(":events off")
    tmux.type_line("query-name")
    tmux.wait_for(f'"name": "{shared_guest}"')
    before = _transcript_rows(tmux)
    tmux.send("PageUp")
    tmux.send("PageUp")
    tmux.send("-l", "zzz")  # typed after the keys (no menu): once it shows, they have been handled
    tmux.wait_for(f"{prompt} zzz")
    rows = _transcript_rows(tmux)
    assert "more lines" not in "\n".join(rows + before)
    assert any(f'"name": "{shared_guest}"' in row for row in rows), "\n".join(rows)
