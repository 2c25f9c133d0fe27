"""Transcripts and replay are data, never code (issue 11, section 3), on real guests.

- A libvirt URI that makes libvirt run a program (the ext transport, command=, netcat=) is refused whoever gave it:
  -c on every command, LIBVIRT_DEFAULT_URI, a transcript's start record. replay uses a transcript's connection
  only when the user names it (-c) or says yes on a terminal after seeing it.
- replay --script quotes every word for the shell and keeps control characters out of comments.
- --log and :log never follow a symlink, never append to another user's file or to one with other links,
  create a new file 0600 whatever the umask, and a write that fails is said at once.
"""

from __future__ import annotations

import json
import os
import pwd
import resource
import stat
import subprocess
import sys
from collections.abc import Iterator
from pathlib import Path

import pytest

from tests.conftest import VDBGSH, LoopThread, vdbgsh
from vdbgsh.guest.plain_qemu import PlainQemu
from vdbgsh.schema.loading import SchemaCache, load_schema
from vdbgsh.session import Session
from vdbgsh.transport import Target
from vdbgsh.transport.uri_trust import program_in_uri

# --- URIs that run programs -----------------------------------------------------------------------------------


def program(tmp_path: Path) -> tuple[Path, Path]:
    """A program that leaves a marker file when run (libvirt would run it as root), and the marker's path."""
    marker = tmp_path / "ran"
    script = tmp_path / "x.sh"
    script.write_text(f"#!/bin/sh\ntouch {marker}\n")
    script.chmod(0o755)
    return script, marker


def program_uris(script: Path) -> list[str]:
    return [
        f"qemu+ext:///system?command={script}",
        f"qemu+ssh://localhost/system?command={script}",  # ssh's own binary replaced: run here, as root
        f"QEMU+EXT:///system?COMM%41ND={script}",  # libvirt unescapes names and compares them ignoring case
    ]


def assert_refused(done: subprocess.CompletedProcess[str], marker: Path) -> None:
    assert not marker.exists(), "the URI's program ran"
    assert done.returncode == 2, done.stderr
    assert "Traceback" not in done.stderr
    first = done.stderr.splitlines()[0]
    assert first.startswith("vdbgsh: error: refused: the libvirt URI "), done.stderr
    assert "makes libvirt run a program" in first
    assert len(done.stderr.splitlines()) == 2  # the line and its hint


@pytest.mark.parametrize("index", [0, 1, 2])
@pytest.mark.parametrize("command", ["exec", "list", "events", "attach", "translate"])
def test_a_uri_that_runs_a_program_is_refused_on_every_command(
    shared_guest: str, tmp_path: Path, command: str, index: int
) -> None:
    script, marker = program(tmp_path)
    uri = program_uris(script)[index]
    args = {
        "exec": ["exec", "-c", uri, shared_guest, "query-status"],
        "list": ["list", "-c", uri],
        "events": ["events", "-c", uri, shared_guest, "--count", "1"],
        "attach": ["attach", "-c", uri, shared_guest],
        "translate": ["translate", "-c", uri, "-d", shared_guest, "info status"],
    }[command]
    assert_refused(vdbgsh(*args, timeout=30), marker)


def test_a_program_uri_in_libvirt_default_uri_is_refused_and_named(shared_guest: str, tmp_path: Path) -> None:
    script, marker = program(tmp_path)
    done = vdbgsh("exec", shared_guest, "query-status", env={"LIBVIRT_DEFAULT_URI": f"qemu+ext:///x?command={script}"})
    assert_refused(done, marker)
    assert "(from LIBVIRT_DEFAULT_URI)" in done.stderr


def start_record(domain: str, uri: str) -> str:
    return json.dumps({"timestamp": "2024-01-01T00:00:00.000000Z", "type": "start", "domain": domain, "uri": uri})


def request_record(domain: str, command: str, line: str | None = None, **extra: object) -> str:
    record = {
        "timestamp": "2024-01-01T00:00:00.000000Z",
        "type": "request",
        "domain": domain,
        "seq": 1,
        "line": line if line is not None else command,
        "request": {"execute": command, **extra},
    }
    return json.dumps(record)


def transcript(path: Path, *lines: str) -> Path:
    path.write_text("".join(line + "\n" for line in lines))
    return path


def guest_status(domain: str) -> str:
    done = vdbgsh("exec", "-c", "qemu:///system", domain, "query-status")
    assert done.returncode == 0, done.stderr
    return str(json.loads(done.stdout)["status"])


@pytest.mark.parametrize("with_domain", [False, True])
def test_replay_never_runs_the_program_a_transcript_names(guest: str, tmp_path: Path, with_domain: bool) -> None:
    script, marker = program(tmp_path)
    for uri in program_uris(script):
        log = transcript(tmp_path / "t.jsonl", start_record(guest, uri), request_record(guest, "stop"))
        done = vdbgsh("replay", "--yes", str(log), *([guest] if with_domain else []), timeout=30)
        assert not marker.exists(), f"{uri} ran its program"
        assert done.returncode == 2, done.stderr
        assert "makes libvirt run a program" in done.stderr
        assert done.stderr.count("\n") == 2
        script_out = vdbgsh("replay", "--script", str(log))
        assert script_out.returncode == 2
        assert "makes libvirt run a program" in script_out.stderr
    assert guest_status(guest) == "running"


def test_replay_uses_a_recorded_connection_only_when_named(guest: str, tmp_path: Path) -> None:
    # The same libvirtd as the default, spelt otherwise: still the transcript's choice, not the user's.
    recorded = "qemu+unix:///system"
    log = transcript(tmp_path / "t.jsonl", start_record(guest, recorded), request_record(guest, "stop"))
    refused = vdbgsh("replay", "--yes", str(log))
    assert refused.returncode == 2
    assert refused.stdout == ""
    assert refused.stderr.splitlines() == [
        f"vdbgsh: error: {log} was recorded on {recorded}: vdbgsh connects where a transcript says only when told",
        f"hint: -c {recorded} replays there (or -c URI elsewhere); on a terminal you are asked",
    ]
    assert guest_status(guest) == "running"
    script = vdbgsh("replay", "--script", str(log))
    assert script.returncode == 2
    assert script.stdout == ""

    from_stdin = vdbgsh("replay", "--yes", "-", input=log.read_text())  # stdin is the transcript: no one to ask
    assert from_stdin.returncode == 2
    assert from_stdin.stderr.startswith(f"vdbgsh: error: - was recorded on {recorded}: ")
    assert guest_status(guest) == "running"

    named = vdbgsh("replay", "--yes", "-c", recorded, str(log))
    assert named.returncode == 0, named.stderr
    assert guest_status(guest) == "paused"
    assert "-c qemu+unix:///system" in vdbgsh("replay", "--script", "-c", recorded, str(log)).stdout


@pytest.mark.parametrize(
    ("answer", "recorded", "shown_as"),
    [
        ("y", "qemu+unix:///system", "qemu+unix:///system"),
        # libvirt would not parse it; what matters is that the terminal never gets the escapes to act on
        ("n", "qemu+unix:///system?x=\x1b]0;owned\x07\x1b[2J", "qemu+unix:///system?x=\\x1b]0;owned\\x07\\x1b[2J"),
    ],
)
def test_replay_asks_on_a_terminal_showing_the_uri_neutralised(
    guest: str, tmp_path: Path, answer: str, recorded: str, shown_as: str
) -> None:
    from tests.terminal import Tmux

    log = transcript(tmp_path / "t.jsonl", start_record(guest, recorded), request_record(guest, "stop"))
    term = Tmux(f"replay-ask-{answer}-{os.getpid()}")
    try:
        term.start("replay", "--yes", str(log))
        shown = term.wait_for("[y/N]")
        assert f"was recorded on {shown_as}" in shown
        term.type_line(answer)
        shown = term.wait_for("EXIT=")
    finally:
        term.kill()
    if answer == "y":
        assert "EXIT=0" in shown
        assert guest_status(guest) == "paused"
    else:
        assert "EXIT=2" in shown
        assert "nothing sent" in shown
        assert guest_status(guest) == "running"


@pytest.mark.parametrize(
    ("uri", "found"),
    [
        ("qemu+ext:///system?command=/tmp/x", "the ext transport"),
        ("qemu+Ext://host/system", "the ext transport"),
        ("qemu+ssh://h/system?command=/tmp/x", "command="),
        ("qemu+ssh://h/system?netcat=/tmp/nc", "netcat="),
        ("qemu+libssh2://h/system?NetCat=nc", "netcat="),
        ("qemu+ssh://h/system?socket=/s;command=/x", "command="),  # no '&': libvirt splits at ';'
        ("qemu+ssh://h/system?keyfile=/k&%63ommand=/x", "command="),
        ("qemu+ssh://h/system?command%00x=/x", "command="),  # C stops reading the name at the NUL
        ("qemu+tcp://h/system?name=qemu%2Bext%3A%2F%2F%2Fs%3Fcommand%3D%2Fx", "name= naming the ext transport"),
        ("qemu:///system", None),
        ("qemu+unix:///system?socket=/run/libvirt/libvirt-sock", None),
        ("qemu+ssh://root@h/system?keyfile=/k&proxy=netcat&no_verify=1&mode=direct", None),
        ("qemu+tcp://127.0.0.1:16509/system", None),
        ("qemu+tls://h/system?pkipath=/p&name=qemu:///system", None),
    ],
)
def test_which_uris_run_a_program(uri: str, found: str | None) -> None:
    assert program_in_uri(uri) == found


# --- replay --script ------------------------------------------------------------------------------------------

HOSTILE_NAME = "a\ntouch {marker}\n#"  # a member name that, written raw into a comment, ends it and runs touch


def recorder(tmp_path: Path) -> tuple[Path, Path]:
    """A stand-in for vdbgsh that writes down the words it was run with, one JSON list a line."""
    calls = tmp_path / "calls.jsonl"
    stand_in = tmp_path / "vdbgsh-words"
    stand_in.write_text(
        f"#!{sys.executable}\nimport json, sys\n"
        f"with open({str(calls)!r}, 'a') as out:\n    out.write(json.dumps(sys.argv[1:]) + '\\n')\n"
    )
    stand_in.chmod(0o755)
    return stand_in, calls


def test_a_hostile_transcript_makes_a_script_that_runs_nothing_else(tmp_path: Path) -> None:
    marker = tmp_path / "injected"
    hostile_name = HOSTILE_NAME.format(marker=marker)
    odd_command = f"query-status\ntouch {marker}"
    odd_value = "x'$(touch " + str(marker) + ")'\x1b]0;t\x07\x9b2J\u2028\U000e0001"
    log = transcript(
        tmp_path / "hostile.jsonl",
        request_record(
            "g", "block_passwd", "x\x1b[2J\rtouch\u2028y", arguments={hostile_name: {"password": "********"}}
        ),
        request_record("g", odd_command),
        request_record("g", "qom-set", "qom-set", arguments={"path": "/machine", "property": "x", "value": odd_value}),
    )
    done = vdbgsh("replay", "--script", str(log))
    assert done.returncode == 0, done.stderr
    script = done.stdout
    assert all(line.isprintable() for line in script.split("\n")), "a control character reached the script"
    stand_in, calls = recorder(tmp_path)
    run = subprocess.run(
        ["bash", "-c", script, "script"],
        check=False,
        capture_output=True,
        text=True,
        env={**os.environ, "VDBGSH": str(stand_in)},
        timeout=30,
    )
    assert run.returncode == 0, run.stderr
    assert not marker.exists(), "the script ran a command the transcript smuggled in"
    assert run.stderr == "skipped line 1 (block_passwd): its secret was masked\n"
    words = [json.loads(line) for line in calls.read_text().splitlines()]
    assert [call[:2] for call in words] == [["exec", "g"], ["exec", "g"]]
    assert json.loads(words[0][2]) == {"execute": odd_command}  # the same request, as JSON: no line to misread
    sent = json.loads(words[1][2])
    assert sent["arguments"]["value"] == odd_value


@pytest.mark.parametrize("domain", ["--log=/etc/shadow", "g\ntouch /tmp/x"])
def test_a_script_refuses_a_domain_it_cannot_write_safely(tmp_path: Path, domain: str) -> None:
    log = transcript(tmp_path / "t.jsonl", request_record(domain, "query-status"))
    done = vdbgsh("replay", "--script", str(log))
    assert done.returncode == 2
    assert done.stdout == ""
    assert done.stderr.startswith("vdbgsh: error: the domain ")
    assert len(done.stderr.splitlines()) == 2
    # Named on the command line, the script is written for that one.
    named = vdbgsh("replay", "--script", str(log), "g")
    assert named.returncode == 0, named.stderr
    assert "target=${1:-g}" in named.stdout


def test_a_script_from_a_hostile_transcript_still_works_on_a_real_guest(guest: str, tmp_path: Path) -> None:
    marker = tmp_path / "injected"
    log = transcript(
        tmp_path / "t.jsonl",
        request_record(guest, "query-name", f"query-name\ntouch {marker}\n\x1b]0;x\x07"),
        request_record(guest, "stop"),
    )
    done = vdbgsh("replay", "--yes", "--script", str(log))
    assert done.returncode == 0, done.stderr
    assert all(line.isprintable() for line in done.stdout.split("\n"))
    env = {key: value for key, value in os.environ.items() if key != "LIBVIRT_DEFAULT_URI"}
    run = subprocess.run(
        ["bash", "-c", done.stdout, "script"],
        check=False,
        capture_output=True,
        text=True,
        env={**env, "VDBGSH": VDBGSH},
        timeout=60,
    )
    assert run.returncode == 0, run.stderr
    assert not marker.exists()
    first, second = run.stdout.splitlines()
    assert json.loads(first) == {"name": guest}
    assert second == "{}"
    assert guest_status(guest) == "paused"


# --- --log and :log -------------------------------------------------------------------------------------------


def victim(tmp_path: Path) -> Path:
    """A file vdbgsh must not write: someone else's, or root's reached through a name planted by someone else."""
    path = tmp_path / "victim"
    path.write_text("precious\n")
    path.chmod(0o644)
    return path


def assert_untouched(path: Path) -> None:
    assert path.read_text() == "precious\n"
    assert stat.S_IMODE(path.stat().st_mode) == 0o644


def planted(tmp_path: Path, kind: str) -> tuple[Path, Path]:
    """(the name given to --log, the file behind it) for each way a name can lead to a file that is not ours."""
    target = victim(tmp_path)
    name = tmp_path / "t.jsonl"
    if kind == "symlink":
        name.symlink_to(target)
    elif kind == "hard link":
        os.link(target, name)
    elif kind == "other user":
        os.chown(target, pwd.getpwnam("nobody").pw_uid, -1)
        name = target
    else:  # a FIFO: the open would wait for a reader for ever
        os.mkfifo(name)
    return name, target


KINDS = {
    "symlink": "it is a symbolic link, which vdbgsh does not follow for a transcript",
    "hard link": "it has 1 other hard link(s)",
    "other user": "it belongs to user nobody",
    "fifo": "it is not a regular file",
}


@pytest.mark.parametrize("kind", list(KINDS))
def test_exec_log_never_writes_a_file_that_is_not_its_own(shared_guest: str, tmp_path: Path, kind: str) -> None:
    name, target = planted(tmp_path, kind)
    done = vdbgsh("exec", "--yes", "--log", str(name), shared_guest, "stop", timeout=30)
    assert done.returncode == 2
    assert done.stderr.startswith(f"vdbgsh: error: cannot open transcript {name}: {KINDS[kind]}"), done.stderr
    assert len(done.stderr.splitlines()) == 2
    if kind != "fifo":
        assert_untouched(target)
    assert guest_status(shared_guest) == "running"  # nothing sent


@pytest.mark.parametrize("umask", [0o000, 0o777])
def test_a_new_log_is_private_and_writable_whatever_the_umask(shared_guest: str, tmp_path: Path, umask: int) -> None:
    log = tmp_path / "new.jsonl"
    done = subprocess.run(
        [VDBGSH, "exec", "--log", str(log), shared_guest, "query-name"],
        check=False,
        capture_output=True,
        text=True,
        env={key: value for key, value in os.environ.items() if key != "LIBVIRT_DEFAULT_URI"},
        preexec_fn=lambda: os.umask(umask),
        timeout=30,
    )
    assert done.returncode == 0, done.stderr
    assert stat.S_IMODE(log.stat().st_mode) == 0o600
    assert [json.loads(line)["type"] for line in log.read_text().splitlines()] == ["start", "request", "reply", "end"]


def test_exec_log_to_a_file_that_cannot_be_written_is_an_error(shared_guest: str) -> None:
    done = vdbgsh("exec", "--yes", "--log", "/dev/full", shared_guest, "stop")
    assert done.returncode == 2
    assert done.stderr.startswith("vdbgsh: error: cannot open transcript /dev/full: it is not a regular file")
    assert guest_status(shared_guest) == "running"


def test_exec_says_at_once_that_a_write_failed_and_exits_2(shared_guest: str, tmp_path: Path) -> None:
    log = tmp_path / "full.jsonl"
    done = _exec_with_room_for_the_start_record(shared_guest, tmp_path, log, ["query-name"])
    assert json.loads(done.stdout) == {"name": shared_guest}  # the reply is shown all the same
    assert done.returncode == 2
    assert done.stderr.splitlines() == [
        f"vdbgsh: error: transcript {log}: File too large; no longer recording",
        f"vdbgsh: error: transcript {log} is incomplete: nothing after the error above was recorded",
    ]
    assert [json.loads(line)["type"] for line in log.read_text().splitlines()] == ["start"]


@pytest.mark.parametrize("keep_going", [[], ["--keep-going"]], ids=["", "keep-going"])
def test_a_batch_stops_at_the_line_whose_record_failed(
    shared_guest: str, tmp_path: Path, keep_going: list[str]
) -> None:
    log = tmp_path / "full.jsonl"
    done = _exec_with_room_for_the_start_record(
        shared_guest, tmp_path, log, [*keep_going, "-"], "query-name\nquery-status\n"
    )
    assert done.returncode == 2
    assert json.loads(done.stdout) == {"name": shared_guest}  # the first line's reply; the second was not sent
    assert done.stderr.splitlines()[0] == f"vdbgsh: error: transcript {log}: File too large; no longer recording"


def test_a_transcript_keeps_c1_controls_and_bidi_overrides_escaped(shared_guest: str, tmp_path: Path) -> None:
    """QEMU echoes a property name it does not know: the C1 CSI and the right-to-left override in it reach the
    transcript as JSON escapes (the same string to a reader), never as bytes a terminal acts on when it is cat."""
    log = tmp_path / "hostile.jsonl"
    hostile = "\u009b31m\u202eevil"
    request = {"execute": "qom-get", "arguments": {"path": "/machine", "property": hostile}}
    done = vdbgsh("exec", "--log", str(log), shared_guest, json.dumps(request))
    assert done.returncode == 1, done.stderr
    raw = log.read_bytes()
    assert "\u009b".encode() not in raw
    assert "\u202e".encode() not in raw
    assert b"\\u009b31m\\u202eevil" in raw
    records = [json.loads(line) for line in raw.decode().splitlines()]
    (reply,) = [record for record in records if record["type"] == "reply"]
    assert hostile in reply["reply"]["error"]["desc"]


def _exec_with_room_for_the_start_record(
    guest: str, tmp_path: Path, log: Path, words: list[str], stdin: str | None = None
) -> subprocess.CompletedProcess[str]:
    """``vdbgsh exec --log LOG GUEST WORDS`` whose files may grow by one start record and no more (RLIMIT_FSIZE):
    the next write fails as on a full disk."""
    probe = tmp_path / "probe.jsonl"
    assert vdbgsh("exec", "--log", str(probe), guest, "query-name").returncode == 0
    start_size = len(probe.read_text().splitlines()[0]) + 1

    def limited() -> None:
        resource.setrlimit(resource.RLIMIT_FSIZE, (start_size, start_size))

    return subprocess.run(
        [VDBGSH, "exec", "--log", str(log), guest, *words],
        input=stdin,
        check=False,
        capture_output=True,
        text=True,
        env={key: value for key, value in os.environ.items() if key != "LIBVIRT_DEFAULT_URI"},
        preexec_fn=limited,
        timeout=30,
    )


@pytest.fixture
def plain_session(loop: LoopThread, qemu: PlainQemu, tmp_path: Path) -> Iterator[tuple[Session, list[str]]]:
    """A session on a plain QEMU of the test's own, and what it showed at once (the shell's ``show``)."""

    async def opened() -> Session:
        monitor = await Target(qmp=qemu.address).open(events=True)
        loaded = await load_schema(monitor, SchemaCache(tmp_path / "schema"))
        return Session(monitor, loaded, colour=False)

    session = loop.run(opened())
    shown: list[str] = []
    session.show = shown.append
    yield session, shown
    loop.run(session.monitor.close())


@pytest.mark.parametrize("kind", list(KINDS))
def test_the_shell_log_never_writes_a_file_that_is_not_its_own(
    loop: LoopThread, plain_session: tuple[Session, list[str]], tmp_path: Path, kind: str
) -> None:
    session, _shown = plain_session
    name, target = planted(tmp_path, kind)
    outcome = loop.run(session.run(f":log {name}"))
    assert outcome.text.startswith(f"error: cannot open transcript {name}: {KINDS[kind]}")
    assert session.transcript is None
    if kind != "fifo":
        assert_untouched(target)


def test_the_shell_says_a_failed_write_at_once(
    loop: LoopThread, plain_session: tuple[Session, list[str]], tmp_path: Path
) -> None:
    session, shown = plain_session
    assert loop.run(session.run(":log /dev/full")).text.startswith("error: cannot open transcript /dev/full: ")
    log = tmp_path / "t.jsonl"
    assert loop.run(session.run(f":log {log}")).text == f"log: recording to {log}"
    writer = session.transcript
    assert writer is not None
    # Fault injection: the disk fills up under the open transcript (its descriptor now writes to /dev/full).
    full = os.open("/dev/full", os.O_WRONLY)
    os.dup2(full, writer._descriptor)  # type: ignore[arg-type]
    os.close(full)
    outcome = loop.run(session.run("query-status"))
    assert '"status": "running"' in outcome.text  # the reply is shown all the same
    assert shown == [f"error: transcript {log}: No space left on device; no longer recording"]
    assert (
        loop.run(session.run(":log")).text == f"error: transcript {log}: No space left on device; no longer recording"
    )


def test_the_full_screen_shell_refuses_a_planted_log(shared_guest: str, tmp_path: Path) -> None:
    from tests.terminal import Tmux

    name, target = planted(tmp_path, "symlink")
    term = Tmux(f"log-planted-{os.getpid()}", width=200)
    try:
        term.start("attach", "-c", "qemu:///system", shared_guest)
        term.wait_for("running")
        term.type_line(f":log {name}")
        term.wait_for("t.jsonl: it is a symbolic link")
        term.type_line(":log /dev/full")
        term.wait_for("/dev/full: it is not a regular file")
        assert "recording to" not in term.screen()
    finally:
        term.kill()
    assert_untouched(target)
