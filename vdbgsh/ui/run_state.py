"""Keeping the prompt's run state (running, paused ...) true to the guest, without crowding its monitor.

The state is asked for (``query-status``) rather than worked out from events: libvirt may deliver an event after
the reply to the command that caused it, and other clients change the state too. One query at a time; asked
while an answer is on its way, it is asked once more after it (the state may have changed after QEMU answered).
While events pour in (a stop/cont loop), it is asked at most every ``EVERY`` seconds, so that the monitor stays
free for the user's commands; the last event is always followed by an answer asked after it.
"""

from __future__ import annotations

import asyncio
from collections.abc import Callable

from vdbgsh.errors import MonitorGone, VdbgshError
from vdbgsh.session import Session

EVERY = 0.05  # seconds between queries while events pour in


class RunStateKeeper:
    def __init__(self, session: Session, changed: Callable[[], None], may_ask: Callable[[], bool]) -> None:
        self.session = session
        self.changed = changed  # the state shown may have changed: redraw
        self.may_ask = may_ask  # the monitor is there and the shell runs
        self._answer: asyncio.Task[str] | None = None
        self._again = False
        self._last_asked = 0.0  # loop time of the last query
        self._timer: asyncio.TimerHandle | None = None

    def ask(self) -> asyncio.Task[str]:
        """Ask now (or once more after the answer on its way); the task ends with the answer."""
        if self._answer is None or self._answer.done():
            loop = asyncio.get_running_loop()
            self._again = False
            self._last_asked = loop.time()
            self._answer = loop.create_task(self._query())
            self._answer.add_done_callback(self._answered)
        else:
            self._again = True
        return self._answer

    def ask_soon(self) -> None:
        """For an event that may change the state: asked now, or at most ``EVERY`` seconds after the last."""
        if self._timer is not None:
            return  # an ask is due: it comes after this event
        if self._answer is not None and not self._answer.done():
            self._again = True
            return
        loop = asyncio.get_running_loop()
        wait = self._last_asked + EVERY - loop.time()
        if wait <= 0:
            self.ask()
        else:
            self._timer = loop.call_later(wait, self._due)

    async def settled(self) -> None:
        """After a command that may change the state: an answer asked for after it, not one already on its way
        (asked before the command took effect)."""
        await self.pending()
        await self.ask()

    async def pending(self) -> None:
        """The answer on its way, if one is."""
        if self._answer is not None and not self._answer.done():
            await self._answer

    def close(self) -> None:
        if self._timer is not None:
            self._timer.cancel()
            self._timer = None

    def _due(self) -> None:
        self._timer = None
        if self.may_ask():
            self.ask()

    def _answered(self, _task: asyncio.Task[str]) -> None:
        if self._again and self.may_ask():
            self.ask_soon()

    async def _query(self) -> str:
        try:
            state = await self.session.refresh_run_state()
        except (MonitorGone, VdbgshError):
            return self.session.run_state
        self.changed()
        return state
