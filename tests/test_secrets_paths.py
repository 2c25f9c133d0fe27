"""Secrets kept out of every way a line reaches a file or the screen besides the shell's echo (tests/test_secrets.py):
exec's transcript, QEMU's errors that echo what they were sent, a secret read back through HMP, translate."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import pytest

from tests.conftest import vdbgsh
from vdbgsh.syntax.secrets import MASK
from vdbgsh.transport.base import HMP_PASSTHROUGH


def records(path: Path) -> list[dict[str, Any]]:
    return [json.loads(line) for line in path.read_text().splitlines()]


@pytest.mark.parametrize(
    "argv",
    [
        ["set_password protocol=vnc password=hunter2"],  # one quoted line: shlex.join quotes it whole
        ["set_password vnc hunter2"],
        ["set_password", "protocol=vnc", "password=hunter2"],
        ["change-vnc-password", "password=hunter2"],
        ["object_add secret,id=lg0,data=hunter2"],
    ],
)
def test_exec_log_records_the_line_masked(shared_guest: str, tmp_path: Path, argv: list[str]) -> None:
    log = tmp_path / "exec.jsonl"
    shown = vdbgsh("exec", "--yes", "--log", str(log), shared_guest, *argv)
    assert "hunter2" not in shown.stdout + shown.stderr
    text = log.read_text()
    assert "hunter2" not in text
    requests = [r for r in records(log) if r["type"] == "request"]
    assert requests
    assert MASK in requests[0]["line"]


def test_qemu_echoing_an_unknown_command_is_masked(shared_guest: str) -> None:
    line = '!{"execute":"set_password","arguments":{"protocol":"vnc","password":"hunter2"}} x'
    for argv in ([line], ['!{"execute":"set_password","arguments":{"password":"hunter2"}}x']):
        shown = vdbgsh("exec", "--yes", shared_guest, *argv)
        assert "hunter2" not in shown.stdout + shown.stderr, shown.stderr


def test_translate_prints_the_request_masked() -> None:
    for line in ["set_password vnc hunter2", "change vnc password hunter2", "object_add secret,id=s0,data=hunter2"]:
        shown = vdbgsh("translate", line)
        assert shown.returncode == 0, shown.stderr
        assert "hunter2" not in shown.stdout
        assert MASK in shown.stdout
    shown = vdbgsh("translate", "-", input="set_password vnc hunter2\nmigrate tcp://u:hunter2@h:4444\n")
    assert shown.returncode == 0, shown.stderr
    assert "hunter2" not in shown.stdout


@pytest.mark.parametrize(
    "argv",
    [
        ["migrate", "uri=xyz://admin:hunter2@192.0.2.1:4444"],  # QEMU: unknown migration protocol: <the uri>
        ["migrate xyz://admin:hunter2@192.0.2.1:4444"],
        ['{"execute":"migrate","arguments":{"uri":"xyz://admin:hunter2@192.0.2.1:4444"}}'],
        ["human-monitor-command", "command-line=migrate xyz://admin:hunter2@192.0.2.1:4444"],
    ],
)
def test_migrate_uri_credentials_are_masked_in_errors_and_the_log(
    shared_guest: str, tmp_path: Path, argv: list[str]
) -> None:
    log = tmp_path / "migrate.jsonl"
    shown = vdbgsh("exec", "--yes", "--log", str(log), shared_guest, *argv)
    assert shown.returncode == 1, shown.stderr  # xyz: no such migration protocol, so the guest stays put
    assert "hunter2" not in shown.stdout + shown.stderr + log.read_text()
    assert "admin:********@192.0.2.1" in log.read_text()
    dry = vdbgsh("exec", "--dry-run", shared_guest, *argv)
    assert dry.returncode == 0, dry.stderr
    assert "hunter2" not in dry.stdout + dry.stderr
    assert "admin:********@192.0.2.1" in dry.stdout


def test_a_secret_read_back_through_hmp_is_masked_in_the_log(guest: str, tmp_path: Path) -> None:
    created = vdbgsh("exec", "--yes", guest, "object-add", "qom-type=secret", "id=hb0", "data=hunter2")
    assert created.returncode == 0, created.stderr
    log = tmp_path / "readback.jsonl"
    for argv in (
        ["human-monitor-command", "command-line=qom-get /objects/hb0 data"],
        ['{"execute":"human-monitor-command","arguments":{"command-line":"qom-get  /objects/hb0 data"}}'],
        ["qom-get /objects/hb0 data"],  # HMP, translated into QMP's qom-get
    ):
        read = vdbgsh("exec", "--log", str(log), guest, *argv)
        assert read.returncode == 0, read.stderr
        assert "hunter2" in read.stdout  # asked for: shown, as QMP's qom-get is
    assert "hunter2" not in log.read_text()
    replies = [r for r in records(log) if r["type"] == "reply"]
    assert [r["masked"] for r in replies] == [["return"]] * 3
    other = vdbgsh("exec", "--log", str(log), guest, HMP_PASSTHROUGH, "command-line=qom-get /objects/hb0 format")
    assert other.returncode == 0, other.stderr
    assert "raw" in [r for r in records(log) if r["type"] == "reply"][-1]["reply"]["return"]  # not a secret
