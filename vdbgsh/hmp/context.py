"""What a translation needs besides the line: the guest's schema, and the state HMP keeps between commands
(the current CPU of `cpu N`, the mouse buttons held)."""

from __future__ import annotations

from collections.abc import Callable, Mapping
from dataclasses import dataclass, field
from typing import Any

from vdbgsh.schema.model import Schema
from vdbgsh.syntax.arguments_tree import Leaf, Tree
from vdbgsh.syntax.errors import ParseError
from vdbgsh.syntax.values import ValueProblem, parse_bool, parse_int
from vdbgsh.transport.base import JSONObject

# QOM property types (device-list-properties) that are integers or booleans; anything else stays a string.
QOM_INTEGERS = frozenset(
    {"int8", "int16", "int32", "int64", "uint8", "uint16", "uint32", "uint64", "size", "int", "uint"}
)


# In a translation's hmp_args of `info cpus`: the CPU `cpu N` chose, for HMP's "*" mark (absent: none chosen, the
# first CPU is HMP's current). A blank in it: no HMP argument has that name.
CURRENT_CPU = "current cpu"


class TranslationError(Exception):
    """The line parses as HMP but cannot be translated; ``key`` names the HMP argument at fault."""

    def __init__(self, message: str, key: str = "") -> None:
        super().__init__(message)
        self.message = message
        self.key = key


@dataclass
class Context:
    schema: Schema | None = None
    cpu_index: int = 0
    # QOM path of each CPU by index, when known (info stats vcpu names the current CPU by its path).
    cpu_paths: Mapping[int, str] = field(default_factory=dict)
    mouse_buttons: int = 0
    # device-list-properties of a driver: {property: QOM type}; None when no guest is there to ask.
    device_properties: Callable[[str], Mapping[str, str] | None] | None = None
    notes: list[str] = field(default_factory=list)
    # Set per translation.
    entry_qmp: str = ""
    hmp_args: JSONObject = field(default_factory=dict)
    line: str = ""
    offsets: Mapping[str, int] = field(default_factory=dict)

    @property
    def cpu_path(self) -> str:
        return self.cpu_paths.get(self.cpu_index, f"/machine/unattached/device[{self.cpu_index}]")

    def at(self, key: str) -> int:
        return self.offsets.get(key, len(self.line))

    def typed_arguments(self, command: str, options: Mapping[str, Any], key: str) -> JSONObject:
        """HMP option strings typed by a QMP command's argument type (object_add, netdev_add)."""
        if self.schema is None or command not in self.schema.commands or self.schema.commands[command].untyped:
            self.notes.append("no schema: option values are sent as typed (JSON literal, else string)")
            from vdbgsh.syntax.arguments_tree import loose_value

            return {name: loose_value(value) if isinstance(value, str) else value for name, value in options.items()}
        from vdbgsh.syntax.schema_typing import Typer

        offset = self.at(key)
        tree = _tree(self._listify(self.schema.arguments(command).name, options), offset)
        return Typer(self.schema, command, self.line).arguments(tree)

    def typed_member(self, command: str, member: str, text: str, key: str) -> Any:
        """One member of a command's arguments, typed from its text (migrate_set_parameter NAME VALUE)."""
        if self.schema is None or command not in self.schema.commands:
            from vdbgsh.syntax.arguments_tree import loose_value

            return loose_value(text)
        found = self.schema.member(self.schema.arguments(command), member)
        if found is None:
            from vdbgsh.syntax.values import did_you_mean

            names = [m.name for m in self.schema.members(self.schema.arguments(command))]
            raise ParseError(f"unknown parameter '{member}'{did_you_mean(member, names)}", self.line, self.at(key))
        from vdbgsh.syntax.values import value_from_text

        try:
            return value_from_text(self.schema, found.type, text)
        except ValueProblem as problem:
            raise ParseError(f"{member}: {problem}", self.line, self.at("value")) from None

    def typed_device_properties(self, driver: str, options: Mapping[str, str]) -> JSONObject:
        """device_add options: the declared members by the schema, the driver's properties by their QOM type."""
        types = self.device_properties(driver) if self.device_properties is not None else None
        if types is None:
            self.notes.append(f"{driver}'s property types are not known here: values are sent as typed")
        result: JSONObject = {}
        for name, value in options.items():
            qom_type = (types or {}).get(name)
            try:
                if name in ("driver", "id", "bus"):
                    result[name] = value
                elif qom_type in QOM_INTEGERS:
                    result[name] = parse_int(value)
                elif qom_type == "bool":
                    result[name] = parse_bool(value)
                elif qom_type is not None:
                    result[name] = value
                else:
                    from vdbgsh.syntax.arguments_tree import loose_value

                    result[name] = loose_value(value)
            except ValueProblem as problem:
                raise ParseError(f"{name}: {problem}", self.line, self.at("device")) from None
        return result

    def _listify(self, type_name: str, options: Mapping[str, Any]) -> Mapping[str, Any]:
        """An option QEMU repeats (hostfwd=...) names a list of {"str": ...}: one given as text becomes one."""
        assert self.schema is not None
        members = {m.name: m for m in self.schema.members(self.schema.type(type_name), options)}
        result: dict[str, Any] = {}
        for name, value in options.items():
            member = members.get(name)
            if member is None or not isinstance(value, str) or self.schema.type(member.type).meta != "array":
                result[name] = value
                continue
            element = self.schema.type(self.schema.type(member.type).element)
            single = element.meta == "object" and len(element.members) == 1
            result[name] = {"0": {element.members[0].name: value}} if single else {"0": value}
        return result


def _tree(options: Mapping[str, Any], offset: int) -> Tree:
    return {
        name: _tree(value, offset) if isinstance(value, Mapping) else Leaf(str(value), offset, offset)
        for name, value in options.items()
    }
