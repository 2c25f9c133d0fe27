"""Translated ``info`` commands shown the way HMP shows them, drawn from the QMP reply's value.

HMP's printing functions read the very structures QMP returns, so each view here follows its layout (QEMU 10.2's
where it changed since 7.2) for a user who knows HMP, with names in bold and values lightly coloured. Replies of the
``x-query-*`` commands that carry ``human-readable-text`` are HMP's own text already and are shown as they are.
``render_info`` returns None when it has no view, or the reply is shaped unlike any QEMU it knows: the caller then
shows JSON, which hides nothing.
"""

from __future__ import annotations

import math
import time
from collections.abc import Callable, Iterable, Mapping, Sequence
from typing import Any, NamedTuple

from vdbgsh.render.ansi import BOLD, DIM, paint, strip_ansi
from vdbgsh.render.highlight import BOOLEAN, NUMBER, STRING
from vdbgsh.render.json_text import compact

__all__ = ["INFO_VIEW_NAMES", "render_info", "size_to_str"]

_IEC_PREFIXES = ("", "Ki", "Mi", "Gi", "Ti", "Pi", "Ei")
LABEL_COLUMN = 22  # where values start after labels such as "    Cache mode:" (HMP aligns them by hand)


def size_to_str(size: int) -> str:
    """A byte count as QEMU prints it ("1 GiB", "785 KiB", "64.5 MiB"): three significant digits, IEC units."""
    # Dividing by 1000/1024 switches to the next unit from 1000 on, so the number keeps three digits at most.
    exponent = math.frexp(size / (1000 / 1024))[1]
    power = min(max(0, (exponent - 1) // 10), len(_IEC_PREFIXES) - 1)
    number = f"{size / (1 << (10 * power)):.3g}"
    if "e" in number and power + 1 < len(_IEC_PREFIXES):  # 999.6 KiB rounds to "1e+03": say "0.977 MiB"
        power += 1
        number = f"{size / (1 << (10 * power)):.3g}"
    return f"{number} {_IEC_PREFIXES[power]}B"


class _Style(NamedTuple):
    """How text gets painted, and the width it must fit."""

    colour: bool
    width: int

    def name(self, text: object) -> str:
        return paint(str(text), BOLD, self.colour)

    def num(self, number: object) -> str:
        return paint(str(number), NUMBER, self.colour)

    def word(self, text: object) -> str:
        """A state word: running, on, enabled ..."""
        return paint(str(text), BOOLEAN, self.colour)

    def text(self, text: object) -> str:
        return paint(str(text), STRING, self.colour)

    def dim(self, text: str) -> str:
        return paint(text, DIM, self.colour)

    def onoff(self, flag: object) -> str:
        return self.word("on" if flag else "off")

    def size(self, size: int) -> str:
        return self.num(size_to_str(size))

    def value(self, value: Any) -> str:
        """Any JSON value, painted by its type; booleans as HMP writes them in lists of fields (true/false)."""
        if isinstance(value, bool):
            return self.word("true" if value else "false")
        if isinstance(value, int | float):
            return self.num(value)
        if isinstance(value, str):
            return self.text(value)
        return compact(value)


View = Callable[[Mapping[str, Any], Any, _Style], list[str]]


def _label(label: str, value: str, indent: int = 4) -> str:
    return " " * indent + f"{label}:".ljust(LABEL_COLUMN - indent) + value


def _pairs(
    st: _Style, record: Mapping[str, Any], keys: Iterable[str], rename: Mapping[str, str] | None = None
) -> list[str]:
    """``key=value`` for each of ``keys`` the record has (QMP leaves optional members out)."""
    names = rename or {}
    return [f"{names.get(key, key)}={st.value(record[key])}" for key in keys if key in record]


def _wrap(head: str, items: Sequence[str], width: int, indent: int) -> list[str]:
    """``head`` then the items, space-separated, over as many lines as ``width`` needs; continuation lines are
    indented by ``indent``. HMP prints such runs of ``key=value`` on one line however long."""
    lines: list[str] = []
    line = head
    for number, item in enumerate(items):
        if number and len(strip_ansi(line)) + 1 + len(strip_ansi(item)) > width:
            lines.append(line)
            line = " " * indent + item
        else:
            line += (" " if number else "") + item
    return [*lines, line]


def _fields(st: _Style, record: Mapping[str, Any], indent: int) -> list[str]:
    """Every member as ``key: value``, nested objects and lists of objects indented below their key.

    Dashes in keys become spaces ("compression type"), as in HMP's and qemu-img's generic dumps.
    """
    pad = " " * indent
    lines: list[str] = []
    for member, value in record.items():
        key = member.replace("-", " ")
        if isinstance(value, dict):
            lines += [f"{pad}{key}:", *_fields(st, value, indent + 4)]
        elif isinstance(value, list) and any(isinstance(item, dict) for item in value):
            lines.append(f"{pad}{key}:")
            for number, item in enumerate(value):
                lines.append(f"{pad}    [{number}]:")
                lines += _fields(st, item, indent + 8) if isinstance(item, dict) else [f"{pad}        {item}"]
        else:
            lines.append(f"{pad}{key}: {st.value(value)}")
    return lines


def _ordered(record: Mapping[str, Any], order: Sequence[str], leave_out: Iterable[str] = ()) -> list[str]:
    """The record's keys in HMP's order, then any others (newer QEMUs add members); libvirt shuffles them."""
    known = [key for key in order if key in record]
    return known + [key for key in record if key not in order and key not in leave_out]


def _empty(st: _Style, message: str) -> list[str]:
    return [st.dim(message)]


# --- one-liners ---------------------------------------------------------------------------------------------------


def _status(args: Mapping[str, Any], value: Any, st: _Style) -> list[str]:
    line = "VM status: " + st.word("running" if value["running"] else "paused")
    if not value["running"] and value["status"] != "paused":
        line += f" ({st.word(value['status'])})"
    return [line]


def _version(args: Mapping[str, Any], value: Any, st: _Style) -> list[str]:
    qemu = value["qemu"]
    line = st.num(f"{qemu['major']}.{qemu['minor']}.{qemu['micro']}")
    # HMP glues the package straight to the number ("7.2.22Debian 1:7.2+dfsg-7"); a space and brackets read better.
    package = value.get("package", "").strip()
    if package:
        line += " " + st.text(package if package.startswith("(") else f"({package})")
    return [line]


def _kvm(args: Mapping[str, Any], value: Any, st: _Style) -> list[str]:
    state = ("enabled" if value["enabled"] else "disabled") if value["present"] else "not compiled"
    return ["kvm support: " + st.word(state)]


def _name(args: Mapping[str, Any], value: Any, st: _Style) -> list[str]:
    return [st.name(value["name"])] if "name" in value else _empty(st, "(no name)")


def _uuid(args: Mapping[str, Any], value: Any, st: _Style) -> list[str]:
    return [st.text(value["UUID"])]


def _guid(args: Mapping[str, Any], value: Any, st: _Style) -> list[str]:
    return [st.text(value["guid"])]


def _balloon(args: Mapping[str, Any], value: Any, st: _Style) -> list[str]:
    # HMP prints the MiB count with no unit; the unit is added here.
    return [f"balloon: actual={st.num(value['actual'] >> 20)} MiB"]


def _memory_size_summary(args: Mapping[str, Any], value: Any, st: _Style) -> list[str]:
    lines = [f"base memory: {st.num(value['base-memory'])}"]
    if "plugged-memory" in value:
        lines.append(f"plugged memory: {st.num(value['plugged-memory'])}")
    return lines


def _dump(args: Mapping[str, Any], value: Any, st: _Style) -> list[str]:
    lines = ["Status: " + st.word(value["status"])]
    if value["status"] == "active" and value["total"]:
        percent = 100 * value["completed"] / value["total"]
        lines.append(f"Finished: {st.num(f'{percent:.2f}')} %")
    return lines


def _replay(args: Mapping[str, Any], value: Any, st: _Style) -> list[str]:
    if value["mode"] == "none":
        return ["Record/replay is not active"]
    doing = "Recording" if value["mode"] == "record" else "Replaying"
    return [f"{doing} execution '{st.text(value.get('filename', ''))}': instruction count = {st.num(value['icount'])}"]


def _sev(args: Mapping[str, Any], value: Any, st: _Style) -> list[str]:
    return _fields(st, value, 0) if value.get("enabled") else ["SEV is not enabled"]


# --- lists, one line per item ---------------------------------------------------------------------------------------


def _cpu_model(cpu: Mapping[str, Any]) -> str | None:
    """The -cpu model from the QOM type (QEMU 9.2+ reports it): "qemu64-x86_64-cpu" is "qemu64"."""
    qom_type = cpu.get("qom-type")
    if not qom_type:
        return None
    suffix = f"-{cpu.get('target', '')}-cpu"
    return str(qom_type).removesuffix(suffix)


def _cpus(args: Mapping[str, Any], value: Any, st: _Style) -> list[str]:
    # HMP marks the monitor's current CPU with "*"; that is monitor state, not in the reply, so no mark here.
    lines = []
    for cpu in value:
        line = f"CPU #{st.name(cpu['cpu-index'])}: thread_id={st.num(cpu['thread-id'])}"
        model = _cpu_model(cpu)
        if model:
            line += " model=" + st.text(model)
        lines.append(line)
    return lines or _empty(st, "No CPUs")


def _chardev(args: Mapping[str, Any], value: Any, st: _Style) -> list[str]:
    return [f"{st.name(char['label'])}: filename={st.text(char['filename'])}" for char in value] or _empty(
        st, "No character devices"
    )


def _mice(args: Mapping[str, Any], value: Any, st: _Style) -> list[str]:
    lines = []
    for mouse in value:
        mark = "*" if mouse["current"] else " "
        absolute = " (absolute)" if mouse["absolute"] else ""
        lines.append(f"{mark} Mouse #{st.num(mouse['index'])}: {st.name(mouse['name'])}{absolute}")
    return lines or ["No mouse devices connected"]


def _migrate_capabilities(args: Mapping[str, Any], value: Any, st: _Style) -> list[str]:
    return [f"{cap['capability']}: {st.onoff(cap['state'])}" for cap in value]


def _trace_events(args: Mapping[str, Any], value: Any, st: _Style) -> list[str]:
    # HMP says "state 1" or "state 0", folding "unavailable" into 0; the word keeps the difference.
    return [f"{event['name']} : {st.word(event['state'])}" for event in value] or _empty(st, "No matching events")


def _virtio(args: Mapping[str, Any], value: Any, st: _Style) -> list[str]:
    return [f"{st.text(dev['path'])} [{st.name(dev['name'])}]" for dev in value] or ["No VirtIO devices"]


def _accelerators(args: Mapping[str, Any], value: Any, st: _Style) -> list[str]:
    names = [f"[{st.word(accel)}]" if accel == value.get("enabled") else str(accel) for accel in value["present"]]
    return [" ".join(names)]


def _vcpu_dirty_limit(args: Mapping[str, Any], value: Any, st: _Style) -> list[str]:
    return [
        f"vcpu[{st.num(limit['cpu-index'])}], limit rate {st.num(limit['limit-rate'])} (MB/s),"
        f" current rate {st.num(limit['current-rate'])} (MB/s)"
        for limit in value
    ] or ["Dirty page limit not enabled!"]


def _block_jobs(args: Mapping[str, Any], value: Any, st: _Style) -> list[str]:
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


def _blockstats(args: Mapping[str, Any], value: Any, st: _Style) -> list[str]:
    lines = []
    for entry in value:
        if "device" not in entry:  # a node listed by query-nodes: HMP leaves those out too
            continue
        # HMP prints an empty name for a backend without one (-blockdev + -device); its device path says more.
        name = entry["device"] or entry.get("qdev") or entry.get("node-name", "")
        lines += _wrap(st.name(name) + ": ", _pairs(st, entry["stats"], _BLOCKSTATS_KEYS), st.width, 4)
    return lines or _empty(st, "No block devices")


# --- records, one block of "key: value" lines per item --------------------------------------------------------------


_IOTHREAD_ORDER = ("thread-id", "poll-max-ns", "poll-grow", "poll-shrink", "aio-max-batch")


def _iothreads(args: Mapping[str, Any], value: Any, st: _Style) -> list[str]:
    lines = []
    for thread in value:
        lines.append(st.name(thread["id"]) + ":")
        keys = _ordered(thread, _IOTHREAD_ORDER, ("id",))
        lines += [f"  {pair}" for pair in _pairs(st, thread, keys, {"thread-id": "thread_id"})]
    return lines or _empty(st, "No I/O threads")


_MEMDEV_ORDER = ("size", "merge", "dump", "prealloc", "share", "reserve", "policy", "host-nodes")


def _memdev(args: Mapping[str, Any], value: Any, st: _Style) -> list[str]:
    lines = []
    for backend in value:
        lines.append("memory backend: " + st.name(backend.get("id", "")))
        for key in _ordered(backend, _MEMDEV_ORDER, ("id",)):
            item = backend[key]
            shown = ",".join(map(str, item)) if key == "host-nodes" else st.value(item)
            lines.append(f"  {key.replace('-', ' ')}: {shown}")
    return lines or _empty(st, "No memory backends")


_CPU_PROPS_ORDER = (
    "node-id",
    "drawer-id",
    "book-id",
    "socket-id",
    "die-id",
    "cluster-id",
    "module-id",
    "core-id",
    "thread-id",
)


def _hotpluggable_cpus(args: Mapping[str, Any], value: Any, st: _Style) -> list[str]:
    # HMP quotes every value ("0"); numbers read better bare.
    lines = ["Hotpluggable CPUs:"]
    for cpu in value:
        lines.append(f"  type: {st.name(cpu['type'])}")
        lines.append(f"  vcpus_count: {st.num(cpu['vcpus-count'])}")
        if "qom-path" in cpu:
            lines.append(f"  qom_path: {st.text(cpu['qom-path'])}")
        lines.append("  CPUInstance Properties:")
        props = cpu["props"]
        lines += [f"    {key}: {st.value(props[key])}" for key in _ordered(props, _CPU_PROPS_ORDER)]
    return lines


_MEMORY_DEVICE_ORDER = (
    "addr",
    "memaddr",
    "slot",
    "node",
    "requested-size",
    "size",
    "max-size",
    "block-size",
    "memdev",
    "hotplugged",
)


def _memory_devices(args: Mapping[str, Any], value: Any, st: _Style) -> list[str]:
    lines = []
    for device in value:
        data = device["data"]
        lines.append(f'Memory device [{device["type"]}]: "{st.name(data.get("id", ""))}"')
        for key in _ordered(data, _MEMORY_DEVICE_ORDER, ("id",)):
            shown = st.num(hex(data[key])) if key in ("addr", "memaddr") else st.value(data[key])
            lines.append(f"  {key}: {shown}")
    return lines or _empty(st, "No memory devices")


def _tpm(args: Mapping[str, Any], value: Any, st: _Style) -> list[str]:
    lines = ["TPM device:"] if value else _empty(st, "No TPM device")
    for number, tpm in enumerate(value):
        options = tpm["options"]
        data = options.get("data", {})
        extra = "".join(f",{key}={data[key]}" for key in ("path", "cancel-path", "chardev") if key in data)
        lines.append(f" tpm{number}: model={st.word(tpm['model'])}")
        lines.append(f"  \\ {st.name(tpm['id'])}: type={st.word(options['type'])}{st.text(extra)}")
    return lines


def _dirty_rate(args: Mapping[str, Any], value: Any, st: _Style) -> list[str]:
    lines = ["Status: " + st.word(value["status"]), f"Start Time: {st.num(value['start-time'])} (ms)"]
    if value.get("mode", "page-sampling") == "page-sampling":
        lines.append(f"Sample Pages: {st.num(value.get('sample-pages', 0))} (per GB)")
    lines.append(f"Period: {st.num(value['calc-time'])} ({value.get('calc-time-unit', 'second')[:3]})")
    lines.append("Mode: " + st.word(value.get("mode", "page-sampling")))
    if "dirty-rate" not in value:
        return [*lines, "Dirty rate: (not ready)"]
    lines.append(f"Dirty rate: {st.num(value['dirty-rate'])} (MB/s)")
    lines += [
        f"vcpu[{st.num(vcpu['id'])}], Dirty rate: {st.num(vcpu['dirty-rate'])} (MB/s)"
        for vcpu in value.get("vcpu-dirty-rate", [])
    ]
    return lines


# --- block ----------------------------------------------------------------------------------------------------------


def _block(args: Mapping[str, Any], value: Any, st: _Style) -> list[str]:
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
        return _empty(st, "No block devices" if device is None else f"No block device or node named {device!r}")
    return lines


def _block_entry(
    info: Mapping[str, Any] | None, inserted: Mapping[str, Any] | None, verbose: bool, st: _Style
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


def _block_backend_lines(info: Mapping[str, Any], st: _Style) -> list[str]:
    lines = []
    if info.get("qdev"):
        lines.append(_label("Attached to", st.text(info["qdev"])))
    if info.get("io-status", "ok") != "ok":
        lines.append(_label("I/O status", st.word(info["io-status"])))
    if info["removable"]:
        locked = "" if info["locked"] else "not "
        tray = "open" if info.get("tray_open") else "closed"
        lines.append(_label("Removable device", f"{locked}locked, tray {tray}"))
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


def _inserted_lines(inserted: Mapping[str, Any], st: _Style) -> list[str]:
    cache = inserted["cache"]
    mode = ("writeback" if cache["writeback"] else "writethrough") + (", direct" if cache["direct"] else "")
    lines = [_label("Cache mode", st.word(mode + (", ignore flushes" if cache["no-flush"] else "")))]
    if inserted.get("backing_file"):
        depth = inserted.get("backing_file_depth", 0)
        lines.append(_label("Backing file", f"{st.text(inserted['backing_file'])} (chain depth: {st.num(depth)})"))
    if inserted.get("detect_zeroes", "off") != "off":
        lines.append(_label("Detect zeroes", st.word(inserted["detect_zeroes"])))
    if any(inserted.get(key) for key in ("bps", "bps_rd", "bps_wr", "iops", "iops_rd", "iops_wr")):
        # HMP prints the limits QMP leaves out (they are 0) and the group; so does this view.
        pairs = [f"{key}={st.num(inserted.get(key, 0))}" for key in _THROTTLE_KEYS]
        pairs.append(f"group={st.text(inserted.get('group', ''))}")
        lines += _wrap(_label("I/O throttling", ""), pairs, st.width, LABEL_COLUMN)
    return lines


def _image_lines(image: Mapping[str, Any], st: _Style) -> list[str]:
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
        lines += ["Format specific information:", *_fields(st, specific.get("data", specific), 4)]
    if "backing-image" in image:
        lines += _image_lines(image["backing-image"], st)
    return lines


def _backing_line(image: Mapping[str, Any], st: _Style) -> str:
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


# --- migration ------------------------------------------------------------------------------------------------------


def _migrate(args: Mapping[str, Any], value: Any, st: _Style) -> list[str]:
    # HMP 7.2 also prints the "globals" of the migration object; QMP does not report them.
    lines: list[str] = []
    if value.get("blocked-reasons"):
        lines += ["Outgoing migration blocked:", *(f"  {reason}" for reason in value["blocked-reasons"])]
    if "status" in value:
        status = st.word(value["status"])
        if value["status"] in ("failed", "postcopy-paused") and value.get("error-desc"):
            status += f" ({value['error-desc']})"
        lines.append(_label("Status", status, 0))
        times = _pairs(st, value, ("total-time", "setup-time", "expected-downtime", "downtime"), _TIME_NAMES)
        if value.get("total-time"):
            lines.append(_label("Time (ms)", ", ".join(times), 0))
    if "socket-address" in value:
        lines += ["Sockets: [", *(f"  {_socket_uri(address)}" for address in value["socket-address"]), "]"]
    if "ram" in value:
        lines += _migrate_ram(value["ram"], value.get("vfio"), st)
    if "disk" in value:  # block migration, QEMU 7.2
        disk = value["disk"]
        transfers = f"transferred={st.size(disk['transferred'])}, remain={st.size(disk['remaining'])}"
        lines += ["Disk info:", _label("Transfers", f"{transfers}, total={st.size(disk['total'])}", 2)]
    if "xbzrle-cache" in value:
        lines += _migrate_xbzrle(value["xbzrle-cache"], st)
    for key, label in _MIGRATE_EXTRAS:
        if key in value:
            shown = ", ".join(map(str, value[key])) if isinstance(value[key], list) else str(value[key])
            lines.append(f"{label}: {st.num(shown)}")
    return lines or _empty(st, "No migration has happened")


_TIME_NAMES = {"total-time": "total", "setup-time": "setup", "expected-downtime": "exp_down", "downtime": "down"}
_MIGRATE_EXTRAS = (
    ("cpu-throttle-percentage", "CPU Throttle (%)"),
    ("dirty-limit-throttle-time-per-round", "Dirty-limit Throttle (us)"),
    ("dirty-limit-ring-full-time", "Dirty-limit Ring Full (us)"),
    ("postcopy-blocktime", "Postcopy Blocktime (ms)"),
    ("postcopy-vcpu-blocktime", "Postcopy vCPU Blocktime (ms)"),
)


def _socket_uri(address: Mapping[str, Any]) -> str:
    kind = address.get("type")
    if kind == "inet":
        return f"tcp:{address['host']}:{address['port']}"
    if kind == "unix":
        return f"unix:{address['path']}"
    if kind == "vsock":
        return f"vsock:{address['cid']}:{address['port']}"
    return f"{kind}:{address.get('str', '')}"


def _migrate_ram(ram: Mapping[str, Any], vfio: Mapping[str, Any] | None, st: _Style) -> list[str]:
    def sizes(*names: tuple[str, str]) -> str:
        return ", ".join(f"{label}={st.size(ram[key])}" for key, label in names if key in ram)

    channels = sizes(("precopy-bytes", "precopy"), ("multifd-bytes", "multifd"), ("postcopy-bytes", "postcopy"))
    if vfio:
        channels += f", vfio={st.size(vfio['transferred'])}"
    page_rates = f"transfer={st.num(ram.get('pages-per-second', 0))}"
    if ram.get("dirty-pages-rate"):
        page_rates += f", dirty={st.num(ram['dirty-pages-rate'])}"
    others = [f"dirty_syncs={st.num(ram['dirty-sync-count'])}"] + [
        f"{label}={st.num(ram[key])}"
        for key, label in (
            ("postcopy-requests", "postcopy_req"),
            ("downtime-bytes", "downtime_bytes"),
            ("dirty-sync-missed-zero-copy", "zerocopy_fallbacks"),
        )
        if ram.get(key)
    ]
    return [
        "RAM info:",
        _label("Throughput (Mbps)", st.num(f"{ram['mbps']:.2f}"), 2),
        _label("Sizes", sizes(("page-size", "pagesize"), ("total", "total")), 2),
        _label("Transfers", sizes(("transferred", "transferred"), ("remaining", "remain")), 2),
        _label("Channels", channels, 4),
        _label("Page Types", f"normal={st.num(ram['normal'])}, zero={st.num(ram['duplicate'])}", 4),
        _label("Page Rates (pps)", page_rates, 2),
        _label("Others", ", ".join(others), 2),
    ]


def _migrate_xbzrle(cache: Mapping[str, Any], st: _Style) -> list[str]:
    counts = _pairs(st, cache, ("cache-size", "bytes", "pages", "cache-miss"), _XBZRLE_NAMES)
    rates = [
        f"{_XBZRLE_NAMES[key]}={st.num(f'{cache[key]:.2f}')}"
        for key in ("cache-miss-rate", "encoding-rate")
        if key in cache
    ]
    return ["XBZRLE: " + ", ".join(counts), "  " + ", ".join([*rates, *_pairs(st, cache, ("overflow",))])]


_XBZRLE_NAMES = {
    "cache-size": "size",
    "bytes": "transferred",
    "cache-miss": "miss",
    "cache-miss-rate": "miss_rate",
    "encoding-rate": "encode_rate",
}

# HMP's order, QEMU 7.2's parameters (compress-*, block-incremental ...) merged in where 7.2 printed them.
_PARAMETER_ORDER = (
    "announce-initial",
    "announce-max",
    "announce-rounds",
    "announce-step",
    "compress-level",
    "compress-threads",
    "compress-wait-thread",
    "decompress-threads",
    "throttle-trigger-threshold",
    "cpu-throttle-initial",
    "cpu-throttle-increment",
    "cpu-throttle-tailslow",
    "max-cpu-throttle",
    "tls-creds",
    "tls-hostname",
    "tls-authz",
    "max-bandwidth",
    "avail-switchover-bandwidth",
    "max-postcopy-bandwidth",
    "downtime-limit",
    "x-checkpoint-delay",
    "block-incremental",
    "multifd-channels",
    "multifd-compression",
    "multifd-zlib-level",
    "multifd-zstd-level",
    "multifd-qatzip-level",
    "zero-page-detection",
    "xbzrle-cache-size",
    "block-bitmap-mapping",
    "x-vcpu-dirty-limit-period",
    "vcpu-dirty-limit",
    "mode",
    "direct-io",
    "cpr-exec-command",
)
_PARAMETER_UNITS = {
    "announce-initial": "ms",
    "announce-max": "ms",
    "announce-step": "ms",
    "downtime-limit": "ms",
    "x-checkpoint-delay": "ms",
    "x-vcpu-dirty-limit-period": "ms",
    "max-bandwidth": "bytes/second",
    "avail-switchover-bandwidth": "bytes/second",
    "max-postcopy-bandwidth": "bytes/second",
    "xbzrle-cache-size": "bytes",
    "vcpu-dirty-limit": "MB/s",
}


def _migrate_parameters(args: Mapping[str, Any], value: Any, st: _Style) -> list[str]:
    # The reply's members come in no useful order (libvirt re-serialises them): sort them as HMP prints them.
    rank = {name: number for number, name in enumerate(_PARAMETER_ORDER)}
    lines = []
    for name in sorted(value, key=lambda name: rank.get(name, len(rank))):
        item = value[name]
        if name == "block-bitmap-mapping":
            lines += [f"{name}:", *_bitmap_mapping_lines(item, st)]
            continue
        if isinstance(item, bool):
            shown = st.onoff(item)
        elif isinstance(item, str):
            shown = st.text(f"'{item}'" if name.startswith("tls-") else item)
        elif isinstance(item, list):
            shown = st.text(" ".join(map(str, item)))
        else:
            shown = st.num(item)
        unit = _PARAMETER_UNITS.get(name)
        lines.append(f"{name}: {shown}" + (f" {unit}" if unit else ""))
    return lines


def _bitmap_mapping_lines(mapping: Sequence[Mapping[str, Any]], st: _Style) -> list[str]:
    lines = []
    for node in mapping:
        lines.append(f"  '{st.name(node['node-name'])}' -> '{node['alias']}'")
        lines += [f"    '{bitmap['name']}' -> '{bitmap['alias']}'" for bitmap in node.get("bitmaps", [])]
    return lines


# --- devices --------------------------------------------------------------------------------------------------------


def _pci(args: Mapping[str, Any], value: Any, st: _Style) -> list[str]:
    lines: list[str] = []
    for bus in value:
        for device in bus["devices"]:
            lines += _pci_device(device, st)
    return lines or _empty(st, "No PCI devices")


def _pci_device(device: Mapping[str, Any], st: _Style) -> list[str]:
    ident, klass = device["id"], device["class_info"]
    description = klass.get("desc") or f"Class {klass['class']:04}"
    vendor_device = f"{ident['vendor']:04x}:{ident['device']:04x}"
    lines = [
        f"  Bus {device['bus']:2}, device {device['slot']:3}, function {device['function']}:",
        f"    {description}: PCI device {st.num(vendor_device)}",
    ]
    if "subsystem-vendor" in ident and "subsystem" in ident:
        lines.append(f"      PCI subsystem {ident['subsystem-vendor']:04x}:{ident['subsystem']:04x}")
    if "irq" in device:
        lines.append(f"      IRQ {device['irq']}, pin {chr(ord('A') + device['irq_pin'] - 1)}")
    bridge = device.get("pci_bridge")
    if bridge:
        lines += _pci_bridge_lines(bridge["bus"])
    lines += [f"      BAR{region['bar']}: {_pci_region(region)}" for region in device["regions"]]
    lines.append(f'      id "{st.name(device["qdev_id"])}"')
    for child in (bridge or {}).get("devices", []):
        lines += _pci_device(child, st)
    return lines


def _pci_bridge_lines(bus: Mapping[str, Any]) -> list[str]:
    def span(key: str, digits: int) -> str:
        return f"[0x{bus[key]['base']:0{digits}x}, 0x{bus[key]['limit']:0{digits}x}]"

    return [
        f"      BUS {bus['number']}.",
        f"      secondary bus {bus['secondary']}.",
        f"      subordinate bus {bus['subordinate']}.",
        f"      IO range {span('io_range', 4)}",
        f"      memory range {span('memory_range', 8)}",
        f"      prefetchable memory range {span('prefetchable_range', 8)}",
    ]


# QEMU's all-ones "unmapped" address, which QEMU 7.2 reports as -1 (the member is a signed int).
_PCI_BAR_UNMAPPED = (-1, (1 << 64) - 1)


def _pci_region(region: Mapping[str, Any]) -> str:
    address, size = region["address"], region["size"]
    if region["type"] == "io":
        kind, digits = "I/O", 4
    else:
        bits = 64 if region.get("mem_type_64") else 32
        kind, digits = f"{bits} bit{' prefetchable' if region.get('prefetch') else ''} memory", 8
    if address in _PCI_BAR_UNMAPPED:
        return f"{kind} (not mapped)"
    return f"{kind} at 0x{address:0{digits}x} [0x{address + size - 1:0{digits}x}]"


def _vnc(args: Mapping[str, Any], value: Any, st: _Style) -> list[str]:
    lines = []
    for display in value:
        lines.append(st.name(display["id"]) + ":")
        for server in display.get("server", []):
            lines.append(_vnc_endpoint("Server", server, st))
            lines.append(_vnc_auth("    ", server))
        for client in display.get("clients", []):
            lines.append(_vnc_endpoint("Client", client, st))
            lines.append(f"    x509_dname: {client.get('x509_dname', 'none')}")
            lines.append(f"    sasl_username: {client.get('sasl_username', 'none')}")
        if not display.get("server"):  # a reverse connection: the auth is only the display's
            lines.append(_vnc_auth("  ", display))
        if "display" in display:
            lines.append(f"  Display: {display['display']}")
    return lines or ["None"]


def _vnc_endpoint(role: str, info: Mapping[str, Any], st: _Style) -> str:
    websocket = " (Websocket)" if info["websocket"] else ""
    return f"  {role}: {st.text(info['host'])}:{st.num(info['service'])} ({info['family']}{websocket})"


def _vnc_auth(indent: str, info: Mapping[str, Any]) -> str:
    return f"{indent}Auth: {info['auth']} (Sub: {info.get('vencrypt', 'none')})"


def _spice(args: Mapping[str, Any], value: Any, st: _Style) -> list[str]:
    if not value["enabled"]:
        return ["Server: " + st.word("disabled")]
    lines = ["Server:"]
    if "port" in value:
        lines.append(f"     address: {st.text(value['host'])}:{st.num(value['port'])}")
    if "tls-port" in value:
        lines.append(f"     address: {st.text(value['host'])}:{st.num(value['tls-port'])} [tls]")
    lines += [
        f"    migrated: {st.value(value['migrated'])}",
        f"        auth: {value.get('auth', '')}",
        f"    compiled: {value.get('compiled-version', '')}",
        f"  mouse-mode: {st.word(value['mouse-mode'])}",
    ]
    channels = value.get("channels") or []
    if not channels:
        return [*lines, "Channels: none"]
    for channel in channels:
        tls = " [tls]" if channel["tls"] else ""
        lines += [
            "Channel:",
            f"     address: {st.text(channel['host'])}:{st.num(channel['port'])}{tls}",
            f"     session: {st.num(channel['connection-id'])}",
            f"     channel: {st.num(channel['channel-type'])}:{st.num(channel['channel-id'])}",
        ]
    return lines


# --- the table ------------------------------------------------------------------------------------------------------

_VIEWS: dict[str, View] = {
    "accelerators": _accelerators,
    "balloon": _balloon,
    "block": _block,
    "block-jobs": _block_jobs,
    "blockstats": _blockstats,
    "chardev": _chardev,
    "cpus": _cpus,
    "dirty_rate": _dirty_rate,
    "dump": _dump,
    "hotpluggable-cpus": _hotpluggable_cpus,
    "iothreads": _iothreads,
    "kvm": _kvm,
    "memdev": _memdev,
    "memory-devices": _memory_devices,
    "memory_size_summary": _memory_size_summary,
    "mice": _mice,
    "migrate": _migrate,
    "migrate_capabilities": _migrate_capabilities,
    "migrate_parameters": _migrate_parameters,
    "name": _name,
    "pci": _pci,
    "replay": _replay,
    "sev": _sev,
    "spice": _spice,
    "status": _status,
    "tpm": _tpm,
    "trace-events": _trace_events,
    "uuid": _uuid,
    "vcpu_dirty_limit": _vcpu_dirty_limit,
    "version": _version,
    "virtio": _virtio,
    "vm-generation-id": _guid,
    "vnc": _vnc,
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
        return text.removesuffix("\n")
    view = _VIEWS.get(name)
    if view is None:
        return None
    try:
        lines = view(args, value, _Style(colour, width))
    except (KeyError, TypeError, AttributeError, ValueError, IndexError):
        # A member missing or of another type: some QEMU this view was not written against. JSON shows it all.
        return None
    return "\n".join(lines)
