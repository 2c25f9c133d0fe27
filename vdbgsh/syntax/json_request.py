"""A QMP request typed as JSON: ``{"execute": "cmd", "arguments": {...}}``."""

from __future__ import annotations

import json
import re
from typing import Any

from vdbgsh.errors import printable
from vdbgsh.syntax.errors import ParseError
from vdbgsh.transport.base import JSONObject

REQUEST_KEYS = ("execute", "exec-oob", "arguments", "id", "control")
# QMP requests nest a few levels. The checks and renderers after parsing recurse, and json itself ends in a
# RecursionError near 1000 levels: deeper input is refused as too deep, like any other fault in it.
MAX_NESTING = 100


class TooDeep(ValueError):
    def __init__(self) -> None:
        super().__init__(f"nested deeper than {MAX_NESTING} levels")


def load_json(text: str) -> Any:
    """``json.loads`` for typed input: nesting past MAX_NESTING raises TooDeep, a ValueError."""
    try:
        value = json.loads(text)
    except RecursionError:
        raise TooDeep from None
    level = [value]
    for _ in range(MAX_NESTING + 1):
        level = [child for item in level if isinstance(item, (dict, list)) for child in _children(item)]
        if not level:
            return value
    raise TooDeep


# Lone surrogates: invalid UTF-8 bytes as Python decodes argv and stdin, or JSON escapes such as \ud800.
_SURROGATE = "[\ud800-\udfff]"  # searched only once encoding has failed: no compiling on the way of a good request
_SURROGATE_ESCAPE = re.compile(r"\\u[dD][89a-fA-F][0-9a-fA-F]{2}")


def refuse_non_text(request: JSONObject, source: str) -> None:
    """QMP is UTF-8 JSON: a request holding a lone surrogate cannot be sent (the socket transport loses its
    connection trying to encode one), so it is refused here, with a caret under the first one in ``source``."""
    try:
        json.dumps(request, ensure_ascii=False).encode("utf-8")
        return
    except UnicodeEncodeError:  # a lone surrogate: the only text UTF-8 cannot encode
        pass
    raw = re.search(_SURROGATE, source)
    if raw:
        raise ParseError(f"invalid UTF-8 ({printable(raw.group())}): QMP takes UTF-8 text only", source, raw.start())
    escape = _SURROGATE_ESCAPE.search(source)
    raise ParseError(
        "a lone surrogate escape is not text: QMP takes UTF-8 text only", source, escape.start() if escape else 0
    )


def _children(container: dict[str, Any] | list[Any]) -> list[Any]:
    return list(container.values()) if isinstance(container, dict) else container


def looks_like_json(text: str) -> bool:
    return text.lstrip().startswith("{")


def parse_json_request(text: str) -> JSONObject:
    try:
        value: Any = load_json(text)
    except TooDeep as err:
        raise ParseError(f"malformed JSON: {err}", text, 0) from None
    except json.JSONDecodeError as err:
        line, column = err.lineno, err.colno
        raise ParseError(
            f"malformed JSON at line {line}, column {column}: {err.msg}",
            text,
            err.pos,
            'a request looks like {"execute": "query-status"}',
        ) from None
    if not isinstance(value, dict):
        raise ParseError("a QMP request must be a JSON object", text, 0)
    command = value.get("execute", value.get("exec-oob"))
    if not isinstance(command, str) or not command:
        raise ParseError(
            'the request has no "execute" member naming the command',
            text,
            0,
            'a request looks like {"execute": "query-status", "arguments": {}}',
        )
    arguments = value.get("arguments")
    if arguments is not None and not isinstance(arguments, dict):
        offset = text.find('"arguments"')
        raise ParseError('"arguments" must be a JSON object', text, max(offset, 0))
    for key in value:
        if key not in REQUEST_KEYS:
            raise ParseError(
                f'unknown request member "{key}" (expected one of: {", ".join(REQUEST_KEYS)})',
                text,
                max(text.find(f'"{key}"'), 0),
            )
    return value
