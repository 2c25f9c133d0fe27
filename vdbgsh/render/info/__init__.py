"""Translated ``info`` commands shown the way HMP shows them, drawn from the QMP reply's value.

HMP's printing functions read the very structures QMP returns, so each view here follows its layout (QEMU 10.2's
where it changed since 7.2) for a user who knows HMP, with names in bold and values lightly coloured. Replies of the
``x-query-*`` commands that carry ``human-readable-text`` are HMP's own text already and are shown as they are.
``render_info`` returns None when it has no view, or the reply is shaped unlike any QEMU it knows: the caller then
shows JSON, which hides nothing.
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from vdbgsh.render.info import block, devices, machine, migration
from vdbgsh.render.info.common import Style, View, size_to_str
from vdbgsh.render.untrusted import untrusted_text, untrusted_value

__all__ = ["INFO_VIEW_NAMES", "render_info", "size_to_str"]

# --- the table ------------------------------------------------------------------------------------------------------

_VIEWS: dict[str, View] = {
    "accelerators": machine.accelerators,
    "balloon": machine.balloon,
    "block": block.block,
    "block-jobs": block.block_jobs,
    "blockstats": block.blockstats,
    "chardev": devices.chardev,
    "cpus": machine.cpus,
    "dirty_rate": migration.dirty_rate,
    "dump": machine.dump,
    "hotpluggable-cpus": machine.hotpluggable_cpus,
    "iothreads": machine.iothreads,
    "kvm": machine.kvm,
    "memdev": machine.memdev,
    "memory-devices": machine.memory_devices,
    "memory_size_summary": machine.memory_size_summary,
    "mice": devices.mice,
    "migrate": migration.migrate,
    "migrate_capabilities": migration.migrate_capabilities,
    "migrate_parameters": migration.migrate_parameters,
    "name": machine.name,
    "pci": devices.pci,
    "replay": machine.replay,
    "sev": machine.sev,
    "spice": devices.spice,
    "status": machine.status,
    "tpm": devices.tpm,
    "trace-events": machine.trace_events,
    "uuid": machine.uuid,
    "vcpu_dirty_limit": migration.vcpu_dirty_limit,
    "version": machine.version,
    "virtio": devices.virtio,
    "vm-generation-id": machine.guid,
    "vnc": devices.vnc,
}

# Sub-commands with a view of their own; besides these, any reply carrying "human-readable-text" is shown.
INFO_VIEW_NAMES = frozenset(_VIEWS)


def _human_readable_text(value: Any) -> str | None:
    if isinstance(value, dict) and set(value) == {"human-readable-text"}:
        text = value["human-readable-text"]
        return text if isinstance(text, str) else None
    return None


def render_info(name: str, args: Mapping[str, Any], value: Any, *, colour: bool, width: int) -> str | None:
    """What ``info <name>`` shows for a QMP reply's ``value`` (its "return"), or None to show JSON instead.

    ``args`` are the parsed HMP arguments (``{"nodes": True, "verbose": True, "device": "drive0"}`` for
    ``info block -n -v drive0``); ``width`` is the terminal's, for lines HMP would print longer. No trailing newline.
    """
    text = _human_readable_text(value)
    if text is not None:
        return untrusted_text(text.removesuffix("\n"))
    view = _VIEWS.get(name)
    if view is None:
        return None
    try:
        # Guest and image strings (device ids, node names, file names) neutralised before a view paints them:
        # every view then draws from safe text, whatever it does with it.
        lines = view(untrusted_value(args), untrusted_value(value), Style(colour, width))
    except (KeyError, TypeError, AttributeError, ValueError, IndexError):
        # A member missing or of another type: some QEMU this view was not written against. JSON shows it all.
        return None
    return "\n".join(lines)
