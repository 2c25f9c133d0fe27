"""Guard rails of ``vdbgsh exec`` on real guests: refused without a terminal, asked on one, --yes, --read-only,
the config file, batches, and a plain QEMU that is not asked about."""

from __future__ import annotations

import os
import pty
import select
from pathlib import Path

import libvirt
import pytest

from tests.conftest import VDBGSH, vdbgsh
from vdbgsh.guest.plain_qemu import PlainQemu


@pytest.fixture
def config_home(tmp_path: Path) -> dict[str, str]:
    """An environment whose XDG config directory is the test's own (no config file until the test writes one)."""
    return {"XDG_CONFIG_HOME": str(tmp_path)}


def state(conn: libvirt.virConnect, name: str) -> int:
    return int(conn.lookupByName(name).state()[0])


def on_terminal(
    args: list[str], answers: list[str], home: Path, stdin_text: str | None = None, timeout: float = 30
) -> tuple[int, str]:
    """Run vdbgsh on a pseudo-terminal of its own (its controlling terminal); type the next answer each time it
    asks. With ``stdin_text`` its stdin is a file instead (a batch), so answers can only come from /dev/tty."""
    env = {key: value for key, value in os.environ.items() if key not in ("LIBVIRT_DEFAULT_URI", "NO_COLOR")}
    env["TERM"] = "xterm-256color"
    env["XDG_CONFIG_HOME"] = str(home)
    commands = home / "commands"
    if stdin_text is not None:
        commands.write_text(stdin_text)
    pid, fd = pty.fork()
    if pid == 0:  # the child: becomes vdbgsh at once
        if stdin_text is not None:
            os.dup2(os.open(commands, os.O_RDONLY), 0)
        os.execve(VDBGSH, [VDBGSH, *args], env)
    shown = b""
    asked = 0
    while True:
        ready, _, _ = select.select([fd], [], [], timeout)
        if not ready:
            os.kill(pid, 9)
            raise TimeoutError(f"vdbgsh {' '.join(args)} stalled: {shown[-300:]!r}")
        try:
            chunk = os.read(fd, 65536)
        except OSError:  # EIO: the child closed the terminal
            break
        if not chunk:
            break
        shown += chunk
        if shown.count(b"[y/N] ") > asked:
            os.write(fd, answers[asked].encode() + b"\n" if asked < len(answers) else b"\x04")
            asked += 1
    os.close(fd)
    _, status = os.waitpid(pid, 0)
    return os.waitstatus_to_exitcode(status), shown.decode(errors="replace").replace("\r\n", "\n")


def test_without_a_terminal_a_tracked_change_is_refused_naming_yes(
    conn: libvirt.virConnect, guest: str, config_home: dict[str, str]
) -> None:
    result = vdbgsh("exec", guest, "stop", env=config_home)
    assert result.returncode == 2
    assert result.stdout == ""
    assert result.stderr == (
        f"vdbgsh: refused: stop changes what libvirt tracks of {guest} (run state) and there is no terminal to "
        "confirm it; --yes sends it anyway\n"
    )
    assert state(conn, guest) == libvirt.VIR_DOMAIN_RUNNING
    # Reads and untracked changes are sent as before.
    assert vdbgsh("exec", guest, "query-status", env=config_home).returncode == 0
    # --yes (or -y) sends it.
    paused = vdbgsh("exec", "--yes", guest, "stop", env=config_home)
    assert (paused.returncode, paused.stderr) == (0, "")
    assert state(conn, guest) == libvirt.VIR_DOMAIN_PAUSED
    assert vdbgsh("exec", "-y", guest, "cont", env=config_home).returncode == 0
    assert state(conn, guest) == libvirt.VIR_DOMAIN_RUNNING


def test_dry_run_never_asks(shared_guest: str, config_home: dict[str, str]) -> None:
    result = vdbgsh("exec", "--dry-run", shared_guest, "device_del", "id=nic9", env=config_home)
    assert (result.returncode, result.stdout, result.stderr) == (
        0,
        '{"execute":"device_del","arguments":{"id":"nic9"}}\n',
        "",
    )


def test_read_only_refuses_all_but_reads_even_with_yes(
    conn: libvirt.virConnect, shared_guest: str, config_home: dict[str, str]
) -> None:
    refused = vdbgsh("exec", "--read-only", "--yes", shared_guest, "stop", env=config_home)
    assert refused.returncode == 2
    assert refused.stderr == "vdbgsh: refused: stop is not read-only, and read-only mode is on (--read-only)\n"
    assert state(conn, shared_guest) == libvirt.VIR_DOMAIN_RUNNING
    screendump = vdbgsh("exec", "--read-only", shared_guest, "screendump", "filename=/tmp/x.ppm", env=config_home)
    assert screendump.returncode == 2
    allowed = vdbgsh("exec", "--read-only", shared_guest, "query-status", env=config_home)
    assert allowed.returncode == 0, allowed.stderr
    assert '"status":"running"' in allowed.stdout
    hmp_info = vdbgsh(
        "exec", "--read-only", shared_guest, "human-monitor-command", "command-line=info status", env=config_home
    )
    assert hmp_info.returncode == 0, hmp_info.stderr


def test_read_only_from_the_config_file(conn: libvirt.virConnect, shared_guest: str, tmp_path: Path) -> None:
    env = {"XDG_CONFIG_HOME": str(tmp_path)}
    config = tmp_path / "vdbgsh" / "config.toml"
    config.parent.mkdir()
    config.write_text("# production\nread_only = true\n")
    refused = vdbgsh("exec", "--yes", shared_guest, "system_reset", env=env)
    assert refused.returncode == 2
    assert refused.stderr == (
        f"vdbgsh: refused: system_reset is not read-only, and read-only mode is on (read_only = true in {config})\n"
    )
    assert vdbgsh("exec", shared_guest, "query-name", env=env).returncode == 0
    config.write_text("read_only = 1\n")
    bad = vdbgsh("exec", shared_guest, "query-name", env=env)
    assert bad.returncode == 2
    assert bad.stderr == f"vdbgsh: error: {config}: read_only takes true or false, not 1\n"
    config.write_text("[read_only\n")
    broken = vdbgsh("attach", shared_guest, env=env)
    assert broken.returncode == 2
    assert broken.stderr.startswith(f"vdbgsh: error: {config}: not valid TOML: ")
    assert len(broken.stderr.splitlines()) == 1
    assert state(conn, shared_guest) == libvirt.VIR_DOMAIN_RUNNING


def test_a_batch_refuses_at_the_first_tracked_change(
    conn: libvirt.virConnect, shared_guest: str, config_home: dict[str, str]
) -> None:
    commands = "query-status\nstop\nquery-name\n"
    result = vdbgsh("exec", shared_guest, "-", input=commands, env=config_home)
    assert result.returncode == 2
    assert result.stdout.count("\n") == 1  # query-status only
    assert result.stderr.startswith("vdbgsh: line 2: refused: stop changes what libvirt tracks of")
    assert result.stderr.rstrip().endswith("--yes sends it anyway")
    going = vdbgsh("exec", "--keep-going", shared_guest, "-", input=commands, env=config_home)
    assert going.returncode == 2
    assert going.stdout.count("\n") == 2  # query-status and query-name
    assert state(conn, shared_guest) == libvirt.VIR_DOMAIN_RUNNING


def test_on_a_terminal_yes_sends_and_anything_else_cancels(
    conn: libvirt.virConnect, guest: str, tmp_path: Path
) -> None:
    status, shown = on_terminal(["exec", guest, "stop"], ["n"], tmp_path)
    assert status == 2
    assert f"vdbgsh: stop changes what libvirt tracks (run state): libvirt did not pause {guest}:" in shown
    assert "Send it? [y/N] n\nvdbgsh: cancelled: stop was not sent" in shown
    assert state(conn, guest) == libvirt.VIR_DOMAIN_RUNNING
    status, shown = on_terminal(["exec", guest, "stop"], [""], tmp_path)  # Enter alone: the default is no
    assert status == 2
    assert state(conn, guest) == libvirt.VIR_DOMAIN_RUNNING
    status, shown = on_terminal(["exec", guest, "stop"], ["Yes"], tmp_path)
    assert status == 0, shown
    assert state(conn, guest) == libvirt.VIR_DOMAIN_PAUSED
    # A read-only command is not asked about.
    status, shown = on_terminal(["exec", guest, "query-status"], [], tmp_path)
    assert status == 0
    assert "[y/N]" not in shown
    assert '"paused"' in shown


def test_a_batch_asks_per_command_on_the_controlling_terminal(
    conn: libvirt.virConnect, guest: str, tmp_path: Path
) -> None:
    commands = "stop\ncont\nquery-name\nsystem_reset\n"
    status, shown = on_terminal(["exec", "--keep-going", guest, "-"], ["y", "n", "y"], tmp_path, stdin_text=commands)
    assert shown.count("[y/N] ") == 3
    assert "vdbgsh: line 2: cancelled: cont was not sent" in shown
    assert guest in shown  # query-name answered
    assert status == 2  # one declined
    assert state(conn, guest) == libvirt.VIR_DOMAIN_PAUSED  # stop sent, cont declined


def test_a_plain_qemu_is_not_asked_about(qemu: PlainQemu, config_home: dict[str, str]) -> None:
    address = str(qemu.address)
    paused = vdbgsh("exec", "--qmp", address, "stop", env=config_home)
    assert (paused.returncode, paused.stderr) == (0, "")
    status = vdbgsh("exec", "--qmp", address, "query-status", env=config_home)
    assert '"status":"paused"' in status.stdout
    # But read-only holds there too.
    refused = vdbgsh("exec", "--qmp", address, "--read-only", "cont", env=config_home)
    assert refused.returncode == 2
    assert "read-only mode is on" in refused.stderr
