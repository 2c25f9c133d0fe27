"""Sizes and durations as HMP reads them: do_strtosz() (util/cutils.c) for `o`, strtod() plus a unit for `T`."""

from __future__ import annotations

import math
import re

from vdbgsh.syntax.errors import ParseError

INT64_MAX = (1 << 63) - 1
_UINT64_MAX = (1 << 64) - 1
_LOW64 = _UINT64_MAX
# Powers of the unit, either case.
_SUFFIXES = {letter: power for power, letter in enumerate("BKMGTPE")} | {
    letter: power for power, letter in enumerate("bkmgtpe")
}
SIZE_EXAMPLES = "a size such as 80 (MiB), 512K or 1.5G"
DURATION_EXAMPLES = "a number of seconds such as 0.5, or with a unit: 300ms, 20us, 500ns"

# strtoull(base 10) and strtoull(base 16): blanks, one sign, digits (base 16 may start with 0x).
_DECIMAL = re.compile(r"[ \t\n\v\f\r]*([+-]?)([0-9]+)")
_HEX = re.compile(r"[ \t\n\v\f\r]*[+-]?(?:0[xX]([0-9a-fA-F]+)|([0-9a-fA-F]+))")
# strtod(): decimal with exponent, hex float, inf/infinity, nan(...); "0x" with no digit after it is just "0".
_STRTOD = re.compile(
    r"""[ \t\n\v\f\r]*(?P<sign>[+-]?)(?:
        (?P<hex>0[xX](?:[0-9a-fA-F]+\.?[0-9a-fA-F]*|\.[0-9a-fA-F]+)(?:[pP][+-]?[0-9]+)?)
      | (?P<dec>(?:[0-9]+\.?[0-9]*|\.[0-9]+)(?:[eE][+-]?[0-9]+)?)
      | (?P<inf>inf(?:inity)?)
      | (?P<nan>nan(?:\([0-9A-Za-z_]*\))?)
    )""",
    re.VERBOSE | re.IGNORECASE,
)
_EXPONENT = re.compile(r"[eE]")
_NONZERO_DIGIT = re.compile(r"[1-9]")


class SizeError(ValueError):
    """A size or duration HMP rejects; the message says why in plain words."""


def strtod(text: str, pos: int = 0) -> tuple[float, int] | None:
    """C strtod() at ``pos``: the value and the offset after it, or None when nothing converts."""
    match = _STRTOD.match(text, pos)
    if match is None:
        return None
    if match["hex"] is not None:
        try:
            value = float.fromhex(match["hex"])
        except OverflowError:
            value = math.inf
    elif match["dec"] is not None:
        value = float(match["dec"])
    else:
        value = math.inf if match["inf"] is not None else math.nan
    return (-value if match["sign"] == "-" else value), match.end()


def strtosz(text: str, pos: int = 0, default_suffix: str = "M", unit: int = 1024) -> tuple[int, int]:
    """do_strtosz() at ``pos``: the size in bytes and the offset after it (what follows is the caller's).

    A bare number means ``default_suffix`` (HMP's `o` arguments use MiB). Takes B/K/M/G/T/P/E in either case,
    fractions (1.5G, .5G, 1.k), hex without fraction or suffix (0x60); rejects negatives (even -0), NaN/inf
    and results above UINT64_MAX. QEMU 7.2 also took hex with a suffix (0x20M); this follows 10.x, which does not.
    """
    decimal = _DECIMAL.match(text, pos)
    fraction_bits = 0
    if decimal is None:
        value, end = 0, pos
    else:
        value, end = int(decimal[2]), decimal.end()
        if value > _UINT64_MAX:
            raise SizeError("the number is too large")
        if decimal[1] == "-":
            raise SizeError("sizes cannot be negative")
    after = text[end : end + 1]
    if decimal is not None and value == 0 and after in ("x", "X"):
        return _hex(text, pos, default_suffix, unit)
    if after == "." or (decimal is None and "." in text[pos:]):
        if decimal is not None and after == "." and not ("0" <= text[end + 1 : end + 2] <= "9"):
            end += 1  # "1." and "1.k": a point with no digits after it
        else:
            # strtod would read an exponent, but here 'e' is the exbibyte suffix: parse a copy cut before it.
            copy = _EXPONENT.split(text[end:], maxsplit=1)[0]
            parsed = strtod(copy)
            if parsed is None or not math.isfinite(parsed[0]):
                raise SizeError("not a number")
            fraction, tail = parsed
            if math.copysign(1.0, fraction) < 0:
                raise SizeError("sizes cannot be negative")
            if fraction == 1.0:  # ".99999999999999999999" rounds up
                value += 1
                if value > _UINT64_MAX:
                    raise SizeError("the number is too large")
            else:
                fraction_bits = int(fraction * 2.0**64)
                if not fraction_bits and _NONZERO_DIGIT.search(copy, 0, tail):
                    fraction_bits = 1  # any non-zero fraction counts, even one too small for a double
            end += tail
    elif decimal is None:
        raise SizeError("not a number")
    return _scale(text, value, fraction_bits, end, default_suffix=default_suffix, unit=unit)


def _hex(text: str, pos: int, default_suffix: str, unit: int) -> tuple[int, int]:
    match = _HEX.match(text, pos)
    assert match is not None  # only called where a decimal 0 was read
    value = int(match[1] or match[2], 16)
    if value > _UINT64_MAX:
        raise SizeError("the number is too large")
    after = text[match.end() : match.end() + 1]
    if after and (after == "." or after in _SUFFIXES):
        raise SizeError("a hex size takes no fraction or suffix")
    return _scale(text, value, 0, match.end(), default_suffix=default_suffix, unit=unit)


def _scale(text: str, value: int, fraction_bits: int, end: int, *, default_suffix: str, unit: int) -> tuple[int, int]:
    suffix = text[end : end + 1]
    if suffix and suffix in _SUFFIXES:
        end += 1
    else:
        suffix = default_suffix
    multiplier = unit ** _SUFFIXES[suffix]
    if multiplier == 1:
        if fraction_bits:
            raise SizeError("a fraction of a byte: use a larger unit such as K")
        return value, end
    # QEMU's exact 64.64 fixed point product, rounding half a byte up.
    low = fraction_bits * multiplier
    result = value * multiplier + (low >> 64) + ((low & _LOW64) >> 63)
    if result > _UINT64_MAX:
        raise SizeError("the size is too large")
    return result, end


def parse_size(text: str, default_suffix: str = "M") -> int:
    """A whole string as a size in bytes (qemu_strtosz_MiB() with no end pointer: nothing may follow).

    Raises ParseError whose source is ``text``.
    """
    try:
        value, end = strtosz(text, 0, default_suffix)
    except SizeError as err:
        raise ParseError(f"invalid size ({err}; expected {SIZE_EXAMPLES})", text, 0) from None
    if end < len(text):
        raise ParseError(f"invalid size (unexpected {text[end]!r}; expected {SIZE_EXAMPLES})", text, end)
    if value > INT64_MAX:
        raise ParseError(f"invalid size (the size is too large; expected {SIZE_EXAMPLES})", text, 0)
    return value


def parse_duration(text: str, pos: int) -> tuple[float, int]:
    """HMP's `T`: a finite strtod() number of seconds, optionally in ms, us or ns; returns seconds and the end."""
    parsed = strtod(text, pos)
    if parsed is None:
        raise SizeError("Number expected")
    value, end = parsed
    if not math.isfinite(value):
        raise SizeError("Bad number")
    if text[end + 1 : end + 2] == "s":
        divisor = {"m": 1e3, "u": 1e6, "n": 1e9}.get(text[end])
        if divisor:
            value /= divisor
            end += 2
    if end < len(text) and text[end] not in " \t\n\v\f\r":
        raise SizeError("Unknown unit suffix")
    return value, end


__all__ = [
    "DURATION_EXAMPLES",
    "INT64_MAX",
    "SIZE_EXAMPLES",
    "SizeError",
    "parse_duration",
    "parse_size",
    "strtod",
    "strtosz",
]
