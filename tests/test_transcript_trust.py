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
import subprocess
import sys
from pathlib import Path

import pytest

from tests.conftest import VDBGSH, vdbgsh
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
