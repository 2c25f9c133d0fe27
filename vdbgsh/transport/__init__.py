"""Transports: one async Monitor interface, over libvirt or a direct QMP socket."""

from __future__ import annotations

from vdbgsh.transport.address import QMPAddress, parse_qmp_address
from vdbgsh.transport.base import Event, Monitor, Reply, Subscription
from vdbgsh.transport.target import Target

__all__ = ["Event", "Monitor", "QMPAddress", "Reply", "Subscription", "Target", "parse_qmp_address"]
