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
from pathlib import Path

import pytest

from tests.conftest import vdbgsh
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
