"""What a diskless scratch guest is: its libvirt XML and its plain-QEMU command line."""

from __future__ import annotations

import shutil
from xml.sax.saxutils import escape

SCRATCH_PREFIX = "vdbgsh-scratch-"
MEMORY_MIB = 64


def qemu_binary() -> str | None:
    return shutil.which("qemu-system-x86_64")


def domain_xml(name: str, emulator: str | None = None) -> str:
    """A transient, diskless TCG guest: it starts in about half a second and needs no image.

    ACPI is on so that system_powerdown and the events it causes behave as on a real guest.
    """
    emulator_xml = f"<emulator>{escape(emulator)}</emulator>" if emulator else ""
    return f"""<domain type='qemu'>
  <name>{escape(name)}</name>
  <description>started by vdbgsh; destroyed when the vdbgsh that started it exits</description>
  <memory unit='MiB'>{MEMORY_MIB}</memory>
  <vcpu>1</vcpu>
  <os><type arch='x86_64' machine='pc'>hvm</type></os>
  <features><acpi/></features>
  <on_poweroff>destroy</on_poweroff>
  <on_reboot>restart</on_reboot>
  <devices>{emulator_xml}</devices>
</domain>"""


def qemu_argv(binary: str, name: str, qmp_socket: str) -> list[str]:
    """The plain-QEMU twin of ``domain_xml``, with a QMP server socket instead of libvirt's monitor."""
    return [
        binary,
        "-name",
        name,
        "-machine",
        "pc,accel=tcg",
        "-m",
        str(MEMORY_MIB),
        "-smp",
        "1",
        "-display",
        "none",
        "-nodefaults",
        "-no-user-config",
        "-qmp",
        f"unix:{qmp_socket},server=on,wait=off",
    ]
