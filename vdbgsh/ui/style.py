"""The shell's colours: one style for the screen, and the same choices as ANSI for the transcript's echo."""

from __future__ import annotations

from collections.abc import Sized

from prompt_toolkit.formatted_text import StyleAndTextTuples
from prompt_toolkit.styles import Style

STYLE = Style.from_dict(
    {
        "target": "bold",
        "state.running": "ansigreen",
        "state.paused": "ansiyellow",
        "state.other": "ansired",
        "transaction": "bold ansicyan",
        "command": "bold",
        "key": "ansicyan",
        "equals": "ansibrightblack",
        "value": "",
        "meta": "ansimagenta",
        "bottom-toolbar": "noreverse bg:#303030 #d0d0d0",
        "bottom-toolbar.key": "bold",
        "bottom-toolbar.busy": "bold ansiyellow",
        "bottom-toolbar.unseen": "bold ansicyan",
        "bottom-toolbar.ask": "bold ansiwhite bg:ansired",
        "separator": "ansibrightblack",
        "transcript.scrolled": "reverse",
        "events.title": "bg:#303030 #d0d0d0",
        "events.title.focused": "bg:ansiblue ansiwhite bold",
        "events.empty": "ansibrightblack",
        "event.time": "ansibrightblack",
        "event.name": "bold",
        "event.name.alarming": "bold ansired",
        "event.name.relieving": "bold ansigreen",
        "event.name.stopping": "bold ansiyellow",
        "event.data": "ansicyan",
        "event.selected": "reverse",
    }
)

STATE_STYLES = {
    "running": "class:state.running",
    **dict.fromkeys(("paused", "prelaunch", "inmigrate", "suspended", "finish-migrate"), "class:state.paused"),
}

_ANSI_OF_STYLE = {
    "class:target": "\x1b[1m",
    "class:state.running": "\x1b[32m",
    "class:state.paused": "\x1b[33m",
    "class:state.other": "\x1b[31m",
    "class:transaction": "\x1b[1;36m",
}


def prompt_fragments(name: str, state: str, transaction: Sized | None = None) -> StyleAndTextTuples:
    """``guest1 (running)> ``; while a transaction is open (``transaction``: its actions), ``guest1 (running)
    transaction (2 actions)> ``."""
    style = STATE_STYLES.get(state, "class:state.other")
    fragments: StyleAndTextTuples = [("class:target", name), ("", " ("), (style, state), ("", ")")]
    if transaction is not None:
        count = len(transaction)
        fragments += [("", " "), ("class:transaction", f"transaction ({count} action{'' if count == 1 else 's'})")]
    return [*fragments, ("", "> ")]


def continuation(prompt_width: int) -> str:
    """What stands under the prompt on the lines after the first of a JSON request: dots, then a space."""
    return "." * (prompt_width - 1) + " "


def prompt_ansi(name: str, state: str, colour: bool, transaction: Sized | None = None) -> str:
    """The prompt as the transcript keeps it above each line that was run."""
    fragments = prompt_fragments(name, state, transaction)
    if not colour:
        return "".join(fragment[1] for fragment in fragments)
    return "".join(
        f"{_ANSI_OF_STYLE[style]}{text}\x1b[0m" if style in _ANSI_OF_STYLE else text for style, text, *_ in fragments
    )
