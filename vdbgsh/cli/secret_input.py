"""exec's side of secrets given as ``-`` (syntax/asked_secrets.py): each read just before its request goes.

From stdin, one line each, when stdin is not a terminal and carries no commands (``printf '%s\\n' "$PW" | vdbgsh
exec G set_password vnc -``); asked without echo on the terminal when stdin is one, and for a batch (``exec G -``,
whose stdin holds the commands) on the controlling terminal. Never from the command line: that shows in ``ps``.
"""

from __future__ import annotations

import os

from vdbgsh.cli.environment import Environment, _isatty
from vdbgsh.errors import UsageError
from vdbgsh.syntax.asked_secrets import asked_secrets, with_secrets
from vdbgsh.transport.base import JSONObject


class SecretReader:
    def __init__(self, env: Environment, *, batch: bool) -> None:
        self.env = env
        self.batch = batch

    def fill(self, request: JSONObject) -> JSONObject:
        """``request`` with each secret given as ``-`` read and filled in (a copy); as it is when none is."""
        asked = asked_secrets(request)
        if not asked:
            return request
        return with_secrets(request, [self.read(secret.what) for secret in asked])

    def read(self, what: str) -> str:
        if not self.batch and not _isatty(self.env.stdin):
            line = self.env.stdin.readline()
            if not line:
                raise UsageError(
                    f"the {what} is '-', to be read from stdin, but stdin has ended (nothing was sent)",
                    "give it on stdin, e.g. printf '%s\\n' \"$SECRET\" | vdbgsh exec ...",
                )
            return line.removesuffix("\n").removesuffix("\r")
        from vdbgsh.ui.hidden_input import read_hidden

        terminal = self._terminal()
        try:
            return read_hidden(terminal, f"vdbgsh: {what} (not shown): ", self.env.stderr)
        except EOFError:
            raise UsageError(f"no {what} given (end of input): nothing was sent") from None
        finally:
            if self.batch:
                os.close(terminal)

    def _terminal(self) -> int:
        """The terminal to ask on: stdin, or for a batch (whose stdin holds the commands) the controlling one."""
        if not self.batch:
            return self.env.stdin.fileno()
        try:
            return os.open("/dev/tty", os.O_RDWR | os.O_NOCTTY | os.O_CLOEXEC)
        except OSError:
            raise UsageError(
                "a secret is '-' but stdin holds the batch and there is no terminal to ask on (nothing was sent)",
                "give each such command to its own exec, with the secret on its stdin",
            ) from None
