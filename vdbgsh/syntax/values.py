"""Values typed by the schema: a word's text becomes the JSON value its member's type says, or a clear error.

Every integer type reaches introspection as "int" (QEMU maps size, uint64 ... to it), so size suffixes are
accepted on every integer: ``1G`` can only mean 1073741824 there, and a count given as ``4`` stays 4.
"""

from __future__ import annotations

import json
import math
import re
from typing import Any

from vdbgsh.schema.model import Schema, SchemaType
from vdbgsh.syntax.arguments_tree import loose_value
from vdbgsh.syntax.json_request import load_json

BOOLEAN_WORDS = {"on": True, "off": False, "true": True, "false": False, "yes": True, "no": False}
SIZE_SUFFIXES = {"": 1, "b": 1, "k": 1 << 10, "m": 1 << 20, "g": 1 << 30, "t": 1 << 40, "p": 1 << 50, "e": 1 << 60}
_INT_RE = re.compile(r"[+-]?(0[xX][0-9a-fA-F]+|\d+)")
_SIZE_RE = re.compile(r"(\d+(?:\.\d+)?)\s*([kKmMgGtTpPeE]?)(?:i?[bB])?")


class ValueProblem(ValueError):
    """Why a value does not fit its type; the caller knows where it is."""


def parse_int(text: str) -> int:
    if _INT_RE.fullmatch(text):
        # Not int(text, 0): it refuses "010", and QMP has no octal, so leading zeros are plain decimal.
        body = text.lstrip("+-")
        magnitude = int(body, 16) if body[:2].lower() == "0x" else int(body, 10)
        return -magnitude if text.startswith("-") else magnitude
    sized = _SIZE_RE.fullmatch(text)
    if sized and sized.group(2):
        return round(float(sized.group(1)) * SIZE_SUFFIXES[sized.group(2).lower()])
    raise ValueProblem(f"'{text}' is not an integer (sizes take k, M, G, T suffixes: 512M, 1.5G)")


def parse_number(text: str) -> int | float:
    try:
        number = int(text, 10) if text.lstrip("+-").isdigit() else float(text)
    except ValueError:
        number = math.nan
    if isinstance(number, float) and not math.isfinite(number):  # JSON has no NaN or infinity
        raise ValueProblem(f"'{text}' is not a number")
    return number


def parse_bool(text: str) -> bool:
    try:
        return BOOLEAN_WORDS[text.lower()]
    except KeyError:
        raise ValueProblem(f"'{text}' is not a boolean (on/off, true/false, yes/no)") from None


def did_you_mean(word: str, choices: list[str] | tuple[str, ...]) -> str:
    import difflib  # ~1 ms to import, and needed only when something is wrong

    close = difflib.get_close_matches(word, choices, n=3, cutoff=0.6)
    return f"; did you mean {' or '.join(close)}?" if close else ""


def expected_enum(schema_type: SchemaType, text: str) -> str:
    values = schema_type.values
    listing = ", ".join(values) if len(values) <= 12 else ", ".join(values[:12]) + f", … ({len(values)} in all)"
    return f"'{text}' is not one of: {listing}{did_you_mean(text, values)}"


def value_from_text(schema: Schema, type_name: str, text: str) -> Any:
    """The JSON value for ``text`` typed as ``type_name``; raises ValueProblem."""
    schema_type = schema.type(type_name)
    meta = schema_type.meta
    if meta == "builtin":
        kind = schema_type.json_type
        if kind == "string":
            return text
        if kind == "int":
            return parse_int(text)
        if kind == "number":
            return parse_number(text)
        if kind == "boolean":
            return parse_bool(text)
        if kind == "null":
            if text == "null":
                return None
            raise ValueProblem(f"'{text}' is not null")
        return loose_value(text)
    if meta == "enum":
        if text in schema_type.values:
            return text
        raise ValueProblem(expected_enum(schema_type, text))
    if meta == "alternate":
        return _alternate_from_text(schema, schema_type, text)
    # Arrays and objects typed on one word: JSON.
    try:
        value = load_json(text)
    except ValueError:
        shape = "list" if meta == "array" else "object"
        raise ValueProblem(
            f"expected a JSON {shape} ({schema.describe(type_name)}), or give its members as key.member=value"
        ) from None
    problem = check_value(schema, type_name, value, "")
    if problem:
        raise ValueProblem(problem)
    return value


def _alternate_from_text(schema: Schema, schema_type: SchemaType, text: str) -> Any:
    # The most specific reading wins: null, booleans and numbers before a plain string, JSON before a string.
    order = {"null": 0, "boolean": 1, "int": 2, "number": 3, "value": 5, "string": 6}
    ranked = sorted(
        schema_type.alternatives,
        key=lambda alt: order.get(schema.type(alt).json_type, 4) if schema.type(alt).meta == "builtin" else 4,
    )
    problems = []
    for alternative in ranked:
        try:
            return value_from_text(schema, alternative, text)
        except ValueProblem as problem:
            problems.append(str(problem))
    described = " or ".join(schema.describe(alt, 1) for alt in schema_type.alternatives)
    raise ValueProblem(f"'{text}' is not {described}")


def check_value(schema: Schema, type_name: str, value: Any, where: str, *, open_members: bool = False) -> str:
    """Why a JSON value does not fit ``type_name`` (empty string when it fits). ``where`` names it in messages."""
    schema_type = schema.type(type_name)
    meta = schema_type.meta
    label = where or "the value"
    if meta == "builtin":
        kind = schema_type.json_type
        fits = {
            "string": isinstance(value, str),
            "int": isinstance(value, int) and not isinstance(value, bool),
            "number": isinstance(value, (int, float)) and not isinstance(value, bool),
            "boolean": isinstance(value, bool),
            "null": value is None,
        }.get(kind, True)
        return "" if fits else f"{label}: expected {schema.describe(type_name)}, got {json.dumps(value)[:40]}"
    if meta == "enum":
        if isinstance(value, str) and value in schema_type.values:
            return ""
        return f"{label}: {expected_enum(schema_type, str(value))}"
    if meta == "array":
        if not isinstance(value, list):
            return f"{label}: expected a list ({schema.describe(type_name)})"
        for index, element in enumerate(value):
            problem = check_value(schema, schema_type.element, element, f"{where}[{index}]" if where else f"[{index}]")
            if problem:
                return problem
        return ""
    if meta == "alternate":
        problems = [check_value(schema, alt, value, where) for alt in schema_type.alternatives]
        if not all(problems):
            return ""
        # The one alternative of the value's own JSON shape says what is wrong inside it (a member missing from
        # the object form), which "expected {…} or str" would hide.
        alternatives = zip(schema_type.alternatives, problems, strict=True)
        shaped = [problem for alt, problem in alternatives if _same_shape(schema, alt, value)]
        if len(shaped) == 1:
            return shaped[0]
        return f"{label}: expected {schema.describe(type_name)}, got {json.dumps(value)[:40]}"
    return _check_object(schema, schema_type, value, where, open_members)


def _same_shape(schema: Schema, type_name: str, value: Any) -> bool:
    """``value`` is of the JSON kind ``type_name`` takes (an object for an object, a string for an enum ...)."""
    schema_type = schema.type(type_name)
    meta = schema_type.meta
    if meta == "enum":
        return isinstance(value, str)
    if meta == "array":
        return isinstance(value, list)
    if meta == "builtin":
        return not check_value(schema, type_name, value, "")
    if meta == "alternate":
        return any(_same_shape(schema, alt, value) for alt in schema_type.alternatives)
    return isinstance(value, dict)


def _check_object(schema: Schema, schema_type: SchemaType, value: Any, where: str, open_members: bool) -> str:
    label = where or "the arguments"
    if not isinstance(value, dict):
        return f"{label}: expected an object ({schema.describe(schema_type.name)})"
    members = schema.members(schema_type, value)
    by_name = {member.name: member for member in members}
    prefix = f"{where}." if where else ""
    for key, item in value.items():
        member = by_name.get(key)
        if member is None:
            if open_members:
                continue
            return f"unknown member '{prefix}{key}'{did_you_mean(key, list(by_name))}"
        problem = check_value(schema, member.type, item, prefix + key)
        if problem:
            return problem
    for member in members:
        if not member.optional and member.name not in value:
            return f"missing required '{prefix}{member.name}' ({schema.describe(member.type, 1)})"
    return ""
