"""A frozen model of ``query-qmp-schema``.

QEMU hides type names behind numbers ("186") in introspection, and maps every integer type (size, uint64 ...)
to the builtin "int": the model keeps what the guest says and describes types by their shape.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from dataclasses import dataclass, field
from typing import Any

# Commands whose arguments go beyond their declared members: device_add takes the driver's properties.
OPEN_ARGUMENT_COMMANDS = frozenset({"device_add"})


@dataclass(frozen=True, slots=True)
class Member:
    name: str
    type: str
    optional: bool = False
    features: tuple[str, ...] = ()


@dataclass(frozen=True, slots=True)
class SchemaType:
    """One type: ``meta`` is builtin, enum, array, object or alternate; the other fields apply by meta."""

    name: str
    meta: str
    json_type: str = ""  # builtin: string, int, number, boolean, null, value
    values: tuple[str, ...] = ()  # enum
    element: str = ""  # array
    members: tuple[Member, ...] = ()  # object
    tag: str = ""  # object with variants (a flat union): the discriminator member
    variants: tuple[tuple[str, str], ...] = ()  # (tag value, type with that case's extra members)
    alternatives: tuple[str, ...] = ()  # alternate
    features: tuple[str, ...] = ()


@dataclass(frozen=True, slots=True)
class Command:
    name: str
    arg_type: str
    ret_type: str
    allow_oob: bool = False
    features: tuple[str, ...] = ()
    # Known only from query-commands, without types: arguments cannot be checked.
    untyped: bool = False

    @property
    def deprecated(self) -> bool:
        return "deprecated" in self.features

    @property
    def unstable(self) -> bool:
        return "unstable" in self.features


@dataclass(frozen=True, slots=True)
class EventInfo:
    name: str
    arg_type: str
    features: tuple[str, ...] = ()


ANY = SchemaType("any", "builtin", json_type="value")
EMPTY_OBJECT = SchemaType("", "object")


@dataclass(frozen=True)
class Schema:
    commands: Mapping[str, Command]
    events: Mapping[str, EventInfo] = field(default_factory=dict)
    types: Mapping[str, SchemaType] = field(default_factory=dict)
    qemu: tuple[int, int, int] | None = None  # the QEMU version it is of (query-version), when known

    @classmethod
    def from_introspection(
        cls, entries: Iterable[Mapping[str, Any]], qemu: tuple[int, int, int] | None = None
    ) -> Schema:
        commands: dict[str, Command] = {}
        events: dict[str, EventInfo] = {}
        types: dict[str, SchemaType] = {}
        for entry in entries:
            meta = entry["meta-type"]
            name = entry["name"]
            features = tuple(entry.get("features", ()))
            if meta == "command":
                commands[name] = Command(
                    name, entry["arg-type"], entry["ret-type"], bool(entry.get("allow-oob")), features
                )
            elif meta == "event":
                events[name] = EventInfo(name, entry["arg-type"], features)
            else:
                types[name] = _type_from_entry(entry, features)
        return cls(commands, events, types, qemu)

    @classmethod
    def from_command_names(cls, names: Iterable[str], qemu: tuple[int, int, int] | None = None) -> Schema:
        """The fallback when query-qmp-schema is missing: names only, arguments unchecked."""
        return cls({name: Command(name, "", "", untyped=True) for name in names}, qemu=qemu)

    @property
    def typed(self) -> bool:
        return bool(self.types)

    def type(self, name: str) -> SchemaType:
        return self.types.get(name, ANY)

    def arguments(self, command: str) -> SchemaType:
        info = self.commands.get(command)
        return EMPTY_OBJECT if info is None or not info.arg_type else self.type(info.arg_type)

    def members(self, object_type: SchemaType, given: Mapping[str, Any] | None = None) -> tuple[Member, ...]:
        """The members an object has: its own, plus those of the variant its tag selects (if given)."""
        if object_type.meta != "object":
            return ()
        if not object_type.tag or given is None:
            return object_type.members
        tag_value = given.get(object_type.tag)
        for case, variant in object_type.variants:
            if case == tag_value:
                return object_type.members + self.members(self.type(variant), given)
        return object_type.members

    def member(self, object_type: SchemaType, name: str, given: Mapping[str, Any] | None = None) -> Member | None:
        for candidate in self.members(object_type, given):
            if candidate.name == name:
                return candidate
        return None

    def describe(self, type_name: str, depth: int = 0) -> str:
        """A short human description of a type: str, int, enum a|b|c, list of str, {a, b?}, str or {...}."""
        schema_type = self.type(type_name)
        meta = schema_type.meta
        if meta == "builtin":
            return {"string": "str", "boolean": "bool", "value": "any"}.get(schema_type.json_type, type_name)
        if meta == "enum":
            shown = "|".join(schema_type.values[:6])
            return f"enum {shown}{'|…' if len(schema_type.values) > 6 else ''}"
        if meta == "array":
            return f"list of {self.describe(schema_type.element, depth + 1)}"
        if meta == "alternate":
            return " or ".join(self.describe(alt, depth + 1) for alt in schema_type.alternatives)
        if depth > 0:
            return "{…}"
        names = [m.name + ("?" if m.optional else "") for m in schema_type.members]
        if schema_type.tag:
            names.append("…")
        return "{" + ", ".join(names) + "}" if names else "{}"


def _type_from_entry(entry: Mapping[str, Any], features: tuple[str, ...]) -> SchemaType:
    meta = entry["meta-type"]
    name = entry["name"]
    if meta == "builtin":
        return SchemaType(name, meta, json_type=entry["json-type"], features=features)
    if meta == "enum":
        return SchemaType(name, meta, values=tuple(entry.get("values", ())), features=features)
    if meta == "array":
        return SchemaType(name, meta, element=entry["element-type"], features=features)
    if meta == "alternate":
        return SchemaType(name, meta, alternatives=tuple(m["type"] for m in entry["members"]), features=features)
    members = tuple(
        Member(m["name"], m["type"], "default" in m, tuple(m.get("features", ()))) for m in entry.get("members", ())
    )
    variants = tuple((v["case"], v["type"]) for v in entry.get("variants", ()))
    return SchemaType(name, "object", members=members, tag=entry.get("tag", ""), variants=variants, features=features)


def qemu_version(value: Any) -> tuple[int, int, int] | None:
    """(major, minor, micro) from query-version's return; None when it is not that shape (a hostile or odd QEMU)."""
    qemu = value.get("qemu") if isinstance(value, dict) else None
    if not isinstance(qemu, dict):
        return None
    parts = [qemu.get(key) for key in ("major", "minor", "micro")]
    if not all(isinstance(part, int) and not isinstance(part, bool) and 0 <= part < 10_000 for part in parts):
        return None
    return (int(parts[0]), int(parts[1]), int(parts[2]))  # type: ignore[arg-type]
