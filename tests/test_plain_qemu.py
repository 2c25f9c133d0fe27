"""The plain QEMU the tests and --qmp scratch runs start: ready only once its QMP socket accepts connections."""

from __future__ import annotations

import socket
from pathlib import Path

from tests.conftest import unique_name
from vdbgsh.guest.plain_qemu import PlainQemu, listening


def test_a_bound_socket_is_not_listening_until_it_listens(tmp_path: Path) -> None:
    # bind() makes the file, listen() makes connections succeed: a client in between is refused (seen under load
    # on QEMU 11.1: test_busy_socket_is_reported_not_hung's first client got ECONNREFUSED).
    path = tmp_path / "qmp.sock"
    with socket.socket(socket.AF_UNIX) as server:
        server.bind(str(path))
        assert path.exists()
        assert not listening(path)
        server.listen()
        assert listening(path)
    assert not listening(tmp_path / "nothing.sock")


def test_started_qemu_accepts_a_client_at_once() -> None:
    with PlainQemu(unique_name()) as qemu, socket.socket(socket.AF_UNIX) as client:
        client.connect(str(qemu.socket_path))
        assert b'"QMP"' in client.recv(4096)  # the greeting
