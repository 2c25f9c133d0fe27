"""Help from the guest's own schema: an overview of every command, and one command's or event's arguments.

QEMU's introspection carries no documentation text, only shapes, so the help says what can be typed: names, types,
required or optional, enum values in full, the members a union's tag value adds, and the deprecated/unstable marks
QEMU attaches to commands and members. QEMU's own words for a command, its members and its events come from its
QAPI sources of the guest's version (render/qapi_docs.py) where they are shipped.
"""

from __future__ import annotations

import difflib
import math
import re
import textwrap
from collections.abc import Iterable, Mapping
from dataclasses import dataclass, field

from vdbgsh.render.ansi import paint
from vdbgsh.render.highlight import KEY, STRING
from vdbgsh.render.qapi_docs import EntryDoc, QapiDocs
from vdbgsh.schema.model import OPEN_ARGUMENT_COMMANDS, Member, Schema, SchemaType

BOLD = "\x1b[1m"
DIM = "\x1b[2m"
DEPRECATED = "\x1b[33m"
UNSTABLE = "\x1b[35m"
MARKS = (("deprecated", DEPRECATED), ("unstable", UNSTABLE))
NAME_COLUMN_MAX = 28  # a longer name pushes its own type out rather than every row's
STATUS_WIDTH = len("required")
SHOWN_VALUES = 6  # Schema.describe() lists this many enum values before it cuts with "…"
MIN_TEXT = 24  # narrower terminals overflow rather than wrap a type one letter per line


# (title, name prefixes, exact names); first match wins: the experimental x-* before everything, queries next,
# jobs before block (block-job-*).
GROUPS: tuple[tuple[str, tuple[str, ...], frozenset[str]], ...] = (
    ("experimental (x-*)", ("x-",), frozenset()),
    ("queries (query-*)", ("query-",), frozenset()),
    (
        "run state & machine",
        ("system_",),
        frozenset({"stop", "cont", "quit", "inject-nmi", "balloon", "set-action", "watchdog-set-action"})
        | frozenset({"dump-guest-memory", "memsave", "pmemsave", "dumpdtb", "rtc-reset-reinjection"})
        | frozenset({"set-numa-node", "sev-inject-launch-secret"}),
    ),
    ("jobs", ("job-", "block-job-"), frozenset()),
    ("block", ("block", "drive-", "nbd-server-"), frozenset({"eject", "change-backing-file", "transaction"})),
    (
        "migration & snapshots",
        ("migrate", "snapshot-", "xen-"),
        frozenset({"client_migrate_info", "calc-dirty-rate", "set-vcpu-dirty-limit", "cancel-vcpu-dirty-limit"}),
    ),
    ("devices & QOM", ("device_", "device-", "qom-", "object-"), frozenset()),
    ("chardev & network", ("chardev-", "netdev_", "ringbuf-"), frozenset({"set_link", "announce-self"})),
    (
        "display & input",
        ("input-", "display-"),
        frozenset({"send-key", "screendump", "set_password", "expire_password", "change-vnc-password", "add_client"}),
    ),
    (
        "monitor",
        (),
        frozenset({"qmp_capabilities", "human-monitor-command", "getfd", "closefd", "add-fd", "remove-fd", "yank"}),
    ),
)
OTHER = "other"
_VALUE = re.compile(r"[^,\s]+")  # one enum value in a wrapped, comma separated line


def group_commands(names: Iterable[str]) -> dict[str, list[str]]:
    """Group titles (in display order, empty groups left out) to sorted command names."""
    grouped: dict[str, list[str]] = {title: [] for title, _, _ in GROUPS}
    grouped[OTHER] = []
    for name in sorted(names):
        title = next((title for title, prefixes, exact in GROUPS if name in exact or name.startswith(prefixes)), OTHER)
        grouped[title].append(name)
    # Experimental last: it is the group a user should reach for least.
    order = [title for title, _, _ in GROUPS[1:]] + [OTHER, GROUPS[0][0]]
    return {title: grouped[title] for title in order if grouped[title]}


@dataclass
class _Doc:
    """Lines being written, with the width to wrap at and whether to colour."""

    schema: Schema
    width: int
    colour: bool
    lines: list[str] = field(default_factory=list)
    entry: EntryDoc | None = None  # QEMU's words for the command or event shown
    chosen: Mapping[str, str] = field(default_factory=dict)  # tag member -> the one value asked for (driver=qcow2)

    def paint(self, text: str, code: str) -> str:
        return paint(text, code, self.colour and bool(text))

    def marks(self, features: Iterable[str]) -> str:
        present = set(features)
        return "".join(" " + self.paint(f"({mark})", code) for mark, code in MARKS if mark in present)

    def text(self) -> str:
        return "\n".join(self.lines)

    # -- one object's members, recursively ------------------------------------------------------------------------

    def members(
        self, members: Iterable[Member], indent: int, expand: int, path: frozenset[str], texts: Mapping[str, str]
    ) -> None:
        members = tuple(members)
        if not members:
            return
        name_column = min(NAME_COLUMN_MAX, max(len(member.name) for member in members))
        for member in members:
            self.member(member, indent, name_column, expand, path, text=texts.get(member.name, ""))

    def member(
        self, member: Member, indent: int, name_column: int, expand: int, path: frozenset[str], *, text: str = ""
    ) -> None:
        status = "optional" if member.optional else "required"
        lead = " " * indent + self.paint(member.name, KEY) + " " * (max(name_column - len(member.name), 0) + 2)
        lead += self.paint(status, DIM) if member.optional else status
        text_column = indent + max(name_column, len(member.name)) + 2 + STATUS_WIDTH + 2
        wrapped = self.wrap(self.type_text(member.type), text_column)
        wrapped[-1] += self.marks(member.features)
        self.lines.append(lead + "  " + wrapped[0])
        self.lines.extend(" " * text_column + line for line in wrapped[1:])
        if text:
            self.prose(text, indent + 4, DIM)
        self.enum_values(member.type, text_column)
        inner = self.object_of(member.type)
        if expand > 0 and inner is not None and inner.name not in path:
            self.object(inner, indent + 4, expand - 1, path | {inner.name})

    def object(
        self,
        object_type: SchemaType,
        indent: int,
        expand: int,
        path: frozenset[str],
        texts: Mapping[str, str] | None = None,
    ) -> None:
        """``texts``: QEMU's words for these members, given for the command's or event's own object only."""
        self.members(object_type.members, indent, expand, path, texts or {})
        if object_type.tag:
            self.variants(object_type, indent, expand, path, texts is not None)

    def variants(self, union: SchemaType, indent: int, expand: int, path: frozenset[str], documented: bool) -> None:
        """Each tag value with the members it adds; a variant's members sit at the union's own level."""
        cases = union.variants
        chosen = self.chosen.get(union.tag)
        if chosen is not None:
            cases = tuple(case for case in union.variants if case[0] == chosen)
            if not cases:
                self.value_list(indent, f"no {union.tag}={chosen}; the values are: ", [c for c, _ in union.variants])
                return
        adding_nothing: list[str] = []
        for case, variant_name in cases:
            variant = self.schema.type(variant_name)
            if not variant.members and not variant.tag:
                adding_nothing.append(case)
                continue
            self.lines.append(" " * indent + self.paint(f"{union.tag}={case}", STRING) + " adds:")
            top = documented and self.entry is not None and indent == 2  # the command's own union, not one inside
            texts = self.entry.variants.get(case, {}) if top and self.entry is not None else None
            if variant_name not in path:
                self.object(variant, indent + 2, expand, path | {variant_name}, texts)
        if adding_nothing:
            self.value_list(indent, f"nothing more for {union.tag}=", adding_nothing)

    def object_of(self, type_name: str) -> SchemaType | None:
        """The object a member's type holds, directly or as list elements: what "one level down" opens."""
        schema_type = self.schema.type(type_name)
        if schema_type.meta == "array":
            schema_type = self.schema.type(schema_type.element)
        if schema_type.meta == "object" and (schema_type.members or schema_type.tag):
            return schema_type
        return None

    def type_text(self, type_name: str) -> str:
        """describe(), except that an enum too long for it to show whole gets a count: its values follow."""
        schema_type = self.schema.type(type_name)
        prefix = ""
        if schema_type.meta == "array":
            prefix, schema_type = "list of ", self.schema.type(schema_type.element)
        if schema_type.meta == "enum" and len(schema_type.values) > SHOWN_VALUES:
            return f"{prefix}enum ({len(schema_type.values)} values)"
        return self.schema.describe(type_name)

    def enum_values(self, type_name: str, column: int) -> None:
        """Every value of an enum the type holds (directly, in a list or as an alternative): describe() cuts them."""
        for enum in self.enums_in(type_name):
            if len(enum.values) <= SHOWN_VALUES:
                continue
            self.value_list(column, "values: ", enum.values)

    def value_list(self, column: int, lead: str, values: Iterable[str]) -> None:
        """``lead`` and the values, comma separated, wrapped under the first value."""
        start = column + len(lead)
        for number, line in enumerate(self.wrap(", ".join(values), start)):
            painted = _VALUE.sub(lambda match: self.paint(match[0], STRING), line) if self.colour else line
            self.lines.append((" " * column + lead if number == 0 else " " * start) + painted)

    def enums_in(self, type_name: str) -> list[SchemaType]:
        schema_type = self.schema.type(type_name)
        if schema_type.meta == "enum":
            return [schema_type]
        if schema_type.meta == "array":
            return self.enums_in(schema_type.element)
        if schema_type.meta == "alternate":
            return [enum for alternative in schema_type.alternatives for enum in self.enums_in(alternative)]
        return []

    def wrap(self, text: str, column: int) -> list[str]:
        room = max(MIN_TEXT, self.width - column)
        return textwrap.wrap(text, room, break_on_hyphens=False) or [""]

    def prose(self, text: str, indent: int, code: str = "") -> None:
        """QEMU's words, wrapped to the width at ``indent``; paragraphs and list items keep their own lines."""
        for paragraph in text.split("\n"):
            if not paragraph.strip():
                continue
            hanging = 2 if paragraph.startswith(("- ", "* ")) else 0
            room = max(MIN_TEXT, self.width - indent)
            for number, line in enumerate(textwrap.wrap(paragraph, room, break_on_hyphens=False)):
                lead = " " * (indent + (hanging if number else 0))
                self.lines.append(lead + (self.paint(line, code) if code else line))

    def documentation(self, indent: int) -> None:
        """The description, Since and the feature notes under the title."""
        if self.entry is None:
            return
        if self.entry.text:
            self.prose(self.entry.text, indent)
        if self.entry.note:
            self.prose("Note: " + self.entry.note, indent)
        for feature, text in self.entry.features.items():
            self.prose(f"{feature}: {text}", indent, DEPRECATED if feature == "deprecated" else UNSTABLE)
        if self.entry.since:
            self.lines.append(" " * indent + self.paint(f"since QEMU {self.entry.since}", DIM))

    def source_note(self, docs: QapiDocs | None) -> None:
        note = docs.source_note() if docs is not None and self.entry is not None else ""
        if note:
            self.lines.append(self.paint(f"({note})", DIM))


def help_command(
    schema: Schema,
    name: str,
    width: int,
    colour: bool,
    docs: QapiDocs | None = None,
    *,
    chosen: Mapping[str, str] | None = None,
) -> str:
    """What ``name`` takes and returns, as read from the schema, in QEMU's words where ``docs`` has them; close
    matches when there is no such command. ``chosen`` (driver=qcow2) shows that branch of a union only."""
    command = schema.commands.get(name)
    if command is None:
        return _unknown("command", name, schema.commands, schema.events)
    entry = docs.command(name) if docs is not None else None
    doc = _Doc(schema, width, colour, entry=entry, chosen=chosen or {})
    title = doc.paint(name, BOLD) + doc.marks(command.features)
    if command.allow_oob:
        title += " (allows out-of-band execution)"
    doc.lines.append(title)
    doc.documentation(2)
    others = [feature for feature in command.features if feature not in ("deprecated", "unstable")]
    if others:
        doc.lines.append(doc.paint("features: " + ", ".join(others), DIM))
    if command.untyped:
        doc.lines.append("arguments and reply unknown: this QEMU gave its command names only (no query-qmp-schema)")
        return doc.text()
    arguments = schema.arguments(name)
    unchosen = [key for key in doc.chosen if key != arguments.tag]
    if unchosen:  # help CMD foo=bar where nothing branches on foo: said, not silently ignored
        choice = f"only {arguments.tag}=VALUE does" if arguments.tag else "it has none"
        doc.lines.append(f"{', '.join(k + '=' for k in unchosen)} chooses none of {name}'s branches: {choice}")
    if arguments.members or arguments.tag:
        doc.lines.append(doc.paint("arguments:", BOLD))
        if entry is not None and entry.arguments_text:
            doc.prose(entry.arguments_text, 2)
        doc.object(arguments, 2, 1, frozenset({arguments.name}), entry.members if entry is not None else None)
    else:
        doc.lines.append(doc.paint("arguments:", BOLD) + " none")
    if name in OPEN_ARGUMENT_COMMANDS:
        doc.lines.append("  and the properties of the chosen driver (device-list-properties typename=DRIVER)")
    _returns(doc, command.ret_type)
    if entry is not None and entry.errors:
        doc.lines.append(doc.paint("errors:", BOLD))
        doc.prose(entry.errors, 2)
    doc.source_note(docs)
    return doc.text()


def _returns(doc: _Doc, ret_type: str) -> None:
    returned = doc.schema.type(ret_type)
    heading = doc.paint("returns:", BOLD)
    if returned.meta == "object" and not returned.members and not returned.tag:
        doc.lines.append(f"{heading} nothing ({{}})")
        if doc.entry is not None and doc.entry.returns:
            doc.prose(doc.entry.returns, 2)
        return
    doc.lines.append(f"{heading} {doc.schema.describe(ret_type)}")
    if doc.entry is not None and doc.entry.returns:
        doc.prose(doc.entry.returns, 2)
    doc.enum_values(ret_type, 2)
    inner = doc.object_of(ret_type)
    if inner is not None:
        doc.object(inner, 2, 1, frozenset({inner.name}))


def help_event(schema: Schema, name: str, width: int, colour: bool, docs: QapiDocs | None = None) -> str:
    """The data an event carries, in QEMU's words where ``docs`` has them."""
    event = schema.events.get(name)
    if event is None:
        return _unknown("event", name, schema.events, schema.commands)
    entry = docs.event(name) if docs is not None else None
    doc = _Doc(schema, width, colour, entry=entry)
    doc.lines.append(doc.paint(name, BOLD) + " (event)" + doc.marks(event.features))
    doc.documentation(2)
    data = schema.type(event.arg_type)
    if data.members or data.tag:
        doc.lines.append(doc.paint("data:", BOLD))
        doc.object(data, 2, 1, frozenset({data.name}), entry.members if entry is not None else None)
    else:
        doc.lines.append(doc.paint("data:", BOLD) + " none")
    doc.source_note(docs)
    return doc.text()


def _unknown(kind: str, name: str, known: Iterable[str], other_kind: Iterable[str]) -> str:
    if name in set(other_kind):
        return f"{name!r} is an event, not a command" if kind == "command" else f"{name!r} is a command, not an event"
    close = difflib.get_close_matches(name, list(known), n=5, cutoff=0.6)
    hint = f"; did you mean {', '.join(close)}?" if close else ""
    return f"unknown {kind} {name!r}{hint}"


def help_overview(schema: Schema, width: int, colour: bool) -> str:
    """Every command by group in columns, deprecated and unstable ones marked; the events last."""
    doc = _Doc(schema, width, colour)
    commands = schema.commands.values()
    deprecated = sum(command.deprecated for command in commands)
    unstable = sum(command.unstable for command in commands)
    doc.lines.append(
        f"{len(schema.commands)} commands ({deprecated} deprecated, {unstable} unstable), {len(schema.events)} events"
    )
    for title, names in group_commands(schema.commands).items():
        doc.lines.append(doc.paint(title, BOLD))
        _columns(doc, [(name, schema.commands[name].features) for name in names])
    if schema.events:
        doc.lines.append(doc.paint("events", BOLD))
        _columns(doc, [(name, schema.events[name].features) for name in sorted(schema.events)])
    return doc.text()


def _columns(doc: _Doc, entries: list[tuple[str, tuple[str, ...]]]) -> None:
    """Names in columns read downwards, like ls; a mark follows its name inside the cell."""
    plain = [name + "".join(f" ({mark})" for mark, _ in MARKS if mark in features) for name, features in entries]
    painted = [name + doc.marks(features) for name, features in entries]
    cell = max(len(text) for text in plain) + 2
    per_line = max(1, (doc.width - 2) // cell)
    rows = math.ceil(len(entries) / per_line)
    for row in range(rows):
        indices = range(row, len(entries), rows)
        line = "".join(painted[i] + " " * (cell - len(plain[i])) for i in indices)
        doc.lines.append("  " + line.rstrip())
