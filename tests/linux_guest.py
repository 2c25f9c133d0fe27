"""A real Linux guest for the tests that need the guest's cooperation (issue 15): PCI unplug acknowledged, a balloon
driver, a panic, a guest agent, a guest writing to a disk.

scripts/linux_guest.sh builds its kernel and initramfs into GUEST_DIR (scripts/setup.sh runs it, on both stacks);
this module holds the domain XML that boots them, waits for the guest to be up and gives the tests its serial
console and its agent. The diskless guest of vdbgsh.guest.definitions stays the default: it starts in half a
second, this one in ~5 s under TCG.
"""

from __future__ import annotations

import base64
import contextlib
import json
import os
import shutil
import tempfile
import time
from collections.abc import Iterator
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any
from xml.sax.saxutils import escape

import libvirt
import libvirt_qemu
import pytest

from vdbgsh.guest.definitions import qemu_binary
from vdbgsh.guest.libvirt_guest import destroy_quietly

GUEST_DIR = Path("/var/lib/vdbgsh-guest")
# Where libvirtd (as root) opens the serial console's file for QEMU; tests run as root and read it.
CONSOLE_DIR = Path("/var/log/libvirt/qemu")
MEMORY_MIB = 256
# What the guest's /init prints (scripts/linux_guest.sh): once the drivers are in, once the agent listens.
UP_LINE = "vdbgsh-guest: up "
AGENT_LINE = "vdbgsh-guest: agent on "
# ~5 s alone; the suite shares two cores with other work, so give it room before calling it dead.
BOOT_TIMEOUT = 90.0


# libvirt's passthrough of QEMU arguments (it marks the domain tainted, custom-argv): QEMU waits for a migration
# stream (migrate-incoming) instead of booting. libvirt has no way to load a bare QEMU migration stream itself:
# virsh restore wants its own save format (a header and the domain XML before the stream).
_INCOMING = """  <qemu:commandline><qemu:arg value='-incoming'/><qemu:arg value='defer'/></qemu:commandline>
"""


def linux_guest_xml(name: str, console: Path, *, incoming: bool = False) -> str:
    """A transient TCG guest booting the test kernel: a serial console to a file, the agent's channel, a balloon,
    an ISA panic device (needs pvpanic-mmio in the guest, on `pc`) and ACPI for PCI hot-plug. A crashed guest is
    kept for inspection (<on_crash>preserve</on_crash>: libvirt's default destroys it). ``incoming``: the
    same guest waiting for a migration stream (the same XML gives the same devices, as a migration needs)."""
    emulator = qemu_binary()
    emulator_xml = f"<emulator>{escape(emulator)}</emulator>" if emulator else ""
    namespace = " xmlns:qemu='http://libvirt.org/schemas/domain/qemu/1.0'" if incoming else ""
    return f"""<domain type='qemu'{namespace}>
  <name>{escape(name)}</name>
  <description>vdbgsh test guest (tests/linux_guest.py); destroyed when its test ends</description>
  <memory unit='MiB'>{MEMORY_MIB}</memory>
  <vcpu>1</vcpu>
  <os><type arch='x86_64' machine='pc'>hvm</type>
    <kernel>{GUEST_DIR}/vmlinuz</kernel><initrd>{GUEST_DIR}/initrd.gz</initrd>
    <cmdline>console=ttyS0 quiet</cmdline></os>
  <features><acpi/></features>
  <on_poweroff>destroy</on_poweroff>
  <on_reboot>restart</on_reboot>
  <on_crash>preserve</on_crash>
  <devices>{emulator_xml}
    <serial type='file'><source path='{escape(str(console))}'/></serial>
    <channel type='unix'><target type='virtio' name='org.qemu.guest_agent.0'/></channel>
    <memballoon model='virtio'/>
    <panic model='isa'/>
  </devices>
{_INCOMING if incoming else ""}</domain>"""


class GuestNotUp(AssertionError):
    pass


@dataclass
class LinuxGuest:
    """A running test guest: its domain name, its serial console and its agent."""

    conn: libvirt.virConnect
    name: str
    console_path: Path
    boot_seconds: float = 0.0
    scratch_dirs: list[Path] = field(default_factory=list)

    def domain(self) -> libvirt.virDomain:
        return self.conn.lookupByName(self.name)

    def console(self) -> str:
        """Everything the guest printed on its serial console so far."""
        try:
            return self.console_path.read_text(errors="replace")
        except FileNotFoundError:
            return ""

    def wait_console(self, text: str, timeout: float = 30.0, after: int = 0) -> str:
        """Wait until ``text`` appears on the console past offset ``after``; returns the console."""
        deadline = time.monotonic() + timeout
        while True:
            seen = self.console()
            if text in seen[after:]:
                return seen
            if time.monotonic() > deadline:
                raise AssertionError(
                    f"{text!r} never came on {self.name}'s console in {timeout} s; it ends:\n"
                    + "\n".join(seen.splitlines()[-15:])
                )
            time.sleep(0.1)

    def agent_raw(self, request: dict[str, Any], timeout: int = 10) -> Any:
        """One agent command through libvirt (virsh qemu-agent-command): the parsed reply."""
        return json.loads(libvirt_qemu.qemuAgentCommand(self.domain(), json.dumps(request), timeout, 0))

    def agent(self, command: str, timeout: int = 10, **arguments: Any) -> Any:
        """One agent command's ``return``; an agent error raises libvirt.libvirtError."""
        request: dict[str, Any] = {"execute": command}
        if arguments:
            request["arguments"] = arguments
        return self.agent_raw(request, timeout).get("return")

    def start(self, *argv: str) -> int:
        """Start a program in the guest (guest-exec, output captured); returns its pid."""
        pid = self.agent("guest-exec", path=argv[0], arg=list(argv[1:]), **{"capture-output": True})["pid"]
        return int(pid)

    def finish(self, pid: int, timeout: float = 60.0) -> tuple[int, str, str]:
        """Wait for a program started with ``start``: its exit code, stdout and stderr."""
        deadline = time.monotonic() + timeout
        while True:
            status = self.agent("guest-exec-status", pid=pid)
            if status["exited"]:
                out = base64.b64decode(status.get("out-data", "")).decode(errors="replace")
                err = base64.b64decode(status.get("err-data", "")).decode(errors="replace")
                return int(status.get("exitcode", -1)), out, err
            if time.monotonic() > deadline:
                raise AssertionError(f"{pid} in {self.name} still running after {timeout} s")
            time.sleep(0.1)

    def run(self, *argv: str, timeout: float = 60.0) -> tuple[int, str, str]:
        """Run a program in the guest to its end: exit code, stdout, stderr."""
        return self.finish(self.start(*argv), timeout)

    def shell(self, script: str, timeout: float = 60.0) -> str:
        """A busybox sh script's stdout; it must exit 0."""
        code, out, err = self.run("/bin/sh", "-c", script, timeout=timeout)
        assert code == 0, f"{script!r} in {self.name} exited {code}: {err or out}"
        return out

    def scratch_dir(self) -> Path:
        """A directory QEMU (user libvirt-qemu) may create and write files in, removed with the guest.

        pytest's tmp_path is under a 0700 directory QEMU cannot enter."""
        path = Path(tempfile.mkdtemp(prefix=f"{self.name}-"))
        path.chmod(0o777)
        self.scratch_dirs.append(path)
        return path

    def disk_image(self, size_mib: int = 16, name: str = "disk.raw") -> Path:
        """A raw image QEMU can open read-write (blockdev-add through the monitor: libvirt does not relabel it)."""
        path = self.scratch_dir() / name
        with path.open("wb") as image:
            image.truncate(size_mib << 20)
        path.chmod(0o666)
        return path


def wait_up(guest: LinuxGuest, timeout: float) -> None:
    """Until the console says the agent started and libvirt's agent answers guest-ping."""
    deadline = time.monotonic() + timeout
    started = time.monotonic()
    last_error = ""
    while time.monotonic() < deadline:
        dom = guest.domain()
        state, reason = dom.state()
        if state != libvirt.VIR_DOMAIN_RUNNING:
            raise GuestNotUp(
                f"{guest.name} is no longer running (libvirt state {state}, reason {reason}); "
                f"console:\n{guest.console()[-2000:]}"
            )
        if AGENT_LINE in guest.console():
            try:
                guest.agent("guest-ping", timeout=5)
            except libvirt.libvirtError as err:
                last_error = err.get_error_message()
            else:
                guest.boot_seconds = time.monotonic() - started
                return
        time.sleep(0.1)
    console = guest.console()
    raise GuestNotUp(
        f"the test guest {guest.name} did not come up in {timeout:.0f} s "
        + (
            f"(console has the agent line; libvirt's agent: {last_error})"
            if AGENT_LINE in console
            else f"(no {AGENT_LINE!r} line on its console)"
        )
        + ". Its console ends:\n"
        + "\n".join(console.splitlines()[-20:])
    )


def _built() -> None:
    missing = [str(GUEST_DIR / f) for f in ("vmlinuz", "initrd.gz") if not (GUEST_DIR / f).is_file()]
    if missing:
        pytest.fail(
            f"the test guest is not built ({', '.join(missing)} missing): run 'bash scripts/setup.sh guest' "
            "(or 'make setup'; for the sid stack 'bash scripts/setup.sh sid')",
            pytrace=False,
        )


@contextlib.contextmanager
def _transient(conn: libvirt.virConnect, name: str, *, incoming: bool = False) -> Iterator[LinuxGuest]:
    """The guest's domain, created; destroyed with its console log and scratch files when the block ends."""
    _built()
    console = CONSOLE_DIR / f"{name}-console.log"
    guest = LinuxGuest(conn, name, console)
    try:
        conn.createXML(linux_guest_xml(name, console, incoming=incoming), 0)
    except libvirt.libvirtError as err:
        pytest.fail(f"libvirt could not start the test guest {name}: {err.get_error_message()}", pytrace=False)
    try:
        yield guest
    finally:
        destroy_quietly(conn, name)
        with contextlib.suppress(FileNotFoundError):
            os.unlink(console)
        for path in guest.scratch_dirs:
            shutil.rmtree(path, ignore_errors=True)


@contextlib.contextmanager
def booted_linux_guest(conn: libvirt.virConnect, name: str, timeout: float = BOOT_TIMEOUT) -> Iterator[LinuxGuest]:
    """Start the test guest as a transient domain and wait until its agent answers; destroy it (and remove its
    console log and scratch files) when the block ends, pass or fail."""
    with _transient(conn, name) as guest:
        try:
            wait_up(guest, timeout)
        except GuestNotUp as err:
            pytest.fail(str(err), pytrace=False)
        yield guest


@contextlib.contextmanager
def incoming_linux_guest(conn: libvirt.virConnect, name: str) -> Iterator[LinuxGuest]:
    """The test guest's twin waiting for a migration stream (QEMU's -incoming defer): libvirt reports it paused
    until a migrate-incoming brings the state in, then QEMU runs it (libvirt's start asked it to run once loaded).
    Nothing on its console, no agent, until then."""
    with _transient(conn, name, incoming=True) as guest:
        yield guest
