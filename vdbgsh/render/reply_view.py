"""How the shell shows one QMP reply: the value (pretty, compact or as a table) or the error, then the time taken."""

from __future__ import annotations

from enum import StrEnum
from typing import Any

from vdbgsh.render.ansi import DIM, RED_BOLD, paint
from vdbgsh.render.highlight import highlight_json
from vdbgsh.render.json_text import compact
from vdbgsh.render.table import as_table
from vdbgsh.render.untrusted import untrusted_line


class OutputMode(StrEnum):
    PRETTY = "pretty"
    COMPACT = "compact"
    TABLE = "table"


MODES = tuple(OutputMode)
NO_TABLE = "no table: the reply is not a list of objects (shown as JSON)"


def format_elapsed(seconds: float) -> str:
    """Elapsed time as "(2.4 ms)" below a second (round trips measure 0.3 to 65 ms), else as "(1.25 s)"."""
    if seconds < 1:
        return f"({seconds * 1000:.1f} ms)"
    return f"({seconds:.2f} s)"


def render_error(error: Any, colour: bool) -> str:
    """``CommandNotFound: The command nosuch has not been found``, class in bold red."""
    if not isinstance(error, dict):
        return paint("error", RED_BOLD, colour) + ": " + compact(error)
    # QEMU quotes what was sent back in its errors: escaped, as vdbgsh's own errors are.
    return (
        paint(untrusted_line(str(error.get("class", "error"))), RED_BOLD, colour)
        + ": "
        + untrusted_line(str(error.get("desc", "")))
    )


def _check_mode(mode: str) -> None:
    if mode not in MODES:
        raise ValueError(f"unknown reply mode {mode!r}; expected one of {', '.join(MODES)}")


def render_value(value: Any, *, mode: str, width: int, colour: bool) -> str:
    """A reply's value: "table" falls back to pretty JSON, saying so, when the value is no list of objects."""
    _check_mode(mode)
    if mode == "compact":
        return compact(value)
    if mode == "table":
        table = as_table(value, width, colour)
        if table is not None:
            return table
        if isinstance(value, dict | list) and value:  # an empty object or a scalar needs no excuse
            return highlight_json(value, colour) + "\n" + paint(NO_TABLE, DIM, colour)
    return highlight_json(value, colour)


def render_reply(reply_message: dict[str, Any], *, mode: str, width: int, colour: bool, elapsed: float | None) -> str:
    """A whole reply, ``{"return": ...}`` or ``{"error": {...}}``, as the shell prints it; no trailing newline."""
    _check_mode(mode)  # also for errors: a wrong mode is the caller's bug whatever QEMU answered
    if "error" in reply_message:
        body = render_error(reply_message["error"], colour)
    else:
        # Anything else a monitor may hand over (no "return" at all) is shown whole rather than hidden.
        value = reply_message.get("return", reply_message)
        body = render_value(value, mode=mode, width=width, colour=colour)
    if elapsed is None:
        return body
    return body + "\n" + paint(format_elapsed(elapsed), DIM, colour)
