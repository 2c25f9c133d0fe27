"""QMP commands to a libvirt domain, blocking: the part of the libvirt transport that needs no event loop.

The async LibvirtMonitor runs these calls in a thread; ``vdbgsh exec`` calls them directly, which keeps
asyncio out of its start-up.
"""

from __future__ import annotations

import contextlib
import json
import re
import time
from typing import Any

import libvirt
import libvirt_qemu

from vdbgsh.errors import MonitorGone
from vdbgsh.transport.base import JSONObject, Reply
from vdbgsh.transport.binary_identity import binary_identity
from vdbgsh.transport.libvirt_domains import lookup_domain, open_connection
from vdbgsh.transport.libvirt_errors import command_error


class LibvirtCommands:
    def __init__(self, conn: libvirt.virConnect, uri: str, dom: libvirt.virDomain) -> None:
        self.conn = conn
        self.uri = uri
        self.dom: libvirt.virDomain | None = dom
        self.target = dom.name()
        self.instance = str(dom.ID())  # libvirt's domain id: a new one each time the domain starts

    @classmethod
    def open(cls, uri: str | None, domain: str) -> LibvirtCommands:
        """Connect to libvirtd and find the running domain (by name, UUID or id)."""
        conn, resolved = open_connection(uri)
        try:
            dom = lookup_domain(conn, resolved, domain)
        except BaseException:
            conn.close()
            raise
        return cls(conn, resolved, dom)

    def execute_message(self, message: JSONObject) -> Reply:
        if self.dom is None:
            raise MonitorGone(f"the monitor of {self.target} is closed")
        # libvirt numbers requests itself ("libvirt-N") and refuses one that already carries an id.
        outgoing = {key: value for key, value in message.items() if key != "id"}
        start = time.perf_counter()
        try:
            answer = libvirt_qemu.qemuMonitorCommand(self.dom, json.dumps(outgoing), 0)
        except libvirt.libvirtError as err:
            raise command_error(self.target, self.uri, err) from None
        reply: Any = json.loads(answer)
        return Reply(reply, time.perf_counter() - start)

    def build_identity(self) -> str:
        """The emulator binary the domain runs: its path, and its size and mtime when it is on this host."""
        if self.dom is None:
            return ""
        try:
            found = re.search(r"<emulator>([^<]+)</emulator>", self.dom.XMLDesc(0))
        except libvirt.libvirtError:
            return ""
        if found is None:
            return ""
        path = found.group(1)
        from urllib.parse import urlparse  # ~2 ms with ipaddress: not on the one-shot path

        host = urlparse(self.uri).hostname
        return f"{host}:{path}" if host else binary_identity(path)

    def close(self) -> None:
        # The domain object holds a reference on the connection: drop it first, or the connection really
        # closes only when the object is collected (after an event loop using it may have gone).
        self.dom = None
        with contextlib.suppress(libvirt.libvirtError):
            self.conn.close()
