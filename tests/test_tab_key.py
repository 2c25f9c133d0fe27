"""Tab and Ctrl-R through prompt_toolkit's pipe input, on a real guest, with the shell's own completer: what the
completions share goes in, a Tab in the same burst as its text (a paste) completes it, the keys after it landing
after; the history search shows its match as it is typed."""

from __future__ import annotations

import asyncio
from collections.abc import Callable
from pathlib import Path

import pytest
from prompt_toolkit.application import create_app_session
from prompt_toolkit.formatted_text.utils import fragment_list_to_text
from prompt_toolkit.history import InMemoryHistory
from prompt_toolkit.input import create_pipe_input
from prompt_toolkit.output import DummyOutput

from tests.conftest import LoopThread
from tests.guest_facts import QemuFacts
from vdbgsh.schema.loading import SchemaCache, load_schema
from vdbgsh.session import Session
from vdbgsh.transport import Target
from vdbgsh.ui.attach import make_completer
from vdbgsh.ui.shell import Shell


def typed(
    loop: LoopThread,
    domain: str,
    cache: Path,
    bursts: list[str],
    look: Callable[[Shell], str] = lambda s: s.buffer.text,
) -> tuple[str, list[str]]:
    """Each burst sent whole (as a paste arrives), then what ``look`` sees once the shell is idle (the input
    line's text); the transcript."""

    async def session() -> tuple[str, list[str]]:
        with create_pipe_input() as pipe, create_app_session(input=pipe, output=DummyOutput()):
            monitor = await Target(domain=domain).open(events=True)
            try:
                loaded = await load_schema(monitor, SchemaCache(cache))
                session = Session(monitor, loaded, colour=False)
                shell = Shell(session, domain, completer=make_completer(session), history=InMemoryHistory())
                lines: list[str] = []

                async def typist() -> None:
                    while not shell.app.is_running:
                        await asyncio.sleep(0.01)
                    for burst in bursts:
                        done = shell.lines_done + burst.count("\r")
                        pipe.send_text(burst)
                        deadline = asyncio.get_running_loop().time() + 10
                        while shell.lines_done < done or shell.tab_key.holding or shell.tab_key.loading:
                            assert asyncio.get_running_loop().time() < deadline, shell.buffer.text
                            await asyncio.sleep(0.02)
                        await asyncio.sleep(0.2)  # a menu opened as typed
                        lines.append(look(shell))
                    shell.leave()

                task = asyncio.get_running_loop().create_task(typist())
                await shell.run("banner")
                await task
                return shell.transcript.text(), lines
            finally:
                await monitor.close()

    return loop.run(session())


@pytest.fixture(scope="module")
def cache(tmp_path_factory: pytest.TempPathFactory) -> Path:
    return tmp_path_factory.mktemp("schema")


def test_a_pasted_line_with_tabs_completes_where_the_tabs_were(
    loop: LoopThread, shared_guest: str, cache: Path, qemu_facts: QemuFacts
) -> None:
    transcript, _ = typed(loop, shared_guest, cache, ["qom-ge\t pa\t/machine pro\ttype\r"])
    assert "(running)> qom-get path=/machine property=type\n" in transcript
    assert f'"{qemu_facts.machine_type}"' in transcript


def test_tab_inserts_what_the_completions_share_then_steps_through_them(
    loop: LoopThread, shared_guest: str, cache: Path
) -> None:
    _, lines = typed(loop, shared_guest, cache, ["blockdev-add driver=qc", "\t", "\t", "\t"])
    assert lines == [
        "blockdev-add driver=qc",
        "blockdev-add driver=qcow",  # shared by qcow and qcow2: the menu stays open on both
        "blockdev-add driver=qcow",  # now Tab steps: qcow first
        "blockdev-add driver=qcow2",
    ]


def shown_input(shell: Shell) -> str:
    """The input line as drawn (while searching, the line found), not the buffer's own text."""
    content = shell.screen.input_control.create_content(200, 1)
    return fragment_list_to_text(content.get_line(0)).rstrip()


def test_ctrl_r_shows_the_line_found_as_the_search_is_typed(loop: LoopThread, shared_guest: str, cache: Path) -> None:
    _, lines = typed(
        loop, shared_guest, cache, ["qom-get path=/machine property=type\r", "query-name\r", "\x12propert"], shown_input
    )
    assert lines[-1] == "qom-get path=/machine property=type"  # no second Ctrl-R needed
