"""How a meta-command is told from a command: a leading ':' or one of the bare words. Apart from meta.py (which
parses them and raises parse errors) so that classify and the secrets masker can tell one without importing
the parse errors, whose lines are masked by that masker."""

from __future__ import annotations

META_PREFIX = ":"
BARE_WORDS = {"help": "help", "exit": "quit"}  # meta without the colon


def is_meta(text: str) -> bool:
    word = text.split(maxsplit=1)[0] if text.strip() else ""
    return text.startswith(META_PREFIX) or word in BARE_WORDS
