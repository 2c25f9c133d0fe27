"""``help [TOPIC]``, the same text in the shell and in exec: the overview, a meta-command, an event, an HMP command
or a QMP command of the guest's schema."""

from __future__ import annotations

from typing import TYPE_CHECKING, NamedTuple

from vdbgsh.hmp.versions import table_of
from vdbgsh.render.help import help_command, help_event, help_overview
from vdbgsh.render.help_hmp import help_hmp
from vdbgsh.render.messages import meta_overview
from vdbgsh.render.qapi_docs import QapiDocs, docs_for
from vdbgsh.syntax.meta import ALIASES, META_COMMANDS

if TYPE_CHECKING:
    from vdbgsh.schema.model import Schema


class HelpText(NamedTuple):
    text: str
    found: bool  # False: no such topic (the text then lists the close matches)


def help_text(
    schema: Schema, args: tuple[str, ...], width: int, colour: bool, docs: QapiDocs | None = None
) -> HelpText:
    """QEMU's words come from ``docs``, by default those of the schema's QEMU version (render/qapi_docs.py). Words
    after a command's name choose a union's branch: ``help blockdev-add driver=qcow2``."""
    docs = docs if docs is not None else docs_for(schema.qemu)
    if not args:
        return HelpText(help_overview(schema, width, colour), True)
    topic = args[0]
    if topic.startswith(":"):
        name = ALIASES.get(topic[1:], topic[1:])
        return HelpText(meta_overview(META_COMMANDS, name, colour), not name or name in META_COMMANDS)
    if topic in schema.events:
        return HelpText(help_event(schema, topic, width, colour, docs), True)
    table = table_of(schema)
    name = " ".join(args[:2]) if topic == "info" and len(args) > 1 else topic
    hmp_entry = table.entry(name) or table.entry(f"info {name}")
    if hmp_entry is not None and topic not in schema.commands:
        return HelpText(help_hmp(hmp_entry, schema, colour), True)
    gone = table.gone(name) if topic not in schema.commands else None
    if gone is not None:
        return HelpText(f"{gone} (HMP)", True)
    chosen = dict(word.split("=", 1) for word in args[1:] if "=" in word)
    return HelpText(help_command(schema, topic, width, colour, docs, chosen=chosen), topic in schema.commands)
