"""QEMU's QAPI references as Sphinx renders them (qemu-qmp-ref.html, qemu-ga-ref.html; QEMU 9.2 and later: the
"qapi" domain) read back into the definitions scripts/qapi_source.py reads from the schema's .json files: for a QEMU
whose sources cannot be had, its Debian package's rendered documentation holds the same words and types.

Each ``<dl class="qapi KIND">`` is one definition: the ``<p>``s of its ``<dd>`` the description, its field list
the members with their types ("The members of X" a base, "When tag is v: The members of X" a union's branch),
Values, Alternatives, Return(s) with its type, Errors, Features; "Availability" its build condition; the version
comes from the signature's "(Since: X)"; examples are left out. What the rendering does not show is not recovered:
a member's own build condition or features (QEMU's qapidoc leaves them out), a command's success-response or
allow-oob, and the members' order where the doc comment lists them in another order than the definition.

Checked against the source: QEMU 10.2's qemu-ga-ref.html, rendered from 10.2's tarball with its own Sphinx extensions
(docs/sphinx, Sphinx 8.1), read this way gives the schema gen_agent_schema.py reads from 10.2's qga/qapi-schema.json
(132 entries) but for the member order of GuestUser and GuestFilesystemTrimResult; the words differ in typography
(curly quotes, '--' as a dash), *emphasis* and numbered lists shown as "- " items.
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field
from html.parser import HTMLParser
from typing import Any

from qapi_source import Doc, condition

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


# Sphinx shows builtin types by their JSON name (QAPI's doc_type); the schema's files name them so.
_SOURCE_TYPE = {"string": "str", "boolean": "bool", "value": "any"}
_TYPED = re.compile(r"^(\S+) \((\[?[\w-]+\]?)(, optional)?\)")


def _schema_type(shown: str) -> str | list[str]:
    """A type as the .json files spell it: "[string]" -> ['str']."""
    if shown.startswith("[") and shown.endswith("]"):
        return [_SOURCE_TYPE.get(shown[1:-1], shown[1:-1])]
    return _SOURCE_TYPE.get(shown, shown)


_TITLE = re.compile(r"(?:QMP|QGA|QSD):(?:[\w-]+\.)?([\w-]+)$")  # the namespace, the module, the name


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


def doc_of(fields: dict[str, Any]) -> Doc:
    return Doc(fields["symbol"], fields["body"], fields["members"], fields["features"], fields["sections"])


def definitions(html: str) -> list[tuple[dict[str, Any], dict[str, Any]]]:  # noqa: PLR0915 (one walk)
    """(expression, doc) pairs: the expression as the schema's .json would spell it (names, types, references,
    build conditions, features), the doc as qapi_source.Doc's fields (symbol, body, members, features, sections)."""
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
        members: dict[str, Any] = {}
        branches: dict[str, str] = {}
        listed: list[tuple[str, Any]] = []  # an enum's values, an alternate's alternatives
        base: str | None = None
        tag = ""
        for child in body.elements():
            if child.tag == "p":
                doc["body"].extend([_flat(child.text()), ""])
            elif child.tag in ("ul", "ol"):
                doc["body"].extend(["- " + _flat(item.text()) for item in child.elements("li")] + [""])
            elif child.tag == "div" and "qapi-infopips" in child.classes():
                for pip in child.elements("div"):
                    if "qapi-ifcond" in pip.classes():
                        expression["if"] = condition(_flat(" ".join(c.text() for c in pip.elements("code"))))
            elif child.tag == "div" and "admonition" in child.classes():
                title = _flat(" ".join(t.text() for t in child.elements("p") if "admonition-title" in t.classes()))
                if title.lower().startswith("note"):
                    paragraphs = [p for p in child.elements("p") if "admonition-title" not in p.classes()]
                    doc["sections"].setdefault("note", []).extend(_flat(p.text()) for p in paragraphs)
            elif child.tag == "dl" and "field-list" in child.classes():
                found, tag = _fields(
                    child, doc, members=members, branches=branches, listed=listed, expression=expression
                )
                base = found or base
        if doc["features"]:
            expression["features"] = list(doc["features"])
        if kind == "enum":
            expression["data"] = [value for value, _type in listed]
        elif kind == "alternate":
            expression["data"] = dict(listed)
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
                union_base = base if base and not members else members
                expression = {"union": name, "base": union_base, "discriminator": tag, "data": branches} | {
                    key: value for key, value in expression.items() if key in ("if", "features")
                }
        result.append((expression, doc))
    return result


def _member_words(item: Node, text: str) -> list[str]:
    """A member's words after its name and type, a list inside them one "- " line an item."""
    lists = [*_descendants(item, "ul"), *_descendants(item, "ol")]
    if not lists:
        words = text.split(DASH, 1)[1] if DASH in text else ""
        return [] if words == "Not documented" else [words]  # the renderer's filler for no words
    own = _flat(_without(item, {"ul", "ol"}))
    head = own.split(DASH.rstrip(), 1)[1].strip() if DASH.rstrip() in own else ""
    return [head] * bool(head) + ["- " + _flat(entry.text()) for found in lists for entry in found.elements("li")]


def _without(node: Node, tags: set[str]) -> str:
    return "".join(
        child if isinstance(child, str) else "" if child.tag in tags else _without(child, tags)
        for child in node.children
    )


def _fields(
    field_list: Node,
    doc: dict[str, Any],
    *,
    members: dict[str, Any],
    branches: dict[str, str],
    listed: list[tuple[str, Any]],
    expression: dict[str, Any],
) -> tuple[str | None, str]:
    """One field list's Members/Arguments/Values/Alternatives/Return/Errors/Features into ``doc`` (the types into
    ``members``, ``listed`` and ``expression``); the base it names, if any, and a union's tag member."""
    base = None
    tag = ""
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
                    words = _member_words(item, text)
                    typed = _TYPED.match(text)
                    if title == "features":
                        doc["features"][member] = words
                    elif title in ("members", "arguments"):
                        doc["members"][member] = words
                        optional = "*" if typed and typed[3] else ""
                        members[optional + member] = _schema_type(typed[2]) if typed else "any"
                    elif title in ("values", "alternatives"):
                        doc["members"][member] = words
                        listed.append((member, _schema_type(typed[2]) if typed else ""))
                    continue
                branch = re.match(r"When (\S+) is (\S+): The members of", text)
                reference = _reference(item)
                if branch and reference:
                    branches[branch[2]] = reference
                    tag = branch[1]
                elif text.startswith("The members of") and reference:
                    base = reference
        elif title in ("return", "returns"):
            # "StatusInfo" or "value, dash, The property value ...": the type the schema shows already, then the words.
            lines = [line for line in _block_lines(value) if line]
            shown = re.match(r"\[?[\w-]+\]?", lines[0]) if lines else None
            if shown:
                expression["returns"] = _schema_type(shown[0])
            if lines and DASH in lines[0]:
                lines[0] = lines[0].split(DASH, 1)[1]
            elif lines and re.fullmatch(r"\[?[\w-]+\]?", lines[0]):
                lines = lines[1:]
                if lines and lines[0] == DASH.strip():  # the words were a block of their own after the dash
                    lines = lines[1:]
            doc["sections"]["returns"] = lines
        elif title == "errors":
            doc["sections"]["errors"] = _block_lines(value)
    return base, tag
