"""QEMU's QAPI schema files as the project's generators read them: fetched from Debian, parsed with their docs.

Shared by scripts/gen_qapi_docs.py (QMP's documentation) and scripts/gen_agent_schema.py (the guest agent's schema):
- which Debian file holds a QEMU version's schema (``DEBIAN_FILES``), downloaded once into a cache (``download``);
- named members out of a source tarball (``source_files``) or a binary package (``deb_member``), nothing else;
- QAPI's JSON-with-comments (single-quoted strings, ``#`` comments) read into expressions, each with the doc block
  (``##`` ... ``##``) right before it (``definitions``);
- a definition's doc block read into its parts (``parse_doc``: description, members, features, kept sections;
  examples dropped) and joined into plain paragraphs (``prose``).
"""

from __future__ import annotations

import io
import re
import sys
import tarfile
import urllib.parse
import urllib.request
from collections.abc import Callable, Iterator
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

POOL = "https://deb.debian.org/debian/pool/main/q/qemu/"
CACHE = Path.home() / ".cache" / "vdbgsh-build"
# QEMU version -> Debian's file with its schema: the upstream source tarball, or, where the mirror carries no source
# (sid's 11.1 here), the binary package with the references Sphinx rendered from the same doc comments
# (qemu-qmp-ref.html, qemu-ga-ref.html: read by scripts/qapi_docs_html.py). 7.2 is Debian 12's (the host stack),
# 10.0 Debian 13's, 10.2 the newest source the mirror has, 11.1 sid's (the chroot stack).
DEBIAN_FILES = {
    "7.2.0": "qemu_7.2+dfsg.orig.tar.xz",
    "10.0.13": "qemu_10.0.13+ds.orig.tar.xz",
    "10.2.2": "qemu_10.2.2+ds.orig.tar.xz",
    "11.1.3": "qemu-system-data_11.1.3+ds-1_all.deb",
}
RENDERED_DOCS = "./usr/share/doc/qemu-system-common/interop/"  # where qemu-system-data keeps the references


# -- getting the files ---------------------------------------------------------------------------------------------


def download(file_name: str, cache: Path = CACHE) -> Path:
    """Debian's ``file_name`` from the pool, kept in ``cache`` (a tarball is ~40 MB: fetched once)."""
    cache.mkdir(parents=True, exist_ok=True)
    path = cache / file_name
    if not path.exists():
        url = POOL + urllib.parse.quote(file_name)
        print(f"downloading {url}", file=sys.stderr)
        partial = path.with_suffix(".part")
        with urllib.request.urlopen(url, timeout=120) as response, partial.open("wb") as handle:
            while chunk := response.read(1 << 20):
                handle.write(chunk)
        partial.replace(path)
    return path


def source_files(tarball: Path, wanted: Callable[[str], bool]) -> Iterator[tuple[str, str]]:
    """(path below QEMU's top folder, text) of each file of the tarball ``wanted`` accepts; nothing else is read."""
    with tarfile.open(tarball) as archive:
        for member in archive:
            inner = member.name.split("/", 1)[-1]
            if member.isfile() and wanted(inner):
                handle = archive.extractfile(member)
                assert handle is not None
                yield inner, handle.read().decode("utf-8")


def deb_member(deb: Path, path: str) -> bytes:
    """One file out of a .deb (an ar archive whose data.tar.* holds the files)."""
    data = deb.read_bytes()
    if not data.startswith(b"!<arch>\n"):
        raise SystemExit(f"{deb} is no .deb")
    offset = 8
    while offset < len(data):
        header = data[offset : offset + 60]
        name, size = header[:16].decode().strip().rstrip("/"), int(header[48:58].decode().strip())
        body = data[offset + 60 : offset + 60 + size]
        if name.startswith("data.tar"):
            with tarfile.open(fileobj=io.BytesIO(body)) as archive:
                handle = archive.extractfile(path)
                assert handle is not None
                return handle.read()
        offset += 60 + size + (size % 2)
    raise SystemExit(f"{deb}: no data.tar inside")


def rendered_reference(deb: Path, name: str) -> str:
    """A reference QEMU renders from its doc comments (qemu-qmp-ref.html, qemu-ga-ref.html) out of the package."""
    return deb_member(deb, RENDERED_DOCS + name).decode("utf-8")


# -- reading QAPI's JSON-with-comments -----------------------------------------------------------------------------


class QAPIError(ValueError):
    pass


@dataclass
class Definition:
    expression: dict[str, Any]
    doc: list[str] | None  # the doc block's lines, '#' and one space removed; None when none came right before


def definitions(text: str) -> list[Definition]:
    """The top-level expressions of a QAPI file, each with the doc block last passed before it."""
    reader = _Reader(text)
    found: list[Definition] = []
    while True:
        doc = reader.skip_space()
        if reader.at_end():
            return found
        value = reader.value()
        if not isinstance(value, dict):
            raise QAPIError(f"line {reader.line}: a top-level expression is not an object")
        found.append(Definition(value, doc))


class _Reader:
    def __init__(self, text: str) -> None:
        self.text = text
        self.pos = 0
        self.line = 1

    def at_end(self) -> bool:
        return self.pos >= len(self.text)

    def skip_space(self) -> list[str] | None:
        """Blanks and comments; returns the last doc block ('##' ... '##') passed."""
        doc: list[str] | None = None
        while not self.at_end():
            char = self.text[self.pos]
            if char == "\n":
                self.line += 1
                self.pos += 1
            elif char.isspace():
                self.pos += 1
            elif char == "#":
                end = self.text.find("\n", self.pos)
                end = len(self.text) if end < 0 else end
                comment = self.text[self.pos : end]
                self.pos = end
                if comment.rstrip() == "##":
                    doc = self._doc_block()
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
            if not raw:  # QEMU's own parser let 7.2's few blank lines inside a doc block pass: an empty line
                lines.append("")
                continue
            if not raw.startswith("#"):
                raise QAPIError(f"line {self.line}: a doc comment line does not start with '#'")
            lines.append(raw[2:] if raw.startswith("# ") else raw[1:])
        raise QAPIError("a doc comment is not closed with '##'")

    def value(self) -> Any:
        self.skip_space()
        char = self.text[self.pos]
        if char == "{":
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
        if char == "[":
            self.pos += 1
            items: list[Any] = []
            while True:
                self.skip_space()
                if self.text[self.pos] == "]":
                    self.pos += 1
                    return items
                items.append(self.value())
                self._comma_or("]")
        if char == "'":
            end = self.text.find("'", self.pos + 1)
            if end < 0:
                raise QAPIError(f"line {self.line}: a string is not closed")
            string = self.text[self.pos + 1 : end]
            self.pos = end + 1
            return string
        for word, meaning in (("true", True), ("false", False)):
            if self.text.startswith(word, self.pos):
                self.pos += len(word)
                return meaning
        raise QAPIError(f"line {self.line}: unexpected {char!r}")

    def _expect(self, char: str) -> None:
        if self.text[self.pos] != char:
            raise QAPIError(f"line {self.line}: expected {char!r}")
        self.pos += 1

    def _comma_or(self, close: str) -> None:
        self.skip_space()
        if self.text[self.pos] == ",":
            self.pos += 1
        elif self.text[self.pos] != close:
            raise QAPIError(f"line {self.line}: expected ',' or {close!r}")


def condition(text: str) -> Any:
    """The build condition QEMU's docgen wrote as "A or B", "A and (B or not C)", back in the schema's form."""
    tokens = re.findall(r"\(|\)|[^\s()]+", text)

    def expression(at: int) -> tuple[Any, int]:
        operands, operator = [], ""
        while True:
            operand, at = term(at)
            operands.append(operand)
            if at < len(tokens) and tokens[at] in ("and", "or"):
                operator = tokens[at]
                at += 1
                continue
            if not operator:
                return operand, at
            return {"all" if operator == "and" else "any": operands}, at

    def term(at: int) -> tuple[Any, int]:
        if tokens[at] == "not":
            operand, at = term(at + 1)
            return {"not": operand}, at
        if tokens[at] == "(":
            inner, at = expression(at + 1)
            return inner, at + 1  # the ")"
        return tokens[at], at + 1

    return expression(0)[0]


KINDS = ("command", "event", "struct", "union", "enum", "alternate")


def kind_of(expression: dict[str, Any]) -> str:
    """The definition's kind ("" for pragma, include and the like)."""
    return next((key for key in KINDS if key in expression), "")


# -- one doc block -------------------------------------------------------------------------------------------------

SECTION = re.compile(r"^(Since|Returns|Errors|Notes?|Examples?|TODO|Deprecated|Features)\s*:\s*(.*)$")
DIRECTIVE = re.compile(r"^\.\. ([\w-]+)::\s*(.*)$")
MEMBER = re.compile(r"^@([\w.-]+)\s*:\s*(.*)$")
KEPT = {"since", "returns", "errors", "note", "notes", "deprecated"}


@dataclass
class Doc:
    symbol: str
    body: list[str] = field(default_factory=list)
    members: dict[str, list[str]] = field(default_factory=dict)
    features: dict[str, list[str]] = field(default_factory=dict)
    sections: dict[str, list[str]] = field(default_factory=dict)  # since, returns, errors, note, deprecated


def parse_doc(lines: list[str]) -> Doc | None:  # noqa: PLR0915 (one pass over the lines)
    """A definition's doc block: free text, member and feature texts, and the kept sections."""
    if not lines:
        return None
    first = MEMBER.match(lines[0])
    if first is None:
        return None  # a free-form block (a chapter heading): no definition's
    doc = Doc(first[1])
    target: list[str] | None = doc.body
    kind = "body"  # body, member, feature, section or dropped
    in_features = False
    after_blank = False
    for raw in lines[1:]:
        line = raw.rstrip()
        blank, after_blank = after_blank, not line.strip()
        indented = line.startswith(" ")
        stripped = line.strip()
        section = SECTION.match(line)
        directive = DIRECTIVE.match(line)
        member = MEMBER.match(line)
        if section:
            name = section[1].lower()
            in_features = name == "features"
            if name == "features" or name not in KEPT:
                # An old-style Example: runs to the next section, numbered cases and all.
                kind, target = ("example" if name.startswith("example") else "dropped"), None
            else:
                kind = "section"
                target = doc.sections.setdefault("note" if name == "notes" else name, [])
                target.append(section[2])
        elif directive:
            name = directive[1]
            if name in ("note", "caution", "warning", "admonition", "important"):
                kind = "section"
                target = doc.sections.setdefault("note", [])
                target.append(directive[2])
            else:  # qmp-example, code-block, ...
                kind, target = "dropped", None
        elif member:
            kind = "feature" if in_features else "member"
            target = (doc.features if in_features else doc.members).setdefault(member[1], [])
            target.append(member[2])
        elif not stripped:
            if target is not None:
                target.append("")
        elif not indented and kind in ("member", "feature", "section") and blank:
            # An unindented paragraph after a member's: free text again (7.2's style and today's alike).
            kind, target, in_features = "body", doc.body, False
            target.append(stripped)
        elif kind == "example":
            continue
        elif not indented and kind == "dropped" and stripped.startswith(("->", "<-", "{", "}", '"', "...")):
            continue  # an old-style example's lines
        elif not indented and kind == "dropped":
            kind, target = "body", doc.body
            target.append(stripped)
        elif target is not None:
            target.append(stripped)
    return doc


def prose(lines: list[str]) -> str:
    """Lines joined into paragraphs (blank line between), list items on lines of their own; rST marks dropped."""
    paragraphs: list[str] = []
    current: list[str] = []
    for line in [*lines, ""]:
        if not line or re.match(r"^[-*] ", line):
            if current:
                paragraphs.append(" ".join(current))
            current = [line] if line else []
            if not line and paragraphs and paragraphs[-1] != "":
                paragraphs.append("")
            continue
        current.append(line)
    text = "\n".join(paragraphs).strip()
    text = re.sub(r"\n{2,}", "\n\n", text)
    text = re.sub(r"(?<![\w@])@([\w-]+)", r"\1", text)  # @device -> device
    text = re.sub(r":\w+:`([^`<]*?)(?: <[^>]*>)?`", r"\1", text)  # :qapi:ref:`x` / :ref:`x <y>` -> x
    text = re.sub(r"``([^`]+)``", r"\1", text)
    text = re.sub(r"(?<!`)`([^`]+)`(?!`)", r"\1", text)
    return re.sub(r"[ \t]+", " ", text)
