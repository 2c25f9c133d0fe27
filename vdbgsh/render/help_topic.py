"""``help [TOPIC]``, the same text in the shell and in exec: the overview, a meta-command, an event, an HMP command
or a QMP command of the guest's schema."""

from __future__ import annotations

from typing import TYPE_CHECKING, NamedTuple

from vdbgsh.hmp.table import BY_NAME as HMP_BY_NAME
from vdbgsh.hmp.table import INFO_BY_NAME
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
    hmp_entry = HMP_BY_NAME.get(topic) or INFO_BY_NAME.get(topic.removeprefix("info "))
    if hmp_entry is not None and topic not in schema.commands:
        return HelpText(help_hmp(hmp_entry, schema, colour), True)
    chosen = dict(word.split("=", 1) for word in args[1:] if "=" in word)
    return HelpText(help_command(schema, topic, width, colour, docs, chosen=chosen), topic in schema.commands)
