"""Which live values fit an argument the schema only calls "str": a reviewed table first, then name heuristics.

The table also says where a name means a *new* id (``blockdev-add node-name``, ``device_add id``): offering the
existing ones there would invite a clash.
"""

from __future__ import annotations

import enum
from collections.abc import Mapping
from typing import Any


class Source(enum.Enum):
    DEVICE_IDS = "qdev ids and anonymous device paths"
    DEVICE_TYPES = "device types that can be created"
    DEVICE_PROPERTIES = "a device type's properties (device_add argument names)"
    DEVICE_PROPERTY_VALUES = "values a device property's type allows"
    BLOCK_BACKENDS = "block backend names"
    BLOCK_QDEVS = "guest devices with a block backend"
    NODE_NAMES = "block node names"
    JOB_IDS = "job ids"
    CHARDEV_IDS = "chardev ids"
    OBJECT_IDS = "user-created object ids"
    EXPORT_IDS = "block export ids"
    QOM_PATHS = "QOM paths"
    QOM_PROPERTIES = "properties of a QOM object"
    MIGRATE_CAPABILITIES = "migration capabilities"
    TRACE_EVENTS = "trace event names"
    VIRTIO_PATHS = "virtio device paths"
    BITMAPS = "dirty bitmaps (of the node given beside)"


BLOCK = (Source.BLOCK_BACKENDS, Source.NODE_NAMES)
NONE: tuple[Source, ...] = ()

# (command, argument name) -> sources; the name is the last key segment that is not a list index.
TABLE: Mapping[tuple[str, str], tuple[Source, ...]] = {
    # New names: nothing to offer.
    ("blockdev-add", "node-name"): NONE,
    ("drive-mirror", "node-name"): NONE,
    ("device_add", "id"): NONE,
    ("chardev-add", "id"): NONE,
    ("object-add", "id"): NONE,
    ("netdev_add", "id"): NONE,
    ("block-export-add", "id"): NONE,
    ("blockdev-add", "device"): NONE,  # nvme's PCI address
    # Existing things under a name that says little.
    ("device_del", "id"): (Source.DEVICE_IDS,),
    ("device_add", "driver"): (Source.DEVICE_TYPES,),
    ("device_add", "drive"): BLOCK,
    ("device_add", "chardev"): (Source.CHARDEV_IDS,),
    ("device-list-properties", "typename"): (Source.DEVICE_TYPES,),
    ("screendump", "device"): (Source.DEVICE_IDS,),
    ("input-send-event", "device"): (Source.DEVICE_IDS,),
    ("ringbuf-read", "device"): (Source.CHARDEV_IDS,),
    ("ringbuf-write", "device"): (Source.CHARDEV_IDS,),
    ("object-del", "id"): (Source.OBJECT_IDS,),
    ("block-export-del", "id"): (Source.EXPORT_IDS,),
    ("x-blockdev-change", "parent"): (Source.NODE_NAMES,),
    ("blockdev-snapshot", "overlay"): (Source.NODE_NAMES,),
    ("blockdev-mirror", "target"): (Source.NODE_NAMES,),
    ("blockdev-backup", "target"): (Source.NODE_NAMES,),
    ("block-commit", "top"): NONE,  # a file name, unlike top-node
    ("migrate-set-capabilities", "capability"): (Source.MIGRATE_CAPABILITIES,),
    ("trace-event-get-state", "name"): (Source.TRACE_EVENTS,),
    ("trace-event-set-state", "name"): (Source.TRACE_EVENTS,),
    # Existing dirty bitmaps (also as transaction actions, which are named as these commands).
    **{
        (command, name): (Source.BITMAPS,)
        for command, names in (
            ("block-dirty-bitmap-remove", ("name",)),
            ("block-dirty-bitmap-clear", ("name",)),
            ("block-dirty-bitmap-enable", ("name",)),
            ("block-dirty-bitmap-disable", ("name",)),
            ("x-debug-block-dirty-bitmap-sha256", ("name",)),
            ("block-dirty-bitmap-merge", ("target", "bitmaps", "name")),
            ("blockdev-backup", ("bitmap",)),
            ("drive-backup", ("bitmap",)),
        )
        for name in names
    },
}

# The guest device a medium or throttle command acts on: query-block's "qdev".
_QDEV_ID_COMMANDS = frozenset(
    {
        "eject",
        "blockdev-open-tray",
        "blockdev-close-tray",
        "blockdev-remove-medium",
        "blockdev-insert-medium",
        "blockdev-change-medium",
        "block_set_io_throttle",
        "block-latency-histogram-set",
    }
)
# Commands taking BlockdevOptions, where a plain string for a child (file=, backing= ...) names an existing node.
_BLOCKDEV_OPTIONS_COMMANDS = frozenset({"blockdev-add", "blockdev-reopen", "blockdev-create", "x-blockdev-amend"})
_NODE_REFERENCES = frozenset({"file", "backing", "data-file", "image", "test", "raw", "log", "children", "target"})
_NODE_NAMES = frozenset({"node-name", "node", "base-node", "top-node", "bottom"})


def argument_name(path: tuple[str, ...]) -> str:
    """The member a path names: ``capabilities.0.capability`` -> ``capability``."""
    for part in reversed(path):
        if not part.isdigit():
            return part
    return ""


def value_sources(command: str, path: tuple[str, ...]) -> tuple[Source, ...]:
    name = argument_name(path)
    found = TABLE.get((command, name))
    if found is not None:
        return found
    if command == "device_add":
        return (Source.DEVICE_PROPERTY_VALUES,) if len(path) == 1 else NONE
    if command.startswith(("qom-", "x-query-virtio")) and name == "path":
        return (Source.VIRTIO_PATHS,) if command.startswith("x-query-virtio") else (Source.QOM_PATHS,)
    if command.startswith("qom-") and name == "property":
        return (Source.QOM_PROPERTIES,)
    if name in ("id", "device") and command.startswith(("job-", "block-job-")):
        return (Source.JOB_IDS,)
    if name == "id" and command.startswith("chardev-"):
        return (Source.CHARDEV_IDS,)
    if name == "id" and command in _QDEV_ID_COMMANDS:
        return (Source.BLOCK_QDEVS,)
    if name in _NODE_NAMES:
        return (Source.NODE_NAMES,)
    if command in _BLOCKDEV_OPTIONS_COMMANDS and name in _NODE_REFERENCES:
        return (Source.NODE_NAMES,)
    if name == "device" and _is_block_command(command):
        return BLOCK
    return NONE


def name_sources(command: str, path_prefix: tuple[str, ...], given: Mapping[str, Any]) -> tuple[Source, ...]:
    """Argument names beyond the schema: device_add takes its driver's properties."""
    if command == "device_add" and not path_prefix and isinstance(given.get("driver"), str):
        return (Source.DEVICE_PROPERTIES,)
    return NONE


def _is_block_command(command: str) -> bool:
    return (
        command.startswith(("block", "drive", "x-block"))
        or command in ("eject", "nbd-server-add", "change-backing-file")
        or "snapshot" in command
    )
