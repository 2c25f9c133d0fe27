"""``vdbgsh attach``: in a real terminal (tmux) and through prompt_toolkit's pipe input, on real guests."""

from __future__ import annotations

import glob
import json
import re
import subprocess
import time
from pathlib import Path

import libvirt
import pytest

from tests.conftest import vdbgsh
from tests.terminal import Tmux
from vdbgsh.guest.definitions import SCRATCH_PREFIX

pytestmark = pytest.mark.terminal(120, 50)

DEAD_URI = "qemu+unix:///system?socket=/nonexistent/libvirt-sock"


def domain_names(conn: libvirt.virConnect) -> set[str]:
    return {dom.name() for dom in conn.listAllDomains(0)}


def wait_until(condition: object, timeout: float = 10) -> bool:
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if callable(condition) and condition():
            return True
        time.sleep(0.05)
    return False


def scratch_name_on(screen: str) -> str:
    found = re.search(rf"started scratch guest ({SCRATCH_PREFIX}[0-9a-f-]+)", screen)
    assert found, screen
    return found.group(1)


def test_attach_runs_commands_in_a_terminal(tmux: Tmux, shared_guest: str) -> None:
    prompt = f"{shared_guest} (running)>"
    tmux.start("attach", shared_guest)
    tmux.wait_for(prompt)
    tmux.type_line("query-status")
    tmux.wait_for('"status": "running"')
    tmux.type_line('{"execute": "query-name"}')
    tmux.wait_for(f'"name": "{shared_guest}"')
    tmux.type_line("no-such-command")
    tmux.wait_for("error: unknown command 'no-such-command'; did you mean query-commands?")
    tmux.type_line("!no-such-command")
    tmux.wait_for("CommandNotFound: The command no-such-command has not been found")
    tmux.type_line('{"execute": ')  # still open: the prompt continues
    screen = tmux.wait_for(".........")
    assert "Traceback" not in screen
    tmux.send("C-c")  # cancels the whole request, stays in the shell
    tmux.wait_for(prompt, count=6)
    tmux.type_line("query-name")
    tmux.wait_for(f'"name": "{shared_guest}"', count=2)
    tmux.wait_for(prompt, count=7)
    tmux.send("C-d")
    tmux.wait_for("EXIT=0")


def test_scratch_guest_lives_as_long_as_the_shell(tmux: Tmux, conn: libvirt.virConnect) -> None:
    tmux.start("attach", "--scratch")
    name = scratch_name_on(tmux.wait_for("it is destroyed when you leave"))
    tmux.wait_for(f"{name} (running)>")
    assert name in domain_names(conn)
    tmux.type_line("query-name")
    tmux.wait_for(f'"name": "{name}"')
    tmux.type_line(":quit")
    tmux.wait_for("EXIT=0")
    assert name not in domain_names(conn)


@pytest.mark.parametrize("how", ["terminal closed", "SIGTERM"])
def test_scratch_guest_is_destroyed_when_the_shell_is_killed(tmux: Tmux, conn: libvirt.virConnect, how: str) -> None:
    tmux.start("attach", "--scratch")
    name = scratch_name_on(tmux.wait_for("it is destroyed when you leave"))
    tmux.wait_for(f"{name} (running)>")
    pid = name[len(SCRATCH_PREFIX) :].split("-")[0]
    if how == "SIGTERM":
        subprocess.run(["kill", "-TERM", pid], check=True)
        tmux.wait_for("EXIT=0")
    else:
        tmux.kill()
    assert wait_until(lambda: name not in domain_names(conn)), f"{name} outlived its shell"
    assert wait_until(lambda: subprocess.run(["kill", "-0", pid], capture_output=True, check=False).returncode != 0)


def test_scratch_falls_back_to_plain_qemu_and_leaves_nothing(tmux: Tmux) -> None:
    before = set(glob.glob("/tmp/vdbgsh-*"))
    tmux.start("attach", "--scratch", env={"LIBVIRT_DEFAULT_URI": DEAD_URI})
    screen = tmux.wait_for("it is destroyed when you leave")
    found = re.search(r"started a plain QEMU, QMP socket unix:(\S+);", screen)
    assert found, screen
    socket_path = found.group(1)
    tmux.wait_for(f"unix:{socket_path} (running)>")
    qemu_pids = subprocess.run(["pgrep", "-f", socket_path], capture_output=True, text=True, check=False).stdout.split()
    assert qemu_pids
    tmux.type_line("query-status")
    tmux.wait_for('"running": true')
    tmux.send("C-d")
    tmux.wait_for("EXIT=0")
    assert subprocess.run(["pgrep", "-f", socket_path], capture_output=True, check=False).returncode == 1
    assert set(glob.glob("/tmp/vdbgsh-*")) <= before


def test_scratch_with_an_explicit_dead_uri_does_not_fall_back() -> None:
    result = vdbgsh("attach", "--scratch", "-c", DEAD_URI)
    assert result.returncode == 2
    assert result.stderr.startswith(f"vdbgsh: error: cannot reach libvirtd at {DEAD_URI}")


def test_scratch_reaps_guests_whose_vdbgsh_died(tmux: Tmux, conn: libvirt.virConnect) -> None:
    from vdbgsh.guest.libvirt_guest import create_transient

    dead = subprocess.Popen(["true"])
    dead.wait()
    orphan = f"{SCRATCH_PREFIX}{dead.pid}-0rphan"
    create_transient(conn, orphan)
    tmux.start("attach", "--scratch")
    name = scratch_name_on(tmux.wait_for("it is destroyed when you leave"))
    tmux.wait_for(f"{name} (running)>")
    assert orphan not in domain_names(conn)
    tmux.send("C-d")
    tmux.wait_for("EXIT=0")


@pytest.mark.parametrize(
    ("args", "message"),
    [
        (["attach", "no-such-guest-at-all"], "no domain 'no-such-guest-at-all' on qemu:///system"),
        (["attach"], "no DOMAIN given for attach"),
        (["attach", "--scratch", "somedomain"], "--scratch starts its own guest"),
        (["attach", "--qmp", "unix:/nonexistent.sock"], "no QMP socket at unix:/nonexistent.sock"),
    ],
)
def test_attach_errors_are_one_line(args: list[str], message: str) -> None:
    result = vdbgsh(*args)
    assert result.returncode == 2
    assert result.stderr.splitlines()[0] == f"vdbgsh: error: {message}" or message in result.stderr.splitlines()[0]
    assert "Traceback" not in result.stderr


def test_attach_read_only_with_a_log(tmux: Tmux, shared_guest: str, tmp_path: Path) -> None:
    log = tmp_path / "session.jsonl"
    prompt = f"{shared_guest} (running)>"
    tmux.start("attach", "--read-only", "--log", str(log), shared_guest)
    tmux.wait_for(f"note: libvirt marks {shared_guest} tainted (custom-monitor)")
    tmux.wait_for(prompt)
    tmux.type_line("stop")
    tmux.wait_for("read-only")  # refused, not asked
    tmux.type_line("query-status")
    tmux.wait_for('"status": "running"')
    tmux.send("C-d")
    tmux.wait_for("EXIT=0")
    assert log.stat().st_mode & 0o777 == 0o600
    records = [json.loads(line) for line in log.read_text().splitlines()]
    sent = [r["request"]["execute"] for r in records if r["type"] == "request"]
    assert sent[-1] == "query-status"
    assert "stop" not in sent
    assert records[-1]["type"] == "end"
