"""Dotted key paths: the tree of raw values a line has given so far, and the schema type a path leads to.

The tree is lenient where the request parser is strict: completion must work on half-written, even wrong, lines.
List indexes stay string keys ("0") of a dict; values stay the raw strings the user typed.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from typing import Any

from vdbgsh.schema.model import Schema, SchemaType


def given_tree(pairs: Iterable[tuple[str, str]]) -> dict[str, Any]:
    """Nest ``(dotted key, raw value)`` pairs: ``file.driver=file`` -> ``{"file": {"driver": "file"}}``."""
    tree: dict[str, Any] = {}
    for key, value in pairs:
        *parents, last = key.split(".")
        node = tree
        for part in parents:
            child = node.get(part)
            if not isinstance(child, dict):
                child = node[part] = {}
            node = child
        if not isinstance(node.get(last), dict):
            node[last] = value
    return tree


def subtree(given: Mapping[str, Any], path: Iterable[str]) -> Mapping[str, Any]:
    node: Mapping[str, Any] = given
    for part in path:
        child = node.get(part)
        if not isinstance(child, Mapping):
            return {}
        node = child
    return node


def command_type(schema: Schema, command: str) -> str:
    info = schema.commands.get(command)
    return info.arg_type if info is not None else ""


def resolve(schema: Schema, type_name: str, path: Iterable[str], given: Mapping[str, Any]) -> str:
    """The type ``path`` leads to from ``type_name``; "" when the schema does not say (unknown or open member)."""
    for part in path:
        type_name = _step(schema, type_name, part, given)
        if not type_name:
            return ""
        given = subtree(given, (part,))
    return type_name


def _step(schema: Schema, type_name: str, part: str, given: Mapping[str, Any]) -> str:
    if not type_name:
        return ""
    schema_type = schema.type(type_name)
    if schema_type.meta == "array":
        return schema_type.element if part.isdigit() else ""
    if schema_type.meta == "object":
        member = schema.member(schema_type, part, given)
        return member.type if member is not None else ""
    if schema_type.meta == "alternate":
        for alternative in schema_type.alternatives:
            found = _step(schema, alternative, part, given)
            if found:
                return found
    return ""


def structured(schema: Schema, type_name: str) -> SchemaType | None:
    """The object or array a type is, or offers as one of its alternatives; None for scalars."""
    if not type_name:
        return None
    schema_type = schema.type(type_name)
    if schema_type.meta in ("object", "array"):
        return schema_type
    if schema_type.meta == "alternate":
        for alternative in schema_type.alternatives:
            found = structured(schema, alternative)
            if found is not None:
                return found
    return None


def variant_key(schema: Schema, object_type: SchemaType, given: Mapping[str, Any]) -> tuple[str, ...]:
    """The tag values that select an object's variants (nested unions included): what its member list depends on."""
    key: list[str] = []
    while object_type.tag:
        value = given.get(object_type.tag)
        if not isinstance(value, str):
            break
        variant = next((name for case, name in object_type.variants if case == value), None)
        if variant is None:
            break
        key.append(value)
        object_type = schema.type(variant)
    return tuple(key)
