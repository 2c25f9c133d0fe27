"""Plain words for HMP's terse parse errors: a synopsis of an args_type, and why text was left over."""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from typing import Any

from vdbgsh.hmp.args_type import ArgSpec


def synopsis(specs: Sequence[ArgSpec]) -> str:
    """``[-n] [-v] [device]`` for "nodes:-n,verbose:-v,device:B?"; "(no arguments)" when there are none."""
    words = [_word(spec) for spec in specs]
    return " ".join(words) if words else "(no arguments)"


def _word(spec: ArgSpec) -> str:
    if spec.kind == "-":
        return f"[-{spec.flag} {spec.key}]" if spec.flag_takes_string else f"[-{spec.flag}]"
    if spec.kind == "/":
        return "[/format]"
    if spec.kind == "O":
        return f"[{spec.key} options]"
    word = f"{spec.key}..." if spec.kind == "S" else spec.key
    if spec.dot_optional:
        return f"[.{word}]"
    return f"[{word}]" if spec.optional else word


def flag_order(specs: Sequence[ArgSpec]) -> str:
    return " ".join(f"-{spec.flag}" for spec in specs if spec.kind == "-")


def leftover_explanation(specs: Sequence[ArgSpec], args: Mapping[str, Any], line: str, pos: int) -> str:
    """Why ``line[pos:]`` was not read, in the words a user needs to fix the line."""
    if not specs:
        return "this command takes no arguments"
    flags = {spec.flag for spec in specs if spec.kind == "-"}
    if line[pos] == "-" and line[pos + 1 : pos + 2] in flags:
        return f"flags are only recognised where they belong: {synopsis(specs)}"
    for key, value in args.items():
        if isinstance(value, str) and value[:1] == "-" and value[1:2] in flags:
            return f"{value} was read as {key}: write flags in this order: {flag_order(specs)}"
    last = _last_read(specs, args)
    if last is not None and last.kind == "M" and line[pos] in "kKmMgGtTpPeEbB":
        return f"{last.key} is a number of MiB, without a suffix"
    if last is not None and last.kind in "ilM" and "0" <= line[pos] <= "9" and "0" <= line[pos - 1] <= "9":
        return f"a number with a leading 0 is octal: {line[pos]} is not an octal digit"
    return f"expected: {synopsis(specs)}"


def _last_read(specs: Sequence[ArgSpec], args: Mapping[str, Any]) -> ArgSpec | None:
    for spec in reversed(specs):
        if spec.key in args:
            return spec
    return None


__all__ = ["flag_order", "leftover_explanation", "synopsis"]
