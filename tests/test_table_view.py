"""`:output table` on the replies people ask for (issue 13, item 8): block jobs and named block nodes (nested) get
tables, and a table wider than the transcript leaves columns out with a note naming them, never silently."""

from __future__ import annotations

import re
from pathlib import Path

import pytest

from tests.conftest import LoopThread
from tests.terminal import Tmux
from tests.test_guard_session import Asker, with_session
from vdbgsh.session import Session
from vdbgsh.transport import Target

SETUP = (
    ":output table",
    "blockdev-add driver=null-co node-name=src size=1073741824",
    "blockdev-add driver=null-co node-name=dst size=1073741824",
    "blockdev-backup job-id=job0 device=src target=dst sync=full speed=1",
    # A named bitmap: every QEMU lists it (11.1 no longer lists the backup job's own, unnamed one).
    "block-dirty-bitmap-add node=src name=b0",
)


def left_out(text: str) -> list[str]:
    """The columns the note under a table names, its rows joined again."""
    noted = re.search(r"^not shown, too wide for 93 columns: (.+?) \(:output pretty shows them\)$", text, re.M | re.S)
    return noted.group(1).replace("\n", " ").split(", ") if noted else []


def test_block_jobs_and_named_block_nodes_are_tables(loop: LoopThread, guest: str, tmp_path: Path) -> None:
    async def work(session: Session) -> list[str]:
        session.confirm = Asker(*[True] * 8)
        session.width = lambda: 93  # the transcript beside the events pane of a 140-column terminal
        for line in SETUP:
            assert "rror" not in (await session.run(line)).text, line
        return [(await session.run(line)).text for line in ("query-block-jobs", "query-named-block-nodes")]

    jobs, nodes = with_session(loop, Target(domain=guest), tmp_path, work)
    for text in (jobs, nodes):
        assert not text.lstrip().startswith(("[", "{")), text  # not the JSON fallback
        assert all(len(line) <= 93 for line in text.splitlines()), text
    header = jobs.splitlines()[0].split()
    assert "device" in header
    assert "job0" in jobs
    assert left_out(jobs), jobs
    assert "node-name" in nodes.splitlines()[0].split()
    assert re.search(r"^ .* src ", nodes, re.M), nodes
    assert re.search(r"^ .* dst ", nodes, re.M), nodes
    assert "image.virtual-size" in left_out(nodes) or "image.virtual-size" in nodes
    assert "dirty-bitmaps of node-name src:" in nodes  # a list of objects inside a row: a table of its own


def test_an_empty_list_says_so(loop: LoopThread, shared_guest: str, tmp_path: Path) -> None:
    async def work(session: Session) -> str:
        await session.run(":output table")
        return (await session.run("query-block-jobs")).text

    text = with_session(loop, Target(domain=shared_guest), tmp_path, work)
    assert text.startswith("no rows: the reply is an empty list"), text


@pytest.mark.terminal(140, 40)
def test_the_cpus_table_keeps_or_names_every_column_at_the_pane_edge(
    tmux: Tmux, shared_guest: str, home: dict[str, str]
) -> None:
    tmux.start("attach", shared_guest, env=home)
    tmux.wait_for(f"{shared_guest} (running)>")
    tmux.type_line(":output table")
    tmux.type_line("query-cpus-fast")
    screen = tmux.wait_for("thread-id")
    assert "x86_64" in screen, screen  # the target column, the last one


def test_a_reply_that_is_no_table_says_why_it_is_json(loop: LoopThread, shared_guest: str, tmp_path: Path) -> None:
    async def work(session: Session) -> str:
        await session.run(":output table")
        return (await session.run("query-status")).text

    text = with_session(loop, Target(domain=shared_guest), tmp_path, work)
    assert '"status": "running"' in text
    assert "no table: the reply is not a list of objects (shown as JSON)" in text
