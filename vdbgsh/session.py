"""The controller between a UI and a monitor: a typed line becomes a request, a reply, and the text to show.

No prompt_toolkit here: the UI prints what this returns, and tests drive it directly. Observers see every
request and reply (the hook for transcripts).
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, field
from typing import NamedTuple

from vdbgsh.errors import VdbgshError
from vdbgsh.render.help import help_command, help_event, help_overview
from vdbgsh.render.messages import error_text, meta_overview, request_echo
from vdbgsh.render.reply_view import render_reply
from vdbgsh.schema.loading import LoadedSchema
from vdbgsh.syntax.meta import META_COMMANDS, MetaCommand, is_meta, parse_meta
from vdbgsh.syntax.request import parse_request_line
from vdbgsh.transport import Event, Monitor, Reply
from vdbgsh.transport.base import JSONObject

# Events after which the run state is worth asking for again.
RUN_STATE_EVENTS = frozenset(
    {"STOP", "RESUME", "RESET", "SHUTDOWN", "POWERDOWN", "SUSPEND", "WAKEUP", "GUEST_PANICKED"}
)


@dataclass(frozen=True)
class Exchange:
    """One request sent and the reply it got."""

    line: str
    request: JSONObject
    reply: Reply


Observer = Callable[[Exchange], None]


class Outcome(NamedTuple):
    text: str = ""  # what to show, ANSI-coloured when the session's colour is on
    quit: bool = False
    clear: bool = False
    page: bool = False  # show through the pager whatever its length


@dataclass
class Options:
    mode: str = "pretty"
    verbose: bool = False
    timing: bool = True
    pager: str = "auto"


@dataclass
class Session:
    monitor: Monitor
    loaded: LoadedSchema
    colour: bool = True
    width: Callable[[], int] = lambda: 80
    history: Callable[[], list[str]] = list
    options: Options = field(default_factory=Options)
    observers: list[Observer] = field(default_factory=list)
    run_state: str = "unknown"
    events_seen: int = 0
    last_text: str = ""

    async def run(self, line: str) -> Outcome:
        """Handle one typed line; bad input comes back as error text, nothing is sent then."""
        text = line.strip()
        if not text:
            return Outcome()
        try:
            if is_meta(text):
                return self._meta(parse_meta(text))
            request = parse_request_line(text, self.loaded.schema)
        except VdbgshError as err:
            return Outcome(error_text(err.lines(), self.colour))
        shown = [request_echo(request.message, self.colour)] if self.options.verbose else []
        reply = await self.monitor.execute_message(request.message)
        exchange = Exchange(text, request.message, reply)
        for observer in self.observers:
            observer(exchange)
        rendered = render_reply(
            reply.message,
            mode=self.options.mode,
            width=self.width(),
            colour=self.colour,
            elapsed=reply.elapsed if self.options.timing else None,
        )
        self.last_text = rendered
        shown.append(rendered)
        return Outcome("\n".join(shown))

    async def refresh_run_state(self) -> str:
        reply = await self.monitor.execute("query-status")
        if reply.ok and isinstance(reply.value, dict):
            self.run_state = str(reply.value.get("status", "unknown"))
        return self.run_state

    def on_event(self, event: Event) -> bool:
        """Count an event; True when the run state should be asked for again."""
        self.events_seen += 1
        return event.name in RUN_STATE_EVENTS

    def _meta(self, meta: MetaCommand) -> Outcome:
        name, args = meta
        if name == "quit":
            return Outcome(quit=True)
        if name == "clear":
            return Outcome(clear=True)
        if name == "help":
            return Outcome(self._help(args))
        if name == "history":
            count = int(args[0]) if args else 20
            lines = self.history()[-count:]
            start = len(self.history()) - len(lines) + 1
            return Outcome("\n".join(f"{start + i:5}  {entry}" for i, entry in enumerate(lines)))
        if name == "last":
            return Outcome(self.last_text or "no reply yet", page=bool(self.last_text))
        value = args[0]
        if name == "output":
            self.options.mode = value
        elif name == "verbose":
            self.options.verbose = value == "on"
        elif name == "timing":
            self.options.timing = value == "on"
        elif name == "pager":
            self.options.pager = value
        return Outcome(f"{name}: {value}")

    def _help(self, args: tuple[str, ...]) -> str:
        schema = self.loaded.schema
        if not args:
            return help_overview(schema, self.width(), self.colour)
        topic = args[0]
        if topic.startswith(":"):
            return meta_overview(META_COMMANDS, topic[1:], self.colour)
        if topic in schema.events:
            return help_event(schema, topic, self.width(), self.colour)
        return help_command(schema, topic, self.width(), self.colour)
