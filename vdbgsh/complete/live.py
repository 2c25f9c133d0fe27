"""Live values from the guest: ids, node names, device types and properties, QOM paths.

Queries go through ``QueryCache``; a failed query, a QMP error or an odd reply gives no candidates, never an
exception.
"""

from __future__ import annotations

import asyncio
import time
from collections.abc import Awaitable, Callable, Mapping
from typing import Any

from vdbgsh.complete.candidates import BOOLEAN_WORDS, Candidate, value_candidate
from vdbgsh.complete.context import ArgumentName, ArgumentValue, Suggestion
from vdbgsh.complete.paths import subtree
from vdbgsh.complete.query_cache import Execute, QueryCache
from vdbgsh.complete.sources import Source, name_sources, value_sources
from vdbgsh.transport.base import JSONObject

Fetcher = Callable[[ArgumentName | ArgumentValue], Awaitable[list[Candidate]]]


def records(value: Any) -> list[Mapping[str, Any]]:
    """The objects of a list reply; anything else in it (or no list at all) is ignored."""
    return [item for item in value if isinstance(item, Mapping)] if isinstance(value, list) else []


def _inner_type(qom_type: str) -> str:
    """``child<virtio-balloon-pci>`` -> ``virtio-balloon-pci``."""
    return qom_type[qom_type.find("<") + 1 : -1] if qom_type.endswith(">") else qom_type


def _listed_values(description: str) -> list[str]:
    """Values a device property's description spells as ``a/b/c`` (QEMU does for on/off/auto and policies)."""
    last = description.rsplit(" ", 1)[-1]
    parts = last.split("/")
    return parts if len(parts) > 1 and all(part.replace("-", "").isalnum() for part in parts) else []


class LiveValues:
    """Candidates the guest knows and the schema does not; ``execute`` is ``Monitor.execute``."""

    def __init__(self, execute: Execute, *, ttl: float = 3.0, clock: Callable[[], float] = time.monotonic) -> None:
        self._queries = QueryCache(execute, ttl=ttl, clock=clock)
        self._fetchers: dict[Source, Fetcher] = {
            Source.DEVICE_IDS: self._device_ids,
            Source.DEVICE_TYPES: self._device_types,
            Source.DEVICE_PROPERTIES: self._device_properties,
            Source.DEVICE_PROPERTY_VALUES: self._device_property_values,
            Source.BLOCK_BACKENDS: self._block_backends,
            Source.BLOCK_QDEVS: self._block_qdevs,
            Source.NODE_NAMES: self._node_names,
            Source.JOB_IDS: self._job_ids,
            Source.CHARDEV_IDS: self._chardev_ids,
            Source.OBJECT_IDS: self._object_ids,
            Source.EXPORT_IDS: self._export_ids,
            Source.QOM_PATHS: self._qom_paths,
            Source.QOM_PROPERTIES: self._qom_properties,
            Source.MIGRATE_CAPABILITIES: self._migrate_capabilities,
            Source.TRACE_EVENTS: self._trace_events,
            Source.VIRTIO_PATHS: self._virtio_paths,
            Source.BITMAPS: self._bitmaps,
        }

    def forget(self) -> None:
        """Drop what is cached: after a command that may have changed the guest, the next Tab asks again."""
        self._queries.forget()

    async def query(self, command: str, arguments: JSONObject | None = None) -> Any:
        return await self._queries.query(command, arguments)

    async def candidates(self, suggestion: Suggestion) -> list[Candidate]:
        """Unranked candidates for a suggestion, without duplicates; [] when the guest has none or fails."""
        if isinstance(suggestion, ArgumentName):
            sources = name_sources(suggestion.command, suggestion.path_prefix, suggestion.given)
        elif isinstance(suggestion, ArgumentValue):
            sources = value_sources(suggestion.command, suggestion.path)
        else:
            return []
        found = await asyncio.gather(*(self._fetchers[source](suggestion) for source in sources))
        seen: set[str] = set()
        unique = []
        for candidate in (candidate for batch in found for candidate in batch):
            if candidate.text not in seen:
                seen.add(candidate.text)
                unique.append(candidate)
        return unique

    async def _children(self, path: str) -> list[tuple[str, str]]:
        """(name, type) of the child<> and link<> properties of a QOM object."""
        return [
            (str(record["name"]), str(record.get("type", "")))
            for record in records(await self.query("qom-list", {"path": path}))
            if "name" in record and str(record.get("type", "")).startswith(("child<", "link<"))
        ]

    async def _device_ids(self, _: ArgumentName | ArgumentValue) -> list[Candidate]:
        named, anonymous = await asyncio.gather(
            self._children("/machine/peripheral"), self._children("/machine/peripheral-anon")
        )
        found = [value_candidate(name, _inner_type(kind)) for name, kind in named]
        for name, kind in anonymous:
            path = f"/machine/peripheral-anon/{name}"
            found.append(value_candidate(path, _inner_type(kind)))
        return found

    async def _device_types(self, _: ArgumentName | ArgumentValue) -> list[Candidate]:
        types = await self.query("qom-list-types", {"implements": "device", "abstract": False})
        return [value_candidate(str(t["name"]), str(t.get("parent", ""))) for t in records(types) if "name" in t]

    async def _properties_of(self, driver: Any) -> list[Mapping[str, Any]]:
        if not isinstance(driver, str) or not driver:
            return []
        found = records(await self.query("device-list-properties", {"typename": driver}))
        # child<> properties are the device's own parts, not settable.
        return [p for p in found if "name" in p and not str(p.get("type", "")).startswith("child<")]

    async def _device_properties(self, suggestion: ArgumentName | ArgumentValue) -> list[Candidate]:
        given = suggestion.given
        found = []
        for prop in await self._properties_of(given.get("driver")):
            name = str(prop["name"])
            if name in given:
                continue
            description = str(prop.get("description", ""))
            meta = " · ".join(part for part in (str(prop.get("type", "")), description) if part)
            found.append(Candidate(name, name + "=", name, meta))
        return found

    async def _device_property_values(self, suggestion: ArgumentName | ArgumentValue) -> list[Candidate]:
        if not isinstance(suggestion, ArgumentValue):
            return []
        wanted = suggestion.path[0]
        for prop in await self._properties_of(suggestion.given.get("driver")):
            if prop["name"] != wanted:
                continue
            kind = str(prop.get("type", ""))
            if kind == "bool":
                return [value_candidate(word, "bool") for word in BOOLEAN_WORDS]
            if kind.startswith("link<"):
                return [c for c in await self._object_ids(suggestion) if c.meta == _inner_type(kind)]
            return [value_candidate(value, kind) for value in _listed_values(str(prop.get("description", "")))]
        return []

    async def _block_backends(self, _: ArgumentName | ArgumentValue) -> list[Candidate]:
        found = []
        for block in records(await self.query("query-block")):
            if block.get("device"):
                inserted = block.get("inserted")
                node = inserted.get("node-name", "") if isinstance(inserted, Mapping) else ""
                found.append(value_candidate(str(block["device"]), f"block backend {node}".rstrip()))
        return found

    async def _block_qdevs(self, _: ArgumentName | ArgumentValue) -> list[Candidate]:
        return [
            value_candidate(str(block["qdev"]), f"device of {block.get('device') or 'an anonymous backend'}")
            for block in records(await self.query("query-block"))
            if block.get("qdev")
        ]

    async def _node_names(self, _: ArgumentName | ArgumentValue) -> list[Candidate]:
        nodes = await self.query("query-named-block-nodes", {"flat": True})
        return [
            value_candidate(str(node["node-name"]), f"{node.get('drv', '')} {node.get('file', '')}".strip())
            for node in records(nodes)
            if node.get("node-name")
        ]

    async def _job_ids(self, _: ArgumentName | ArgumentValue) -> list[Candidate]:
        jobs, block_jobs = await asyncio.gather(self.query("query-jobs"), self.query("query-block-jobs"))
        found = [
            value_candidate(str(job["id"]), f"{job.get('type', '')} job, {job.get('status', '')}")
            for job in records(jobs)
            if "id" in job
        ]
        found += [
            value_candidate(str(job["device"]), f"{job.get('type', '')} block job")
            for job in records(block_jobs)
            if "device" in job
        ]
        return found

    async def _chardev_ids(self, _: ArgumentName | ArgumentValue) -> list[Candidate]:
        return [
            value_candidate(str(chardev["label"]), str(chardev.get("filename", "")))
            for chardev in records(await self.query("query-chardev"))
            if "label" in chardev
        ]

    async def _object_ids(self, _: ArgumentName | ArgumentValue) -> list[Candidate]:
        return [value_candidate(name, _inner_type(kind)) for name, kind in await self._children("/objects")]

    async def _export_ids(self, _: ArgumentName | ArgumentValue) -> list[Candidate]:
        return [
            value_candidate(str(export["id"]), f"{export.get('type', '')} export of {export.get('node-name', '')}")
            for export in records(await self.query("query-block-exports"))
            if "id" in export
        ]

    async def _qom_paths(self, suggestion: ArgumentName | ArgumentValue) -> list[Candidate]:
        """The children of the object whose path is typed up to its last '/': QOM is walked as the user types."""
        typed = suggestion.prefix
        if typed and not typed.startswith("/"):
            return []
        parent = typed[: typed.rfind("/") + 1] or "/"
        return [
            Candidate(parent + name, value_candidate(parent + name).text, name, kind)
            for name, kind in await self._children(parent.rstrip("/") or "/")
        ]

    async def _qom_properties(self, suggestion: ArgumentName | ArgumentValue) -> list[Candidate]:
        path = suggestion.given.get("path")
        if not isinstance(path, str) or not path:
            return []
        listed = records(await self.query("qom-list", {"path": path}))
        return [value_candidate(str(p["name"]), str(p.get("type", ""))) for p in listed if "name" in p]

    async def _migrate_capabilities(self, _: ArgumentName | ArgumentValue) -> list[Candidate]:
        return [
            value_candidate(str(item["capability"]), "now on" if item.get("state") else "now off")
            for item in records(await self.query("query-migrate-capabilities"))
            if "capability" in item
        ]

    async def _trace_events(self, _: ArgumentName | ArgumentValue) -> list[Candidate]:
        events = await self.query("trace-event-get-state", {"name": "*"})
        return [value_candidate(str(e["name"]), str(e.get("state", ""))) for e in records(events) if "name" in e]

    async def _bitmaps(self, suggestion: ArgumentName | ArgumentValue) -> list[Candidate]:
        """The dirty bitmaps of the node named beside the value (a merge's bitmaps.N.node), else by the command's
        node (or device); of every node when none is given or it names no node."""
        given = suggestion.given
        path = suggestion.path if isinstance(suggestion, ArgumentValue) else ()
        beside = subtree(given, path[:-1])
        wanted = beside.get("node") if len(path) > 1 else None
        wanted = wanted or given.get("node") or given.get("device")
        nodes = records(await self.query("query-named-block-nodes", {"flat": True}))
        if any(node.get("node-name") == wanted for node in nodes):
            nodes = [node for node in nodes if node.get("node-name") == wanted]
        return [
            value_candidate(str(bitmap["name"]), f"bitmap on {node.get('node-name')}")
            for node in nodes
            for bitmap in records(node.get("dirty-bitmaps"))
            if "name" in bitmap
        ]

    async def _virtio_paths(self, _: ArgumentName | ArgumentValue) -> list[Candidate]:
        return [
            value_candidate(str(device["path"]), str(device.get("name", "")))
            for device in records(await self.query("x-query-virtio"))
            if "path" in device
        ]
