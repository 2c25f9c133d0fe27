"""``cmd key=value key.sub=value list.0=x``: shell-like words, dotted keys nested, values typed simply.

Until the schema layer types values, a value is a JSON literal when it parses as one, else a string.
"""

from __future__ import annotations

import json
from typing import Any

from vdbgsh.syntax.errors import ParseError
from vdbgsh.transport.base import JSONObject


def split_words(text: str) -> list[str]:
    import shlex  # only typed lines need it; command-line words arrive split

    try:
        return shlex.split(text, comments=False, posix=True)
    except ValueError as err:
        # shlex says "No closing quotation" without a position; the fault is the last opened quote.
        quote_at = max(text.rfind('"'), text.rfind("'"))
        raise ParseError(f"{err}".lower(), text, quote_at, "close the quote, or escape it with a backslash") from None


def simple_value(text: str) -> Any:
    try:
        return json.loads(text)
    except ValueError:
        return text


def _locate(text: str, word: str) -> int:
    found = text.find(word)
    return found if found >= 0 else len(text)


def _set_path(target: JSONObject, path: list[str], value: Any, text: str, word: str) -> None:
    node: Any = target
    for depth, part in enumerate(path):
        last = depth == len(path) - 1
        if isinstance(node, list):
            if not part.isdigit():
                raise ParseError(f"'{part}' is not a list index in '{word}'", text, _locate(text, word))
            index = int(part)
            if index > len(node):
                raise ParseError(f"list index {index} in '{word}' skips index {len(node)}", text, _locate(text, word))
            if index == len(node):
                node.append(None)
            if last:
                node[index] = value
            else:
                if node[index] is None:
                    node[index] = [] if path[depth + 1].isdigit() else {}
                node = node[index]
            continue
        if last:
            if part in node:
                raise ParseError(f"'{'.'.join(path)}' is given twice", text, _locate(text, word))
            node[part] = value
            return
        child = node.get(part)
        if child is None:
            child = [] if path[depth + 1].isdigit() else {}
            node[part] = child
        elif not isinstance(child, (dict, list)):
            raise ParseError(f"'{part}' already has a plain value; it cannot have members", text, _locate(text, word))
        node = child


def parse_arguments(words: list[str], text: str | None = None) -> JSONObject:
    """Turn ``key=value`` words into a QMP arguments object."""
    source = text if text is not None else " ".join(words)
    arguments: JSONObject = {}
    for word in words:
        key, sep, raw = word.partition("=")
        if not sep or not key:
            raise ParseError(
                f"'{word}' is not key=value",
                source,
                _locate(source, word),
                "arguments are key=value (nested: key.member=value, lists: key.0=value)",
            )
        path = key.split(".")
        if any(not part for part in path):
            raise ParseError(f"empty name in '{key}'", source, _locate(source, word))
        _set_path(arguments, path, simple_value(raw), source, word)
    return arguments


def parse_keyvalue_request(text: str) -> JSONObject:
    words = split_words(text)
    if not words:
        raise ParseError("empty command", text, 0)
    command, *rest = words
    if "=" in command:
        raise ParseError(f"'{command}' is not a command name", text, 0, "a command line looks like: CMD key=value ...")
    request: JSONObject = {"execute": command}
    arguments = parse_arguments(rest, text)
    if arguments:
        request["arguments"] = arguments
    return request
