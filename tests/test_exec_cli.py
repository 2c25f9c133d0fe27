"""``vdbgsh exec`` as a script runs it: through subprocess, against real guests on libvirtd and plain QEMU."""

from __future__ import annotations

import json
import os
import re
import signal
import subprocess
import sys
import time
from pathlib import Path

import libvirt
import pytest

from tests.conftest import VDBGSH, vdbgsh, vdbgsh_in_terminal
from tests.guest_facts import QemuFacts, json_fault
from vdbgsh.guest.plain_qemu import PlainQemu


def test_success_prints_compact_return_when_piped(shared_guest: str, qemu_facts: QemuFacts) -> None:
    result = vdbgsh("exec", shared_guest, "query-status")
    assert result.returncode == 0, result.stderr
    assert result.stderr == ""
    assert result.stdout.count("\n") == 1
    assert json.loads(result.stdout) == qemu_facts.running_status


def test_arguments_as_key_value(shared_guest: str, qemu_facts: QemuFacts) -> None:
    result = vdbgsh("exec", shared_guest, "qom-get", "path=/machine", "property=type")
    assert result.returncode == 0, result.stderr
    assert json.loads(result.stdout) == qemu_facts.machine_type


def test_json_request(shared_guest: str, qemu_facts: QemuFacts) -> None:
    request = '{"execute": "qom-get", "arguments": {"path": "/machine", "property": "type"}}'
    result = vdbgsh("exec", shared_guest, request)
    assert result.returncode == 0, result.stderr
    assert json.loads(result.stdout) == qemu_facts.machine_type


@pytest.mark.parametrize(
    ("line", "reply"),
    [
        ("qom-get path=/machine property=type", "machine type"),
        ("  query-name  ", None),  # stray blanks are no part of the name
        ("!qom-get path=/machine property=type", "machine type"),
    ],
)
def test_one_quoted_line_reads_as_the_shell_reads_it(
    shared_guest: str, qemu_facts: QemuFacts, line: str, reply: str | None
) -> None:
    result = vdbgsh("exec", shared_guest, line)
    assert result.returncode == 0, result.stderr
    assert json.loads(result.stdout) == (qemu_facts.machine_type if reply is not None else {"name": shared_guest})


def test_a_quoted_line_with_a_fault_is_refused_not_sent_as_a_name(shared_guest: str) -> None:
    result = vdbgsh("exec", shared_guest, "query-name x")
    assert result.returncode == 2
    assert result.stderr.splitlines() == [
        "vdbgsh: error: 'x' is not key=value",
        "  query-name x",
        "             ^",
        "hint: arguments are key=value (nested: key.member=value, lists: key.0=value)",
    ]


def test_raw_prints_the_whole_reply(shared_guest: str) -> None:
    result = vdbgsh("exec", "--raw", shared_guest, "query-status")
    reply = json.loads(result.stdout)
    assert reply["return"]["status"] == "running"
    assert reply["id"].startswith("libvirt-")


def test_qmp_error_exits_1_with_class_and_description(shared_guest: str) -> None:
    result = vdbgsh("exec", shared_guest, "no-such-command")
    assert result.returncode == 1
    assert result.stdout == ""
    assert result.stderr.splitlines() == [
        "vdbgsh: CommandNotFound: The command no-such-command has not been found",
        "hint: did you mean query-commands?",  # from the guest's schema, read once QEMU has said no
    ]


def test_qmp_error_with_raw_prints_the_error_reply(shared_guest: str) -> None:
    result = vdbgsh("exec", "--raw", shared_guest, "qom-get", "path=/nowhere", "property=type")
    assert result.returncode == 1
    error = json.loads(result.stdout)["error"]
    assert error["class"] == "DeviceNotFound"
    assert result.stderr == f"vdbgsh: DeviceNotFound: {error['desc']}\n"


def test_malformed_json_is_a_usage_error_pointing_at_the_fault(shared_guest: str) -> None:
    text = '{"execute": "query-status",}'
    fault = json_fault(text)  # Python's own words and column: 3.13 names the trailing comma, 3.11 what follows it
    result = vdbgsh("exec", shared_guest, text)
    assert result.returncode == 2
    assert result.stdout == ""
    lines = result.stderr.splitlines()
    assert lines[0] == f"vdbgsh: error: malformed JSON at line 1, column {fault.colno}: {fault.msg}"
    assert lines[1] == "  " + text
    assert lines[2] == "  " + " " * fault.pos + "^"


def test_malformed_json_is_never_sent_even_to_a_missing_guest() -> None:
    # The request is checked before connecting: the JSON fault is reported, not the unknown domain.
    result = vdbgsh("exec", "no-such-guest-at-all", '{"execute"')
    assert result.returncode == 2
    assert "malformed JSON" in result.stderr
    assert "no domain" not in result.stderr


def test_unknown_domain_lists_the_running_ones(shared_guest: str) -> None:
    result = vdbgsh("exec", "no-such-guest-at-all", "query-status")
    assert result.returncode == 2
    first, hint = result.stderr.splitlines()
    assert first.startswith("vdbgsh: error: no domain 'no-such-guest-at-all' on qemu:///system (running: ")
    assert shared_guest in first
    assert hint == "hint: see 'vdbgsh list --all'"


def test_shut_off_domain_says_how_to_start_it(shut_off_guest: str) -> None:
    result = vdbgsh("exec", shut_off_guest, "query-status")
    assert result.returncode == 2
    assert result.stderr.splitlines() == [
        f"vdbgsh: error: domain '{shut_off_guest}' is not running (state: shut off)",
        f"hint: start it with: virsh -c qemu:///system start {shut_off_guest}",
    ]


def test_domain_by_uuid_and_by_id(conn: libvirt.virConnect, shared_guest: str) -> None:
    dom = conn.lookupByName(shared_guest)
    for ref in (dom.UUIDString(), str(dom.ID())):
        result = vdbgsh("exec", ref, "query-name")
        assert result.returncode == 0, result.stderr
        assert json.loads(result.stdout) == {"name": shared_guest}


def test_uri_from_the_environment_and_from_connect() -> None:
    dead = "qemu+unix:///system?socket=/nonexistent/libvirt-sock"
    for result in (
        vdbgsh("exec", "-c", dead, "g", "query-status"),
        vdbgsh("exec", "g", "query-status", env={"LIBVIRT_DEFAULT_URI": dead}),
    ):
        assert result.returncode == 2
        first, hint = result.stderr.splitlines()
        assert first.startswith(f"vdbgsh: error: cannot reach libvirtd at {dead}: Failed to connect socket")
        assert hint.startswith("hint: start the daemons with 'make demo'")


def test_stdin_batch_one_reply_per_line(shared_guest: str, qemu_facts: QemuFacts) -> None:
    commands = "query-status\n\n# a comment\n" + '{"execute": "query-name"}\n' + "qom-get path=/machine property=type\n"
    result = vdbgsh("exec", shared_guest, "-", input=commands)
    assert result.returncode == 0, result.stderr
    assert [json.loads(line) for line in result.stdout.splitlines()] == [
        qemu_facts.running_status,
        {"name": shared_guest},
        qemu_facts.machine_type,
    ]


def test_stdin_batch_stops_at_the_first_error(shared_guest: str) -> None:
    result = vdbgsh("exec", shared_guest, "-", input="query-name\nnope\nquery-status\n")
    assert result.returncode == 1
    assert result.stdout.splitlines() == [json.dumps({"name": shared_guest}, separators=(",", ":"))]
    assert result.stderr == "vdbgsh: line 2: CommandNotFound: The command nope has not been found\n"


def test_stdin_batch_keep_going(shared_guest: str) -> None:
    result = vdbgsh("exec", "--keep-going", shared_guest, "-", input="nope\n{bad json\nquery-name\n")
    assert result.returncode == 2  # the worst of: a QMP error (1) and a malformed line (2)
    assert result.stdout.splitlines() == [json.dumps({"name": shared_guest}, separators=(",", ":"))]
    assert "line 1: CommandNotFound" in result.stderr
    assert "vdbgsh: error: line 2: malformed JSON at line 1, column 2" in result.stderr


def test_terminal_output_is_pretty_and_highlighted(shared_guest: str, qemu_facts: QemuFacts) -> None:
    status, shown = vdbgsh_in_terminal("exec", shared_guest, "query-status")
    assert status == 0
    assert "\x1b[" in shown  # coloured
    plain = __import__("re").sub(r"\x1b\[[0-9;]*m", "", shown).replace("\r\n", "\n")
    assert plain == json.dumps(qemu_facts.running_status, indent=2) + "\n"


def test_compact_and_pretty_override_the_terminal_choice(shared_guest: str, qemu_facts: QemuFacts) -> None:
    status, shown = vdbgsh_in_terminal("exec", "--compact", shared_guest, "query-status")
    assert status == 0
    assert shown.strip() == qemu_facts.compact_status()
    piped = vdbgsh("exec", "--pretty", shared_guest, "query-status")
    assert piped.stdout.startswith('{\n  "status": "running"')


def test_direct_socket_transport(shared_qemu: PlainQemu, qemu_facts: QemuFacts) -> None:
    address = str(shared_qemu.address)
    ok = vdbgsh("exec", "--qmp", address, "query-status")
    assert ok.returncode == 0, ok.stderr
    assert json.loads(ok.stdout) == qemu_facts.running_status
    bad = vdbgsh("exec", "--qmp", address, "no-such-command")
    assert (bad.returncode, bad.stderr.splitlines()[0]) == (
        1,
        "vdbgsh: CommandNotFound: The command no-such-command has not been found",
    )


@pytest.mark.parametrize(
    "command",
    [
        ["query-status"],
        ["query-version"],
        ["query-kvm"],
        ["qom-list", "path=/machine/peripheral-anon"],
        ["qom-get", "path=/machine", "property=type"],
        ["query-cpus-fast"],
        ["no-such-command"],
        ["qom-get", "path=/nowhere", "property=type"],
        ["query-status", "bogus=1"],
    ],
)
def test_both_transports_give_the_same_replies(shared_guest: str, shared_qemu: PlainQemu, command: list[str]) -> None:
    via_libvirt = vdbgsh("exec", shared_guest, *command)
    via_socket = vdbgsh("exec", "--qmp", str(shared_qemu.address), *command)
    assert via_libvirt.returncode == via_socket.returncode
    assert via_libvirt.stderr == via_socket.stderr
    libvirt_value = json.loads(via_libvirt.stdout) if via_libvirt.stdout else None
    socket_value = json.loads(via_socket.stdout) if via_socket.stdout else None
    if command == ["query-cpus-fast"]:
        # The same guest hardware, but each QEMU has its own vCPU thread.
        for cpus in (libvirt_value, socket_value):
            assert cpus is not None
            for cpu in cpus:
                cpu.pop("thread-id")
    assert libvirt_value == socket_value


def test_busy_socket_is_reported_not_hung(qemu: PlainQemu) -> None:
    from qemu.qmp.legacy import QEMUMonitorProtocol

    holder = QEMUMonitorProtocol(str(qemu.socket_path))
    holder.connect()
    try:
        result = vdbgsh("exec", "--qmp", str(qemu.address), "query-status", timeout=20)
    finally:
        holder.close()
    assert result.returncode == 2
    assert "is busy" in result.stderr
    assert "one QMP client at a time" in result.stderr


@pytest.mark.parametrize(
    ("address", "message"),
    [
        ("unix:/nonexistent/qmp.sock", "no QMP socket at unix:/nonexistent/qmp.sock"),
        ("127.0.0.1:1", "QMP socket 127.0.0.1:1 refused the connection"),
        ("nonsense", "bad QMP address 'nonsense'"),
    ],
)
def test_unreachable_sockets(address: str, message: str) -> None:
    result = vdbgsh("exec", "--qmp", address, "query-status")
    assert result.returncode == 2
    assert result.stderr.startswith(f"vdbgsh: error: {message}")
    assert "Traceback" not in result.stderr


@pytest.mark.parametrize(
    ("args", "message"),
    [
        (["exec"], "no DOMAIN given for exec"),
        (["exec", "g"], "no COMMAND given"),
        (["exec", "g", " "], "the COMMAND is empty"),
        (["exec", "g", "cmd", "novalue"], "'novalue' is not key=value"),
        (["exec", "g", "-", "extra"], "unexpected 'extra' after '-'"),
        (["exec", "g", '{"execute": "x"}', "a=1"], "unexpected 'a=1' after a JSON request"),
    ],
)
def test_usage_errors(args: list[str], message: str) -> None:
    result = vdbgsh(*args)
    assert result.returncode == 2
    assert message in result.stderr.splitlines()[0]


def test_connect_and_qmp_exclude_each_other() -> None:
    result = vdbgsh("exec", "-c", "qemu:///system", "--qmp", "unix:/x", "query-status")
    assert result.returncode == 2
    assert "not allowed with argument" in result.stderr


def test_help_version_and_module_entry() -> None:
    for sub in ("exec", "list", "attach", "translate"):
        result = vdbgsh(sub, "--help")
        assert result.returncode == 0
        assert result.stdout.startswith(f"usage: vdbgsh {sub}")
    version = vdbgsh("--version")
    assert version.stdout.startswith("vdbgsh ")
    module = subprocess.run([sys.executable, "-m", "vdbgsh", "--version"], capture_output=True, text=True, check=False)
    assert module.stdout == version.stdout


def test_exec_does_not_import_prompt_toolkit(shared_guest: str) -> None:
    probe = (
        "import sys; from vdbgsh.cli.main import main; "
        f"status = main(['exec', {shared_guest!r}, 'query-status']); "
        "print('prompt_toolkit' in sys.modules, status)"
    )
    result = subprocess.run([sys.executable, "-c", probe], capture_output=True, text=True, check=False)
    assert result.stdout.splitlines()[-1] == "False 0"


def test_not_root_on_the_system_connection_is_permission_denied(shared_guest: str) -> None:
    result = subprocess.run(
        ["setpriv", "--reuid=65534", "--regid=65534", "--clear-groups", VDBGSH, "exec", shared_guest, "query-status"],
        capture_output=True,
        text=True,
        check=False,
        env={"PATH": "/usr/bin:/bin", "HOME": "/nonexistent"},
    )
    assert result.returncode == 2
    first, hint = result.stderr.splitlines()
    assert first.startswith("vdbgsh: error: permission denied connecting to qemu:///system")
    assert hint.startswith("hint: run as root")


def qemu_pid_of(name: str) -> int:
    return int(Path(f"/var/run/libvirt/qemu/{name}.pid").read_text())


@pytest.mark.parametrize("transport", ["libvirt", "socket"])
def test_guest_going_away_mid_command(guest: str, qemu: PlainQemu, transport: str) -> None:
    if transport == "libvirt":
        pid, args = qemu_pid_of(guest), [guest]
    else:
        assert qemu.process is not None
        pid, args = qemu.process.pid, ["--qmp", str(qemu.address)]
    running = subprocess.Popen(
        [VDBGSH, "exec", *args, "-"],
        stdin=subprocess.PIPE,
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        text=True,
    )
    assert running.stdin is not None
    assert running.stdout is not None
    running.stdin.write("query-name\n")
    running.stdin.flush()
    assert "name" in running.stdout.readline()  # connected, first reply in
    # A stopped QEMU cannot answer: the next command is in flight when the process is killed.
    os.kill(pid, signal.SIGSTOP)
    running.stdin.write("query-status\n")
    running.stdin.flush()
    time.sleep(1.0)
    assert running.poll() is None
    os.kill(pid, signal.SIGKILL)
    out, err = running.communicate(timeout=30)
    assert running.returncode == 2
    assert out == ""
    assert "went away during the command" in err
    assert len(err.splitlines()) == 1


def test_arguments_are_typed_by_the_schema(shared_guest: str, tmp_path: Path) -> None:
    env = {"XDG_CACHE_HOME": str(tmp_path)}
    result = vdbgsh("exec", "--dry-run", shared_guest, "migrate-set-parameters", "max-bandwidth=1G", env=env)
    assert result.returncode == 0, result.stderr
    assert json.loads(result.stdout) == {"execute": "migrate-set-parameters", "arguments": {"max-bandwidth": 1 << 30}}
    assert len(list((tmp_path / "vdbgsh" / "schema").iterdir())) == 1
    sent = vdbgsh("exec", shared_guest, "qom-list-types", "implements=virtio-balloon-pci", "abstract=off", env=env)
    assert json.loads(sent.stdout)[0]["name"] == "virtio-balloon-pci"


def test_invalid_arguments_are_refused_before_sending(shared_guest: str) -> None:
    result = vdbgsh("exec", shared_guest, "qom-get", "path=/machine", "propery=type")
    assert result.returncode == 2
    assert result.stderr.splitlines() == [
        "vdbgsh: error: unknown argument 'propery'; did you mean property?",
        "  qom-get path=/machine propery=type",
        "                        ^",
        "hint: expected one of: path, property",
    ]
    wrong_type = vdbgsh("exec", shared_guest, "qom-list-types", "abstract=maybe")
    assert wrong_type.returncode == 2
    assert "abstract: 'maybe' is not a boolean" in wrong_type.stderr


def test_dry_run_names_an_unknown_command_with_suggestions(shared_guest: str) -> None:
    result = vdbgsh("exec", "--dry-run", shared_guest, "query-statsu")
    assert result.returncode == 2
    assert result.stderr.splitlines()[0] == (
        "vdbgsh: error: unknown command 'query-statsu'; did you mean query-stats or query-status or query-blockstats?"
    )
    assert result.stderr.splitlines()[-1] == "hint: --no-validate sends it unchecked"


def test_no_validate_sends_as_typed(shared_guest: str) -> None:
    result = vdbgsh("exec", "--no-validate", shared_guest, "query-status", "bogus=1")
    assert (result.returncode, result.stderr) == (1, "vdbgsh: GenericError: Parameter 'bogus' is unexpected\n")


def test_stdin_batch_types_and_checks_each_line(shared_guest: str, qemu_facts: QemuFacts) -> None:
    lines = "qom-get path=/machine property=type\nqom-get path=/machine prop=x\nquery-name\n"
    result = vdbgsh("exec", "--keep-going", shared_guest, "-", input=lines)
    assert result.returncode == 2
    assert [json.loads(line) for line in result.stdout.splitlines()] == [
        qemu_facts.machine_type,
        {"name": shared_guest},
    ]
    assert result.stderr.startswith("vdbgsh: error: line 2: unknown argument 'prop'; did you mean property?")


def test_a_reader_that_goes_away_ends_quietly(shared_guest: str) -> None:
    pipeline = f"{VDBGSH} exec --pretty {shared_guest} query-qmp-schema | head -n 1; echo status=${{PIPESTATUS[0]}}"
    result = subprocess.run(["bash", "-c", pipeline], capture_output=True, text=True, check=False)
    assert result.stdout.splitlines() == ["[", "status=141"]
    assert result.stderr == ""


@pytest.mark.parametrize("argv", [["info status"], ["info", "status"]])
def test_an_hmp_line_is_translated_as_the_shell_does(shared_guest: str, qemu_facts: QemuFacts, argv: list[str]) -> None:
    result = vdbgsh("exec", shared_guest, *argv)
    assert result.returncode == 0, result.stderr
    assert json.loads(result.stdout) == qemu_facts.running_status
    shown = vdbgsh("exec", "--dry-run", shared_guest, *argv)
    assert json.loads(shown.stdout) == {"execute": "query-status"}


def test_hmp_lines_from_stdin_and_hmp_text_on_a_terminal(shared_guest: str, qemu_facts: QemuFacts) -> None:
    result = vdbgsh("exec", shared_guest, "-", input="info name\nquery-name\nxp /2xb 0\n")
    assert result.returncode == 0, result.stderr
    first, second, dump = result.stdout.splitlines()
    assert json.loads(first) == json.loads(second) == {"name": shared_guest}
    assert json.loads(dump).startswith(qemu_facts.xp_address(0) + ": 0x")  # HMP's text, a JSON string when piped
    status, shown = vdbgsh_in_terminal("exec", shared_guest, "xp /2xb 0")
    assert status == 0
    note, dump_line = shown.splitlines()
    assert note == "vdbgsh: note: HMP only: the reply is HMP's text, whose form QEMU may change in any release"
    assert re.fullmatch(qemu_facts.xp_address(0) + r": 0x[0-9a-f]{2} 0x[0-9a-f]{2}", dump_line)  # as HMP prints it


def test_a_bare_name_qemu_does_not_know_is_run_as_hmp_or_gets_a_suggestion(shared_guest: str) -> None:
    listing = vdbgsh("exec", shared_guest, "info")  # HMP only: the list of info sub-commands
    assert listing.returncode == 0, listing.stderr
    assert "info status" in json.loads(listing.stdout)
    misspelt = vdbgsh("exec", shared_guest, "query-statsu")
    assert misspelt.returncode == 1
    assert misspelt.stderr.splitlines() == [
        "vdbgsh: CommandNotFound: The command query-statsu has not been found",
        "hint: did you mean query-stats or query-status or query-blockstats?",
    ]


def test_a_memory_dump_libvirt_cannot_carry_is_refused_before_it_is_sent(shared_guest: str) -> None:
    result = vdbgsh("exec", shared_guest, "xp /1400000xb 0")
    assert result.returncode == 2
    assert re.match(  # about 11 MB on 7.2 (16-digit addresses), 10 MB on 11.1 (8 digits)
        r"vdbgsh: error: refused: xp would print about 1[01] MB, and through libvirt a reply over 4 MiB", result.stderr
    ), result.stderr
    assert vdbgsh("exec", shared_guest, "query-name").returncode == 0  # the monitor is fine


def test_an_error_hmp_reports_in_its_text_exits_1(shared_guest: str) -> None:
    # QEMU answers HMP through a successful QMP reply whatever happened; its "Error: ..." text is an error here.
    failed = vdbgsh("exec", "--yes", shared_guest, "savevm")  # a bare HMP name: no disk can hold the state
    assert (failed.returncode, failed.stdout) == (1, "")
    assert failed.stderr == "vdbgsh: Error: no block device can store vmstate for snapshot\n"
    parse = vdbgsh("exec", shared_guest, "human-monitor-command", "command-line=info block -x")
    assert parse.returncode == 1
    assert parse.stderr.splitlines() == [
        "vdbgsh: block: unsupported option -x",
        'vdbgsh: Try "help info block" for more information',
    ]


def test_hmp_state_carries_from_line_to_line_of_a_batch(shared_guest: str) -> None:
    shown = vdbgsh("exec", "--dry-run", shared_guest, "-", input="x /1xb 0\ncpu 1\nx /1xb 0\n")
    assert shown.returncode == 0, shown.stderr
    first, after_cpu = (json.loads(line)["arguments"] for line in shown.stdout.splitlines())
    assert "cpu-index" not in first
    assert after_cpu == {"command-line": "x /1xb 0", "cpu-index": 1}  # as `cpu 1` set it, like the text monitor
