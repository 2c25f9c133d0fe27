"""Each event in the pane's detail view linked to the command this shell sent that most likely caused it (same job,
device or node, sent before it), on a real guest: through prompt_toolkit's pipe input and in a real terminal."""

from __future__ import annotations

import time
from pathlib import Path

import libvirt
import pytest

from tests.conftest import LoopThread
from tests.terminal import Tmux
from tests.test_shell import Step, run_shell
from tests.test_wait_watch import aside, until
from vdbgsh.events.cause import CauseLog, cause_line
from vdbgsh.transport.base import Event


@pytest.fixture(scope="module")
def cache(tmp_path_factory: pytest.TempPathFactory) -> Path:
    return tmp_path_factory.mktemp("schema")


def test_the_latest_command_naming_the_same_job_is_the_cause() -> None:
    log = CauseLog()
    log.record({"execute": "blockdev-mirror", "arguments": {"job-id": "j0", "device": "n0", "target": "n1"}}, 0.0)
    log.record({"execute": "query-block-jobs"}, 0.0)  # a question causes nothing
    log.record({"execute": "block-job-complete", "arguments": {"device": "j0"}}, 0.0)
    log.record({"execute": "set_password", "arguments": {"protocol": "vnc", "password": "hunter2", "id": "x"}}, 0.0)
    now = time.time()
    ready = log.cause(Event("BLOCK_JOB_READY", {"device": "j0", "type": "mirror"}, now, "g"))
    assert ready is not None
    assert ready.request["execute"] == "block-job-complete"
    assert ready.shared == "device j0"
    assert log.cause(Event("STOP", {}, now, "g")) is None  # no stop was sent
    assert log.cause(Event("DEVICE_DELETED", {"device": "other"}, now, "g")) is None
    masked = cause_line(log.cause(Event("X", {"id": "x"}, now, "g")))
    assert "hunter2" not in masked
    assert "set_password" in masked
    # Sent after the event came: not its cause, whatever QEMU's clock says.
    early = Event("JOB_STATUS_CHANGE", {"id": "j1"}, now + 3600, "g")
    log.arrived(early)
    log.record({"execute": "block-job-cancel", "arguments": {"device": "j1"}}, 0.0)
    assert log.cause(early) is None


def test_the_detail_view_names_the_cause(loop: LoopThread, conn: libvirt.virConnect, guest: str, cache: Path) -> None:
    def has(name: str, **data: str) -> Step:
        return until(
            lambda shell: any(
                e.name == name and all(e.data.get(k) == v for k, v in data.items()) for e in shell.events.ring
            )
        )

    keys: list[str | Step] = [
        ":confirm off\r",
        "blockdev-add driver=null-co node-name=n0 size=1M\r",
        "blockdev-add driver=null-co node-name=n1 size=1M\r",
        "blockdev-mirror job-id=j0 device=n0 target=n1 sync=full\r",
        has("BLOCK_JOB_READY"),
        "block-job-complete device=j0\r",
        has("BLOCK_JOB_COMPLETED"),
        "stop\r",
        has("STOP"),
        aside(conn, guest, "cont"),  # another client's: no cause known here
        has("RESUME"),
        ":events filter BLOCK_JOB_READY\r",
        ":events show 1\r",
        ":events filter BLOCK_JOB_COMPLETED\r",
        ":events show 1\r",
        ":events filter STOP\r",
        ":events show 1\r",
        ":events filter RESUME\r",
        ":events show 1\r",
        ":quit\r",
    ]
    text, _source = run_shell(loop, guest, keys, cache)
    shown = text.split(":events filter BLOCK_JOB_READY", 1)[1].split(":events filter")
    ready, completed, stop, resume = shown
    assert (
        'most likely caused by {"execute":"blockdev-mirror","arguments":{"job-id":"j0","device":"n0",'
        '"target":"n1","sync":"full"}} (sent ' in ready
    )
    assert "same device j0)" in ready
    assert 'most likely caused by {"execute":"block-job-complete","arguments":{"device":"j0"}}' in completed
    assert 'most likely caused by {"execute":"stop"} (sent ' in stop
    assert "most likely caused by" not in resume


@pytest.mark.terminal(140, 30)
def test_the_cause_in_a_terminal(tmux: Tmux, guest: str, home: dict[str, str]) -> None:
    prompt = f"{guest} (running)>"
    tmux.start("attach", "-y", guest, env=home)
    tmux.wait_for(prompt)
    tmux.type_line("device_add driver=usb-kbd id=kbd1")
    tmux.wait_for("(", count=1)
    tmux.type_line("device_del id=kbd1")
    tmux.wait_for("DEVICE_DELETED")
    tmux.send("F3")  # the newest picked: shown whole in the pane, its cause under it
    screen = tmux.wait_for("← most likely caused by")
    pane = "".join(row.split("│", 1)[1].strip() for row in tmux.visible() if "│" in row)
    # (rows joined: the blank where a row broke is gone)
    assert '← most likely caused by{"execute":"device_del","arguments":{"id":"kbd1"}} (sent' in pane
    tmux.send("Enter")  # and in the transcript, with the event as QEMU sent it
    screen = tmux.wait_for("most likely caused by", count=2)
    assert '{"execute":"device_del","arguments":{"id":"kbd1"}}' in screen.replace("\n", "")
