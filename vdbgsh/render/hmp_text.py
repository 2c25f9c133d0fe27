"""The text monitor's output, shown as HMP prints it (its guest-chosen strings neutralised)."""

from __future__ import annotations

from vdbgsh.render.untrusted import untrusted_text


def hmp_output(text: str) -> str:
    """QEMU ends the lines of ``human-monitor-command``'s reply with CR LF; the last one is dropped. HMP prints
    what guests and images chose as it is (a snapshot's name, a device's serial): every control becomes a visible
    escape."""
    return untrusted_text(text.replace("\r\n", "\n").rstrip("\n"))


def hmp_error(text: str) -> str | None:
    """The error an HMP command reported, or None. The text monitor answers through a *successful* QMP reply
    whatever happened: its handlers print ``Error: ...`` (hmp_handle_error), and its argument parser ends with
    ``Try "help CMD" for more information``. (Errors some handlers print without the prefix cannot be told from
    output.)"""
    shown = hmp_output(text)
    lines = shown.split("\n")
    if lines[0].startswith("Error: ") or any(line.startswith('Try "help ') for line in lines):
        return shown
    return None
