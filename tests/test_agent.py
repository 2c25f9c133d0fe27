"""The guest agent (qemu-ga) through vdbgsh, on the real Linux guest (tests/linux_guest.py): ``exec --agent`` as a
user sees it (replies, help, errors, consent, read-only, masking), and the shell over the agent."""

from __future__ import annotations

import json
import time
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import libvirt
import pytest

from tests.conftest import unique_name, vdbgsh, vdbgsh_in_terminal
from tests.linux_guest import LinuxGuest
from tests.terminal import Tmux
from tests.test_guard_cli import on_terminal
from vdbgsh.agent.schema import agent_schema, chosen_version, shipped_versions
from vdbgsh.guest.definitions import domain_xml, qemu_binary
from vdbgsh.guest.libvirt_guest import destroy_quietly
from vdbgsh.render.ansi import strip_ansi
from vdbgsh.schema.shipped_data import DATA

AGENT_CHANNEL = "<channel type='unix'><target type='virtio' name='org.qemu.guest_agent.0'/></channel>"


@pytest.fixture
def config_home(tmp_path: Path) -> dict[str, str]:
    return {"XDG_CONFIG_HOME": str(tmp_path), "XDG_STATE_HOME": str(tmp_path / "state")}


@pytest.fixture
def guest_without_agent(conn: libvirt.virConnect) -> Iterator[str]:
    """A diskless guest with the agent's channel and no OS: nothing ever answers on it."""
    name = unique_name()
    xml = domain_xml(name, qemu_binary()).replace("</devices>", AGENT_CHANNEL + "</devices>")
    conn.createXML(xml, 0)
    try:
        yield name
    finally:
        destroy_quietly(conn, name)


def test_exec_agent_ping_info_osinfo(shared_linux_guest: LinuxGuest) -> None:
    name = shared_linux_guest.name
    ping = vdbgsh("exec", "--agent", name, "guest-ping")
    assert (ping.returncode, ping.stdout, ping.stderr) == (0, "{}\n", "")
    waited = vdbgsh("exec", "--agent", "--agent-timeout", "5", name, "guest-ping")
    assert (waited.returncode, waited.stdout, waited.stderr) == (0, "{}\n", "")
    info = vdbgsh("exec", "--agent", name, "guest-info")
    assert info.returncode == 0, info.stderr
    expected = shared_linux_guest.agent("guest-info")
    assert json.loads(info.stdout) == expected
    osinfo = vdbgsh("exec", "--agent", name, "guest-get-osinfo")
    assert osinfo.returncode == 0, osinfo.stderr
    kernel = shared_linux_guest.shell("uname -r").strip()
    assert json.loads(osinfo.stdout)["kernel-release"] == kernel


def test_exec_agent_tables_on_a_terminal_json_when_piped(shared_linux_guest: LinuxGuest) -> None:
    name = shared_linux_guest.name
    kernel = shared_linux_guest.shell("uname -r").strip()
    status, shown = vdbgsh_in_terminal("exec", "--agent", name, "guest-get-osinfo")
    assert status == 0, shown
    rows = [line.split() for line in strip_ansi(shown).replace("\r\n", "\n").splitlines()]
    assert ["member", "value"] in rows
    assert ["kernel-release", kernel] in rows
    piped = vdbgsh("exec", "--agent", name, "guest-get-osinfo")
    assert json.loads(piped.stdout)["kernel-release"] == kernel


def test_exec_agent_types_arguments_from_the_schema(shared_linux_guest: LinuxGuest) -> None:
    """Values typed by the agent's schema: a handle is an int, a misspelt member gets its nearest name."""
    name = shared_linux_guest.name
    dry = vdbgsh("exec", "--agent", "--dry-run", name, "guest-file-read", "handle=1000", "count=10")
    assert (dry.returncode, dry.stdout) == (0, '{"execute":"guest-file-read","arguments":{"handle":1000,"count":10}}\n')
    wrong = vdbgsh("exec", "--agent", name, "guest-file-read", "handel=3")
    assert wrong.returncode == 2
    assert "handle" in wrong.stderr
    assert "Traceback" not in wrong.stderr


def test_exec_agent_guest_errors_and_hmp(shared_linux_guest: LinuxGuest) -> None:
    name = shared_linux_guest.name
    missing = vdbgsh("exec", "--agent", name, "guest-file-open", "path=/no/such/file")
    assert missing.returncode == 1
    assert missing.stderr.startswith("vdbgsh: GenericError: failed to open file '/no/such/file'")
    assert missing.stderr.count("\n") == 1
    typo = vdbgsh("exec", "--agent", name, "guest-pnig")
    assert typo.returncode == 1
    assert typo.stderr.splitlines()[0] == "vdbgsh: CommandNotFound: The command guest-pnig has not been found"
    assert "guest-ping" in typo.stderr.splitlines()[1]  # the nearest names, from the agent's commands
    bare_hmp = vdbgsh("exec", "--agent", name, "cont")
    assert bare_hmp.returncode == 2
    assert "'cont': HMP lines are for QEMU's monitor, not the guest agent" in bare_hmp.stderr
    hmp = vdbgsh("exec", "--agent", name, "info", "status")
    assert hmp.returncode == 2
    assert hmp.stderr.splitlines()[0] == (
        "vdbgsh: error: 'info': HMP lines are for QEMU's monitor, not the guest agent: nothing was sent"
    )


def test_exec_agent_help_has_qemus_docs_and_disabled_commands(shared_linux_guest: LinuxGuest) -> None:
    name = shared_linux_guest.name
    info = shared_linux_guest.agent("guest-info")
    disabled = sorted(c["name"] for c in info["supported_commands"] if not c["enabled"])
    overview = vdbgsh("exec", "--agent", name, "help")
    assert overview.returncode == 0, overview.stderr
    assert overview.stdout.startswith(f"guest agent {info['version']}: ")
    if disabled:
        assert "disabled (the agent refuses them):" in overview.stdout
        assert disabled[0] in overview.stdout.split("disabled (the agent refuses them):")[1]
    exec_help = vdbgsh("exec", "--agent", name, "help", "guest-exec")
    assert exec_help.returncode == 0, exec_help.stderr
    assert "capture-output  optional  bool" in exec_help.stdout
    assert "qga/qapi-schema.json, GPL-2.0-or-later" in exec_help.stdout
    assert "Execute a command in the guest" in exec_help.stdout


def test_exec_agent_set_time_asks_first_and_read_only_refuses(
    shared_linux_guest: LinuxGuest, config_home: dict[str, str], tmp_path: Path
) -> None:
    name = shared_linux_guest.name
    status, shown = on_terminal(["exec", "--agent", name, "guest-set-time"], ["n"], tmp_path)
    assert status == 2
    assert f"vdbgsh: guest-set-time (guest agent) sets the clock of {name}" in shown
    assert "cancelled: guest-set-time was not sent" in shown
    piped = vdbgsh("exec", "--agent", name, "guest-set-time", env=config_home)
    assert (piped.returncode, piped.stdout) == (2, "")
    assert piped.stderr == (
        f"vdbgsh: refused: guest-set-time changes {name} through its agent and there is no terminal to confirm it; "
        "--yes sends it anyway\n"
    )
    read_only = vdbgsh("exec", "--agent", "--read-only", "--yes", name, "guest-set-time", env=config_home)
    assert read_only.returncode == 2
    assert read_only.stderr == (
        "vdbgsh: refused: guest-set-time is not read-only, and read-only mode is on (--read-only)\n"
    )
    reading = vdbgsh("exec", "--agent", "--read-only", name, "guest-get-time", env=config_home)
    assert reading.returncode == 0, reading.stderr


def test_exec_agent_fsfreeze_question_names_libvirts_tracking(shared_linux_guest: LinuxGuest, tmp_path: Path) -> None:
    status, shown = on_terminal(["exec", "--agent", shared_linux_guest.name, "guest-fsfreeze-freeze"], ["n"], tmp_path)
    assert status == 2
    flat = " ".join(shown.split())
    assert "libvirt tracks frozen filesystems itself (virDomainFSFreeze, 'virsh domfsfreeze'" in flat
    assert "libvirt believes they are thawed" in flat
    assert shared_linux_guest.agent("guest-fsfreeze-status") == "thawed"


def test_exec_agent_password_is_masked_in_the_log(
    shared_linux_guest: LinuxGuest, config_home: dict[str, str], tmp_path: Path
) -> None:
    log = tmp_path / "agent.log"
    secret = "c2VjcmV0LXBhc3N3b3Jk"  # base64 of the password
    result = vdbgsh(
        "exec", "--agent", "--yes", "--log", str(log), shared_linux_guest.name,
        "guest-set-user-password", "username=nobody", f"password={secret}", "crypted=false",
        env=config_home,
    )  # fmt: skip
    assert result.returncode in (0, 1), result.stderr  # the busybox guest may lack passwd: the agent says so
    text = log.read_text()
    assert secret not in text
    assert secret not in result.stdout + result.stderr
    request = next(json.loads(line) for line in text.splitlines() if '"type":"request"' in line)
    assert request["request"]["arguments"]["password"] == "********"


def test_exec_agent_without_an_agent_is_one_line(guest: str, guest_without_agent: str) -> None:
    no_channel = vdbgsh("exec", "--agent", guest, "guest-ping")
    assert no_channel.returncode == 2
    first, *rest = no_channel.stderr.splitlines()
    assert first.startswith(f"vdbgsh: error: guest {guest} has no guest agent channel")
    assert rest == [
        "hint: the guest needs qemu-ga running and a channel <channel type='unix'><target type='virtio' "
        "name='org.qemu.guest_agent.0'/></channel> in its domain XML"
    ]
    silent = vdbgsh("exec", "--agent", guest_without_agent, "guest-ping", timeout=30)
    assert silent.returncode == 2
    first, *rest = silent.stderr.splitlines()
    assert first.startswith(f"vdbgsh: error: guest {guest_without_agent}'s agent is not answering")
    assert len(rest) == 1
    assert rest[0].startswith("hint: is qemu-ga running in the guest")
    timeout = vdbgsh("exec", "--agent", "--agent-timeout", "soon", guest, "guest-ping")
    assert timeout.returncode == 2
    assert "'soon' is no agent timeout" in timeout.stderr


def test_exec_agent_across_guests_inventories_their_agents(
    shared_linux_guest: LinuxGuest, guest: str, config_home: dict[str, str]
) -> None:
    # The fleet over the agents (issue 14 with 15): one JSON line per guest; the guest without an agent channel is
    # reported for itself (unreachable: exit 3), the other answers.
    name = shared_linux_guest.name
    result = vdbgsh("exec", "--agent", f"{name},{guest}", "guest-get-osinfo", env=config_home)
    rows = {row["domain"]: row for row in map(json.loads, result.stdout.splitlines())}
    assert result.returncode == 3, result.stderr
    assert rows[name]["return"]["kernel-release"] == shared_linux_guest.agent("guest-get-osinfo")["kernel-release"]
    assert rows[guest]["error"]["class"] == "Unreachable"
    assert "has no guest agent channel" in rows[guest]["error"]["desc"]
    # Typed by the agent's own schema, and HMP refused, for every guest, before anything is sent.
    typo = vdbgsh("exec", "--agent", f"{name},{guest}", "guest-get-osinf", env=config_home)
    typo_row = {row["domain"]: row for row in map(json.loads, typo.stdout.splitlines())}[name]["error"]
    assert typo_row == {"class": "Refused", "desc": typo_row["desc"]}
    assert "guest-get-osinf" in typo_row["desc"], typo_row
    # What changes a guest is asked about once for all of them; without a terminal, refused with --yes named.
    changing = vdbgsh("exec", "--agent", f"{name},{guest}", "guest-set-time", env=config_home)
    refused = {row["domain"]: row for row in map(json.loads, changing.stdout.splitlines())}[name]["error"]
    assert refused["class"] == "Refused"
    assert refused["desc"].startswith("refused: guest-set-time changes")
    assert refused["desc"].endswith("there is no terminal to confirm it; --yes sends it anyway")
    assert shared_linux_guest.agent("guest-ping") == {}


def test_an_agent_transcript_replays_on_the_agent(shared_linux_guest: LinuxGuest, tmp_path: Path) -> None:
    name = shared_linux_guest.name
    log = tmp_path / "agent.log"
    recorded = vdbgsh("exec", "--agent", "--log", str(log), name, "guest-get-host-name")
    assert recorded.returncode == 0, recorded.stderr
    start = json.loads(log.read_text().splitlines()[0])
    assert start["agent"] is True
    replayed = vdbgsh("replay", str(log))
    assert (replayed.returncode, replayed.stderr) == (0, "")
    assert json.loads(replayed.stdout) == shared_linux_guest.agent("guest-get-host-name")
    script = vdbgsh("replay", "--script", str(log))
    assert script.returncode == 0, script.stderr
    assert '"$vdbgsh" exec --agent ' in script.stdout


# The shell over the agent.


def test_shell_agent_completes_enabled_commands_and_asks_first(
    tmux: Tmux, shared_linux_guest: LinuxGuest, home: dict[str, str]
) -> None:
    name = shared_linux_guest.name
    info = shared_linux_guest.agent("guest-info")
    disabled = [c["name"] for c in info["supported_commands"] if not c["enabled"]]
    prompt = f"{name} (agent)>"
    tmux.start("attach", "--agent", name, env=home)
    screen = tmux.wait_for(prompt)
    assert f"vdbgsh attached to the guest agent of {name} (qemu-ga {info['version']})" in screen
    toolbar = tmux.visible()[-1]
    assert f"{name} · agent" in toolbar
    assert "events" not in toolbar  # the agent sends none: no count, no F2
    tmux.send("-l", "guest-get-os")
    tmux.wait_for("guest-get-osinfo")
    tmux.send("Tab")
    tmux.wait_for(f"{prompt} guest-get-osinfo")
    tmux.send("Enter")
    tmux.wait_for("kernel-release")  # a table, a member a row
    tmux.send("-l", "guest-file-read ha")
    tmux.wait_for("required · int")  # the member, typed from QEMU's agent schema
    tmux.send("C-u")
    if disabled:  # the test guest's agent disables guest-get-devices (no udev in it)
        tmux.send("-l", disabled[0][:-1])
        time.sleep(1.0)  # a menu would have come by now
        assert disabled[0] not in tmux.screen().split(prompt)[-1]
        tmux.send("C-u")
    tmux.type_line("guest-set-time")
    screen = tmux.wait_for("[y/N]")
    assert f"guest-set-time (guest agent) sets the clock of {name}" in " ".join(screen.split())
    tmux.send("n")
    tmux.wait_for("cancelled: guest-set-time was not sent")


def test_shell_agent_run_stops_waiting_on_ctrl_c(
    tmux: Tmux, shared_linux_guest: LinuxGuest, home: dict[str, str]
) -> None:
    name = shared_linux_guest.name
    prompt = f"{name} (agent)>"
    tmux.start("attach", "--agent", "--yes", name, env=home)
    tmux.wait_for(prompt)
    tmux.type_line(":run sleep 60")
    tmux.wait_for(f"{prompt} :run sleep 60")
    time.sleep(1.0)  # started, and polled at least once
    tmux.send("C-c")
    tmux.wait_for("stopped waiting")
    tmux.type_line(":run echo still here")
    tmux.wait_for("still here\nnote: echo (pid ")
    shared_linux_guest.shell("pkill sleep || true")


def test_shell_agent_password_is_masked_in_history_and_log(
    tmux: Tmux, shared_linux_guest: LinuxGuest, home: dict[str, str], tmp_path: Path
) -> None:
    name = shared_linux_guest.name
    secret = "cGxhaW4tb3ItYmFzZTY0"
    log = tmp_path / "shell.log"
    tmux.start("attach", "--agent", "--yes", "--log", str(log), name, env=home)
    tmux.wait_for(f"{name} (agent)>")
    tmux.type_line(f"guest-set-user-password username=nobody password={secret} crypted=false")
    tmux.wait_for(" ms)")  # answered (the busybox guest may have no passwd program: the agent says so)
    tmux.type_line(":quit")
    deadline = time.monotonic() + 20
    while '"type":"end"' not in log.read_text() and time.monotonic() < deadline:
        time.sleep(0.1)
    stored = [path for path in Path(home["XDG_STATE_HOME"]).rglob("*") if path.is_file()]
    assert stored, "no history file was written"
    for path in [*stored, log]:
        assert secret not in path.read_text(errors="replace"), path
    assert any("password=********" in path.read_text(errors="replace") for path in stored)


def test_shell_agent_run_and_cat(shared_linux_guest: LinuxGuest, home: dict[str, str]) -> None:
    """:run and :cat in the line-mode shell (stdin piped): the output as text, the exit code, the file."""
    name = shared_linux_guest.name
    lines = [":run uname -r", ":run sh -c 'echo a b; exit 3'", ":cat /proc/version", "info status", ":run"]
    result = vdbgsh("attach", "--agent", "--yes", name, input="\n".join(lines) + "\n", env=home)
    assert result.returncode == 0, result.stderr
    kernel = shared_linux_guest.shell("uname -r").strip()
    version = shared_linux_guest.shell("cat /proc/version").strip()
    out = result.stdout
    assert f"\n{kernel}\nnote: uname (pid " in out
    assert ") exited with code 0\n" in out
    assert "\na b\nnote: sh (pid " in out
    assert ") exited with code 3\n" in out
    assert f"\n{version}\n" in out
    assert "error: 'info': HMP lines are for QEMU's monitor, not the guest agent: nothing was sent" in out
    assert "error: ':run' needs a program: :run CMD ARG…" in out


def test_shell_agent_read_only_refuses_run_allows_cat(shared_linux_guest: LinuxGuest, home: dict[str, str]) -> None:
    name = shared_linux_guest.name
    result = vdbgsh("attach", "--agent", "--read-only", name, input=":run true\n:cat /proc/version\n", env=home)
    assert "error: refused: guest-exec is not read-only, and read-only mode is on (--read-only)" in result.stdout
    assert "Linux version" in result.stdout


def test_shell_agent_refuses_what_only_qemus_monitor_has(shared_linux_guest: LinuxGuest, home: dict[str, str]) -> None:
    """Transactions and events are QEMU's: on the agent they are refused in one line, nothing is sent."""
    lines = [":begin", "guest-ping", ":wait SHUTDOWN --timeout 1"]
    result = vdbgsh("attach", "--agent", shared_linux_guest.name, input="\n".join(lines) + "\n", env=home)
    assert "error: ':begin' is for QEMU's monitor: the guest agent has no transactions" in result.stdout
    assert "error: ':wait' is for QEMU's monitor: the guest agent sends no events" in result.stdout
    assert "{}" in result.stdout  # guest-ping ran: no transaction was open


def test_shell_agent_copies_a_virsh_agent_line(shared_linux_guest: LinuxGuest, home: dict[str, str]) -> None:
    name = shared_linux_guest.name
    lines = ["guest-get-time", ":copy virsh", ":copy hmp"]
    result = vdbgsh("attach", "--agent", name, input="\n".join(lines) + "\n", env=home)
    assert "virsh -c qemu:///system qemu-agent-command " + name + ' --pretty \'{"execute":"guest-get-time"}\'' in (
        result.stdout
    )
    assert "note: no HMP line: the guest agent runs no HMP" in result.stdout


def test_run_and_cat_are_the_agents(shared_guest: str, home: dict[str, str]) -> None:
    result = vdbgsh("attach", shared_guest, input=":run true\n", env=home)
    assert "error: ':run' works on the guest agent only: attach with --agent" in result.stdout


def test_shell_agent_osinfo_and_interfaces_as_tables(shared_linux_guest: LinuxGuest, home: dict[str, str]) -> None:
    name = shared_linux_guest.name
    lines = ["guest-get-osinfo", "guest-network-get-interfaces", ":view json", "guest-get-osinfo"]
    result = vdbgsh("attach", "--agent", name, input="\n".join(lines) + "\n", env=home)
    assert result.returncode == 0, result.stderr
    kernel = shared_linux_guest.shell("uname -r").strip()
    rows = [line.split() for line in result.stdout.splitlines()]
    assert ["member", "value"] in rows
    assert ["kernel-release", kernel] in rows
    interfaces = shared_linux_guest.agent("guest-network-get-interfaces")
    header = next(row for row in rows if row[:1] == ["name"])
    assert header[:3] == ["name", "hardware-address", "addresses"]
    assert any(row[:2] == [interfaces[0]["name"], interfaces[0]["hardware-address"]] for row in rows)
    assert f'"kernel-release": "{kernel}"' in result.stdout  # :view json: the reply as it came


# The shipped agent schemas (pure: no guest).


def test_the_agents_schema_is_chosen_by_its_version() -> None:
    shipped = shipped_versions()
    assert (7, 2) in shipped
    assert chosen_version("7.2.22", shipped) == (7, 2)
    assert chosen_version("8.1.0", shipped) == (7, 2)  # the nearest older
    assert chosen_version("99.0.0", shipped) == shipped[-1]
    assert chosen_version("6.2.0", shipped) is None  # older than every one: names only
    info = {"version": "6.2.0", "supported_commands": [{"name": "guest-ping", "enabled": True}]}
    names_only = agent_schema(info)
    assert names_only.commands["guest-ping"].untyped
    assert names_only.data_version == ""


def test_the_shipped_agent_schemas_say_their_license() -> None:
    for major, minor in shipped_versions():
        data = json.loads((DATA / f"qga-schema-{major}.{minor}.json").read_text())
        assert data["license"] == "GPL-2.0-or-later"
        assert "GPL-2.0-or-later" in data["header"]
        assert "generated" in data["header"].lower()
        schema = agent_schema({"version": f"{major}.{minor}.0", "supported_commands": [{"name": "guest-exec"}]})
        assert [m.name for m in schema.members(schema.arguments("guest-exec"))][:2] == ["path", "arg"]
        assert schema.doc("guest-exec")["members"]["path"]
    assert "GPL-2.0-or-later" in (DATA / "LICENSE-qga-schema").read_text()


def _shipped(version: str) -> dict[str, Any]:
    data: dict[str, Any] = json.loads((DATA / f"qga-schema-{version}.json").read_text())
    return data


def test_sids_agent_gets_its_own_schema_read_from_qemus_rendered_reference() -> None:
    """11.1's schema comes from qemu-ga-ref.html (no 11.1 source on the mirror): what an agent of sid's QEMU gets is
    11.1's, with what 11.1 changed (guest-network-get-route on Windows too) and the types 10.2's source has."""
    assert (11, 1) in shipped_versions()
    assert chosen_version("11.1.3", shipped_versions()) == (11, 1)
    newer, older = _shipped("11.1"), _shipped("10.2")
    assert "qemu-ga-ref.html" in newer["header"]
    assert "qemu-ga-ref.html" not in older["header"]
    by_name = {version: {e["name"]: e for e in data["schema"]} for version, data in (("11.1", newer), ("10.2", older))}
    assert by_name["11.1"].keys() == by_name["10.2"].keys()
    assert by_name["10.2"]["guest-network-get-route"]["if"] == "CONFIG_LINUX"
    assert by_name["11.1"]["guest-network-get-route"]["if"] == {"any": ["CONFIG_LINUX", "CONFIG_WIN32"]}
    # A union and an alternate read back from the rendering as the source has them.
    for name in ("GuestDeviceId", "GuestExecCaptureOutput", "guest-exec", "GuestExecStatus"):
        assert by_name["11.1"][name] == by_name["10.2"][name], name
    schema = agent_schema({"version": "11.1.3", "supported_commands": [{"name": "guest-exec"}]})
    assert schema.data_version == "11.1"
    arguments = {m.name: m for m in schema.members(schema.arguments("guest-exec"))}
    assert list(arguments) == ["path", "arg", "env", "input-data", "capture-output"]
    assert not arguments["path"].optional
    assert arguments["arg"].optional
    assert schema.doc("guest-exec")["members"]["path"] == "path or executable name to execute"
    assert schema.doc("guest-exec")["sections"]["Since"] == "2.5"


def test_the_agents_docs_are_plain_text() -> None:
    """Doc comments' markup (@member, `ref`, rST notes) is not what a terminal should show."""
    for version in ("7.2", "10.2", "11.1"):
        docs = _shipped(version)["docs"]
        freeze = docs["guest-fsfreeze-freeze"]
        assert "guest-fsfreeze-thaw" in freeze["text"]
        assert "`" not in freeze["text"]
        assert "@" not in freeze["text"]
        assert ".. note::" not in json.dumps(docs)
        assert "Not documented" not in json.dumps(docs)  # the renderer's filler is not QEMU's word
