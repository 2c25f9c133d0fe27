"""keyval option strings (util/keyval.c), as `object_add` reads them; a text that starts with '{' is JSON instead.

Dotted keys nest (`a.b=1` is {"a": {"b": "1"}}), all-numeric fragments make lists (`a.0=x,a.1=y`), ",," is a
literal comma, the first bare value belongs to the implied key, and there is no `noflag` shorthand.
"""

from __future__ import annotations

import json
import re
from typing import Any

from vdbgsh.hmp.tokens import comma_value
from vdbgsh.syntax.errors import ParseError
from vdbgsh.syntax.json_request import TooDeep, load_json

# parse_qapi_name(): an optional "__RFQDN_" prefix, then a letter and letters, digits, '-' or '_'.
_QAPI_NAME = re.compile(r"(?:__[A-Za-z0-9.-]*_)?[A-Za-z][A-Za-z0-9_-]*")
_INDEX = re.compile(r"[0-9]+")
_INT_MAX = (1 << 31) - 1
_MAX_FRAGMENT = 127

KEYVAL_HINT = "options are KEY=VALUE separated by ',', dotted keys nest (a.b=1), ',,' is a comma in a value"


class _Tree(dict[str, Any]):
    """An inner node still being built; becomes a dict or a list when parsing ends."""


def parse_keyval(text: str, implied_key: str | None) -> dict[str, Any]:
    """``text`` as keyval_parse() reads it (JSON when it starts with '{'); leaves are strings.

    A help request (`help` or `?`) is an error here, as in keyval_parse() without a help pointer.
    """
    result, help_wanted = parse_keyval_help(text, implied_key)
    if help_wanted:
        raise ParseError("Help is not available for this option", text, 0)
    return result


def parse_keyval_help(text: str, implied_key: str | None) -> tuple[dict[str, Any], bool]:
    """Like parse_keyval(), and whether `help` or `?` asked for help (its options are still returned)."""
    if text.startswith("{"):
        return _json_object(text), False
    root = _Tree()
    starts: list[tuple[str, int]] = []  # every key as written, and where: to point at list errors
    help_wanted = False
    pos, size = 0, len(text)
    while pos < size:
        pos, asked = _parse_one(text, pos, implied_key, root, starts)
        help_wanted = help_wanted or asked
        implied_key = None
    return _listify(root, "", text, starts), help_wanted


def _json_object(text: str) -> dict[str, Any]:
    try:
        value = load_json(text)
    except TooDeep as err:
        raise ParseError(f"JSON: {err}", text, 0) from None
    except json.JSONDecodeError as err:
        raise ParseError(f"JSON: {err.msg}", text, err.pos) from None
    if not isinstance(value, dict):  # pragma: no cover - a text starting with '{' decodes to an object or fails
        raise ParseError("a JSON object expected", text, 0)
    return value


def _parse_one(
    text: str, pos: int, implied_key: str | None, root: _Tree, starts: list[tuple[str, int]]
) -> tuple[int, bool]:
    """keyval_parse_one(): one KEY=VALUE (or implied value, or help) from ``pos``; returns the next position."""
    stop = pos
    size = len(text)
    while stop < size and text[stop] not in "=,":
        stop += 1
    word = text[pos:stop]
    value_end = -1
    key, key_at = word, pos
    if word and (stop == size or text[stop] != "="):
        if word in ("help", "?"):
            return stop + (stop < size), True
        if implied_key is not None:
            key, value_end = implied_key, stop
    fragments = _fragments(key, text, key_at)
    starts.append((key, key_at))
    if value_end >= 0:
        value = text[pos:value_end]
        after = value_end + (value_end < size)
    else:
        if stop >= size or text[stop] != "=":
            raise ParseError(f"Expected '=' after parameter '{key}' ({KEYVAL_HINT})", text, stop)
        value, comma = comma_value(text, stop + 1)
        after = min(comma + 1, size)
    _put(root, fragments, value, text=text, at=key_at)
    return after, False


def _fragments(key: str, text: str, at: int) -> list[str]:
    fragments: list[str] = []
    pos, size = 0, len(key)
    while True:
        match = (_INDEX.match(key, pos) if pos else None) or _QAPI_NAME.match(key, pos)
        end = match.end() if match else pos
        if end == pos or (end < size and key[end] != "."):
            raise ParseError(f"Invalid parameter '{key}' ({KEYVAL_HINT})", text, at)
        if end - pos > _MAX_FRAGMENT:
            whole = pos == 0 and end == size
            raise ParseError(f"Parameter{'' if whole else ' fragment'} '{key[pos:end]}' is too long", text, at + pos)
        fragments.append(key[pos:end])
        if end >= size:
            return fragments
        pos = end + 1


def _put(root: _Tree, fragments: list[str], value: str, *, text: str, at: int) -> None:
    key = ".".join(fragments)
    node = root
    for depth, fragment in enumerate(fragments[:-1]):
        child = node.get(fragment)
        if child is None:
            child = node[fragment] = _Tree()
        elif not isinstance(child, _Tree):
            prefix = ".".join(fragments[: depth + 1])
            raise ParseError(f"Parameters '{prefix}.*' used inconsistently", text, at)
        node = child
    if isinstance(node.get(fragments[-1]), _Tree):
        raise ParseError(f"Parameters '{key}.*' used inconsistently", text, at)
    node[fragments[-1]] = value


def _index(fragment: str) -> int:
    return min(int(fragment), _INT_MAX) if fragment.isdigit() and fragment.isascii() else -1


def _listify(node: _Tree, prefix: str, text: str, starts: list[tuple[str, int]]) -> Any:
    """keyval_listify(): objects whose keys are all indexes become lists, which must have no gaps."""
    has_index = has_member = False
    for name, child in node.items():
        if _index(name) >= 0:
            has_index = True
        else:
            has_member = True
        if isinstance(child, _Tree):
            node[name] = _listify(child, f"{prefix}{name}.", text, starts)
    if has_index and has_member:
        raise ParseError(f"Parameters '{prefix}*' used inconsistently", text, _where(prefix, starts))
    if not has_index:
        return dict(node)
    items: dict[int, Any] = {}
    for name, child in node.items():
        index = _index(name)
        if index < len(node):  # as QEMU: an index past the member count can only leave a gap
            items[index] = child
    for index in range(min(len(node) + 1, max(map(_index, node)) + 1)):
        if index not in items:
            raise ParseError(f"Parameter '{prefix}{index}' missing", text, _where(prefix, starts))
    return [items[index] for index in range(len(items))]


def _where(prefix: str, starts: list[tuple[str, int]]) -> int:
    return next((at for key, at in starts if key.startswith(prefix)), 0)


__all__ = ["KEYVAL_HINT", "parse_keyval", "parse_keyval_help"]
