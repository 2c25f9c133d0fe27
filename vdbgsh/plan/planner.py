"""The planner's entry points, one per way a request comes in; each ends at the gate.

``plan_line``: a line as the shell reads it (also exec's one quoted COMMAND and each line of an ``exec -`` batch).
``plan_words``: exec's argv, each word kept whole. ``plan_request``: a request already made (a transcript record
being replayed, a transaction built from its actions).
"""

from __future__ import annotations

from collections.abc import Generator
from typing import TYPE_CHECKING, Any

from vdbgsh.errors import UsageError
from vdbgsh.plan.gate import BOM, gate
from vdbgsh.plan.model import NEED_SCHEMA, Need, Plan, PlanContext, Step, Steps
from vdbgsh.syntax.errors import ParseError
from vdbgsh.syntax.json_request import looks_like_json
from vdbgsh.syntax.meta_names import is_meta
from vdbgsh.syntax.request import UNCHECKED_MARK, parse_request_line, parse_request_words
from vdbgsh.transport.base import JSONObject

if TYPE_CHECKING:
    from vdbgsh.hmp.translate import Translation
    from vdbgsh.schema.model import Schema

EXEC_EXAMPLE = "e.g. vdbgsh exec DOMAIN query-status, or '-' to read stdin"
_BLANKS = " \t\n"


def plan_line(
    text: str, ctx: PlanContext, *, fast: bool = False, hmp_first: bool = False, help_ok: bool = False
) -> Steps:
    """``fast``: exec's schema-free path, where a bare name or a JSON request without arguments is sent as typed
    (the schema is read only if QEMU then knows no such command). ``hmp_first``: a line whose name QMP does not know
    is HMP's to judge (``vdbgsh translate`` takes HMP lines: a typo gets HMP's nearest names). ``help_ok``: ``help
    [TOPIC]`` becomes a plan that sends nothing and shows the help (exec); every other meta-command is the
    interactive shell's, refused here, never sent to QEMU."""
    line = text.strip()
    _refuse_hostile_text(line)
    if not line:
        raise UsageError("the command is empty", EXEC_EXAMPLE)
    if is_meta(line):
        return _meta(line, help_ok)
    if line.startswith(UNCHECKED_MARK):
        return _finish(ctx, line, [parse_request_line(line).message], forced=True)
    if fast and not ctx.always_check:
        if looks_like_json(line) and '"arguments"' not in line:
            return _finish(ctx, line, [parse_request_line(line).message])
        if not any(blank in line for blank in _BLANKS) and not looks_like_json(line):
            return _bare(ctx, line)
    schema = (yield from _schema(ctx)) if ctx.validate else None
    if schema is None:  # --no-validate: QMP as typed
        return _finish(ctx, line, [parse_request_line(line).message])
    from vdbgsh.syntax.classify import classify

    kind = classify(line, schema)
    if kind == "hmp" or (hmp_first and kind == "qmp" and line.split()[0] not in schema.commands):
        return (yield from _plan_hmp(line, ctx))
    request = parse_request_line(line, schema)
    return _finish(ctx, line, [request.message])


def plan_words(
    command: str, rest: list[str], ctx: PlanContext, *, hmp_first: bool = False, help_ok: bool = False
) -> Steps:
    """exec's COMMAND and ARGs. One quoted word with blanks in it is a line; words that read as HMP are HMP, each
    word kept whole (quoted for HMP when it holds a blank); else QMP ``key=value`` words or a JSON request."""
    command = command.strip()  # a stray blank is no part of a command name
    if not command:
        raise UsageError("the COMMAND is empty", EXEC_EXAMPLE)
    if is_meta(command):  # ``help TOPIC`` as two words reads as the line does
        return (yield from plan_line(" ".join([command, *rest]), ctx, hmp_first=hmp_first, help_ok=help_ok))
    if not rest and command.startswith(UNCHECKED_MARK):
        # '!' and what follows, as the shell reads it: sent as typed (JSON or a command name), never as a name.
        return (yield from plan_line(command, ctx, hmp_first=hmp_first, help_ok=help_ok))
    if not rest and not command.startswith(("{", "!{")) and any(blank in command for blank in _BLANKS):
        # One quoted line, read as the shell reads it: never sent to the guest as one long command name.
        return (yield from plan_line(command, ctx, hmp_first=hmp_first, help_ok=help_ok))
    source = " ".join([command, *rest])
    _refuse_hostile_text(source)
    if (rest or ctx.always_check) and not command.startswith(UNCHECKED_MARK) and ctx.validate:
        schema = (yield from _schema(ctx)) if _hmp_name(command) or hmp_first else None
        if schema is not None and _words_are_hmp(command, rest, schema, hmp_first):
            return (yield from _plan_hmp(hmp_line(command, rest), ctx))
    # Shape first (no connection needed: malformed JSON is a usage error whether or not the guest is there),
    # then types against the guest's schema when there are arguments to type.
    request = parse_request_words(command, rest).message
    if rest or "arguments" in request or ctx.always_check:
        schema = (yield from _schema(ctx)) if ctx.validate else None
        typed = parse_request_words(command, rest, schema)
        return _finish(ctx, source, [typed.message])
    if "execute" not in request or command.startswith("{") or not ctx.validate:
        return _finish(ctx, source, [request])
    return _bare(ctx, command)


def plan_request(request: JSONObject, ctx: PlanContext, source: str = "") -> Plan:
    """A request made elsewhere (a transcript's record, a transaction): through the gate like any other."""
    if not isinstance(request.get("execute", request.get("exec-oob")), str):
        raise UsageError("not a QMP request: it names no command ('execute')")
    return _finish(ctx, source, [request])


def hmp_line(command: str, words: list[str]) -> str:
    """argv words as one HMP line, each kept one argument: a word with a blank or a quote goes in HMP's quotes
    (``screendump "/tmp/a b.ppm"``), which HMP's string arguments remove again."""
    return " ".join([command, *(_hmp_quoted(word) for word in words)])


def _hmp_quoted(word: str) -> str:
    if word and not any(ch in word for ch in ' \t\n\v\f\r"\\'):
        return word
    escaped = word.replace("\\", "\\\\").replace('"', '\\"').replace("\n", "\\n").replace("\r", "\\r")
    return f'"{escaped}"'


def _words_are_hmp(command: str, rest: list[str], schema: Schema, hmp_first: bool) -> bool:
    from vdbgsh.syntax.classify import classify_words

    kind = classify_words(command, rest, schema)
    return kind == "hmp" or (hmp_first and kind == "qmp" and command not in schema.commands)


def _hmp_name(command: str) -> bool:
    from vdbgsh.hmp.versions import every_name

    return command in every_name()  # the guest's QEMU is not known yet: a name any QEMU's HMP has had


AGENT_NO_HMP = "HMP lines are for QEMU's monitor, not the guest agent: nothing was sent"


def _plan_hmp(line: str, ctx: PlanContext) -> Steps:
    if ctx.agent:
        raise UsageError(f"'{line.split(maxsplit=1)[0]}': {AGENT_NO_HMP}", "attach without --agent for HMP")
    translation = ctx.translator.translate(line)
    unknown = ctx.take_unknown_drivers()
    if unknown:
        # device_add's option string is typed by its driver's properties: asked of the guest, then translated again.
        for driver in unknown:
            reply = yield Need({"execute": "device-list-properties", "arguments": {"typename": driver}})
            properties = reply.value if reply.ok and isinstance(reply.value, list) else []
            ctx.device_types[driver] = {
                str(p["name"]): str(p.get("type", "")) for p in properties if isinstance(p, dict) and "name" in p
            }
        translation = ctx.translator.translate(line)
    notes = translation.notes
    if translation.fallback:
        # "HMP only ..." once per command and session: said again on every use it reads as a new warning.
        if translation.entry.name in ctx.fallbacks_said:
            notes = []
        ctx.fallbacks_said.add(translation.entry.name)
    return _finish(ctx, line, translation.requests, notes=notes, translation=translation)


def _schema(ctx: PlanContext) -> Generator[Need, Any, Schema | None]:
    """The guest's schema, asked for once: HMP's translation then checks against it too."""
    if ctx.schema is not None:
        return ctx.schema
    schema: Schema | None = yield NEED_SCHEMA
    if schema is not None:
        ctx.schema = schema
    return schema


def _meta(line: str, help_ok: bool) -> Plan:
    from vdbgsh.syntax.meta import parse_meta

    meta = parse_meta(line)  # an unknown one: its own error, with the nearest names
    if meta.name == "help" and help_ok:
        return Plan(source=line, steps=(), help_topic=meta.args)
    raise UsageError(
        f"'{line.split(maxsplit=1)[0]}' is a meta-command of the interactive shell: nothing was sent",
        "here, give QMP or HMP commands" + (", or help [COMMAND]" if help_ok else ""),
    )


def _bare(ctx: PlanContext, name: str) -> Plan:
    if ctx.agent and _hmp_name(name):  # never sent to the agent: it knows no HMP
        raise UsageError(f"'{name}': {AGENT_NO_HMP}", "attach without --agent for HMP")
    return _finish(ctx, name, [{"execute": name}], retry_as_hmp=name)


def _refuse_hostile_text(line: str) -> None:
    """Characters that are never part of a command, refused with a caret before anything is parsed."""
    if line.startswith(BOM):
        raise ParseError(
            "the line starts with a byte-order mark (U+FEFF), which would become part of the command name",
            line,
            0,
            "save the file as UTF-8 without a BOM",
        )
    nul = line.find("\0")
    if nul >= 0:
        raise ParseError(
            "a NUL byte (\\0) is in the line: libvirt would cut the command there and run what comes before it",
            line,
            nul,
            "remove it: QMP takes no NUL in its text",
        )


def _finish(
    ctx: PlanContext,
    source: str,
    requests: list[JSONObject],
    *,
    notes: list[str] | None = None,
    forced: bool = False,
    translation: Translation | None = None,
    retry_as_hmp: str = "",
) -> Plan:
    for request in requests:
        gate(request, libvirt=ctx.libvirt, forced=forced, qemu=ctx.schema.qemu if ctx.schema is not None else None)
    deprecations: list[str] = []
    # What the user wrote as QMP; an HMP line's translation chose its members itself (HMP's eject has no other way).
    if ctx.schema is not None and translation is None:
        from vdbgsh.plan.deprecation import deprecation_note

        for request in requests:
            if note := deprecation_note(ctx.schema, request, ctx.deprecations_said):
                deprecations.append(note)
    return Plan(
        source=source,
        steps=tuple(Step(request) for request in requests),
        notes=tuple(notes or ()),
        forced=forced,
        translation=translation,
        retry_as_hmp=retry_as_hmp,
        deprecations=tuple(deprecations),
    )
