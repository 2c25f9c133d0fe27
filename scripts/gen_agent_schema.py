#!/usr/bin/env python3
"""Generate vdbgsh/data/qga-schema-VERSION.json from QEMU's guest-agent schema (qga/qapi-schema.json).

The guest agent has no introspection (no query-qmp-schema), so its commands' arguments, types and documentation
come from QEMU's sources of the agent's version, turned into the shape query-qmp-schema returns (what
vdbgsh/schema's model reads), with the doc comments beside it. The output is derived from QEMU's sources and is
under QEMU's license, GPL-2.0-or-later (the file says so in its header; vdbgsh/data/LICENSE-qga-schema too).
Where the Debian mirror has no source of a version (sid's 11.1), its qemu-system-data package's qemu-ga-ref.html,
rendered by QEMU from the same schema, is read instead (scripts/qapi_docs_html.py): types and members as the
reference states them.

    gen_agent_schema.py                          every version in VERSIONS, from Debian's files (cached)
    gen_agent_schema.py VERSION                  one of them (MAJOR.MINOR)
    gen_agent_schema.py VERSION --from FILE      a qga/qapi-schema.json, a source tarball, a .deb or
                                                 a qemu-ga-ref.html already at hand

Only qga/qapi-schema.json (or qemu-ga-ref.html) is taken out of the file; nothing else of QEMU's is kept.
"""

from __future__ import annotations

import argparse
import json
import sys
from pathlib import Path
from typing import Any

from qapi_docs_html import definitions as html_definitions
from qapi_docs_html import doc_of
from qapi_source import (
    CACHE,
    DEBIAN_FILES,
    POOL,
    Doc,
    QAPIError,
    download,
    parse_doc,
    prose,
    rendered_reference,
    source_files,
)
from qapi_source import definitions as source_definitions

OUT_DIR = Path(__file__).resolve().parent.parent / "vdbgsh" / "data"
VERSIONS = ("7.2.0", "10.2.2", "11.1.3")  # the host's, the newest source the mirror has, sid's (rendered docs)
LICENSE = "GPL-2.0-or-later"

# QAPI's builtin types, as introspection reports them (every integer type is "int" there).
BUILTINS = {"str": "string", "int": "int", "number": "number", "bool": "boolean", "null": "null", "any": "value"}
INTEGER_TYPES = {"int8", "int16", "int32", "int64", "uint8", "uint16", "uint32", "uint64", "size"}


# A doc block in the shape the agent's help reads: text, members' texts, and sections by their heading.

_HEADINGS = {"since": "Since", "returns": "Returns", "errors": "Errors", "note": "Note", "deprecated": "Deprecated"}


def agent_doc(doc: Doc) -> dict[str, Any]:
    sections = {_HEADINGS[name]: text for name, lines in doc.sections.items() if (text := prose(lines))}
    features = [f"{name}: {text}" for name, lines in doc.features.items() if (text := prose(lines))]
    if features:
        sections["Features"] = "\n\n".join(features)
    return {
        "text": prose(doc.body),
        "members": {name: prose(lines) for name, lines in doc.members.items()},
        "sections": sections,
    }


# Turning definitions into introspection entries (query-qmp-schema's shape), keeping QAPI's type names.


class Introspection:
    def __init__(self, expressions: list[dict[str, Any]]) -> None:
        self.definitions = {
            str(expr.get(kind)): (kind, expr)
            for expr in expressions
            for kind in ("struct", "union", "enum", "alternate", "command")
            if kind in expr
        }
        self.entries: dict[str, dict[str, Any]] = {}

    def build(self) -> list[dict[str, Any]]:
        for name, (kind, expr) in self.definitions.items():
            if kind == "command":
                self._command(name, expr)
            else:
                self.type_name(name)
        self.type_name("{}")
        return sorted(self.entries.values(), key=lambda e: (e["meta-type"] != "command", e["name"]))

    def _command(self, name: str, expr: dict[str, Any]) -> None:
        data = expr.get("data")
        arg_type = self._inline_object(f"q_obj_{name}-arg", data) if isinstance(data, dict) else data or "{}"
        self.entries[name] = {
            "name": name,
            "meta-type": "command",
            "arg-type": self.type_name(arg_type),
            "ret-type": self.type_name(expr.get("returns", "{}")),
            **_features(expr),
            **_condition(expr),
        }

    def type_name(self, ref: Any) -> str:
        """The name of the entry for a type reference (a name or ['element']), made if not made yet."""
        if isinstance(ref, list):
            element = self.type_name(ref[0])
            name = f"[{element}]"
            self.entries.setdefault(name, {"name": name, "meta-type": "array", "element-type": element})
            return name
        ref = "int" if ref in INTEGER_TYPES else str(ref)
        if ref in self.entries:
            return ref
        if ref == "{}":
            self.entries[ref] = {"name": ref, "meta-type": "object", "members": []}
        elif ref in BUILTINS:
            self.entries[ref] = {"name": ref, "meta-type": "builtin", "json-type": BUILTINS[ref]}
        elif ref in self.definitions:
            kind, expr = self.definitions[ref]
            self.entries[ref] = {"name": ref, "meta-type": "object"}  # a placeholder while members resolve
            self.entries[ref] = self._definition(ref, kind, expr)
        else:
            raise QAPIError(f"unknown type {ref!r}")
        return ref

    def _definition(self, name: str, kind: str, expr: dict[str, Any]) -> dict[str, Any]:
        extra = {**_features(expr), **_condition(expr)}
        if kind == "enum":
            values = [v if isinstance(v, str) else v["name"] for v in expr["data"]]
            return {"name": name, "meta-type": "enum", "values": values, "members": [{"name": v} for v in values]}
        if kind == "alternate":
            alternatives = [self.type_name(t["type"] if isinstance(t, dict) else t) for t in expr["data"].values()]
            return {"name": name, "meta-type": "alternate", "members": [{"type": t} for t in alternatives], **extra}
        members = self._base_members(expr.get("base")) + self._members(expr.get("data") if kind == "struct" else {})
        entry: dict[str, Any] = {"name": name, "meta-type": "object", "members": members, **extra}
        if kind == "union":
            entry["tag"] = expr["discriminator"]
            entry["variants"] = [
                {"case": case, "type": self.type_name(t["type"] if isinstance(t, dict) else t)}
                for case, t in expr["data"].items()
            ]
        return entry

    def _base_members(self, base: Any) -> list[dict[str, Any]]:
        if base is None:
            return []
        if isinstance(base, dict):
            return self._members(base)
        _kind, expr = self.definitions[str(base)]
        return self._base_members(expr.get("base")) + self._members(expr.get("data") or {})

    def _inline_object(self, name: str, data: dict[str, Any]) -> str:
        self.entries[name] = {"name": name, "meta-type": "object", "members": self._members(data)}
        return name

    def _members(self, data: dict[str, Any]) -> list[dict[str, Any]]:
        members = []
        for key, spec in data.items():
            optional = key.startswith("*")
            entry: dict[str, Any] = {
                "name": key.removeprefix("*"),
                "type": self.type_name(spec["type"] if isinstance(spec, dict) else spec),
            }
            if optional:
                entry["default"] = None  # introspection's mark of an optional member
            if isinstance(spec, dict):
                entry.update(_features(spec))
                entry.update(_condition(spec))
            members.append(entry)
        return members


def _features(expr: dict[str, Any]) -> dict[str, Any]:
    features = [f if isinstance(f, str) else f["name"] for f in expr.get("features", [])]
    return {"features": features} if features else {}


def _condition(expr: dict[str, Any]) -> dict[str, Any]:
    """QAPI's build condition ('if': CONFIG_POSIX ...), kept as a note: which guests have the command at all
    is said by guest-info, not by the schema."""
    return {"if": expr["if"]} if "if" in expr else {}


Found = list[tuple[dict[str, Any], Doc | None]]  # each definition's expression and its parsed doc


def generate(found: Found, version: str, origin: str, how: str = "") -> dict[str, Any]:
    """The data file of one version from its definitions (expression, parsed doc)."""
    expressions = [expr for expr, _doc in found if "pragma" not in expr and "include" not in expr]
    docs = {doc.symbol: agent_doc(doc) for _expr, doc in found if doc is not None}
    return {
        "header": (
            f"Generated by vdbgsh's scripts/gen_agent_schema.py from QEMU {version}'s qga/qapi-schema.json{how} "
            f"({origin}). Derived from QEMU's sources: licensed under {LICENSE}, as QEMU is; "
            "see LICENSE-qga-schema beside this file."
        ),
        "license": LICENSE,
        "qemu-version": version,
        "schema": Introspection(expressions).build(),
        "docs": docs,
    }


def from_source(text: str) -> Found:
    return [(d.expression, parse_doc(d.doc) if d.doc else None) for d in source_definitions(text)]


def from_rendered(html: str) -> Found:
    return [(expression, doc_of(fields)) for expression, fields in html_definitions(html)]


def is_agent_schema(path: str) -> bool:
    return path == "qga/qapi-schema.json"


def read(version: str, given: Path | None, cache: Path) -> dict[str, Any]:
    """The data file of ``version`` (MAJOR.MINOR) from ``given`` or Debian's file of that version."""
    if given is None:
        release = next((v for v in VERSIONS if v.startswith(version + ".")), None)
        if release is None:
            raise SystemExit(f"gen_agent_schema.py: no Debian file known for {version}; give one with --from")
        path, origin = download(DEBIAN_FILES[release], cache), POOL + DEBIAN_FILES[release]
    else:
        path, origin = given, given.name
    if path.suffix == ".json":
        return generate(from_source(path.read_text(encoding="utf-8")), version, origin)
    if path.suffix in (".deb", ".html"):
        html = rendered_reference(path, "qemu-ga-ref.html") if path.suffix == ".deb" else path.read_text("utf-8")
        return generate(from_rendered(html), version, origin, " as QEMU renders it into qemu-ga-ref.html")
    texts = [text for _name, text in source_files(path, is_agent_schema)]
    if not texts:
        raise SystemExit(f"gen_agent_schema.py: no qga/qapi-schema.json in {origin}")
    return generate(from_source(texts[0]), version, origin)


def main(argv: list[str]) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n", 1)[0])
    parser.add_argument("version", nargs="?", help="QEMU's version, MAJOR.MINOR (7.2, 11.1); all without it")
    parser.add_argument("--from", dest="given", type=Path, help="qga/qapi-schema.json, a tarball, a .deb or an .html")
    parser.add_argument("--cache", type=Path, default=CACHE)
    parser.add_argument("--out", type=Path, default=OUT_DIR)
    args = parser.parse_args(argv)
    if args.given is not None and args.version is None:
        parser.error("--from needs the VERSION it holds")
    versions = [args.version] if args.version else [".".join(v.split(".")[:2]) for v in VERSIONS]
    for version in versions:
        generated = read(version, args.given, args.cache)
        out = args.out / f"qga-schema-{version}.json"
        out.write_text(json.dumps(generated, indent=1, sort_keys=False) + "\n", encoding="utf-8")
        commands = sum(1 for e in generated["schema"] if e["meta-type"] == "command")
        print(f"{out}: {commands} commands, {len(generated['docs'])} documented definitions")
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
