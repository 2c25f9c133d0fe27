"""Candidates from the schema for each kind of suggestion: the second completion step, without I/O.

Indexes are built on first use and kept per schema: the command list once, an object's members once per variant
selection, an enum's values once. A keystroke then costs a scan of one sorted list.
"""

from __future__ import annotations

import textwrap
from collections.abc import Collection, Mapping, Sequence
from typing import Any, NamedTuple

from vdbgsh.complete.context import (
    ActionName,
    ArgumentName,
    ArgumentValue,
    CommandName,
    HmpInfo,
    MetaArgument,
    MetaCommand,
    Suggestion,
)
from vdbgsh.complete.matching import MatchIndex
from vdbgsh.complete.paths import command_type, resolve, structured, subtree, variant_key
from vdbgsh.hmp.table import Entry
from vdbgsh.render.qapi_docs import docs_for
from vdbgsh.schema.model import Member, Schema, SchemaType

BOOLEAN_WORDS = ("on", "off", "true", "false")
# Meta-commands whose argument is a command name.
COMMAND_METAS = frozenset({"help"})
# Longest argument or return summary in a command's meta: the completion menu has one line for it.
SUMMARY_WIDTH = 48
SENTENCE_WIDTH = 40  # QEMU's first sentence of a command's documentation, in its menu line

_SHELL_SPECIAL = frozenset(" \t\n'\"\\")


class Candidate(NamedTuple):
    name: str  # what the typed prefix is matched against
    text: str  # what replaces the typed part
    display: str
    meta: str = ""


def candidate_name(candidate: Candidate) -> str:
    return candidate.name


def quoted(value: str) -> str:
    """A value as a word of the line: single-quoted when it holds blanks, quotes or backslashes."""
    if value and not any(char in _SHELL_SPECIAL for char in value):
        return value
    return "'" + value.replace("'", "'\\''") + "'"


def value_candidate(value: str, meta: str = "") -> Candidate:
    return Candidate(value, quoted(value), value, meta)


def _clipped(text: str, width: int) -> str:
    if len(text) <= width:
        return text
    cut = text[: width - 1]
    # Cut at a member boundary so no name is shown half.
    boundary = cut.rfind(", ")
    return (cut[:boundary] if boundary > 0 else cut) + ", …}" if text.endswith("}") else cut + "…"


def flags(features: Collection[str]) -> list[str]:
    return [flag for flag in ("deprecated", "unstable") if flag in features]


def _hmp_meta(entry: Entry, schema: Schema) -> str:
    becomes = f"→ {entry.qmp}" if entry.qmp and entry.qmp in schema.commands else "HMP only"
    return _clipped(f"HMP · {becomes} · {entry.help}", 60)


class MetaWords(NamedTuple):
    """The shell's own commands as completion sees them; names are without the colon."""

    docs: Mapping[str, str]  # name -> one-line doc
    choices: Mapping[str, Sequence[str]]  # name -> the words its argument takes (":output pretty|compact|table")
    command_metas: Collection[str]  # those whose argument is a QMP command name, or ":META"


NO_METAS = MetaWords({}, {}, COMMAND_METAS)


class SchemaCandidates:
    """Static candidates for one schema and the shell's meta-commands."""

    def __init__(self, schema: Schema, metas: MetaWords = NO_METAS) -> None:
        self.schema = schema
        self._meta_words = metas
        self._commands: MatchIndex[Candidate] | None = None
        self._metas: dict[str, MatchIndex[Candidate]] = {}
        self._members: dict[tuple[str, tuple[str, ...]], MatchIndex[Candidate]] = {}
        self._values: dict[str, MatchIndex[Candidate]] = {}
        self._info: MatchIndex[Candidate] | None = None
        self._actions: MatchIndex[Candidate] | None = None
        self._read_only: MatchIndex[Candidate] | None = None
        self._events: MatchIndex[Candidate] | None = None
        self._docs = docs_for(schema.qemu)  # QEMU's words of this version, for the commands' menu lines

    def complete(self, suggestion: Suggestion) -> list[Candidate]:
        """Ranked candidates for ``suggestion``."""
        match suggestion:
            case CommandName(prefix):
                return self.commands().match(prefix)
            case MetaCommand(prefix):
                return self.metas("").match(prefix)
            case MetaArgument(meta, prefix):
                return self.meta_argument(meta, prefix)
            case ArgumentName():
                return self.argument_names(suggestion)
            case ArgumentValue(member_type=member_type, prefix=prefix):
                return self.values(member_type).match(prefix)
            case HmpInfo(prefix):
                return self.info_names().match(prefix)
            case ActionName(prefix):
                return self.actions().match(prefix) + self.read_only_commands().match(prefix)
        return []

    def actions(self) -> MatchIndex[Candidate]:
        """A transaction's action types, each with what it does and its arguments."""
        if self._actions is None:
            from vdbgsh.syntax.transaction import action_names, action_summary

            self._actions = MatchIndex(
                (
                    Candidate(name, name, name, _clipped(action_summary(self.schema, name), SUMMARY_WIDTH + 24))
                    for name in action_names(self.schema)
                ),
                candidate_name,
            )
        return self._actions

    def read_only_commands(self) -> MatchIndex[Candidate]:
        """The commands that still run inside a transaction block (the others are refused there)."""
        if self._read_only is None:
            from vdbgsh.guard.effects import classify_command

            self._read_only = MatchIndex(
                (
                    Candidate(name, name, name, " · ".join(filter(None, ["runs now", self.command_summary(name)])))
                    for name in self.schema.commands
                    if classify_command(name, {}, "").read_only
                ),
                candidate_name,
            )
        return self._read_only

    def info_names(self) -> MatchIndex[Candidate]:
        if self._info is None:
            from vdbgsh.hmp.versions import table_of

            info = table_of(self.schema).info
            self._info = MatchIndex(
                (Candidate(e.name[5:], e.name[5:], e.name[5:], _hmp_meta(e, self.schema)) for e in info),
                candidate_name,
            )
        return self._info

    def commands(self) -> MatchIndex[Candidate]:
        if self._commands is None:
            from vdbgsh.hmp.versions import table_of

            qmp = [Candidate(name, name, name, self.command_summary(name)) for name in self.schema.commands]
            # HMP's names as well: the shell translates them (aliases such as c and q left out of the menu).
            hmp = [
                Candidate(e.name, e.name, e.name, _hmp_meta(e, self.schema))
                for e in table_of(self.schema).commands
                if e.name not in self.schema.commands
            ]
            self._commands = MatchIndex([*qmp, *hmp], candidate_name)
        return self._commands

    def metas(self, inserted_prefix: str) -> MatchIndex[Candidate]:
        """Meta-command names; ``inserted_prefix`` is ":" where the colon is part of the replaced word."""
        index = self._metas.get(inserted_prefix)
        if index is None:
            index = self._metas[inserted_prefix] = MatchIndex(
                (
                    Candidate(name, inserted_prefix + name, ":" + name, doc)
                    for name, doc in self._meta_words.docs.items()
                ),
                candidate_name,
            )
        return index

    def meta_argument(self, meta: str, prefix: str) -> list[Candidate]:
        if meta in self._meta_words.command_metas:
            if prefix.startswith(":"):
                return self.metas(":").match(prefix[1:])
            return self.commands().match(prefix)
        if meta == "wait":
            return self.event_names().match(prefix)
        choices = self._meta_words.choices.get(meta, ())
        return MatchIndex((value_candidate(choice) for choice in choices), candidate_name).match(prefix)

    def event_names(self) -> MatchIndex[Candidate]:
        """The events this QEMU can send (for :wait), each with its data members."""
        if self._events is None:
            self._events = MatchIndex(
                (
                    Candidate(name, name, name, self._event_summary(info.arg_type))
                    for name, info in self.schema.events.items()
                ),
                candidate_name,
            )
        return self._events

    def _event_summary(self, arg_type: str) -> str:
        members = self.schema.members(self.schema.type(arg_type)) if arg_type else ()
        return (
            _clipped("{" + ", ".join(m.name + ("?" if m.optional else "") for m in members) + "}", SUMMARY_WIDTH)
            if members
            else "no data"
        )

    def command_summary(self, name: str) -> str:
        """``deprecated · {id, force?} → {…}``: flags, the arguments, what it returns (when it returns something)."""
        info = self.schema.commands[name]
        if info.untyped:
            return ""
        shape = []
        arguments = self.schema.arguments(name)
        if arguments.members or arguments.tag:
            shape.append(_clipped(self.schema.describe(info.arg_type), SUMMARY_WIDTH))
        returned = self.schema.type(info.ret_type)
        if not (returned.meta == "object" and not returned.members and not returned.tag):
            shape.append("→ " + _clipped(self.schema.describe(info.ret_type), SUMMARY_WIDTH))
        parts = [*flags(info.features), " ".join(shape)] if shape else list(flags(info.features))
        # QEMU's own first sentence last: a narrow menu cuts it, never the shape before it.
        entry = self._docs.command(name) if self._docs is not None else None
        if entry is not None and entry.summary():
            parts.append(textwrap.shorten(entry.summary(), SENTENCE_WIDTH, placeholder="…"))
        return " · ".join(parts)

    def argument_names(self, suggestion: ArgumentName) -> list[Candidate]:
        schema = self.schema
        container_name = resolve(
            schema,
            suggestion.root or command_type(schema, suggestion.command),
            suggestion.path_prefix,
            suggestion.given,
        )
        container = structured(schema, container_name)
        level = subtree(suggestion.given, suggestion.path_prefix)
        if container is None:
            return []
        if container.meta == "array":
            # Positions already given stay offered: their element may still lack members.
            return self._indexes(container, level).match(suggestion.prefix)
        found = self._member_index(container, level).match(suggestion.prefix)
        return [candidate for candidate in found if candidate.name not in level]

    def _member_index(self, container: SchemaType, level: Mapping[str, Any]) -> MatchIndex[Candidate]:
        key = (container.name, variant_key(self.schema, container, level))
        index = self._members.get(key)
        if index is None:
            members = self.schema.members(container, level)
            index = self._members[key] = MatchIndex((self.member_candidate(m) for m in members), candidate_name)
        return index

    def member_candidate(self, member: Member) -> Candidate:
        described = self.schema.describe(member.type)
        notes = flags(member.features)
        if not member.optional:
            notes.append("required")
        meta = " · ".join([*notes, described])
        suffix = "." if self.schema.type(member.type).meta in ("object", "array") else "="
        return Candidate(member.name, member.name + suffix, member.name + ("" if member.optional else "*"), meta)

    def _indexes(self, array: SchemaType, level: Mapping[str, Any]) -> MatchIndex[Candidate]:
        """List positions: those already given, and the next one."""
        used = sorted(int(key) for key in level if key.isdigit())
        following = used[-1] + 1 if used else 0
        suffix = "." if structured(self.schema, array.element) is not None else "="
        meta = self.schema.describe(array.element)
        return MatchIndex(
            (Candidate(str(i), f"{i}{suffix}", str(i), meta) for i in [*used, following]),
            candidate_name,
        )

    def values(self, member_type: str) -> MatchIndex[Candidate]:
        index = self._values.get(member_type)
        if index is None:
            index = self._values[member_type] = MatchIndex(self._value_candidates(member_type), candidate_name)
        return index

    def _value_candidates(self, type_name: str) -> list[Candidate]:
        if not type_name:
            return []
        schema_type = self.schema.type(type_name)
        if schema_type.meta == "enum":
            return [value_candidate(value, "enum") for value in schema_type.values]
        if schema_type.meta == "builtin" and schema_type.json_type == "boolean":
            return [value_candidate(word, "bool") for word in BOOLEAN_WORDS]
        if schema_type.meta == "builtin" and schema_type.json_type == "null":
            return [value_candidate("null", "null")]
        if schema_type.meta == "alternate":
            return [found for alt in schema_type.alternatives for found in self._value_candidates(alt)]
        return []
