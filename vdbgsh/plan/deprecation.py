"""Deprecated commands and members, said before they are sent: QEMU's schema marks them (feature
``deprecated``) but sends them without a word, and they go away in a later QEMU. One note per command and member
per session (a PlanContext), naming what replaces it where QEMU's docs say (docs/about/deprecated.rst)."""

from __future__ import annotations

from collections.abc import Iterator
from typing import TYPE_CHECKING, Any

from vdbgsh.transport.base import JSONObject

if TYPE_CHECKING:
    from vdbgsh.schema.model import Schema

# What QEMU's deprecation notes name instead, by command and by "command.member" (or ".member" for any command).
REPLACEMENTS = {
    "drive-backup": "blockdev-backup (its target added by blockdev-add)",
    "nbd-server-add": "block-export-add type=nbd",
    "nbd-server-remove": "block-export-del",
    "block-commit.base": "base-node",
    "block-commit.top": "top-node",
    "migrate.blk": "blockdev-mirror to an NBD export before migrating",
    "migrate.inc": "blockdev-mirror to an NBD export before migrating",
    # eject, blockdev-open-tray, blockdev-close-tray, blockdev-change-medium, block_set_io_throttle
    ".device": "id (the guest device's id or QOM path)",
}


def deprecation_note(schema: Schema, request: JSONObject, said: set[str]) -> str | None:
    """The note for what ``request`` uses that this QEMU deprecates and ``said`` does not hold yet (then added)."""
    name = request.get("execute", request.get("exec-oob"))
    command = schema.commands.get(name) if isinstance(name, str) else None
    if command is None or command.untyped:
        return None
    assert isinstance(name, str)
    parts: list[str] = []
    if command.deprecated and name not in said:
        said.add(name)
        parts.append(f"{name} is deprecated in this QEMU{_instead(REPLACEMENTS.get(name))}")
    arguments = request.get("arguments")
    if isinstance(arguments, dict):
        for path in _deprecated_members(schema, command.arg_type, arguments, ""):
            key = f"{name}.{path}"
            if key in said:
                continue
            said.add(key)
            last = path.rsplit(".", 1)[-1]
            replacement = REPLACEMENTS.get(key) or REPLACEMENTS.get(f".{last}")
            subject = f"{name}'s {path}" if not parts else f"its {path}"
            tail = " in this QEMU" if not parts else ""
            parts.append(f"{subject} is deprecated{tail}{_instead(replacement)}")
    return "; ".join(parts) or None


def _instead(replacement: str | None) -> str:
    return f": use {replacement} instead" if replacement else ""


def _deprecated_members(schema: Schema, type_name: str, value: Any, where: str) -> Iterator[str]:
    """The paths of the members given in ``value`` that the schema marks deprecated."""
    schema_type = schema.type(type_name)
    if schema_type.meta == "array" and isinstance(value, list):
        for index, element in enumerate(value):
            yield from _deprecated_members(schema, schema_type.element, element, f"{where}[{index}]")
    elif schema_type.meta == "alternate":
        from vdbgsh.syntax.values import check_value

        for alternative in schema_type.alternatives:
            if not check_value(schema, alternative, value, where):
                yield from _deprecated_members(schema, alternative, value, where)
                return
    elif schema_type.meta == "object" and isinstance(value, dict):
        for member in schema.members(schema_type, value):
            if member.name not in value:
                continue
            path = f"{where}.{member.name}" if where else member.name
            if "deprecated" in member.features:
                yield path
            yield from _deprecated_members(schema, member.type, value[member.name], path)
