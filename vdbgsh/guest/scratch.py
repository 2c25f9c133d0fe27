"""``attach --scratch``: a guest that lives exactly as long as the vdbgsh session that started it."""

from __future__ import annotations

import contextlib
import os
import secrets
import signal
from collections.abc import Callable, Iterator
from types import FrameType
from urllib.parse import urlparse

import libvirt

from vdbgsh.errors import ConnectError
from vdbgsh.guest.definitions import SCRATCH_PREFIX
from vdbgsh.guest.libvirt_guest import create_transient, destroy_quietly
from vdbgsh.guest.plain_qemu import PlainQemu
from vdbgsh.transport.libvirt_domains import open_connection
from vdbgsh.transport.processes import pid_alive
from vdbgsh.transport.target import Target

UNWIND_SIGNALS = (signal.SIGHUP, signal.SIGTERM)


class Hangup(BaseException):
    """The terminal closed or someone asked us to terminate: unwind so that cleanup runs."""


@contextlib.contextmanager
def unwind_on_signals() -> Iterator[None]:
    """Turn SIGHUP and SIGTERM into an exception while the block runs, so its ``finally`` clauses run."""

    def handler(signum: int, _frame: FrameType | None) -> None:
        raise Hangup(signal.Signals(signum).name)

    previous = {sig: signal.signal(sig, handler) for sig in UNWIND_SIGNALS}
    try:
        yield
    finally:
        for sig, old in previous.items():
            signal.signal(sig, old)


def scratch_name() -> str:
    # The pid in the name lets a later run recognise guests whose vdbgsh was killed before it could clean up.
    return f"{SCRATCH_PREFIX}{os.getpid()}-{secrets.token_hex(3)}"


def _owner_pid(name: str) -> int | None:
    pid_text = name[len(SCRATCH_PREFIX) :].split("-", 1)[0]
    return int(pid_text) if name.startswith(SCRATCH_PREFIX) and pid_text.isdigit() else None


def reap_orphans(conn: libvirt.virConnect, uri: str) -> list[str]:
    """Destroy scratch guests on this host whose vdbgsh no longer runs."""
    if urlparse(uri).hostname:
        return []  # a remote host's pids mean nothing here
    reaped = []
    for dom in conn.listAllDomains(libvirt.VIR_CONNECT_LIST_DOMAINS_ACTIVE):
        pid = _owner_pid(dom.name())
        if pid is not None and not pid_alive(pid) and destroy_quietly(conn, dom.name()):
            reaped.append(dom.name())
    return reaped


@contextlib.contextmanager
def scratch_guest(uri: str | None, notify: Callable[[str], None]) -> Iterator[Target]:
    """Yield a fresh guest; destroy it when the block ends, however it ends.

    libvirt is used when it is reachable; when it is not, and no URI was asked for with -c, a plain QEMU is
    started instead. ``notify`` is told, in one line, which of the two it got.
    """
    name = scratch_name()
    try:
        conn, resolved = open_connection(uri)
    except ConnectError as err:
        if uri is not None:
            raise
        with PlainQemu(name) as qemu:
            notify(f"libvirt is not reachable ({err.message}); started a plain QEMU, QMP socket {qemu.address}")
            yield Target(qmp=qemu.address)
        return
    try:
        reap_orphans(conn, resolved)
        create_transient(conn, name)
        notify(f"started scratch guest {name} on {resolved}")
        try:
            yield Target(uri=resolved, domain=name)
        finally:
            destroy_quietly(conn, name)
    finally:
        conn.close()
