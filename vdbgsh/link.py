"""The shell's hold on its monitor: noticing it go, reconnecting to libvirtd, attaching again to a guest restarted.

Three states:
- ``up``: lines go to the monitor.
- ``reconnecting``: libvirtd went away (stopped, restarted); the guest may run on. A task retries with backoff
  and, once libvirtd answers, opens a new monitor on the same domain, subscribes to its events again and says
  so. A line typed meanwhile is refused, not queued: a ``stop`` typed during an outage must not land seconds
  later, out of sight.
- ``gone``: the guest or its QEMU ended (destroyed, killed, shut down from inside, QMP socket closed). The shell
  stays, with its transcript, history and ``:log`` to read or save; a line typed then first tries once to attach
  again (the domain may have been started again), else is refused with the reason.

Every change is said once in the shell and recorded as a notice in the transcript file (``:log``).
"""

from __future__ import annotations

import asyncio
import contextlib
import time
from collections.abc import Awaitable, Callable
from enum import StrEnum

from vdbgsh.errors import LinkLost, MonitorGone, NotRunning, VdbgshError
from vdbgsh.session import Session
from vdbgsh.transport.base import EventCallback, Lost, Monitor, Subscription
from vdbgsh.transport.connection_care import OPEN_TIMEOUT, retry_delays

Reopen = Callable[[], Awaitable[Monitor]]
# (text, is_error): the UI shows it.
Say = Callable[[str, bool], None]


class LinkState(StrEnum):
    UP = "up"
    RECONNECTING = "reconnecting"
    GONE = "gone"


UP, RECONNECTING, GONE = LinkState.UP, LinkState.RECONNECTING, LinkState.GONE
CLOSE_TIMEOUT = 2.0
STAYS_OPEN = (
    "the shell stays open to read back (scroll, :history, :last, :log); a command tries to attach again; Ctrl-D leaves"
)


class MonitorLink:
    def __init__(self, session: Session, on_event: EventCallback, say: Say, *, reopen: Reopen | None = None) -> None:
        self.session = session
        self.on_event = on_event
        self.say = say
        self.reopen = reopen
        self.state = UP
        self.why = ""  # what took the monitor away
        self.attempts = 0  # reconnection attempts since it went
        self._subscriptions: list[Subscription] = []
        self._task: asyncio.Task[None] | None = None
        self._said: set[str] = set()

    def start(self) -> None:
        """Deliver the monitor's events and watch it; again after each reconnection."""
        monitor = self.session.monitor
        self._subscriptions = [monitor.subscribe(self.on_event)]
        try:
            self._subscriptions.append(monitor.watch(self._watched))
        except MonitorGone as err:
            self._lost(isinstance(err, LinkLost), err.message, said=False)

    async def close(self) -> None:
        if self._task is not None:
            self._task.cancel()
            with contextlib.suppress(asyncio.CancelledError):
                await self._task
        self._unsubscribe()

    # Losing it.

    def _watched(self, lost: Lost) -> None:
        self._lost(lost.link, lost.message, said=False)

    def command_failed(self, err: MonitorGone) -> None:
        """A command met the loss; the UI has shown its error already."""
        self._said.add(err.message)
        self._lost(isinstance(err, LinkLost), err.message, said=True)

    def _lost(self, link: bool, message: str, *, said: bool) -> None:
        if self.state == GONE or (self.state == RECONNECTING and link):
            # A second account of the same loss (the lifecycle event after a command's error) says more: how.
            if not said and message not in self._said:
                if self.state == GONE:
                    self.why = message
                self._tell(message, error=not self.session.quit_sent)
            return
        if not said:
            self._tell(message, error=not self.session.quit_sent)  # after a quit: what was asked, said as a note
        if link and self.reopen is not None:
            self._set(RECONNECTING, message)
            self._tell("reconnecting to libvirtd… (commands typed meanwhile are not sent; Ctrl-D leaves)", error=False)
            self._task = asyncio.get_running_loop().create_task(self._reconnect(time.monotonic()))
            return
        self._set(GONE, message)
        self._tell(STAYS_OPEN, error=False)

    def _set(self, state: LinkState, why: str) -> None:
        self.state = state
        self.why = why
        if state == UP:  # attached again (a new QEMU): its loss would be news again
            self.session.quit_sent = False
        self.session.run_state = {UP: self.session.run_state, RECONNECTING: "reconnecting", GONE: "gone"}[state]

    def _tell(self, text: str, *, error: bool) -> None:
        self._said.add(text)
        if self.session.transcript is not None:
            self.session.transcript.notice(text)
        self.say(text, error)

    # Getting it back.

    async def _reconnect(self, since: float) -> None:
        assert self.reopen is not None
        before = self.session.monitor.instance
        await self._drop_monitor()
        for delay in retry_delays():
            await asyncio.sleep(delay)
            self.attempts += 1
            try:
                # Bounded: an attempt that hangs (a host that accepts and never answers) is given up for the next.
                monitor = await asyncio.wait_for(self.reopen(), OPEN_TIMEOUT)
            except NotRunning as err:  # libvirtd answers; the guest is not there any more
                self._set(GONE, err.message)
                self._tell(err.message, error=True)
                self._tell(STAYS_OPEN, error=False)
                return
            except (VdbgshError, TimeoutError):
                continue
            attempts = self.attempts
            await self._take(monitor)
            self._tell(
                f"reconnected to libvirtd after {time.monotonic() - since:.1f} s ({attempts} attempt"
                f"{'' if attempts == 1 else 's'}); events re-registered (any emitted meanwhile were missed)",
                error=False,
            )
            if before and monitor.instance and monitor.instance != before:
                self._tell(
                    f"{monitor.target} was started again meanwhile: a new QEMU, not the one the commands above ran on",
                    error=True,
                )
            return

    async def ready(self) -> str | None:
        """Before a line is sent: None when the monitor is there, else why the line is not sent."""
        if self.state == UP:
            return None
        if self.state == RECONNECTING:
            return "not sent: libvirtd is not back yet (reconnecting); retype it once the shell says it is back"
        if self.reopen is not None:
            with contextlib.suppress(VdbgshError):
                monitor = await self.reopen()
                await self._take(monitor)
                self._tell(f"attached again to {monitor.target}: a new QEMU, started since it was gone", error=False)
                return None
        return f"not sent: {self.why}"

    async def _take(self, monitor: Monitor) -> None:
        await self._drop_monitor()
        self.session.monitor = monitor
        self.attempts = 0
        self._said.clear()
        self.state = UP
        self.session.run_state = "unknown"
        self.start()
        with contextlib.suppress(VdbgshError):
            await self.session.refresh_run_state()

    async def _drop_monitor(self) -> None:
        self._unsubscribe()
        # Bounded: a connection to a dead daemon must not hold up the shell.
        with contextlib.suppress(Exception):
            await asyncio.wait_for(self.session.monitor.close(), CLOSE_TIMEOUT)

    def _unsubscribe(self) -> None:
        for subscription in self._subscriptions:
            with contextlib.suppress(Exception):
                subscription.cancel()
        self._subscriptions = []
