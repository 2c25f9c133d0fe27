"""``:watch SECONDS COMMAND``: run a read-only command again and again through the session (the same pipeline as a
typed line: planner, guard rails, rendering, transcript log) and redraw its reply in place, over the transcript,
until a key is pressed; then its last reply goes into the transcript, so nothing shown is lost.

A running block job, job or migration in the reply (query-block-jobs, query-jobs, query-migrate, or HMP's info
block-jobs / info migrate) is drawn as a progress bar with its rate and the time left (render/job_progress.py).
State-changing commands are refused: repeating them is never what a watch means.
"""

from __future__ import annotations

import asyncio
import contextlib
import math
import time
from collections.abc import Callable
from typing import TYPE_CHECKING

from prompt_toolkit.filters import Condition
from prompt_toolkit.formatted_text import ANSI, StyleAndTextTuples, to_formatted_text
from prompt_toolkit.key_binding import KeyBindings, KeyPressEvent
from prompt_toolkit.layout import ConditionalContainer, Float, FormattedTextControl, Window

from vdbgsh.errors import UsageError, VdbgshError
from vdbgsh.guard.effects import classify_request
from vdbgsh.render.ansi import BOLD, DIM, paint
from vdbgsh.render.job_progress import Rates, progress_lines
from vdbgsh.render.messages import error_text, note_text
from vdbgsh.render.untrusted import own_colours_only, untrusted_line
from vdbgsh.ui.layout import ShellScreen

if TYPE_CHECKING:
    from vdbgsh.session import Exchange, Outcome, Session

USAGE = ":watch SECONDS COMMAND (e.g. :watch 1 query-block-jobs)"
SHORTEST = 0.1  # seconds between rounds: faster would only load the monitor libvirt shares with its own queries


def parse_watch(argument: str) -> tuple[float, str]:
    """``SECONDS COMMAND`` -> (seconds, command); a UsageError saying what is wrong."""
    words = argument.split(maxsplit=1)
    if len(words) < 2:
        raise UsageError(":watch needs how often and what to run", f"usage: {USAGE}")
    try:
        seconds = float(words[0])
    except ValueError:
        seconds = math.nan
    if not math.isfinite(seconds) or seconds < SHORTEST:
        raise UsageError(
            f":watch takes seconds of at least {SHORTEST:g} first (got {untrusted_line(words[0])})", f"usage: {USAGE}"
        )
    return seconds, words[1].strip()


class Watcher:
    def __init__(self, session: Session, screen: ShellScreen, invalidate: Callable[[], None]) -> None:
        self.session = session
        self.screen = screen
        self.invalidate = invalidate
        self.active = False
        self.rounds = 0
        self.text = ""  # what the view shows now (ANSI)
        self._stop: asyncio.Event | None = None
        view = Window(FormattedTextControl(self._fragments), wrap_lines=True, style="class:watch")
        # Over the transcript only (its size as last drawn): the events pane, the input line and the toolbar stay
        # in view, the job's events arriving beside its bar.
        transcript = screen.transcript_control
        screen.root.floats.insert(
            0,
            Float(
                content=ConditionalContainer(view, filter=Condition(lambda: self.active)),
                top=0,
                left=0,
                width=lambda: transcript.width,
                height=lambda: transcript.height,
            ),
        )

    def _fragments(self) -> StyleAndTextTuples:
        return to_formatted_text(ANSI(self.text))

    def stop(self) -> None:
        if self._stop is not None:
            self._stop.set()

    async def run(self, argument: str) -> str:
        """Watch until a key stops it; returns what goes into the transcript (the last reply, or why not)."""
        from vdbgsh.session import Outcome

        colour = self.session.colour
        try:
            seconds, command = parse_watch(argument)
            plan = await self.session.plan(command)
        except VdbgshError as err:
            return error_text(err.lines(), colour)
        changing = [
            effect.command
            for effect in (classify_request(request, self.session.guard.domain) for request in plan.requests)
            if not effect.read_only
        ]
        if changing or not plan.requests:
            what = changing[0] if changing else untrusted_line(command)
            return error_text(
                [
                    f"refused: :watch repeats read-only commands only, and {what} changes the guest",
                    "hint: run it once without :watch; watch its effect with a query (:watch 1 query-block-jobs)",
                ],
                colour,
            )
        replies: list[Exchange] = []
        self.session.observers.append(replies.append)
        rates = Rates()
        self._stop = asyncio.Event()
        self.active, self.rounds = True, 0
        outcome: Outcome = Outcome()
        started = time.monotonic()
        try:
            while not self._stop.is_set():
                replies.clear()
                round_task = asyncio.ensure_future(self.session.run(command))
                stopping = asyncio.ensure_future(self._stop.wait())
                await asyncio.wait({round_task, stopping}, return_when=asyncio.FIRST_COMPLETED)
                stopping.cancel()
                if not round_task.done():
                    round_task.cancel()
                    with contextlib.suppress(asyncio.CancelledError):
                        await round_task
                    break
                outcome = round_task.result()
                self.rounds += 1
                self.text = self._view(seconds, command, outcome.text, replies, rates)
                self.invalidate()
                with contextlib.suppress(TimeoutError):
                    await asyncio.wait_for(self._stop.wait(), seconds)
        finally:
            self.session.observers.remove(replies.append)
            self.active = False
            self._stop = None
            self.invalidate()
        took = time.monotonic() - started
        said = note_text(f":watch stopped after {self.rounds} round(s) in {took:.1f} s (its last reply above)", colour)
        return "\n".join(filter(None, [outcome.text, said]))  # the note last: in view once it is done

    def _view(self, seconds: float, command: str, reply: str, replies: list[Exchange], rates: Rates) -> str:
        colour = self.session.colour
        head = paint(f"Every {seconds:g} s: {untrusted_line(command)}", BOLD, colour)
        head += paint(f"   {time.strftime('%H:%M:%S')} · round {self.rounds} · any key stops", DIM, colour)
        width = self.screen.transcript_width()
        bars: list[str] = []
        for exchange in replies:
            if exchange.reply.ok:
                name = str(exchange.request.get("execute", ""))
                bars += progress_lines(name, exchange.reply.value, rates, width=width, colour=colour)
        return own_colours_only("\n".join([head, "", *bars, *([""] if bars else []), reply]))


def watch_key_bindings(watcher: Callable[[], Watcher]) -> KeyBindings:
    """While watching, any key stops it (and does nothing else)."""
    keys = KeyBindings()

    @keys.add("<any>", filter=Condition(lambda: watcher().active), eager=True)
    def _stop(event: KeyPressEvent) -> None:
        watcher().stop()

    return keys


__all__ = ["Watcher", "parse_watch", "watch_key_bindings"]
