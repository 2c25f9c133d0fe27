"""The shell as plain lines: for a terminal that cannot draw the full screen (TERM=dumb) and for input that is no
terminal at all (``attach G </dev/null``, a here-document). The same Session as the full-screen shell, one line
read, run and printed at a time: no Application, no pane, no pager, no colour; events print as lines.

A question (``stop`` asks first) is asked on its own line and answered by a line typed after it was printed:
lines typed ahead are set aside and run in turn afterwards, never taken as the answer. Without a terminal
nobody can answer, and the session refuses such commands (``--yes`` sends them).
"""

from __future__ import annotations

import asyncio
import contextlib
import os
import select
import signal
import sys
from collections import deque
from typing import Any, TextIO

from vdbgsh.errors import MonitorGone, UsageError, VdbgshError
from vdbgsh.events.format import human_line
from vdbgsh.events.wait import stopped_waiting, waits_on_purpose
from vdbgsh.link import MonitorLink, Reopen
from vdbgsh.render.messages import error_text, note_text
from vdbgsh.session import Outcome, Session
from vdbgsh.syntax.meta import is_meta
from vdbgsh.transport import Event
from vdbgsh.transport.connection_care import in_daemon_thread
from vdbgsh.transport.interruptible import LONG_WAIT, long_wait_note
from vdbgsh.ui.internal_error import internal_error_lines

STOPPED_WAITING = "stopped waiting for the reply (the guest may still run the command)"


class LineReader:
    """Lines from a file descriptor. Read in a daemon thread (a regular file or /dev/null cannot be polled, and a
    read left waiting must not hold up the exit); bytes that are not UTF-8 kept as surrogate escapes, as argv."""

    def __init__(self, fd: int) -> None:
        self.fd = fd
        self.lines: deque[str] = deque()
        self._partial = b""
        self._ended = False
        # One read at a time, whoever waits for it: a reader that gives up (a question answered by Ctrl-C) leaves
        # it to the next, so that no line is lost and none is read out of turn.
        self._pending: asyncio.Future[bytes] | None = None

    async def line(self) -> str | None:
        """The next line (typed ahead or new); None at the end of the input."""
        while not self.lines:
            if self._ended:
                return None
            self._feed(await self._read())
        return self.lines.popleft()

    async def fresh_line(self) -> str | None:
        """A line typed from now on, the lines typed before it set aside (they stay queued, in order)."""
        self.take_typeahead()
        ahead = len(self.lines)
        while len(self.lines) == ahead:
            if self._ended:
                return None
            self._feed(await self._read())
        fresh = self.lines[ahead]
        del self.lines[ahead]
        return fresh

    def take_typeahead(self) -> None:
        """Whatever the terminal holds already, into the queue (a terminal reads whole lines)."""
        with contextlib.suppress(OSError, ValueError):
            while self._pending is None and not self._ended and select.select([self.fd], [], [], 0)[0]:
                self._feed(os.read(self.fd, 65536))

    async def _read(self) -> bytes:
        if self._pending is None:
            fd = self.fd
            self._pending = asyncio.ensure_future(in_daemon_thread(lambda: os.read(fd, 65536)))
        try:
            chunk = await asyncio.shield(self._pending)
        except OSError:  # closed, or not readable: the end of the input
            chunk = b""
        self._pending = None
        return chunk

    def _feed(self, chunk: bytes) -> None:
        if not chunk:
            self._ended = True
            if self._partial:
                self.lines.append(self._partial.decode(errors="surrogateescape"))
                self._partial = b""
            return
        *complete, self._partial = (self._partial + chunk).split(b"\n")
        self.lines.extend(line.decode(errors="surrogateescape") for line in complete)


class LineShell:
    def __init__(self, session: Session, name: str, *, reopen: Reopen | None, out: TextIO | None = None) -> None:
        self.session = session
        self.name = name
        self.out = out or sys.stdout
        self.terminal = os.isatty(0)
        self.reader = LineReader(0)
        self.link = MonitorLink(session, self._on_event, self._said_by_link, reopen=reopen)
        self._current: asyncio.Task[Outcome] | None = None
        self._asking: asyncio.Future[bool] | None = None
        session.show = self.write
        # Only a person at a terminal can answer; else the session refuses what needs asking.
        session.confirm = self.ask if self.terminal else None
        session.ask_secret = self.ask_secret if self.terminal else None

    def write(self, text: str) -> None:
        print(text, file=self.out, flush=True)

    def _said_by_link(self, text: str, error: bool) -> None:
        self.write(error_text([text], False) if error else note_text(text, False))

    def _on_event(self, event: Event) -> None:
        self.session.on_event(event)
        self.write(f"event: {human_line(event)}")

    async def ask(self, question: str) -> bool:
        print(f"{question} [y/N] ", end="", file=self.out, flush=True)
        self._asking = asking = asyncio.get_running_loop().create_future()
        answer = asyncio.ensure_future(self.reader.fresh_line())
        either: set[asyncio.Future[Any]] = {answer, asking}
        try:
            await asyncio.wait(either, return_when=asyncio.FIRST_COMPLETED)
        finally:
            self._asking = None
        if not answer.done():  # Ctrl-C: no. The read it waited for goes on, for the next line.
            answer.cancel()
            self.write("")
            return False
        return (answer.result() or "").strip().lower() in ("y", "yes")

    async def ask_secret(self, question: str) -> str:
        """A secret given as '-': the next line typed, the terminal's echo off while it is typed (the reading
        thread already waits on the terminal; the terminal itself stops showing keys). Ctrl-C cancels the line."""
        import termios

        before = termios.tcgetattr(0)
        hidden = list(before)
        hidden[3] &= ~termios.ECHO
        termios.tcsetattr(0, termios.TCSANOW, hidden)
        try:
            print(f"vdbgsh: {question}", end="", file=self.out, flush=True)
            secret = await self.reader.fresh_line()
        finally:
            termios.tcsetattr(0, termios.TCSANOW, before)
            self.write("")  # the Enter typed was not shown either
        if secret is None:
            raise UsageError("no secret given: nothing was sent")
        return secret

    def _interrupt(self) -> None:
        """Ctrl-C: no to a question, else stop waiting for the command, else a fresh prompt."""
        if self._asking is not None and not self._asking.done():
            self._asking.set_result(False)
        elif self._current is not None and not self._current.done():
            self._current.cancel()
        else:
            self.write("")
            self._prompt()

    def _say_long_wait(self) -> None:
        self.write(note_text(long_wait_note(LONG_WAIT, libvirt=self.session.monitor.libvirt), False))

    def _prompt(self) -> None:
        if self.terminal:
            print(f"{self.name} ({self.session.run_state})> ", end="", file=self.out, flush=True)

    async def run(self, banner: str) -> None:
        self.write(banner)
        if self.terminal:
            self.write("Line mode (TERM=dumb): one line at a time; :help for the shell's own commands; Ctrl-D leaves.")
        self.link.start()
        loop = asyncio.get_running_loop()
        loop.add_signal_handler(signal.SIGINT, self._interrupt)
        try:
            with contextlib.suppress(VdbgshError):
                await self.session.refresh_run_state()
            while True:
                self._prompt()
                line = await self.reader.line()
                if line is None:
                    if self.terminal:
                        self.write("")
                    break
                if line.strip() and not await self._handle(line):
                    break
        finally:
            loop.remove_signal_handler(signal.SIGINT)
            await self.link.close()

    async def _handle(self, line: str) -> bool:
        """Run one line and print what came of it; False when the shell should end."""
        if not is_meta(line.strip()) and (refused := await self.link.ready()) is not None:
            self.write(error_text([refused], False))
            return True
        self._current = asyncio.get_running_loop().create_task(self.session.run(line))
        wait = LONG_WAIT if not waits_on_purpose(line.strip()) else 1e9  # a :wait is long on purpose
        slow = asyncio.get_running_loop().call_later(wait, self._say_long_wait)
        try:
            outcome = await self._current
        except asyncio.CancelledError:
            task = asyncio.current_task()
            if task is not None and task.cancelling():
                raise
            waited = stopped_waiting(line.strip())
            self.write(note_text(waited, False) if waited else error_text([STOPPED_WAITING], False))
            return True
        except MonitorGone as err:
            self.write(error_text(err.lines(), False))
            self.link.command_failed(err)
            return True
        except VdbgshError as err:
            self.write(error_text(err.lines(), False))
            return True
        except Exception as err:  # a bug of vdbgsh's must not end the shell mid-incident
            self.write(error_text(internal_error_lines(err), False))
            return True
        finally:
            slow.cancel()
            self._current = None
        if outcome.quit:
            return False
        if outcome.text:
            self.write(outcome.text)
        if self.session.run_state_stale:
            with contextlib.suppress(VdbgshError):
                await self.session.refresh_run_state()
        return True


def wants_line_mode() -> bool:
    """No full screen on a terminal that cannot draw one, nor without a terminal to draw on or read keys from."""
    return os.environ.get("TERM") == "dumb" or not (os.isatty(0) and os.isatty(1))
