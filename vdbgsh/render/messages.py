"""The shell's own messages: errors with their caret, the echoed request, the list of meta-commands."""

from __future__ import annotations

from collections.abc import Mapping, Sequence

from vdbgsh.render.ansi import DIM, MAGENTA, RED_BOLD, paint
from vdbgsh.render.json_text import compact
from vdbgsh.render.untrusted import untrusted_text
from vdbgsh.syntax.meta import MetaSpec
from vdbgsh.syntax.secrets import mask_request


def error_text(lines: Sequence[str], colour: bool) -> str:
    """``error: what`` in red, then the input with its caret and the hint as they are. The lines are neutralised:
    an error can quote libvirt, QEMU or an internal exception (vdbgsh's own lines have no control to escape)."""
    first, *rest = (untrusted_text(line) for line in lines)
    return "\n".join([paint("error:", RED_BOLD, colour) + " " + first, *rest])


def request_echo(message: object, colour: bool) -> str:
    """The request about to be sent, its secrets masked (the request sent is the caller's, unchanged)."""
    shown = mask_request(message) if isinstance(message, dict) else message
    return paint("→ " + compact(shown), DIM, colour)


def note_text(note: str, colour: bool) -> str:
    return paint(f"note: {untrusted_text(note)}", DIM, colour)


def taint_notice(domain: str, colour: bool) -> str:
    """The banner's line, once per libvirt domain: every monitor command makes libvirt taint the domain."""
    return note_text(f"libvirt marks {domain} tainted (custom-monitor) from the first command on", colour)


def meta_overview(commands: Mapping[str, MetaSpec], topic: str, colour: bool) -> str:
    """All meta-commands (``:help :``), or one (``:help :output``)."""
    chosen = {topic: commands[topic]} if topic in commands else commands
    width = max(len(spec.usage) for spec in chosen.values())
    lines = [] if topic in commands else ["The shell's own commands (a leading ':'; never sent to the guest):"]
    lines += [f"  {paint(spec.usage.ljust(width), MAGENTA, colour)}  {spec.summary}" for spec in chosen.values()]
    return "\n".join(lines)
