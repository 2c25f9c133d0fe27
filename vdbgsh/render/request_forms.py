"""A request in the other forms people paste it in: HMP (``:translate`` of a QMP line, ``:copy hmp``), one-line
JSON and a ready ``virsh qemu-monitor-command`` line (``:copy json|virsh``). Secrets stay masked in every form.
"""

from __future__ import annotations

import shlex
from collections.abc import Mapping
from typing import Any, NamedTuple

from vdbgsh.hmp.reverse import Reverse, hmp_line
from vdbgsh.hmp.translate import Translator
from vdbgsh.hmp.versions import table_of
from vdbgsh.render.ansi import BOLD, paint
from vdbgsh.render.json_text import compact
from vdbgsh.render.messages import note_text
from vdbgsh.render.untrusted import untrusted_line
from vdbgsh.schema.model import Schema
from vdbgsh.syntax.secrets import mask_request, mask_uri_credentials

COPY_FORMS = ("json", "virsh", "hmp")


def hmp_for(request: Mapping[str, Any], schema: Schema | None) -> Reverse:
    """The HMP line that does what ``request`` does, checked by translating it forward again (hmp/reverse.py),
    by the HMP table of the guest's QEMU version."""
    table = table_of(schema)
    return hmp_line(request, table.commands + table.info, lambda line: Translator(schema).translate(line).requests)


def hmp_text(request: Mapping[str, Any], schema: Schema | None, colour: bool) -> str:
    """``HMP: LINE``, or a note saying why no HMP line does the same."""
    found = hmp_for(mask_request(dict(request)), schema)
    if found.line is None:
        return note_text(f"no HMP equivalent: {found.why}", colour)
    return f"{paint('HMP:', BOLD, colour)} {untrusted_line(found.line)}"


class Copied(NamedTuple):
    text: str  # what the transcript shows
    clipboard: str  # the line itself, for the terminal's clipboard ("" when there is none)


def copy_text(
    form: str,
    request: Mapping[str, Any],
    schema: Schema | None,
    *,
    domain: str,
    uri: str | None,
    colour: bool,
    agent: bool = False,
) -> Copied:
    """The last request in ``form`` (one of COPY_FORMS), one line, ready to paste; ``agent``: it went to the guest
    agent (virsh qemu-agent-command; no HMP)."""
    masked = mask_request(dict(request))
    if form == "hmp" and agent:
        return Copied(note_text("no HMP line: the guest agent runs no HMP", colour), "")
    if form == "json":
        line = compact(masked)
    elif form == "hmp":
        found = hmp_for(masked, schema)
        if found.line is None:
            return Copied(note_text(f"no HMP line: {found.why}", colour), "")
        line = untrusted_line(found.line)
    else:
        words = ["virsh"]
        if uri:
            words += ["-c", mask_uri_credentials(uri)]
        words += ["qemu-agent-command" if agent else "qemu-monitor-command", domain, "--pretty", compact(masked)]
        line = untrusted_line(shlex.join(words))
    return Copied(line, line)


__all__ = ["COPY_FORMS", "Copied", "copy_text", "hmp_for", "hmp_text"]
