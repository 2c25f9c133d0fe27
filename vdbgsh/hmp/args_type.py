"""HMP's args_type mini-language ("device:B,speed:o?,base:s?"), read the way monitor_parse_arguments() reads it."""

from __future__ import annotations

import functools
from typing import NamedTuple

KINDS = frozenset("sFBSOilMoTb/-")

# Types whose argument may end in '?' (and '.' for the integers); others leave a modifier to the next key, as in C.
_OPTIONAL_KINDS = frozenset("sFBSoTilM")


class ArgSpec(NamedTuple):
    key: str
    kind: str  # one of KINDS; '-' is a flag
    optional: bool  # '?': may be omitted, but only at the end of the line
    dot_optional: bool  # '.': present only when introduced by '.'
    flag: str  # the flag's letter, '' for positional arguments
    flag_takes_string: bool  # '-xs': the flag is followed by a value
    tail: str  # args_type text after the flag's letter: HMP looks for later flags in it (is_valid_option)


@functools.lru_cache(maxsize=512)
def parse_args_type(args_type: str) -> tuple[ArgSpec, ...]:
    """The arguments of one args_type string, in order.

    Follows key_get_info(): one ',' is skipped before a key and the key runs to the next ':'. A modifier a type
    does not take stays in the text and becomes part of the next key, exactly as HMP would misread it. Unknown
    types raise ValueError: they are mistakes in a command table, not in what the user typed.
    """
    specs: list[ArgSpec] = []
    pos, size = 0, len(args_type)
    while True:
        if pos < size and args_type[pos] == ",":
            pos += 1
        colon = args_type.find(":", pos)
        if colon < 0:
            break
        key = args_type[pos:colon]
        kind = args_type[colon + 1 : colon + 2]
        pos = colon + 2
        if kind not in KINDS or not kind:
            raise ValueError(f"args_type {args_type!r}: unknown type {kind!r} for {key!r}")
        modifier = args_type[pos : pos + 1]
        if kind == "-":
            flag = args_type[pos : pos + 1]
            if not flag or flag == ",":
                raise ValueError(f"args_type {args_type!r}: flag {key!r} has no letter")
            pos += 1
            takes_string = args_type[pos : pos + 1] == "s"
            specs.append(ArgSpec(key, kind, False, False, flag, takes_string, args_type[pos:]))
            pos += takes_string
            continue
        optional = modifier == "?" and kind in _OPTIONAL_KINDS
        dot_optional = modifier == "." and kind in "ilM"
        pos += optional or dot_optional
        specs.append(ArgSpec(key, kind, optional, dot_optional, "", False, ""))
    return tuple(specs)


__all__ = ["KINDS", "ArgSpec", "parse_args_type"]
