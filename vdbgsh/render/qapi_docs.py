"""QEMU's own words for its commands and events, of the guest's QEMU version.

Introspection carries no documentation; scripts/gen_qapi_docs.py takes it from QEMU's QAPI sources of a version
into vdbgsh/data/qapi-docs-<version>.json.gz (QEMU's text, GPL-2.0-or-later, as each file's header says). A guest
gets the file of its version, or of the nearest older one (a stable release changes no words), or none when it is
older than every file: the help then shows the schema's shapes alone, as before (vdbgsh/schema/shipped_data.py picks).
"""

from __future__ import annotations

import gzip
import json
import re
from collections.abc import Mapping
from dataclasses import dataclass, field
from functools import cache
from typing import Any, cast

from vdbgsh.schema.shipped_data import DATA, nearest_older, versions_of

Version = tuple[int, int, int]
_FILE = re.compile(r"qapi-docs-(\d+)\.(\d+)\.(\d+)\.json\.gz")
FORMAT = 1


@dataclass(frozen=True)
class EntryDoc:
    """One command's or event's documentation; every part may be missing."""

    text: str = ""
    arguments_text: str = ""  # the argument type's own words ("Either device or node-name must be set ...")
    since: str = ""
    returns: str = ""
    errors: str = ""
    note: str = ""
    features: Mapping[str, str] = field(default_factory=dict)  # feature -> text ("deprecated": "Use ... instead")
    members: Mapping[str, str] = field(default_factory=dict)
    variants: Mapping[str, Mapping[str, str]] = field(default_factory=dict)  # tag value -> that branch's members

    @classmethod
    def from_json(cls, entry: Mapping[str, Any]) -> EntryDoc:
        def text(key: str) -> str:
            value = entry.get(key, "")
            return value if isinstance(value, str) else ""

        def texts(value: Any) -> dict[str, str]:
            return {k: v for k, v in value.items() if isinstance(v, str)} if isinstance(value, dict) else {}

        variants = entry.get("variants")
        return cls(
            text=text("text"),
            arguments_text=text("arguments_text"),
            since=text("since"),
            returns=text("returns"),
            errors=text("errors"),
            note=text("note"),
            features=texts(entry.get("features")),
            members=texts(entry.get("members")),
            variants={k: texts(v) for k, v in variants.items()} if isinstance(variants, dict) else {},
        )

    def member(self, name: str, tag_value: str | None = None) -> str:
        if tag_value is not None and name in self.variants.get(tag_value, {}):
            return self.variants[tag_value][name]
        return self.members.get(name, "")

    def summary(self) -> str:
        """The first sentence of the description: what a menu's one line has room for."""
        first = self.text.split("\n", 1)[0]
        match = re.match(r"(.+?[.:])(\s|$)", first)
        return (match[1] if match else first).rstrip(":.")


@dataclass(frozen=True)
class QapiDocs:
    qemu: Version  # the version the words were taken from
    guest: Version | None  # the version of the guest they are shown for
    commands: Mapping[str, Mapping[str, Any]]
    events: Mapping[str, Mapping[str, Any]]

    def command(self, name: str) -> EntryDoc | None:
        entry = self.commands.get(name)
        return EntryDoc.from_json(entry) if isinstance(entry, dict) else None

    def event(self, name: str) -> EntryDoc | None:
        entry = self.events.get(name)
        return EntryDoc.from_json(entry) if isinstance(entry, dict) else None

    def source_note(self) -> str:
        """Where the words come from, said only when they are not of the guest's own release."""
        if self.guest is None or self.guest[:2] == self.qemu[:2]:
            return ""
        return "documentation of QEMU {}.{} (this guest runs {}.{}): its words may differ".format(
            *self.qemu[:2], *self.guest[:2]
        )


@cache
def shipped_versions() -> tuple[Version, ...]:
    return tuple(cast(Version, version) for version in versions_of(_FILE))


def docs_for(guest: Version | None) -> QapiDocs | None:
    """The documentation for a guest of this version: its own, else the nearest older; None when none fits."""
    if guest is None:
        return None
    version = nearest_older(guest, shipped_versions())
    data = _load(version) if version is not None else None
    if version is None or data is None:
        return None
    return QapiDocs(version, guest, data.get("commands", {}), data.get("events", {}))


@cache
def _load(version: Version) -> dict[str, Any] | None:
    name = "qapi-docs-{}.{}.{}.json.gz".format(*version)
    try:
        data = json.loads(gzip.decompress((DATA / name).read_bytes()))
    except (OSError, ValueError):
        return None  # a damaged install: help without words, as with an older guest
    if not isinstance(data, dict) or data.get("format") != FORMAT:
        return None
    return data
