"""Help for HMP words: what a command takes (in HMP's grammar) and the QMP it becomes."""

from __future__ import annotations

from vdbgsh.hmp.args_type import parse_args_type
from vdbgsh.hmp.table import Entry
from vdbgsh.hmp.versions import table_of
from vdbgsh.render.ansi import BOLD, DIM, paint
from vdbgsh.schema.model import Schema

KIND_WORDS = {
    "s": "string",
    "F": "file name",
    "B": "block device",
    "S": "rest of the line",
    "O": "option string NAME=VALUE,...",
    "i": "integer expression",
    "l": "integer expression",
    "M": "size in MiB (expression)",
    "o": "size (bare number = MiB; K, M, G suffixes)",
    "T": "duration (ms, us, ns suffixes)",
    "b": "on|off",
    "/": "/[count][format][size]",
}


def usage(entry: Entry) -> str:
    """``block_stream DEVICE [SPEED [BASE]]``-like usage from the args_type."""
    words = []
    optional_depth = 0
    for spec in parse_args_type(entry.args_type):
        if spec.flag:
            words.append(f"[-{spec.flag}{' VALUE' if spec.flag_takes_string else ''}]")
            continue
        if spec.kind == "/":
            words.append("[/FMT]")
        elif spec.dot_optional:
            words.append(f"[.{spec.key.upper()}]")
        elif spec.optional:
            # HMP's optionals can only be left out at the end of the line: each one nests the next.
            words.append("[" + spec.key.upper())
            optional_depth += 1
        else:
            words.append(spec.key.upper())
    return " ".join([entry.name, *words]) + "]" * optional_depth


def help_hmp(entry: Entry, schema: Schema, colour: bool) -> str:
    becomes = entry.qmp if entry.qmp and entry.qmp in schema.commands else None
    lines = [paint(usage(entry), BOLD, colour) + "  (HMP)", f"  {entry.help}"]
    for spec in parse_args_type(entry.args_type):
        name = f"-{spec.flag}" if spec.flag else spec.key
        lines.append(f"  {name:<22} {KIND_WORDS.get(spec.kind, 'flag' if spec.flag else spec.kind)}")
    if becomes:
        lines.append(f"  becomes QMP {becomes} (see help {becomes}); :translate LINE shows the exact request")
    else:
        lines.append(
            paint("  no QMP equivalent here: sent through human-monitor-command, the reply is HMP text", DIM, colour)
        )
    if entry.name == "info":
        lines.append("  sub-commands:")
        info = table_of(schema).info
        width = max(len(e.name) for e in info)
        for sub in info:
            target = sub.qmp if sub.qmp and sub.qmp in schema.commands else "HMP text"
            lines.append(f"    {sub.name:<{width}}  {paint('→ ' + target, DIM, colour)}  {sub.help}")
    return "\n".join(lines)
