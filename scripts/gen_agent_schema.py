#!/usr/bin/env python3
"""Generate vdbgsh/data/qga-schema-VERSION.json from QEMU's guest-agent schema (qga/qapi-schema.json).

The guest agent has no introspection (no query-qmp-schema), so its commands' arguments, types and documentation
come from QEMU's sources of the agent's version, turned into the shape query-qmp-schema returns (what
vdbgsh/schema's model reads), with the doc comments beside it. The output is derived from QEMU's sources and is
under QEMU's license, GPL-2.0-or-later (the file says so in its header; vdbgsh/data/LICENSE-qga-schema too).

    gen_agent_schema.py VERSION                  download Debian's QEMU source tarball of VERSION, read its schema
    gen_agent_schema.py VERSION --from FILE      a qga/qapi-schema.json already at hand, or a source tarball

Only qga/qapi-schema.json is taken out of the tarball; nothing else of QEMU's is kept.
"""

from __future__ import annotations

import argparse
import io
import json
import re
import sys
import tarfile
import urllib.request
from pathlib import Path
from typing import Any

OUT_DIR = Path(__file__).resolve().parent.parent / "vdbgsh" / "data"
# Debian's upstream tarballs (the .orig of the qemu source package): VERSION -> file name in the pool.
DEBIAN_POOL = "https://deb.debian.org/debian/pool/main/q/qemu/"
# (11.1's, what the sid chroot runs, was not in the archive reachable here: 10.2 is the newest that was.)
DEBIAN_TARBALLS = {"7.2": "qemu_7.2+dfsg.orig.tar.xz", "10.2": "qemu_10.2.2+ds.orig.tar.xz"}
LICENSE = "GPL-2.0-or-later"

# QAPI's builtin types, as introspection reports them (every integer type is "int" there).
BUILTINS = {"str": "string", "int": "int", "number": "number", "bool": "boolean", "null": "null", "any": "value"}
INTEGER_TYPES = {"int8", "int16", "int32", "int64", "uint8", "uint16", "uint32", "uint64", "size"}


# Reading QAPI's JSON-with-comments: single-quoted strings, '#' comments, doc comments between '##' lines.


class QAPIError(ValueError):
    pass


def read_expressions(text: str) -> list[tuple[dict[str, Any], list[str] | None]]:
    """The top-level expressions, each with the doc comment block (its lines, '# ' removed) right before it."""
    reader = _Reader(text)
    found: list[tuple[dict[str, Any], list[str] | None]] = []
    while True:
        doc = reader.skip_space()
        if reader.at_end():
            return found
        value = reader.value()
        if not isinstance(value, dict):
            raise QAPIError(f"line {reader.line}: a top-level expression is not an object")
        found.append((value, doc))


class _Reader:
    def __init__(self, text: str) -> None:
        self.text = text
        self.pos = 0
        self.line = 1

    def at_end(self) -> bool:
        return self.pos >= len(self.text)

    def skip_space(self) -> list[str] | None:
        """Blanks and comments; returns the last doc block ('##' ... '##') passed, if it came last."""
        doc: list[str] | None = None
        while not self.at_end():
            ch = self.text[self.pos]
            if ch == "\n":
                self.line += 1
                self.pos += 1
            elif ch.isspace():
                self.pos += 1
            elif ch == "#":
                end = self.text.find("\n", self.pos)
                end = len(self.text) if end < 0 else end
                comment = self.text[self.pos : end]
                self.pos = end
                if comment.rstrip() == "##" and doc is None:
                    doc = self._doc_block()
                elif comment.rstrip() != "##":
                    doc = None if not comment.startswith("#") else doc
            else:
                return doc
        return doc

    def _doc_block(self) -> list[str]:
        lines: list[str] = []
        while not self.at_end():
            self.pos += 1  # the newline
            self.line += 1
            end = self.text.find("\n", self.pos)
            end = len(self.text) if end < 0 else end
            raw = self.text[self.pos : end].strip()
            self.pos = end
            if raw == "##":
                return lines
            if not raw.startswith("#"):
                raise QAPIError(f"line {self.line}: a doc comment line does not start with '#'")
            lines.append(raw[2:] if raw.startswith("# ") else raw[1:])
        raise QAPIError("a doc comment is not closed with '##'")

    def value(self) -> Any:
        self.skip_space()
        ch = self.text[self.pos]
        if ch == "{":
            self.pos += 1
            obj: dict[str, Any] = {}
            while True:
                self.skip_space()
                if self.text[self.pos] == "}":
                    self.pos += 1
                    return obj
                key = self.value()
                self.skip_space()
                self._expect(":")
                obj[key] = self.value()
                self._comma_or("}")
        if ch == "[":
            self.pos += 1
            items: list[Any] = []
            while True:
                self.skip_space()
                if self.text[self.pos] == "]":
                    self.pos += 1
                    return items
                items.append(self.value())
                self._comma_or("]")
        if ch == "'":
            end = self.text.find("'", self.pos + 1)
            if end < 0:
                raise QAPIError(f"line {self.line}: a string is not closed")
            text = self.text[self.pos + 1 : end]
            self.pos = end + 1
            return text
        for word, meaning in (("true", True), ("false", False)):
            if self.text.startswith(word, self.pos):
                self.pos += len(word)
                return meaning
        raise QAPIError(f"line {self.line}: unexpected {ch!r}")

    def _expect(self, ch: str) -> None:
        if self.text[self.pos] != ch:
            raise QAPIError(f"line {self.line}: expected {ch!r}")
        self.pos += 1

    def _comma_or(self, close: str) -> None:
        self.skip_space()
        if self.text[self.pos] == ",":
            self.pos += 1
        elif self.text[self.pos] != close:
            raise QAPIError(f"line {self.line}: expected ',' or {close!r}")


# Doc comments: the symbol, its text, its members' text, and sections (Returns:, Since:, Notes: ...).

_MEMBER = re.compile(r"@([\w-]+):\s?(.*)")
_SECTION = re.compile(r"(Returns|Since|Notes?|Errors|Example|Examples|TODO|Features)(?::\s?|\s*$)(.*)")


def parse_doc(lines: list[str]) -> tuple[str, dict[str, Any]] | None:
    """(symbol, {"text", "members", "sections"}) of a definition's doc block; None for a free-form one."""
    if not lines:
        return None
    head = _MEMBER.fullmatch(lines[0].strip())
    if head is None:
        return None
    symbol = head.group(1)
    text: list[str] = []
    members: dict[str, list[str]] = {}
    sections: dict[str, list[str]] = {}
    current = text
    in_features = False
    after_blank = False
    for line in lines[1:]:
        member = _MEMBER.match(line)
        section = _SECTION.match(line)
        if line.startswith("Features:"):
            in_features = True
            current = sections.setdefault("Features", [])
        elif member is not None and in_features:  # a feature's description
            current.append(f"{member.group(1)}: {member.group(2)}")
        elif member is not None:
            current = members.setdefault(member.group(1), [])
            current.append(member.group(2))
        elif section is not None:
            in_features = False
            current = sections.setdefault(section.group(1), [])
            if section.group(2):
                current.append(section.group(2))
        elif after_blank and line and not line.startswith(" ") and current in members.values():
            # Unindented text after a blank line ends a member's description: the definition's text goes on.
            current = text
            current.extend(["", line])
        else:
            current.append(line)
        after_blank = not line.strip()
    return symbol, {
        "text": _paragraphs(text),
        "members": {name: _paragraphs(body) for name, body in members.items()},
        "sections": {name: _paragraphs(body) for name, body in sections.items()},
    }


def _paragraphs(lines: list[str]) -> str:
    """Lines joined into paragraphs (a blank line between them), as the doc comment wraps them."""
    paragraphs: list[str] = []
    current: list[str] = []
    for line in lines:
        if line.strip():
            current.append(line.strip())
        elif current:
            paragraphs.append(" ".join(current))
            current = []
    if current:
        paragraphs.append(" ".join(current))
    return "\n\n".join(paragraphs)


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


def generate(source: str, version: str, origin: str) -> dict[str, Any]:
    pairs = read_expressions(source)
    expressions = [expr for expr, _doc in pairs if "pragma" not in expr and "include" not in expr]
    docs: dict[str, Any] = {}
    for _expr, doc in pairs:
        parsed = parse_doc(doc) if doc else None
        if parsed is not None:
            docs[parsed[0]] = parsed[1]
    return {
        "header": (
            f"Generated by vdbgsh's scripts/gen_agent_schema.py from QEMU {version}'s qga/qapi-schema.json "
            f"({origin}). Derived from QEMU's sources: licensed under {LICENSE}, as QEMU is; "
            "see LICENSE-qga-schema beside this file."
        ),
        "license": LICENSE,
        "qemu-version": version,
        "schema": Introspection(expressions).build(),
        "docs": docs,
    }


def schema_text(version: str, given: str | None) -> tuple[str, str]:
    """The schema's text and where it came from."""
    if given is not None and given.endswith(".json"):
        return Path(given).read_text(encoding="utf-8"), Path(given).name
    if given is not None:
        data, origin = Path(given).read_bytes(), Path(given).name
    else:
        if version not in DEBIAN_TARBALLS:
            raise SystemExit(f"gen_agent_schema.py: no Debian tarball known for {version}; give one with --from")
        url = DEBIAN_POOL + DEBIAN_TARBALLS[version]
        with urllib.request.urlopen(url, timeout=120) as answer:
            data = answer.read()
        origin = url
    with tarfile.open(fileobj=io.BytesIO(data)) as tar:
        for member in tar:
            if member.name.endswith("/qga/qapi-schema.json"):
                extracted = tar.extractfile(member)
                assert extracted is not None
                return extracted.read().decode("utf-8"), origin
    raise SystemExit(f"gen_agent_schema.py: no qga/qapi-schema.json in {origin}")


def main(argv: list[str]) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n", 1)[0])
    parser.add_argument("version", help="QEMU's version, MAJOR.MINOR (7.2, 11.1)")
    parser.add_argument("--from", dest="given", help="qga/qapi-schema.json, or a QEMU source tarball")
    parser.add_argument("--out", type=Path, default=OUT_DIR)
    args = parser.parse_args(argv)
    text, origin = schema_text(args.version, args.given)
    generated = generate(text, args.version, origin)
    out = args.out / f"qga-schema-{args.version}.json"
    out.write_text(json.dumps(generated, indent=1, sort_keys=False) + "\n", encoding="utf-8")
    commands = sum(1 for e in generated["schema"] if e["meta-type"] == "command")
    print(f"{out}: {commands} commands, {len(generated['docs'])} documented definitions")
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
