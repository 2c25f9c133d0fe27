"""Tests that need a guest's cooperation, on a real Linux guest (tests/linux_guest.py), through vdbgsh as a user
sees it: a PCI unplug the guest acknowledges, a balloon driver, a panic, a block job under guest writes, a migration
to a file and back. Each expects what the QEMU in front of it does (its schema, its replies), never one version's.

Most share one guest per module (each leaves it as it found it); the panic and the migration have their own.
"""

from __future__ import annotations

import hashlib
import json
import secrets
import socket
import threading
import time
from collections.abc import Callable, Iterator
from pathlib import Path
from typing import Any
from xml.etree import ElementTree

import libvirt
import pytest

from tests.conftest import unique_name, vdbgsh
from tests.linux_guest import (
    CONSOLE_DIR,
    UP_LINE,
    GuestNotUp,
    LinuxGuest,
    booted_linux_guest,
    incoming_linux_guest,
    wait_up,
)
from tests.terminal import Tmux
from tests.test_events import Follow, qmp
from tests.test_events_pane import pane_column

MIB = 1 << 20


def wait_until(
    what: str, check: Callable[[], Any], timeout: float = 30.0, screen: Callable[[], str] = lambda: ""
) -> Any:
    """Poll ``check`` until it returns something true; that value. ``screen`` tells what the user saw meanwhile."""
    deadline = time.monotonic() + timeout
    while not (value := check()):
        assert time.monotonic() < deadline, f"{what}: not within {timeout} s\n{screen()}"
        time.sleep(0.1)
    return value


def disks_seen(guest: LinuxGuest) -> dict[str, int]:
    """The guest's block devices and their sizes in KiB, as its /proc/partitions says."""
    rows = [line.split() for line in guest.shell("cat /proc/partitions").splitlines()[2:]]
    return {row[3]: int(row[2]) for row in rows if len(row) == 4}


def transcript_words(tmux: Tmux) -> str:
    """The transcript left of the events pane, its words joined by single blanks (the terminal wraps lines)."""
    return " ".join(" ".join(row.split("│", 1)[0] for row in tmux.screen(joined=False).splitlines()).split())


def vdbgsh_ok(*args: str) -> str:
    result = vdbgsh(*args)
    assert result.returncode == 0, f"vdbgsh {' '.join(args)} exited {result.returncode}: {result.stderr}"
    return result.stdout


def test_the_guest_boots_to_a_working_agent(shared_linux_guest: LinuxGuest) -> None:
    assert UP_LINE in shared_linux_guest.console()
    assert shared_linux_guest.shell("echo hello from $(uname -s)") == "hello from Linux\n"


def test_a_guest_that_never_comes_up_fails_with_what_its_console_said(guest: str, conn: libvirt.virConnect) -> None:
    """The fixture's wait, on the diskless guest (no kernel, no agent): one clear failure, not a hang."""
    silent = LinuxGuest(conn, guest, CONSOLE_DIR / f"{guest}-console.log")
    with pytest.raises(GuestNotUp) as failure:
        wait_up(silent, timeout=1.0)
    assert str(failure.value).startswith(
        f"the test guest {guest} did not come up in 1 s (no 'vdbgsh-guest: agent on ' line on its console)."
    )


@pytest.mark.terminal(120, 40)
def test_a_hot_plugged_disk_is_seen_by_the_guest_and_its_unplug_acknowledged(
    tmux: Tmux, shared_linux_guest: LinuxGuest, follow: type[Follow], home: dict[str, str]
) -> None:
    guest = shared_linux_guest
    image = guest.disk_image(16)
    events = follow("--json", "--event", "DEVICE_DELETED", guest.name)
    prompt = f"{guest.name} (running)>"
    tmux.start("attach", guest.name, env=home)
    tmux.wait_for(prompt)
    tmux.type_line(f"blockdev-add driver=raw node-name=hp0 file.driver=file file.filename={image}")
    tmux.wait_for("will not carry it. [y/N]")
    tmux.send("y")
    tmux.wait_for(prompt, count=2)
    tmux.type_line("device_add driver=virtio-blk-pci id=hp0dev drive=hp0")
    tmux.wait_for("will fail or lose it. [y/N]")
    tmux.send("y")
    tmux.wait_for(prompt, count=3)
    assert (
        wait_until("the guest sees the new disk", lambda: disks_seen(guest).get("vda"), screen=tmux.screen) == 16 * 1024
    )
    # What this shell added, libvirt never knew of: removing it again is not asked.
    tmux.type_line("device_del id=hp0dev")
    deleted = events.records_until("DEVICE_DELETED")
    while deleted[-1]["data"].get("device") != "hp0dev":  # the virtio backend goes first, unnamed
        deleted = events.records_until("DEVICE_DELETED")
    assert deleted[-1]["data"]["path"] == "/machine/peripheral/hp0dev"
    screen = tmux.wait_for("DEVICE_DELETED")
    assert any("DEVICE_DELETED" in row for row in pane_column(tmux.screen(joined=False))), screen
    assert "vda" not in disks_seen(guest)
    tmux.type_line("blockdev-del node-name=hp0")
    tmux.type_line(":quit")
    tmux.wait_for("EXIT=0")
    assert "[y/N]" not in tmux.screen().split("device_del id=hp0dev", 1)[1]
    assert not [n for n in qmp(guest.conn, guest.name, "query-named-block-nodes") if n["node-name"] == "hp0"]


def live_disks(dom: libvirt.virDomain, flags: int = 0) -> dict[str, str]:
    """The disks of the domain's XML (live, or the persistent definition with VIR_DOMAIN_XML_INACTIVE): target
    to alias (the device id libvirt gave QEMU; none in the persistent definition)."""
    root = ElementTree.fromstring(dom.XMLDesc(flags))
    disks = {}
    for disk in root.iterfind("devices/disk"):
        target = disk.find("target")
        alias = disk.find("alias")
        assert target is not None
        disks[target.get("dev", "")] = alias.get("name", "") if alias is not None else ""
    return disks


@pytest.mark.terminal(120, 40)
def test_the_guard_rails_sentence_for_device_del_is_what_libvirt_then_reports(
    tmux: Tmux, shared_linux_guest: LinuxGuest, follow: type[Follow], home: dict[str, str]
) -> None:
    """device_del of a disk libvirt attached: the sentence says libvirt drops it from the live XML only once QEMU
    reports it gone, and the persistent definition keeps it. The guest acknowledges the unplug, so both show."""
    guest = shared_linux_guest
    dom = guest.domain()
    image = guest.disk_image(8)
    guest.conn.defineXML(dom.XMLDesc(0))  # persistent for the test: the definition the sentence speaks of
    try:
        disk = (
            f"<disk type='file' device='disk'><driver name='qemu' type='raw'/><source file='{image}'/>"
            "<target dev='vdb' bus='virtio'/></disk>"
        )
        dom.attachDeviceFlags(disk, libvirt.VIR_DOMAIN_AFFECT_LIVE | libvirt.VIR_DOMAIN_AFFECT_CONFIG)
        alias = live_disks(dom)["vdb"]
        wait_until("the guest sees libvirt's disk", lambda: disks_seen(guest).get("vda"))
        events = follow("--json", "--event", "DEVICE_DELETED", guest.name)
        tmux.start("attach", guest.name, env=home)
        tmux.wait_for(f"{guest.name} (running)>")
        tmux.type_line(f"device_del id={alias}")
        tmux.wait_for("[y/N]")
        sentence = (
            f"libvirt did not unplug device '{alias}': if it is one of libvirt's, libvirt drops it from "
            f"{guest.name}'s live XML only once QEMU reports it gone, and the persistent definition keeps it"
        )
        assert sentence in transcript_words(tmux), tmux.screen()
        assert "vdb" in live_disks(dom)  # not yet: the guest has not been asked
        tmux.send("y")
        while (record := events.record())["data"].get("device") != alias:
            pass
        assert record["event"] == "DEVICE_DELETED"
        wait_until("libvirt drops the disk from the live XML", lambda: "vdb" not in live_disks(dom))
        assert "vdb" in live_disks(dom, libvirt.VIR_DOMAIN_XML_INACTIVE)
        assert "vda" not in disks_seen(guest)
        tmux.type_line(":quit")
        tmux.wait_for("EXIT=0")
    finally:
        dom.undefine()  # transient again, as the module's other tests found it
    assert not dom.isPersistent()


def test_a_balloon_change_is_reported_by_the_guests_driver(
    shared_linux_guest: LinuxGuest, follow: type[Follow]
) -> None:
    """The balloon sentence: libvirt shows the change only once the guest reports it (BALLOON_CHANGE)."""
    guest = shared_linux_guest
    dom = guest.domain()
    full = dom.maxMemory() * 1024
    assert vdbgsh_ok("exec", guest.name, "query-balloon") == f'{{"actual":{full}}}\n'
    mem_total = guest_mem_total(guest)
    events = follow("--json", "--event", "BALLOON_CHANGE", guest.name)
    refused = vdbgsh("exec", guest.name, "balloon 200")  # nobody to ask: the guard rails refuse
    assert refused.returncode == 2
    assert refused.stderr == (
        f"vdbgsh: refused: balloon changes what libvirt tracks of {guest.name} (memory) and there is no terminal "
        "to confirm it; --yes sends it anyway\n"
    )
    try:
        assert vdbgsh_ok("exec", "--yes", guest.name, "balloon 200") == "{}\n"
        while (record := events.record())["data"]["actual"] != 200 * MIB:
            assert record["data"]["actual"] < full  # the driver gives memory back a step at a time
        assert dom.info()[2] == 200 * 1024  # virsh dominfo's used memory, in KiB
        assert vdbgsh_ok("exec", guest.name, "info balloon") == f'{{"actual":{200 * MIB}}}\n'
        assert guest_mem_total(guest) <= mem_total - 50 * 1024
    finally:
        vdbgsh_ok("exec", "--yes", guest.name, f"balloon {full // MIB}")
    while events.record()["data"]["actual"] != full:
        pass
    assert dom.info()[2] == full // 1024


def guest_mem_total(guest: LinuxGuest) -> int:
    """MemTotal in KiB, as the guest's /proc/meminfo says (the balloon's inflated pages are taken off it)."""
    return int(guest.shell("grep MemTotal /proc/meminfo").split()[1])


def test_a_block_job_mirrors_what_the_guest_writes_meanwhile(
    shared_linux_guest: LinuxGuest, follow: type[Follow]
) -> None:
    guest = shared_linux_guest
    source = guest.disk_image(32, "source.raw")
    target = guest.disk_image(32, "target.raw")
    for node, image in (("bj0", source), ("bj1", target)):
        vdbgsh_ok(
            "exec",
            "--yes",
            guest.name,
            "blockdev-add",
            "driver=raw",
            f"node-name={node}",
            "file.driver=file",
            f"file.filename={image}",
        )
    vdbgsh_ok("exec", "--yes", guest.name, "device_add", "driver=virtio-blk-pci", "id=bjdev", "drive=bj0")
    try:
        wait_until("the guest sees the disk", lambda: disks_seen(guest).get("vda"))
        events = follow("--json", "--event", "BLOCK_JOB_*", guest.name)
        # 16 MiB of random data in 1 MiB writes, a pause between: the job starts and becomes ready among them.
        writer = guest.start(
            "/bin/sh",
            "-c",
            "i=0; while [ $i -lt 16 ]; do "
            "dd if=/dev/urandom of=/dev/vda bs=1M count=1 seek=$((i*2)) conv=fsync 2>/dev/null; "
            "sleep 0.25; i=$((i+1)); done",
        )
        vdbgsh_ok("exec", "--yes", guest.name, "blockdev-mirror", "job-id=bj", "device=bj0", "target=bj1", "sync=full")
        ready = events.record()
        assert ready["event"] == "BLOCK_JOB_READY"
        assert ready["data"]["device"] == "bj"
        assert not guest.agent("guest-exec-status", pid=writer)["exited"], (
            "the guest's writes ended before the job was ready"
        )
        assert guest.finish(writer)[0] == 0
        vdbgsh_ok("exec", "--yes", guest.name, "block-job-complete", "device=bj")
        completed = events.record()
        assert completed["event"] == "BLOCK_JOB_COMPLETED"
        assert completed["data"]["device"] == "bj"
        assert completed["data"]["offset"] == completed["data"]["len"]
        assert "error" not in completed["data"]
        # The guest now reads the copy: what it wrote before and during the job is all there.
        seen_by_guest = guest.shell("md5sum /dev/vda").split()[0]
        assert seen_by_guest == hashlib.md5(target.read_bytes()).hexdigest()
        assert seen_by_guest != hashlib.md5(bytes(32 * MIB)).hexdigest()
    finally:
        vdbgsh_ok("exec", "--yes", guest.name, "device_del", "id=bjdev")
        wait_until("the guest lets the disk go", lambda: "vda" not in disks_seen(guest))
        for node in ("bj1", "bj0"):
            vdbgsh("exec", "--yes", guest.name, "blockdev-del", f"node-name={node}")


@pytest.fixture(scope="module")
def crashing_guest(conn: libvirt.virConnect) -> Iterator[LinuxGuest]:
    """A guest of its own for the panic: the first test here crashes it as the user watches; the next inspects
    what is left (libvirt keeps a crashed guest's QEMU: <on_crash>preserve</on_crash>)."""
    with booted_linux_guest(conn, unique_name()) as booted:
        yield booted


def panic(guest: LinuxGuest) -> None:
    """A kernel panic through sysrq, a moment after the agent has answered (it would lose its reply otherwise)."""
    guest.start("/bin/sh", "-c", "sleep 0.3; echo c > /proc/sysrq-trigger")


@pytest.mark.terminal(120, 30)
def test_a_guest_panic_is_seen_as_libvirt_handles_the_crash(
    tmux: Tmux, crashing_guest: LinuxGuest, follow: type[Follow], home: dict[str, str]
) -> None:
    guest = crashing_guest
    events = follow("--json", guest.name)
    tmux.start("attach", guest.name, env=home)
    tmux.wait_for(f"{guest.name} (running)>")
    panic(guest)
    panicked = events.records_until("GUEST_PANICKED")[-1]
    # The ISA pvpanic device reports the panic; libvirt's <on_crash>preserve</on_crash> makes QEMU pause.
    assert panicked["data"]["action"] == "pause"
    assert events.record()["event"] == "STOP"
    guest.wait_console("Kernel panic - not syncing")
    # What QEMU says of itself is the prompt; what libvirt says is in 'vdbgsh list'.
    status = qmp(guest.conn, guest.name, "query-status")["status"]
    assert status == "guest-panicked"
    tmux.wait_for(f"{guest.name} ({status})>")
    column = pane_column(tmux.screen(joined=False))
    assert [row.split()[1] for row in column[1:3]] == ["GUEST_PANICKED", "STOP"]
    assert wait_until("libvirt marks the crash", lambda: guest.domain().state()[0] == libvirt.VIR_DOMAIN_CRASHED)
    assert guest.domain().state()[1] == libvirt.VIR_DOMAIN_CRASHED_PANICKED
    listed = [line.split() for line in vdbgsh_ok("list").splitlines()]
    assert [row[-1] for row in listed if guest.name in row] == ["crashed"]
    # The crashed guest stays open to inspection in the shell: its CPU where the panic left it.
    tmux.type_line(":pager off")
    tmux.type_line("info registers")
    tmux.wait_for("EFER=")  # among the last rows the CPU state fills
    tmux.type_line(":quit")
    tmux.wait_for("EXIT=0")


def test_a_crashed_guest_libvirt_kept_can_be_inspected_from_the_command_line(crashing_guest: LinuxGuest) -> None:
    guest = crashing_guest
    if guest.domain().state()[0] != libvirt.VIR_DOMAIN_CRASHED:  # run alone
        panic(guest)
        wait_until("libvirt marks the crash", lambda: guest.domain().state()[0] == libvirt.VIR_DOMAIN_CRASHED)
    result = vdbgsh("exec", guest.name, "query-status")
    assert result.stderr == ""
    assert '"status":"guest-panicked"' in result.stdout


def has_file_migration(guest: LinuxGuest) -> bool:
    """Whether this QEMU migrates to a file: its schema's migration address types include 'file' (QEMU 8.2 on).
    Type names are hidden in the introspection; the enum is known by its values."""
    schema = qmp(guest.conn, guest.name, "query-qmp-schema")
    return any(
        entry["meta-type"] == "enum" and {"socket", "exec", "file"} <= set(entry.get("values", ())) for entry in schema
    )


class StreamCatcher:
    """Where no file: migration exists (QEMU 7.2; and exec: needs a fork libvirt's seccomp sandbox forbids), a
    migration to a file is a tcp: one to a listener writing the stream to the file, as 'nc -l > FILE' would."""

    def __init__(self, path: Path) -> None:
        self.path = path
        self.server = socket.create_server(("127.0.0.1", 0))
        self.uri = f"tcp:127.0.0.1:{self.server.getsockname()[1]}"
        self.thread = threading.Thread(target=self._catch, daemon=True)
        self.thread.start()

    def _catch(self) -> None:
        connection, _ = self.server.accept()
        with connection, self.path.open("wb") as out:
            while chunk := connection.recv(1 << 20):
                out.write(chunk)
        self.server.close()


MIGRATION_ENDS = ("completed", "failed", "cancelled")


def migration_records(events: Follow, domain: str) -> list[dict[str, Any]]:
    """The domain's event records up to the MIGRATION one that ends it (completed, failed or cancelled)."""
    records: list[dict[str, Any]] = []
    while not (records and records[-1]["event"] == "MIGRATION" and records[-1]["data"]["status"] in MIGRATION_ENDS):
        record = events.record()
        if "event" in record and record["domain"] == domain:
            records.append(record)
    return records


def statuses(records: list[dict[str, Any]]) -> list[str]:
    return [record["data"]["status"] for record in records if record["event"] == "MIGRATION"]


def test_a_migration_to_a_file_and_back_is_watched_through_events(
    conn: libvirt.virConnect, linux_guest: LinuxGuest, follow: type[Follow]
) -> None:
    source = linux_guest
    marker = secrets.token_hex(4)
    # A guest program that outlives the move: it says the marker it keeps in guest memory every 0.2 s.
    source.start(
        "/bin/sh",
        "-c",
        f"echo {marker} > /tmp/marker; while true; do echo tick $(cat /tmp/marker) > /dev/ttyS0; sleep 0.2; done",
    )
    source.wait_console(f"tick {marker}")
    state = source.scratch_dir() / "state"
    to_file = has_file_migration(source)
    restored_name = unique_name()
    # Both guests, the second before it exists ('-- started' records come too: they have no "event").
    events = follow("--json", "--event", "MIGRATION", "--event", "RESUME", "--wait", source.name, restored_name)
    if to_file:
        uri = f"file:{state}"
    else:
        catcher = StreamCatcher(state)
        uri = catcher.uri
    vdbgsh_ok("exec", "--yes", source.name, "migrate", f"uri={uri}")
    outgoing = statuses(migration_records(events, source.name))
    assert outgoing[0] == "setup"
    assert outgoing[-1] == "completed", outgoing
    if not to_file:
        catcher.thread.join(30)
    assert state.stat().st_size > MIB  # the guest's memory, without the zero pages
    # The migrate sentence: libvirt sees the guest paused, with nothing it knows running anywhere.
    assert source.domain().state()[0] == libvirt.VIR_DOMAIN_PAUSED
    assert json.loads(vdbgsh_ok("exec", source.name, "query-status"))["status"] == "postmigrate"

    with incoming_linux_guest(conn, restored_name) as restored:
        assert json.loads(vdbgsh_ok("exec", restored.name, "query-status"))["status"] == "inmigrate"
        assert restored.domain().state()[0] == libvirt.VIR_DOMAIN_PAUSED
        if to_file:
            vdbgsh_ok("exec", "--yes", restored.name, "migrate-incoming", f"uri=file:{state}")
        else:
            vdbgsh_ok("exec", "--yes", restored.name, "migrate-incoming", "uri=tcp:127.0.0.1:0")
            listening = json.loads(vdbgsh_ok("exec", restored.name, "query-migrate"))["socket-address"][0]
            with socket.create_connection((listening["host"], int(listening["port"]))) as sender:
                sender.sendfile(state.open("rb"))
        records = migration_records(events, restored.name)
        assert statuses(records)[-1] == "completed", records
        # QEMU runs the guest as the stream ends (libvirt's start asked it to): RESUME, before or after.
        while "RESUME" not in [record["event"] for record in records]:
            records.append(events.record())
        # The same guest runs on: its program goes on saying what it kept in memory, its agent answers.
        restored.wait_console(f"tick {marker}")
        assert restored.shell("cat /tmp/marker") == f"{marker}\n"
        assert restored.domain().state()[0] == libvirt.VIR_DOMAIN_RUNNING
