"""A remote host that accepts the connection and never answers: one line within the deadline, not a hang."""

from __future__ import annotations

import socket
import time
from collections.abc import Iterator

import pytest

from tests.conftest import vdbgsh
from vdbgsh.transport.remote_uri import is_remote


@pytest.fixture
def silent_port() -> Iterator[int]:
    """A TCP port on 127.0.0.1 that accepts connections and says nothing."""
    server = socket.socket()
    server.bind(("127.0.0.1", 0))
    server.listen(8)
    yield server.getsockname()[1]
    server.close()


@pytest.mark.slow  # waits out the connect deadline
@pytest.mark.parametrize("args", [["exec", "guest1", "query-status"], ["list"]])
def test_a_silent_host_is_an_error_at_the_deadline(silent_port: int, args: list[str]) -> None:
    uri = f"qemu+tcp://127.0.0.1:{silent_port}/system"
    start = time.monotonic()
    shown = vdbgsh(args[0], "-c", uri, *args[1:], env={"VDBGSH_CONNECT_TIMEOUT": "1.5"}, timeout=30)
    assert time.monotonic() - start < 10
    assert shown.returncode == 2
    lines = shown.stderr.splitlines()
    assert lines[0] == f"vdbgsh: error: {uri} did not answer within 1.5 s"
    assert lines[1].startswith(f"hint: check that libvirtd on 127.0.0.1 listens on TCP port {silent_port}")
    assert len(lines) == 2


def test_local_uris_are_not_remote() -> None:
    assert not is_remote("qemu:///system")
    assert not is_remote("qemu+unix:///system?socket=/run/x")
    assert is_remote("qemu+tcp://127.0.0.1/system")
    assert is_remote("qemu+ssh://user@host/system")
