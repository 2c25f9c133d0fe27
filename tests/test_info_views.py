"""``info`` views: HMP-like text from QMP replies.

Pure tests use replies captured from QEMU 7.2.22 (libvirt 9.0, the diskless pc guests of these tests), with the text
HMP printed for the same state. The real-guest tests run HMP's ``info X`` and the QMP query on one guest and check
that both show the same facts (names, numbers, states), not the same characters.
"""

from __future__ import annotations

import re
import socket
import threading
import time
from collections.abc import Callable, Iterator
from typing import Any, NamedTuple

import pytest

from tests.conftest import LoopThread
from tests.guest_facts import QemuFacts
from vdbgsh.render.ansi import strip_ansi
from vdbgsh.render.info import INFO_VIEW_NAMES, render_info, size_to_str
from vdbgsh.transport import Monitor, Target


def view(name: str, value: Any, args: dict[str, Any] | None = None, width: int = 1000) -> str:
    text = render_info(name, args or {}, value, colour=False, width=width)
    assert text is not None, f"no view for info {name}"
    return text


# --- replies captured from QEMU 7.2 ---------------------------------------------------------------------------------

STATUS_RUNNING = {"status": "running", "singlestep": False, "running": True}
STATUS_POSTMIGRATE = {"status": "postmigrate", "singlestep": False, "running": False}
CPUS = [
    {
        "thread-id": 999,
        "props": {"core-id": 0, "thread-id": 0, "socket-id": 0},
        "qom-path": "/machine/unattached/device[0]",
        "cpu-index": 0,
        "target": "x86_64",
    }
]
VERSION = {"qemu": {"micro": 22, "minor": 2, "major": 7}, "package": "Debian 1:7.2+dfsg-7+deb12u18+b3"}
CHARDEV = [
    {"frontend-open": False, "filename": "null", "label": "c0"},
    {"frontend-open": False, "filename": "ringbuf", "label": "rb0"},
    {
        "frontend-open": True,
        "filename": "unix:/var/lib/libvirt/qemu/domain-176-ivcapture-b/monitor.sock,server=on",
        "label": "charmonitor",
    },
]
MICE = [{"index": 2, "name": "QEMU PS/2 Mouse", "current": True, "absolute": False}]
IOTHREADS = [
    {"poll-shrink": 0, "thread-id": 1043, "aio-max-batch": 0, "poll-grow": 0, "poll-max-ns": 32768, "id": "iot0"}
]
MEMDEV = [
    {
        "share": False,
        "reserve": True,
        "prealloc": False,
        "host-nodes": [],
        "size": 67108864,
        "merge": True,
        "dump": False,
        "policy": "default",
        "id": "mem1",
    }
]
HOTPLUGGABLE_CPUS = [
    {
        "props": {"core-id": 0, "thread-id": 0, "socket-id": 0},
        "vcpus-count": 1,
        "qom-path": "/machine/unattached/device[0]",
        "type": "qemu64-x86_64-cpu",
    }
]

_CACHE = {"no-flush": False, "direct": False, "writeback": True}
_NULL_IMAGE = {"virtual-size": 1073741824, "filename": "null-co://", "format": "null-co", "actual-size": 0}


def _inserted(node: str, file: str, drv: str, ro: bool, **extra: Any) -> dict[str, Any]:
    inserted = {
        "iops_rd": 0,
        "detect_zeroes": "off",
        "image": {**_NULL_IMAGE, "filename": file, "format": drv},
        "iops_wr": 0,
        "ro": ro,
        "node-name": node,
        "backing_file_depth": 0,
        "drv": drv,
        "iops": 0,
        "bps_wr": 0,
        "write_threshold": 0,
        "encrypted": False,
        "bps": 0,
        "bps_rd": 0,
        "cache": _CACHE,
        "file": file,
    }
    return inserted | extra


# drive_add drive0 (null-co, read-only) on virtio-blk vblk1; scsi-cd cd0 without medium; blockdev-add file+raw r0
# on virtio-blk vblk0 with block_set_io_throttle bps=1000000.
QUERY_BLOCK = [
    {
        "io-status": "ok",
        "device": "drive0",
        "locked": False,
        "removable": False,
        "inserted": _inserted("#block071", "null-co://", "null-co", True),
        "qdev": "/machine/peripheral/vblk1/virtio-backend",
        "type": "unknown",
    },
    {
        "io-status": "ok",
        "device": "",
        "locked": False,
        "removable": True,
        "qdev": "cd0",
        "tray_open": False,
        "type": "unknown",
    },
    {
        "io-status": "ok",
        "device": "",
        "locked": False,
        "removable": False,
        "inserted": _inserted(
            "r0", "/tmp/iv/raw.img", "raw", False, bps=1000000, group="/machine/peripheral/vblk0/virtio-backend"
        ),
        "qdev": "/machine/peripheral/vblk0/virtio-backend",
        "type": "unknown",
    },
]
HMP_INFO_BLOCK = """\
drive0 (#block071): null-co:// (null-co, read-only)
    Attached to:      /machine/peripheral/vblk1/virtio-backend
    Cache mode:       writeback

cd0: [not inserted]
    Attached to:      cd0
    Removable device: not locked, tray closed

r0: /tmp/iv/raw.img (raw)
    Attached to:      /machine/peripheral/vblk0/virtio-backend
    Cache mode:       writeback
    I/O throttling:   bps=1000000 bps_rd=0 bps_wr=0 bps_max=0 bps_rd_max=0 bps_wr_max=0 iops=0 iops_rd=0 iops_wr=0 \
iops_max=0 iops_rd_max=0 iops_wr_max=0 iops_size=0 group=/machine/peripheral/vblk0/virtio-backend"""
NAMED_NODES = [
    _inserted("n1", "null-co://", "null-co", True),
    _inserted("n0", "null-co://", "null-co", False),
]

_QCOW2_SPECIFIC = {
    "type": "qcow2",
    "data": {
        "compat": "1.1",
        "compression-type": "zlib",
        "lazy-refcounts": False,
        "refcount-bits": 16,
        "corrupt": False,
        "extended-l2": False,
    },
}
# A qcow2 overlay on a qcow2 base (both made with blockdev-create) with one internal snapshot.
QCOW2_CHAIN = [
    {
        "io-status": "ok",
        "device": "",
        "locked": False,
        "removable": False,
        "inserted": _inserted(
            "top",
            "/tmp/iv/top.qcow2",
            "qcow2",
            False,
            backing_file="/tmp/iv/base.qcow2",
            backing_file_depth=1,
            image={
                "backing-image": {
                    "virtual-size": 4194304,
                    "filename": "/tmp/iv/base.qcow2",
                    "cluster-size": 65536,
                    "format": "qcow2",
                    "actual-size": 200704,
                    "format-specific": _QCOW2_SPECIFIC,
                    "dirty-flag": False,
                },
                "backing-filename-format": "qcow2",
                "snapshots": [
                    {
                        "vm-clock-nsec": 141841291,
                        "name": "snap1",
                        "date-sec": 1795674825,
                        "date-nsec": 32123000,
                        "vm-clock-sec": 0,
                        "id": "1",
                        "vm-state-size": 0,
                    }
                ],
                "virtual-size": 4194304,
                "filename": "/tmp/iv/top.qcow2",
                "cluster-size": 65536,
                "format": "qcow2",
                "actual-size": 208896,
                "format-specific": _QCOW2_SPECIFIC,
                "full-backing-filename": "/tmp/iv/base.qcow2",
                "backing-filename": "/tmp/iv/base.qcow2",
                "dirty-flag": False,
            },
        ),
        "qdev": "/machine/peripheral/vblk0/virtio-backend",
        "type": "unknown",
    }
]
_QCOW2_DUMP = """\
Format specific information:
    compat: 1.1
    compression type: zlib
    lazy refcounts: false
    refcount bits: 16
    corrupt: false
    extended l2: false"""

_STATS = {
    "unmap_operations": 0,
    "flush_total_time_ns": 0,
    "wr_highest_offset": 0,
    "wr_total_time_ns": 0,
    "wr_merged": 0,
    "wr_bytes": 4096,
    "timed_stats": [],
    "account_invalid": True,
    "rd_total_time_ns": 163456,
    "flush_operations": 0,
    "wr_operations": 1,
    "rd_merged": 0,
    "rd_bytes": 512,
    "account_failed": True,
    "rd_operations": 1,
}
BLOCKSTATS = [
    {"device": "drive0", "stats": _STATS, "node-name": "#block071", "qdev": "/machine/peripheral/vblk1/virtio-backend"},
    {"device": "", "stats": _STATS, "qdev": "cd0"},
]
MIRROR_JOB = [
    {
        "auto-finalize": True,
        "io-status": "ok",
        "device": "mj0",
        "auto-dismiss": True,
        "busy": False,
        "len": 1048576,
        "offset": 1048576,
        "status": "paused",
        "paused": True,
        "speed": 1,
        "ready": False,
        "type": "mirror",
    }
]
# An outgoing migration to a TCP sink, finished, with the xbzrle capability on.
MIGRATE_COMPLETED = {
    "xbzrle-cache": {
        "encoding-rate": 0,
        "bytes": 0,
        "cache-size": 67108864,
        "cache-miss-rate": 0,
        "pages": 0,
        "overflow": 0,
        "cache-miss": 42,
    },
    "status": "completed",
    "setup-time": 9,
    "downtime": 2,
    "total-time": 20,
    "ram": {
        "total": 67641344,
        "postcopy-requests": 0,
        "dirty-sync-count": 2,
        "multifd-bytes": 0,
        "pages-per-second": 0,
        "downtime-bytes": 172375,
        "page-size": 4096,
        "remaining": 0,
        "postcopy-bytes": 0,
        "mbps": 700.5658181818183,
        "transferred": 804303,
        "dirty-sync-missed-zero-copy": 0,
        "precopy-bytes": 631928,
        "duplicate": 16396,
        "dirty-pages-rate": 0,
        "skipped": 0,
        "normal-bytes": 655360,
        "normal": 160,
    },
}
# As libvirt hands it over: members in no particular order.
MIGRATE_PARAMETERS = {
    "cpu-throttle-tailslow": False,
    "xbzrle-cache-size": 67108864,
    "cpu-throttle-initial": 20,
    "announce-max": 550,
    "decompress-threads": 2,
    "compress-threads": 8,
    "compress-level": 1,
    "multifd-channels": 2,
    "multifd-zstd-level": 1,
    "announce-initial": 50,
    "block-incremental": False,
    "compress-wait-thread": True,
    "downtime-limit": 300,
    "tls-authz": "",
    "multifd-compression": "none",
    "announce-rounds": 5,
    "announce-step": 100,
    "tls-creds": "",
    "multifd-zlib-level": 1,
    "max-cpu-throttle": 99,
    "max-postcopy-bandwidth": 0,
    "tls-hostname": "",
    "throttle-trigger-threshold": 50,
    "max-bandwidth": 134217728,
    "x-checkpoint-delay": 20000,
    "cpu-throttle-increment": 10,
}
HMP_MIGRATE_PARAMETERS = """\
announce-initial: 50 ms
announce-max: 550 ms
announce-rounds: 5
announce-step: 100 ms
compress-level: 1
compress-threads: 8
compress-wait-thread: on
decompress-threads: 2
throttle-trigger-threshold: 50
cpu-throttle-initial: 20
cpu-throttle-increment: 10
cpu-throttle-tailslow: off
max-cpu-throttle: 99
tls-creds: ''
tls-hostname: ''
max-bandwidth: 134217728 bytes/second
downtime-limit: 300 ms
x-checkpoint-delay: 20000 ms
block-incremental: off
multifd-channels: 2
multifd-compression: none
xbzrle-cache-size: 67108864 bytes
max-postcopy-bandwidth: 0
tls-authz: ''"""
PCI = [
    {
        "bus": 0,
        "devices": [
            {
                "irq_pin": 4,
                "bus": 0,
                "qdev_id": "usb",
                "irq": 11,
                "slot": 1,
                "class_info": {"class": 3075, "desc": "USB controller"},
                "id": {"device": 28704, "subsystem-vendor": 6900, "vendor": 32902, "subsystem": 4352},
                "function": 2,
                "regions": [{"bar": 4, "size": 32, "address": 49344, "type": "io"}],
            },
            {
                "irq_pin": 1,
                "bus": 0,
                "qdev_id": "balloon0",
                "irq": 10,
                "slot": 2,
                "class_info": {"class": 255},
                "id": {"device": 4098, "subsystem-vendor": 6900, "vendor": 6900, "subsystem": 5},
                "function": 0,
                "regions": [
                    {"bar": 0, "size": 64, "address": 49280, "type": "io"},
                    {
                        "prefetch": True,
                        "mem_type_64": True,
                        "bar": 4,
                        "size": 16384,
                        "address": 4273946624,
                        "type": "memory",
                    },
                ],
            },
            {  # hot-plugged into a paused guest: the firmware never mapped its BARs
                "irq_pin": 1,
                "bus": 0,
                "qdev_id": "vblk0",
                "irq": 0,
                "slot": 5,
                "class_info": {"class": 256, "desc": "SCSI controller"},
                "id": {"device": 4097, "subsystem-vendor": 6900, "vendor": 6900, "subsystem": 2},
                "function": 0,
                "regions": [
                    {"bar": 0, "size": 128, "address": -1, "type": "io"},
                    {"prefetch": False, "mem_type_64": False, "bar": 1, "size": 4096, "address": -1, "type": "memory"},
                ],
            },
        ],
    }
]
# From a plain QEMU with -vnc 127.0.0.1:77 and one client connected.
VNC = [
    {
        "auth": "none",
        "clients": [{"family": "ipv4", "service": "45874", "host": "127.0.0.1", "websocket": False}],
        "server": [{"auth": "none", "family": "ipv4", "service": "5977", "host": "127.0.0.1", "websocket": False}],
        "id": "default",
    }
]
TRACE_EVENTS = [
    {"name": "vnc_client_io_error", "vcpu": False, "state": "disabled"},
    {"name": "vnc_client_eof", "vcpu": False, "state": "enabled"},
]
ROMS = {
    "human-readable-text": 'fw=genroms/kvmvapic.bin size=0x002400 name="kvmvapic.bin"\n'
    'addr=00000000fffc0000 size=0x040000 mem=rom name="bios-256k.bin"\n'
}

# Every literal with the view that shows it, for the checks that hold for all views.
ALL_VIEWS: list[tuple[str, Any, dict[str, Any]]] = [
    ("status", STATUS_POSTMIGRATE, {}),
    ("cpus", CPUS, {}),
    ("version", VERSION, {}),
    ("chardev", CHARDEV, {}),
    ("mice", MICE, {}),
    ("iothreads", IOTHREADS, {}),
    ("memdev", MEMDEV, {}),
    ("hotpluggable-cpus", HOTPLUGGABLE_CPUS, {}),
    ("block", QUERY_BLOCK, {"verbose": True}),
    ("block", QCOW2_CHAIN, {"verbose": True}),
    ("block", NAMED_NODES, {"nodes": True}),
    ("blockstats", BLOCKSTATS, {}),
    ("block-jobs", MIRROR_JOB, {}),
    ("migrate", MIGRATE_COMPLETED, {}),
    ("migrate_parameters", MIGRATE_PARAMETERS, {}),
    ("migrate_capabilities", [{"state": True, "capability": "events"}], {}),
    ("pci", PCI, {}),
    ("vnc", VNC, {}),
    ("trace-events", TRACE_EVENTS, {}),
    ("kvm", {"enabled": False, "present": True}, {}),
    ("balloon", {"actual": 67108864}, {}),
    ("memory_size_summary", {"base-memory": 67108864, "plugged-memory": 0}, {}),
    ("dump", {"total": 0, "status": "none", "completed": 0}, {}),
    (
        "dirty_rate",
        {"status": "unstarted", "sample-pages": 0, "mode": "page-sampling", "start-time": 0, "calc-time": 0},
        {},
    ),
]


# --- pure tests -----------------------------------------------------------------------------------------------------


def test_one_line_views_read_like_hmp() -> None:
    assert view("status", STATUS_RUNNING) == "VM status: running"
    assert view("status", {"status": "paused", "singlestep": False, "running": False}) == "VM status: paused"
    assert view("status", STATUS_POSTMIGRATE) == "VM status: paused (postmigrate)"
    assert view("kvm", {"enabled": False, "present": True}) == "kvm support: disabled"
    assert view("kvm", {"enabled": False, "present": False}) == "kvm support: not compiled"
    assert view("name", {"name": "guest1"}) == "guest1"
    assert view("name", {}) == "(no name)"
    assert view("uuid", {"UUID": "a0aa6a84-3f7e-49c5-ac59-f2cb3a4a064c"}) == "a0aa6a84-3f7e-49c5-ac59-f2cb3a4a064c"
    # HMP: "balloon: actual=64" (MiB, unsaid) and "7.2.22Debian 1:7.2+dfsg-7+deb12u18+b3" (package glued on).
    assert view("balloon", {"actual": 67108864}) == "balloon: actual=64 MiB"
    assert view("version", VERSION) == "7.2.22 (Debian 1:7.2+dfsg-7+deb12u18+b3)"
    assert view("version", {"qemu": {"micro": 0, "minor": 2, "major": 10}, "package": ""}) == "10.2.0"
    assert view("memory_size_summary", {"base-memory": 67108864, "plugged-memory": 0}) == (
        "base memory: 67108864\nplugged memory: 0"
    )
    assert view("dump", {"total": 0, "status": "none", "completed": 0}) == "Status: none"
    assert view("dump", {"total": 400, "status": "active", "completed": 100}) == "Status: active\nFinished: 25.00 %"
    assert view("replay", {"icount": 0, "mode": "none"}) == "Record/replay is not active"
    assert view("spice", {"migrated": False, "enabled": False, "mouse-mode": "client"}) == "Server: disabled"
    assert view("sev", {"enabled": False, "api-minor": 0, "handle": 0, "state": "uninit"}) == "SEV is not enabled"


def test_lists_one_line_per_item() -> None:
    assert view("cpus", CPUS) == "* CPU #0: thread_id=999"  # HMP's current CPU: the first, until `cpu N`
    # QEMU 9.2+ adds the QOM type, from which HMP shows the CPU model.
    assert view("cpus", [CPUS[0] | {"qom-type": "qemu64-x86_64-cpu"}]) == "* CPU #0: thread_id=999 model=qemu64"
    assert view("chardev", CHARDEV).splitlines() == [
        "c0: filename=null",
        "rb0: filename=ringbuf",
        "charmonitor: filename=unix:/var/lib/libvirt/qemu/domain-176-ivcapture-b/monitor.sock,server=on",
    ]
    assert view("mice", MICE) == "* Mouse #2: QEMU PS/2 Mouse"
    assert view("mice", [MICE[0] | {"current": False, "absolute": True}]) == "  Mouse #2: QEMU PS/2 Mouse (absolute)"
    assert view("mice", []) == "No mouse devices connected"
    assert view("block-jobs", []) == "No active jobs"
    assert view("block-jobs", MIRROR_JOB) == (
        "Type mirror, device mj0: Completed 1048576 of 1048576 bytes, speed limit 1 bytes/s"
    )
    assert view("block-jobs", [MIRROR_JOB[0] | {"type": "stream"}]).startswith("Streaming device mj0: Completed")
    # HMP says "state 0" for both disabled and unavailable; the word keeps them apart.
    assert view("trace-events", TRACE_EVENTS) == "vnc_client_io_error : disabled\nvnc_client_eof : enabled"
    assert view("virtio", [{"name": "virtio-balloon", "path": "/machine/peripheral/balloon0/virtio-backend"}]) == (
        "/machine/peripheral/balloon0/virtio-backend [virtio-balloon]"
    )
    assert view("virtio", []) == "No VirtIO devices"
    assert view("vnc", []) == "None"
    assert view("vcpu_dirty_limit", []) == "Dirty page limit not enabled!"
    assert view("accelerators", {"enabled": "tcg", "present": ["kvm", "tcg"]}) == "kvm [tcg]"


def test_records_as_hmp_blocks() -> None:
    assert view("iothreads", IOTHREADS) == (
        "iot0:\n  thread_id=1043\n  poll-max-ns=32768\n  poll-grow=0\n  poll-shrink=0\n  aio-max-batch=0"
    )
    assert view("memdev", MEMDEV).splitlines() == [
        "memory backend: mem1",
        "  size: 67108864",
        "  merge: true",
        "  dump: false",
        "  prealloc: false",
        "  share: false",
        "  reserve: true",
        "  policy: default",
        "  host nodes: ",
    ]
    assert view("memdev", [MEMDEV[0] | {"host-nodes": [0, 1]}]).endswith("host nodes: 0,1")
    assert view("hotpluggable-cpus", HOTPLUGGABLE_CPUS).splitlines() == [
        "Hotpluggable CPUs:",
        "  type: qemu64-x86_64-cpu",
        "  vcpus_count: 1",
        "  qom_path: /machine/unattached/device[0]",
        "  CPUInstance Properties:",
        "    socket-id: 0",
        "    core-id: 0",
        "    thread-id: 0",
    ]
    tpm = [{"model": "tpm-tis", "id": "tpm0", "options": {"type": "emulator", "data": {"chardev": "chrtpm"}}}]
    assert view("tpm", tpm) == "TPM device:\n tpm0: model=tpm-tis\n  \\ tpm0: type=emulator,chardev=chrtpm"
    assert view("tpm", []) == "No TPM device"


def test_block_reads_as_hmp_printed_it() -> None:
    assert view("block", QUERY_BLOCK) == HMP_INFO_BLOCK
    assert view("block", QUERY_BLOCK, {"device": "drive0"}) == HMP_INFO_BLOCK.partition("\n\n")[0]
    assert view("block", QUERY_BLOCK, {"device": "nosuch"}) == "No block device or node named 'nosuch'"
    assert view("block", []) == "No block devices"


def test_block_nodes_come_from_query_named_block_nodes() -> None:
    # HMP's text for "info block -n" on the same guest.
    hmp = "n1: null-co:// (null-co, read-only)\n    Cache mode:       writeback\n\n"
    hmp += "n0: null-co:// (null-co)\n    Cache mode:       writeback"
    assert view("block", NAMED_NODES, {"nodes": True}) == hmp
    assert view("block", NAMED_NODES, {"nodes": True, "device": "n0"}) == hmp.split("\n\n")[1]
    # "info block n1" when n1 names no backend: HMP searches the nodes; given their list, so does the view.
    assert view("block", NAMED_NODES, {"device": "n1"}) == hmp.split("\n\n")[0]


def test_block_verbose_shows_the_image_chain() -> None:
    text = view("block", QCOW2_CHAIN, {"verbose": True})
    head, images = text.split("\n\nImages:\n")
    assert head == (
        "top: /tmp/iv/top.qcow2 (qcow2)\n"
        "    Attached to:      /machine/peripheral/vblk0/virtio-backend\n"
        "    Cache mode:       writeback\n"
        "    Backing file:     /tmp/iv/base.qcow2 (chain depth: 1)"
    )
    date = time.strftime("%Y-%m-%d %H:%M:%S", time.localtime(1795674825))
    assert images.splitlines() == [
        "image: /tmp/iv/top.qcow2",
        "file format: qcow2",
        "virtual size: 4 MiB (4194304 bytes)",
        "disk size: 204 KiB",
        "cluster_size: 65536",
        "backing file: /tmp/iv/base.qcow2",
        "backing file format: qcow2",
        "Snapshot list:",
        "ID      TAG               VM_SIZE                DATE        VM_CLOCK     ICOUNT",
        f"1       snap1                 0 B {date}  0000:00:00.141         --",
        *_QCOW2_DUMP.splitlines(),
        "image: /tmp/iv/base.qcow2",
        "file format: qcow2",
        "virtual size: 4 MiB (4194304 bytes)",
        "disk size: 196 KiB",
        "cluster_size: 65536",
        *_QCOW2_DUMP.splitlines(),
    ]


def test_long_lines_wrap_to_the_width() -> None:
    text = view("block", QUERY_BLOCK, width=80)
    throttling = text[text.index("    I/O throttling:") :].splitlines()
    assert len(throttling) > 1
    assert all(len(line) <= 80 for line in throttling)
    assert all(line.startswith(" " * 22) for line in throttling[1:])
    assert " ".join(throttling).split() == HMP_INFO_BLOCK.splitlines()[-1].split()

    stats = view("blockstats", BLOCKSTATS, width=60).splitlines()
    assert all(len(line) <= 60 for line in stats)
    assert stats[0] == "drive0: rd_bytes=512 wr_bytes=4096 rd_operations=1"


def test_blockstats_names_anonymous_backends_by_their_device() -> None:
    lines = view("blockstats", BLOCKSTATS).splitlines()
    counters = (
        "rd_bytes=512 wr_bytes=4096 rd_operations=1 wr_operations=1 flush_operations=0 wr_total_time_ns=0"
        " rd_total_time_ns=163456 flush_total_time_ns=0 rd_merged=0 wr_merged=0"
    )
    # HMP prints ": rd_bytes=..." for the second (no BlockBackend name); its qdev id names it here.
    assert lines == [f"drive0: {counters}", f"cd0: {counters}"]
    assert view("blockstats", [{"node-name": "n0", "stats": _STATS}]) == "No block devices"


def test_migrate_groups_the_figures_as_qemu_10_does() -> None:
    assert view("migrate", MIGRATE_COMPLETED, width=100).splitlines() == [
        "Status:               completed",
        "Time (ms):            total=20, setup=9, down=2",
        "RAM info:",
        "  Throughput (Mbps):  700.57",
        "  Sizes:              pagesize=4 KiB, total=64.5 MiB",
        "  Transfers:          transferred=785 KiB, remain=0 B",
        "    Channels:         precopy=617 KiB, multifd=0 B, postcopy=0 B",
        "    Page Types:       normal=160, zero=16396",
        "  Page Rates (pps):   transfer=0",
        "  Others:             dirty_syncs=2, downtime_bytes=172375",
        "XBZRLE: size=67108864, transferred=0, pages=0, miss=42",
        "  miss_rate=0.00, encode_rate=0.00, overflow=0",
    ]
    failed = {"status": "failed", "error-desc": "Unable to write to socket: Broken pipe", "total-time": 0}
    assert view("migrate", failed) == "Status:               failed (Unable to write to socket: Broken pipe)"
    assert view("migrate", {}) == "No migration has happened"


def test_migrate_parameters_in_hmp_order_with_units() -> None:
    lines = view("migrate_parameters", MIGRATE_PARAMETERS).splitlines()
    assert lines[:4] == [
        "announce-initial: 50 ms",
        "announce-max: 550 ms",
        "announce-rounds: 5",
        "announce-step: 100 ms",
    ]
    # Everything HMP 7.2 printed is there, word for word, but the unit it forgot for max-postcopy-bandwidth.
    missing = set(HMP_MIGRATE_PARAMETERS.splitlines()) - set(lines)
    assert missing == {"max-postcopy-bandwidth: 0"}
    assert "max-postcopy-bandwidth: 0 bytes/second" in lines
    # HMP 7.2 leaves out the zlib and zstd levels; the reply has them.
    assert {"multifd-zlib-level: 1", "multifd-zstd-level: 1"} <= set(lines)
    assert len(lines) == len(MIGRATE_PARAMETERS)
    newer = view("migrate_parameters", {"cpr-exec-command": ["/bin/qemu", "-S"], "mode": "normal", "zz-new": 3})
    assert newer.splitlines() == ["mode: normal", "cpr-exec-command: /bin/qemu -S", "zz-new: 3"]
    # As QEMU 11.1's HMP prints them: an empty list is the name alone, the RDMA chunk in bytes.
    unset = view("migrate_parameters", {"cpr-exec-command": [], "x-rdma-chunk-size": 1048576})
    assert unset.splitlines() == ["cpr-exec-command:", "x-rdma-chunk-size: 1048576 bytes"]


def test_migrate_capabilities_on_off() -> None:
    reply = [{"state": False, "capability": "xbzrle"}, {"state": True, "capability": "events"}]
    assert view("migrate_capabilities", reply) == "xbzrle: off\nevents: on"


def test_pci_like_hmp() -> None:
    assert view("pci", PCI).splitlines() == [
        "  Bus  0, device   1, function 2:",
        "    USB controller: PCI device 8086:7020",
        "      PCI subsystem 1af4:1100",
        "      IRQ 11, pin D",
        "      BAR4: I/O at 0xc0c0 [0xc0df]",
        '      id "usb"',
        "  Bus  0, device   2, function 0:",
        "    Class 0255: PCI device 1af4:1002",
        "      PCI subsystem 1af4:0005",
        "      IRQ 10, pin A",
        "      BAR0: I/O at 0xc080 [0xc0bf]",
        "      BAR4: 64 bit prefetchable memory at 0xfebf4000 [0xfebf7fff]",
        '      id "balloon0"',
        "  Bus  0, device   5, function 0:",
        "    SCSI controller: PCI device 1af4:1001",
        "      PCI subsystem 1af4:0002",
        "      IRQ 0, pin A",
        "      BAR0: I/O (not mapped)",
        "      BAR1: 32 bit memory (not mapped)",
        '      id "vblk0"',
    ]


def test_vnc_like_hmp() -> None:
    assert view("vnc", VNC).splitlines() == [
        "default:",
        "  Server: 127.0.0.1:5977 (ipv4)",
        "    Auth: none (Sub: none)",
        "  Client: 127.0.0.1:45874 (ipv4)",
        "    x509_dname: none",
        "    sasl_username: none",
    ]


def test_human_readable_text_is_shown_as_is() -> None:
    expected = ROMS["human-readable-text"].removesuffix("\n")
    assert render_info("roms", {}, ROMS, colour=True, width=20) == expected
    # Whatever the sub-command: "info irq", "info jit", "info numa" ... all come this way.
    assert render_info("never-heard-of", {}, {"human-readable-text": "0 nodes\n"}, colour=False, width=80) == "0 nodes"
    assert render_info("usb", {}, {"human-readable-text": ""}, colour=False, width=80) == ""


def test_no_view_means_none() -> None:
    assert render_info("rocker", {"name": "sw0"}, {"name": "sw0", "id": 1, "ports": 4}, colour=False, width=80) is None
    assert render_info("stats", {"target": "vm"}, [], colour=False, width=80) is None
    # A reply unlike any QEMU the view knows is left to JSON rather than half shown.
    assert render_info("status", {}, {"state": "running"}, colour=False, width=80) is None
    assert render_info("cpus", {}, {"cpu-index": 0}, colour=False, width=80) is None
    assert render_info("block", {}, [{"device": "x"}], colour=False, width=80) is None


@pytest.mark.parametrize(("name", "value", "args"), ALL_VIEWS, ids=[case[0] for case in ALL_VIEWS])
def test_colour_only_adds_escape_codes(name: str, value: Any, args: dict[str, Any]) -> None:
    plain = render_info(name, args, value, colour=False, width=100)
    coloured = render_info(name, args, value, colour=True, width=100)
    assert plain is not None
    assert coloured is not None
    assert "\x1b[" not in plain
    assert "\x1b[" in coloured
    assert strip_ansi(coloured) == plain


def test_memory_devices_and_generation_id() -> None:
    tested = {case[0] for case in ALL_VIEWS} | {"name", "uuid", "replay", "sev", "spice", "tpm", "virtio"}
    tested |= {"vcpu_dirty_limit", "accelerators"}
    assert INFO_VIEW_NAMES - tested == {"memory-devices", "vm-generation-id"}
    assert view("vm-generation-id", {"guid": "324e6eaf-d1d1-4bf6-bf41-b9bb6c91fb87"}) == (
        "324e6eaf-d1d1-4bf6-bf41-b9bb6c91fb87"
    )
    dimm = {
        "type": "dimm",
        "data": {
            "slot": 0,
            "node": 0,
            "addr": 4294967296,
            "memdev": "/objects/mem1",
            "id": "dimm1",
            "hotpluggable": True,
            "hotplugged": True,
            "size": 134217728,
        },
    }
    assert view("memory-devices", [dimm]).splitlines() == [
        'Memory device [dimm]: "dimm1"',
        "  addr: 0x100000000",
        "  slot: 0",
        "  node: 0",
        "  size: 134217728",
        "  memdev: /objects/mem1",
        "  hotplugged: true",
        "  hotpluggable: true",
    ]


@pytest.mark.parametrize(
    ("size", "text"),
    [
        (0, "0 B"),
        (1000, "0.977 KiB"),
        (999, "999 B"),
        (4096, "4 KiB"),
        (804303, "785 KiB"),
        (67641344, "64.5 MiB"),
        (1073741824, "1 GiB"),
        (1023590, "0.976 MiB"),  # 999.6 KiB would be "1e+03 KiB"
    ],
)
def test_sizes_as_qemu_writes_them(size: int, text: str) -> None:
    assert size_to_str(size) == text


# --- real guests: HMP and the view of the QMP reply show the same facts ---------------------------------------------

Facts = Callable[[str], Any]


class Case(NamedTuple):
    hmp: str
    qmp: str
    qmp_args: dict[str, Any] | None
    name: str
    args: dict[str, Any]
    facts: Facts
    view_facts: Facts | None = None  # when the view words a fact differently from HMP

    def __str__(self) -> str:
        return self.hmp


def _one(pattern: str) -> Facts:
    def groups(text: str) -> tuple[str | Any, ...]:
        match = re.search(pattern, text, re.MULTILINE)
        assert match is not None, f"{pattern!r} not in:\n{text}"
        return match.groups()

    return groups


def _all(pattern: str) -> Facts:
    return lambda text: re.findall(pattern, text, re.MULTILINE)


def _text(text: str) -> str:
    return text.strip()


def _key_values(text: str) -> dict[str, str]:
    """``name: value [unit]`` lines as {name: value}."""
    return dict(re.findall(r"^([\w-]+): (\S*)", text, re.MULTILINE))


def _memdev_facts(text: str) -> dict[str, dict[str, str]]:
    backends: dict[str, dict[str, str]] = {}
    for chunk in text.split("memory backend: ")[1:]:
        name, *lines = chunk.strip().splitlines()
        backends[name] = {key.strip(): value.strip() for key, _, value in (line.partition(":") for line in lines)}
    return backends


def _pci_facts(text: str) -> tuple[Any, ...]:
    devices = re.findall(r"Bus +(\d+), device +(\d+), function (\d+):\n +(.*): PCI device (\w+:\w+)", text)
    bars = [bar.rstrip(".") for bar in re.findall(r"BAR\d+: .*$", text, re.MULTILINE)]  # 7.2 ends them with "."
    return devices, bars, re.findall(r'id "(.*)"', text)


def _trace_state(text: str) -> list[tuple[str, str]]:
    return [(name, "1" if state == "enabled" else "0") for name, state in re.findall(r"^(\S+) : (\w+)$", text, re.M)]


READ_ONLY_CASES = [
    Case("info status", "query-status", None, "status", {}, _one(r"VM status: (\w+)(?: \(([\w-]+)\))?")),
    Case("info cpus", "query-cpus-fast", None, "cpus", {}, _all(r"CPU #(\d+): thread_id=(\d+)")),
    Case("info chardev", "query-chardev", None, "chardev", {}, _all(r"^(\S+): filename=(.*)$")),
    Case(
        "info version",
        "query-version",
        None,
        "version",
        {},
        _one(r"^(\d+)\.(\d+)\.(\d+)(.*)$"),
        _one(r"^(\d+)\.(\d+)\.(\d+) \((.*)\)$"),
    ),
    Case("info kvm", "query-kvm", None, "kvm", {}, _one(r"kvm support: (.*)")),
    Case("info name", "query-name", None, "name", {}, _text),
    Case("info uuid", "query-uuid", None, "uuid", {}, _text),
    Case("info balloon", "query-balloon", None, "balloon", {}, _one(r"actual=(\d+)")),
    Case("info mice", "query-mice", None, "mice", {}, _all(r"^([* ]) Mouse #(\d+): (.*?)( \(absolute\))?$")),
    Case("info block-jobs", "query-block-jobs", None, "block-jobs", {}, _text),
    Case("info migrate_capabilities", "query-migrate-capabilities", None, "migrate_capabilities", {}, _key_values),
    Case("info memdev", "query-memdev", None, "memdev", {}, _memdev_facts),
    Case(
        "info hotpluggable-cpus",
        "query-hotpluggable-cpus",
        None,
        "hotpluggable-cpus",
        {},
        lambda text: text.replace('"', "").split(),  # HMP quotes every value
    ),
    Case("info pci", "query-pci", None, "pci", {}, _pci_facts),
    Case("info vnc", "query-vnc-servers", None, "vnc", {}, _text),
    Case(
        "info memory_size_summary",
        "query-memory-size-summary",
        None,
        "memory_size_summary",
        {},
        _all(r"^(base|plugged) memory: (\d+)$"),
    ),
    Case("info dump", "query-dump", None, "dump", {}, _one(r"Status: (\w+)")),
    Case("info tpm", "query-tpm", None, "tpm", {}, _all(r"tpm\d+: model=(\S+)")),
    Case(
        "info trace-events vnc_client_*",
        "trace-event-get-state",
        {"name": "vnc_client_*"},
        "trace-events",
        {"name": "vnc_client_*"},
        _all(r"^(\S+) : state (\d)$"),
        _trace_state,
    ),
    Case("info virtio", "x-query-virtio", None, "virtio", {}, _all(r"^(\S+) \[(.+)\]$")),
    Case("info dirty_rate", "query-dirty-rate", None, "dirty_rate", {}, _text),
    Case("info replay", "query-replay", None, "replay", {}, _text),
    Case("info spice", "query-spice", None, "spice", {}, _text),
    Case("info sev", "query-sev", None, "sev", {}, _text),
    Case("info vcpu_dirty_limit", "query-vcpu-dirty-limit", None, "vcpu_dirty_limit", {}, _text),
    Case("info roms", "x-query-roms", None, "roms", {}, _text),
    Case("info numa", "x-query-numa", None, "numa", {}, _text),
    Case("info ramblock", "x-query-ramblock", None, "ramblock", {}, _text),
    Case("info usb", "x-query-usb", None, "usb", {}, _text),
    Case("info opcount", "x-query-opcount", None, "opcount", {}, _text),
]
# Where HMP and the view word an empty answer differently.
EMPTY_IN_HMP = {"info tpm": "No TPM device"}


async def _both(monitor: Monitor, hmp: str, qmp: str, qmp_args: dict[str, Any] | None) -> tuple[str, Any]:
    """HMP's text and the QMP value, one right after the other."""
    text = await monitor.hmp(hmp)
    reply = await monitor.execute(qmp, qmp_args)
    assert reply.ok, reply.message
    return text.replace("\r\n", "\n"), reply.value


def check_case(loop: LoopThread, monitor: Monitor, case: Case) -> tuple[str, str, Any]:
    """Run one case; returns (HMP text, view text, QMP value) after checking that their facts agree."""
    hmp_text, value = loop.run(_both(monitor, case.hmp, case.qmp, case.qmp_args))
    shown = render_info(case.name, case.args, value, colour=True, width=100)
    assert shown is not None, f"no view for {case.hmp}"
    shown = strip_ansi(shown)
    if not hmp_text.strip() and case.hmp in EMPTY_IN_HMP:
        assert shown == EMPTY_IN_HMP[case.hmp]
    else:
        assert (case.view_facts or case.facts)(shown) == case.facts(hmp_text), f"{case.hmp}:\n{hmp_text}\n---\n{shown}"
    return hmp_text, shown, value


@pytest.fixture(scope="module")
def shared_monitor(loop: LoopThread, shared_guest: str) -> Iterator[Monitor]:
    monitor = loop.run(Target(domain=shared_guest).open(events=False))
    yield monitor
    loop.run(monitor.close())


@pytest.mark.libvirt
@pytest.mark.parametrize("case", READ_ONLY_CASES, ids=str)
def test_view_shows_what_hmp_shows(
    loop: LoopThread, shared_monitor: Monitor, case: Case, qemu_facts: QemuFacts
) -> None:
    if case.qmp not in qemu_facts.commands:  # e.g. x-query-opcount, which QEMU 11.1 no longer has
        pytest.skip(f"{qemu_facts.describe()} has no {case.qmp}")
    _, shown, value = check_case(loop, shared_monitor, case)
    if case.name == "status":
        assert value["status"] in shown
    elif case.name == "cpus":
        assert [cpu["thread-id"] for cpu in value] == [int(tid) for _, tid in case.facts(shown)]
    elif case.name == "uuid":
        assert shown == value["UUID"]
    elif case.name == "balloon":
        assert int(case.facts(shown)[0]) == value["actual"] >> 20


def _run(loop: LoopThread, monitor: Monitor, command: str, arguments: dict[str, Any] | None = None) -> Any:
    reply = loop.run(monitor.execute(command, arguments))
    assert reply.ok, (command, reply.message)
    return reply.value


@pytest.fixture
def monitor(loop: LoopThread, guest: str) -> Iterator[Monitor]:
    """A monitor on a guest of the test's own, which the test may change."""
    opened = loop.run(Target(domain=guest).open(events=False))
    yield opened
    loop.run(opened.close())


def _block_facts(text: str) -> dict[str, Any]:
    header = r"^(\S+?)(?: \((\S+)\))?: (?:(\S+) \((.*)\)|\[not inserted\])$"
    return {
        "headers": re.findall(header, text, re.MULTILINE),
        "attached": re.findall(r"Attached to: +(\S+)", text),
        "removable": re.findall(r"Removable device: +(.*)", text),
        "cache": re.findall(r"Cache mode: +(.*)", text),
        "throttling": re.findall(r"(\w+)=(\S*)", text),
        "images": re.findall(r"^image: (.*)\nfile format: (.*)\nvirtual size: .* \((\d+) bytes\)", text, re.M),
    }


@pytest.mark.libvirt
def test_block_views_agree_with_hmp(loop: LoopThread, monitor: Monitor) -> None:
    assert loop.run(monitor.hmp("drive_add 0 if=none,id=drive0,driver=null-co,read-only=on")).strip() == "OK"
    _run(loop, monitor, "device_add", {"driver": "virtio-blk-pci", "drive": "drive0", "id": "vblk1"})
    _run(loop, monitor, "device_add", {"driver": "virtio-scsi-pci", "id": "scsi0"})
    _run(loop, monitor, "device_add", {"driver": "scsi-cd", "id": "cd0", "bus": "scsi0.0"})
    _run(loop, monitor, "blockdev-add", {"driver": "null-co", "node-name": "n0"})
    _run(loop, monitor, "device_add", {"driver": "virtio-blk-pci", "drive": "n0", "id": "vblk0"})
    limits = dict.fromkeys(("bps_rd", "bps_wr", "iops", "iops_rd", "iops_wr"), 0)
    # By its device path: QEMU 7.2 finds no backend by the device id of a -blockdev disk.
    throttle = {"id": "/machine/peripheral/vblk0/virtio-backend", "bps": 1000000, **limits}
    _run(loop, monitor, "block_set_io_throttle", throttle)
    # Paused, the firmware cannot change a disk's write cache between the two answers.
    _run(loop, monitor, "stop")
    cases = [
        Case("info block", "query-block", None, "block", {}, _block_facts),
        Case("info block -v", "query-block", None, "block", {"verbose": True}, _block_facts),
        Case("info block drive0", "query-block", None, "block", {"device": "drive0"}, _block_facts),
        Case("info block -n", "query-named-block-nodes", None, "block", {"nodes": True}, _block_facts),
        Case(
            "info block -n -v n0",
            "query-named-block-nodes",
            None,
            "block",
            {"nodes": True, "verbose": True, "device": "n0"},
            _block_facts,
        ),
    ]
    seen = [check_case(loop, monitor, case) for case in cases]
    facts = _block_facts(seen[0][1])
    assert [header[0] for header in facts["headers"]] == ["drive0", "cd0", "n0"]
    assert facts["removable"] == ["not locked, tray closed"]
    assert ("bps", "1000000") in facts["throttling"]
    assert len(_block_facts(seen[1][1])["images"]) == 2
    assert [header[0] for header in _block_facts(seen[2][1])["headers"]] == ["drive0"]
    assert [header[0] for header in _block_facts(seen[4][1])["headers"]] == ["n0"]


_BLOCKSTATS_ROWS = {"Read": "rd", "Write": "wr", "Flush": "flush"}


def _blockstats_facts(text: str) -> list[tuple[str, dict[str, str]]]:
    """Each device's counters, from HMP's text in either of its forms: 7.2's "NAME: rd_bytes=N ..." lines, or
    11.1's "NAME: idle_time_ns=N" over a table (bytes, operations, total_time_ns, merged) with a row for Read,
    Write and Flush, whose cells become rd_bytes, wr_operations, flush_total_time_ns and so on."""
    entries: list[tuple[str, dict[str, str]]] = []
    columns: list[tuple[str, int]] = []  # a table's column names, each with where its right-aligned cells end
    for line in text.splitlines():
        head = re.match(r"([^\s:]*): (?=\w+=\d)", line)
        if head:
            entries.append((head.group(1), {}))
        if not entries:
            continue
        counters = entries[-1][1]
        row = re.match(r"(\w+):\s", line)
        if row and not head:
            ends = {end: name for name, end in columns}
            for cell in re.finditer(r"\d+", line):
                counters[f"{_BLOCKSTATS_ROWS[row.group(1)]}_{ends[cell.end()]}"] = cell.group()
        elif "=" not in line and re.fullmatch(r"\s+\w+(\s+\w+)*", line):
            columns = [(name.group(), name.end()) for name in re.finditer(r"\w+", line)]
        else:
            counters.update(re.findall(r"(\w+)=(\d+)", line))
    return entries


@pytest.mark.libvirt
def test_blockstats_and_block_jobs_agree_with_hmp(loop: LoopThread, monitor: Monitor) -> None:
    assert loop.run(monitor.hmp("drive_add 0 if=none,id=drive0,driver=null-co")).strip() == "OK"
    _run(loop, monitor, "device_add", {"driver": "virtio-blk-pci", "drive": "drive0", "id": "vblk1"})
    _run(loop, monitor, "blockdev-add", {"driver": "null-co", "node-name": "n0"})
    _run(loop, monitor, "device_add", {"driver": "virtio-blk-pci", "drive": "n0", "id": "vblk0"})
    _run(loop, monitor, "stop")
    hmp_text, value = loop.run(_both(monitor, "info blockstats", "query-blockstats", None))
    shown = view("blockstats", value, width=100)
    hmp_entries, view_entries = _blockstats_facts(hmp_text), _blockstats_facts(shown)
    # HMP names the -blockdev disk "" (it has no BlockBackend name); the view names it by its device.
    assert [name for name, _ in hmp_entries] == ["drive0", ""]
    assert [name for name, _ in view_entries] == ["drive0", "/machine/peripheral/vblk0/virtio-backend"]
    for (_, hmp_counters), (_, view_counters) in zip(hmp_entries, view_entries, strict=True):
        # QMP leaves idle_time_ns out until the disk has been used; HMP prints it as 0.
        assert view_counters == {key: count for key, count in hmp_counters.items() if key != "idle_time_ns"}

    _run(loop, monitor, "blockdev-add", {"driver": "null-co", "node-name": "src", "size": 1048576})
    _run(loop, monitor, "blockdev-add", {"driver": "null-co", "node-name": "dst", "size": 1048576})
    mirror = {"job-id": "mj0", "device": "src", "target": "dst", "sync": "full", "speed": 1}
    _run(loop, monitor, "blockdev-mirror", mirror)
    _run(loop, monitor, "block-job-pause", {"device": "mj0"})
    job = _all(r"Type (\w+), device (\S+): Completed (\d+) of (\d+) bytes, speed limit (\d+) bytes/s")
    _, shown, value = check_case(
        loop, monitor, Case("info block-jobs", "query-block-jobs", None, "block-jobs", {}, job)
    )
    assert job(shown) == [("mirror", "mj0", str(value[0]["offset"]), str(value[0]["len"]), "1")]
    _run(loop, monitor, "block-job-cancel", {"device": "mj0", "force": True})


def _iothread_facts(text: str) -> dict[str, dict[str, str]]:
    threads: dict[str, dict[str, str]] = {}
    for name, body in re.findall(r"^(\S+):\n((?:  .*\n?)*)", text, re.MULTILINE):
        threads[name] = dict(re.findall(r"([\w-]+)=(\d+)", body))
    return threads


@pytest.mark.libvirt
def test_objects_and_chardevs_agree_with_hmp(loop: LoopThread, monitor: Monitor) -> None:
    _run(loop, monitor, "object-add", {"qom-type": "iothread", "id": "iot0"})
    _run(loop, monitor, "object-add", {"qom-type": "iothread", "id": "iot1", "poll-max-ns": 1000})
    _run(loop, monitor, "object-add", {"qom-type": "memory-backend-ram", "id": "mem1", "size": 67108864})
    _run(loop, monitor, "chardev-add", {"id": "c0", "backend": {"type": "null", "data": {}}})
    _run(loop, monitor, "chardev-add", {"id": "rb0", "backend": {"type": "ringbuf", "data": {"size": 1024}}})

    iothreads = Case("info iothreads", "query-iothreads", None, "iothreads", {}, _iothread_facts)
    _, shown, value = check_case(loop, monitor, iothreads)
    threads = _iothread_facts(shown)
    assert sorted(threads) == ["iot0", "iot1"]
    assert threads["iot1"]["poll-max-ns"] == "1000"
    assert {thread["id"]: str(thread["thread-id"]) for thread in value} == {
        name: facts["thread_id"] for name, facts in threads.items()
    }

    _, shown, _ = check_case(loop, monitor, Case("info memdev", "query-memdev", None, "memdev", {}, _memdev_facts))
    assert _memdev_facts(shown)["mem1"]["size"] == "67108864"

    chardev = _all(r"^(\S+): filename=(.*)$")
    _, shown, _ = check_case(loop, monitor, Case("info chardev", "query-chardev", None, "chardev", {}, chardev))
    assert {("c0", "null"), ("rb0", "ringbuf")} <= set(chardev(shown))


def _tcp_sink() -> int:
    """A port that swallows one connection's bytes: somewhere to migrate to. libvirt's seccomp sandbox kills QEMU
    on ``exec:`` migration, so no shell pipe will do."""
    server = socket.create_server(("127.0.0.1", 0))

    def swallow() -> None:
        with server, server.accept()[0] as connection:
            while connection.recv(1 << 16):
                pass

    threading.Thread(target=swallow, daemon=True).start()
    return int(server.getsockname()[1])


def _approx_bytes(size: str) -> float:
    number, unit = size.split()
    return float(number) * float(1 << 10 * ["B", "KiB", "MiB", "GiB"].index(unit))


# What `info migrate` says of a finished migration, in the form the view and QEMU 11.1's HMP share (HMP aligns
# with tabs, the view with blanks). XBZRLE's line HMP 11.1 prints only for `info migrate -a`.
_MIGRATE_FACTS = (
    r"^Status:\s+(\w+)$",
    r"Time \(ms\):\s+total=(\d+), setup=(\d+), down=(\d+)",
    r"Transfers:\s+transferred=(.*), remain=(.*)$",
    r"Page Types:\s+normal=(\d+), zero=(\d+)",
    r"dirty_syncs=(\d+)",
)


@pytest.mark.libvirt
def test_migration_views_agree_with_hmp(loop: LoopThread, monitor: Monitor) -> None:
    _run(loop, monitor, "migrate-set-capabilities", {"capabilities": [{"capability": "xbzrle", "state": True}]})
    _run(loop, monitor, "migrate-set-parameters", {"downtime-limit": 500, "max-bandwidth": 1 << 30})
    parameters = Case(
        "info migrate_parameters",
        "query-migrate-parameters",
        None,
        "migrate_parameters",
        {},
        _key_values,
        # HMP leaves out the compression levels (7.2 all, 11.1 those of methods not in force); the view shows
        # every member of the reply.
        lambda text: {
            key: value for key, value in _key_values(text).items() if not re.fullmatch(r"multifd-\w+-level", key)
        },
    )
    check_case(loop, monitor, parameters)
    params = _key_values(view("migrate_parameters", _run(loop, monitor, "query-migrate-parameters")))
    assert params["downtime-limit"] == "500"
    assert params["max-bandwidth"] == str(1 << 30)
    caps = Case(
        "info migrate_capabilities", "query-migrate-capabilities", None, "migrate_capabilities", {}, _key_values
    )
    assert _key_values(check_case(loop, monitor, caps)[1])["xbzrle"] == "on"

    _run(loop, monitor, "migrate", {"uri": f"tcp:127.0.0.1:{_tcp_sink()}"})
    deadline = time.monotonic() + 30
    while _run(loop, monitor, "query-migrate").get("status") in ("setup", "active", "device"):
        assert time.monotonic() < deadline, "migration did not finish"
        time.sleep(0.05)

    hmp_text, value = loop.run(_both(monitor, "info migrate", "query-migrate", None))
    shown = view("migrate", value)
    assert value["status"] == "completed"
    hmp = dict(re.findall(r"^([\w -]+): (\S+)", hmp_text, re.MULTILINE))
    if "Migration status" not in hmp:  # a newer HMP (11.1) prints the view's form: the same facts in both
        for pattern in _MIGRATE_FACTS:
            assert _one(pattern)(shown) == _one(pattern)(hmp_text), f"{pattern}:\n{hmp_text}\n---\n{shown}"
    else:
        # QEMU 7.2's HMP prints one figure a line ("total time: 20 ms", "transferred ram: 785 kbytes" ...).
        times = _one(r"Time \(ms\): +total=(\d+), setup=(\d+), down=(\d+)")(shown)
        assert _one(r"^Status: +(\w+)$")(shown) == (hmp["Migration status"],)
        assert times == (hmp["total time"], hmp["setup"], hmp["downtime"])
        transferred, remaining = _one(r"Transfers: +transferred=(.*), remain=(.*)$")(shown)
        # HMP 7.2 gives kbytes, the view QEMU's three-digit sizes: equal to within the view's rounding.
        assert abs(_approx_bytes(transferred) - int(hmp["transferred ram"]) * 1024) < 0.01 * value["ram"]["transferred"]
        assert abs(_approx_bytes(remaining) - int(hmp["remaining ram"]) * 1024) < 0.01 * value["ram"]["total"]
        assert _one(r"total=([\d.]+ \w+)$")(shown) == (size_to_str(value["ram"]["total"]),)
        assert int(hmp["total ram"]) == value["ram"]["total"] >> 10
        assert _one(r"Page Types: +normal=(\d+), zero=(\d+)")(shown) == (hmp["normal"], hmp["duplicate"])
        assert _one(r"dirty_syncs=(\d+)")(shown) == (hmp["dirty sync count"],)
        xbzrle = _one(r"XBZRLE: size=(\d+), transferred=(\d+), pages=(\d+), miss=(\d+)")(shown)
        assert xbzrle == (hmp["cache size"], hmp["xbzrle transferred"], hmp["xbzrle pages"], hmp["xbzrle cache miss"])

    status = Case("info status", "query-status", None, "status", {}, _one(r"VM status: (\w+)(?: \(([\w-]+)\))?"))
    assert check_case(loop, monitor, status)[1] == "VM status: paused (postmigrate)"
