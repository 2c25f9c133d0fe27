"""JSON as text: compact for pipes, pretty and highlighted for terminals.

Highlighting uses pygments directly: rich's JSON renderer needs ~2 s for the 340 KB query-qmp-schema reply,
pygments ~0.12 s.
"""

from __future__ import annotations

import json
from typing import Any


def compact(value: Any) -> str:
    return json.dumps(value, separators=(",", ":"), ensure_ascii=False)


def pretty(value: Any) -> str:
    return json.dumps(value, indent=2, ensure_ascii=False)


def highlighted(value: Any) -> str:
    """Pretty JSON with ANSI colours; ends without a newline, like ``pretty``."""
    # Imported here: pygments costs ~10 ms, which piped one-shot output never needs.
    from pygments import highlight
    from pygments.formatters import TerminalFormatter
    from pygments.lexers import JsonLexer

    text: str = highlight(pretty(value), JsonLexer(), TerminalFormatter())
    return text.rstrip("\n")


def as_text(value: Any, *, layout: str, colour: bool) -> str:
    """``layout`` is "compact" or "pretty"; colour applies to pretty output only."""
    if layout == "compact":
        return compact(value)
    return highlighted(value) if colour else pretty(value)
