"""``info migrate``, its parameters and capabilities, and the dirty page rate and limits."""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from typing import Any

from vdbgsh.render.info.common import Style, empty_note, key_values, labelled


def migrate(args: Mapping[str, Any], value: Any, st: Style) -> list[str]:
    # HMP 7.2 also prints the "globals" of the migration object; QMP does not report them.
    lines: list[str] = []
    if value.get("blocked-reasons"):
        lines += ["Outgoing migration blocked:", *(f"  {reason}" for reason in value["blocked-reasons"])]
    if "status" in value:
        status = st.word(value["status"])
        if value["status"] in ("failed", "postcopy-paused") and value.get("error-desc"):
            status += f" ({value['error-desc']})"
        lines.append(labelled("Status", status, 0))
        times = key_values(st, value, ("total-time", "setup-time", "expected-downtime", "downtime"), _TIME_NAMES)
        if value.get("total-time"):
            lines.append(labelled("Time (ms)", ", ".join(times), 0))
    if "socket-address" in value:
        lines += ["Sockets: [", *(f"  {_socket_uri(address)}" for address in value["socket-address"]), "]"]
    if "ram" in value:
        lines += _migrate_ram(value["ram"], value.get("vfio"), st)
    if "disk" in value:  # block migration, QEMU 7.2
        disk = value["disk"]
        transfers = f"transferred={st.size(disk['transferred'])}, remain={st.size(disk['remaining'])}"
        lines += ["Disk info:", labelled("Transfers", f"{transfers}, total={st.size(disk['total'])}", 2)]
    if "xbzrle-cache" in value:
        lines += _migrate_xbzrle(value["xbzrle-cache"], st)
    for key, label in _MIGRATE_EXTRAS:
        if key in value:
            shown = ", ".join(map(str, value[key])) if isinstance(value[key], list) else str(value[key])
            lines.append(f"{label}: {st.num(shown)}")
    return lines or empty_note(st, "No migration has happened")


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


def _migrate_ram(ram: Mapping[str, Any], vfio: Mapping[str, Any] | None, st: Style) -> list[str]:
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
        labelled("Throughput (Mbps)", st.num(f"{ram['mbps']:.2f}"), 2),
        labelled("Sizes", sizes(("page-size", "pagesize"), ("total", "total")), 2),
        labelled("Transfers", sizes(("transferred", "transferred"), ("remaining", "remain")), 2),
        labelled("Channels", channels, 4),
        labelled("Page Types", f"normal={st.num(ram['normal'])}, zero={st.num(ram['duplicate'])}", 4),
        labelled("Page Rates (pps)", page_rates, 2),
        labelled("Others", ", ".join(others), 2),
    ]


def _migrate_xbzrle(cache: Mapping[str, Any], st: Style) -> list[str]:
    counts = key_values(st, cache, ("cache-size", "bytes", "pages", "cache-miss"), _XBZRLE_NAMES)
    rates = [
        f"{_XBZRLE_NAMES[key]}={st.num(f'{cache[key]:.2f}')}"
        for key in ("cache-miss-rate", "encoding-rate")
        if key in cache
    ]
    return ["XBZRLE: " + ", ".join(counts), "  " + ", ".join([*rates, *key_values(st, cache, ("overflow",))])]


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
    "x-rdma-chunk-size": "bytes",
}


def migrate_parameters(args: Mapping[str, Any], value: Any, st: Style) -> list[str]:
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
        if item == []:  # cpr-exec-command unset: the name alone, as HMP prints it
            lines.append(f"{name}:")
            continue
        lines.append(f"{name}: {shown}" + (f" {unit}" if unit else ""))
    return lines


def _bitmap_mapping_lines(mapping: Sequence[Mapping[str, Any]], st: Style) -> list[str]:
    lines = []
    for node in mapping:
        lines.append(f"  '{st.name(node['node-name'])}' -> '{node['alias']}'")
        lines += [f"    '{bitmap['name']}' -> '{bitmap['alias']}'" for bitmap in node.get("bitmaps", [])]
    return lines


def migrate_capabilities(args: Mapping[str, Any], value: Any, st: Style) -> list[str]:
    return [f"{cap['capability']}: {st.onoff(cap['state'])}" for cap in value]


def dirty_rate(args: Mapping[str, Any], value: Any, st: Style) -> list[str]:
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


def vcpu_dirty_limit(args: Mapping[str, Any], value: Any, st: Style) -> list[str]:
    return [
        f"vcpu[{st.num(limit['cpu-index'])}], limit rate {st.num(limit['limit-rate'])} (MB/s),"
        f" current rate {st.num(limit['current-rate'])} (MB/s)"
        for limit in value
    ] or ["Dirty page limit not enabled!"]
