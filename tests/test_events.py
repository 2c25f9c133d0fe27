"""``vdbgsh events`` on real guests, through subprocess, reading its lines as they come; and its pure parts."""

from __future__ import annotations

import json
import queue
import re
import signal
import threading
from typing import Any

import libvirt
import libvirt_qemu
import pytest

from tests.conftest import running_guest, unique_name, vdbgsh, vdbgsh_running
from vdbgsh.events.filter import EventFilter
from vdbgsh.events.follow import Notice
from vdbgsh.events.format import human_line, iso_utc, json_line, notice_human_line
from vdbgsh.events.ring import EventRing
from vdbgsh.guest.plain_qemu import PlainQemu
from vdbgsh.transport.base import Event

WAIT = 15.0


class Follow:
    """A running ``vdbgsh events``: its stdout lines arrive in a queue as it prints them."""

    def __init__(self, *args: str) -> None:
        self.process = vdbgsh_running("events", *args)
        assert self.process.stdout is not None
        assert self.process.stderr is not None
        self.lines: queue.Queue[str | None] = queue.Queue()
        threading.Thread(target=self._pump, daemon=True).start()
        # The first stderr line comes once every registration is made: events caused after it are seen.
        self.banner = self.process.stderr.readline()
        assert self.banner.startswith("vdbgsh: "), self.banner

    def _pump(self) -> None:
        assert self.process.stdout is not None
        for line in self.process.stdout:
            self.lines.put(line.rstrip("\n"))
        self.lines.put(None)

    def line(self) -> str:
        line = self.lines.get(timeout=WAIT)
        assert line is not None, "vdbgsh events ended early: " + self.stderr()
        return line

    def record(self) -> dict[str, Any]:
        record: dict[str, Any] = json.loads(self.line())
        return record

    def records_until(self, name: str, domain: str | None = None) -> list[dict[str, Any]]:
        """Records up to and including the first event ``name`` (of ``domain`` when given)."""
        records = []
        while True:
            record = self.record()
            records.append(record)
            if record.get("event") == name and domain in (None, record["domain"]):
                return records

    def rest(self) -> list[str]:
        """Every line still to come, once the process has ended."""
        self.process.wait(WAIT)
        lines = []
        while (line := self.lines.get(timeout=WAIT)) is not None:
            lines.append(line)
        return lines

    def stderr(self) -> str:
        assert self.process.stderr is not None
        if self.process.poll() is None:
            return ""
        return self.banner + self.process.stderr.read()

    def stop(self) -> None:
        if self.process.poll() is None:
            self.process.kill()
        self.process.wait(WAIT)
        for stream in (self.process.stdout, self.process.stderr):
            if stream is not None:
                stream.close()


def qmp(conn: libvirt.virConnect, domain: str, command: str, **arguments: Any) -> Any:
    message: dict[str, Any] = {"execute": command}
    if arguments:
        message["arguments"] = arguments
    reply = json.loads(libvirt_qemu.qemuMonitorCommand(conn.lookupByName(domain), json.dumps(message), 0))
    assert "return" in reply, reply
    return reply["return"]


def caused(records: list[dict[str, Any]]) -> list[dict[str, Any]]:
    """The records the test caused: the diskless guest's firmware resets by itself after a system_reset, a variable
    number of times and at any moment after it."""
    return [r for r in records if not (r.get("event") == "RESET" and r["data"]["guest"])]


def names(records: list[dict[str, Any]]) -> list[str]:
    return [r["event"] for r in caused(records)]


def start_mirror(conn: libvirt.virConnect, domain: str) -> None:
    for node in ("n0", "n1"):
        qmp(conn, domain, "blockdev-add", driver="null-co", **{"node-name": node, "size": 1 << 20})
    qmp(conn, domain, "blockdev-mirror", **{"job-id": "j0", "device": "n0", "target": "n1", "sync": "full"})


def test_json_events_arrive_parsed_in_order_one_line_at_a_time(
    conn: libvirt.virConnect, guest: str, follow: type[Follow]
) -> None:
    events = follow("--json", guest)
    assert events.banner == f"vdbgsh: following {guest} on qemu:///system (Ctrl-C to stop)\n"
    # Each line is read before the next event is caused: the output is flushed line by line.
    qmp(conn, guest, "stop")
    stop = events.record()
    assert stop["event"] == "STOP"
    assert stop["domain"] == guest
    assert stop["data"] is None
    assert re.fullmatch(r"\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d\.\d{6}Z", stop["timestamp"])
    assert set(stop) == {"domain", "event", "timestamp", "data"}
    qmp(conn, guest, "cont")
    assert names([events.record()]) == ["RESUME"]
    qmp(conn, guest, "system_reset")
    reset = events.records_until("RESET")
    assert reset[-1]["data"] == {"guest": False, "reason": "host-qmp-system-reset"}
    qmp(conn, guest, "system_powerdown")
    assert names(events.records_until("POWERDOWN")) == ["POWERDOWN"]
    # A USB device goes without the guest's consent; a PCI one waits for an OS that a diskless guest lacks.
    qmp(conn, guest, "device_add", driver="usb-kbd", id="kbd1")
    qmp(conn, guest, "device_del", id="kbd1")
    deleted = events.records_until("DEVICE_DELETED")
    assert names(deleted) == ["DEVICE_DELETED"]
    assert deleted[-1]["data"] == {"device": "kbd1", "path": "/machine/peripheral/kbd1"}
    start_mirror(conn, guest)
    ready = caused(events.records_until("BLOCK_JOB_READY"))
    assert names(ready) == ["JOB_STATUS_CHANGE"] * 3 + ["BLOCK_JOB_READY"]
    assert [r["data"]["status"] for r in ready[:3]] == ["created", "running", "ready"]
    assert ready[-1]["data"]["device"] == "j0"
    qmp(conn, guest, "block-job-complete", device="j0")
    done = caused(events.records_until("JOB_STATUS_CHANGE"))
    while len(done) < 5:
        done += caused([events.record()])
    assert names(done) == ["JOB_STATUS_CHANGE"] * 2 + ["BLOCK_JOB_COMPLETED"] + ["JOB_STATUS_CHANGE"] * 2
    assert [r["data"].get("status") for r in done] == ["waiting", "pending", None, "concluded", "null"]
    assert done[2]["data"]["type"] == "mirror"
    stamps = [r["timestamp"] for r in [stop, *reset, *ready, *done]]
    assert stamps == sorted(stamps)
    assert events.lines.empty()


def test_filters_by_glob_regex_and_case_with_count_and_timeout(
    conn: libvirt.virConnect, guest: str, follow: type[Follow]
) -> None:
    block = follow("--json", guest, "--event", "BLOCK_JOB_*", "--count", "1")
    regex = follow(guest, "--event", "^(stop|resume)$", "--regex", "--no-case", "--count", "2")
    glob_any_case = follow("--json", guest, "--event", "job_*", "--no-case", "--count", "3")
    two_globs = follow("--json", guest, "--event", "RES*", "--event", "BLOCK_JOB_READY", "--count", "2")
    glob_case = follow(guest, "--event", "stop", "--timeout", "2")
    qmp(conn, guest, "stop")
    qmp(conn, guest, "cont")
    start_mirror(conn, guest)

    assert [json.loads(line)["event"] for line in block.rest()] == ["BLOCK_JOB_READY"]
    human = regex.rest()
    assert [line.split()[1:] for line in human] == [[guest, "STOP"], [guest, "RESUME"]]
    assert all(re.fullmatch(r"\d\d:\d\d:\d\d\.\d{3} \S+ [A-Z]+", line) for line in human)
    records = [json.loads(line) for line in glob_any_case.rest()]
    assert [r["data"]["status"] for r in records] == ["created", "running", "ready"]
    assert [json.loads(line)["event"] for line in two_globs.rest()] == ["RESUME", "BLOCK_JOB_READY"]
    # Globs are case-sensitive without --no-case, as virsh's names are; --timeout then ends it, status 0.
    assert glob_case.rest() == []
    for process in (block, regex, glob_any_case, two_globs, glob_case):
        assert process.process.returncode == 0
        assert process.stderr().count("\n") == 1, process.stderr()
    assert "events matching regex ^(stop|resume)$, any case" in regex.banner


def test_several_named_domains_and_every_domain(conn: libvirt.virConnect, guest: str, follow: type[Follow]) -> None:
    with running_guest(conn) as other:
        named = follow("--json", guest, other, "--count", "2")
        everything = follow("--json", "--event", "STOP")
        assert everything.banner.startswith("vdbgsh: following every domain on qemu:///system")
        with running_guest(conn) as late:
            qmp(conn, guest, "stop")
            qmp(conn, late, "stop")
            qmp(conn, other, "stop")
            assert [(r["domain"], r["event"]) for r in map(json.loads, named.rest())] == [
                (guest, "STOP"),
                (other, "STOP"),
            ]
            # Other guests on this libvirtd may speak too: only ours are looked for, in the order caused.
            seen = [
                r["domain"]
                for r in everything.records_until("STOP", other)
                if r.get("event") == "STOP" and r["domain"] in (guest, other, late)
            ]
            assert seen == [guest, late, other]


def test_domain_started_later_and_restarted_is_followed_again(
    conn: libvirt.virConnect, shut_off_guest: str, follow: type[Follow]
) -> None:
    name = shut_off_guest  # defined, not started; destroyed and undefined at the end
    events = follow("--json", name)
    human = follow(name, "--event", "STOP")
    for process in (events, human):
        assert process.process.stderr is not None
        assert (
            process.process.stderr.readline() == f"vdbgsh: {name} is not running (shut off): waiting for it to start\n"
        )
    dom = conn.lookupByName(name)
    dom.create()
    # libvirt starts QEMU paused and resumes it before it reports the start: a RESUME comes with it.
    boot = sorted([events.record(), events.record()], key=lambda r: "event" in r)
    assert boot[1]["event"] == "RESUME"
    started = boot[0]
    assert {key: started[key] for key in ("domain", "vdbgsh", "reason", "again")} == {
        "domain": name,
        "vdbgsh": "started",
        "reason": "booted",
        "again": False,
    }
    qmp(conn, name, "stop")
    assert events.record()["event"] == "STOP"
    dom.destroy()
    stopped = [*events.records_until("SHUTDOWN"), events.record()]
    assert stopped[-1]["vdbgsh"] == "stopped"
    assert stopped[-1]["reason"] == "destroyed"
    dom.create()
    again = sorted([events.record(), events.record()], key=lambda r: "event" in r)[0]
    assert (again["vdbgsh"], again["again"]) == ("started", True)
    qmp(conn, name, "stop")
    assert events.record()["event"] == "STOP"

    lines = [human.line() for _ in range(5)]
    assert [line.split(" ", 1)[1] for line in lines] == [
        f"{name} -- started (booted): following it",
        f"{name} STOP",
        f"{name} -- stopped (destroyed)",
        f"{name} -- started (booted): following it again",
        f"{name} STOP",
    ]


@pytest.mark.parametrize("signum", [signal.SIGINT, signal.SIGTERM])
def test_signal_ends_cleanly_with_the_count(
    conn: libvirt.virConnect, guest: str, follow: type[Follow], signum: signal.Signals
) -> None:
    events = follow(guest, "--event", "STOP") if signum == signal.SIGTERM else follow(guest)
    qmp(conn, guest, "stop")
    assert events.line().endswith(f" {guest} STOP")
    qmp(conn, guest, "cont")
    if signum == signal.SIGINT:
        assert events.line().endswith(f" {guest} RESUME")
    qmp(conn, guest, "stop")
    assert events.line().endswith(f" {guest} STOP")
    events.process.send_signal(signum)
    assert events.rest() == []
    assert events.process.returncode == 0
    summary = events.stderr().splitlines()[-1]
    if signum == signal.SIGINT:
        assert summary == "vdbgsh: 3 events seen"
    else:
        assert summary == "vdbgsh: 2 events seen (3 received, 1 filtered out)"


def test_qmp_socket_of_a_plain_qemu(follow: type[Follow]) -> None:
    with PlainQemu(unique_name()) as qemu:
        events = follow("--json", "--qmp", str(qemu.address))
        assert events.banner == f"vdbgsh: following QEMU at {qemu.address} (Ctrl-C to stop)\n"
        # The socket serves one client, held by vdbgsh: the event comes from a signal to QEMU instead.
        assert qemu.process is not None
        qemu.process.terminate()
        shutdown = events.record()
        assert (shutdown["domain"], shutdown["event"]) == (str(qemu.address), "SHUTDOWN")
        assert shutdown["data"] == {"guest": False, "reason": "host-signal"}
        # QEMU gone is the end of the stream, not an error.
        assert events.rest() == []
        assert events.process.returncode == 0
        assert events.stderr().endswith(f"vdbgsh: QEMU at {qemu.address} closed the QMP connection\n")


def test_errors_are_one_line_with_status_2(guest: str) -> None:
    missing = unique_name()
    result = vdbgsh("events", guest, missing)
    assert result.returncode == 2
    assert result.stdout == ""
    first, hint = result.stderr.splitlines()
    assert first.startswith(f"vdbgsh: error: no domain '{missing}' on qemu:///system (running: ")
    assert hint.startswith("hint: ")
    assert "--wait" in hint

    dead = "qemu+unix:///system?socket=/nonexistent/libvirt-sock"
    result = vdbgsh("events", "-c", dead)
    assert (result.returncode, result.stdout) == (2, "")
    assert result.stderr.startswith(f"vdbgsh: error: cannot reach libvirtd at {dead}")

    for args, message in [
        (["--qmp", "unix:/x.sock", guest], "no DOMAIN with --qmp"),
        (["--event", "(", "--regex"], "bad --event regex '('"),
        (["--regex"], "--regex applies to --event patterns"),
        (["--count", "0"], "--count must be at least 1"),
    ]:
        result = vdbgsh("events", *args)
        assert (result.returncode, result.stdout) == (2, "")
        assert result.stderr.startswith(f"vdbgsh: error: {message}"), result.stderr


def test_wait_for_a_domain_that_does_not_exist_yet() -> None:
    missing = unique_name()
    result = vdbgsh("events", "--wait", missing, "--timeout", "0.3")
    assert (result.returncode, result.stdout) == (0, "")
    assert result.stderr.splitlines()[1] == f"vdbgsh: no domain '{missing}' on qemu:///system yet: waiting for it"


# The pure parts, on plain data.

STOP = Event("STOP", None, 1_700_000_000.000_001, "g1")
JOB = Event("JOB_STATUS_CHANGE", {"id": "j0", "status": "Ready"}, 1_700_000_000.5, "g1")


def test_filter_semantics() -> None:
    assert EventFilter()(STOP)
    assert not EventFilter().active
    assert EventFilter(["ST*"])(STOP)
    assert not EventFilter(["ST"])(STOP)
    assert not EventFilter(["st*"])(STOP)
    assert EventFilter(["st*"], no_case=True)(STOP)
    assert EventFilter(["ST"], regex=True)(STOP)  # searched anywhere, as libvirt does
    assert not EventFilter(["^TOP"], regex=True)(STOP)
    assert EventFilter(["XX", "JOB_*"])(JOB)
    assert EventFilter(text='"status":"Ready"')(JOB)
    assert not EventFilter(text="ready")(JOB)
    assert EventFilter(text="ready", no_case=True)(JOB)
    assert not EventFilter(text="x")(STOP)


def test_ring_keeps_the_newest_and_counts_the_dropped() -> None:
    ring = EventRing(3)
    marker = ring.total
    for second in range(5):
        ring.append(STOP._replace(timestamp=float(second)))
    assert [event.timestamp for event in ring] == [2.0, 3.0, 4.0]
    assert (len(ring), ring.dropped, ring.total) == (3, 2, 5)
    assert [event.timestamp for event in ring.since(marker)] == [2.0, 3.0, 4.0]
    assert [event.timestamp for event in ring.since(4)] == [4.0]
    ring.clear()
    assert (len(ring), ring.dropped) == (0, 0)
    with pytest.raises(ValueError, match="at least one"):
        EventRing(0)


def test_a_smaller_ring_keeps_the_newest_and_counts_the_rest_dropped() -> None:
    ring = EventRing(5)
    for second in range(5):
        ring.append(STOP._replace(timestamp=float(second)))
    ring.resize(2)
    assert [event.timestamp for event in ring] == [3.0, 4.0]
    assert (ring.capacity, ring.dropped, ring.total) == (2, 3, 5)
    ring.append(STOP._replace(timestamp=5.0))
    assert [event.timestamp for event in ring] == [4.0, 5.0]
    assert (ring.dropped, ring.total) == (4, 6)
    ring.resize(10)  # larger: nothing more is let go
    assert (len(ring), ring.dropped) == (2, 4)


def test_lines() -> None:
    assert json.loads(json_line(JOB)) == {
        "domain": "g1",
        "event": "JOB_STATUS_CHANGE",
        "timestamp": "2023-11-14T22:13:20.500000Z",
        "data": {"id": "j0", "status": "Ready"},
    }
    assert iso_utc(STOP.timestamp) == "2023-11-14T22:13:20.000001Z"
    assert re.fullmatch(
        r"\d\d:\d\d:\d\d\.500 g1 JOB_STATUS_CHANGE \{\"id\":\"j0\",\"status\":\"Ready\"\}", human_line(JOB)
    )
    coloured = human_line(STOP, colour=True)
    assert "\x1b[" in coloured
    assert coloured.endswith("STOP\x1b[0m")
    notice = notice_human_line(Notice("g1", "started", "booted", 0.0, again=True))
    assert notice.endswith(" g1 -- started (booted): following it again")
