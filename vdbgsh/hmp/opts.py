"""QemuOpts option strings (util/qemu-option.c): `device_add` and `netdev_add` arguments, chardev and drive options.

`NAME=VALUE,...` where ",," is a literal comma, a first bare value belongs to the implied key, a bare `name` means
name=on and `noname` name=off. Values stay strings; the QMP schema types them later.
"""

from __future__ import annotations

import re

from vdbgsh.hmp.keyval import parse_keyval, parse_keyval_help
from vdbgsh.hmp.tokens import comma_value
from vdbgsh.syntax.errors import ParseError

# The QemuOpts lists an HMP `O` argument names, and the key a first bare value stands for.
IMPLIED_KEYS = {"device": "driver", "netdev": "type", "chardev": "backend", "drive": None}

_NAME = re.compile(r"[^=,]*")

OPTS_HINT = "options are NAME=VALUE separated by ',', and ',,' is a comma inside a value"


def _name_value(text: str, pos: int, implied_key: str | None) -> tuple[str, str, int, int]:
    """get_opt_name_value(): one option from ``pos``; returns name, value, where the name starts, the next option."""
    size = len(text)
    stop = _NAME.match(text, pos).end()  # type: ignore[union-attr]  # a '*' pattern always matches
    if stop < size and text[stop] == "=":
        value, end = comma_value(text, stop + 1)
        return text[pos:stop], value, pos, end
    if implied_key is not None:
        value, end = comma_value(text, pos)
        return implied_key, value, pos, end
    name, end = text[pos:stop], stop
    if name.startswith("no"):
        return name[2:], "off", pos, end
    return name, "on", pos, end


def _options(text: str, implied_key: str | None) -> list[tuple[str, str, int]]:
    options: list[tuple[str, str, int]] = []
    pos, size = 0, len(text)
    while pos < size:
        name, value, at, pos = _name_value(text, pos, implied_key)
        implied_key = None
        options.append((name, value, at))
        if pos < size:
            pos += 1  # the ',' before the next option
    return options


def _id_wellformed(ident: str) -> bool:
    if not ident or not ("a" <= ident[0].lower() <= "z"):
        return False
    return all(ch.isascii() and (ch.isalnum() or ch in "-._") for ch in ident)


def parse_qemu_opts(text: str, implied_key: str | None) -> dict[str, str]:
    """``text`` as qemu_opts_parse() + qemu_opts_to_qdict() read it: {"id": ..., name: value, ...}.

    "id" comes first when given (the first id= wins, checked as QEMU checks identifiers); a repeated option keeps
    its last value. `help` stays an option ({"help": "on"}): whether to show help is the caller's decision.
    Raises ParseError (source ``text``) for an ill-formed id and, unlike QEMU, for an empty option name, which no
    device, netdev or chardev has.
    """
    result: dict[str, str] = {}
    # QEMU finds the id in a separate pass that never applies the implied key: keep that quirk.
    for name, value, at in _options(text, None) if "id" in text else ():
        if name == "id":
            if not _id_wellformed(value):
                raise ParseError(
                    "Parameter 'id' expects an identifier",
                    text,
                    at,
                    "identifiers consist of letters, digits, '-', '.', '_', starting with a letter",
                )
            result["id"] = value
            break
    for name, value, at in _options(text, implied_key):
        if name == "id":
            continue
        if not name:
            raise ParseError(f"option name expected ({OPTS_HINT})", text, at)
        result[name] = value
    return result


__all__ = ["IMPLIED_KEYS", "OPTS_HINT", "parse_keyval", "parse_keyval_help", "parse_qemu_opts"]
