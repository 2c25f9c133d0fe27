"""``vdbgsh exec`` across many guests and hosts, on real guests: the guests each test names are its own (created
here), and a state-changing command goes only to those. ``--all`` runs only against private libvirtds whose every
guest this module created (tests/remote.py)."""

from __future__ import annotations

import contextlib
import json
import os
import pty
import re
import select
import signal
import socket
import subprocess
import time
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import libvirt
import pytest

from tests.conftest import TEST_PREFIX, VDBGSH, running_guest, unique_name, user_env, vdbgsh
from tests.remote import RemoteLibvirtd, free_port
from vdbgsh.guest.libvirt_guest import create_transient, destroy_quietly

SID_SOCKET = Path("/srv/sid/run/libvirt/libvirt-sock")
SID_URI = f"qemu:///system?socket={SID_SOCKET}"


def sid_daemon_answers() -> bool:
    """Whether the sid stack's libvirtd listens: its socket file outlives the daemon (a stopped chroot keeps it)."""
    with socket.socket(socket.AF_UNIX, socket.SOCK_STREAM) as probe:
        probe.settimeout(2)
        try:
            probe.connect(str(SID_SOCKET))
        except OSError:
            return False
    return True


@pytest.fixture(scope="module")
def trio(conn: libvirt.virConnect) -> Iterator[list[str]]:
    """Three guests sharing a name prefix, left as found by the tests that use them (read-only commands)."""
    with running_guest(conn) as first, running_guest(conn) as second, running_guest(conn) as third:
        yield [first, second, third]


@pytest.fixture
def pair(conn: libvirt.virConnect) -> Iterator[list[str]]:
    """Two guests of the test's own, for commands that change them."""
    with running_guest(conn) as first, running_guest(conn) as second:
        yield [first, second]


@pytest.fixture(scope="module")
def private_host() -> Iterator[tuple[RemoteLibvirtd, list[str]]]:
    """A private libvirtd (TCP on 127.0.0.1) with two guests of this module's: all it runs, so --all is safe."""
    with RemoteLibvirtd() as daemon:
        connection = libvirt.open(daemon.uri)
        names = [unique_name(), unique_name()]
        try:
            for name in names:
                create_transient(connection, name)
            yield daemon, names
        finally:
            for name in names:
                destroy_quietly(connection, name)
            connection.close()


def replies(stdout: str) -> list[dict[str, Any]]:
    return [json.loads(line) for line in stdout.splitlines()]


def by_domain(stdout: str) -> dict[str, dict[str, Any]]:
    return {reply["domain"]: reply for reply in replies(stdout)}


def qemu_pid(name: str, run_dir: Path = Path("/run/libvirt/qemu")) -> int:
    return int((run_dir / f"{name}.pid").read_text())


@contextlib.contextmanager
def qemu_stopped(pid: int) -> Iterator[None]:
    """The QEMU SIGSTOPped for the block: a monitor command to it waits for a reply that does not come."""
    os.kill(pid, signal.SIGSTOP)
    try:
        yield
    finally:
        with contextlib.suppress(ProcessLookupError):
            os.kill(pid, signal.SIGCONT)


def test_several_names_and_a_glob_each_answer_once_as_json_lines(trio: list[str]) -> None:
    names = ",".join(trio[:2])
    result = vdbgsh("exec", names, "query-name")
    assert result.returncode == 0, result.stderr
    assert {name: reply["return"] for name, reply in by_domain(result.stdout).items()} == {
        trio[0]: {"name": trio[0]},
        trio[1]: {"name": trio[1]},
    }
    assert all(reply["uri"] == "qemu:///system" for reply in replies(result.stdout))
    assert (
        result.stderr
        == "vdbgsh: 2 ok / 0 QEMU error / 0 unreachable / 0 refused " + result.stderr.split(" refused ")[1]
    )

    # A glob matches names as the shell matches files; a guest named twice is asked once.
    prefix = trio[0][: min(len(name) for name in trio) - 6]  # unique_name(): the run's prefix, then 6 hex digits
    assert all(name.startswith(prefix) for name in trio)
    result = vdbgsh("exec", "-c", "qemu:///system", "--domain", f"{prefix}*", "--domain", trio[0], "query-status")
    assert result.returncode == 0, result.stderr
    ours = [reply for reply in replies(result.stdout) if reply["domain"] in trio]
    assert sorted(reply["domain"] for reply in ours) == sorted(trio)
    assert all(reply["return"]["running"] is True for reply in ours)


def test_a_name_that_matches_nothing_is_one_line_and_the_others_still_answer(trio: list[str]) -> None:
    result = vdbgsh("exec", f"{trio[0]},no-such-guest-{os.getpid()}", "query-name")
    assert result.returncode == 2
    assert [reply["domain"] for reply in replies(result.stdout)] == [trio[0]]
    assert f"vdbgsh: error: no running domain 'no-such-guest-{os.getpid()}' on qemu:///system" in result.stderr
    assert "Traceback" not in result.stderr


@pytest.mark.slow  # ~5 s: starts and stops a private libvirtd
def test_all_on_each_host_and_an_error_answer(private_host: tuple[RemoteLibvirtd, list[str]]) -> None:
    daemon, names = private_host
    result = vdbgsh("exec", "-c", daemon.uri, "--all", "query-name")
    assert result.returncode == 0, result.stderr
    assert {reply["domain"]: reply["return"]["name"] for reply in replies(result.stdout)} == {n: n for n in names}

    # QEMU's own error, from every guest: exit 1, each with QEMU's class.
    result = vdbgsh("exec", "-c", daemon.uri, "--all", "qom-get", "path=/machine", "property=no-such-property")
    assert result.returncode == 1
    errors = replies(result.stdout)
    assert len(errors) == 2
    assert all(reply["error"]["class"] == "GenericError" for reply in errors), errors
    assert "0 ok / 2 QEMU error" in result.stderr


def test_one_guest_errs_the_others_answer(pair: list[str]) -> None:
    added = vdbgsh("exec", "--yes", pair[0], "object-add", "qom-type=memory-backend-ram", "id=fleetmem", "size=1048576")
    assert added.returncode == 0, added.stderr
    result = vdbgsh("exec", ",".join(pair), "qom-get", "path=/objects/fleetmem", "property=size")
    assert result.returncode == 1
    answered = by_domain(result.stdout)
    assert answered[pair[0]]["return"] == 1048576
    assert answered[pair[1]]["error"]["class"] in ("DeviceNotFound", "GenericError")  # QEMU's own (by version)


def test_an_unreachable_host_is_reported_for_its_guests_only(trio: list[str]) -> None:
    nowhere = f"qemu+tcp://127.0.0.1:{free_port()}/system"  # a libvirtd that is not running
    result = vdbgsh("exec", "-c", "qemu:///system", "-c", nowhere, ",".join(trio), "query-name")
    assert result.returncode == 3
    answered = replies(result.stdout)
    assert sorted(reply["domain"] for reply in answered if "return" in reply) == sorted(trio)
    (lost,) = [reply for reply in answered if "error" in reply]
    assert lost["uri"] == nowhere
    assert lost["domain"] is None
    assert lost["error"]["class"] == "Unreachable"
    assert "3 ok / 0 QEMU error / 1 unreachable" in result.stderr


def test_a_program_running_uri_refuses_the_whole_command(trio: list[str]) -> None:
    result = vdbgsh("exec", "-c", "qemu:///system", "-c", "qemu+ext:///system?command=/bin/true", trio[0], "query-name")
    assert result.returncode == 2
    assert result.stdout == ""
    assert "makes libvirt run a program" in result.stderr


def test_a_guest_destroyed_mid_run_is_reported_the_other_answers(conn: libvirt.virConnect, pair: list[str]) -> None:
    with qemu_stopped(qemu_pid(pair[0])):
        running = subprocess.Popen(
            [VDBGSH, "exec", ",".join(pair), "query-name"],
            stdin=subprocess.DEVNULL,
            stdout=subprocess.PIPE,
            stderr=subprocess.PIPE,
            text=True,
            env=user_env(),
        )
        assert running.stdout is not None
        ready, _, _ = select.select([running.stdout], [], [], 60)
        assert ready, "the guest that runs did not answer while the other was stopped"
        first = json.loads(running.stdout.readline())  # the one that runs answers while the other is stuck
        assert first["domain"] == pair[1]
        conn.lookupByName(pair[0]).destroy()
        rest, err = running.communicate(timeout=60)
    assert running.returncode == 3, err
    (gone,) = replies(rest)
    assert gone["domain"] == pair[0]
    assert gone["error"]["class"] == "Unreachable"
    assert pair[0] in gone["error"]["desc"]


def test_a_host_that_goes_away_mid_run_is_reported_for_its_guests_only(trio: list[str]) -> None:
    with RemoteLibvirtd() as daemon:
        remote_name = unique_name()
        connection = libvirt.open(daemon.uri)
        try:
            create_transient(connection, remote_name)
            with qemu_stopped(qemu_pid(remote_name, daemon.root / "run" / "qemu")):
                running = subprocess.Popen(
                    [
                        VDBGSH,
                        "exec",
                        "-c",
                        "qemu:///system",
                        "-c",
                        daemon.uri,
                        f"{trio[0]},{remote_name}",
                        "query-name",
                    ],
                    stdin=subprocess.DEVNULL,
                    stdout=subprocess.PIPE,
                    stderr=subprocess.PIPE,
                    text=True,
                    env=user_env(),
                )
                assert running.stdout is not None
                assert json.loads(running.stdout.readline())["domain"] == trio[0]
                daemon.kill()  # its guest runs on; the connection to it goes
                rest, err = running.communicate(timeout=60)
        finally:
            with contextlib.suppress(libvirt.libvirtError):
                connection.close()
    assert running.returncode == 3, err
    (lost,) = replies(rest)
    assert (lost["uri"], lost["domain"]) == (daemon.uri, remote_name)
    assert lost["error"]["class"] == "Unreachable"


@pytest.mark.slow
def test_a_remote_host_that_stops_answering_is_given_up_by_keepalive(
    trio: list[str], private_host: tuple[RemoteLibvirtd, list[str]]
) -> None:
    """A host that vanishes without closing its sockets (here its libvirtd SIGSTOPped, mid-call): libvirt's
    keepalive gives up on it within ~20 s, its guest is Unreachable, the local guest's answer stands."""
    daemon, remote_names = private_host
    assert daemon.process is not None
    argv = [VDBGSH, "exec", "-c", "qemu:///system", "-c", daemon.uri, f"{trio[0]},{remote_names[0]}", "query-name"]
    with qemu_stopped(qemu_pid(remote_names[0], daemon.root / "run" / "qemu")):  # its call stays in flight
        running = subprocess.Popen(
            argv, stdin=subprocess.DEVNULL, stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True, env=user_env()
        )
        assert running.stdout is not None
        try:
            assert json.loads(running.stdout.readline())["domain"] == trio[0]
            os.kill(daemon.process.pid, signal.SIGSTOP)
            started = time.monotonic()
            try:
                rest, err = running.communicate(timeout=60)
            finally:
                os.kill(daemon.process.pid, signal.SIGCONT)
        finally:
            if running.poll() is None:
                running.kill()
                running.wait()
    assert running.returncode == 3, err
    assert time.monotonic() - started < 45
    (lost,) = replies(rest)
    assert (lost["uri"], lost["domain"]) == (daemon.uri, remote_names[0])
    assert lost["error"]["class"] == "Unreachable"
    assert "stopped answering (libvirt's keepalive gave up)" in lost["error"]["desc"], lost


@pytest.mark.skipif(not sid_daemon_answers(), reason=f"no second stack here: nothing listens on {SID_SOCKET}")
def test_mixed_qemu_versions_each_checked_against_its_own_schema(
    conn: libvirt.virConnect, trio: list[str], tmp_path: Path
) -> None:
    log = tmp_path / "fleet.log"
    sid = libvirt.open(SID_URI)
    try:
        with running_guest(sid) as sid_guest:
            listed = vdbgsh("exec", "-c", "qemu:///system", "-c", SID_URI, f"{trio[0]},{sid_guest}", "query-commands")
            assert listed.returncode == 0, listed.stderr
            commands = {r["domain"]: {c["name"] for c in r["return"]} for r in replies(listed.stdout)}
            versions = vdbgsh("exec", "-c", "qemu:///system", "-c", SID_URI, f"{trio[0]},{sid_guest}", "query-version")
            version = {r["domain"]: r["return"]["qemu"] for r in replies(versions.stdout)}
            newer_only = sorted(name for name in commands[sid_guest] - commands[trio[0]] if name.startswith("query-"))
            if not newer_only:
                pytest.skip("both stacks run QEMUs with the same query commands")
            command = "query-accelerators" if "query-accelerators" in newer_only else newer_only[0]
            both = ["exec", "-c", "qemu:///system", "-c", SID_URI, f"{trio[0]},{sid_guest}"]
            bare = vdbgsh(*both, command)
            typed = vdbgsh(*both, "--log", str(log), json.dumps({"execute": command, "arguments": {}}))
    finally:
        sid.close()
    older = version[trio[0]]
    # A bare name goes as a single exec sends it, to every guest at once: the older QEMU's dispatcher says it has
    # no such command (and does nothing), as QEMU itself puts it.
    assert bare.returncode == 1, bare.stderr
    answered = by_domain(bare.stdout)
    assert "return" in answered[sid_guest]
    assert answered[sid_guest]["uri"] == SID_URI
    assert answered[trio[0]]["error"] == {
        "class": "CommandNotFound",
        "desc": f"The command {command} has not been found",
    }
    # A typed line is checked against each guest's own schema first, and not sent where that QEMU lacks it.
    assert typed.returncode == 2, typed.stderr
    answered = by_domain(typed.stdout)
    assert "return" in answered[sid_guest]
    assert answered[trio[0]]["error"] == {
        "class": "Refused",
        "desc": f"{command} is not in this guest's QEMU {older['major']}.{older['minor']}: not sent",
    }
    sent_to = [json.loads(line).get("domain") for line in log.read_text().splitlines() if '"request"' in line]
    assert sid_guest in sent_to, log.read_text()
    assert trio[0] not in sent_to, log.read_text()


def on_terminal(args: list[str], answers: list[str], timeout: float = 60) -> tuple[int, str]:
    """vdbgsh on a pseudo-terminal of its own; the next answer typed each time it asks (a question, or a secret)."""
    env = {key: value for key, value in os.environ.items() if key not in ("LIBVIRT_DEFAULT_URI", "NO_COLOR")}
    env["TERM"] = "xterm-256color"
    env["COLUMNS"] = "160"
    pid, fd = pty.fork()
    if pid == 0:
        os.execve(VDBGSH, [VDBGSH, *args], env)
    shown = b""
    asked = 0
    while True:
        ready, _, _ = select.select([fd], [], [], timeout)
        if not ready:
            os.kill(pid, signal.SIGKILL)
            raise TimeoutError(f"vdbgsh {' '.join(args)} stalled: {shown[-300:]!r}")
        try:
            chunk = os.read(fd, 65536)
        except OSError:
            break
        if not chunk:
            break
        shown += chunk
        if shown.count(b"[y/N/l(ist)] ") + shown.count(b"(not shown): ") > asked:  # a question, or a secret
            os.write(fd, answers[asked].encode() + b"\n" if asked < len(answers) else b"\x04")
            asked += 1
    os.close(fd)
    _, status = os.waitpid(pid, 0)
    return os.waitstatus_to_exitcode(status), shown.decode(errors="replace").replace("\r\n", "\n")


def state(conn: libvirt.virConnect, name: str) -> int:
    return int(conn.lookupByName(name).state()[0])


def test_one_question_names_the_count_lists_on_request_and_cancels(conn: libvirt.virConnect, pair: list[str]) -> None:
    status, shown = on_terminal(["exec", ",".join(pair), "stop"], ["l", "n"])
    assert status == 2, shown
    assert "stop would go to 2 guests on 1 host ('l' lists them)." in shown
    listing = shown.split("Send it? [y/N/l(ist)] l\n", 1)[1]
    assert f"qemu:///system  {pair[0]}" in listing
    assert f"qemu:///system  {pair[1]}" in listing
    assert shown.count("cancelled: stop was not sent") == 2
    assert "0 ok / 0 QEMU error / 0 unreachable / 2 refused" in shown
    assert all(state(conn, name) == libvirt.VIR_DOMAIN_RUNNING for name in pair)

    status, shown = on_terminal(["exec", ",".join(pair), "stop"], ["y"])
    assert status == 0, shown
    assert "2 ok / 0 QEMU error" in shown
    assert all(state(conn, name) == libvirt.VIR_DOMAIN_PAUSED for name in pair)


def test_without_a_terminal_read_only_and_yes(conn: libvirt.virConnect, pair: list[str]) -> None:
    result = vdbgsh("exec", ",".join(pair), "stop")
    assert result.returncode == 2
    refused = replies(result.stdout)
    assert len(refused) == 2
    assert all(
        reply["error"]["desc"].startswith("refused: stop changes what libvirt tracks of 2 guests on 1 host and")
        and reply["error"]["desc"].endswith("--yes sends it anyway")
        for reply in refused
    ), refused

    result = vdbgsh("exec", "--read-only", "--yes", ",".join(pair), "stop")
    assert result.returncode == 2
    assert all("read-only mode is on (--read-only)" in reply["error"]["desc"] for reply in replies(result.stdout))
    assert all(state(conn, name) == libvirt.VIR_DOMAIN_RUNNING for name in pair)

    result = vdbgsh("exec", "--read-only", ",".join(pair), "query-status")
    assert result.returncode == 0, result.stderr

    result = vdbgsh("exec", "--yes", ",".join(pair), "stop")
    assert result.returncode == 0, result.stderr
    assert all(state(conn, name) == libvirt.VIR_DOMAIN_PAUSED for name in pair)


def test_a_batch_and_the_transcript_name_each_target(trio: list[str], tmp_path: Path) -> None:
    log = tmp_path / "fleet.jsonl"
    names = ",".join(trio[:2])
    result = vdbgsh("exec", "--log", str(log), names, "-", input="query-name\n# a comment\ninfo status\n")
    assert result.returncode == 0, result.stderr
    answered = replies(result.stdout)
    assert sorted((reply["domain"], reply["line"]) for reply in answered) == sorted(
        (name, line) for name in trio[:2] for line in (1, 3)
    )
    records = [json.loads(line) for line in log.read_text().splitlines()]
    requests = [record for record in records if record["type"] == "request"]
    assert sorted((record["domain"], record["uri"]) for record in requests) == sorted(
        (name, "qemu:///system") for name in trio[:2] for _ in (1, 3)
    )
    assert {record["domain"] for record in records if record["type"] == "reply"} == set(trio[:2])


def test_a_bare_name_only_hmp_has_runs_as_hmp_on_each_guest(pair: list[str], tmp_path: Path) -> None:
    """Bare names go to every guest unasked; one QEMU answers CommandNotFound for (HMP's ``info``) is then planned
    for that guest's own QEMU, as a single exec does, and the lines after it follow that plan."""
    log = tmp_path / "fleet.jsonl"
    result = vdbgsh("exec", "--log", str(log), ",".join(pair), "-", input="query-name\ninfo\nquery-status\n")
    assert result.returncode == 0, result.stderr
    answered = replies(result.stdout)
    assert sorted((reply["domain"], reply["line"]) for reply in answered) == sorted(
        (name, line) for name in pair for line in (1, 2, 3)
    )
    for reply in answered:
        if reply["line"] == 2:
            assert "info status" in reply["return"]  # HMP's list of info commands
    sent = [json.loads(line) for line in log.read_text().splitlines()]
    sent = [record["request"] for record in sent if record["type"] == "request"]
    # Per guest: query-name, info (QMP: CommandNotFound), info as HMP, query-status.
    assert sum(request.get("execute") == "info" for request in sent) == len(pair)
    hmp = [r for r in sent if r.get("execute") == "human-monitor-command"]
    assert [r["arguments"]["command-line"] for r in hmp] == ["info"] * len(pair)


def test_a_transaction_goes_whole_to_each_guest(pair: list[str]) -> None:
    """--transaction across guests: each guest gets the whole transaction, checked against its QEMU's schema; all of
    its actions take effect there, or none; a malformed action is one line and nothing is sent."""
    targets = ",".join(pair)
    added = vdbgsh("exec", "--yes", targets, "blockdev-add", "driver=null-co", "node-name=n0", "size=1M")
    assert added.returncode == 0, added.stderr

    def bitmaps() -> dict[str, set[str]]:
        listed = vdbgsh("exec", targets, "query-named-block-nodes", "flat=true")
        assert listed.returncode == 0, listed.stderr
        return {
            reply["domain"]: {bitmap["name"] for node in reply["return"] for bitmap in node.get("dirty-bitmaps", [])}
            for reply in replies(listed.stdout)
        }

    both = vdbgsh(
        "exec", "--yes", targets, "--transaction", "block-dirty-bitmap-add node=n0 name=b0", "block-dirty-bitmap-add",
        "node=n0", "name=b1",
    )  # fmt: skip
    assert both.returncode == 0, both.stderr
    assert sorted(reply["domain"] for reply in replies(both.stdout)) == sorted(pair)
    assert bitmaps() == {name: {"b0", "b1"} for name in pair}

    aborted = vdbgsh(
        "exec", "--yes", targets, "--transaction", "-", input="block-dirty-bitmap-add node=n0 name=b2\nabort\n"
    )
    assert aborted.returncode == 1, aborted.stderr
    assert {reply["error"]["desc"] for reply in replies(aborted.stdout)} == {"Transaction aborted using Abort action"}
    assert bitmaps() == {name: {"b0", "b1"} for name in pair}  # b2 went with the abort, on each guest

    typo = vdbgsh("exec", "--yes", targets, "--transaction", "abort", "blockdev-backup device=d0 sync=ful")
    assert typo.returncode == 2
    for reply in replies(typo.stdout):  # checked against each guest's schema: refused, nothing sent
        assert reply["error"]["class"] == "Refused"
        assert "action 2: sync: 'ful' is not one of" in reply["error"]["desc"]

    malformed = vdbgsh("exec", "--yes", targets, "--transaction", '{"type": "abort"')
    assert malformed.returncode == 2
    assert malformed.stdout == ""
    assert malformed.stderr.startswith("vdbgsh: ")
    assert "Traceback" not in malformed.stderr


def secret_data(name: str, object_id: str) -> Any:
    read = vdbgsh("exec", name, "qom-get", f"path=/objects/{object_id}", "property=data")
    return json.loads(read.stdout) if read.returncode == 0 else None


def test_a_secret_given_as_dash_is_read_once_for_every_guest(pair: list[str], tmp_path: Path) -> None:
    log = tmp_path / "fleet.jsonl"
    targets = ",".join(pair)
    sent = vdbgsh(
        "exec", "--yes", "--log", str(log), targets, "object-add", "qom-type=secret", "id=fs0", "data=-",
        input="hun,ter2\n",
    )  # fmt: skip
    assert sent.returncode == 0, sent.stderr
    assert "hun,ter2" not in sent.stdout + sent.stderr + log.read_text()
    assert [secret_data(name, "fs0") for name in pair] == ["hun,ter2", "hun,ter2"]

    none = vdbgsh("exec", "--yes", targets, "object-add", "qom-type=secret", "id=fs1", "data=-", input="")
    assert none.returncode == 2
    for reply in replies(none.stdout):
        assert reply["error"] == {
            "class": "Refused",
            "desc": "not sent: the data for object-add is '-', to be read from stdin, but stdin has ended (nothing "
            "was sent)",
        }
    assert [secret_data(name, "fs1") for name in pair] == [None, None]


def test_a_secret_is_asked_once_on_the_terminal_without_echo(pair: list[str]) -> None:
    argv = ["exec", "--yes", ",".join(pair), "object-add", "qom-type=secret", "id=ft0", "data=-"]
    status, shown = on_terminal(argv, ["s3cret"])
    assert status == 0, shown
    assert shown.count("data for object-add (not shown): ") == 1
    assert "s3cret" not in shown
    assert [secret_data(name, "ft0") for name in pair] == ["s3cret", "s3cret"]


def test_a_table_on_a_terminal(trio: list[str]) -> None:
    status, shown = on_terminal(["exec", ",".join(trio), "query-status"], [])
    assert status == 0, shown
    for name in trio:
        row = re.sub(r"\x1b\[[0-9;]*m", "", next(line for line in shown.splitlines() if name in line))
        assert " ok " in row
        assert "running" in row
        assert " ms" in row
    assert "3 ok / 0 QEMU error / 0 unreachable / 0 refused" in shown


def test_ctrl_c_stops_waiting_everywhere_and_shows_what_arrived(pair: list[str]) -> None:
    env = {key: value for key, value in user_env().items() if key != "NO_COLOR"}
    env["COLUMNS"] = "160"
    with qemu_stopped(qemu_pid(pair[0])):
        pid, fd = pty.fork()
        if pid == 0:
            os.execve(VDBGSH, [VDBGSH, "exec", ",".join(pair), "query-name"], env)
        # Until the progress bar counts the running guest's answer (the stopped one never will): a fixed sleep
        # was too short on a loaded machine, where the guests just created still boot.
        shown = b""
        deadline = time.monotonic() + 30
        while b"1/2" not in re.sub(rb"\x1b\[[0-9;?]*[A-Za-z]", b"", shown) and time.monotonic() < deadline:
            ready, _, _ = select.select([fd], [], [], 1)
            if ready:
                shown += os.read(fd, 65536)
        os.kill(pid, signal.SIGINT)
        sent = time.monotonic()
        while True:
            ready, _, _ = select.select([fd], [], [], 30)
            if not ready:
                break
            try:
                chunk = os.read(fd, 65536)
            except OSError:
                break
            if not chunk:
                break
            shown += chunk
        _, status = os.waitpid(pid, 0)
        waited = time.monotonic() - sent
        os.close(fd)
    text = shown.decode(errors="replace")
    assert os.waitstatus_to_exitcode(status) == 130, text
    assert waited < 5.0
    assert "1 ok / 0 QEMU error / 0 unreachable / 0 refused / 1 interrupted" in text
    interrupted = next(line for line in text.splitlines() if pair[0] in line)
    assert "interrupted" in interrupted
    assert "interrupted: stopped waiting for 1 guest" in text
    assert "Traceback" not in text


def test_list_across_hosts_with_a_glob(trio: list[str], private_host: tuple[RemoteLibvirtd, list[str]]) -> None:
    daemon, names = private_host
    nowhere = f"qemu+tcp://127.0.0.1:{free_port()}/system"
    prefix = TEST_PREFIX  # this run's guests only: list asks each running one its version
    result = vdbgsh("list", "-c", "qemu:///system", "-c", daemon.uri, "-c", nowhere, f"{prefix}*")
    assert result.returncode == 3
    header, rule, *rows = result.stdout.splitlines()
    assert header.split() == ["Host", "Id", "Name", "State", "QEMU"]
    assert set(rule) == {"-"}
    seen = {cells[2]: cells for cells in (row.split() for row in rows)}
    ours = ",".join([*trio, *names])  # by name: --all on the system's libvirtd would reach others' guests
    versions = by_domain(vdbgsh("exec", "-c", "qemu:///system", "-c", daemon.uri, ours, "query-version").stdout)
    for name, uri in [*((name, "qemu:///system") for name in trio), *((name, daemon.uri) for name in names)]:
        qemu = versions[name]["return"]["qemu"]
        assert seen[name][0] == uri
        assert seen[name][3:] == ["running", f"{qemu['major']}.{qemu['minor']}"]
    assert all(cells[2].startswith(prefix) for cells in seen.values())
    assert f"cannot reach libvirtd at {nowhere}" in result.stderr


def test_timeout_gives_up_on_the_guest_that_does_not_answer_only(pair: list[str]) -> None:
    with qemu_stopped(qemu_pid(pair[0])):
        started = time.monotonic()
        result = vdbgsh("exec", "--timeout", "2", ",".join(pair), "query-name")
        took = time.monotonic() - started
    assert result.returncode == 3, result.stderr
    answered = by_domain(result.stdout)
    assert answered[pair[1]]["return"] == {"name": pair[1]}
    assert answered[pair[0]]["error"]["class"] == "Unreachable"
    assert answered[pair[0]]["error"]["desc"].startswith("no reply within 2 s (--timeout)")
    assert took < 20
