"""``key=value`` words collected into a tree: dotted keys nest, numeric segments index lists.

The tree keeps each value's text and where it stands, so the schema typing (schema_typing.py) can point at a
fault; without a schema, ``loose_arguments`` types values simply (JSON literal, else string).
"""

from __future__ import annotations

from typing import Any, NamedTuple

from vdbgsh.syntax.errors import ParseError
from vdbgsh.syntax.json_request import MAX_NESTING, load_json
from vdbgsh.syntax.words import Word
from vdbgsh.transport.base import JSONObject


class Leaf(NamedTuple):
    text: str
    value_at: int  # where the value starts in the line
    key_at: int  # where its key=value word starts


Tree = dict[str, "Tree | Leaf"]


def arguments_tree(words: list[Word], source: str) -> Tree:
    """Nest ``key.sub=value`` words into a tree of raw texts; only the shape is checked here."""
    tree: Tree = {}
    for word in words:
        key, sep, value = word.text.partition("=")
        if not sep or not key:
            raise ParseError(
                f"'{word.text}' is not key=value",
                source,
                word.start,
                "arguments are key=value (nested: key.member=value, lists: key.0=value)",
            )
        path = key.split(".")
        if any(not part for part in path):
            raise ParseError(f"empty name in '{key}'", source, word.start)
        if len(path) > MAX_NESTING:
            raise ParseError(f"'{key}' nests deeper than {MAX_NESTING} levels", source, word.start)
        node = tree
        for depth, part in enumerate(path[:-1]):
            child = node.setdefault(part, {})
            if isinstance(child, Leaf):
                raise ParseError(
                    f"'{'.'.join(path[: depth + 1])}' already has a plain value; it cannot have members",
                    source,
                    word.start,
                )
            node = child
        if path[-1] in node:
            raise ParseError(f"'{key}' is given twice", source, word.start)
        node[path[-1]] = Leaf(value, word.value_start if word.value_start >= 0 else word.end, word.start)
    return tree


def first_key_at(node: Tree | Leaf) -> int:
    if isinstance(node, Leaf):
        return node.key_at
    return min(first_key_at(child) for child in node.values())


def list_indexes(tree: Tree, path: str, source: str) -> list[str]:
    """The keys of a list given as ``path.0=``, ``path.1=`` ...: they must count up from 0 without gaps."""
    indexes = sorted(tree, key=lambda key: (not key.isdigit(), int(key) if key.isdigit() else 0))
    for position, key in enumerate(indexes):
        if key != str(position):
            raise ParseError(
                f"'{path}' is a list: expected index {position} here, not '{key}'", source, first_key_at(tree[key])
            )
    return indexes


def loose_arguments(tree: Tree, source: str) -> JSONObject:
    """Without a schema: JSON literals where the text is one, else strings; numeric keys make lists."""
    return {key: loose_node(node, key, source) for key, node in tree.items()}


def loose_node(node: Tree | Leaf, path: str, source: str) -> Any:
    if isinstance(node, Leaf):
        return loose_value(node.text)
    if node and all(key.isdigit() for key in node):
        return [loose_node(node[key], f"{path}.{key}", source) for key in list_indexes(node, path, source)]
    return {key: loose_node(child, f"{path}.{key}", source) for key, child in node.items()}


def loose_value(text: str) -> Any:
    """Where nothing says otherwise: a JSON literal when the text is one, else the text."""
    try:
        return load_json(text)
    except ValueError:
        return text
