"""The shell's way to ask for a secret given as ``-`` (the session's ask_secret hook): the full screen set aside
as for the pager, the question on the terminal, the answer not echoed nor kept anywhere but the request."""

from __future__ import annotations

import os

from prompt_toolkit.application import get_app, run_in_terminal

from vdbgsh.errors import UsageError
from vdbgsh.ui.hidden_input import read_hidden
from vdbgsh.ui.typeahead import take_typeahead


async def ask_secret_aside(question: str) -> str:
    app = get_app()
    try:
        terminal = app.input.fileno()
    except (AttributeError, NotImplementedError, OSError):
        terminal = -1
    if terminal < 0 or not os.isatty(terminal):
        raise UsageError(
            "a secret given as '-' is asked on the terminal, and this shell has none (nothing was sent)",
            "give it on stdin to vdbgsh exec instead",
        )
    output = app.output

    def read() -> str | None:
        # Ctrl-C and Ctrl-D end here, in the reading thread: a KeyboardInterrupt carried into the event loop
        # would stop the whole shell.
        with open(os.dup(terminal), "w", encoding="utf-8", errors="replace") as questions:
            try:
                return read_hidden(terminal, f"vdbgsh: {question}", questions)
            except (EOFError, KeyboardInterrupt):
                return None

    take_typeahead(app)  # lines typed ahead run in turn, not thrown away by the hidden read's flush
    try:
        secret = await run_in_terminal(read, in_executor=True)
    finally:
        output.flush()
    if secret is None:
        raise UsageError("no secret given: nothing was sent")
    return secret
