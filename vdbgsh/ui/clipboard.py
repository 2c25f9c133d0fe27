"""The terminal's clipboard, for ``:copy``: OSC 52, which xterm, kitty, iTerm2, WezTerm, foot and tmux (with
``set-clipboard on``) take; a terminal that does not ignores it. The transcript shows the same line, but a line
wider than the transcript is broken into rows there, and rows copied from a screen keep their breaks."""

from __future__ import annotations

import base64

from prompt_toolkit.output import Output


def osc52(text: str) -> str:
    return "\x1b]52;c;" + base64.b64encode(text.encode()).decode("ascii") + "\x07"


def send_to_clipboard(output: Output, text: str) -> None:
    output.write_raw(osc52(text))
    output.flush()


__all__ = ["osc52", "send_to_clipboard"]
