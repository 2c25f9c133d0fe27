"""The guest agent's schema: its commands from ``guest-info``, their types and docs from the shipped data.

The agent has no introspection. Which commands it has (and which are disabled, by ``--block-rpcs`` or a guest's
policy) it says in ``guest-info``; their arguments and types come from QEMU's qga/qapi-schema.json of the agent's
version, generated into vdbgsh/data/qga-schema-VERSION.json (scripts/gen_agent_schema.py). An agent newer than
every shipped file gets the nearest older one; an older agent than all of them, names only.

Written as a sans-I/O generator, like vdbgsh/schema/loading.py, so the shell and exec drive the same steps.
"""

from __future__ import annotations

import json
import re
from collections.abc import Generator, Mapping
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from vdbgsh.schema.loading import LoadedSchema, drive, drive_blocking
from vdbgsh.schema.model import Command, Schema
from vdbgsh.schema.shipped_data import DATA, nearest_older, versions_of
from vdbgsh.transport.base import BlockingMonitor, JSONObject, Monitor, Reply

DISABLED = "disabled"  # the feature a disabled command carries in the model: help marks it, completion skips it
_VERSION_FILE = re.compile(r"qga-schema-(\d+)\.(\d+)\.json")


@dataclass(frozen=True)
class AgentSchema(Schema):
    """A Schema, with what only the agent's has: QAPI's documentation and the agent's version."""

    docs: Mapping[str, Any] = field(default_factory=dict)
    agent_version: str = ""
    data_version: str = ""  # the shipped schema's version ("" names only)

    def doc(self, name: str) -> Mapping[str, Any]:
        found = self.docs.get(name)
        return found if isinstance(found, Mapping) else {}

    @property
    def disabled(self) -> list[str]:
        return sorted(name for name, command in self.commands.items() if DISABLED in command.features)


def shipped_versions(directory: Path = DATA) -> list[tuple[int, int]]:
    return [(major, minor) for major, minor in versions_of(_VERSION_FILE, directory)]


def chosen_version(agent_version: str, shipped: list[tuple[int, int]]) -> tuple[int, int] | None:
    """The shipped schema for an agent's version: its own MAJOR.MINOR, else the nearest older one."""
    found = re.match(r"(\d+)\.(\d+)", agent_version)
    if found is None:
        return None
    return nearest_older((int(found.group(1)), int(found.group(2))), shipped)


def load_data(version: tuple[int, int], directory: Path = DATA) -> dict[str, Any]:
    data: dict[str, Any] = json.loads((directory / f"qga-schema-{version[0]}.{version[1]}.json").read_text())
    return data


def agent_schema(info: Any, directory: Path = DATA) -> AgentSchema:
    """The schema ``guest-info``'s answer (``info``) describes, typed from the shipped data where it can be."""
    info = info if isinstance(info, Mapping) else {}
    agent_version = str(info.get("version", ""))
    listed = [c for c in info.get("supported_commands", []) if isinstance(c, Mapping) and "name" in c]
    version = chosen_version(agent_version, shipped_versions(directory))
    data = load_data(version, directory) if version is not None else {}
    typed = Schema.from_introspection(data.get("schema", []))
    commands: dict[str, Command] = {}
    for entry in listed:
        name = str(entry["name"])
        known = typed.commands.get(name)
        command = known if known is not None else Command(name, "", "", untyped=True)
        if not entry.get("enabled", True):
            command = Command(
                command.name,
                command.arg_type,
                command.ret_type,
                command.allow_oob,
                (*command.features, DISABLED),
                command.untyped,
            )
        commands[name] = command
    return AgentSchema(
        commands,
        types=typed.types,
        docs=data.get("docs", {}),
        agent_version=agent_version,
        data_version=f"{version[0]}.{version[1]}" if version is not None else "",
    )


def agent_schema_steps() -> Generator[JSONObject, Reply, LoadedSchema]:
    info = yield {"execute": "guest-info"}
    if not info.ok:
        return LoadedSchema(AgentSchema({}), "guest-info failed", "")
    schema = agent_schema(info.value)
    source = f"qga-schema-{schema.data_version}" if schema.data_version else "guest-info (names only)"
    return LoadedSchema(schema, source, f"agent-{schema.agent_version}")


async def load_agent_schema(monitor: Monitor) -> LoadedSchema:
    return await drive(agent_schema_steps(), monitor)


def load_agent_schema_blocking(monitor: BlockingMonitor) -> LoadedSchema:
    return drive_blocking(agent_schema_steps(), monitor)
