"""Transient libvirt guests: created from XML, gone when destroyed."""

from __future__ import annotations

import libvirt

from vdbgsh.errors import ConnectError
from vdbgsh.guest.definitions import domain_xml, qemu_binary


def create_transient(conn: libvirt.virConnect, name: str) -> libvirt.virDomain:
    try:
        return conn.createXML(domain_xml(name, qemu_binary()), 0)
    except libvirt.libvirtError as err:
        raise ConnectError(f"libvirt could not start the guest {name}: {err.get_error_message()}") from None


def destroy_quietly(conn: libvirt.virConnect, name: str) -> bool:
    """Destroy the domain (and undefine it) if it exists; True when it did and is now gone."""
    try:
        dom = conn.lookupByName(name)
    except libvirt.libvirtError:
        return False
    try:
        # Ask first: a transient domain no longer exists once destroyed.
        persistent = dom.isPersistent()
        if dom.isActive():
            dom.destroy()
        if persistent:
            dom.undefine()
    except libvirt.libvirtError:
        return False
    return True
