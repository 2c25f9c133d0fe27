"""``info block``, ``info blockstats`` and ``info block-jobs``: block backends, nodes and their images."""

from __future__ import annotations

import time
from collections.abc import Mapping, Sequence
from typing import Any

from vdbgsh.render.info.common import (
    LABEL_COLUMN,
    Style,
    empty_note,
    field_lines,
    key_values,
    labelled,
    size_to_str,
    wrapped,
)


def block(args: Mapping[str, Any], value: Any, st: Style) -> list[str]:
    """query-block, or query-named-block-nodes (``info block -n``; also what HMP searches by node name when a
    device name matches no block backend): both lists have the same layout, told apart by their members."""
    device = args.get("device")
    verbose = bool(args.get("verbose"))
    if args.get("nodes") or (value and "drv" in value[0]):
        entries = [(None, node) for node in value if device is None or node.get("node-name") == device]
    else:
        entries = [(info, info.get("inserted")) for info in value if device is None or info["device"] == device]
    lines: list[str] = []
    for info, inserted in entries:
        if lines:
            lines.append("")
        lines += _block_entry(info, inserted, verbose, st)
    if not lines:
        return empty_note(st, "No block devices" if device is None else f"No block device or node named {device!r}")
    return lines


def _block_entry(
    info: Mapping[str, Any] | None, inserted: Mapping[str, Any] | None, verbose: bool, st: Style
) -> list[str]:
    if info and info["device"]:
        head = st.name(info["device"])
        if inserted and inserted.get("node-name"):
            head += f" ({inserted['node-name']})"
    else:
        head = st.name((inserted or {}).get("node-name") or (info or {}).get("qdev") or "<anonymous>")
    if inserted:
        notes = "".join(
            note
            for note, shown in (
                (", read-only", inserted["ro"]),
                (", encrypted", inserted["encrypted"]),
                (", inactive", not inserted.get("active", True)),  # "active" is QEMU 10's
            )
            if shown
        )
        lines = [f"{head}: {st.text(inserted['file'])} ({inserted['drv']}{notes})"]
    else:
        lines = [f"{head}: [not inserted]"]
    if info:
        lines += _block_backend_lines(info, st)
    if inserted:
        lines += _inserted_lines(inserted, st)
        if verbose:
            lines += ["", "Images:", *_image_lines(inserted["image"], st)]
    return lines


def _block_backend_lines(info: Mapping[str, Any], st: Style) -> list[str]:
    lines = []
    if info.get("qdev"):
        lines.append(labelled("Attached to", st.text(info["qdev"])))
    if info.get("io-status", "ok") != "ok":
        lines.append(labelled("I/O status", st.word(info["io-status"])))
    if info["removable"]:
        locked = "" if info["locked"] else "not "
        tray = "open" if info.get("tray_open") else "closed"
        lines.append(labelled("Removable device", f"{locked}locked, tray {tray}"))
    return lines


_THROTTLE_KEYS = (
    "bps",
    "bps_rd",
    "bps_wr",
    "bps_max",
    "bps_rd_max",
    "bps_wr_max",
    "iops",
    "iops_rd",
    "iops_wr",
    "iops_max",
    "iops_rd_max",
    "iops_wr_max",
    "iops_size",
)


def _inserted_lines(inserted: Mapping[str, Any], st: Style) -> list[str]:
    cache = inserted["cache"]
    mode = ("writeback" if cache["writeback"] else "writethrough") + (", direct" if cache["direct"] else "")
    lines = [labelled("Cache mode", st.word(mode + (", ignore flushes" if cache["no-flush"] else "")))]
    if inserted.get("backing_file"):
        depth = inserted.get("backing_file_depth", 0)
        lines.append(labelled("Backing file", f"{st.text(inserted['backing_file'])} (chain depth: {st.num(depth)})"))
    if inserted.get("detect_zeroes", "off") != "off":
        lines.append(labelled("Detect zeroes", st.word(inserted["detect_zeroes"])))
    if any(inserted.get(key) for key in ("bps", "bps_rd", "bps_wr", "iops", "iops_rd", "iops_wr")):
        # HMP prints the limits QMP leaves out (they are 0) and the group; so does this view.
        pairs = [f"{key}={st.num(inserted.get(key, 0))}" for key in _THROTTLE_KEYS]
        pairs.append(f"group={st.text(inserted.get('group', ''))}")
        lines += wrapped(labelled("I/O throttling", ""), pairs, st.width, LABEL_COLUMN)
    return lines


def _image_lines(image: Mapping[str, Any], st: Style) -> list[str]:
    """The image and its backing chain, as ``qemu-img info`` (and HMP's -v) describes them."""
    size = image.get("virtual-size", 0)
    disk = st.size(image["actual-size"]) if "actual-size" in image else "unavailable"
    lines = [
        f"image: {st.text(image['filename'])}",
        f"file format: {st.word(image['format'])}",
        f"virtual size: {st.size(size)} ({st.num(size)} bytes)",
        f"disk size: {disk}",
    ]
    if image.get("encrypted"):
        lines.append("encrypted: yes")
    if "cluster-size" in image:
        lines.append(f"cluster_size: {st.num(image['cluster-size'])}")
    if image.get("dirty-flag"):
        lines.append("cleanly shut down: no")
    if "backing-filename" in image:
        lines.append(_backing_line(image, st))
        if "backing-filename-format" in image:
            lines.append(f"backing file format: {st.word(image['backing-filename-format'])}")
    if image.get("snapshots"):
        lines += ["Snapshot list:", *_snapshot_table(image["snapshots"])]
    if "format-specific" in image:
        specific = image["format-specific"]
        lines += ["Format specific information:", *field_lines(st, specific.get("data", specific), 4)]
    if "backing-image" in image:
        lines += _image_lines(image["backing-image"], st)
    return lines


def _backing_line(image: Mapping[str, Any], st: Style) -> str:
    name, full = image["backing-filename"], image.get("full-backing-filename")
    if full is None:
        return f"backing file: {st.text(name)} (cannot determine actual path)"
    return f"backing file: {st.text(name)}" + (f" (actual path: {st.text(full)})" if full != name else "")


def _snapshot_table(snapshots: Sequence[Mapping[str, Any]]) -> list[str]:
    row = "{:<7} {:<16} {:>8} {:>19} {:>15} {:>10}"
    lines = [row.format("ID", "TAG", "VM_SIZE", "DATE", "VM_CLOCK", "ICOUNT")]
    for snap in snapshots:
        seconds = snap["vm-clock-sec"]
        millis = snap["vm-clock-nsec"] // 10**6
        clock = f"{seconds // 3600:04d}:{seconds // 60 % 60:02d}:{seconds % 60:02d}.{millis:03d}"
        date = time.strftime("%Y-%m-%d %H:%M:%S", time.localtime(snap["date-sec"]))
        icount = str(snap["icount"]) if "icount" in snap else "--"
        lines.append(row.format(snap["id"], snap["name"], size_to_str(snap["vm-state-size"]), date, clock, icount))
    return lines


_BLOCKSTATS_KEYS = (
    "rd_bytes",
    "wr_bytes",
    "rd_operations",
    "wr_operations",
    "flush_operations",
    "wr_total_time_ns",
    "rd_total_time_ns",
    "flush_total_time_ns",
    "rd_merged",
    "wr_merged",
    "idle_time_ns",
)


def blockstats(args: Mapping[str, Any], value: Any, st: Style) -> list[str]:
    lines = []
    for entry in value:
        if "device" not in entry:  # a node listed by query-nodes: HMP leaves those out too
            continue
        # HMP prints an empty name for a backend without one (-blockdev + -device); its device path says more.
        name = entry["device"] or entry.get("qdev") or entry.get("node-name", "")
        lines += wrapped(st.name(name) + ": ", key_values(st, entry["stats"], _BLOCKSTATS_KEYS), st.width, 4)
    return lines or empty_note(st, "No block devices")


def block_jobs(args: Mapping[str, Any], value: Any, st: Style) -> list[str]:
    lines = []
    for job in value:
        what = (
            f"Streaming device {st.name(job['device'])}"
            if job["type"] == "stream"
            else f"Type {st.word(job['type'])}, device {st.name(job['device'])}"
        )
        lines.append(
            f"{what}: Completed {st.num(job['offset'])} of {st.num(job['len'])} bytes,"
            f" speed limit {st.num(job['speed'])} bytes/s"
        )
    return lines or ["No active jobs"]
