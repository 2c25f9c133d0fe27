"""What is being typed at the cursor, as a typed suggestion: the first of the two completion steps.

The line is ``CMD key=value ...`` (or ``!CMD ...``, sent unchecked but completed alike), a ``:meta`` command, or a
JSON object, for which there is nothing to suggest. Inside a transaction block it is an action, ``TYPE key=value
...``, whose arguments are those of the action type's data; ``:begin`` and ``:commit`` take the transaction's
properties as ``key=value``. Only the text before the cursor decides the suggestion; the text
after it only adds to the arguments already given.
"""

from __future__ import annotations

from collections.abc import Collection
from typing import Any, NamedTuple

from vdbgsh.complete.paths import command_type, given_tree, resolve
from vdbgsh.schema.model import Schema
from vdbgsh.syntax.meta import PROPERTY_METAS
from vdbgsh.syntax.transaction import TRANSACTION, action_types, properties_type
from vdbgsh.syntax.words import Word, split_words


class CommandName(NamedTuple):
    prefix: str


class MetaCommand(NamedTuple):
    prefix: str  # without the ':'


class MetaArgument(NamedTuple):
    meta: str  # the meta-command's name, without the ':'
    prefix: str


class ArgumentName(NamedTuple):
    command: str  # or a transaction's action type
    path_prefix: tuple[str, ...]  # the dotted key before the part being typed: ("file",) for "file.dri"
    prefix: str
    given: dict[str, Any]  # every argument on the line, nested by dotted key, values raw
    root: str = ""  # the type the arguments are members of, when not the command's (an action's data)


class ArgumentValue(NamedTuple):
    command: str
    path: tuple[str, ...]
    member_type: str  # schema type name; "" when the schema does not know the member
    prefix: str
    given: dict[str, Any]


class ActionName(NamedTuple):
    """The first word of a line inside a transaction block: an action type (or a read-only command to run)."""

    prefix: str


class Nothing(NamedTuple):
    pass


class HmpInfo(NamedTuple):
    """An `info` sub-command name being typed."""

    prefix: str


Suggestion = CommandName | MetaCommand | MetaArgument | ArgumentName | ArgumentValue | Nothing | HmpInfo | ActionName

NOTHING = Nothing()


class Analysis(NamedTuple):
    suggestion: Suggestion
    # Offset in the text before the cursor where the replaced part starts: a chosen candidate replaces
    # text[start:], raw characters (quotes included), not just the unquoted prefix.
    start: int
    hmp: bool = False  # an HMP line: arguments are positional words


def analyse(
    schema: Schema, before: str, after: str = "", bare_metas: Collection[str] = (), *, transaction: bool = False
) -> Analysis:
    """``bare_metas`` are meta-commands that also work without their colon (``help query-status``);
    ``transaction``: a transaction block is open, so the line is an action."""
    if before.lstrip().startswith("{"):
        return Analysis(NOTHING, len(before))
    words = split_words(before, partial=True)
    if not words or words[-1].end < len(before):
        current = Word("", len(before), len(before))
        done = words
    else:
        current = words[-1]
        done = words[:-1]
    if not done:
        return _first_word(current, transaction)
    first = done[0].text
    command = first.removeprefix("!")
    root = ""
    if first == ":watch" and len(done) >= 2:  # :watch SECONDS COMMAND...: the command completes as a line of its own
        offset = done[1].end
        inner = analyse(schema, before[offset:], after, bare_metas)
        return inner._replace(start=inner.start + offset)
    if first == ":wait" and len(done) >= 2:  # :wait EVENT member=value: the event's data members, as arguments
        event = schema.events.get(done[1].text)
        if event is None or not event.arg_type:
            return Analysis(NOTHING, current.start)
        command, root = ":wait", event.arg_type
    elif first.startswith(":") and first[1:] in PROPERTY_METAS:
        command, root = TRANSACTION, properties_type(schema)
    elif first.startswith(":") or (first in bare_metas and first not in schema.commands):
        if len(done) == 1:
            return Analysis(MetaArgument(first.removeprefix(":"), current.text), current.start)
        return Analysis(NOTHING, current.start)
    elif transaction and command in (kinds := action_types(schema)):
        root = kinds[command].data_type  # else a command run meanwhile: its own arguments
    given = given_tree(_pairs(done[1:] + _words_after(after)))
    if current.value_start < 0:
        *parents, prefix = current.text.split(".")
        start = current.start + before[current.start :].rfind(".") + 1
        return Analysis(ArgumentName(command, tuple(parents), prefix, given, root), start)
    key, _, value = current.text.partition("=")
    path = tuple(key.split("."))
    member_type = resolve(schema, root or command_type(schema, command), path, given)
    return Analysis(ArgumentValue(command, path, member_type, value, given), current.value_start)


def _first_word(current: Word, transaction: bool) -> Analysis:
    text = current.text
    if text.startswith(":"):
        return Analysis(MetaCommand(text[1:]), current.start + 1)
    if text.startswith("!"):
        return Analysis(CommandName(text[1:]), current.start + 1)
    if transaction:
        return Analysis(ActionName(text), current.start)
    return Analysis(CommandName(text), current.start)


def _words_after(after: str) -> list[Word]:
    words = split_words(after, partial=True)
    # A word touching the cursor is the one being typed, not one already given.
    if words and words[0].start == 0:
        words = words[1:]
    return words


def _pairs(words: list[Word]) -> list[tuple[str, str]]:
    pairs = []
    for word in words:
        key, sep, value = word.text.partition("=")
        if sep and key:
            pairs.append((key, value))
    return pairs
