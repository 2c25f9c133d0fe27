"""Transaction actions typed as ``TYPE key=value ...`` (or as JSON), and the one ``transaction`` request they make.

The action types come from the guest's schema: ``transaction``'s ``actions`` is a list of a union tagged
``type``, whose every case (in QEMU 7.2: abort, the block-dirty-bitmap-* six, blockdev-backup, blockdev-snapshot,
blockdev-snapshot-internal-sync, blockdev-snapshot-sync, drive-backup) wraps its arguments in a ``data`` member:
``{"type": "block-dirty-bitmap-add", "data": {"node": "n0", "name": "b0"}}``. An action line's ``key=value``
words are that ``data``, typed as a command's arguments are (sizes, booleans, enums, nested ``a.b=``, lists
``a.0=``), with a caret under the first fault. A case without the wrapper (none so far) would take its members
beside ``type``, and is typed so. The whole request is checked against the schema too (``properties`` such as
``completion-mode`` included).

Pure: no I/O.
"""

from __future__ import annotations

import json
from collections.abc import Mapping, Sequence
from typing import Any, NamedTuple, NoReturn

from vdbgsh.schema.model import Schema, SchemaType
from vdbgsh.syntax.arguments_tree import arguments_tree, loose_arguments
from vdbgsh.syntax.errors import ParseError
from vdbgsh.syntax.json_request import TooDeep, load_json, looks_like_json, refuse_non_text
from vdbgsh.syntax.values import check_value, did_you_mean
from vdbgsh.syntax.words import Word, split_words
from vdbgsh.transport.base import JSONObject

TRANSACTION = "transaction"
UNCHECKED_MARK = "!"

# One line per action type of QEMU 7.2, for the completion menu and messages; an action type of a newer QEMU
# is described by its arguments alone.
ACTION_SUMMARIES: Mapping[str, str] = {
    "abort": "make the transaction fail: QEMU rolls every action back (a test of the rollback)",
    "block-dirty-bitmap-add": "add a dirty bitmap to a node",
    "block-dirty-bitmap-remove": "remove a dirty bitmap from a node",
    "block-dirty-bitmap-clear": "clear a dirty bitmap",
    "block-dirty-bitmap-enable": "let a dirty bitmap record writes",
    "block-dirty-bitmap-disable": "stop a dirty bitmap recording writes",
    "block-dirty-bitmap-merge": "merge bitmaps into a target bitmap",
    "blockdev-backup": "start a backup job to an existing node",
    "blockdev-snapshot": "put an existing node over another as its overlay (external snapshot)",
    "blockdev-snapshot-internal-sync": "take an internal snapshot inside a device's image",
    "blockdev-snapshot-sync": "create an overlay image file over a device (external snapshot)",
    "drive-backup": "start a backup job to a new image file",
}
ACTION_HINT = "an action looks like TYPE key=value ..., e.g. block-dirty-bitmap-add node=n0 name=b0"


class ActionType(NamedTuple):
    name: str
    data_type: str  # the schema type of its arguments
    wrapped: bool  # arguments go in "data" (every QEMU action so far), else beside "type"
    features: tuple[str, ...] = ()


class Action(NamedTuple):
    line: str  # as typed
    message: JSONObject  # {"type": ..., "data": {...}}
    checked: bool  # typed and validated against the schema

    @property
    def type(self) -> str:
        return str(self.message.get("type", ""))


def action_union(schema: Schema) -> SchemaType | None:
    """The union each element of ``transaction``'s ``actions`` is; None when the schema does not say."""
    if not schema.typed or TRANSACTION not in schema.commands:
        return None
    actions = schema.member(schema.arguments(TRANSACTION), "actions")
    if actions is None:
        return None
    array = schema.type(actions.type)
    if array.meta != "array":
        return None
    union = schema.type(array.element)
    return union if union.meta == "object" and union.tag else None


def action_types(schema: Schema) -> dict[str, ActionType]:
    """The action types the guest's schema knows, in its order; {} without a typed schema."""
    union = action_union(schema)
    if union is None:
        return {}
    found = {}
    for case, variant_name in union.variants:
        variant = schema.type(variant_name)
        members = variant.members
        if len(members) == 1 and members[0].name == "data" and not variant.tag:
            kind = ActionType(case, members[0].type, True)
        else:
            kind = ActionType(case, variant_name, False)
        twin = schema.commands.get(case)  # drive-backup's deprecation is its command's
        found[case] = kind._replace(features=twin.features if twin is not None else ())
    return found


def action_names(schema: Schema) -> list[str]:
    """The action types to offer and accept: the schema's, else (no typed schema) QEMU 7.2's."""
    return list(action_types(schema) or ACTION_SUMMARIES)


def properties_type(schema: Schema) -> str:
    """The type of ``transaction``'s ``properties`` (TransactionProperties); "" when the schema does not say."""
    member = schema.member(schema.arguments(TRANSACTION), "properties") if schema.typed else None
    return member.type if member is not None else ""


def is_action_line(text: str, schema: Schema) -> bool:
    """Whether a line typed inside a transaction block is an action rather than a command to run now.

    JSON is an action unless it is a request (``"execute"``); a word line is one when its first word is an action
    type, or names no QMP or HMP command (so that a misspelt type gets the actions' "did you mean").
    """
    stripped = text.strip().removeprefix(UNCHECKED_MARK)
    if looks_like_json(stripped):
        try:
            value = load_json(stripped)
        except ValueError:
            return True  # reported as a malformed action
        return not (isinstance(value, dict) and ("execute" in value or "exec-oob" in value))
    word = stripped.split(maxsplit=1)[0] if stripped else ""
    if word in action_names(schema):
        return True
    from vdbgsh.hmp.versions import table_of
    from vdbgsh.syntax.classify import hmp_command_word

    return word not in schema.commands and not table_of(schema).reads_as_hmp(hmp_command_word(stripped))


def parse_action_line(text: str, schema: Schema | None) -> Action:
    """One action as typed: ``TYPE key=value ...``, or its JSON ``{"type": ..., "data": {...}}``; a leading ``!``
    takes it unchecked. Raises ParseError with a caret under the fault."""
    line = text.strip()
    unchecked = line.startswith(UNCHECKED_MARK)
    body = line[1:] if unchecked else line
    typed = schema if schema is not None and not unchecked and action_types(schema) else None
    if looks_like_json(body):
        action = _json_action(body, line, typed)
    else:
        # The mark read as a blank keeps every word's offset, so carets still fall under the line as typed.
        action = _word_action(split_words(" " + body if unchecked else line), line, typed, schema)
    refuse_non_text(action.message, line)
    return action


def parse_action_words(words: list[Word], source: str, schema: Schema | None) -> Action:
    """An action whose words are already placed in ``source`` (the command line's: see ``positioned``)."""
    typed = schema if schema is not None and action_types(schema) else None
    head = words[0].text if words else ""
    if looks_like_json(head) and len(words) == 1:
        action = _json_action(head, source, typed)
    else:
        action = _word_action(words, source, typed, schema)
    refuse_non_text(action.message, source)
    return action


def positioned(words: Sequence[str], source: str = "") -> tuple[str, list[Word]]:
    """Words from argv, placed after ``source`` on one line so that errors can point at them."""
    placed: list[Word] = []
    at = len(source) + 1 if source else 0
    for text in words:
        equals = text.find("=")
        placed.append(Word(text, at, at + len(text), at + equals + 1 if equals >= 0 else -1))
        at += len(text) + 1
    return " ".join([source, *words] if source else words), placed


def _word_action(words: list[Word], source: str, typed: Schema | None, schema: Schema | None) -> Action:
    if not words:
        raise ParseError("empty action", source, 0, ACTION_HINT)
    head = words[0]
    if "=" in head.text:
        raise ParseError(f"'{head.text}' is not an action type", source, head.start, ACTION_HINT)
    tree = arguments_tree(words[1:], source)
    if typed is None:
        # Unchecked: asked for (!, --no-validate), or a schema of command names only (its action types are
        # QEMU 7.2's then, and checked by name).
        if schema is not None and schema.commands and not source.startswith(UNCHECKED_MARK):
            if TRANSACTION not in schema.commands:
                raise ParseError("this QEMU has no transaction command", source, head.start)
            if head.text not in action_names(schema):
                _unknown(head.text, source, head.start, action_names(schema))
        return Action(source, {"type": head.text, "data": loose_arguments(tree, source)}, False)
    kinds = action_types(typed)
    kind = kinds.get(head.text)
    if kind is None:
        _unknown(head.text, source, head.start, list(kinds))
    from vdbgsh.syntax.schema_typing import Typer

    data = Typer(typed, kind.name, source).members_of(kind.data_type, tree)
    message: JSONObject = {"type": kind.name, "data": data} if kind.wrapped else {"type": kind.name, **data}
    return Action(source, message, True)


def _unknown(word: str, source: str, at: int, known: list[str]) -> NoReturn:
    raise ParseError(
        f"unknown action type '{word}'{did_you_mean(word, known)}", source, at, f"actions: {', '.join(known)}"
    )


def _json_action(body: str, source: str, typed: Schema | None) -> Action:
    offset = len(source) - len(body)
    try:
        value: Any = load_json(body)
    except TooDeep as err:
        raise ParseError(f"malformed JSON: {err}", source, offset) from None
    except json.JSONDecodeError as err:
        raise ParseError(
            f"malformed JSON at line {err.lineno}, column {err.colno}: {err.msg}",
            source,
            offset + err.pos,
            'an action looks like {"type": "block-dirty-bitmap-add", "data": {"node": "n0", "name": "b0"}}',
        ) from None
    if not isinstance(value, dict) or not isinstance(value.get("type"), str):
        raise ParseError(
            'an action is a JSON object with a "type" member',
            source,
            offset,
            'e.g. {"type": "block-dirty-bitmap-add", "data": {"node": "n0", "name": "b0"}}',
        )
    if typed is None:
        return Action(source, value, False)
    union = action_union(typed)
    assert union is not None  # typed: the schema has action types
    problem = check_value(typed, union.name, value, "")
    if problem:
        raise ParseError(problem, source, _locate(source, problem))
    return Action(source, value, True)


def _locate(source: str, problem: str) -> int:
    # The member the problem names: quoted in it ('data.nod'), or its subject (data.name: expected str).
    subject = problem.split(": ", 1)[0] if ": " in problem and " " not in problem.split(": ", 1)[0] else ""
    for quoted in [*problem.split("'")[1::2], *([subject] if subject else [])]:
        name = quoted.rsplit(".", 1)[-1].split("[")[0]
        found = source.find(f'"{name}"')
        if found >= 0:
            return found
    return len(source)


def parse_properties(words: list[Word], source: str, schema: Schema | None) -> JSONObject:
    """``key=value`` words of the transaction's ``properties`` (``completion-mode=grouped``), typed."""
    tree = arguments_tree(words, source)
    if schema is None or not properties_type(schema):
        return loose_arguments(tree, source)
    from vdbgsh.syntax.schema_typing import Typer

    return Typer(schema, TRANSACTION, source).members_of(properties_type(schema), tree)


def transaction_request(actions: Sequence[JSONObject], properties: Mapping[str, Any] | None = None) -> JSONObject:
    arguments: JSONObject = {"actions": list(actions)}
    if properties:
        arguments["properties"] = dict(properties)
    return {"execute": TRANSACTION, "arguments": arguments}


def transaction_problem(schema: Schema | None, request: JSONObject) -> str:
    """Why the whole request does not fit the schema ("" when it does, or when there is no schema to say)."""
    if schema is None or not schema.typed or TRANSACTION not in schema.commands:
        return ""
    return check_value(schema, schema.commands[TRANSACTION].arg_type, request.get("arguments", {}), "")


def transaction_layout(request: Mapping[str, Any]) -> str:
    """The request as JSON a person can check: one action per line (and still JSON, to copy)."""
    arguments = request.get("arguments", {})
    actions = arguments.get("actions", [])
    inner = [f"  {_dumps('actions')}: ["]
    inner += [f"    {_dumps(action)}{',' if i < len(actions) - 1 else ''}" for i, action in enumerate(actions)]
    inner.append("  ]")
    for key, value in arguments.items():
        if key != "actions":
            inner[-1] += ","
            inner.append(f"  {_dumps(key)}: {_dumps(value)}")
    head = {key: value for key, value in request.items() if key != "arguments"}
    opening = _dumps(head)[:-1] + ', "arguments": {'
    return "\n".join([opening, *inner, "}}"])


def _dumps(value: Any) -> str:
    return json.dumps(value, ensure_ascii=False)


def action_summary(schema: Schema, name: str) -> str:
    """``deprecated · add a dirty bitmap to a node · {node, name, granularity?, …}``: for the completion menu."""
    kind = action_types(schema).get(name)
    parts: list[str] = [flag for flag in ("deprecated", "unstable") if kind is not None and flag in kind.features]
    if name in ACTION_SUMMARIES:
        parts.append(ACTION_SUMMARIES[name])
    if kind is not None:
        shape = schema.describe(kind.data_type)
        if shape != "{}":
            parts.append(shape)
    return " · ".join(parts)


def plural(count: int, noun: str) -> str:
    return f"{count} {noun}{'' if count == 1 else 's'}"
