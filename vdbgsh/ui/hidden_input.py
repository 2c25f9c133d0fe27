"""Reading a secret on the terminal without echo (as getpass does), for exec and for the shell, which runs it
with its full screen set aside. No prompt_toolkit here: exec imports it."""

from __future__ import annotations

import os
import termios
from typing import TextIO

_ENTER = (b"\r", b"\n")
_ERASE = (b"\x7f", b"\x08")
_KILL_LINE = b"\x15"  # Ctrl-U
_INTERRUPT = b"\x03"  # Ctrl-C
_END = b"\x04"  # Ctrl-D


def read_hidden(terminal: int, prompt: str, questions: TextIO) -> str:
    """One line typed on the tty ``terminal`` (a descriptor), not shown; ``prompt`` written to ``questions``.
    What was typed before the prompt showed is thrown away: a key typed ahead is no part of a secret. Raises
    EOFError on Ctrl-D at the start, KeyboardInterrupt on Ctrl-C (read as a key: no signal reaches the caller's
    event loop)."""
    before = termios.tcgetattr(terminal)
    keys = list(before)
    keys[3] &= ~(termios.ECHO | termios.ICANON | termios.ISIG)
    keys[6] = list(keys[6])
    keys[6][termios.VMIN] = 1
    keys[6][termios.VTIME] = 0
    # Echo off (and typeahead dropped) before the prompt shows: what is typed once it is on the screen is hidden.
    termios.tcsetattr(terminal, termios.TCSAFLUSH, keys)
    typed = bytearray()
    try:
        questions.write(prompt)
        questions.flush()
        while True:
            # A key at a time from the descriptor itself: a buffered reader would take what is typed after the
            # Enter too, and that belongs to whoever reads next.
            key = os.read(terminal, 1)
            if key in _ENTER:
                break
            if key == _INTERRUPT:
                raise KeyboardInterrupt
            if not key or (key == _END and not typed):
                raise EOFError
            if key in _ERASE:
                del typed[-1:]
                while typed and typed[-1] & 0xC0 == 0x80:  # the rest of a multi-byte character
                    del typed[-1]
            elif key == _KILL_LINE:
                typed.clear()
            elif key != _END:
                typed += key
    finally:
        termios.tcsetattr(terminal, termios.TCSANOW, before)
        questions.write("\n")  # the Enter typed was not echoed either
        questions.flush()
    return typed.decode("utf-8", errors="surrogateescape")
