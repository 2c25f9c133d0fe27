"""A schema when no guest is named (``vdbgsh translate LINE``): the newest one in the cache, else the QEMU 7.2
schema shipped with vdbgsh (the one every translation was verified against)."""

from __future__ import annotations

import json
from pathlib import Path

from vdbgsh.schema.loading import SchemaCache
from vdbgsh.schema.model import Schema

SHIPPED = Path(__file__).resolve().parent.parent / "data" / "qmp-schema-7.2.json"


def offline_schema(cache: SchemaCache | None = None) -> tuple[Schema, str]:
    """The schema and where it came from, in words."""
    cache = cache or SchemaCache.default()
    cached = sorted(cache.directory.glob("*.json"), key=lambda p: p.stat().st_mtime, reverse=True)
    for path in cached:
        entries, qemu = cache.load_with_version(path.stem)
        if entries is not None:
            seen = f"QEMU {'.'.join(map(str, qemu))}" if qemu else "the last QEMU seen"
            return Schema.from_introspection(entries, qemu), f"the schema cached from {seen} ({path.name})"
    shipped = Schema.from_introspection(json.loads(SHIPPED.read_text()), (7, 2, 0))
    return shipped, "QEMU 7.2's schema (shipped with vdbgsh)"
