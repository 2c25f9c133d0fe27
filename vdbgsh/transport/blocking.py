"""An async Monitor used from blocking code: it runs on a private event loop for the adapter's lifetime."""

from __future__ import annotations

import asyncio
from collections.abc import Awaitable, Callable

from vdbgsh.transport.base import JSONObject, Monitor, Reply


class BlockingAdapter:
    """``open_monitor`` opens the monitor (a Target's ``open``), on the adapter's own loop."""

    def __init__(self, open_monitor: Callable[[], Awaitable[Monitor]]) -> None:
        self._loop = asyncio.new_event_loop()
        try:
            self._monitor: Monitor = self._loop.run_until_complete(open_monitor())
        except BaseException:
            self._loop.close()
            raise
        self.target = self._monitor.target

    def execute_message(self, message: JSONObject) -> Reply:
        return self._loop.run_until_complete(self._monitor.execute_message(message))

    def build_identity(self) -> str:
        return self._loop.run_until_complete(self._monitor.build_identity())

    def close(self) -> None:
        if self._loop.is_closed():
            return
        try:
            self._loop.run_until_complete(self._monitor.close())
        finally:
            self._loop.close()
