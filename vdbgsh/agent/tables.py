"""Agent replies that read better as tables: guest-get-osinfo (one object: a member a row) and
guest-network-get-interfaces (an interface a row, its addresses in one cell, its traffic counters)."""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from vdbgsh.render.table import as_table

TABLED = frozenset({"guest-get-osinfo", "guest-network-get-interfaces"})


def agent_table(command: str, value: Any, width: int, colour: bool) -> str | None:
    """The table for ``command``'s reply; None when it is not one of these, or not of the shape expected."""
    if command == "guest-get-osinfo" and isinstance(value, Mapping):
        return as_table([{"member": key, "value": item} for key, item in value.items()], width, colour)
    if command == "guest-network-get-interfaces" and isinstance(value, list):
        rows = [_interface(item) for item in value if isinstance(item, Mapping)]
        return as_table(rows, width, colour) if len(rows) == len(value) else None
    return None


def _interface(item: Mapping[str, Any]) -> dict[str, Any]:
    addresses = [
        f"{address.get('ip-address', '?')}/{address.get('prefix', '?')}"
        for address in item.get("ip-addresses", [])
        if isinstance(address, Mapping)
    ]
    row: dict[str, Any] = {
        "name": item.get("name", ""),
        "hardware-address": item.get("hardware-address", ""),
        "addresses": ", ".join(addresses),
    }
    statistics = item.get("statistics")
    if isinstance(statistics, Mapping):
        for counter in ("rx-bytes", "tx-bytes", "rx-errs", "tx-errs"):
            if counter in statistics:
                row[counter] = statistics[counter]
    return row
