"""The text monitor's output, shown as HMP prints it."""

from __future__ import annotations


def hmp_output(text: str) -> str:
    """QEMU ends the lines of ``human-monitor-command``'s reply with CR LF; the last one is dropped."""
    return text.replace("\r\n", "\n").rstrip("\n")
