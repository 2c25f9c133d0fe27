"""Typeahead: keys the user typed before what they answer was on the screen.

Such keys belong to the input line, never to a question or a pager that appeared after they were typed (a ``y``
typed ahead would otherwise confirm a command the user never saw asked about, and ``!cmd`` typed ahead would
run a shell command inside ``less``). ``take_typeahead`` reads whatever is already waiting on the terminal and
hands it to the shell's key processor at once, as typing, so that it runs in turn as every typed line does.
"""

from __future__ import annotations

import contextlib
import os
from typing import TYPE_CHECKING

if TYPE_CHECKING:  # exec uses this module too, and starts without prompt_toolkit
    from prompt_toolkit.application import Application


def take_typeahead(app: Application[None]) -> None:
    """Read the keys already waiting on the app's input and process them now, as ordinary typing."""
    if not app.is_running:
        return
    for _ in range(64):  # a paste may be more than one read; a flood of keys must not hold the loop for ever
        keys = app.input.read_keys()
        if not keys:
            return
        app.key_processor.feed_multiple(keys)
        app.key_processor.process_keys()


def discard_terminal_input(fd: int) -> None:
    """Throw away what was typed on the terminal ``fd`` and not read yet (nothing when it is not a terminal)."""
    import termios

    if os.isatty(fd):
        with contextlib.suppress(termios.error, OSError):
            termios.tcflush(fd, termios.TCIFLUSH)
