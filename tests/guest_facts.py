"""What the QEMU in front of the tests says of itself, asked once per run, so that tests expect its words.

The suite runs against QEMU 7.2 (Debian 12) and 11.1 (the sid chroot: scripts/chroot.sh); they differ in words a
test would otherwise pin: the machine type's version, ``singlestep`` (gone from query-status in 10.0), the width of
the addresses HMP's ``xp`` prints (16 digits on 7.2, 8 on 11.1). Each fact is QEMU's own answer, not a table.
"""

from __future__ import annotations

import json
from dataclasses import dataclass
from typing import Any

import libvirt
import libvirt_qemu


@dataclass(frozen=True)
class QemuFacts:
    version: tuple[int, int, int]
    machine_type: str  # qom-get /machine type: "pc-i440fx-7.2-machine" on 7.2
    running_status: dict[str, Any]  # query-status of a running guest, members in QEMU's order
    xp_digits: int  # how many hex digits HMP's xp prints an address with
    commands: frozenset[str]  # query-commands: what this QEMU's QMP has (11.1 has no x-query-opcount)

    def describe(self) -> str:
        return "QEMU {}.{}.{}".format(*self.version)

    def xp_address(self, address: int) -> str:
        """An address as ``xp`` prints it before the colon."""
        return f"{address:0{self.xp_digits}x}"

    def compact_status(self) -> str:
        """query-status's running reply as ``exec --compact`` prints it."""
        return json.dumps(self.running_status, separators=(",", ":"))

    def status_returns(self) -> str:
        """query-status's return members as help and completion describe them: ``{running, status}``."""
        return "{" + ", ".join(sorted(self.running_status)) + "}"


def _qmp(dom: libvirt.virDomain, command: str, **arguments: Any) -> Any:
    request = {"execute": command, "arguments": arguments} if arguments else {"execute": command}
    return json.loads(libvirt_qemu.qemuMonitorCommand(dom, json.dumps(request), 0))["return"]


def ask_qemu(dom: libvirt.virDomain) -> QemuFacts:
    """The facts, from a running guest (through libvirt, as any client would ask)."""
    qemu = _qmp(dom, "query-version")["qemu"]
    dump = _qmp(dom, "human-monitor-command", **{"command-line": "xp /1xb 0"})
    return QemuFacts(
        version=(qemu["major"], qemu["minor"], qemu["micro"]),
        machine_type=_qmp(dom, "qom-get", path="/machine", property="type"),
        running_status=_qmp(dom, "query-status"),
        xp_digits=len(dump.split(":", 1)[0].strip()),
        commands=frozenset(command["name"] for command in _qmp(dom, "query-commands")),
    )


def json_fault(text: str) -> json.JSONDecodeError:
    """How this Python's json words the fault in ``text`` (3.13 changed messages and columns: a trailing comma is
    "Illegal trailing comma before end of object" at the comma, where 3.11 expected a name after it)."""
    try:
        json.loads(text)
    except json.JSONDecodeError as err:
        return err
    raise AssertionError(f"{text!r} is valid JSON")
