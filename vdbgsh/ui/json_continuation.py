"""Whether a typed JSON request is complete: the prompt continues until its braces close."""

from __future__ import annotations


def json_is_open(text: str) -> bool:
    """True while a line starting with ``{`` has more openings than closings outside strings."""
    body = text.lstrip()
    if body.startswith("!"):
        body = body[1:].lstrip()
    if not body.startswith("{"):
        return False
    depth = 0
    in_string = escaped = False
    for ch in body:
        if in_string:
            if escaped:
                escaped = False
            elif ch == "\\":
                escaped = True
            elif ch == '"':
                in_string = False
        elif ch == '"':
            in_string = True
        elif ch in "{[":
            depth += 1
        elif ch in "}]":
            depth -= 1
    return depth > 0
