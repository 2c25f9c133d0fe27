"""Text vdbgsh did not write, made safe to show: nothing in it reaches a terminal as a control sequence.

QEMU's replies and HMP output, strings a guest or a disk image chose (device serials, snapshot names), libvirt's
domain names and reasons, history and transcript files: a terminal acts on the controls they may hold (ESC starts
a sequence that can retitle or clear it, a lone CR lets text overwrite the line, a C1 byte such as U+009B is a CSI
for some terminals, bidi overrides reorder what is read). Every such character becomes a visible escape, in the
convention of ``vdbgsh.errors.printable`` (what was typed, quoted back in errors):

- a C0 control, DEL or C1 control as ``\\xNN``: ESC is ``\\x1b``, BEL ``\\x07``, a lone CR ``\\x0d``;
- a Unicode bidi control or line/paragraph separator as ``\\uNNNN`` (``\\u202e``);
- an undecodable byte (a lone surrogate, as Python decodes invalid UTF-8 with surrogateescape) as the byte, ``\\xff``.

Tabs and newlines stay in multi-line text (CR LF becomes a newline); ``untrusted_line`` escapes them too. Backslashes
are left as they are: a terminal does nothing with them, and HMP output is full of them.

JSON keeps its own convention: what ``json.dumps(..., ensure_ascii=False)`` leaves raw of these characters (DEL,
C1, bidi, separators, surrogates) is written as JSON's ``\\u0080`` escape, so that the text is still valid JSON of
the very same value (``json_safe``).

The rule for callers: neutralise foreign text *before* painting it with ``render.ansi.paint``; then any ESC left in
what the shell holds is one of vdbgsh's own colours, and ``own_colours_only`` can prove it on the way out.
"""

from __future__ import annotations

import functools
import re
from typing import Any

# C0 but tab and newline, DEL, C1; the bidi embeddings, overrides, isolates and marks; line and paragraph separators;
# lone surrogates. Compiled on first use: a one-shot exec whose reply holds none of them never pays for it.
_UNSAFE_IN_TEXT = "[\x00-\x08\x0b-\x1f\x7f-\x9f\u061c\u200e\u200f\u2028\u2029\u202a-\u202e\u2066-\u2069\ud800-\udfff]"
_UNSAFE_IN_LINE = "[\x00-\x1f\x7f-\x9f\u061c\u200e\u200f\u2028\u2029\u202a-\u202e\u2066-\u2069\ud800-\udfff]"
# json.dumps escapes C0 itself; what it leaves raw with ensure_ascii=False.
_UNSAFE_IN_JSON = "[\x7f-\x9f\u061c\u200e\u200f\u2028\u2029\u202a-\u202e\u2066-\u2069\ud800-\udfff]"
# The only sequences vdbgsh writes itself: SGR colours (render.ansi, render.highlight, rich's tables). Painted text
# is unsafe where an ESC starts anything else, or where any other control is: one pass finds both.
_AFTER_ESC_IN_SGR = r"\[[0-9;]{0,32}m"
_UNSAFE_BUT_COLOURS = f"\x1b(?!{_AFTER_ESC_IN_SGR})|" + _UNSAFE_IN_TEXT.replace("\x0b-\x1f", "\x0b-\x1a\x1c-\x1f")


@functools.cache
def _pattern(source: str) -> re.Pattern[str]:
    return re.compile(source)


def _escape(found: re.Match[str]) -> str:
    code = ord(found.group())
    if 0xDC80 <= code <= 0xDCFF:  # surrogateescape's stand-in for an undecodable byte: shown as that byte
        code -= 0xDC00
    return f"\\x{code:02x}" if code <= 0xFF else f"\\u{code:04x}"


def _json_escape(found: re.Match[str]) -> str:
    return f"\\u{ord(found.group()):04x}"


def untrusted_text(text: str) -> str:
    """Foreign text of any number of lines, every control a visible escape; tabs and newlines kept."""
    if "\r\n" in text:
        text = text.replace("\r\n", "\n")
    return _pattern(_UNSAFE_IN_TEXT).sub(_escape, text)


def untrusted_line(text: str) -> str:
    """Foreign text that must stay on one line (a name, an error, a table cell): tabs and newlines escaped too."""
    return _pattern(_UNSAFE_IN_LINE).sub(_escape, text)


def untrusted_value(value: Any) -> Any:
    """A JSON value whose strings (keys too) are shown bare, as the ``info`` views and tables show them: each
    string one line, neutralised; numbers, booleans and null as they are."""
    if isinstance(value, str):
        return untrusted_line(value)
    if isinstance(value, dict):
        return {untrusted_line(str(key)): untrusted_value(item) for key, item in value.items()}
    if isinstance(value, list | tuple):
        return [untrusted_value(item) for item in value]
    return value


def json_safe(text: str) -> str:
    """JSON text from ``json.dumps(..., ensure_ascii=False)`` with the controls it left raw as ``\\uXXXX``: they
    can only be inside strings there, where the escape means the same character."""
    if text.isascii() and "\x7f" not in text:  # the common case, at the cost of one scan in C
        return text
    return _pattern(_UNSAFE_IN_JSON).sub(_json_escape, text)


def own_colours_only(text: str) -> str:
    """Text vdbgsh painted: its SGR colours kept, any other control (a sequence that slipped through unescaped, a
    prompt_toolkit zero-width ``\\x01...\\x02`` run) escaped. What the transcript, the pager and the screenful
    left on exit apply as they go out."""
    if "\r\n" in text:
        text = text.replace("\r\n", "\n")
    return _pattern(_UNSAFE_BUT_COLOURS).sub(_escape, text)
