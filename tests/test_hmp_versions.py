"""HMP's table per QEMU version: the guest's own HMP is the judge.

The live tests ask the guest's QEMU (7.2 on the host stack, 11.1 on sid) for its ``help`` and ``help info`` and
compare them with the table vdbgsh picks for that version; then the lines whose verdict changed between releases
go through ``vdbgsh translate -d`` and through the guest's HMP, and both must agree.
"""

from __future__ import annotations

import json
import re
import socket
from collections.abc import Callable
from pathlib import Path
from typing import Any

import libvirt
import libvirt_qemu
import pytest

from tests.conftest import vdbgsh
from tests.guest_facts import QemuFacts
from vdbgsh.guest.plain_qemu import PlainQemu
from vdbgsh.hmp.args_type import parse_args_type
from vdbgsh.hmp.translate import translate_line
from vdbgsh.hmp.versions import CHECKED, table_for
from vdbgsh.render.hmp_text import hmp_error
from vdbgsh.schema.loading import SchemaCache
from vdbgsh.schema.model import Schema
from vdbgsh.schema.offline import offline_schema
from vdbgsh.transport.base import JSONObject

HMP = libvirt_qemu.VIR_DOMAIN_QEMU_MONITOR_COMMAND_HMP


def _hmp(conn: libvirt.virConnect, domain: str, line: str) -> str:
    return str(libvirt_qemu.qemuMonitorCommand(conn.lookupByName(domain), line, HMP))


def _help_names(text: str) -> set[str]:
    """The command names of HMP's ``help``: each entry starts a line with its name (aliases joined by '|');
    continuation lines start with a blank or a '['."""
    names: set[str] = set()
    for line in text.replace("\r\n", "\n").split("\n"):
        if line and not line[0].isspace() and line[0] != "[":
            names.update(line.split()[0].split("|"))
    return names


def _schema(qemu: tuple[int, int, int]) -> Schema:
    """The shipped 7.2 schema (never the user's cache), said to be of ``qemu``: the HMP grammar alone is judged."""
    import dataclasses

    return dataclasses.replace(offline_schema(SchemaCache(Path("/nonexistent")))[0], qemu=qemu)


# --- the tables, without a guest -----------------------------------------------------------------------------


@pytest.mark.parametrize("release", [(7, 2), (8, 2), (9, 2), (10, 2), (11, 1), (12, 0)])
def test_every_tables_grammar_parses(release: tuple[int, int]) -> None:
    table = table_for(release)
    for entry in (*table.commands, *table.info):
        parse_args_type(entry.args_type)  # raises on a typo in a table


def test_removed_and_later_commands_name_the_release_and_what_to_use() -> None:
    assert table_for((11, 1, 3)).gone("singlestep") == "'singlestep' was removed in QEMU 9.0: use one-insn-per-tb"
    assert table_for((7, 2, 22)).gone("one-insn-per-tb") == (
        "'one-insn-per-tb' came in QEMU 8.1, after this one: use singlestep"
    )
    assert table_for((11, 1, 3)).gone("info rdma") == "'info rdma' was removed in QEMU 9.1; nothing replaces it"
    assert table_for((7, 2, 22)).gone("info accel") == "'info accel' came in QEMU 10.0, after this one"
    assert table_for((11, 1, 3)).gone("nosuchcommand") is None
    assert table_for((8, 2, 0)).entry("singlestep") is not None  # deprecated in 8.1, removed in 9.0


def test_a_qemu_without_its_own_table_gets_a_note() -> None:
    assert all(table_for(release).note == "" for release in CHECKED)
    assert "not read from that binary" in table_for((9, 2, 0)).note
    newer = table_for((12, 0, 0))
    assert newer.note == (
        "QEMU 12.0 is newer than vdbgsh's newest HMP table (11.1): its HMP commands are judged by that one"
    )
    assert set(newer.by_name) == set(table_for((11, 1, 3)).by_name)


@pytest.mark.parametrize(
    ("qemu", "line", "expected"),
    [
        ((7, 2, 22), "dump-guest-memory -z -R /tmp/d", "unsupported option -R"),
        ((11, 1, 3), "dump-guest-memory -z -R /tmp/d", "kdump-raw-zlib"),
        ((7, 2, 22), "migrate -b exec:cat", '"blk": true'),
        ((11, 1, 3), "migrate -b exec:cat", "unsupported option -b"),
        ((11, 1, 3), "info migrate -a", "human-monitor-command"),  # -a's globals: only HMP's text shows them
        ((11, 1, 3), "info migrate", '"query-migrate"'),
        ((11, 1, 3), "migrate_set_parameter tls-hostname a b", "tls-hostname"),  # value:S, the rest of the line
    ],
)
def test_a_line_is_read_with_its_qemus_grammar(qemu: tuple[int, int, int], line: str, expected: str) -> None:
    try:
        shown = json.dumps(translate_line(line, _schema(qemu)).requests)
    except Exception as err:
        shown = str(err)
    assert expected in shown


def test_hmp_errors_of_every_shape_are_errors() -> None:
    # Measured on 7.2 and 11.1: each comes inside a successful human-monitor-command reply.
    assert hmp_error("unknown command: 'singlestep'\r\n")
    assert hmp_error('unknown event "foo"\r\n')
    assert hmp_error("invalid parameter: nosuchkey\r\n")
    assert hmp_error("Error: invalid parameter value: nope\r\n")
    assert hmp_error('migrate: unsupported option -b\r\nTry "help migrate" for more information\r\n')
    assert hmp_error("TB count 0\r\nunknown command: 'x' is not an error on a later line\r\n") is None


# --- the guest's own HMP -------------------------------------------------------------------------------------


def test_the_table_is_the_guests_own_help(conn: libvirt.virConnect, shared_guest: str, qemu_facts: QemuFacts) -> None:
    table = table_for(qemu_facts.version)
    assert table.note == ""  # both stacks' QEMUs have a table read from their binary
    commands = _help_names(_hmp(conn, shared_guest, "help"))
    info = {line.split()[1] for line in _hmp(conn, shared_guest, "help info").splitlines() if line.startswith("info ")}
    info.discard("[subcommand]")
    assert commands == set(table.by_name), f"{qemu_facts}: help and the table differ"
    assert info == set(table.info_by_name), f"{qemu_facts}: help info and the table differ"


# Lines whose verdict changed between 7.2 and 11.1 (the list); dump-guest-memory is judged by the tests
# above only (HMP would write the dump).
CHANGED_LINES = [
    "info accel",
    "info accelerators",
    "info cryptodev",
    "info firmware-log",
    "info via",
    "info migrate -a",
    "info qtree -b",
    "one-insn-per-tb off",
    "singlestep off",
    "info opcount",
    "info profile",
    "info rdma",
    "trace-event {event} off 0",
    "info trace-events {event} 0",
]


def _hmp_refuses(output: str) -> bool:
    """HMP's own verdict on a line: it does not know the command, or its parser rejected the arguments (not an
    error the command met while running, such as 7.2's "Internal profiler not compiled")."""
    return output.startswith("unknown command:") or 'Try "help ' in output


def test_translate_judges_lines_as_the_guests_hmp_does(
    conn: libvirt.virConnect, guest: str, qemu_facts: QemuFacts
) -> None:
    def qmp(request: JSONObject) -> Any:
        return json.loads(libvirt_qemu.qemuMonitorCommand(conn.lookupByName(guest), json.dumps(request), 0))

    _judged_alike(qmp, ("-d", guest), qemu_facts)


def test_translate_over_qmp_judges_lines_as_the_qemus_hmp_does(qemu: PlainQemu, qemu_facts: QemuFacts) -> None:
    # The same binary as the libvirt guests' (so qemu_facts holds), through its own QMP socket.
    def qmp(request: JSONObject) -> Any:
        with socket.socket(socket.AF_UNIX) as connection:
            connection.connect(str(qemu.socket_path))
            stream = connection.makefile("rw")
            stream.readline()  # the greeting
            for message in ({"execute": "qmp_capabilities"}, request):
                stream.write(json.dumps(message) + "\n")
                stream.flush()
                while "event" in (reply := json.loads(stream.readline())):
                    pass
            return reply

    _judged_alike(qmp, ("--qmp", f"unix:{qemu.socket_path}"), qemu_facts)


def _judged_alike(qmp: Callable[[JSONObject], Any], target: tuple[str, ...], qemu_facts: QemuFacts) -> None:
    """Each line of CHANGED_LINES: refused by ``vdbgsh translate`` (exit 2, saying why) exactly when the QEMU's
    own HMP refuses it."""
    states = qmp({"execute": "trace-event-get-state", "arguments": {"name": "*"}})["return"]
    event = states[0]["name"]  # a trace event this QEMU has, so that only the grammar is judged
    lines = [line.format(event=event) for line in CHANGED_LINES]

    def hmp(line: str) -> str:
        return str(qmp({"execute": "human-monitor-command", "arguments": {"command-line": line}})["return"])

    verdicts = {line: _hmp_refuses(hmp(line)) for line in lines}
    assert verdicts["singlestep off"] is (qemu_facts.version >= (9, 0, 0))  # the QEMU is what this test thinks
    result = vdbgsh("translate", *target, *lines)
    for line in lines:
        alone = vdbgsh("translate", *target, line)
        assert (alone.returncode == 2) is verdicts[line], f"{qemu_facts}: {line!r}: {alone.stdout}{alone.stderr}"
        if verdicts[line]:
            assert re.search(r"removed in QEMU|came in QEMU|unsupported option|extraneous", alone.stderr), alone.stderr
            assert "Traceback" not in alone.stderr
    assert result.returncode == (2 if any(verdicts.values()) else 0)


def test_a_removed_command_is_refused_with_its_replacement_by_exec(guest: str, qemu_facts: QemuFacts) -> None:
    result = vdbgsh("exec", guest, "singlestep on")
    if qemu_facts.version >= (9, 0, 0):
        assert result.returncode == 2
        assert "'singlestep' was removed in QEMU 9.0: use one-insn-per-tb (this guest runs QEMU " in result.stderr
        assert result.stdout == ""
    else:
        assert result.returncode == 0, result.stderr
        assert "this guest runs" not in result.stderr


def test_an_unknown_command_answered_by_hmp_is_an_error(guest: str) -> None:
    # Sent as typed ('!'): HMP answers "unknown command: ..." inside a successful reply, which is a failure.
    request = {"execute": "human-monitor-command", "arguments": {"command-line": "info nosuchthing"}}
    result = vdbgsh("exec", guest, "!" + json.dumps(request))
    assert result.returncode == 1, result.stdout
    assert "unknown command: 'info nosuchthing'" in result.stderr


def test_xp_of_600000_bytes_goes_through_where_libvirt_carries_it(guest: str, qemu_facts: QemuFacts) -> None:
    # 11.1 prints 8-digit physical addresses: 3.98 MB of JSON, under libvirt's 4 MiB. 7.2's 16 digits: 4.58 MB.
    result = vdbgsh("exec", "--yes", guest, "xp /600000xb 0")
    if qemu_facts.xp_digits == 8:
        assert result.returncode == 0, result.stderr
        assert result.stdout.count("\\r\\n") == 75_000  # piped: the reply's text as one JSON string
    else:
        assert result.returncode == 2
        assert "refused: xp would print about 5 MB" in result.stderr


def test_only_the_versions_module_reads_the_72_table() -> None:
    # Everything else takes the guest's table (versions.table_of): a module-level 7.2 table would judge an 11.1
    # guest's lines by 7.2's grammar.
    import vdbgsh

    root = Path(vdbgsh.__file__).parent
    readers = [
        str(path.relative_to(root))
        for path in root.rglob("*.py")
        if re.search(r"from vdbgsh\.hmp\.table import .*\b(BY_NAME|INFO_BY_NAME|COMMANDS|INFO)\b", path.read_text())
    ]
    assert readers == ["hmp/versions.py"]
