"""Where each value of a JSON object is in the text it was read from, by path: to replace one value (a secret)
in a line as typed, keeping the rest of it as it was."""

from __future__ import annotations

import json
from typing import Any

Path = tuple[str | int, ...]
Positions = dict[Path, list[tuple[int, int]]]

_DECODER = json.JSONDecoder()


def json_with_positions(line: str, at: int) -> tuple[dict[str, Any], Positions] | None:
    """The JSON object at ``at`` and where each of its values is in the line, by path; None if it is not one."""
    try:
        value, _end = _DECODER.raw_decode(line, at)
        spans: Positions = {}
        _value_positions(line, at, (), spans)
    except (ValueError, IndexError, RecursionError):
        return None
    return (value, spans) if isinstance(value, dict) else None


def _skip_space(text: str, at: int) -> int:
    while at < len(text) and text[at] in " \t\n\r":
        at += 1
    return at


def _value_positions(text: str, at: int, path: Path, spans: Positions) -> int:
    """Record where the JSON value at ``at`` and each value inside it start and end; return its end. A member
    given twice has two places (QEMU takes the last; both are masked)."""
    at = _skip_space(text, at)
    opener = text[at]
    if opener not in "{[":
        _value, end = _DECODER.raw_decode(text, at)
        spans.setdefault(path, []).append((at, end))
        return int(end)
    closer = "}" if opener == "{" else "]"
    start, at, index = at, _skip_space(text, at + 1), 0
    while text[at] != closer:
        step: str | int = index
        if opener == "{":
            step, at = json.decoder.scanstring(text, at + 1)  # type: ignore[attr-defined]
            at = _skip_space(text, at)
            if text[at] != ":":
                raise ValueError("':' expected")
            at += 1
        at = _skip_space(text, _value_positions(text, at, (*path, step), spans))
        index += 1
        if text[at] == ",":
            at = _skip_space(text, at + 1)
        elif text[at] != closer:
            raise ValueError(f"',' or '{closer}' expected")
    spans.setdefault(path, []).append((start, at + 1))
    return at + 1
