"""``cmd key=value ...`` typed and checked against the schema, with a caret under the first fault.

The words' tree is typed member by member: a flat union's variant members are known only once its tag is seen,
wherever it stands on the line.
"""

from __future__ import annotations

from typing import Any

from vdbgsh.schema.model import OPEN_ARGUMENT_COMMANDS, Schema, SchemaType
from vdbgsh.syntax.arguments_tree import Leaf, Tree, first_key_at, list_indexes, loose_node
from vdbgsh.syntax.errors import ParseError
from vdbgsh.syntax.values import ValueProblem, did_you_mean, value_from_text
from vdbgsh.transport.base import JSONObject


class Typer:
    """Types a tree against a command's argument type; raises ParseError at the first fault."""

    def __init__(self, schema: Schema, command: str, source: str) -> None:
        self.schema = schema
        self.command = command
        self.source = source

    def arguments(self, tree: Tree) -> JSONObject:
        arg_type = self.schema.arguments(self.command)
        return self._object(arg_type, tree, "", open_members=self.command in OPEN_ARGUMENT_COMMANDS)

    def members_of(self, type_name: str, tree: Tree) -> JSONObject:
        """The tree typed as an object of ``type_name``: a transaction action's data, its properties."""
        return self._object(self.schema.type(type_name), tree, "")

    def _value(self, type_name: str, node: Tree | Leaf, path: str) -> Any:
        schema_type = self.schema.type(type_name)
        if isinstance(node, Leaf):
            try:
                return value_from_text(self.schema, type_name, node.text)
            except ValueProblem as problem:
                raise ParseError(f"{path}: {problem}", self.source, node.value_at) from None
        meta = schema_type.meta
        if meta == "alternate":
            return self._alternate_tree(schema_type, node, path)
        if meta == "array":
            return self._array(schema_type, node, path)
        if meta == "object":
            return self._object(schema_type, node, path)
        if meta == "builtin" and schema_type.json_type == "value":
            return loose_node(node, path, self.source)
        raise ParseError(
            f"'{path}' is {self.schema.describe(type_name)}: it has no members", self.source, first_key_at(node)
        )

    def _object(self, schema_type: SchemaType, tree: Tree, path: str, *, open_members: bool = False) -> JSONObject:
        raw_tags = {key: node.text for key, node in tree.items() if isinstance(node, Leaf)}
        members = {member.name: member for member in self.schema.members(schema_type, raw_tags)}
        result: JSONObject = {}
        prefix = f"{path}." if path else ""
        for key, node in tree.items():
            member = members.get(key)
            if member is None:
                if open_members:
                    result[key] = loose_node(node, prefix + key, self.source)
                    continue
                raise ParseError(
                    f"unknown argument '{prefix}{key}'{did_you_mean(key, list(members))}",
                    self.source,
                    first_key_at(node),
                    _expected_members(members) if members else f"{self.command} takes no arguments here",
                )
            result[key] = self._value(member.type, node, prefix + key)
        for name, member in members.items():
            if not member.optional and name not in tree:
                raise ParseError(
                    f"missing required argument '{prefix}{name}' ({self.schema.describe(member.type, 1)})",
                    self.source,
                    len(self.source),
                )
        return result

    def _array(self, schema_type: SchemaType, tree: Tree, path: str) -> list[Any]:
        indexes = list_indexes(tree, path, self.source)
        return [self._value(schema_type.element, tree[key], f"{path}.{key}") for key in indexes]

    def _alternate_tree(self, schema_type: SchemaType, tree: Tree, path: str) -> Any:
        wanted = "array" if all(key.isdigit() for key in tree) else "object"
        for alternative in schema_type.alternatives:
            if self.schema.type(alternative).meta == wanted:
                return self._value(alternative, tree, path)
        raise ParseError(
            f"'{path}' is {self.schema.describe(schema_type.name)}: it has no members",
            self.source,
            first_key_at(tree),
        )


def _expected_members(members: dict[str, Any]) -> str:
    names = list(members)
    shown = ", ".join(names[:10]) + (f", … ({len(names)} in all)" if len(names) > 10 else "")
    return f"expected one of: {shown}"
