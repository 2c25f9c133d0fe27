"""The shell's events pane on real guests: through prompt_toolkit's pipe input (what the pane holds, what the
transcript shows) and in a real terminal (tmux): what the guest says, filters, pause, clear, a bounded buffer,
events while a command runs, F2/F3 and the unseen count."""

from __future__ import annotations

import asyncio
import threading
import time
from collections.abc import Callable
from pathlib import Path
from typing import Any

import libvirt
import libvirt_qemu
import pytest
from prompt_toolkit.input import PipeInput

from tests.conftest import LoopThread, unique_name
from tests.terminal import Tmux
from tests.test_events import names, qmp
from tests.test_shell import MonitorWrapper, Step, run_shell
from vdbgsh.transport.base import Event, JSONObject, Reply
from vdbgsh.ui.events_pane import title_fragments
from vdbgsh.ui.shell import Shell


@pytest.fixture(scope="module")
def cache(tmp_path_factory: pytest.TempPathFactory) -> Path:
    return tmp_path_factory.mktemp("schema")


def shown_names(shell: Shell) -> list[str]:
    return names([{"event": n.event.name, "data": n.event.data} for n in shell.events.shown()])


def until(predicate: Callable[[Shell], bool], timeout: float = 20) -> Step:
    async def step(shell: Shell) -> None:
        deadline = time.monotonic() + timeout
        while not predicate(shell):
            assert time.monotonic() < deadline, f"the pane holds only {shown_names(shell)}"
            await asyncio.sleep(0.02)

    return step


def has_event(name: str) -> Callable[[Shell], bool]:
    return lambda shell: name in [event.name for event in shell.events.ring]


def test_the_pane_lists_what_the_guest_says_in_order(loop: LoopThread, guest: str, cache: Path) -> None:
    seen: dict[str, Any] = {}
    keys: list[str | Step] = [
        ":confirm off\r",  # what the guard rails would ask is tested on its own
        "stop\r",
        "cont\r",
        "system_reset\r",
        "system_powerdown\r",
        "device_add driver=usb-kbd id=kbd1\r",
        "device_del id=kbd1\r",
        until(has_event("DEVICE_DELETED")),
        ":events show 1\r",
        "blockdev-add driver=null-co node-name=n0 size=1M\r",
        "blockdev-add driver=null-co node-name=n1 size=1M\r",
        "blockdev-mirror job-id=j0 device=n0 target=n1 sync=full\r",
        until(has_event("BLOCK_JOB_READY")),
        "block-job-complete device=j0\r",
        until(lambda shell: any(e.data and e.data.get("status") == "null" for e in shell.events.ring)),
        ":quit\r",
    ]
    text, _source = run_shell(loop, guest, keys, cache, inspect=lambda shell: seen.update(names=shown_names(shell)))
    assert seen["names"] == [
        "STOP",
        "RESUME",
        "RESET",
        "POWERDOWN",
        "DEVICE_DELETED",
        *["JOB_STATUS_CHANGE"] * 3,
        "BLOCK_JOB_READY",
        *["JOB_STATUS_CHANGE"] * 2,
        "BLOCK_JOB_COMPLETED",
        *["JOB_STATUS_CHANGE"] * 2,
    ]
    # The picked event, whole, as QEMU sent it.
    shown = text.split(":events show 1", 1)[1]
    assert "DEVICE_DELETED (event #" in shown
    assert '"device": "kbd1"' in shown
    assert '"path": "/machine/peripheral/kbd1"' in shown
    assert '"microseconds":' in shown


def test_filters_pause_clear_and_a_bounded_buffer(loop: LoopThread, guest: str, cache: Path) -> None:
    looked: dict[str, Any] = {}

    def look(key: str, what: Callable[[Shell], Any]) -> Step:
        async def step(shell: Shell) -> None:
            looked[key] = what(shell)

        return step

    stop_cont: list[str | Step] = ["stop\r", "cont\r", until(lambda shell: shell.session.run_state == "running")]
    keys: list[str | Step] = [
        ":confirm off\r",
        *stop_cont,
        ":events filter STOP\r",
        look("glob", shown_names),
        ":events filter --regex --no-case ^res\r",
        look("regex", shown_names),
        ":events filter\r",
        ":events grep kbd\r",
        "device_add driver=usb-kbd id=kbd7\r",
        "device_del id=kbd7\r",
        until(has_event("DEVICE_DELETED")),
        look("grep", shown_names),
        ":events grep\r",
        ":events pause\r",
        *stop_cont,
        until(lambda shell: shell.events.ring.total >= 5),
        look("paused", lambda shell: (shown_names(shell), shell.events.waiting())),
        ":events resume\r",
        look("resumed", shown_names),
        ":events clear\r",
        look("cleared", lambda shell: (shown_names(shell), shell.events.ring.total)),
        ":events buffer 2\r",
        *stop_cont,
        *stop_cont,
        until(lambda shell: shell.events.ring.total >= 9),
        look("bounded", lambda shell: (shown_names(shell), shell.events.ring.dropped)),
        ":events sideways\r",
        ":events show 99\r",
        ":events off\r",
        look("hidden", lambda shell: shell.screen.pane_side()),
        ":events\r",
        look("shown", lambda shell: shell.screen.pane_side()),
        ":quit\r",
    ]
    text, _source = run_shell(loop, guest, keys, cache)
    assert looked["glob"] == ["STOP"]
    assert looked["regex"] == ["RESUME"]
    assert looked["grep"] == ["DEVICE_DELETED"]
    assert looked["paused"] == (["STOP", "RESUME", "DEVICE_DELETED"], 2)
    assert looked["resumed"] == ["STOP", "RESUME", "DEVICE_DELETED", "STOP", "RESUME"]
    assert looked["cleared"] == ([], 5)
    assert looked["bounded"] == (["STOP", "RESUME"], 2)
    assert "error: :events has no 'sideways'" in text
    assert "no event 99 back among the 2 shown" in text
    assert looked["hidden"] == ""
    assert looked["shown"] in ("right", "below")


class SlowQueryUUID(MonitorWrapper):
    """Fault injection: the real monitor, except that query-uuid takes three seconds to answer."""

    async def execute_message(self, message: JSONObject) -> Reply:
        if message.get("execute") == "query-uuid":
            await asyncio.sleep(3)
        return await self.monitor.execute_message(message)


def test_events_reach_the_pane_while_a_command_runs(
    loop: LoopThread, conn: libvirt.virConnect, guest: str, cache: Path
) -> None:
    during: dict[str, Any] = {}

    async def cause_and_watch(shell: Shell) -> None:
        typed = shell.app.input
        assert isinstance(typed, PipeInput)
        typed.send_text("query-uuid\r")
        while not shell.busy:
            await asyncio.sleep(0.01)
        await asyncio.to_thread(qmp, conn, guest, "stop")
        await asyncio.to_thread(qmp, conn, guest, "cont")
        while shell.busy and shell.events.ring.total < 2:
            await asyncio.sleep(0.01)
        during.update(busy=shell.busy, names=shown_names(shell))

    run_shell(loop, guest, [cause_and_watch, ":quit\r"], cache, SlowQueryUUID)
    assert during == {"busy": True, "names": ["STOP", "RESUME"]}


def test_commands_are_answered_while_events_pour_in(loop: LoopThread, guest: str, cache: Path) -> None:
    """A stop/cont loop from another client (STOP and RESUME without end): lines typed meanwhile are answered
    while it still runs, not once it is over, and the prompt says running once it is."""
    seen: dict[str, Any] = {}

    def flood(until: threading.Event) -> None:
        own = libvirt.open("qemu:///system")
        try:
            dom = own.lookupByName(guest)
            while not until.is_set():
                libvirt_qemu.qemuMonitorCommand(dom, '{"execute":"stop"}', 0)
                libvirt_qemu.qemuMonitorCommand(dom, '{"execute":"cont"}', 0)
        finally:
            own.close()

    async def type_during_the_flood(shell: Shell) -> None:
        typed = shell.app.input
        assert isinstance(typed, PipeInput)
        done = threading.Event()
        flooding = asyncio.get_running_loop().run_in_executor(None, flood, done)
        try:
            while shell.events.ring.total < 200:
                await asyncio.sleep(0.01)
            meanwhile = []  # events that arrived while each line waited for its answer
            for _ in range(3):
                before = shell.events.ring.total
                typed.send_text("query-name\r")
                wanted = shell.lines_accepted + 1
                deadline = time.monotonic() + 60
                while shell.lines_done < wanted and time.monotonic() < deadline:
                    await asyncio.sleep(0.01)
                meanwhile.append(shell.events.ring.total - before)
            seen["answered while flooding"] = shell.lines_done == shell.lines_accepted and not flooding.done()
            # Counted in events rather than seconds (the machine may be slow): a few while a command is answered,
            # not the thousands that came while lines waited for the flood to pause.
            seen["most events during a line"] = max(meanwhile)
        finally:
            done.set()
            await flooding
        deadline = time.monotonic() + 10
        while shell.session.run_state != "running" and time.monotonic() < deadline:
            await asyncio.sleep(0.05)
        seen["state after"] = shell.session.run_state

    text, _source = run_shell(loop, guest, [type_during_the_flood, ":quit\r"], cache)
    assert seen["answered while flooding"], seen
    assert seen["most events during a line"] < 200, seen
    assert seen["state after"] == "running"
    assert text.count(f'"name": "{guest}"') == 3


def pane_column(screen: str) -> list[str]:
    """What stands right of the separator on each row: the pane beside the transcript."""
    return [line.split("│", 1)[1] for line in screen.splitlines() if "│" in line]


@pytest.mark.terminal(120, 30)
def test_in_a_terminal_beside_the_transcript(
    tmux: Tmux, conn: libvirt.virConnect, guest: str, home: dict[str, str]
) -> None:
    prompt = f"{guest} (running)>"
    tmux.start("attach", guest, env=home)
    tmux.wait_for(prompt)
    qmp(conn, guest, "stop")  # from elsewhere: the pane shows it without a key pressed
    qmp(conn, guest, "cont")
    tmux.wait_for("RESUME")
    column = pane_column(tmux.screen(joined=False))
    assert column[0].startswith(" events 2")
    assert [row.split()[1] for row in column[1:3]] == ["STOP", "RESUME"]
    assert all(len(row.split()[0]) == len("12:34:56.789") for row in column[1:3])
    tmux.send("F2")  # hidden: the toolbar counts what arrives meanwhile
    qmp(conn, guest, "stop")
    tmux.wait_for("1 unseen events (F2)")
    assert "│" not in tmux.screen(joined=False)
    tmux.send("F2")
    tmux.wait_for(f"{guest} · paused · events: 3")
    tmux.send("F3")  # into the pane: the newest is picked; Up goes to the one before
    tmux.wait_for("Enter JSON")
    tmux.send("Up")
    tmux.send("Enter")
    tmux.wait_for("RESUME (event #2)")
    tmux.wait_for('"event": "RESUME",')
    tmux.send("Escape")
    tmux.wait_for("F3 pick one")
    tmux.type_line("cont")
    tmux.wait_for(f"{guest} (paused)> cont")
    tmux.wait_for("[y/N]")  # the guard rails ask first: libvirt tracks the run state
    tmux.send("y")
    tmux.wait_for(f"{guest} · running · events: 4")


def test_in_a_narrow_terminal_below_the_transcript(
    conn: libvirt.virConnect, shared_guest: str, home: dict[str, str]
) -> None:
    narrow = Tmux(unique_name(), width=80, height=24)
    try:
        narrow.start("attach", shared_guest, env=home)
        narrow.wait_for(f"{shared_guest} (running)>")
        qmp(conn, shared_guest, "stop")
        qmp(conn, shared_guest, "cont")
        narrow.wait_for("RESUME")
        # The prompt follows the guest: it says running again once the state asked after RESUME has come.
        screen = narrow.wait_for(f"{shared_guest} (running)>")
        rows = screen.splitlines()
        title = next(i for i, row in enumerate(rows) if row.startswith(" events "))
        assert "STOP" in rows[title + 1]
        assert "RESUME" in rows[title + 2]
        assert rows.index(next(r for r in rows if r.startswith(f"{shared_guest} (running)>"))) > title
        assert "│" not in screen
    finally:
        narrow.kill()


def test_a_hundred_thousand_events_keep_the_pane_bounded_and_the_shell_usable(
    loop: LoopThread, shared_guest: str, cache: Path
) -> None:
    """Fault injection at the shell's event entry: QEMU cannot be made to send 100,000 events in a test's time
    (a stop/cont loop gives ~600 a second; `make bench` sends 10,000 real ones)."""
    seen: dict[str, Any] = {}

    async def flood(shell: Shell) -> None:
        typed = shell.app.input
        assert isinstance(typed, PipeInput)
        typed.send_text("query-name\r")  # answered while the flood goes on
        base = time.time()
        for i in range(100_000):
            shell.on_event(Event("BLOCK_IO_ERROR", {"device": f"d{i % 7}", "nospace": False}, base + i / 1e6, "g"))
            if i % 1_000 == 0:
                await asyncio.sleep(0)  # the loop runs between bursts, as between libvirt's callbacks
        while shell.lines_done < shell.lines_accepted:
            await asyncio.sleep(0.01)
        await asyncio.sleep(0.2)  # a redraw of the flooded screen
        ring = shell.events.ring
        seen.update(total=ring.total, held=len(ring), dropped=ring.dropped, unseen=shell.events.unseen)
        seen["title"] = "".join(text for _style, text, *_ in title_fragments(shell.events, focused=False))

    text, _source = run_shell(loop, shared_guest, [flood, ":events show 1\r", ":quit\r"], cache)
    assert seen["total"] == 100_000
    assert (seen["held"], seen["dropped"]) == (10_000, 90_000)
    assert seen["title"].startswith(" events 100,000 · 90,000 dropped (buffer 10,000)")
    assert f'"name": "{shared_guest}"' in text
    assert "BLOCK_IO_ERROR (event #100000)" in text
