"""HMP's integer expressions (get_expr() in monitor/hmp.c): what `i`, `l` and `M` arguments are made of.

64-bit signed arithmetic that wraps like QEMU's, C operator semantics (division truncates toward zero), and
strtoull(base 0) numbers: 0x.. is hex and a leading 0 is octal. Blanks may separate tokens, so an argument that
starts with an operator character continues the expression before it.
"""

from __future__ import annotations

import re

from vdbgsh.syntax.errors import ParseError

_MASK = (1 << 64) - 1
_SIGN = 1 << 63
_INT64_MIN = -_SIGN
_UINT64_MAX = _MASK
_OPERATORS = "+-*/%&|^"
_BLANK_CHARS = " \t\n\v\f\r"

# strtoull(base 0), tried in order: "0x" needs a hex digit after it, else only the "0" is a number.
_NUMBER = re.compile(r"0[xX]([0-9a-fA-F]+)|(0[0-7]*)|([1-9][0-9]*)")
# The common case, a lone number followed by blanks: the value is the same as the full parser's.
_SIMPLE = re.compile(r"(?:0[xX]([0-9a-fA-F]+)|(0[0-7]*)|([1-9][0-9]*))[ \t\n\v\f\r]*")
_REGISTER = re.compile(r"[A-Za-z0-9_.]*[ \t\n\v\f\r]*")
_BLANKS = re.compile(r"[ \t\n\v\f\r]*")

EXAMPLES = "such as 4096, 0x1000, 010 (octal) or (1+2)*4"


class RegisterReferenceError(ParseError):
    """A `$reg` operand: only QEMU, with the current CPU's state, can evaluate it (human-monitor-command can)."""


def wrap64(value: int) -> int:
    """A Python int as the int64_t it becomes in C."""
    value &= _MASK
    return value - (1 << 64) if value & _SIGN else value


def _number_value(match: re.Match[str]) -> int:
    hex_digits, octal, decimal = match.groups()
    if hex_digits is not None:
        return int(hex_digits, 16)
    if octal is not None:
        return int(octal, 8)
    return int(decimal)


def get_expr(source: str, pos: int, what: str = "") -> tuple[int, int]:
    """Evaluate the expression at ``pos``; returns its int64 value and the offset where HMP stops reading.

    ``what`` says in plain words what the argument is ("size is an integer expression"); errors show it after
    HMP's own message.
    """
    pos = _BLANKS.match(source, pos).end()  # type: ignore[union-attr]  # a '*' pattern always matches
    simple = _SIMPLE.match(source, pos)
    if simple:
        end = simple.end()
        if end >= len(source) or source[end] not in _OPERATORS:
            value = _number_value(simple)
            if value <= _UINT64_MAX:
                return wrap64(value), end
    parser = _Parser(source, pos, what)
    value = parser.sum()
    return value, parser.pos


class _Parser:
    """Recursive descent over sum / logic / prod / unary, the grammar and precedence of hmp.c."""

    __slots__ = ("continued_by", "pos", "source", "what")

    def __init__(self, source: str, pos: int, what: str) -> None:
        self.source = source
        self.pos = pos
        self.what = what
        # An operator that starts a new word ("4096 /tmp/x"): most likely the next argument, swallowed.
        self.continued_by = ""

    def peek(self) -> str:
        return self.source[self.pos] if self.pos < len(self.source) else ""

    def advance(self) -> None:
        """next(): step over one character, then over blanks."""
        if self.pos < len(self.source):
            self.pos = _BLANKS.match(self.source, self.pos + 1).end()  # type: ignore[union-attr]

    def error(self, message: str, offset: int) -> ParseError:
        if self.continued_by == "/":
            advice = ": quote a file name that starts with /"
        elif self.continued_by:
            advice = f": an argument that starts with {self.continued_by} continues the expression; quote it"
        else:
            advice = f" {EXAMPLES}"
        if self.what:
            message = f"{message} ({self.what}{advice})"
        return ParseError(message, self.source, offset)

    def binary_operator(self, operators: str) -> str:
        op = self.peek()
        if not op or op not in operators:
            return ""
        at = self.pos
        source = self.source
        if at > 0 and source[at - 1] in _BLANK_CHARS and at + 1 < len(source) and source[at + 1] not in _BLANK_CHARS:
            self.continued_by = op
        self.advance()
        return op

    def sum(self) -> int:
        value = self.logic()
        while op := self.binary_operator("+-"):
            right = self.logic()
            value = wrap64(value + right if op == "+" else value - right)
        return value

    def logic(self) -> int:
        value = self.prod()
        while op := self.binary_operator("&|^"):
            right = self.prod()
            value = wrap64(value & right if op == "&" else value | right if op == "|" else value ^ right)
        return value

    def prod(self) -> int:
        value = self.unary()
        while op := self.binary_operator("*/%"):
            at = self.pos
            right = self.unary()
            if op == "*":
                value = wrap64(value * right)
                continue
            if right == 0:
                raise self.error("division by zero", at)
            if value == _INT64_MIN and right == -1:
                # The x86 division instruction traps on this one quotient: QEMU dies of SIGFPE (seen on 7.2).
                raise self.error("division overflow: QEMU would crash evaluating this", at)
            # C truncates toward zero; Python floors.
            quotient = abs(value) // abs(right)
            if (value < 0) != (right < 0):
                quotient = -quotient
            value = wrap64(quotient) if op == "/" else wrap64(value - right * quotient)
        return value

    def unary(self) -> int:
        ch = self.peek()
        if ch == "+":
            self.advance()
            return self.unary()
        if ch == "-":
            self.advance()
            return wrap64(-self.unary())
        if ch == "~":
            self.advance()
            return wrap64(~self.unary())
        if ch == "(":
            self.advance()
            value = self.sum()
            if self.peek() != ")":
                raise self.error("')' expected", self.pos)
            self.advance()
            return value
        if ch == "'":
            return self.character()
        if ch == "$":
            raise self.register()
        if not ch:
            raise self.error("unexpected end of expression", self.pos)
        return self.number()

    def character(self) -> int:
        source = self.source
        self.pos += 1
        if self.pos >= len(source):
            raise self.error("character constant expected", self.pos)
        ch = source[self.pos]
        self.pos += 1
        # QEMU reads bytes: a non-ASCII character is several, so its closing quote is never where it looks.
        if ord(ch) > 0x7F or self.peek() != "'":
            raise self.error("missing terminating ' character", self.pos)
        self.advance()
        return ord(ch)

    def register(self) -> ParseError:
        start = self.pos
        end = _REGISTER.match(self.source, start + 1).end()  # type: ignore[union-attr]
        name = self.source[start:end].rstrip()
        return RegisterReferenceError(
            f"register references need the guest's CPU state, which a translation cannot read ({name})",
            self.source,
            start,
            "human-monitor-command evaluates them: send the line as HMP text",
        )

    def number(self) -> int:
        match = _NUMBER.match(self.source, self.pos)
        if match is None:
            raise self.error(f"invalid char '{self.source[self.pos]}' in expression", self.pos)
        value = _number_value(match)
        if value > _UINT64_MAX:
            raise self.error("number too large", self.pos)
        self.pos = _BLANKS.match(self.source, match.end()).end()  # type: ignore[union-attr]
        return wrap64(value)


__all__ = ["EXAMPLES", "RegisterReferenceError", "get_expr", "wrap64"]
