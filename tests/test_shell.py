"""The shell through prompt_toolkit's pipe input, on a real guest: what the user types, what they see."""

from __future__ import annotations

import asyncio
import re
import time
from collections.abc import Awaitable, Callable, Sequence
from pathlib import Path
from typing import Any

import pytest
from prompt_toolkit.application import create_app_session
from prompt_toolkit.history import InMemoryHistory
from prompt_toolkit.input import PipeInput, create_pipe_input
from prompt_toolkit.output import DummyOutput

from tests.conftest import LoopThread
from tests.guest_facts import QemuFacts
from vdbgsh.schema.loading import SchemaCache, load_schema
from vdbgsh.session import Session
from vdbgsh.transport import Monitor, Reply, Target
from vdbgsh.transport.base import JSONObject
from vdbgsh.ui.history_file import open_history
from vdbgsh.ui.shell import Shell


def run_shell(
    loop: LoopThread,
    domain: str,
    keys: Sequence[str | Step],
    cache: Path,
    wrap: Callable[[Monitor], Any] = lambda m: m,
    *,
    inspect: Callable[[Shell], None] = lambda shell: None,
) -> tuple[str, str]:
    """Type ``keys`` into a shell on ``domain`` as a user would (each after the previous line has finished; a
    ``Step`` is awaited in between, to act on the guest or look at the shell); returns the transcript as the user
    reads it and where the schema came from. ``wrap`` may put a fault injector around the real monitor;
    ``inspect`` sees the shell once it has ended."""

    async def session() -> tuple[str, str]:
        with create_pipe_input() as pipe, create_app_session(input=pipe, output=DummyOutput()):
            real = await Target(domain=domain).open(events=True)
            monitor = wrap(real)
            try:
                loaded = await load_schema(monitor, SchemaCache(cache))
                shell = Shell(Session(monitor, loaded, colour=False), domain, history=InMemoryHistory())
                typist = asyncio.get_running_loop().create_task(type_keys(shell, pipe, keys))
                await shell.run("banner")
                if typist.done() and typist.exception() is not None:
                    raise typist.exception()  # type: ignore[misc]
                typist.cancel()
                inspect(shell)
                return loaded.source, shell.transcript.text()
            finally:
                await real.close()

    source, text = loop.run(session())
    return text, source


Step = Callable[[Shell], Awaitable[None]]


async def type_keys(shell: Shell, pipe: PipeInput, keys: Sequence[str | Step]) -> None:
    try:
        await _type_keys(shell, pipe, keys)
    except BaseException:
        shell.leave()  # a failed step ends the shell, and the test shows why
        raise


async def _type_keys(shell: Shell, pipe: PipeInput, keys: Sequence[str | Step]) -> None:
    loop = asyncio.get_running_loop()
    # Keys sent before the shell listens would be read late, after the steps meant to follow them (a busy machine).
    while not shell.app.is_running:
        await asyncio.sleep(0.01)
    for key in keys:
        if not isinstance(key, str):
            await key(shell)
            continue
        wanted = shell.lines_accepted + key.count("\r")
        pipe.send_text(key)
        await asyncio.sleep(0.05)  # the keys reach the shell
        deadline = loop.time() + 5  # an Enter may not end a line (a question asked)
        while shell.lines_accepted < wanted and not _continued(shell, key) and loop.time() < deadline:
            await asyncio.sleep(0.01)
        while shell.lines_done < shell.lines_accepted:
            await asyncio.sleep(0.02)


def _continued(shell: Shell, key: str) -> bool:
    """The key's Enter went into the line as a newline (an open JSON object): the line goes on, none is taken."""
    text = shell.buffer.text
    typed = key.rstrip("\r").rsplit("\r", 1)[-1].strip()
    kept = text.rstrip(" ")
    return key.endswith("\r") and kept.endswith("\n") and kept.rstrip().endswith(typed)


@pytest.fixture(scope="module")
def cache(tmp_path_factory: pytest.TempPathFactory) -> Path:
    return tmp_path_factory.mktemp("schema")


def test_commands_replies_and_errors(loop: LoopThread, shared_guest: str, cache: Path, qemu_facts: QemuFacts) -> None:
    text, _source = run_shell(
        loop,
        shared_guest,
        [
            "query-name\r",
            "qom-get path=/machine property=type\r",
            "qom-get path=/machine propery=type\r",
            "query-statsu\r",
            "!query-status bogus=1\r",
            ":quit\r",
        ],
        cache,
    )
    assert f'"name": "{shared_guest}"' in text
    assert f'"{qemu_facts.machine_type}"' in text
    assert "error: unknown argument 'propery'; did you mean property?" in text
    assert "  qom-get path=/machine propery=type\n                        ^" in text
    assert "error: unknown command 'query-statsu'; did you mean query-stats or query-status" in text
    assert "GenericError: Parameter 'bogus' is unexpected" in text
    assert re.search(r"\(\d+\.\d ms\)", text)


def test_json_spread_over_lines(loop: LoopThread, shared_guest: str, cache: Path, qemu_facts: QemuFacts) -> None:
    started = time.monotonic()
    text, _source = run_shell(
        loop,
        shared_guest,
        [
            '{"execute": "qom-get",\r',
            ' "arguments":\r',
            ' {"path": "/machine",\r',
            ' "property": "type"}}\r',
            ":q\r",
        ],
        cache,
    )
    assert f'"{qemu_facts.machine_type}"' in text
    # The typist sees each continuation line taken (it waited out a 5 s deadline on each: 15 s here).
    assert time.monotonic() - started < 10


def test_meta_commands(loop: LoopThread, shared_guest: str, cache: Path, qemu_facts: QemuFacts) -> None:
    text, _source = run_shell(
        loop,
        shared_guest,
        [
            ":output compact\r",
            "query-status\r",
            ":verbose on\r",
            ":timing off\r",
            "query-name\r",
            ":output table\r",
            "query-chardev\r",
            ":output sideways\r",
            ":bogus\r",
            ":history 2\r",
            "help\r",
            "help query-status\r",
            "help SHUTDOWN\r",
            ":help :\r",
            "exit\r",
        ],
        cache,
    )
    assert qemu_facts.compact_status() in text
    assert '→ {"execute":"query-name"}' in text
    # As a table: a header row of member names, no JSON keys.
    assert re.search(r"frontend-open +filename +label", text)
    assert '"frontend-open"' not in text
    assert "error: :output takes one of: pretty, compact, table (got 'sideways')" in text
    assert "error: unknown meta-command ':bogus'" in text
    assert re.search(r"\d+  :history 2", text)
    assert f"returns: {qemu_facts.status_returns()}" in text  # the guest's own schema
    assert "reason" in text.split("help SHUTDOWN", 1)[1]  # the event's data
    assert ":output pretty|compact|table" in text


def test_run_state_follows_the_guest(loop: LoopThread, guest: str, cache: Path) -> None:
    text, _source = run_shell(
        loop, guest, [":confirm off\r", "stop\r", "query-name\r", "cont\r", "query-name\r", ":quit\r"], cache
    )
    assert f"{guest} (paused)> query-name" in text
    assert f"{guest} (running)> query-name" in text


def test_history_file_is_private(tmp_path: Path) -> None:
    path = tmp_path / "state" / "history"
    history = open_history(path)
    history.append_string("set_password protocol=vnc password=secret")
    assert path.stat().st_mode & 0o777 == 0o600
    assert path.parent.stat().st_mode & 0o777 == 0o700
    # Kept masked (issue 6): tests/test_secrets.py covers the masking itself.
    assert "set_password protocol=vnc password=********" in list(open_history(path).load_history_strings())


class MonitorWrapper:
    """The real monitor, with whatever a subclass changes for fault injection."""

    def __init__(self, monitor: Monitor) -> None:
        self.monitor = monitor

    def __getattr__(self, name: str) -> Any:
        return getattr(self.monitor, name)


class SlowStatus(MonitorWrapper):
    """Fault injection: query-status answers late, so the state it carries may be out of date when it arrives."""

    def __init__(self, monitor: Monitor) -> None:
        super().__init__(monitor)
        self.asked = 0

    async def execute(self, command: str, arguments: JSONObject | None = None) -> Reply:
        reply = await self.monitor.execute(command, arguments)
        if command == "query-status":
            self.asked += 1
            await asyncio.sleep(0.5)
        return reply


async def virsh(*args: str) -> None:
    process = await asyncio.create_subprocess_exec("virsh", "-q", *args, stdout=asyncio.subprocess.DEVNULL)
    assert await process.wait() == 0


def test_a_state_change_during_a_late_answer_is_asked_again(loop: LoopThread, guest: str, cache: Path) -> None:
    """Paused and resumed by another client while the answer about the pause is on its way: the prompt ends up
    saying running, not the paused the late answer carried."""
    seen: list[str] = []

    async def pause_and_resume(shell: Shell) -> None:
        slow = shell.session.monitor
        assert isinstance(slow, SlowStatus)
        asked = slow.asked
        await virsh("suspend", guest)
        while slow.asked == asked:  # the STOP event asked; the answer (paused) is on its way
            await asyncio.sleep(0.01)
        await virsh("resume", guest)
        deadline = asyncio.get_running_loop().time() + 10
        while asyncio.get_running_loop().time() < deadline and (shell.session.run_state != "running" or shell.busy):
            await asyncio.sleep(0.05)
        await asyncio.sleep(1.5)  # any answer still on its way arrives
        seen.append(shell.session.run_state)

    text, _source = run_shell(loop, guest, [pause_and_resume, "query-name\r", ":quit\r"], cache, SlowStatus)
    assert seen == ["running"]
    assert f"{guest} (running)> query-name" in text


class WithoutIntrospection(MonitorWrapper):
    """Fault injection: a QEMU whose query-qmp-schema is missing (the monitor is otherwise the real one)."""

    async def execute_message(self, message: JSONObject) -> Reply:
        if message.get("execute") == "query-qmp-schema":
            return Reply(
                {"error": {"class": "CommandNotFound", "desc": "The command query-qmp-schema has not been found"}}
            )
        return await self.monitor.execute_message(message)


def test_without_introspection_the_shell_falls_back_to_command_names(
    loop: LoopThread, shared_guest: str, tmp_path: Path, qemu_facts: QemuFacts
) -> None:
    keys = ["qom-get path=/machine property=type\r", "query-statsu\r", ":q\r"]
    text, source = run_shell(loop, shared_guest, keys, tmp_path, WithoutIntrospection)
    assert source == "query-commands"
    assert f'"{qemu_facts.machine_type}"' in text  # sent unchecked, typed loosely
    assert "error: unknown command 'query-statsu'; did you mean query-stats" in text  # names are still known
    assert list(tmp_path.iterdir()) == []  # nothing cached from a fallback
