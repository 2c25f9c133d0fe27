"""The interactive shell: a full-screen prompt_toolkit application around a Session.

The transcript shows each line run and what came back; the events pane lists the guest's events as they arrive,
also while a command runs; the input line stays live throughout (lines typed while a command runs wait their
turn). Ctrl-C clears the line, or stops waiting for a reply; Ctrl-D (or :quit, exit) leaves.
"""

from __future__ import annotations

import asyncio
import contextlib
import sys
from collections.abc import Iterator

from prompt_toolkit.application import Application, run_in_terminal
from prompt_toolkit.application.current import get_app_session
from prompt_toolkit.auto_suggest import AutoSuggestFromHistory
from prompt_toolkit.buffer import Buffer
from prompt_toolkit.completion import Completer
from prompt_toolkit.filters import Condition
from prompt_toolkit.formatted_text import StyleAndTextTuples
from prompt_toolkit.formatted_text.utils import fragment_list_width
from prompt_toolkit.history import History, InMemoryHistory

from vdbgsh.errors import MonitorGone, VdbgshError
from vdbgsh.events.cause import CauseLog, cause_line
from vdbgsh.events.filter import EventFilter
from vdbgsh.events.format import clock
from vdbgsh.events.pane_commands import EventsCommand, parse_events_command
from vdbgsh.events.ring import DEFAULT_CAPACITY, EventRing
from vdbgsh.events.view import EventsView, Numbered
from vdbgsh.events.wait import stopped_waiting, waits_on_purpose
from vdbgsh.link import UP, MonitorLink, Reopen
from vdbgsh.render.ansi import BOLD, DIM, paint, strip_ansi
from vdbgsh.render.highlight import highlight_json
from vdbgsh.render.json_text import pretty
from vdbgsh.render.messages import error_text, note_text
from vdbgsh.render.untrusted import untrusted_line
from vdbgsh.session import Outcome, Session
from vdbgsh.syntax.meta import is_meta, parse_meta
from vdbgsh.transport import Event
from vdbgsh.transport.interruptible import LONG_WAIT, long_wait_note
from vdbgsh.ui.clipboard import send_to_clipboard
from vdbgsh.ui.input_lexer import InputLexer
from vdbgsh.ui.internal_error import internal_error_lines
from vdbgsh.ui.json_continuation import json_is_open
from vdbgsh.ui.keys import shell_key_bindings
from vdbgsh.ui.layout import PaneSetting, ShellScreen
from vdbgsh.ui.pager import page, pager_command
from vdbgsh.ui.prompt_name import prompt_name
from vdbgsh.ui.run_state import RunStateKeeper
from vdbgsh.ui.secret_prompt import ask_secret_aside
from vdbgsh.ui.style import STYLE, continuation, prompt_ansi, prompt_fragments
from vdbgsh.ui.tab_key import TabKey
from vdbgsh.ui.transcript import Transcript
from vdbgsh.ui.transcript_search import TranscriptSearch
from vdbgsh.ui.typeahead import take_typeahead
from vdbgsh.ui.watch import Watcher

_LEAVE = None  # queued after the lines typed before Ctrl-D, so that they still run


class Shell:
    def __init__(
        self,
        session: Session,
        name: str,
        *,
        completer: Completer | None = None,
        history: History | None = None,
        can_page: bool = False,
        events_capacity: int = DEFAULT_CAPACITY,
        pane: PaneSetting | None = "auto",
        reopen: Reopen | None = None,
    ) -> None:
        self.session = session
        self.name = name
        self.can_page = can_page
        self.transcript = Transcript()
        self.events = EventsView(EventRing(events_capacity))
        self.question: tuple[str, asyncio.Future[bool]] | None = None
        self.question_shown = False  # drawn on the screen: from then on a key answers it
        self._lines: asyncio.Queue[str | None] = asyncio.Queue()
        self._current: asyncio.Task[Outcome] | None = None
        self._running_line = ""
        self.lines_accepted = self.lines_done = 0  # how far the typed lines have got (tests wait on these)
        self.buffer = Buffer(
            name="input",
            completer=completer,
            complete_while_typing=True,
            auto_suggest=AutoSuggestFromHistory(),
            history=history or InMemoryHistory(),
            multiline=Condition(lambda: json_is_open(self.buffer.text)),
            accept_handler=self._accept,
        )
        self.tab_key = TabKey(self.buffer)
        if completer is not None:
            self.buffer.completer = self.tab_key.watch(completer)
        self.screen = ShellScreen(
            self.transcript,
            self.events,
            self.buffer,
            lexer=InputLexer(),
            prompt=self._prompt,
            toolbar=self._toolbar,
            placement=pane or "auto",
            pane_shown=pane is not None,
        )
        self.finder = TranscriptSearch(self.screen, self.transcript, self.focus_input)  # Ctrl-F
        self.watcher = Watcher(session, self.screen, self._invalidate)  # :watch
        self.app: Application[None] = Application(
            layout=self.screen.layout,
            key_bindings=shell_key_bindings(self),
            style=STYLE,
            include_default_pygments_style=False,
            full_screen=True,
            enable_page_navigation_bindings=False,
            # A flood of events asks for a redraw each; twenty a second is plenty for the eye.
            min_redraw_interval=0.05,
        )
        session.history = lambda: list(self.buffer.history.get_strings())
        session.width = self.screen.transcript_width
        session.confirm = self.ask
        session.ask_secret = ask_secret_aside
        session.show = self.write
        # What this shell sent, for the event detail view's "most likely caused by" (events/cause.py).
        self.causes = CauseLog()
        self.screen.events_control.cause = lambda event: cause_line(self.causes.cause(event))
        session.observers.append(lambda exchange: self.causes.record(exchange.request, exchange.reply.elapsed))
        # The monitor's events and its going away; reopen (when given) reconnects and attaches again.
        self.link = MonitorLink(session, self.on_event, self._said_by_link, reopen=reopen)
        self.run_state = RunStateKeeper(
            session, self._invalidate, lambda: self.link.state == UP and self.app.is_running
        )

    # What the user sees.

    def _prompt(self) -> StyleAndTextTuples:
        name = prompt_name(self.name, self.screen.columns())
        return list(prompt_fragments(name, self.session.run_state, self.session.pending_transaction))

    def _toolbar(self) -> StyleAndTextTuples:
        """What the shell knows, then the keys; the least needed parts go first when the terminal is narrow."""
        if self.question is not None:
            return [("class:bottom-toolbar.ask", " [y/N] y sends it; any other key cancels ")]
        view = self.events
        pane_in_view = self.screen.pane_side() != "" and not view.paused and view.scrolled_back == 0
        if pane_in_view:
            view.seen = view.ring.total
        fragments: StyleAndTextTuples = [("", f" {self.name} · {self.session.run_state}")]
        if self.busy:
            fragments.append(
                ("class:bottom-toolbar.busy", f" · running {self._running_line[:30]} (Ctrl-C stops waiting)")
            )
        agent = self.session.monitor.agent  # the guest agent sends no events: no count, no F2
        if view.unseen:
            fragments.append(("class:bottom-toolbar.unseen", f" · {view.unseen:,} unseen events (F2)"))
        elif not agent:
            fragments.append(("", f" · events: {view.ring.total:,}"))
        loaded = self.session.loaded
        optional = [
            f" · output: {self.session.options.mode}",
            f" · schema: {len(loaded.schema.commands)} commands ({loaded.source})",
        ]
        keys = [
            ("Tab", " complete  "),
            *([] if agent else [("F2", " events  ")]),
            ("Ctrl-R", " search  "),
            (":help", " "),
        ]
        width = get_app_session().output.get_size().columns
        used = fragment_list_width(fragments) + sum(len(k) + len(t) for k, t in keys) + 3
        for fact in optional:
            if used + len(fact) > width:
                break
            fragments.append(("", fact))
            used += len(fact)
        fragments.append(("", "   "))
        if used <= width:
            for key, text in keys:
                fragments += [("class:bottom-toolbar.key", key), ("", text)]
        return fragments

    def write(self, text: str) -> None:
        if text:
            self.transcript.append(text)
            self._invalidate()

    def _said_by_link(self, text: str, error: bool) -> None:
        colour = self.session.colour
        self.write(error_text([text], colour) if error else note_text(text, colour))

    def _invalidate(self) -> None:
        with contextlib.suppress(Exception):
            self.app.invalidate()

    async def _show(self, text: str, *, force_page: bool = False) -> None:
        """Into the transcript; a reply taller than the transcript also through the pager, to read it whole."""
        if not text:
            return
        self.write(text)
        pager = self.session.options.pager
        height = self.screen.transcript_control.height
        wants_page = force_page or pager == "on" or (pager == "auto" and text.count("\n") + 1 > height - 1)
        if self.can_page and wants_page and pager != "off":
            try:
                command = pager_command()
                if command is None:
                    return
                # Keys typed before the pager starts are the shell's typing (lines that run in turn), not the
                # pager's: what is still waiting on the terminal is read now, as typing.
                take_typeahead(self.app)
                await run_in_terminal(lambda: page(text + "\n", command), in_executor=True)
            except VdbgshError as err:
                self.write(error_text(err.lines(), self.session.colour))

    # Events.

    def on_event(self, event: Event) -> None:
        if self.session.on_event(event):
            self.run_state.ask_soon()
        self.causes.arrived(event)
        self.events.add(event)
        self._invalidate()

    def toggle_pane(self) -> None:
        self.show_pane(not self.screen.pane_shown)

    def show_pane(self, shown: bool) -> None:
        self.screen.pane_shown = shown
        if not shown:
            self.focus_input()
        self._invalidate()

    def focus_pane(self) -> None:
        if not self.screen.pane_shown:
            self.screen.pane_shown = True
        self.screen.layout.focus(self.screen.events_window)
        self.events.select(0)
        self._invalidate()

    def focus_input(self) -> None:
        self.events.selected = None
        self.screen.layout.focus(self.screen.input_window)
        self._invalidate()

    def pause_events(self, paused: bool) -> None:
        if paused:
            self.events.pause()
        else:
            self.events.resume()
        self._invalidate()

    def clear_events(self) -> None:
        self.events.clear()
        self._invalidate()

    def show_selected_event(self) -> None:
        numbered = self.events.selected_event()
        if numbered is not None:
            self.write(self._event_text(numbered))

    def _event_text(self, numbered: Numbered) -> str:
        event = numbered.event
        colour = self.session.colour
        head = f"{paint(clock(event.timestamp), DIM, colour)} {paint(untrusted_line(event.name), BOLD, colour)}"
        head += f" (event #{numbered.seq + 1})"
        seconds = int(event.timestamp)
        micros = round((event.timestamp - seconds) * 1_000_000)
        # As QEMU sent it (libvirt hands over its parts): what a bug report or a test would quote.
        record = {
            "event": event.name,
            "data": event.data,
            "timestamp": {"seconds": seconds, "microseconds": micros},
        }
        body = highlight_json(record) if colour else pretty(record)
        cause = cause_line(self.causes.cause(event))
        return "\n".join([head, *([paint(cause, DIM, colour)] if cause else []), body])

    def _events_meta(self, command: EventsCommand) -> str:
        view = self.events
        action = command.action
        if action == "toggle":
            self.toggle_pane()
            return f"events pane: {'shown' if self.screen.pane_shown else 'hidden'}"
        if action in ("on", "off"):
            self.show_pane(action == "on")
            return f"events pane: {'shown' if action == 'on' else 'hidden'}"
        if action == "filter":
            kept = view.filter
            view.set_filter(EventFilter(command.patterns, regex=command.regex, no_case=command.no_case, text=kept.text))
            return f"events shown: {', '.join(command.patterns) or 'all names'}"
        if action == "grep":
            kept = view.filter
            view.set_filter(EventFilter(kept.patterns, regex=kept.regex, no_case=kept.no_case, text=command.text))
            return f"events shown: {'data containing ' + repr(command.text) if command.text else 'any data'}"
        if action in ("pause", "resume"):
            self.pause_events(action == "pause")
            return f"events pane: {'paused' if action == 'pause' else 'following'}"
        if action == "clear":
            self.clear_events()
            return "events pane: cleared"
        if action == "buffer":
            view.resize(command.number)
            return f"events kept: the newest {command.number:,}"
        numbered = view.nth_newest(command.number)
        if numbered is None:
            return note_text(f"no event {command.number} back among the {len(view.shown())} shown", self.session.colour)
        return self._event_text(numbered)

    # Asking before a command (the session's confirm hook).

    async def ask(self, question: str) -> bool:
        future: asyncio.Future[bool] = asyncio.get_running_loop().create_future()
        # The question may be long: whole in the transcript, where it stays; the toolbar says how to answer.
        self.write(paint(f"{question} [y/N]", "\x1b[1;33m", self.session.colour))
        self.question = (question, future)
        self.question_shown = False
        drawn = False

        def on_screen(_app: object) -> None:
            # Only a key typed once the question is on the screen answers it. Right after the draw that shows it,
            # what was typed before (a "yank" typed ahead after "stop") is read as typing, for the lines that
            # follow (they run in turn); the next key answers.
            nonlocal drawn
            if drawn:
                return
            drawn = True
            take_typeahead(self.app)
            if not future.done():
                self.question_shown = True

        self.app.after_render += on_screen
        try:
            self._invalidate()
            return await future
        finally:
            self.app.after_render -= on_screen
            self.question = None
            self.question_shown = False
            self._invalidate()

    @property
    def answerable(self) -> bool:
        """A question is on the screen, and the next key answers it."""
        return self.question is not None and self.question_shown

    def answer(self, yes: bool) -> None:
        if self.question is not None and not self.question[1].done():
            self.question[1].set_result(yes)
        # At once: the keys typed after the answer, in the same read, are typing again (not eaten as answers).
        self.question_shown = False

    # Running lines.

    @property
    def busy(self) -> bool:
        return self._current is not None and not self._current.done()

    def _accept(self, buffer: Buffer) -> bool:
        self.lines_accepted += 1
        self._lines.put_nowait(buffer.text)
        return False  # the buffer is emptied for the next line

    def abandon_line(self) -> None:
        """Ctrl-C on a typed line: it stays in the transcript, marked, as a terminal would keep it."""
        self._echo(self.buffer.text + "^C")
        self.buffer.reset()

    def leave(self) -> None:
        self._lines.put_nowait(_LEAVE)

    def stop_waiting(self) -> None:
        """Ctrl-C while a command runs: stop waiting for it, and forget the lines typed after it."""
        dropped = 0
        while not self._lines.empty():
            if self._lines.get_nowait() is _LEAVE:
                self._lines.put_nowait(_LEAVE)
                break
            dropped += 1
        if dropped:
            self.write(note_text(f"{dropped} line(s) typed meanwhile were not run", self.session.colour))
        if self._current is not None:
            self._current.cancel()

    def _echo(self, line: str) -> None:
        pending = self.session.pending_transaction
        name = prompt_name(self.name, self.screen.columns())
        prompt = prompt_ansi(name, self.session.run_state, self.session.colour, pending)
        first, *rest = line.split("\n")
        dots = continuation(len(strip_ansi(prompt)))
        self.write("\n".join([prompt + first, *(dots + more for more in rest)]))

    async def _work(self) -> None:
        try:
            while True:
                line = await self._lines.get()
                if line is _LEAVE:
                    break
                try:
                    if not await self._handle(line):
                        break
                except Exception as err:  # a bug of vdbgsh's: said, and the shell stays for the next line
                    self.write(error_text(internal_error_lines(err), self.session.colour))
                finally:
                    self.lines_done += 1
        finally:
            if self.app.is_running and not self.app.is_done:
                self.app.exit()

    async def _handle(self, line: str) -> bool:
        """Run one line and show what came of it; False when the shell should end."""
        await self.run_state.pending()  # the prompt kept above this line shows the state it was typed in
        self._echo(line)
        self.screen.transcript_control.follow()
        try:
            outcome = await self._run_line(line)
        except MonitorGone as err:
            self.write(error_text(err.lines(), self.session.colour))
            self.link.command_failed(err)  # the shell stays: the link says what happened and what comes next
            return True
        except VdbgshError as err:  # the transport's own errors (a reply too large for libvirt, a busy monitor)
            self.write(error_text(err.lines(), self.session.colour))
            return True
        if outcome is None:
            return True
        if outcome.quit:
            return False
        if outcome.clear:
            self.transcript.clear()
        if outcome.clipboard:
            send_to_clipboard(self.app.output, outcome.clipboard)
        await self._show(outcome.text, force_page=outcome.page)
        # The next prompt shows the state the command left, not the one before: asked after it, or already being
        # asked (an event's query that started after the reply, and took the stale mark with it).
        if self.link.state == UP and self.session.run_state_stale:
            await self.run_state.settled()
        else:
            await self.run_state.pending()
        return True

    async def _events_line(self, argument: str) -> Outcome | None:
        return Outcome(self._events_meta(parse_events_command(argument)))

    async def _watch_line(self, argument: str) -> Outcome | None:
        self.write(await self.watcher.run(argument))  # redrawn in place until a key (ui/watch.py); not paged
        return None

    async def _run_line(self, line: str) -> Outcome | None:
        if is_meta(line.strip()):
            try:
                meta = parse_meta(line.strip())
                # The screen's own meta-commands (the events pane, redrawing in place); the session has the rest.
                screen = {"events": self._events_line, "watch": self._watch_line}.get(meta.name)
                if screen is not None:
                    return await screen(line.strip().split(maxsplit=1)[1] if meta.args else "")
            except VdbgshError as err:
                return Outcome(error_text(err.lines(), self.session.colour))
        elif (refused := await self.link.ready()) is not None:
            return Outcome(error_text([refused], self.session.colour))
        self._running_line = line.strip().split("\n")[0]
        self._current = asyncio.get_running_loop().create_task(self.session.run(line))
        # A :wait (or :watch) is long on purpose: no note that the guest may be stuck.
        slow = asyncio.get_running_loop().call_later(
            LONG_WAIT if not waits_on_purpose(line) else 1e9, self._say_long_wait
        )
        self._invalidate()
        try:
            return await self._current
        except asyncio.CancelledError:
            if not self._current.cancelled() or _being_cancelled():
                raise
            waited = stopped_waiting(line.strip())
            if waited is not None:  # a :wait stopped: what was asked, not a failure
                self.write(note_text(waited, self.session.colour))
                return None
            self.write(
                error_text(["stopped waiting for the reply (the guest may still run the command)"], self.session.colour)
            )
            return None
        finally:
            slow.cancel()
            self._invalidate()

    def _say_long_wait(self) -> None:
        self.write(note_text(long_wait_note(LONG_WAIT, libvirt=self.session.monitor.libvirt), self.session.colour))

    async def run(self, banner: str) -> None:
        self.write(banner)
        self.link.start()
        worker: asyncio.Task[None] | None = None
        try:
            with contextlib.suppress(MonitorGone):
                await self.session.refresh_run_state()
            worker = asyncio.get_running_loop().create_task(self._work())
            with self._bugs_said_in_the_transcript():
                await self.app.run_async(set_exception_handler=False)
        finally:
            self.run_state.close()
            await self.link.close()
            if worker is not None:
                if not worker.done():
                    worker.cancel()
                with contextlib.suppress(asyncio.CancelledError):
                    await worker
        self._leave_last_screen()

    @contextlib.contextmanager
    def _bugs_said_in_the_transcript(self) -> Iterator[None]:
        """A bug outside a line's own run (a key, the completer, an event, a background query) is said as a line's
        is, in the transcript; prompt_toolkit's own handler would print a traceback over the screen and wait for
        an Enter, which would eat the Enter of the next line typed."""
        loop = asyncio.get_running_loop()
        previous = loop.get_exception_handler()

        def said(_loop: asyncio.AbstractEventLoop, context: dict[str, object]) -> None:
            err = context.get("exception")
            if isinstance(err, Exception):
                self.write(error_text(internal_error_lines(err), self.session.colour))
                # A key's handler that raised leaves prompt_toolkit's key processor finished: every later key
                # would fail. A fresh one (a half-typed key sequence is dropped).
                self.app.key_processor.reset()

        loop.set_exception_handler(said)
        try:
            yield
        finally:
            loop.set_exception_handler(previous)

    def _leave_last_screen(self) -> None:
        """What was last on the screen stays on the terminal after leaving, as after any other shell."""
        output = get_app_session().output
        rows = output.get_size().rows
        count = len(self.transcript)
        tail = [self.transcript.line(i) for i in range(max(0, count - rows + 2), count)]
        if tail and sys.stdout.isatty():
            output.write_raw("\n".join(tail) + "\n")
            output.flush()


def _being_cancelled() -> bool:
    task = asyncio.current_task()
    return task is not None and task.cancelling() > 0
