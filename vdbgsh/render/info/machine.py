"""The machine: run state, QEMU and accelerators, CPUs, I/O threads, memory; dumps, record/replay, trace events."""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from vdbgsh.hmp.context import CURRENT_CPU
from vdbgsh.render.info.common import Style, empty_note, field_lines, in_order, key_values

# --- identity and state ---------------------------------------------------------------------------------------------


def status(args: Mapping[str, Any], value: Any, st: Style) -> list[str]:
    line = "VM status: " + st.word("running" if value["running"] else "paused")
    if not value["running"] and value["status"] != "paused":
        line += f" ({st.word(value['status'])})"
    return [line]


def version(args: Mapping[str, Any], value: Any, st: Style) -> list[str]:
    qemu = value["qemu"]
    line = st.num(f"{qemu['major']}.{qemu['minor']}.{qemu['micro']}")
    # HMP glues the package straight to the number ("7.2.22Debian 1:7.2+dfsg-7"); a space and brackets read better.
    package = value.get("package", "").strip()
    if package:
        line += " " + st.text(package if package.startswith("(") else f"({package})")
    return [line]


def kvm(args: Mapping[str, Any], value: Any, st: Style) -> list[str]:
    state = ("enabled" if value["enabled"] else "disabled") if value["present"] else "not compiled"
    return ["kvm support: " + st.word(state)]


def accelerators(args: Mapping[str, Any], value: Any, st: Style) -> list[str]:
    names = [f"[{st.word(accel)}]" if accel == value.get("enabled") else str(accel) for accel in value["present"]]
    return [" ".join(names)]


def name(args: Mapping[str, Any], value: Any, st: Style) -> list[str]:
    return [st.name(value["name"])] if "name" in value else empty_note(st, "(no name)")


def uuid(args: Mapping[str, Any], value: Any, st: Style) -> list[str]:
    return [st.text(value["UUID"])]


def guid(args: Mapping[str, Any], value: Any, st: Style) -> list[str]:
    return [st.text(value["guid"])]


def sev(args: Mapping[str, Any], value: Any, st: Style) -> list[str]:
    return field_lines(st, value, 0) if value.get("enabled") else ["SEV is not enabled"]


def replay(args: Mapping[str, Any], value: Any, st: Style) -> list[str]:
    if value["mode"] == "none":
        return ["Record/replay is not active"]
    doing = "Recording" if value["mode"] == "record" else "Replaying"
    return [f"{doing} execution '{st.text(value.get('filename', ''))}': instruction count = {st.num(value['icount'])}"]


def dump(args: Mapping[str, Any], value: Any, st: Style) -> list[str]:
    lines = ["Status: " + st.word(value["status"])]
    if value["status"] == "active" and value["total"]:
        percent = 100 * value["completed"] / value["total"]
        lines.append(f"Finished: {st.num(f'{percent:.2f}')} %")
    return lines


def trace_events(args: Mapping[str, Any], value: Any, st: Style) -> list[str]:
    # HMP says "state 1" or "state 0", folding "unavailable" into 0; the word keeps the difference.
    return [f"{event['name']} : {st.word(event['state'])}" for event in value] or empty_note(st, "No matching events")


# --- CPUs and threads -----------------------------------------------------------------------------------------------


def _cpu_model(cpu: Mapping[str, Any]) -> str | None:
    """The -cpu model from the QOM type (QEMU 9.2+ reports it): "qemu64-x86_64-cpu" is "qemu64"."""
    qom_type = cpu.get("qom-type")
    if not qom_type:
        return None
    suffix = f"-{cpu.get('target', '')}-cpu"
    return str(qom_type).removesuffix(suffix)


def cpus(args: Mapping[str, Any], value: Any, st: Style) -> list[str]:
    # HMP marks the monitor's current CPU with "*": the one `cpu N` chose (the translator's state, handed in as
    # CURRENT_CPU), else the first, as HMP's monitor starts with the first CPU.
    current = args.get(CURRENT_CPU)
    if current is None and value:
        current = value[0]["cpu-index"]
    lines = []
    for cpu in value:
        mark = "*" if cpu["cpu-index"] == current else " "
        line = f"{mark} CPU #{st.name(cpu['cpu-index'])}: thread_id={st.num(cpu['thread-id'])}"
        model = _cpu_model(cpu)
        if model:
            line += " model=" + st.text(model)
        lines.append(line)
    return lines or empty_note(st, "No CPUs")


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


def hotpluggable_cpus(args: Mapping[str, Any], value: Any, st: Style) -> list[str]:
    # HMP quotes every value ("0"); numbers read better bare.
    lines = ["Hotpluggable CPUs:"]
    for cpu in value:
        lines.append(f"  type: {st.name(cpu['type'])}")
        lines.append(f"  vcpus_count: {st.num(cpu['vcpus-count'])}")
        if "qom-path" in cpu:
            lines.append(f"  qom_path: {st.text(cpu['qom-path'])}")
        lines.append("  CPUInstance Properties:")
        props = cpu["props"]
        lines += [f"    {key}: {st.value(props[key])}" for key in in_order(props, _CPU_PROPS_ORDER)]
    return lines


_IOTHREAD_ORDER = ("thread-id", "poll-max-ns", "poll-grow", "poll-shrink", "aio-max-batch")


def iothreads(args: Mapping[str, Any], value: Any, st: Style) -> list[str]:
    lines = []
    for thread in value:
        lines.append(st.name(thread["id"]) + ":")
        keys = in_order(thread, _IOTHREAD_ORDER, ("id",))
        lines += [f"  {pair}" for pair in key_values(st, thread, keys, {"thread-id": "thread_id"})]
    return lines or empty_note(st, "No I/O threads")


# --- memory ---------------------------------------------------------------------------------------------------------


def balloon(args: Mapping[str, Any], value: Any, st: Style) -> list[str]:
    # HMP prints the MiB count with no unit; the unit is added here.
    return [f"balloon: actual={st.num(value['actual'] >> 20)} MiB"]


def memory_size_summary(args: Mapping[str, Any], value: Any, st: Style) -> list[str]:
    lines = [f"base memory: {st.num(value['base-memory'])}"]
    if "plugged-memory" in value:
        lines.append(f"plugged memory: {st.num(value['plugged-memory'])}")
    return lines


_MEMDEV_ORDER = ("size", "merge", "dump", "prealloc", "share", "reserve", "policy", "host-nodes")


def memdev(args: Mapping[str, Any], value: Any, st: Style) -> list[str]:
    lines = []
    for backend in value:
        lines.append("memory backend: " + st.name(backend.get("id", "")))
        for key in in_order(backend, _MEMDEV_ORDER, ("id",)):
            item = backend[key]
            shown = ",".join(map(str, item)) if key == "host-nodes" else st.value(item)
            lines.append(f"  {key.replace('-', ' ')}: {shown}")
    return lines or empty_note(st, "No memory backends")


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


def memory_devices(args: Mapping[str, Any], value: Any, st: Style) -> list[str]:
    lines = []
    for device in value:
        data = device["data"]
        lines.append(f'Memory device [{device["type"]}]: "{st.name(data.get("id", ""))}"')
        for key in in_order(data, _MEMORY_DEVICE_ORDER, ("id",)):
            shown = st.num(hex(data[key])) if key in ("addr", "memaddr") else st.value(data[key])
            lines.append(f"  {key}: {shown}")
    return lines or empty_note(st, "No memory devices")
