"""Which syntax a line is in, and the QMP request it becomes.

A line is JSON (starts with ``{``) or ``cmd key=value ...``; ``!`` in front sends it without checking it
against the schema (for experiments). Meta-commands (``:``) are the session's business, and HMP will get its
own branch here.
"""

from __future__ import annotations

from typing import TYPE_CHECKING, NamedTuple

from vdbgsh.errors import UsageError
from vdbgsh.syntax.arguments_tree import arguments_tree, loose_arguments
from vdbgsh.syntax.errors import ParseError
from vdbgsh.syntax.json_request import looks_like_json, parse_json_request, refuse_non_text
from vdbgsh.syntax.words import Word, split_words
from vdbgsh.transport.base import JSONObject

if TYPE_CHECKING:  # the schema's modules load only when there is a schema: exec's fast path has none
    from vdbgsh.schema.model import Schema

UNCHECKED_MARK = "!"
SHELL_FORCE_HINT = "'help' lists the commands; a leading ! sends the line unchecked"
CLI_FORCE_HINT = "--no-validate sends it unchecked"


class Request(NamedTuple):
    message: JSONObject
    checked: bool  # typed and validated against the guest's schema


def parse_request_line(text: str, schema: Schema | None = None) -> Request:
    request = _parse_line(text, schema)
    refuse_non_text(request.message, text)
    return request


def _parse_line(text: str, schema: Schema | None) -> Request:
    unchecked = text.startswith(UNCHECKED_MARK)
    if unchecked and looks_like_json(text[1:]):
        return Request(parse_json_request(text[1:]), False)
    # The mark read as a blank keeps every word's offset, so carets still fall under the line as typed.
    words = split_words(" " + text[1:] if unchecked else text)
    if not words:
        raise ParseError("empty command", text, 0)
    if not unchecked and looks_like_json(text):
        return _json(parse_json_request(text), text, schema)
    return _words(words[0].text, words[1:], text, None if unchecked else schema)


def parse_request_words(command: str, words: list[str], schema: Schema | None = None) -> Request:
    """Command-line form: the command (or a JSON request) and its ``key=value`` words as separate arguments."""
    request = _parse_words(command, words, schema)
    refuse_non_text(request.message, " ".join([command, *words]))
    return request


def _parse_words(command: str, words: list[str], schema: Schema | None) -> Request:
    if looks_like_json(command):
        if words:
            raise UsageError(
                f"unexpected '{words[0]}' after a JSON request",
                'put the arguments inside the JSON\'s "arguments" object',
            )
        return _json(parse_json_request(command), command, schema)
    source, positioned = _positioned([command, *words])
    return _words(command, positioned[1:], source, schema, CLI_FORCE_HINT)


def _positioned(words: list[str]) -> tuple[str, list[Word]]:
    """Words from argv, placed on one line so that errors can point at them."""
    placed: list[Word] = []
    at = 0
    for text in words:
        equals = text.find("=")
        placed.append(Word(text, at, at + len(text), at + equals + 1 if equals >= 0 else -1))
        at += len(text) + 1
    return " ".join(words), placed


def _words(
    command: str, words: list[Word], source: str, schema: Schema | None, force_hint: str = SHELL_FORCE_HINT
) -> Request:
    if "=" in command:
        raise ParseError(
            f"'{command}' is not a command name", source, 0, "a command line looks like: CMD key=value ..."
        )
    tree = arguments_tree(words, source)
    if schema is None or not schema.commands:
        arguments = loose_arguments(tree, source)
        return Request(_message(command, arguments), False)
    _known_command(schema, command, source, force_hint)
    if schema.commands[command].untyped:
        return Request(_message(command, loose_arguments(tree, source)), False)
    from vdbgsh.syntax.schema_typing import Typer

    arguments = Typer(schema, command, source).arguments(tree)
    return Request(_message(command, arguments), True)


def _json(request: JSONObject, source: str, schema: Schema | None) -> Request:
    if schema is None or not schema.commands:
        return Request(request, False)
    command = str(request.get("execute", request.get("exec-oob")))
    _known_command(schema, command, source, SHELL_FORCE_HINT, at=max(source.find(f'"{command}"'), 0))
    info = schema.commands[command]
    if info.untyped:
        return Request(request, False)
    from vdbgsh.schema.model import OPEN_ARGUMENT_COMMANDS
    from vdbgsh.syntax.values import check_value

    problem = check_value(
        schema, info.arg_type, request.get("arguments", {}), "", open_members=command in OPEN_ARGUMENT_COMMANDS
    )
    if problem:
        raise ParseError(problem, source, _locate_problem(source, problem))
    return Request(request, True)


def _locate_problem(source: str, problem: str) -> int:
    """Where in the JSON text the problem is: under the value it names, under the object a required member is
    missing from, under a member not known."""
    from vdbgsh.syntax.json_positions import json_with_positions

    parsed = json_with_positions(source, max(source.find("{"), 0))
    spans = parsed[1] if parsed is not None else {}
    quoted = problem.split("'")[1::2]
    path = _member_path(quoted[0]) if quoted else ()
    if problem.startswith(("missing required '", "unknown member '")) and path:  # a member named '' has no path
        *parent, name = path
        inside = spans.get(("arguments", *parent))
        if inside:
            start, end = inside[-1]
            if problem.startswith("unknown"):
                found = source.find(f'"{name}"', start, end)
                return found if found >= 0 else start
            return start
    head, colon, _rest = problem.partition(": ")
    if colon and head != "the value":
        value = spans.get(("arguments", *_member_path(head)))
        if value:
            return value[-1][0]
    # Else the member the problem names, as it is quoted in the JSON text.
    for word in quoted:
        name = word.rsplit(".", 1)[-1].split("[")[0]
        found = source.find(f'"{name}"')
        if found >= 0:
            return found
    return len(source)


def _member_path(where: str) -> tuple[str | int, ...]:
    """``actions[0].data.node`` as the path json_positions keys values by."""
    import re

    return tuple(int(index) if index else name for name, index in re.findall(r"([^.\[\]]+)|\[(\d+)\]", where))


def _known_command(schema: Schema, command: str, source: str, force_hint: str, at: int = 0) -> None:
    if command not in schema.commands:
        from vdbgsh.syntax.values import did_you_mean

        raise ParseError(
            f"unknown command '{command}'{did_you_mean(command, list(schema.commands))}", source, at, force_hint
        )


def _message(command: str, arguments: JSONObject) -> JSONObject:
    return {"execute": command, "arguments": arguments} if arguments else {"execute": command}
