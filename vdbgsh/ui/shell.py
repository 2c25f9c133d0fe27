"""The interactive shell: a prompt with schema completion and history; replies printed above it.

The prompt shows the guest and its run state, kept current by the guest's events; the toolbar says what the
shell knows. Ctrl-C cancels the line, or stops waiting for a reply; Ctrl-D (or :quit, exit) leaves.
"""

from __future__ import annotations

import asyncio
import contextlib
import signal
import threading
from collections.abc import Callable

from prompt_toolkit import PromptSession
from prompt_toolkit.application.current import get_app_session
from prompt_toolkit.auto_suggest import AutoSuggestFromHistory
from prompt_toolkit.completion import Completer
from prompt_toolkit.filters import Condition
from prompt_toolkit.formatted_text import FormattedText
from prompt_toolkit.history import History, InMemoryHistory
from prompt_toolkit.shortcuts import CompleteStyle, clear
from prompt_toolkit.styles import Style

from vdbgsh.errors import MonitorGone
from vdbgsh.render.messages import error_text
from vdbgsh.session import Outcome, Session
from vdbgsh.transport import Event
from vdbgsh.ui.input_lexer import InputLexer
from vdbgsh.ui.json_continuation import json_is_open
from vdbgsh.ui.pager import page

STYLE = Style.from_dict(
    {
        "target": "bold",
        "state.running": "ansigreen",
        "state.paused": "ansiyellow",
        "state.other": "ansired",
        "command": "bold",
        "key": "ansicyan",
        "equals": "ansibrightblack",
        "value": "",
        "meta": "ansimagenta",
        "bottom-toolbar": "noreverse bg:#303030 #d0d0d0",
        "bottom-toolbar.key": "bold",
    }
)

STATE_STYLES = {
    "running": "class:state.running",
    **dict.fromkeys(("paused", "prelaunch", "inmigrate", "suspended", "finish-migrate"), "class:state.paused"),
}


class Shell:
    def __init__(
        self,
        session: Session,
        name: str,
        *,
        completer: Completer | None = None,
        history: History | None = None,
        can_page: bool = False,
    ) -> None:
        self.session = session
        self.name = name
        self.can_page = can_page
        self._refresh: asyncio.Task[str] | None = None
        self.prompt: PromptSession[str] = PromptSession(
            message=self._message,
            bottom_toolbar=self._toolbar,
            completer=completer,
            complete_while_typing=True,
            complete_style=CompleteStyle.COLUMN,
            auto_suggest=AutoSuggestFromHistory(),
            history=history or InMemoryHistory(),
            lexer=InputLexer(),
            style=STYLE,
            include_default_pygments_style=False,
            # Enter inserts a newline only while a JSON request is still open.
            multiline=Condition(lambda: json_is_open(self.prompt.default_buffer.text)),
            prompt_continuation=lambda width, _line, _wrap: "." * (width - 1) + " ",
            reserve_space_for_menu=8,
        )
        session.history = lambda: list(self.prompt.history.get_strings())

    def _message(self) -> FormattedText:
        state = self.session.run_state
        style = STATE_STYLES.get(state, "class:state.other")
        return FormattedText([("class:target", self.name), ("", " ("), (style, state), ("", ")> ")])

    def _toolbar(self) -> FormattedText:
        """What the shell knows, then the keys; the least needed parts go first when the terminal is narrow."""
        loaded = self.session.loaded
        facts = [
            f" {self.name} · {self.session.run_state}",
            f" · events: {self.session.events_seen}",
            f" · output: {self.session.options.mode}",
            f" · schema: {len(loaded.schema.commands)} commands ({loaded.source})",
        ]
        keys = [("Tab", " complete  "), ("Ctrl-R", " search  "), (":help", " ")]
        width = get_app_session().output.get_size().columns
        keys_width = sum(len(key) + len(text) for key, text in keys) + 3
        while len(facts) > 1 and sum(map(len, facts)) + keys_width > width:
            facts.pop()
        fragments: list[tuple[str, str]] = [("", "".join(facts) + "   ")]
        for key, text in keys:
            fragments += [("class:bottom-toolbar.key", key), ("", text)]
        return FormattedText(fragments)

    def on_event(self, event: Event) -> None:
        if self.session.on_event(event) and (self._refresh is None or self._refresh.done()):
            self._refresh = asyncio.get_running_loop().create_task(self._refresh_state())
        with contextlib.suppress(Exception):
            self.prompt.app.invalidate()

    async def _refresh_state(self) -> str:
        try:
            state = await self.session.refresh_run_state()
        except MonitorGone:
            return self.session.run_state
        with contextlib.suppress(Exception):
            self.prompt.app.invalidate()
        return state

    def write(self, text: str, *, force_page: bool = False) -> None:
        if not text:
            return
        output = get_app_session().output
        rows = output.get_size().rows
        pager = self.session.options.pager
        wants_page = force_page or pager == "on" or (pager == "auto" and text.count("\n") + 1 > rows - 2)
        if self.can_page and wants_page and pager != "off" and page(text + "\n"):
            return
        output.write_raw(text + "\n")
        output.flush()

    async def run(self, banner: str) -> None:
        self.write(banner)
        subscription = self.session.monitor.subscribe(self.on_event)
        try:
            await self.session.refresh_run_state()
            while True:
                try:
                    line = await self.prompt.prompt_async()
                except KeyboardInterrupt:
                    continue
                except EOFError:
                    break
                try:
                    outcome = await self._run_cancellable(line)
                except MonitorGone as err:
                    self.write(error_text(err.lines(), self.session.colour))
                    break
                if outcome is None:
                    continue
                if outcome.quit:
                    break
                if outcome.clear:
                    clear()
                self.write(outcome.text, force_page=outcome.page)
                with contextlib.suppress(MonitorGone):
                    await self.session.refresh_run_state()
        finally:
            subscription.cancel()

    async def _run_cancellable(self, line: str) -> Outcome | None:
        """Run one line; Ctrl-C stops waiting for it (the shell stays) instead of ending the program."""
        loop = asyncio.get_running_loop()
        task = loop.create_task(self.session.run(line))
        # Signal handlers can only be set from the main thread; elsewhere (embedded, tests) Ctrl-C keeps its default.
        handles_sigint = threading.current_thread() is threading.main_thread()
        if handles_sigint:
            loop.add_signal_handler(signal.SIGINT, task.cancel)
        try:
            return await task
        except asyncio.CancelledError:
            if not task.cancelled():
                raise
            self.write(
                error_text(["stopped waiting for the reply (the guest may still run the command)"], self.session.colour)
            )
            return None
        finally:
            if handles_sigint:
                loop.remove_signal_handler(signal.SIGINT)


def terminal_width() -> Callable[[], int]:
    return lambda: get_app_session().output.get_size().columns
