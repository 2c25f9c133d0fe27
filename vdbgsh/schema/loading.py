"""Getting the guest's schema: from the cache when this QEMU build was seen before, else from the guest.

The steps are written once, as a generator that yields the requests it needs and receives their replies
(sans-I/O), so the async shell and the blocking one-shot path drive the same logic.

The cache key is QEMU's version and package, its command list and, where the transport knows it, the
emulator binary's identity (path, size, mtime): a rebuilt or upgraded QEMU gets a new key, never a stale
schema. Two builds with the same version, commands and binary identity are treated as one.
"""

from __future__ import annotations

import hashlib
import json
import os
import tempfile
from collections.abc import Generator
from pathlib import Path
from typing import Any, NamedTuple

from vdbgsh.schema.model import Schema, qemu_version
from vdbgsh.transport.base import BlockingMonitor, JSONObject, Monitor, Reply

SCHEMA_FORMAT = 2  # bump when the cached file's layout changes (2: the QEMU version beside the introspection)


class LoadedSchema(NamedTuple):
    schema: Schema
    source: str  # "cache", "guest" (query-qmp-schema) or "query-commands" (names only)
    key: str
    version: Any = None  # query-version's return, as QEMU gave it (the banner shows it; schema.qemu is parsed)


class SchemaCache:
    def __init__(self, directory: Path) -> None:
        self.directory = directory

    @classmethod
    def default(cls) -> SchemaCache:
        from platformdirs import user_cache_dir

        return cls(Path(user_cache_dir("vdbgsh")) / "schema")

    def path(self, key: str) -> Path:
        return self.directory / f"{key}.json"

    def _read(self, key: str) -> dict[str, Any] | None:
        try:
            stored = json.loads(self.path(key).read_text())
        except (OSError, ValueError):
            return None  # missing or damaged: fetch it again
        return stored if isinstance(stored, dict) else None

    def load(self, key: str) -> list[Any] | None:
        """The introspection entries stored under ``key``."""
        return self.load_with_version(key)[0]

    def load_version(self, key: str) -> tuple[int, int, int] | None:
        """The version of the QEMU whose schema is stored under ``key`` (an offline translation uses its HMP)."""
        return self.load_with_version(key)[1]

    def load_with_version(self, key: str) -> tuple[list[Any] | None, tuple[int, int, int] | None]:
        """Both, from one read of the file."""
        stored = self._read(key)
        if stored is None:
            return None, None
        entries = stored.get("introspection")
        return (entries if isinstance(entries, list) else None), qemu_version({"qemu": stored.get("qemu")})

    def store(self, key: str, entries: list[Any], qemu: tuple[int, int, int] | None = None) -> None:
        try:
            from vdbgsh.private_files import private_dir

            private_dir(self.directory)  # what a guest runs is its user's business, as the history is
            stored: dict[str, Any] = {"introspection": entries}
            if qemu is not None:
                stored["qemu"] = dict(zip(("major", "minor", "micro"), qemu, strict=True))
            # Written under another name and renamed: a reader never sees half a file.
            with tempfile.NamedTemporaryFile("w", dir=self.directory, delete=False, suffix=".tmp") as handle:
                json.dump(stored, handle, separators=(",", ":"))
            os.replace(handle.name, self.path(key))
        except OSError:
            pass  # a cache that cannot be written only costs the next start a fetch


def cache_key(version: Any, commands: Any, build_identity: str) -> str:
    digest = hashlib.sha256()
    for part in (SCHEMA_FORMAT, version, sorted(c.get("name", "") for c in commands or []), build_identity):
        digest.update(json.dumps(part, sort_keys=True).encode())
    return digest.hexdigest()[:32]


def schema_steps(cache: SchemaCache | None, build_identity: str) -> Generator[JSONObject, Reply, LoadedSchema]:
    version = yield {"execute": "query-version"}
    commands = yield {"execute": "query-commands"}
    names = [c["name"] for c in commands.value or [] if isinstance(c, dict) and "name" in c]
    key = cache_key(version.value, commands.value, build_identity)
    qemu = qemu_version(version.value)
    if cache is not None:
        cached = _schema_from(cache.load(key), qemu)
        if cached is not None:  # else missing, or JSON of another shape (damaged, edited): fetched again
            return LoadedSchema(cached, "cache", key, version.value)
    introspection = yield {"execute": "query-qmp-schema"}
    schema = _schema_from(introspection.value if introspection.ok else None, qemu)
    if schema is None:
        return LoadedSchema(Schema.from_command_names(names, qemu), "query-commands", key, version.value)
    if cache is not None:
        cache.store(key, introspection.value, qemu)
    return LoadedSchema(schema, "guest", key, version.value)


def _schema_from(entries: Any, qemu: tuple[int, int, int] | None = None) -> Schema | None:
    """The schema these introspection entries describe; None when they are not what query-qmp-schema returns."""
    if not isinstance(entries, list):
        return None
    try:
        schema = Schema.from_introspection(entries, qemu)
    except (KeyError, TypeError, ValueError, AttributeError, IndexError):
        return None
    return schema if schema.commands else None


Steps = Generator[JSONObject, Reply, LoadedSchema]


async def load_schema(monitor: Monitor, cache: SchemaCache | None) -> LoadedSchema:
    return await drive(schema_steps(cache, await monitor.build_identity()), monitor)


def load_schema_blocking(monitor: BlockingMonitor, cache: SchemaCache | None) -> LoadedSchema:
    return drive_blocking(schema_steps(cache, monitor.build_identity()), monitor)


async def drive(steps: Steps, monitor: Monitor) -> LoadedSchema:
    """Answer the steps' requests through ``monitor`` until they give their schema."""
    request = next(steps)
    try:
        while True:
            request = steps.send(await monitor.execute_message(request))
    except StopIteration as done:
        result: LoadedSchema = done.value
        return result


def drive_blocking(steps: Steps, monitor: BlockingMonitor) -> LoadedSchema:
    request = next(steps)
    try:
        while True:
            request = steps.send(monitor.execute_message(request))
    except StopIteration as done:
        result: LoadedSchema = done.value
        return result
