"""Parsing ``--qmp ADDR``: ``unix:PATH`` (or a bare path) or ``HOST:PORT``."""

from __future__ import annotations

from typing import NamedTuple

from vdbgsh.errors import UsageError


class QMPAddress(NamedTuple):
    path: str | None = None
    host: str | None = None
    port: int | None = None

    def target(self) -> str | tuple[str, int]:
        """What qemu.qmp's connect() takes: a socket path or a (host, port) pair."""
        if self.path is not None:
            return self.path
        assert self.host is not None
        assert self.port is not None
        return (self.host, self.port)

    def __str__(self) -> str:
        if self.path is not None:
            return f"unix:{self.path}"
        host = f"[{self.host}]" if self.host and ":" in self.host else self.host
        return f"{host}:{self.port}"


def parse_qmp_address(text: str) -> QMPAddress:
    bad = UsageError(
        f"bad QMP address '{text}'",
        "expected unix:PATH, a socket path, or HOST:PORT (e.g. --qmp unix:/tmp/qmp.sock, --qmp 127.0.0.1:4444)",
    )
    if text.startswith("unix:"):
        path = text[len("unix:") :]
        if not path:
            raise bad
        return QMPAddress(path=path)
    if text.startswith(("/", "./", "../", "~")):
        return QMPAddress(path=text)
    text_host, sep, port_text = text.rpartition(":")
    if not sep or not text_host or not port_text.isdigit() or not 0 < int(port_text) < 65536:
        raise bad
    host = text_host[1:-1] if text_host.startswith("[") and text_host.endswith("]") else text_host
    return QMPAddress(host=host, port=int(port_text))
