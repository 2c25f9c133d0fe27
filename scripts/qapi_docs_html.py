"""QEMU's QMP reference as Sphinx renders it (qemu-qmp-ref.html, QEMU 9.2 and later: the "qapi" domain) read back
into the definitions scripts/gen_qapi_docs.py builds from qapi/*.json: for a QEMU whose sources cannot be had, its
Debian package's rendered documentation holds the same words.

Each ``<dl class="qapi KIND">`` is one definition: the ``<p>``s of its ``<dd>`` the description, its field list
the members ("The members of X" a base, "When tag is v: The members of X" a union's branch), Return(s), Errors,
Features; the version comes from the signature's "(Since: X)"; examples are left out.
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field
from html.parser import HTMLParser
from typing import Any

DASH = " \u2013 "  # Sphinx puts an en dash between a member's name and type and its words
VOID = frozenset({"br", "img", "hr", "meta", "link", "input", "wbr", "col", "area", "base", "source"})


@dataclass
class Node:
    tag: str
    attrs: dict[str, str]
    children: list[Node | str] = field(default_factory=list)

    def classes(self) -> list[str]:
        return self.attrs.get("class", "").split()

    def elements(self, tag: str | None = None) -> list[Node]:
        return [child for child in self.children if isinstance(child, Node) and (tag is None or child.tag == tag)]

    def text(self) -> str:
        return "".join(child if isinstance(child, str) else child.text() for child in self.children)


class _Builder(HTMLParser):
    def __init__(self) -> None:
        super().__init__(convert_charrefs=True)
        self.root = Node("root", {})
        self.stack = [self.root]

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        node = Node(tag, {key: value or "" for key, value in attrs})
        self.stack[-1].children.append(node)
        if tag not in VOID:
            self.stack.append(node)

    def handle_endtag(self, tag: str) -> None:
        for depth in range(len(self.stack) - 1, 0, -1):
            if self.stack[depth].tag == tag:
                del self.stack[depth:]
                return

    def handle_data(self, data: str) -> None:
        self.stack[-1].children.append(data)


def _walk(node: Node) -> list[Node]:
    found = []
    for child in node.elements():
        if child.tag == "dl" and "qapi" in child.classes():
            found.append(child)
        found.extend(_walk(child))
    return found


def _flat(text: str) -> str:
    return re.sub(r"\s+", " ", text).strip()


def _block_lines(node: Node) -> list[str]:
    """A field's or description's text as doc lines: paragraphs apart, list items as "- " lines."""
    lines: list[str] = []
    for child in node.children:
        if isinstance(child, str):
            if child.strip():
                lines.append(_flat(child))
        elif child.tag in ("ul", "ol"):
            for item in child.elements("li"):
                lines.append("- " + _flat(item.text()))
        elif child.tag == "p":
            inner = _block_lines(child) if child.elements("ul") else [_flat(child.text())]
            lines.extend([*inner, ""])
        elif child.tag == "div" and "admonition" in child.classes():
            continue
        else:
            lines.append(_flat(child.text()))
    return lines


_TITLE = re.compile(r"QMP:(?:[\w-]+\.)?([\w-]+)$")


def _reference(item: Node) -> str | None:
    """The type an item's "The members of X" names (the link's title: QMP:module.X)."""
    for link in _descendants(item, "a"):
        match = _TITLE.match(link.attrs.get("title", ""))
        if match:
            return match[1]
    return None


def _descendants(node: Node, tag: str) -> list[Node]:
    found = []
    for child in node.elements():
        if child.tag == tag:
            found.append(child)
        found.extend(_descendants(child, tag))
    return found


def definitions(html: str) -> list[tuple[dict[str, Any], dict[str, Any]]]:
    """(expression, doc) pairs: the expression as qapi/*.json would spell it (names and references only), the doc
    as gen_qapi_docs.Doc's fields (symbol, body, members, features, sections)."""
    builder = _Builder()
    builder.feed(html)
    result = []
    for entry in _walk(builder.root):
        kind = next((c for c in entry.classes() if c != "qapi"), "")
        kind = {"object": "struct"}.get(kind, kind)
        signature = next(iter(entry.elements("dt")), None)
        body = next(iter(entry.elements("dd")), None)
        if signature is None or body is None or kind not in ("command", "event", "struct", "enum", "alternate"):
            continue
        name = signature.attrs.get("id", "").split(".", 1)[-1]
        if not name:
            continue
        since = re.search(r"\(Since:\s*([^)]*)\)", _flat(signature.text()))
        expression: dict[str, Any] = {kind: name}
        doc: dict[str, Any] = {"symbol": name, "body": [], "members": {}, "features": {}, "sections": {}}
        if since:
            doc["sections"]["since"] = [since[1]]
        members: dict[str, str] = {}
        branches: dict[str, str] = {}
        base: str | None = None
        for child in body.elements():
            if child.tag == "p":
                doc["body"].extend([_flat(child.text()), ""])
            elif child.tag in ("ul", "ol"):
                doc["body"].extend("- " + _flat(item.text()) for item in child.elements("li"))
            elif child.tag == "div" and "admonition" in child.classes():
                title = _flat(" ".join(t.text() for t in child.elements("p") if "admonition-title" in t.classes()))
                if title.lower().startswith("note"):
                    paragraphs = [p for p in child.elements("p") if "admonition-title" not in p.classes()]
                    doc["sections"].setdefault("note", []).extend(_flat(p.text()) for p in paragraphs)
            elif child.tag == "dl" and "field-list" in child.classes():
                base = _fields(child, doc, members, branches) or base
        if kind in ("command", "event"):
            data: Any = members or base
            if members and base:  # own members and a base: as a struct of its own would have
                data = dict(members)
            if data:
                expression["data"] = data
        elif kind == "struct":
            expression["data"] = members
            if base:
                expression["base"] = base
            if branches:  # a flat union: its base is the members listed, or the type it names
                expression = {"union": name, "base": base if base and not members else members, "data": branches}
        result.append((expression, doc))
    return result


def _fields(field_list: Node, doc: dict[str, Any], members: dict[str, str], branches: dict[str, str]) -> str | None:
    """One field list's Members/Arguments/Return/Errors/Features into ``doc``; the base it names, if any."""
    base = None
    names = field_list.elements("dt")
    values = field_list.elements("dd")
    for name_node, value in zip(names, values, strict=False):
        title = _flat(name_node.text()).rstrip(":").strip().lower()
        if title in ("members", "arguments", "features", "values", "alternatives"):
            for item in _descendants(value, "li"):
                strong = next(iter(_descendants(item, "strong")), None)
                text = _flat(item.text())
                if strong is not None and text.startswith(_flat(strong.text())):
                    member = _flat(strong.text())
                    words = text.split(DASH, 1)[1] if DASH in text else ""
                    if title == "features":
                        doc["features"][member] = [words]
                    elif title in ("members", "arguments"):
                        doc["members"][member] = [words]
                        members[member] = "x"
                    continue
                branch = re.match(r"When (\S+) is (\S+): The members of", text)
                reference = _reference(item)
                if branch and reference:
                    branches[branch[2]] = reference
                elif text.startswith("The members of") and reference:
                    base = reference
        elif title in ("return", "returns"):
            # "StatusInfo" or "value, dash, The property value ...": the type the schema shows already, then the words.
            lines = [line for line in _block_lines(value) if line]
            if lines and DASH in lines[0]:
                lines[0] = lines[0].split(DASH, 1)[1]
            elif lines and re.fullmatch(r"\[?[\w-]+\]?", lines[0]):
                lines = lines[1:]
            doc["sections"]["returns"] = lines
        elif title == "errors":
            doc["sections"]["errors"] = _block_lines(value)
    return base
