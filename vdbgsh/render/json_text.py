"""JSON as text: compact for pipes, pretty and highlighted for terminals.

Highlighting is render.highlight's single regex pass: ~40 ms for the 340 KB query-qmp-schema reply, where
pygments takes ~0.15 s and rich's JSON ~1 s.

Non-ASCII text stays readable (``ensure_ascii=False``), but what a terminal would act on and JSON does not escape
by itself (DEL, C1 controls, bidi controls) is written as JSON's ``\u0080``-style escape: the same value, on a
terminal or piped (render.untrusted).
"""

from __future__ import annotations

import json
from typing import Any

from vdbgsh.render.untrusted import json_safe


def compact(value: Any) -> str:
    return json_safe(json.dumps(value, separators=(",", ":"), ensure_ascii=False))


def pretty(value: Any) -> str:
    return json_safe(json.dumps(value, indent=2, ensure_ascii=False))


def highlighted(value: Any) -> str:
    """Pretty JSON with ANSI colours; ends without a newline, like ``pretty``."""
    from vdbgsh.render.highlight import highlight_json  # only terminals need it

    return highlight_json(value)


def as_text(value: Any, *, layout: str, colour: bool) -> str:
    """``layout`` is "compact" or "pretty"; colour applies to pretty output only."""
    if layout == "compact":
        return compact(value)
    return highlighted(value) if colour else pretty(value)
