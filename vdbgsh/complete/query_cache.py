"""Guest queries for completion, cached for a few seconds and shared by concurrent callers.

Each query runs as a task of its own: a caller that gives up waiting (the completer's timeout) leaves it running,
so the next keystroke finds the answer cached instead of asking again.
"""

from __future__ import annotations

import asyncio
import json
import time
from collections.abc import Awaitable, Callable
from typing import Any, NamedTuple

from vdbgsh.transport.base import JSONObject, Reply

Execute = Callable[[str, JSONObject | None], Awaitable[Reply]]


class _Entry(NamedTuple):
    expires: float
    task: asyncio.Future[Any]


class QueryCache:
    def __init__(self, execute: Execute, *, ttl: float = 3.0, clock: Callable[[], float] = time.monotonic) -> None:
        self._execute = execute
        self._ttl = ttl
        self._clock = clock
        self._entries: dict[tuple[str, str], _Entry] = {}

    def forget(self) -> None:
        self._entries.clear()

    async def query(self, command: str, arguments: JSONObject | None = None) -> Any:
        """The command's return value; None when it failed (QMP error, broken connection)."""
        key = (command, json.dumps(arguments, sort_keys=True))
        now = self._clock()
        entry = self._entries.get(key)
        # An answer still on its way is waited for even when older than the TTL: asking again would not be faster.
        if entry is None or (entry.task.done() and entry.expires <= now):
            self._drop_expired(now)
            entry = _Entry(now + self._ttl, asyncio.ensure_future(self._fetch(command, arguments)))
            self._entries[key] = entry
        return await asyncio.shield(entry.task)

    def _drop_expired(self, now: float) -> None:
        for key in [key for key, entry in self._entries.items() if entry.task.done() and entry.expires <= now]:
            del self._entries[key]

    async def _fetch(self, command: str, arguments: JSONObject | None) -> Any:
        try:
            reply = await self._execute(command, arguments)
        except Exception:  # the guest went away, the connection broke: completion just has nothing to offer
            return None
        return reply.value if reply.ok else None
