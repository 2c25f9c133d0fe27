"""Help for the guest agent: the shell's help text, with what QMP's introspection never had: QEMU's documentation
of each command and member (from qga/qapi-schema.json), and which commands this agent has disabled."""

from __future__ import annotations

import textwrap
from collections.abc import Mapping
from typing import Any

from vdbgsh.agent.schema import DISABLED, AgentSchema
from vdbgsh.render.ansi import paint
from vdbgsh.render.help_topic import HelpText
from vdbgsh.render.untrusted import untrusted_text
from vdbgsh.schema.model import Schema

BOLD = "\x1b[1m"
DIM = "\x1b[2m"


def with_agent_docs(
    shown: HelpText, schema: Schema | None, topic: tuple[str, ...], width: int, colour: bool
) -> HelpText:
    if not isinstance(schema, AgentSchema):
        return shown
    if not topic:
        return HelpText(agent_overview(schema, width, colour), True)
    name = topic[0]
    if name not in schema.commands:
        return shown
    lines = [shown.text]
    if DISABLED in schema.commands[name].features:
        lines.append(paint(f"disabled in this agent ({schema.agent_version}): it refuses the command", DIM, colour))
    doc = schema.doc(name)
    if doc:
        lines.extend(_documentation(doc, schema, width, colour))
    elif schema.commands[name].untyped:
        lines.append(f"no documentation: vdbgsh ships no guest-agent schema for {schema.agent_version or 'this agent'}")
    return HelpText("\n".join(lines), True)


def agent_overview(schema: AgentSchema, width: int, colour: bool) -> str:
    enabled = sorted(name for name in schema.commands if name not in schema.disabled)
    data = f"types and docs from QEMU {schema.data_version}'s agent schema" if schema.data_version else "names only"
    lines = [
        paint(f"guest agent {schema.agent_version or '(version unknown)'}", BOLD, colour)
        + f": {len(enabled)} commands enabled, {len(schema.disabled)} disabled ({data})",
        *_columns(enabled, width),
    ]
    if schema.disabled:
        lines.append(paint("disabled (the agent refuses them):", BOLD, colour))
        lines.extend(_columns(schema.disabled, width))
    lines.append("help COMMAND: its arguments, types and documentation. HMP lines go to QEMU's monitor, not here.")
    return "\n".join(lines)


def _columns(names: list[str], width: int) -> list[str]:
    if not names:
        return []
    column = max(len(name) for name in names) + 2
    per_line = max(1, (width - 2) // column)
    return [
        "  " + "".join(name.ljust(column) for name in names[start : start + per_line]).rstrip()
        for start in range(0, len(names), per_line)
    ]


def _documentation(doc: Mapping[str, Any], schema: AgentSchema, width: int, colour: bool) -> list[str]:
    wrap = max(40, width - 4)
    lines = [
        paint(f"documentation (QEMU {schema.data_version}'s qga/qapi-schema.json, GPL-2.0-or-later):", BOLD, colour)
    ]
    lines.extend(_wrapped(str(doc.get("text", "")), "  ", wrap))
    members = doc.get("members")
    if isinstance(members, Mapping):
        for member, text in members.items():
            lines.extend(_wrapped(f"{member}: {text}", "  ", wrap, "      "))
    sections = doc.get("sections")
    if isinstance(sections, Mapping):
        for section, text in sections.items():
            lines.extend(_wrapped(f"{section}: {text}", "  ", wrap, "    "))
    return lines


def _wrapped(text: str, indent: str, width: int, later: str | None = None) -> list[str]:
    out: list[str] = []
    for paragraph in untrusted_text(text).split("\n\n"):
        if paragraph.strip():
            out.extend(
                textwrap.wrap(paragraph, width, initial_indent=indent, subsequent_indent=later or indent) or [indent]
            )
    return out
