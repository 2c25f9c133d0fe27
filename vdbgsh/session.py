"""The controller between a UI and a monitor: a typed line becomes a request, a reply, and the text to show.

No prompt_toolkit here: the UI prints what this returns, and tests drive it directly. Observers see every
request and reply (the hook for transcripts).
"""

from __future__ import annotations

import asyncio
import re
from collections.abc import Awaitable, Callable, Mapping, Sequence
from dataclasses import dataclass, field
from typing import TYPE_CHECKING, NamedTuple

from vdbgsh import transaction_block
from vdbgsh.errors import VdbgshError
from vdbgsh.guard.effects import classify_request
from vdbgsh.guard.policy import ASK, REFUSE, GuardPolicy
from vdbgsh.hmp.dump_size import dump_refusal
from vdbgsh.hmp.table import BY_NAME as HMP_BY_NAME
from vdbgsh.hmp.table import INFO_BY_NAME
from vdbgsh.hmp.translate import Translation, Translator
from vdbgsh.render.ansi import DIM, RED_BOLD, paint
from vdbgsh.render.help import help_command, help_event, help_overview
from vdbgsh.render.help_hmp import help_hmp
from vdbgsh.render.hmp_text import hmp_error, hmp_output
from vdbgsh.render.info import render_info
from vdbgsh.render.messages import error_text, meta_overview, note_text, request_echo
from vdbgsh.render.reply_view import format_elapsed, render_reply
from vdbgsh.schema.loading import LoadedSchema
from vdbgsh.syntax.classify import classify
from vdbgsh.syntax.meta import ALIASES, META_COMMANDS, MetaCommand, parse_meta
from vdbgsh.syntax.request import parse_request_line
from vdbgsh.syntax.secrets import refuse_masked
from vdbgsh.syntax.transaction import is_action_line
from vdbgsh.transaction_block import PendingTransaction
from vdbgsh.transport import Event, Monitor, Reply
from vdbgsh.transport.base import HMP_PASSTHROUGH, JSONObject

if TYPE_CHECKING:
    from vdbgsh.transcript.writer import TranscriptWriter

_MEMORY_DUMP = re.compile(r"\s*xp?(?![^\s/])")  # HMP's x and xp: "x /4xb 0", "xp/4xb 0"

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
# The UI's question before a command that changes what libvirt tracks: gets the sentence, True sends.
Confirm = Callable[[str], Awaitable[bool]]


class Outcome(NamedTuple):
    text: str = ""  # what to show, ANSI-coloured when the session's colour is on
    quit: bool = False
    clear: bool = False
    page: bool = False  # show through the pager whatever its length


@dataclass
class Options:
    mode: str = "pretty"
    view: str = "human"  # translated HMP info commands: a view like HMP's, or the reply as JSON
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
    event_observers: list[Callable[[Event], None]] = field(default_factory=list)
    transcript: TranscriptWriter | None = None  # while :log (or --log) records
    translator: Translator = field(default_factory=Translator)
    # Guard rails: what may be sent, and the UI's way to ask first (None: such commands are refused).
    guard: GuardPolicy = field(default_factory=GuardPolicy)
    confirm: Confirm | None = None
    # The UI's way to show text at once, ahead of the outcome (a transaction's JSON before the question about it).
    show: Callable[[str], None] | None = None
    # Between :begin and :commit: the transaction being typed (the UI shows it in the prompt).
    pending_transaction: PendingTransaction | None = None
    run_state: str = "unknown"
    # A command that may have changed the run state was sent since it was last asked for: its event can reach us
    # after the reply (libvirt queues events), so the UI asks again before the next prompt rather than wait for it.
    run_state_stale: bool = False
    events_seen: int = 0
    last_text: str = ""
    _device_types: dict[str, dict[str, str]] = field(default_factory=dict)
    _unknown_drivers: set[str] = field(default_factory=set)

    def __post_init__(self) -> None:
        self.translator.schema = self.loaded.schema
        self.translator.context.device_properties = self._device_properties
        self.guard.bind(self.monitor.target, libvirt=self.monitor.libvirt)

    async def run(self, line: str) -> Outcome:
        """Handle one typed line; bad input comes back as error text, nothing is sent then."""
        text = line.strip()
        if not text:
            return Outcome()
        try:
            kind = classify(text, self.loaded.schema)
            if kind == "meta":
                return await self._meta(parse_meta(text), text)
            if self.pending_transaction is not None and is_action_line(text, self.loaded.schema):
                return Outcome(transaction_block.add_action(self, text))
            if kind == "hmp":
                return await self._hmp(text)
            request = parse_request_line(text, self.loaded.schema)
            refuse_masked(request.message)
        except VdbgshError as err:
            return Outcome(error_text(err.lines(), self.colour))
        too_big = self._passed_dump_too_big(request.message) if request.checked else None  # "!": as typed
        if too_big is not None:
            return Outcome(error_text(too_big, self.colour))
        stopped = await self._guarded([request.message])
        if stopped is not None:
            return Outcome(stopped)
        shown = [request_echo(request.message, self.colour)] if self.options.verbose else []
        reply = await self._send(text, request.message)
        if request.message.get("execute") == HMP_PASSTHROUGH and isinstance(reply.value, str) and self._as_text():
            # The text monitor's output is text: shown as HMP would show it, not as one escaped JSON string.
            if reply.value:  # no output (stop, cont ...): nothing but the time, as HMP prints nothing
                shown.append(self._hmp_text(reply.value, hmp_error(reply.value)))
            if self.options.timing:
                shown.append(paint(format_elapsed(reply.elapsed), DIM, self.colour))
        else:
            shown.append(self._rendered(reply))
        return self._outcome(shown)

    def _hmp_text(self, text: str, failed: str | None) -> str:
        """HMP's output; ``failed``, the error it reported (in a successful reply), in the error colour."""
        if failed is not None:  # each line painted: the transcript colours line by line
            return "\n".join(paint(line, RED_BOLD, self.colour) for line in failed.split("\n"))
        return hmp_output(text)

    def _as_text(self) -> bool:
        return self.options.mode != "compact"

    def _passed_dump_too_big(self, request: JSONObject) -> list[str] | None:
        """A memory dump typed inside human-monitor-command: checked as the same HMP line typed bare would be."""
        arguments = request.get("arguments")
        if request.get("execute") != HMP_PASSTHROUGH or not isinstance(arguments, dict):
            return None
        command_line = arguments.get("command-line")
        if not isinstance(command_line, str) or not _MEMORY_DUMP.match(command_line):
            return None
        try:
            return self._dump_too_big(self.translator.translate(command_line))
        except VdbgshError:
            return None  # QEMU says what is wrong with it

    async def _guarded(self, requests: Sequence[Mapping[str, object]], *, committing: bool = False) -> str | None:
        """Check requests against the guard rails before any is sent: None to send them, else what to show.
        While a transaction is open only read-only commands run, besides its commit."""
        decision = self.guard.decide(requests)
        if self.pending_transaction is not None and not committing and not decision.effect.read_only:
            return error_text(
                [
                    f"refused: {decision.effect.command} is not a transaction action, and while a transaction is "
                    "open only read-only commands run",
                    "hint: ':commit' sends the transaction first, ':abort' drops it; Tab lists the action types",
                ],
                self.colour,
            )
        if decision.verdict == REFUSE:
            return error_text([decision.message], self.colour)
        if decision.verdict != ASK:
            return None
        if self.confirm is None:
            return error_text(
                [self.guard.refusal_without_asking(decision, "this shell cannot ask", "':confirm off'")], self.colour
            )
        if await self.confirm(decision.message):
            return None
        return note_text(f"cancelled: {decision.effect.command} was not sent", self.colour)

    async def _send(self, line: str, request: JSONObject) -> Reply:
        try:
            reply = await self.monitor.execute_message(request)
        except (VdbgshError, asyncio.CancelledError) as err:
            # No reply to record: the transcript still says what was sent, and why nothing came back.
            if self.transcript is not None:
                why = err.message if isinstance(err, VdbgshError) else "stopped waiting for the reply"
                self.transcript.unanswered(line, request, why)
            raise
        if not classify_request(request, self.guard.domain).read_only:
            self.run_state_stale = True
        exchange = Exchange(line, request, reply)
        for observer in self.observers:
            observer(exchange)
        return reply

    def _rendered(self, reply: Reply) -> str:
        return render_reply(
            reply.message,
            mode=self.options.mode,
            width=self.width(),
            colour=self.colour,
            elapsed=reply.elapsed if self.options.timing else None,
        )

    def _outcome(self, shown: list[str]) -> Outcome:
        self.last_text = "\n".join(shown)
        return Outcome(self.last_text)

    async def translate(self, text: str) -> Translation:
        """An HMP line's translation; a device_add first asks the guest for its driver's property types."""
        translation = self.translator.translate(text)
        if self._unknown_drivers:
            for driver in self._unknown_drivers:
                reply = await self.monitor.execute("device-list-properties", {"typename": driver})
                properties = reply.value if reply.ok and isinstance(reply.value, list) else []
                self._device_types[driver] = {p["name"]: str(p.get("type", "")) for p in properties}
            self._unknown_drivers.clear()
            translation = self.translator.translate(text)
        return translation

    async def _hmp(self, text: str) -> Outcome:
        translation = await self.translate(text)
        refuse_masked(*translation.requests)
        too_big = self._dump_too_big(translation)
        if too_big is not None:
            return Outcome(error_text(too_big, self.colour))
        shown = [request_echo(request, self.colour) for request in translation.requests]
        stopped = await self._guarded(translation.requests)
        if stopped is not None:
            return Outcome("\n".join([*shown, stopped]))
        shown += [note_text(note, self.colour) for note in translation.notes]
        for request in translation.requests:
            reply = await self._send(text, request)
            if translation.fallback and reply.ok:
                failed = hmp_error(str(reply.value))
                shown.append(self._hmp_text(str(reply.value), failed))
                if failed is not None:
                    break
            elif translation.info and reply.ok and self.options.view == "human":
                view = render_info(
                    translation.info, translation.hmp_args, reply.value, colour=self.colour, width=self.width()
                )
                if view is None:
                    shown.append(self._rendered(reply))
                else:
                    shown.append(view)
                    if self.options.timing:
                        shown.append(paint(format_elapsed(reply.elapsed), DIM, self.colour))
            else:
                shown.append(self._rendered(reply))
            if not reply.ok:
                break
        return self._outcome(shown)

    def _dump_too_big(self, translation: Translation) -> list[str] | None:
        return dump_refusal(translation.entry.name, translation.hmp_args) if self.guard.libvirt else None

    def _device_properties(self, driver: str) -> dict[str, str] | None:
        if driver not in self._device_types:
            self._unknown_drivers.add(driver)
            return None
        return self._device_types[driver]

    async def refresh_run_state(self) -> str:
        self.run_state_stale = False
        reply = await self.monitor.execute("query-status")
        if reply.ok and isinstance(reply.value, dict):
            self.run_state = str(reply.value.get("status", "unknown"))
        return self.run_state

    def on_event(self, event: Event) -> bool:
        """Count an event; True when the run state should be asked for again."""
        self.events_seen += 1
        for observer in self.event_observers:
            observer(event)
        return event.name in RUN_STATE_EVENTS

    async def _meta(self, meta: MetaCommand, text: str) -> Outcome:
        name, args = meta
        if name in ("begin", "commit", "abort", "actions", "drop"):
            return await self._transaction_meta(meta, text)
        if name == "translate":
            return await self._translate_only(text.split(maxsplit=1)[1] if args else "")
        if name == "quit":
            pending = self.pending_transaction
            if pending is not None and not pending.quit_asked:
                pending.quit_asked = True  # a second :quit leaves without it
                return Outcome(
                    note_text(
                        f"the transaction ({len(pending)} action(s)) was not sent: {transaction_block.HOW_TO_END};"
                        " ':quit' again leaves without it",
                        self.colour,
                    )
                )
            return Outcome(quit=True)
        if name == "events":  # the pane is the UI's: a shell handles :events before it gets here
            return Outcome(error_text([":events needs the interactive shell's events pane"], self.colour))
        if name == "log":
            return self._log(text.split(maxsplit=1)[1].strip() if args else "")
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
        if name == "read-only":
            refused = self.guard.set_read_only(args[0] == "on")
            return Outcome(error_text([refused], self.colour) if refused else f"read-only: {args[0]}")
        value = args[0]
        if name == "confirm":
            self.guard.confirm_setting = value == "on"
        elif name == "output":
            self.options.mode = value
        elif name == "verbose":
            self.options.verbose = value == "on"
        elif name == "timing":
            self.options.timing = value == "on"
        elif name == "pager":
            self.options.pager = value
        elif name == "view":
            self.options.view = value
        return Outcome(f"{name}: {value}")

    async def _transaction_meta(self, meta: MetaCommand, text: str) -> Outcome:
        name, args = meta
        if name == "begin":
            return Outcome(transaction_block.begin(self, text))
        if name == "commit":
            return Outcome(await transaction_block.commit(self, text))
        if name == "abort":
            return Outcome(transaction_block.abort(self))
        if name == "drop":
            return Outcome(transaction_block.drop(self, args))
        return Outcome(transaction_block.listing(self))

    def start_log(self, path: str, *, uri: str | None = None, qmp: str | None = None) -> str:
        """Record every request, reply and event in ``path`` (JSON lines, mode 0600, appended to), secrets
        masked, until ``stop_log``; returns what to tell the user. Raises UsageError when it cannot be opened.
        ``uri`` (libvirt) or ``qmp`` (socket address) go in the transcript for replay."""
        from vdbgsh.transcript.writer import TranscriptWriter

        writer = TranscriptWriter(path, self.monitor.target, schema=self.loaded.schema, uri=uri, qmp=qmp)
        self.stop_log()
        self.transcript = writer
        self.observers.append(writer.exchange)
        self.event_observers.append(writer.event)
        return f"log: recording to {writer.path}"

    def stop_log(self) -> str:
        writer, self.transcript = self.transcript, None
        if writer is None:
            return "log: off"
        self.observers.remove(writer.exchange)
        self.event_observers.remove(writer.event)
        writer.close()
        return f"log: {writer.path} closed"

    def _log(self, where: str) -> Outcome:
        writer = self.transcript
        try:
            if where == "off":
                return Outcome(self.stop_log())
            if where:
                return Outcome(self.start_log(where))
        except VdbgshError as err:
            return Outcome(error_text(err.lines(), self.colour))
        if writer is not None and writer.failure:
            return Outcome(error_text([writer.failure], self.colour))
        return Outcome(f"log: recording to {writer.path}" if writer is not None else "log: off")

    async def _translate_only(self, line: str) -> Outcome:
        if not line.strip():
            return Outcome(error_text([":translate takes an HMP line: :translate info block"], self.colour))
        try:
            translation = await self.translate(line)
        except VdbgshError as err:
            return Outcome(error_text(err.lines(), self.colour))
        shown = [request_echo(request, self.colour) for request in translation.requests]
        return Outcome("\n".join(shown + [note_text(note, self.colour) for note in translation.notes]))

    def _help(self, args: tuple[str, ...]) -> str:
        schema = self.loaded.schema
        if not args:
            return help_overview(schema, self.width(), self.colour)
        topic = args[0]
        if topic.startswith(":"):
            return meta_overview(META_COMMANDS, ALIASES.get(topic[1:], topic[1:]), self.colour)
        if topic in schema.events:
            return help_event(schema, topic, self.width(), self.colour)
        hmp_entry = HMP_BY_NAME.get(topic) or INFO_BY_NAME.get(topic.removeprefix("info "))
        if hmp_entry is not None and topic not in schema.commands:
            return help_hmp(hmp_entry, schema, self.colour)
        return help_command(schema, topic, self.width(), self.colour)
