"""A QMP request typed as JSON: ``{"execute": "cmd", "arguments": {...}}``."""

from __future__ import annotations

import json
from typing import Any

from vdbgsh.syntax.errors import ParseError
from vdbgsh.transport.base import JSONObject

REQUEST_KEYS = ("execute", "exec-oob", "arguments", "id", "control")


def looks_like_json(text: str) -> bool:
    return text.lstrip().startswith("{")


def parse_json_request(text: str) -> JSONObject:
    try:
        value: Any = json.loads(text)
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
