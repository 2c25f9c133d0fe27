"""The schema model on the captured QEMU 7.2 schema, and loading it from a real guest through the cache."""

from __future__ import annotations

import json
from pathlib import Path

from tests.conftest import LoopThread
from tests.guest_facts import QemuFacts
from vdbgsh.schema.loading import SchemaCache, cache_key, load_schema, load_schema_blocking
from vdbgsh.schema.model import Schema
from vdbgsh.transport import Target

DATA = Path(__file__).parent / "data"
SCHEMA = Schema.from_introspection(json.loads((DATA / "qmp-schema-7.2.json").read_text()))


def test_counts_match_what_qemu_reported() -> None:
    # Measured on QEMU 7.2: 216 commands, 52 events, 1051 entries in all.
    assert len(SCHEMA.commands) == 216
    assert len(SCHEMA.events) == 52
    assert len(SCHEMA.commands) + len(SCHEMA.events) + len(SCHEMA.types) == 1051


def test_arguments_optional_and_required() -> None:
    members = {m.name: m.optional for m in SCHEMA.members(SCHEMA.arguments("qom-get"))}
    assert members == {"path": False, "property": False}
    assert SCHEMA.describe(SCHEMA.commands["query-status"].ret_type) == "{running, singlestep, status}"


def test_flat_union_members_follow_the_tag() -> None:
    blockdev = SCHEMA.arguments("blockdev-add")
    assert blockdev.tag == "driver"
    plain = {m.name for m in SCHEMA.members(blockdev)}
    with_file = {m.name for m in SCHEMA.members(blockdev, {"driver": "file"})}
    assert "filename" not in plain
    assert {"filename", "aio", "locking"} <= with_file


def test_enums_alternates_arrays_and_features() -> None:
    protocol = SCHEMA.member(SCHEMA.arguments("set_password"), "protocol")
    assert protocol is not None
    assert SCHEMA.type(protocol.type).values == ("vnc", "spice")
    file_ref = SCHEMA.member(SCHEMA.arguments("blockdev-add"), "file", {"driver": "raw"})
    assert file_ref is not None
    assert SCHEMA.type(file_ref.type).meta == "alternate"
    keys = SCHEMA.member(SCHEMA.arguments("send-key"), "keys")
    assert keys is not None
    assert SCHEMA.describe(keys.type).startswith("list of")
    assert SCHEMA.commands["drive-backup"].deprecated
    assert SCHEMA.commands["x-debug-query-block-graph"].unstable


def test_query_commands_fallback_knows_names_only() -> None:
    names = [c["name"] for c in json.loads((DATA / "query-commands-7.2.json").read_text())]
    fallback = Schema.from_command_names(names)
    assert set(fallback.commands) == set(SCHEMA.commands)
    assert all(c.untyped for c in fallback.commands.values())


def test_cache_key_changes_with_the_build() -> None:
    version = json.loads((DATA / "query-version-7.2.json").read_text())
    commands = json.loads((DATA / "query-commands-7.2.json").read_text())
    key = cache_key(version, commands, "/usr/bin/qemu-system-x86_64:1:2")
    assert key == cache_key(version, list(reversed(commands)), "/usr/bin/qemu-system-x86_64:1:2")
    newer = {**version, "qemu": {**version["qemu"], "micro": version["qemu"]["micro"] + 1}}
    assert cache_key(newer, commands, "/usr/bin/qemu-system-x86_64:1:2") != key
    assert cache_key(version, commands[1:], "/usr/bin/qemu-system-x86_64:1:2") != key
    assert cache_key(version, commands, "/usr/bin/qemu-system-x86_64:1:3") != key


def test_second_load_comes_from_the_cache(
    loop: LoopThread, shared_guest: str, tmp_path: Path, qemu_facts: QemuFacts
) -> None:
    cache = SchemaCache(tmp_path)
    monitor = loop.run(Target(domain=shared_guest).open(events=False))
    try:
        first = loop.run(load_schema(monitor, cache))
        second = loop.run(load_schema(monitor, cache))
    finally:
        loop.run(monitor.close())
    assert (first.source, second.source) == ("guest", "cache")
    assert first.key == second.key
    assert set(second.schema.commands) == qemu_facts.commands  # the guest's, not the shipped 7.2 schema
    # The version travels with the schema (the HMP table is chosen by it), from the cache too, and is kept beside
    # it for an offline translation.
    assert first.schema.qemu == second.schema.qemu == qemu_facts.version
    assert [p.name for p in tmp_path.iterdir()] == [f"{first.key}.json"]
    assert cache.load_version(first.key) == qemu_facts.version


def test_a_damaged_cache_is_fetched_again(shared_guest: str, tmp_path: Path) -> None:
    cache = SchemaCache(tmp_path)
    monitor = Target(domain=shared_guest).open_blocking()
    try:
        key = load_schema_blocking(monitor, cache).key
        cache.path(key).write_text('[{"name": "half')
        again = load_schema_blocking(monitor, cache)
    finally:
        monitor.close()
    assert again.source == "guest"
    assert json.loads(cache.path(key).read_text())["introspection"][0]["name"]
