"""``vdbgsh exec DOMAIN --transaction ...``: actions from the command line or stdin, sent as one QMP transaction.

On the command line an argument that starts with a type begins an action, and the ``key=value`` arguments after
it are its own, so both of these work::

    vdbgsh exec guest1 --transaction 'block-dirty-bitmap-add node=n0 name=b0' 'block-dirty-bitmap-add node=n1 name=b0'
    vdbgsh exec guest1 --transaction block-dirty-bitmap-add node=n0 name=b0 block-dirty-bitmap-add node=n1 name=b0

``key=value`` arguments before the first action are the transaction's properties (``completion-mode=grouped``);
``-`` reads the actions from stdin instead, one a line (``#`` comments and blank lines skipped). An action may be
given as its JSON too. Every action is checked before anything is sent: one bad action sends nothing.

Imported only with --transaction, so that exec's start-up pays nothing for it otherwise.
"""

from __future__ import annotations

import re
from collections.abc import Iterable
from typing import TYPE_CHECKING

from vdbgsh.errors import UsageError
from vdbgsh.syntax.errors import ParseError
from vdbgsh.syntax.transaction import (
    Action,
    parse_action_line,
    parse_action_words,
    parse_properties,
    positioned,
    transaction_problem,
    transaction_request,
)
from vdbgsh.syntax.words import Word, split_words
from vdbgsh.transport.base import JSONObject

if TYPE_CHECKING:
    from vdbgsh.schema.model import Schema

_KEY_VALUE = re.compile(r"[A-Za-z_][\w.-]*=")
EXAMPLE = "e.g. vdbgsh exec DOMAIN --transaction 'block-dirty-bitmap-add node=n0 name=b0' 'abort'"


def reads_stdin(words: list[str]) -> bool:
    return "-" in words


def transaction_from(words: list[str], stdin: Iterable[str], schema: Schema | None) -> JSONObject:
    """The checked ``transaction`` request the command line's words (or stdin, after ``-``) describe."""
    properties_words, groups = _grouped(words)
    properties = _properties(properties_words, schema)
    if groups == [["-"]]:
        actions = _from_lines(stdin, schema)
    else:
        if ["-"] in groups:
            raise UsageError("'-' reads the actions from stdin: give them there, not on the command line too")
        actions = [_action(group, number, schema) for number, group in enumerate(groups, start=1)]
    if not actions:
        raise UsageError("the transaction has no actions", EXAMPLE)
    request = transaction_request([action.message for action in actions], properties)
    if all(action.checked for action in actions):
        problem = transaction_problem(schema, request)
        if problem:
            raise UsageError(f"the transaction does not fit the schema: {problem}")
    return request


def _grouped(words: list[str]) -> tuple[list[str], list[list[str]]]:
    """The properties (``key=value`` before any action), then each action's arguments."""
    properties: list[str] = []
    groups: list[list[str]] = []
    for word in words:
        if _KEY_VALUE.match(word):
            (groups[-1] if groups else properties).append(word)
        else:
            groups.append([word])
    return properties, groups


def _properties(words: list[str], schema: Schema | None) -> JSONObject:
    if not words:
        return {}
    source, placed = positioned(words)
    try:
        return parse_properties(placed, source, schema)
    except ParseError as err:
        raise _numbered(err, "properties") from None


def _action(group: list[str], number: int, schema: Schema | None) -> Action:
    """One action: its first argument ('TYPE k=v ...' in one, or the type alone, or JSON), then key=value ones."""
    first, rest = group[0], group[1:]
    try:
        if first.lstrip().startswith("{"):
            if rest:
                raise UsageError(f"action {number}: unexpected '{rest[0]}' after its JSON", "put it inside the JSON")
            words = [Word(first, 0, len(first))]
            source = first
        else:
            words = split_words(first)
            source, extra = positioned(rest, first)
            words += extra
        if not words:
            raise ParseError("empty action", source, 0, EXAMPLE)
        return parse_action_words(words, source, schema)
    except ParseError as err:
        raise _numbered(err, f"action {number}") from None


def _from_lines(lines: Iterable[str], schema: Schema | None) -> list[Action]:
    actions = []
    for line_no, line in enumerate(lines, start=1):
        text = line.strip()
        if not text or text.startswith("#"):
            continue
        try:
            actions.append(parse_action_line(text, schema))
        except ParseError as err:
            raise _numbered(err, f"line {line_no}") from None
    return actions


def _numbered(err: ParseError, where: str) -> ParseError:
    return ParseError(f"{where}: {err.message}", err.source, err.offset, err.hint)
