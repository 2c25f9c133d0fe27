"""The names of the converters in shapes.py, for the table to name one without importing them (the table is read
on exec's one-shot path, the converters only when a line needs one)."""

from __future__ import annotations

from enum import StrEnum


class ShapeName(StrEnum):
    CHANGE = "change"
    SENDKEY = "sendkey"
    MOUSE_MOVE = "mouse_move"
    MOUSE_BUTTON = "mouse_button"
    CURRENT_CPU = "current_cpu"
    ANNOUNCE_SELF = "announce_self"
    MIGRATE_SET_CAPABILITY = "migrate_set_capability"
    MIGRATE_SET_PARAMETER = "migrate_set_parameter"
    DUMP_GUEST_MEMORY = "dump_guest_memory"
    REUSE_MODE = "reuse_mode"
    REUSE_MODE_SYNC = "reuse_mode_sync"
    NBD_SERVER_START = "nbd_server_start"
    NBD_SERVER_REMOVE = "nbd_server_remove"
    CALC_DIRTY_RATE = "calc_dirty_rate"
    QOM_SET = "qom_set"
    INFO_BLOCK = "info_block"
    INFO_STATS = "info_stats"
    DEVICE_ADD = "device_add"
    NETDEV_ADD = "netdev_add"
    OBJECT_ADD = "object_add"
    CHARDEV_ADD = "chardev_add"
