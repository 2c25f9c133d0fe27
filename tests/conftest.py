"""Fixtures on real components: transient guests on the real libvirtd, plain QEMUs with a QMP socket.

Every guest a fixture creates has a unique name and is destroyed when its test ends, pass or fail.
"""

from __future__ import annotations

import asyncio
import contextlib
import os
import secrets
import subprocess
import sys
import threading
from collections.abc import Awaitable, Iterator
from pathlib import Path
from typing import TYPE_CHECKING, Any, TypeVar, cast

import libvirt
import pytest

from tests.guest_facts import QemuFacts, ask_qemu
from tests.linux_guest import LinuxGuest, booted_linux_guest
from tests.remote import RemoteLibvirtd
from vdbgsh.guest.definitions import domain_xml, qemu_binary
from vdbgsh.guest.libvirt_guest import create_transient, destroy_quietly
from vdbgsh.guest.plain_qemu import PlainQemu
from vdbgsh.transport.libvirt_errors import silence_libvirt

if TYPE_CHECKING:
    from tests.terminal import Tmux  # which imports this module
    from tests.test_events import Follow  # which imports this module too

URI = "qemu:///system"
TEST_PREFIX = f"vdbgsh-test-{os.getpid()}-"
VDBGSH = str(Path(sys.executable).parent / "vdbgsh")

T = TypeVar("T")


def unique_name() -> str:
    return TEST_PREFIX + secrets.token_hex(3)


class Reopening:
    """The session's connection, opened again after libvirtd restarted under it (tests/test_faults.py does)."""

    def __init__(self) -> None:
        self._conn = libvirt.open(URI)

    def __getattr__(self, name: str) -> Any:
        if not self._conn.isAlive():
            self._conn = libvirt.open(URI)
        return getattr(self._conn, name)


@pytest.fixture(scope="session")
def conn() -> Iterator[libvirt.virConnect]:
    silence_libvirt()
    try:
        connection = cast(libvirt.virConnect, Reopening())
    except libvirt.libvirtError as err:
        pytest.fail(f"libvirtd is not reachable at {URI} ({err}); run the tests through 'make test'")
    yield connection
    # Belt and braces: nothing this run created may outlive it.
    for dom in connection.listAllDomains(0):
        if dom.name().startswith(TEST_PREFIX):
            destroy_quietly(connection, dom.name())
    connection.close()


@contextlib.contextmanager
def running_guest(conn: libvirt.virConnect) -> Iterator[str]:
    """A running transient domain with a unique name, destroyed when the block ends; yields its name."""
    name = unique_name()
    create_transient(conn, name)
    try:
        yield name
    finally:
        destroy_quietly(conn, name)


@pytest.fixture
def guest(conn: libvirt.virConnect) -> Iterator[str]:
    """A guest of the test's own, for tests that change or destroy it."""
    with running_guest(conn) as name:
        yield name


@pytest.fixture(scope="module")
def shared_guest(conn: libvirt.virConnect) -> Iterator[str]:
    """A guest shared by the tests of one module that leave it as they found it."""
    with running_guest(conn) as name:
        yield name


@pytest.fixture(scope="session")
def qemu_facts(conn: libvirt.virConnect) -> QemuFacts:
    """What this run's QEMU answers of itself (tests/guest_facts.py), for tests that expect its words."""
    with running_guest(conn) as name:
        return ask_qemu(conn.lookupByName(name))


@pytest.fixture
def linux_guest(conn: libvirt.virConnect) -> Iterator[LinuxGuest]:
    """A real Linux guest of the test's own (tests/linux_guest.py: kernel, busybox, qemu-ga), up with its agent
    answering; for tests that panic, unplug or otherwise change it. ~5 s to boot: prefer ``guest`` when it will do."""
    with booted_linux_guest(conn, unique_name()) as booted:
        yield booted


@pytest.fixture(scope="module")
def shared_linux_guest(conn: libvirt.virConnect) -> Iterator[LinuxGuest]:
    """A real Linux guest shared by one module's tests that leave it as they found it."""
    with booted_linux_guest(conn, unique_name()) as booted:
        yield booted


@pytest.fixture
def shut_off_guest(conn: libvirt.virConnect) -> Iterator[str]:
    """A defined domain that is not running."""
    name = unique_name()
    conn.defineXML(domain_xml(name, qemu_binary()))
    try:
        yield name
    finally:
        destroy_quietly(conn, name)


@pytest.fixture(scope="session")
def remote() -> Iterator[RemoteLibvirtd]:
    """A second libvirtd of the tests' own, on TCP 127.0.0.1 with auth none, managing its own guests
    (tests/remote.py says why); stopped, its guests destroyed, at the end of the run, pass or fail."""
    with RemoteLibvirtd() as daemon:
        yield daemon


@pytest.fixture(scope="module")
def remote_guest(remote: RemoteLibvirtd) -> Iterator[str]:
    """A running guest on the remote libvirtd, created through its TCP URI; shared by one module's tests."""
    connection = libvirt.open(remote.uri)
    try:
        with running_guest(connection) as name:
            yield name
    finally:
        connection.close()


@pytest.fixture
def qemu() -> Iterator[PlainQemu]:
    """A plain QEMU with a QMP socket in a private temporary directory."""
    with PlainQemu(unique_name()) as process:
        yield process


@pytest.fixture(scope="module")
def shared_qemu() -> Iterator[PlainQemu]:
    with PlainQemu(unique_name()) as process:
        yield process


class LoopThread:
    """One asyncio loop for the whole test run: libvirt binds its event implementation to a single loop."""

    def __init__(self) -> None:
        self.loop = asyncio.new_event_loop()
        self.thread = threading.Thread(target=self.loop.run_forever, daemon=True)
        self.thread.start()

    def run(self, coro: Awaitable[T], timeout: float = 60) -> T:
        async def wrapper() -> T:
            return await coro

        return asyncio.run_coroutine_threadsafe(wrapper(), self.loop).result(timeout)

    def stop(self) -> None:
        self.loop.call_soon_threadsafe(self.loop.stop)
        self.thread.join(5)


@pytest.fixture(scope="session")
def loop() -> Iterator[LoopThread]:
    runner = LoopThread()
    yield runner
    runner.stop()


def user_env(env: dict[str, str] | None = None) -> dict[str, str]:
    """The environment vdbgsh runs in under the tests: each test names its libvirt URI (no LIBVIRT_DEFAULT_URI)."""
    full_env = {key: value for key, value in os.environ.items() if key != "LIBVIRT_DEFAULT_URI"}
    full_env.update(env or {})
    return full_env


def vdbgsh(
    *args: str, input: str | None = None, env: dict[str, str] | None = None, timeout: float = 60
) -> subprocess.CompletedProcess[str]:
    """Run the installed ``vdbgsh`` command as a user would, its output piped."""
    return subprocess.run(
        [VDBGSH, *args], input=input, capture_output=True, text=True, env=user_env(env), timeout=timeout, check=False
    )


def vdbgsh_running(*args: str) -> subprocess.Popen[str]:
    """Start the installed ``vdbgsh`` command, its stdout and stderr piped to be read while it runs."""
    return subprocess.Popen(
        [VDBGSH, *args],
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        stdin=subprocess.DEVNULL,
        text=True,
        env=user_env(),
    )


def vdbgsh_in_terminal(*args: str, timeout: float = 60) -> tuple[int, str]:
    """Run ``vdbgsh`` with its stdout and stderr on a pseudo-terminal; returns the status and what it showed."""
    import pty
    import select

    main_fd, child_fd = pty.openpty()
    env = {key: value for key, value in os.environ.items() if key not in ("LIBVIRT_DEFAULT_URI", "NO_COLOR")}
    env["TERM"] = "xterm-256color"
    process = subprocess.Popen(
        [VDBGSH, *args], stdin=subprocess.DEVNULL, stdout=child_fd, stderr=child_fd, env=env, close_fds=True
    )
    os.close(child_fd)
    chunks = []
    while True:
        ready, _, _ = select.select([main_fd], [], [], timeout)
        if not ready:
            process.kill()
            raise TimeoutError(f"vdbgsh {' '.join(args)} showed nothing for {timeout} s")
        try:
            chunk = os.read(main_fd, 65536)
        except OSError:  # EIO: the child closed the terminal
            break
        if not chunk:
            break
        chunks.append(chunk)
    os.close(main_fd)
    return process.wait(timeout), b"".join(chunks).decode(errors="replace")


@pytest.fixture
def home(tmp_path: Path) -> dict[str, str]:
    """A private XDG home: the test's history and schema cache are its own."""
    return {"XDG_STATE_HOME": str(tmp_path / "state"), "XDG_CACHE_HOME": str(tmp_path / "cache")}


@pytest.fixture
def tmux(request: pytest.FixtureRequest) -> Iterator[Tmux]:
    """A real terminal (tmux) for the test: 80x24, unless the test or its module asks for another size with
    ``@pytest.mark.terminal(WIDTH, HEIGHT)``."""
    from tests.terminal import Tmux

    marker = request.node.get_closest_marker("terminal")
    width, height = marker.args if marker is not None else (80, 24)
    terminal = Tmux(unique_name(), width=width, height=height)
    yield terminal
    terminal.kill()


# Fixtures that start or need a real libvirtd (and with it QEMU), and those that start a plain QEMU: a test that
# uses one is marked by it, so `pytest -m "not libvirt and not qemu"` runs the pure tests alone, in seconds.
LIBVIRT_FIXTURES = frozenset(
    {
        "conn",
        "running_guest",
        "guest",
        "shared_guest",
        "qemu_facts",
        "linux_guest",
        "shared_linux_guest",
        "shut_off_guest",
        "remote",
        "remote_guest",
        "private_host",  # tests/test_fleet.py: a private libvirtd
    }
)
QEMU_FIXTURES = frozenset({"qemu", "shared_qemu"})
# Tests that open libvirt or start QEMU themselves, without a fixture: marked by their node id (no parameters).
LIBVIRT_BY_HAND = frozenset(
    {
        "tests/test_attach.py::test_attach_errors_are_one_line",  # a domain looked up on qemu:///system
        "tests/test_events.py::test_wait_for_a_domain_that_does_not_exist_yet",
    }
)
QEMU_BY_HAND = frozenset(
    {
        "tests/test_attach.py::test_scratch_falls_back_to_plain_qemu_and_leaves_nothing",
        "tests/test_events.py::test_qmp_socket_of_a_plain_qemu",
        "tests/test_plain_qemu.py::test_started_qemu_accepts_a_client_at_once",
    }
)


def pytest_collection_modifyitems(items: list[pytest.Item]) -> None:
    for item in items:
        fixtures = set(getattr(item, "fixturenames", ()))
        test = item.nodeid.split("[", 1)[0]
        if fixtures & LIBVIRT_FIXTURES or test in LIBVIRT_BY_HAND:
            item.add_marker(pytest.mark.libvirt)
            item.add_marker(pytest.mark.qemu)  # libvirt's guests are QEMUs
        if fixtures & QEMU_FIXTURES or test in QEMU_BY_HAND:
            item.add_marker(pytest.mark.qemu)


@pytest.fixture
def follow() -> Iterator[type[Follow]]:
    """``follow(*args)`` starts ``vdbgsh events *args``; whatever is still running is killed at the end."""
    from tests.test_events import Follow

    started: list[Follow] = []

    class Tracked(Follow):
        def __init__(self, *args: str) -> None:
            super().__init__(*args)
            started.append(self)

    yield Tracked
    for process in started:
        process.stop()
