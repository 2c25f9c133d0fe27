"""Transcripts on real guests: exec --log and a session's :log (with events), replay onto another guest, the
exported script run by bash, and bad transcript lines."""

from __future__ import annotations

import asyncio
import json
import os
import re
import stat
import subprocess
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import libvirt
import pytest

from tests.conftest import VDBGSH, LoopThread, running_guest, vdbgsh
from vdbgsh.guest.plain_qemu import PlainQemu
from vdbgsh.schema.loading import SchemaCache, load_schema
from vdbgsh.session import Session
from vdbgsh.transcript.records import TranscriptError, parse_transcript
from vdbgsh.transport import Event, Target

ISO_UTC = re.compile(r"^\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d\.\d{6}Z$")


def records(path: Path) -> list[dict[str, Any]]:
    return [json.loads(line) for line in path.read_text().splitlines()]


def status(domain: str) -> str:
    done = vdbgsh("exec", domain, "query-status")
    assert done.returncode == 0, done.stderr
    return str(json.loads(done.stdout)["status"])


def test_exec_log_records_requests_and_replies_masked(guest: str, tmp_path: Path) -> None:
    log = tmp_path / "exec.jsonl"
    assert vdbgsh("exec", "--log", str(log), guest, "query-status").returncode == 0
    masked = vdbgsh("exec", "--log", str(log), "--yes", guest, "set_password", "protocol=vnc", "password=hunter2")
    assert masked.returncode == 1  # the test guest has no VNC display: QEMU says so, and that is recorded too
    as_json = '{"execute":"change-vnc-password","arguments":{"password":"hunter2"}}'
    assert vdbgsh("exec", "--log", str(log), "--yes", guest, as_json).returncode == 1
    batch = vdbgsh("exec", "--log", str(log), "--yes", guest, "-", input="stop\nquery-status\ncont\n")
    assert batch.returncode == 0, batch.stderr

    assert stat.S_IMODE(log.stat().st_mode) == 0o600
    assert "hunter2" not in log.read_text()
    written = records(log)
    assert [r["type"] for r in written if r["type"] in ("start", "end")] == ["start", "end"] * 4
    requests = [r for r in written if r["type"] == "request"]
    assert [r["line"] for r in requests] == [
        "query-status",
        "set_password protocol=vnc password=********",
        '{"execute":"change-vnc-password","arguments":{"password":"********"}}',
        "stop",
        "query-status",
        "cont",
    ]
    assert requests[1]["request"] == {
        "execute": "set_password",
        "arguments": {"protocol": "vnc", "password": "********"},
    }
    assert requests[1]["masked"] == ["arguments.password"]
    replies = [r for r in written if r["type"] == "reply"]
    assert replies[4]["reply"]["return"]["status"] == "paused"
    assert [r["seq"] for r in replies] == [1, 1, 1, 1, 2, 3]
    assert all(ISO_UTC.match(r["timestamp"]) and r["domain"] == guest for r in written)


def test_exec_log_appends_and_makes_the_file_private(shared_guest: str, tmp_path: Path) -> None:
    log = tmp_path / "old.jsonl"
    log.write_text('{"timestamp":"2024-01-01T00:00:00.000000Z","type":"end","domain":"x"}\n')
    log.chmod(0o644)
    assert vdbgsh("exec", "--log", str(log), shared_guest, "query-name").returncode == 0
    assert stat.S_IMODE(log.stat().st_mode) == 0o600
    assert [r["type"] for r in records(log)] == ["end", "start", "request", "reply", "end"]


def test_exec_log_to_a_bad_path_is_one_line_and_sends_nothing(shared_guest: str, tmp_path: Path) -> None:
    done = vdbgsh("exec", "--log", str(tmp_path / "no" / "such" / "dir.jsonl"), shared_guest, "stop")
    assert done.returncode == 2
    assert done.stderr.startswith("vdbgsh: error: cannot open transcript ")
    assert "No such file or directory" in done.stderr
    assert len(done.stderr.strip().splitlines()) == 1
    assert status(shared_guest) == "running"


@pytest.fixture
def qemu_session(loop: LoopThread, qemu: PlainQemu, tmp_path: Path) -> Iterator[Session]:
    """A session on a plain QEMU of the test's own, fed its events as the shell feeds them."""

    async def opened() -> Session:
        monitor = await Target(qmp=qemu.address).open(events=True)
        loaded = await load_schema(monitor, SchemaCache(tmp_path / "schema"))
        session = Session(monitor, loaded, colour=False)

        def on_event(event: Event) -> None:
            session.on_event(event)  # as the shell does: its answer (ask for the run state) is the UI's

        monitor.subscribe(on_event)
        return session

    session = loop.run(opened())
    yield session
    loop.run(session.monitor.close())


def wait_for(loop: LoopThread, path: Path, text: str) -> None:
    async def poll() -> None:
        while text not in path.read_text():
            await asyncio.sleep(0.02)

    loop.run(poll(), timeout=10)


def test_a_session_log_holds_requests_replies_and_events(
    loop: LoopThread, qemu_session: Session, tmp_path: Path
) -> None:
    log = tmp_path / "session.jsonl"
    assert loop.run(qemu_session.run(":log")).text == "log: off"
    assert loop.run(qemu_session.run(f":log {log}")).text == f"log: recording to {log}"
    for line in [
        "stop",
        "object_add secret,id=s0,data=hunter2",
        '{"execute": "object-add", "arguments": {"qom-type": "secret", "id": "s1", "data": "hunter2"}}',
        "set_password vnc hunter2",
        "cont",
        "qom-get path=/objects/s0 property=format",
    ]:
        loop.run(qemu_session.run(line))
    wait_for(loop, log, '"RESUME"')
    assert loop.run(qemu_session.run(":log off")).text == f"log: {log} closed"
    loop.run(qemu_session.run("query-status"))  # not recorded any more

    assert stat.S_IMODE(log.stat().st_mode) == 0o600
    assert "hunter2" not in log.read_text()
    written = records(log)
    assert written[0]["type"] == "start"
    assert written[-1]["type"] == "end"
    events = [r for r in written if r["type"] == "event"]
    assert [e["event"] for e in events] == ["STOP", "RESUME"]
    assert all(ISO_UTC.match(r["timestamp"]) for r in written)
    requests = {r["seq"]: r for r in written if r["type"] == "request"}
    replies = {r["seq"]: r for r in written if r["type"] == "reply"}
    assert [requests[n]["line"] for n in sorted(requests)] == [
        "stop",
        "object_add secret,id=s0,data=********",
        '{"execute": "object-add", "arguments": {"qom-type": "secret", "id": "s1", "data": "********"}}',
        "set_password vnc ********",
        "cont",
        "qom-get path=/objects/s0 property=format",
    ]
    assert requests[2]["request"]["arguments"] == {"qom-type": "secret", "id": "s0", "data": "********"}
    assert replies[2]["reply"]["return"] == {}
    assert replies[6]["reply"]["return"] == "raw"  # the secret object was made with the real data
    assert "query-status" not in log.read_text()
    assert parse_transcript(log.read_bytes().splitlines(keepends=True), str(log))


def test_log_to_a_bad_path_is_one_line(loop: LoopThread, qemu_session: Session, tmp_path: Path) -> None:
    outcome = loop.run(qemu_session.run(f":log {tmp_path}/missing/t.jsonl"))
    assert outcome.text.startswith("error: cannot open transcript ")
    assert "\n" not in outcome.text
    assert qemu_session.transcript is None


def test_replay_onto_another_guest_and_the_script_do_the_same(
    conn: libvirt.virConnect, guest: str, tmp_path: Path
) -> None:
    log = tmp_path / "stop.jsonl"
    assert vdbgsh("exec", "--log", str(log), "--yes", guest, "stop").returncode == 0
    assert status(guest) == "paused"

    with running_guest(conn) as other:
        done = vdbgsh("replay", "--yes", str(log), other)
        assert done.returncode == 0, done.stderr
        assert done.stdout == "{}\n"
        assert status(other) == "paused"

    script = vdbgsh("replay", "--yes", "--script", str(log))
    assert script.returncode == 0
    assert f"target=${{1:-{guest}}}" in script.stdout
    assert '"$vdbgsh" exec --yes "$target" stop' in script.stdout
    path = tmp_path / "stop.sh"
    path.write_text(script.stdout)
    with running_guest(conn) as third:
        env = {**os.environ, "VDBGSH": VDBGSH}
        env.pop("LIBVIRT_DEFAULT_URI", None)
        run = subprocess.run(
            ["bash", str(path), third], check=False, capture_output=True, text=True, env=env, timeout=60
        )
        assert run.returncode == 0, run.stderr
        assert run.stdout == "{}\n"
        assert status(third) == "paused"


def test_replay_refuses_masked_secrets_and_can_skip_them(shared_guest: str, tmp_path: Path) -> None:
    log = tmp_path / "masked.jsonl"
    vdbgsh("exec", "--log", str(log), "--yes", shared_guest, "set_password", "protocol=vnc", "password=hunter2")
    vdbgsh("exec", "--log", str(log), shared_guest, "query-name")
    refused = vdbgsh("replay", str(log))
    assert refused.returncode == 2
    assert refused.stdout == ""
    assert refused.stderr.splitlines()[0] == (
        f"vdbgsh: error: {log}:2: set_password's arguments.password was masked when recorded; nothing sent"
    )
    skipped = vdbgsh("replay", "--skip-masked", str(log))
    assert skipped.returncode == 0, skipped.stderr
    assert json.loads(skipped.stdout) == {"name": shared_guest}
    assert f"{log}:2: set_password skipped: its secret was masked" in skipped.stderr

    script = vdbgsh("replay", "--script", str(log)).stdout
    assert "# secret masked when recorded (arguments.password)" in script
    assert "hunter2" not in script
    run = subprocess.run(
        ["bash", "-c", script, "script"],
        check=False,
        capture_output=True,
        text=True,
        env={**os.environ, "VDBGSH": VDBGSH},
    )
    assert run.returncode == 0, run.stderr
    assert "skipped line 2 (set_password): its secret was masked" in run.stderr
    assert json.loads(run.stdout) == {"name": shared_guest}


def test_replay_dry_run_and_several_domains(tmp_path: Path) -> None:
    log = tmp_path / "two.jsonl"
    lines = [
        {
            "timestamp": "2024-01-01T00:00:00.000000Z",
            "type": "request",
            "domain": name,
            "seq": 1,
            "line": command,
            "request": {"execute": command},
        }
        for name, command in [("a", "stop"), ("b", "cont")]
    ]
    log.write_text("".join(json.dumps(line) + "\n" for line in lines))
    done = vdbgsh("replay", str(log))
    assert done.returncode == 2
    assert done.stderr.startswith(f"vdbgsh: error: {log} holds requests to 2 guests (a, b)")
    dry = vdbgsh("replay", "--dry-run", str(log), "no-such-domain")
    assert dry.returncode == 0, dry.stderr
    assert dry.stdout == '{"execute":"stop"}\n{"execute":"cont"}\n'


GOOD = (
    '{"timestamp":"2024-01-01T00:00:00.000000Z","type":"request","domain":"g","seq":1,"line":"stop",'
    '"request":{"execute":"stop"}}'
)


@pytest.mark.parametrize(
    ("line", "message"),
    [
        ("not json", "not a JSON record (Expecting value at column 1)"),
        ("[1, 2]", "a record is a JSON object, not list"),
        (
            '{"type": "reply?"}',
            'unknown record type "reply?" (expected one of start, request, reply, event, notice, end)',
        ),
        (GOOD.replace('"seq":1', '"seq":"1"'), "request record without a valid 'seq' (got \"1\")"),
        (GOOD.replace('"seq":1', '"seq":true'), "request record without a valid 'seq' (got true)"),
        (GOOD.replace('{"execute":"stop"}', '{"arguments":{}}'), 'request without an "execute" command name'),
        (GOOD.replace('{"execute":"stop"}', '{"execute":"stop","arguments":[]}'), "request arguments are list"),
        ('{"timestamp":"t","type":"event","domain":"g"}', "event record without a valid 'event' (got null)"),
        ("[" * 100_000, "not a JSON record (RecursionError)"),
    ],
)
def test_bad_transcript_lines_name_their_line(tmp_path: Path, line: str, message: str) -> None:
    log = tmp_path / "bad.jsonl"
    log.write_text(f"{GOOD}\n\n{line}\n{GOOD}\n")
    done = vdbgsh("replay", str(log))
    assert done.returncode == 2
    assert done.stdout == ""
    assert done.stderr.startswith(f"vdbgsh: error: {log}:3: {message}")
    assert len(done.stderr.strip().splitlines()) == 1
    assert "Traceback" not in done.stderr


def test_undecodable_and_missing_transcripts(tmp_path: Path) -> None:
    log = tmp_path / "binary.jsonl"
    log.write_bytes(GOOD.encode() + b"\n\xff\xfe\n")
    with pytest.raises(TranscriptError, match=r"^x:2: not UTF-8 \(byte 1\)$"):
        parse_transcript(log.read_bytes().splitlines(keepends=True), "x")
    done = vdbgsh("replay", str(tmp_path / "missing.jsonl"))
    assert (done.returncode, done.stderr) == (
        2,
        f"vdbgsh: error: cannot read transcript {tmp_path}/missing.jsonl: No such file or directory\n",
    )


def test_a_secret_read_back_is_masked_in_the_log_and_shown_on_asking(guest: str, tmp_path: Path) -> None:
    log = tmp_path / "readback.jsonl"
    created = vdbgsh("exec", "--yes", guest, "object-add", "qom-type=secret", "id=rb0", "data=hunter2")
    assert created.returncode == 0, created.stderr
    read = vdbgsh("exec", "--log", str(log), guest, "qom-get", "path=/objects/rb0", "property=data")
    assert json.loads(read.stdout) == "hunter2"  # asked for: shown
    other = vdbgsh("exec", "--log", str(log), guest, "qom-get", "path=/objects/rb0", "property=format")
    assert json.loads(other.stdout) == "raw"
    assert "hunter2" not in log.read_text()
    replies = [r for r in records(log) if r["type"] == "reply"]
    assert replies[0]["reply"]["return"] == "********"
    assert replies[0]["masked"] == ["return"]
    assert replies[1]["reply"]["return"] == "raw"
    assert "masked" not in replies[1]
