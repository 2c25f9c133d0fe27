"""Secrets given as ``-`` across a fleet: each read once, by the main thread, as a single exec reads its own (one
line of stdin, or the terminal without echo; for a batch, the controlling terminal), just before the first guest's
request that needs it goes; the same secret then goes into every guest's request for that line (``exec --all
set_password vnc -``: one password for all, typed once, never on the command line).

A worker that needs a secret asks the main thread (SecretAsk) and waits, as for the consent question; the guests
that need none go on meanwhile. When it cannot be read (no terminal, end of input), that line is refused for every
guest with the reason, and nothing is sent.
"""

from __future__ import annotations

import threading
import time
from collections.abc import Callable
from typing import Any, NamedTuple

from vdbgsh.cli.environment import Environment
from vdbgsh.errors import UsageError
from vdbgsh.syntax.asked_secrets import asked_secrets, with_secrets
from vdbgsh.transport.base import JSONObject

# Which secret: the input's index, and what each '-' is for (two kinds of QEMU may plan one line differently).
SecretKey = tuple[int, tuple[str, ...]]


class SecretAsk(NamedTuple):
    """A worker's request to the main thread: read these secrets (once), then set ``answered``."""

    key: SecretKey
    answered: threading.Event


class SecretBank:
    def __init__(self, env: Environment, *, batch: bool) -> None:
        self.env = env
        self.batch = batch
        self._read: dict[SecretKey, list[str] | str] = {}  # the secrets, or why they could not be read
        self.reading_took = 0.0  # not counted against --timeout

    def fill(self, index: int, request: JSONObject, emit: Callable[[Any], None]) -> JSONObject | str:
        """In a worker: ``request`` with its ``-`` secrets filled in (a copy), or why it is not sent."""
        asked = asked_secrets(request)
        if not asked:
            return request
        key = (index, tuple(secret.what for secret in asked))
        if key not in self._read:
            ask = SecretAsk(key, threading.Event())
            emit(ask)
            ask.answered.wait()
        got = self._read[key]
        return got if isinstance(got, str) else with_secrets(request, got)

    def answer(self, ask: SecretAsk) -> None:
        """In the main thread: the secrets read, the first time they are asked for; then the worker let go."""
        if ask.key not in self._read:
            started = time.monotonic()
            from vdbgsh.cli.secret_input import SecretReader  # only when a secret is '-': most commands have none

            reader = SecretReader(self.env, batch=self.batch)
            try:
                self._read[ask.key] = [reader.read(what) for what in ask.key[1]]
            except UsageError as err:
                self._read[ask.key] = f"not sent: {err.message}"
            finally:
                self.reading_took += time.monotonic() - started
        ask.answered.set()
