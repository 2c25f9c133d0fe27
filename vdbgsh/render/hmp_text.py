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
    ``Try "help CMD" for more information``; a name HMP does not have (a removed command) is ``unknown command:
    'NAME'``, and a few handlers report without the prefix in words of their own (measured on 7.2 and 11.1:
    trace-event's ``unknown event "NAME"``, sendkey's ``invalid parameter: KEY``). Other unprefixed errors cannot
    be told from output."""
    shown = hmp_output(text)
    lines = shown.split("\n")
    if lines[0].startswith(_FIRST_LINE_ERRORS) or any(line.startswith('Try "help ') for line in lines):
        return shown
    return None


_FIRST_LINE_ERRORS = ("Error: ", "unknown command: '", 'unknown event "', "invalid parameter: ")
