"""`:wait EVENT [member=value ...] [--timeout S]` and `:watch SECONDS COMMAND` on real guests: through prompt_toolkit's
pipe input (what the transcript shows) and in a real terminal (tmux)."""

from __future__ import annotations

import asyncio
import json
import re
import time
from pathlib import Path
from typing import Any

import libvirt
import libvirt_qemu
import pytest

from tests.conftest import LoopThread, unique_name, vdbgsh
from tests.terminal import Tmux
from tests.test_hangs import Terminal
from tests.test_shell import Step, run_shell
from vdbgsh.errors import UsageError
from vdbgsh.events.wait import WaitSpec, matches, parse_wait
from vdbgsh.guest.plain_qemu import PlainQemu
from vdbgsh.render.job_progress import Progress, Rates, progress_lines, progresses
from vdbgsh.schema.model import Schema
from vdbgsh.transport.base import Event
from vdbgsh.ui.shell import Shell

SCHEMA = Schema.from_introspection(
    json.loads((Path(__file__).resolve().parent.parent / "vdbgsh/data/qmp-schema-7.2.json").read_text())
)


@pytest.fixture(scope="module")
def cache(tmp_path_factory: pytest.TempPathFactory) -> Path:
    return tmp_path_factory.mktemp("schema")


def event(name: str, data: dict[str, Any] | None = None) -> Event:
    return Event(name, data or {}, time.time(), "g")


def test_matching_by_name_glob_members_and_nested_paths() -> None:
    ready = parse_wait(["BLOCK_JOB_READY", "device=m0"], SCHEMA)
    assert matches(ready, event("BLOCK_JOB_READY", {"device": "m0", "len": 5}))
    assert not matches(ready, event("BLOCK_JOB_READY", {"device": "m1"}))
    assert not matches(ready, event("BLOCK_JOB_COMPLETED", {"device": "m0"}))
    jobs = parse_wait(["BLOCK_JOB_*", "len=5", "--timeout", "2"], SCHEMA)
    assert jobs.timeout == 2
    assert matches(jobs, event("BLOCK_JOB_COMPLETED", {"device": "m0", "len": 5}))
    nested = WaitSpec("X", (("a.b", "true"), ("a.c", "on")), None)
    assert matches(nested, event("X", {"a": {"b": True, "c": True}}))
    assert not matches(nested, event("X", {"a": {"b": True}}))


@pytest.mark.parametrize(
    ("words", "said"),
    [
        ([], ":wait needs an event name"),
        (
            ["BLOCK_JOB_REDY"],
            ":wait: this QEMU has no event BLOCK_JOB_REDY; "
            "did you mean BLOCK_JOB_READY or BLOCK_JOB_PENDING or BLOCK_JOB_ERROR?",
        ),
        (["STOP", "--timeout"], ":wait --timeout takes a number of seconds above 0 (got nothing)"),
        (["STOP", "--timeout=-1"], ":wait --timeout takes a number of seconds above 0 (got -1)"),
        (["STOP", "--timeout", "nan"], ":wait --timeout takes a number of seconds above 0 (got nan)"),
        (["STOP", "device"], ":wait: device is not member=value"),
        (["STOP", "-x"], ":wait: unknown option -x"),
    ],
)
def test_bad_words_say_what_is_wrong(words: list[str], said: str) -> None:
    with pytest.raises(UsageError) as raised:
        parse_wait(words, SCHEMA)
    assert raised.value.message == said


def typed_while_running(text: str) -> Step:
    """Type a line and go on while it runs (the shell is busy waiting)."""

    async def step(shell: Shell) -> None:
        shell.app.input.send_text(text)  # type: ignore[attr-defined]  # the pipe input
        deadline = time.monotonic() + 10
        while not shell.busy:
            assert time.monotonic() < deadline, "the line did not start"
            await asyncio.sleep(0.01)

    return step


def aside(conn: libvirt.virConnect, guest: str, command: str, **arguments: Any) -> Step:
    """A command sent by another client (libvirt directly), while the shell waits."""

    async def step(shell: Shell) -> None:
        request = json.dumps({"execute": command, "arguments": arguments})
        dom = conn.lookupByName(guest)
        await asyncio.to_thread(libvirt_qemu.qemuMonitorCommand, dom, request, 0)

    return step


def until(predicate: Any, timeout: float = 20) -> Step:
    async def step(shell: Shell) -> None:
        deadline = time.monotonic() + timeout
        while not predicate(shell):
            assert time.monotonic() < deadline, f"not yet: {shell.transcript.text()[-800:]}"
            await asyncio.sleep(0.02)

    return step


def test_wait_shows_the_matching_event_gives_up_and_stops_on_ctrl_c(
    loop: LoopThread, conn: libvirt.virConnect, guest: str, cache: Path
) -> None:
    seen: dict[str, Any] = {}

    async def busy_after_the_first(shell: Shell) -> None:
        seen["busy after kbd1"] = shell.busy

    def deleted(device: str) -> Any:
        return lambda shell: any(
            e.name == "DEVICE_DELETED" and e.data.get("device") == device for e in shell.events.ring
        )

    keys: list[str | Step] = [
        ":confirm off\r",
        "device_add driver=usb-kbd id=kbd1\r",
        "device_add driver=usb-kbd id=kbd2\r",
        ":wait DEVICE_DELETD\r",
        ":wait STOP --timeout 0.3\r",
        typed_while_running(":wait DEVICE_DELETED device=kbd2\r"),
        aside(conn, guest, "device_del", id="kbd1"),
        until(deleted("kbd1")),
        busy_after_the_first,  # kbd1's event is not the one waited for
        aside(conn, guest, "device_del", id="kbd2"),
        until(lambda shell: shell.lines_done == shell.lines_accepted),
        typed_while_running(":wait RESUME\r"),
        "\x03",  # Ctrl-C
        until(lambda shell: not shell.busy),
        "query-name\r",
        ":quit\r",
    ]
    text, _source = run_shell(loop, guest, keys, cache)
    assert seen["busy after kbd1"] is True
    assert "error: :wait: this QEMU has no event DEVICE_DELETD; did you mean DEVICE_DELETED" in text
    assert "error: no STOP came within 0.3 s" in text
    shown = text.split(":wait DEVICE_DELETED device=kbd2", 1)[1]
    assert " DEVICE_DELETED (after " in shown
    assert '"device": "kbd2"' in shown.split(":wait RESUME")[0]
    assert '"kbd1"' not in shown.split(":wait RESUME")[0]
    assert "note: stopped waiting for RESUME (the events go on arriving)" in text
    assert "stopped waiting for the reply" not in text
    assert f'"name": "{guest}"' in text  # the prompt is back


def test_wait_in_a_terminal_with_completion(
    tmux: Tmux, conn: libvirt.virConnect, guest: str, home: dict[str, str]
) -> None:
    prompt = f"{guest} (running)>"
    tmux.start("attach", guest, env=home)
    tmux.wait_for(prompt)
    tmux.send("-l", ":wait DEVICE_DELE")
    tmux.wait_for("{device?, path}")  # the menu: the event and its data members
    tmux.send("Tab")
    tmux.wait_for(f"{prompt} :wait DEVICE_DELETED")
    tmux.send("-l", " pa")
    tmux.wait_for("path")
    tmux.send("C-u")
    tmux.type_line(":wait STOP --timeout 60")
    tmux.wait_for("running :wait STOP")
    conn.lookupByName(guest).suspend()
    tmux.wait_for(" STOP (after ")
    tmux.type_line(":wait RESUME")
    tmux.wait_for("running :wait RESUME")
    tmux.send("C-c")
    tmux.wait_for("stopped waiting for RESUME (the events go on arriving)")
    tmux.type_line("query-status")
    tmux.wait_for('"status": "paused"')


def press(keys: str, settle: float = 0.3) -> Step:
    """Keys that end no line of the shell's own (a watch runs meanwhile), then a moment for the shell."""

    async def step(shell: Shell) -> None:
        shell.app.input.send_text(keys)  # type: ignore[attr-defined]  # the pipe input
        await asyncio.sleep(settle)

    return step


SLOW_MIRROR = [
    ":confirm off\r",
    "blockdev-add driver=null-co node-name=n0 size=1G\r",
    "blockdev-add driver=null-co node-name=n1 size=1G\r",
    # 1 GiB at 4 MiB/s: running for minutes, far longer than the test looks at it.
    "blockdev-mirror job-id=j0 device=n0 target=n1 sync=full speed=4194304\r",
]


def test_watch_redraws_a_job_with_its_progress_until_a_key(loop: LoopThread, guest: str, cache: Path) -> None:
    seen: dict[str, Any] = {}

    async def look(shell: Shell) -> None:
        seen["text"] = shell.watcher.text
        seen["active"] = shell.watcher.active

    keys: list[str | Step] = [
        *SLOW_MIRROR,
        ":watch\r",
        ":watch 0 query-block-jobs\r",
        ":watch 1 stop\r",
        ":watch 1 system_reset\r",
        ":watch 1 query-bogus\r",
        press(":watch 0.3 query-block-jobs\r"),
        # A rate (and so the time left) once the job has copied between two rounds: it copies in bursts.
        until(lambda shell: shell.watcher.rounds >= 4 and " left" in shell.watcher.text, timeout=40),
        look,
        press("x"),  # any key stops it, and is not typed
        until(lambda shell: not shell.watcher.active and shell.lines_done == shell.lines_accepted),
        "query-name\r",
        ":quit\r",
    ]
    text, _source = run_shell(loop, guest, keys, cache)
    assert "error: :watch needs how often and what to run" in text
    assert "error: :watch takes seconds of at least 0.1 first (got 0)" in text
    assert "error: refused: :watch repeats read-only commands only, and stop changes the guest" in text
    assert "error: refused: :watch repeats read-only commands only, and system_reset changes the guest" in text
    assert "unknown command 'query-bogus'" in text
    assert seen["active"] is True
    view = seen["text"]
    assert view.startswith("Every 0.3 s: query-block-jobs")
    assert "any key stops" in view
    bar = next(line for line in view.splitlines() if line.startswith("mirror j0"))
    assert re.search(r"mirror j0 +█*░+ +\d+\.\d% +\d+\.\d MiB/s +\d+:\d\d left", bar), bar
    assert '"device": "j0"' in view  # the reply itself, under the bars
    assert re.search(
        r'"device": "j0",\n(.*\n)*\]\n.*\nnote: :watch stopped after \d+ round\(s\) in [\d.]+ s \(its', text
    )
    assert "(running)> query-name\n{\n" in text  # the stopping key was not typed into the line
    assert f'"name": "{guest}"' in text


@pytest.mark.terminal(120, 30)
def test_watch_in_a_terminal(tmux: Tmux, guest: str, home: dict[str, str]) -> None:
    prompt = f"{guest} (running)>"
    tmux.start("attach", guest, env=home)
    tmux.wait_for(prompt)
    tmux.send("-l", ":watch 1 query-block-j")  # the command after the seconds completes as a line of its own
    tmux.wait_for("query-block-jobs")
    tmux.send("Tab")
    tmux.wait_for(f"{prompt} :watch 1 query-block-jobs")
    tmux.send("C-u")
    for line in SLOW_MIRROR:
        tmux.type_line(line.rstrip("\r"))
    tmux.wait_for("JOB_STATUS_CHANGE")
    tmux.type_line(":watch 0.5 info block-jobs")  # HMP's name: translated, the same bar
    screen = tmux.wait_for("Every 0.5 s: info block-jobs")
    first = re.search(r"round (\d+)", screen)
    assert first is not None
    tmux.wait_for(f"round {int(first[1]) + 2}")  # redrawn in place
    screen = tmux.wait_for(" left")
    assert re.search(r"mirror j0 +█*░+ +\d+\.\d% +[\d.]+ MiB/s", screen), screen
    assert screen.count("Every 0.5 s") == 1
    assert "│ events" in screen  # the events pane stays in view beside the watch
    tmux.send("q")
    tmux.wait_for(":watch stopped after")
    tmux.type_line("query-name")
    tmux.wait_for(f'"name": "{guest}"')


# A destination that takes the stream slowly (4 KiB every 0.5 s): the migration stays active, moving, for a while.
SLOW_DESTINATION = "exec:while head -c 4096 >/dev/null; do sleep 0.5; done"


def test_watch_draws_a_migration_of_a_plain_qemu(tmux: Tmux, qemu: PlainQemu, home: dict[str, str]) -> None:
    tmux.start("attach", "--qmp", f"unix:{qemu.socket_path}", env=home)
    tmux.wait_for("(running)>")
    tmux.type_line(json.dumps({"execute": "migrate", "arguments": {"uri": SLOW_DESTINATION}}))
    tmux.type_line(":watch 0.5 query-migrate")
    screen = tmux.wait_for(" left", timeout=30)
    assert re.search(r"migration \(RAM\) +█*░+ +\d+\.\d% +[\d.]+ (B|KiB|MiB)/s +[\d:]+ left", screen), screen
    assert '"status": "active"' in screen
    tmux.send("q")
    tmux.wait_for(":watch stopped after")
    tmux.type_line("migrate_cancel")
    tmux.type_line("query-migrate")
    tmux.wait_for('"status": "cancel')


def test_progress_of_jobs_and_rates_over_bursts() -> None:
    # query-jobs as QEMU answers while a mirror runs (its members: id, type, status, current- and total-progress).
    jobs = [{"id": "j0", "type": "mirror", "status": "running", "current-progress": 1 << 20, "total-progress": 4 << 20}]
    rates = Rates()
    assert progresses("query-jobs", jobs) == [Progress("j0", "mirror j0", 1 << 20, 4 << 20, "running")]
    first = progress_lines("query-jobs", jobs, rates, width=80, colour=False, now=0.0)
    assert re.fullmatch(r"mirror j0 █+░+ +25\.0% …/s …", first[0].rstrip()), first
    jobs[0]["current-progress"] = 2 << 20  # a burst, then nothing for a round: the rate holds over the window
    progress_lines("query-jobs", jobs, rates, width=80, colour=False, now=1.0)
    later = progress_lines("query-jobs", jobs, rates, width=80, colour=False, now=2.0)
    assert re.search(r"50\.0% 512\.0 KiB/s 0:04 left", later[0]), later
    assert progresses("query-jobs", [{"id": "j1", "total-progress": 0, "current-progress": 0}]) == []


def test_completion_after_watch_seconds_is_the_command_line() -> None:
    from vdbgsh.complete.candidates import SchemaCandidates
    from vdbgsh.complete.context import analyse

    candidates = SchemaCandidates(SCHEMA)
    for line, wanted, start in [
        (":watch 1 query-block-j", "query-block-jobs", 9),
        (":watch 0.5 qom-get pa", "path", 19),
        (":wait BLOCK_JOB_READY dev", "device", 22),
        (":wait JOB_STATUS_CHANGE status=conc", "concluded", 31),
    ]:
        found = analyse(SCHEMA, line)
        assert found.start == start, line
        assert wanted in [candidate.name for candidate in candidates.complete(found.suggestion)], line


def test_wait_in_line_mode_and_watch_said_to_need_the_full_screen(
    conn: libvirt.virConnect, guest: str, tmp_path: Path
) -> None:
    piped = vdbgsh(
        "attach",
        guest,
        input=":wait STOP --timeout 0.5\n:watch 1 query-status\n",
        env={"XDG_STATE_HOME": str(tmp_path)},
    )
    assert "error: no STOP came within 0.5 s" in piped.stdout
    assert "error: :watch needs the interactive shell (vdbgsh attach)" in piped.stdout
    terminal = Terminal(unique_name(), width=100, height=40)
    try:
        terminal.start_catching_ctrl_c("attach", guest, env={"TERM": "dumb"})
        terminal.wait_for(f"{guest} (running)>")
        terminal.type_line(":wait STOP")
        time.sleep(0.5)
        conn.lookupByName(guest).suspend()
        terminal.wait_for(" STOP (after ")
        terminal.type_line(":wait RESUME")
        time.sleep(0.5)
        terminal.send("C-c")
        terminal.wait_for("note: stopped waiting for RESUME (the events go on arriving)")
        terminal.type_line("query-status")
        terminal.wait_for('"status": "paused"')
    finally:
        terminal.kill()


def test_wait_finds_the_event_that_came_after_the_last_command(loop: LoopThread, guest: str, cache: Path) -> None:
    def ready(shell: Shell) -> bool:
        return any(event.name == "BLOCK_JOB_READY" for event in shell.events.ring)

    keys: list[str | Step] = [
        ":confirm off\r",
        "blockdev-add driver=null-co node-name=n0 size=1M\r",
        "blockdev-add driver=null-co node-name=n1 size=1M\r",
        "blockdev-mirror job-id=j0 device=n0 target=n1 sync=full\r",  # a megabyte of nothing: ready at once
        until(ready),
        ":wait BLOCK_JOB_READY device=j0 --timeout 5\r",  # it came already, after the mirror was sent
        ":wait BLOCK_JOB_READY device=j0 --timeout 0.3\r",  # the same one is not found twice
        "block-job-complete device=j0\r",
        until(lambda shell: any(event.name == "BLOCK_JOB_COMPLETED" for event in shell.events.ring)),
        "query-status\r",  # a command after it: an event before that command is not what a wait waits for
        ":wait BLOCK_JOB_COMPLETED --timeout 0.3\r",
        ":quit\r",
    ]
    text, _source = run_shell(loop, guest, keys, cache)
    first = text.split(":wait BLOCK_JOB_READY device=j0 --timeout 5", 1)[1]
    assert re.search(
        r"\d\d:\d\d:\d\d\.\d{3} BLOCK_JOB_READY \(it had come [\d.]+ s before :wait, after the last", first
    )
    assert "error: no BLOCK_JOB_READY device=j0 came within 0.3 s" in text
    assert "error: no BLOCK_JOB_COMPLETED came within 0.3 s" in text
