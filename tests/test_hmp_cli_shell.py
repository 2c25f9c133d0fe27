"""HMP as users meet it: `vdbgsh translate` through subprocess, and HMP lines in the shell on a real guest."""

from __future__ import annotations

import json
import re
from pathlib import Path

import pytest

from tests.conftest import LoopThread, vdbgsh
from tests.guest_facts import QemuFacts
from tests.test_shell import run_shell


def test_translate_prints_one_compact_request_per_line() -> None:
    result = vdbgsh("translate", "block_resize drive0 80")
    assert result.returncode == 0, result.stderr
    assert result.stdout == '{"execute":"block_resize","arguments":{"device":"drive0","size":83886080}}\n'
    unquoted = vdbgsh("translate", "sendkey", "ctrl-alt-f1")
    assert json.loads(unquoted.stdout)["arguments"]["keys"][2] == {"type": "qcode", "data": "f1"}


def test_translate_says_what_hmp_expects() -> None:
    result = vdbgsh("translate", "memsave 0 4096 /tmp/mem.bin")
    assert result.returncode == 2
    assert result.stdout == ""
    assert len(result.stderr.splitlines()) == 1
    assert "invalid char 't' in expression" in result.stderr


def test_translate_hmp_only_commands_with_a_note() -> None:
    result = vdbgsh("translate", "savevm snap1")
    assert result.returncode == 0
    assert json.loads(result.stdout) == {
        "execute": "human-monitor-command",
        "arguments": {"command-line": "savevm snap1"},
    }
    assert "vdbgsh: note: HMP only" in result.stderr


def test_translate_lines_from_stdin() -> None:
    result = vdbgsh("translate", "-", input="stop\ninfo block -n\nballoon 128\nnonsense here\n")
    assert result.returncode == 2
    assert [json.loads(line) for line in result.stdout.splitlines()] == [
        {"execute": "stop"},
        {"execute": "query-named-block-nodes"},
        {"execute": "balloon", "arguments": {"value": 134217728}},
    ]
    assert result.stderr.startswith("vdbgsh: error: line 4: unknown command: 'nonsense'")


def test_translate_checks_against_a_guest(shared_guest: str) -> None:
    result = vdbgsh("translate", "--domain", shared_guest, "migrate_set_parameter downtime-limit 300")
    assert result.returncode == 0, result.stderr
    assert json.loads(result.stdout) == {"execute": "migrate-set-parameters", "arguments": {"downtime-limit": 300}}


@pytest.fixture(scope="module")
def cache(tmp_path_factory: pytest.TempPathFactory) -> Path:
    return tmp_path_factory.mktemp("schema")


def test_hmp_in_the_shell(loop: LoopThread, shared_guest: str, cache: Path, qemu_facts: QemuFacts) -> None:
    keys = [
        "info status\r",
        ":view json\r",
        "info status\r",
        "info network\r",
        ":translate block_resize drive0 80\r",
        "qom-get /machine type\r",
        "memsave 0 4096 /tmp/x\r",
        "help info\r",
        ":q\r",
    ]
    text, _source = run_shell(loop, shared_guest, keys, cache)
    assert '→ {"execute":"query-status"}' in text
    assert "VM status: running" in text
    assert '"status": "running"' in text  # as JSON after :view json
    assert "note: HMP only" in text
    assert re.search(r"hub|net|peer|\w+", text.split("info network", 1)[1])
    assert '→ {"execute":"block_resize","arguments":{"device":"drive0","size":83886080}}' in text
    assert f'"{qemu_facts.machine_type}"' in text
    assert "invalid char 't' in expression" in text
    assert "info [ITEM]  (HMP)" in text
    assert "sub-commands:" in text


def test_human_monitor_command_output_is_shown_as_text(
    loop: LoopThread, shared_guest: str, cache: Path, qemu_facts: QemuFacts
) -> None:
    keys = [
        "human-monitor-command command-line='info status'\r",
        '{"execute": "human-monitor-command", "arguments": {"command-line": "xp /16xb 0"}}\r',
        ":output compact\r",
        "human-monitor-command command-line='info status'\r",
        ":q\r",
    ]
    text, _source = run_shell(loop, shared_guest, keys, cache)
    first, json_form, _setting, compact = text.split(f"{shared_guest} (running)> ")[1:5]
    assert first.splitlines()[1] == "VM status: running"  # HMP's own text, not "VM status: running\\r\\n"
    assert re.fullmatch(r"\(\d+\.\d ms\)", first.splitlines()[2])
    dump = json_form.splitlines()[1:3]
    assert [line.split(":")[0] for line in dump] == [qemu_facts.xp_address(0), qemu_facts.xp_address(8)]
    assert compact.splitlines()[1] == '"VM status: running\\r\\n"'  # compact output stays JSON
