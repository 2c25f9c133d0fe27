"""QMP -> HMP: the HMP line that does what a QMP request does, where one exists (the other half of translate.py).

Candidates are built from the table's entries for the request's command (the inverse of rename, absent, copy and
fixed, HMP's argument grammar read backwards); one is kept only when translating it forward again gives the same
request. That check is what makes this safe: a shape converter or a value HMP would read otherwise (a size in MiB,
a flag it cannot say false) rules a candidate out instead of printing a line that does something else.

The table is a parameter (the entries of the guest's QEMU version), and so is the forward translation.
"""

from __future__ import annotations

import json
import re
from collections.abc import Callable, Iterable, Mapping, Sequence
from typing import Any, NamedTuple

from vdbgsh.hmp.args_type import ArgSpec, parse_args_type
from vdbgsh.hmp.shape_names import ShapeName
from vdbgsh.hmp.table import Entry

Forward = Callable[[str], Sequence[Mapping[str, Any]]]  # an HMP line -> its QMP requests (raises on a bad line)

_PLAIN_WORD = re.compile(r"[^\s\"\\]+")
_MIB = 1024 * 1024


class Reverse(NamedTuple):
    line: str | None  # the HMP line, None when no HMP command does the same
    why: str  # when there is none: why, in one sentence


def hmp_line(request: Mapping[str, Any], entries: Iterable[Entry], forward: Forward) -> Reverse:
    """The HMP line for ``request`` ({"execute": ..., "arguments": {...}}), or why there is none."""
    command = request.get("execute", request.get("exec-oob"))
    arguments = request.get("arguments") or {}
    if not isinstance(command, str) or not isinstance(arguments, Mapping):
        return Reverse(None, 'not a QMP request: it needs an "execute" name and an "arguments" object')
    if command == "human-monitor-command" and isinstance(arguments.get("command-line"), str):
        return Reverse(arguments["command-line"], "")
    candidates = [entry for entry in entries if entry.qmp == command]
    if not candidates:
        return Reverse(None, f"no HMP command does what {command} does")
    for entry in candidates:
        line = _line(entry, dict(arguments))
        if line is not None and _same(line, command, dict(arguments), entry, forward):
            return Reverse(line, "")
    names = ", ".join(entry.name for entry in candidates)
    return Reverse(None, f"HMP's {names} cannot say these arguments of {command}")


def _same(line: str, command: str, arguments: dict[str, Any], entry: Entry, forward: Forward) -> bool:
    """Translating ``line`` forward gives the request back (members HMP adds of itself may be missing from it)."""
    try:
        requests = list(forward(line))
    except Exception:  # any refusal of the forward translation rules the candidate out
        return False
    if len(requests) != 1 or requests[0].get("execute") != command:
        return False
    back = dict(requests[0].get("arguments") or {})
    implied = {**entry.absent, **entry.fixed}
    for member in set(back) - set(arguments):
        if member not in implied and member not in entry.copy:
            return False
    return all(back.get(member) == value for member, value in arguments.items())


def _line(entry: Entry, arguments: dict[str, Any]) -> str | None:
    special = _SPECIAL.get(entry.shape)
    words = special(arguments) if special is not None else _words(entry, arguments)
    return " ".join([entry.name, *words]) if words is not None else None


def _words(entry: Entry, arguments: dict[str, Any]) -> list[str] | None:
    """HMP's arguments for a plain entry, in args_type order; None when HMP cannot say them."""
    qmp_to_key = {member: key for key, member in entry.rename.items()}
    given: dict[str, Any] = {}
    missing = object()
    for member, value in arguments.items():
        if entry.fixed.get(member, missing) == value or entry.absent.get(member, missing) == value:
            continue
        if member in entry.copy:
            continue  # the forward check sees that it equals the key it repeats
        given[qmp_to_key.get(member, member)] = value
    specs = parse_args_type(entry.args_type)
    if set(given) - {spec.key for spec in specs}:
        return None
    words: list[str] = []
    skipped = False
    for spec in specs:
        if spec.key not in given:
            if spec.kind == "-":
                continue
            if not (spec.optional or spec.dot_optional or spec.kind == "O"):
                return None
            skipped = True
            continue
        if skipped and spec.kind != "-":
            return None  # an optional argument left out before one given: HMP cannot skip it
        word = _word(spec, given[spec.key])
        if word is None:
            return None
        if word:
            words.append(word)
    return words


def _word(spec: ArgSpec, value: Any) -> str | None:
    kind = spec.kind
    if kind == "-":
        if spec.flag_takes_string:
            return f"-{spec.flag} {_string(value)}" if isinstance(value, str) else None
        if isinstance(value, bool):
            return f"-{spec.flag}" if value else ""
        return None
    if isinstance(value, bool):
        return ("on" if value else "off") if kind == "b" else None
    if kind in "sFB":
        return _string(value) if isinstance(value, str) else None
    if kind == "S":
        return value if isinstance(value, str) and value else None
    if kind in "il":
        return str(value) if isinstance(value, int) else None
    if kind == "M":
        return str(value // _MIB) if isinstance(value, int) and value % _MIB == 0 else None
    if kind == "o":
        return _size(value) if isinstance(value, int) else None
    if kind == "T":
        return str(value) if isinstance(value, int | float) else None
    return None


def _size(value: int) -> str:
    """A byte count in HMP's size syntax (a bare number there means MiB)."""
    for suffix, unit in (("T", 1 << 40), ("G", 1 << 30), ("M", 1 << 20), ("K", 1 << 10)):
        if value and value % unit == 0:
            return f"{value // unit}{suffix}"
    return f"{value}B"


def _string(value: str) -> str:
    """One HMP token: bare when it is one plain word, else double-quoted with HMP's escapes."""
    if _PLAIN_WORD.fullmatch(value):
        return value
    escaped = value.replace("\\", "\\\\").replace('"', '\\"').replace("\n", "\\n").replace("\r", "\\r")
    return f'"{escaped}"'


def _opts_value(value: Any) -> str | None:
    if isinstance(value, bool):
        return "on" if value else "off"
    if isinstance(value, int | float):
        return str(value)
    if isinstance(value, str):
        return value.replace(",", ",,")
    return None


def _options(implied: str) -> Callable[[dict[str, Any]], list[str] | None]:
    """device_add / netdev_add: one QemuOpts token, the implied key's value first."""

    def words(arguments: dict[str, Any]) -> list[str] | None:
        first = _opts_value(arguments.get(implied))
        if first is None:
            return None
        parts = [first]
        for key, value in arguments.items():
            text = _opts_value(value)
            if text is None:
                return None
            if key != implied:
                parts.append(f"{key}={text}")
        return [_string(",".join(parts))]

    return words


def _capability(arguments: dict[str, Any]) -> list[str] | None:
    capabilities = arguments.get("capabilities")
    if len(arguments) != 1 or not isinstance(capabilities, list) or len(capabilities) != 1:
        return None
    only = capabilities[0]
    if not isinstance(only, dict) or not isinstance(only.get("state"), bool):
        return None
    return [str(only.get("capability")), "on" if only["state"] else "off"]


def _parameter(arguments: dict[str, Any]) -> list[str] | None:
    if len(arguments) != 1:
        return None
    ((name, value),) = arguments.items()
    if isinstance(value, bool):
        return [name, "on" if value else "off"]
    if name in ("max-bandwidth", "avail-switchover-bandwidth") and isinstance(value, int):
        return [name, _size(value)]
    if isinstance(value, str | int | float):
        return [name, _string(str(value))]
    return [name, _string(json.dumps(value))]


_SPECIAL: dict[ShapeName | None, Callable[[dict[str, Any]], list[str] | None]] = {
    ShapeName.DEVICE_ADD: _options("driver"),
    ShapeName.NETDEV_ADD: _options("type"),
    ShapeName.MIGRATE_SET_CAPABILITY: _capability,
    ShapeName.MIGRATE_SET_PARAMETER: _parameter,
}

__all__ = ["Forward", "Reverse", "hmp_line"]
