"""Devices and front ends: PCI, VirtIO, TPM, character devices, mice, VNC and SPICE."""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from vdbgsh.render.info.common import Style, empty_note


def chardev(args: Mapping[str, Any], value: Any, st: Style) -> list[str]:
    return [f"{st.name(char['label'])}: filename={st.text(char['filename'])}" for char in value] or empty_note(
        st, "No character devices"
    )


def mice(args: Mapping[str, Any], value: Any, st: Style) -> list[str]:
    lines = []
    for mouse in value:
        mark = "*" if mouse["current"] else " "
        absolute = " (absolute)" if mouse["absolute"] else ""
        lines.append(f"{mark} Mouse #{st.num(mouse['index'])}: {st.name(mouse['name'])}{absolute}")
    return lines or ["No mouse devices connected"]


def virtio(args: Mapping[str, Any], value: Any, st: Style) -> list[str]:
    return [f"{st.text(dev['path'])} [{st.name(dev['name'])}]" for dev in value] or ["No VirtIO devices"]


def tpm(args: Mapping[str, Any], value: Any, st: Style) -> list[str]:
    lines = ["TPM device:"] if value else empty_note(st, "No TPM device")
    for number, tpm in enumerate(value):
        options = tpm["options"]
        data = options.get("data", {})
        extra = "".join(f",{key}={data[key]}" for key in ("path", "cancel-path", "chardev") if key in data)
        lines.append(f" tpm{number}: model={st.word(tpm['model'])}")
        lines.append(f"  \\ {st.name(tpm['id'])}: type={st.word(options['type'])}{st.text(extra)}")
    return lines


# --- PCI ------------------------------------------------------------------------------------------------------------


def pci(args: Mapping[str, Any], value: Any, st: Style) -> list[str]:
    lines: list[str] = []
    for bus in value:
        for device in bus["devices"]:
            lines += _pci_device(device, st)
    return lines or empty_note(st, "No PCI devices")


def _pci_device(device: Mapping[str, Any], st: Style) -> list[str]:
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


# --- displays -------------------------------------------------------------------------------------------------------


def vnc(args: Mapping[str, Any], value: Any, st: Style) -> list[str]:
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


def _vnc_endpoint(role: str, info: Mapping[str, Any], st: Style) -> str:
    websocket = " (Websocket)" if info["websocket"] else ""
    return f"  {role}: {st.text(info['host'])}:{st.num(info['service'])} ({info['family']}{websocket})"


def _vnc_auth(indent: str, info: Mapping[str, Any]) -> str:
    return f"{indent}Auth: {info['auth']} (Sub: {info.get('vencrypt', 'none')})"


def spice(args: Mapping[str, Any], value: Any, st: Style) -> list[str]:
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
