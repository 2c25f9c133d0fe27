"""Keepalive on the fleet's remote connections: a host that vanishes without a TCP reset (powered off, a network
partition, a stopped libvirtd) ends its guests' waits within about 20 s, instead of whenever the kernel gives up on
the socket (minutes to hours) or the user presses Ctrl-C.

libvirt's keepalive needs an event loop: its default implementation, run in a daemon thread and registered before
the first connection opens (a connection keeps to the loop there was when it opened). Only for remote hosts: on this
machine a libvirtd that dies closes its socket, which every waiting call sees at once, and the local fast path
keeps its start-up free of the loop.
"""

from __future__ import annotations

import contextlib
import functools
import threading
from typing import Any


@functools.cache
def start_event_loop() -> None:
    """libvirt's default event loop, in a daemon thread; once per process (called by the main thread, before any
    connection opens)."""
    import libvirt

    libvirt.virEventRegisterDefaultImpl()
    threading.Thread(target=_run, name="vdbgsh-libvirt-events", daemon=True).start()


def _run() -> None:
    import time

    import libvirt

    while True:
        try:
            libvirt.virEventRunDefaultImpl()
        except libvirt.libvirtError:  # one failed iteration: the loop goes on
            time.sleep(0.1)


def keep_alive(conn: Any) -> None:
    """A probe every 5 s, the connection closed after 3 unanswered: the calls waiting on it then fail (Unreachable).
    A libvirtd that refuses keepalive (configured off) leaves the connection as it was."""
    import libvirt

    from vdbgsh.transport.connection_care import KEEPALIVE_COUNT, KEEPALIVE_INTERVAL

    with contextlib.suppress(libvirt.libvirtError):
        conn.setKeepAlive(KEEPALIVE_INTERVAL, KEEPALIVE_COUNT)
