"""HMP's argument parser, monitor_parse_arguments() in monitor/hmp.c, re-done exactly and without I/O.

Arguments are strictly positional in args_type order; optional ones may only be left off at the end of the line;
flags are recognised only at their own place. The result is the QDict HMP hands its handler, as a dict: see
parse_arguments(). Errors carry HMP's wording, then what was expected in plain words, with the offset of the fault.
"""

from __future__ import annotations

import re
from typing import Any

from vdbgsh.hmp.args_type import ArgSpec, parse_args_type
from vdbgsh.hmp.expressions import get_expr, wrap64
from vdbgsh.hmp.formats import FormatState, parse_format
from vdbgsh.hmp.opts import parse_qemu_opts
from vdbgsh.hmp.sizes import INT64_MAX, SIZE_EXAMPLES, SizeError, parse_duration, strtosz
from vdbgsh.hmp.tokens import TokenError, get_str
from vdbgsh.hmp.usage import leftover_explanation, synopsis
from vdbgsh.syntax.errors import ParseError

_BLANKS = re.compile(r"[ \t\n\v\f\r]*")
_COMMAND = re.compile(r"[ \t\n\v\f\r]*([^/ \t\n\v\f\r]*)")
_GRAPH = re.compile(r"[!-~]*")  # C isgraph(): what `b` reads as one word

# `O` arguments: the QemuOpts list is named by the key, and its first bare value belongs to this option.
_OPTS_IMPLIED_KEYS = {"device": "driver", "netdev": "type"}
_STRING_EXPECTED = {"s": "string expected", "F": "filename expected", "B": "block device name expected"}
_WHAT = {"s": 'a word or a "double-quoted string"', "F": "a file name", "B": "a block device (drive or node) name"}


def split_command(line: str, start: int = 0) -> tuple[str, int]:
    """get_command_name(): blanks skipped, then the name up to a blank or '/' (so `x/4xw` is `x`, then `/4xw`).

    Returns the name ('' for a blank line) and the offset just after it, where the arguments start.
    """
    match = _COMMAND.match(line, start)
    assert match is not None  # every part of the pattern may be empty
    return match[1], match.end()


def parse_arguments(spec: str, line: str, start: int, *, state: FormatState) -> dict[str, Any]:
    """Parse ``line[start:]`` by the args_type ``spec`` into the dict HMP's handler would get.

    Values by type: s/F/B/S -> str (S is the rest of the line, verbatim); i/l/M -> int (int64; M already in
    bytes); o -> int bytes; T -> float seconds; b -> bool; O -> dict[str, str] of QemuOpts under the key;
    '/' -> "count": int, "format": one letter, "size": int (-1 for 'i' without a size) instead of the key;
    -x -> True when given; -xs -> str when given. Absent optional arguments and flags are absent keys.
    ``state`` keeps the x/xp format defaults between lines, as HMP keeps them for the whole process.
    """
    specs = parse_args_type(spec)
    args: dict[str, Any] = {}
    pos = start
    size = len(line)
    key_prefix = ""
    for arg in specs:
        key = key_prefix + arg.key if key_prefix else arg.key
        key_prefix = ""
        pos = _BLANKS.match(line, pos).end()  # type: ignore[union-attr]  # a '*' pattern always matches
        kind = arg.kind
        if kind in "sFB":
            if arg.optional and pos >= size:
                continue
            args[key], pos = _string(line, pos, arg, key)
        elif kind in "ilM":
            if arg.dot_optional:
                if pos >= size or line[pos] != ".":
                    continue
                pos = _BLANKS.match(line, pos + 1).end()  # type: ignore[union-attr]
            elif arg.optional and pos >= size:
                continue
            args[key], pos = _integer(line, pos, arg, key)
        elif kind == "-":
            pos, skipped = _flag(line, pos, arg, key, args, specs=specs)
            if skipped and arg.flag_takes_string:
                key_prefix = "s,"  # HMP leaves the 's' of '-xs' in args_type: the next key reads "s,key"
        elif kind == "o":
            if arg.optional and pos >= size:
                continue
            args[key], pos = _size(line, pos, arg, key)
        elif kind == "S":
            if pos >= size and arg.optional:
                continue
            args[key], pos = _rest(line, pos, key)
        elif kind == "O":
            if pos < size:
                args[key], pos = _options(line, pos, key)
        elif kind == "/":
            args["count"], args["format"], args["size"], pos = parse_format(line, pos, state)
        elif kind == "b":
            args[key], pos = _boolean(line, pos, key)
        else:  # 'T', the only other kind args_type.py lets through
            if arg.optional and pos >= size:
                continue
            args[key], pos = _duration(line, pos, key)
    pos = _BLANKS.match(line, pos).end()  # type: ignore[union-attr]
    if pos < size:
        explanation = leftover_explanation(specs, args, line, pos)
        raise ParseError(f"extraneous characters at the end of line ({explanation})", line, pos)
    return args


def _flag(
    line: str, pos: int, arg: ArgSpec, key: str, args: dict[str, Any], *, specs: tuple[ArgSpec, ...]
) -> tuple[int, bool]:
    """One flag's place: stores it when given; returns the new offset and whether the text was left for later."""
    if pos >= len(line) or line[pos] != "-":
        return pos, False
    letter = line[pos + 1 : pos + 2]
    if letter != arg.flag:
        # HMP's is_valid_option(): '-' and the letter anywhere later in args_type, even inside a key name
        # ("snapshot-file" makes -f valid), leave the text for later; at the end of the line any '-' does.
        if "-" + letter not in arg.tail:
            raise ParseError(f"unsupported option -{letter} (accepted here: {_flags_from(specs, arg)})", line, pos)
        return pos, True
    if not arg.flag_takes_string:
        args[key] = True
        return pos + 2, False
    try:
        args[key], pos = get_str(line, pos + 2)
    except TokenError as err:
        raise ParseError(f"value expected for -{arg.flag} ({_reason(err, key)})", line, err.offset) from None
    return pos, False


def _rest(line: str, pos: int, key: str) -> tuple[str, int]:
    if pos >= len(line):
        raise ParseError(f"string expected ({key} is missing: it takes the rest of the line)", line, pos)
    return line[pos:], len(line)


def _reason(err: TokenError, key: str) -> str:
    if err.reason == "nothing left on the line":
        return f"{key} is missing"
    return f"{key}: {err.reason}"


def _string(line: str, pos: int, arg: ArgSpec, key: str) -> tuple[str, int]:
    try:
        return get_str(line, pos)
    except TokenError as err:
        what = _WHAT[arg.kind]
        detail = f"{key} is missing: give {what}" if err.reason == "nothing left on the line" else f"{key}: {err}"
        raise ParseError(f"{_STRING_EXPECTED[arg.kind]} ({detail})", line, err.offset) from None


def _integer(line: str, pos: int, arg: ArgSpec, key: str) -> tuple[int, int]:
    kind = arg.kind
    what = f"{key} is an integer expression" + (", in MiB" if kind == "M" else "")
    value, end = get_expr(line, pos, what)
    if kind == "i" and (value >> 32) & 0xFFFFFFFF:
        # HMP's test rejects any bit above 31 of the int64 value, so every negative number too.
        message = f"integer is for 32-bit values ({key} must be 0 to 0xffffffff, not negative)"
        raise ParseError(message, line, pos)
    if kind == "M":
        if value < 0:
            raise ParseError(f"enter a positive value ({key} is a number of MiB, 0 or more)", line, pos)
        value = wrap64(value << 20)  # HMP's int64 `val *= MiB` wraps; QMP then rejects what went negative
    return value, end


def _size(line: str, pos: int, arg: ArgSpec, key: str) -> tuple[int, int]:
    try:
        value, end = strtosz(line, pos)
    except SizeError as err:
        reason = str(err)
        if arg.optional and reason == "not a number" and pos < len(line):
            reason = f"not a number, and optional arguments cannot be skipped ({key} comes first here)"
        raise ParseError(f"invalid size ({key}: {reason}; expected {SIZE_EXAMPLES})", line, pos) from None
    if value > INT64_MAX:
        raise ParseError(f"invalid size ({key}: the size is too large; expected {SIZE_EXAMPLES})", line, pos)
    return value, end


def _duration(line: str, pos: int, key: str) -> tuple[float, int]:
    try:
        return parse_duration(line, pos)
    except SizeError as err:
        message = f"{err} ({key}: a number of seconds such as 0.5, or with a unit: 300ms, 20us, 500ns)"
        raise ParseError(message, line, pos) from None


def _boolean(line: str, pos: int, key: str) -> tuple[bool, int]:
    end = _GRAPH.match(line, pos).end()  # type: ignore[union-attr]
    word = line[pos:end]
    if word == "on":
        return True, end
    if word == "off":
        return False, end
    raise ParseError(f"Expected 'on' or 'off' ({key} is on or off, in lower case)", line, pos)


def _options(line: str, pos: int, key: str) -> tuple[dict[str, str], int]:
    implied = _OPTS_IMPLIED_KEYS.get(key)
    if implied is None:
        raise ValueError(f"no QemuOpts list {key!r} for an O argument")
    try:
        token, end = get_str(line, pos)
    except TokenError as err:
        raise ParseError(f"string expected ({key}: {err})", line, err.offset) from None
    try:
        return parse_qemu_opts(token, implied), end
    except ParseError as err:
        # Offsets inside a quoted token are off by its escapes, if any; the opening quote is accounted for.
        base = pos + (line[pos] == '"')
        raise ParseError(err.message, line, base + err.offset, err.hint) from None


def _flags_from(specs: tuple[ArgSpec, ...], arg: ArgSpec) -> str:
    later = specs[specs.index(arg) :]
    flags = [f"-{spec.flag}" for spec in later if spec.kind == "-"]
    return f"{' '.join(flags)}, in this order; usage: {synopsis(specs)}"


__all__ = ["FormatState", "parse_arguments", "split_command"]
