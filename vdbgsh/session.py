"""The controller between a UI and a monitor: a typed line becomes a request, a reply, and the text to show.

No prompt_toolkit here: the UI prints what this returns, and tests drive it directly. Observers see every
request and reply (the hook for transcripts).
"""

from __future__ import annotations

import asyncio
from collections.abc import Awaitable, Callable, Mapping, Sequence
from dataclasses import dataclass, field
from typing import TYPE_CHECKING, NamedTuple

from vdbgsh import transaction_block
from vdbgsh.errors import MonitorGone, VdbgshError
from vdbgsh.events.wait import RecentEvents, run_wait
from vdbgsh.guard.effects import classify_request
from vdbgsh.guard.policy import ASK, REFUSE, GuardPolicy
from vdbgsh.hmp.translate import Translation, Translator
from vdbgsh.plan import Plan, PlanContext, plan_async, plan_line, plan_request
from vdbgsh.plan.model import QUIT_NOTE
from vdbgsh.render.ansi import DIM, RED_BOLD, paint
from vdbgsh.render.help_topic import help_text
from vdbgsh.render.hmp_text import hmp_error, hmp_output
from vdbgsh.render.info import render_info
from vdbgsh.render.messages import error_text, note_text, request_echo
from vdbgsh.render.reply_view import OutputMode, format_elapsed, render_reply
from vdbgsh.render.request_forms import copy_text, hmp_text
from vdbgsh.render.untrusted import untrusted_text
from vdbgsh.schema.loading import LoadedSchema
from vdbgsh.secret_asking import AskSecret, asked_filled
from vdbgsh.syntax.classify import classify
from vdbgsh.syntax.meta import MetaCommand, parse_meta
from vdbgsh.syntax.secrets import mask_reply
from vdbgsh.syntax.transaction import is_action_line
from vdbgsh.transaction_block import PendingTransaction
from vdbgsh.transport import Event, Monitor, Reply
from vdbgsh.transport.base import JSONObject

if TYPE_CHECKING:
    from vdbgsh.transcript.writer import TranscriptWriter

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
    clipboard: str = ""  # for the terminal's clipboard as well (:copy)


@dataclass
class Options:
    mode: OutputMode = OutputMode.PRETTY
    view: str = "human"  # translated HMP info commands: a view like HMP's, or the reply as JSON
    verbose: bool = False
    timing: bool = True
    pager: str = "auto"


MetaHandler = Callable[["Session", MetaCommand, str], Awaitable[Outcome]]
# The handler of every meta-command, by name: each named in syntax/meta.py's META_COMMANDS (usage, help, arguments)
# has one here (tests/test_meta_registry.py), registered where it is written.
META_HANDLERS: dict[str, MetaHandler] = {}


def _handles(*names: str) -> Callable[[MetaHandler], MetaHandler]:
    def register(handler: MetaHandler) -> MetaHandler:
        for name in names:
            META_HANDLERS[name] = handler
        return handler

    return register


def _rest(text: str, meta: MetaCommand) -> str:
    """What follows the meta-command's name, as typed (a line to translate, a file name with blanks)."""
    return text.split(maxsplit=1)[1] if meta.args else ""


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
    # The UI's way to read a secret given as '-' (syntax/asked_secrets.py) without echo; None: such lines refused.
    ask_secret: AskSecret | None = None
    # The UI's way to show text at once, ahead of the outcome (a transaction's JSON before the question about it).
    show: Callable[[str], None] | None = None
    # Between :begin and :commit: the transaction being typed (the UI shows it in the prompt).
    pending_transaction: PendingTransaction | None = None
    run_state: str = "unknown"
    # A command that may have changed the run state was sent since it was last asked for: its event can reach us
    # after the reply (libvirt queues events), so the UI asks again before the next prompt rather than wait for it.
    run_state_stale: bool = False
    events_seen: int = 0
    quit_sent: bool = False  # QMP quit was sent: the guest going away next is what was asked, not an error
    last_text: str = ""
    last_request: JSONObject | None = None  # the last request sent, for :copy
    recent_events: RecentEvents = field(default_factory=RecentEvents)  # since the last request, for :wait
    planning: PlanContext = field(init=False)  # the planner's state for this guest (HMP's, device types)

    def __post_init__(self) -> None:
        self.translator.schema = self.loaded.schema
        self.planning = PlanContext(self.translator, libvirt=self.monitor.libvirt)
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
                block = self.pending_transaction
                return Outcome(transaction_block.add_action(block, text, self.planning, self.guard, self.colour))
            plan = await self.plan(text)
        except VdbgshError as err:
            return Outcome(error_text(err.lines(), self.colour))
        return await self._carry_out(plan)

    async def plan(self, text: str) -> Plan:
        """What a line becomes (the requests, or a VdbgshError saying why none): the same planner as exec's."""
        return await plan_async(plan_line(text, self.planning), self.loaded.schema, self.monitor.execute_message)

    async def _carry_out(self, plan: Plan) -> Outcome:
        """A plan's requests in order, up to the first that fails; an HMP line's translation shown first."""
        translation = plan.translation
        shown = [request_echo(r, self.colour) for r in plan.requests] if translation is not None else []
        stopped = await self._guarded(plan.requests, before=shown)
        if stopped is not None:
            return Outcome("\n".join([*shown, stopped]))
        if translation is None and self.options.verbose:
            shown += [request_echo(request, self.colour) for request in plan.requests]
        shown += [note_text(note, self.colour) for note in (*plan.notes, *plan.deprecations)]
        try:
            requests = [await asked_filled(step.request, self.ask_secret) for step in plan.steps]
        except VdbgshError as err:
            return Outcome("\n".join([*shown, error_text(err.lines(), self.colour)]))
        for step, request in zip(plan.steps, requests, strict=True):
            self.quit_sent = self.quit_sent or step.ends_guest
            try:
                reply = await self._send(plan.source, request)
            except MonitorGone:
                if not step.ends_guest:
                    raise
                # QEMU quit as asked, before its reply could travel: what was asked for, not a failure.
                shown.append(note_text(QUIT_NOTE, self.colour))
                break
            if step.hmp_text and reply.ok and isinstance(reply.value, str) and self._as_text(translation):
                # The text monitor's output is text: shown as HMP would show it, not as one escaped JSON string.
                failed = hmp_error(reply.value)
                if reply.value:  # no output (stop, cont ...): nothing but the time, as HMP prints nothing
                    shown.append(self._hmp_text(reply.value, failed))
                if translation is None and self.options.timing:
                    shown.append(paint(format_elapsed(reply.elapsed), DIM, self.colour))
                if failed is not None:
                    break
            elif translation is not None and translation.info and reply.ok and self.options.view == "human":
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
                shown.append(self._agent_view(str(request.get("execute")), reply) or self._rendered(reply))
            if step.ends_guest and reply.ok:
                shown.append(note_text(QUIT_NOTE, self.colour))
            if not reply.ok:
                break
        return self._outcome(shown)

    def _hmp_text(self, text: str, failed: str | None) -> str:
        """HMP's output; ``failed``, the error it reported (in a successful reply), in the error colour."""
        if failed is not None:  # each line painted: the transcript colours line by line
            return "\n".join(paint(line, RED_BOLD, self.colour) for line in failed.split("\n"))
        return hmp_output(text)

    def _as_text(self, translation: Translation | None) -> bool:
        """HMP's text shown as text: always for an HMP line, for human-monitor-command typed as QMP unless
        ``:output compact`` asks for its JSON."""
        return translation is not None or self.options.mode != "compact"

    async def _guarded(
        self, requests: Sequence[Mapping[str, object]], *, committing: bool = False, before: list[str] | None = None
    ) -> str | None:
        """Check requests against the guard rails before any is sent: None to send them, else what to show.
        While a transaction is open only read-only commands run, besides its commit. ``before``: what to show
        ahead of a question (an HMP line's translation: what is asked about is in view), taken out of the list."""
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
        if before and self.show is not None:
            self.show("\n".join(before))
            before.clear()
        if await self.confirm(decision.message):
            return None
        return note_text(f"cancelled: {decision.effect.command} was not sent", self.colour)

    async def _send(self, line: str, request: JSONObject) -> Reply:
        self.recent_events.sent()
        try:
            reply = await self.monitor.execute_message(request)
        except (VdbgshError, asyncio.CancelledError) as err:
            # No reply to record: the transcript still says what was sent, and why nothing came back.
            if self.transcript is not None:
                why = err.message if isinstance(err, VdbgshError) else "stopped waiting for the reply"
                self.transcript.unanswered(line, request, why)
            raise
        reply = reply._replace(message=mask_reply(reply.message, request))  # QEMU may quote a secret back
        if not classify_request(request, self.guard.domain).read_only:
            self.run_state_stale = True
        self.last_request = request
        exchange = Exchange(line, request, reply)
        for observer in self.observers:
            observer(exchange)
        return reply

    def _agent_view(self, command: str, reply: Reply) -> str | None:
        """guest-get-osinfo and guest-network-get-interfaces as tables (vdbgsh/agent/tables.py), as HMP's info views
        are shown; ':view json' shows their JSON."""
        if not (self.monitor.agent and reply.ok and self.options.view == "human"):
            return None
        from vdbgsh.agent.tables import agent_table

        table = agent_table(command, reply.value, self.width(), self.colour)
        if table is not None and self.options.timing:
            table += "\n" + paint(format_elapsed(reply.elapsed), DIM, self.colour)
        return table

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

    async def refresh_run_state(self) -> str:
        self.run_state_stale = False
        if self.monitor.agent:  # the agent knows no query-status: the prompt says "agent" instead
            return self.run_state
        reply = await self.monitor.execute("query-status")
        if reply.ok and isinstance(reply.value, dict):
            self.run_state = str(reply.value.get("status", "unknown"))
        return self.run_state

    def on_event(self, event: Event) -> bool:
        """Count an event; True when the run state should be asked for again."""
        self.events_seen += 1
        self.recent_events.add(event)
        for observer in self.event_observers:
            observer(event)
        return event.name in RUN_STATE_EVENTS

    async def _meta(self, meta: MetaCommand, text: str) -> Outcome:
        if self.monitor.agent:  # transactions and events are QEMU's monitor's (vdbgsh/agent/)
            from vdbgsh.agent.session_commands import qemu_only

            if (refused := qemu_only(meta.name)) is not None:
                return Outcome(error_text([refused], self.colour))
        return await META_HANDLERS[meta.name](self, meta, text)

    @_handles("begin", "commit", "abort", "actions", "drop")
    async def _transaction_meta(self, meta: MetaCommand, text: str) -> Outcome:
        name, args = meta
        block = self.pending_transaction
        if name == "begin":
            self.pending_transaction = transaction_block.begin(block, text, self.loaded.schema, self.guard)
            return Outcome(transaction_block.begun(self.pending_transaction, self.colour))
        if name == "commit":
            return Outcome(await self._commit(text))
        if name == "abort":
            self.pending_transaction = None
            return Outcome(transaction_block.aborted(block))
        if name == "drop":
            return Outcome(transaction_block.drop(block, args))
        return Outcome(transaction_block.listing(block))

    @_handles("translate")
    async def _translate_meta(self, meta: MetaCommand, text: str) -> Outcome:
        return await self._translate_only(_rest(text, meta))

    @_handles("copy", "wait")
    async def _request_meta_line(self, meta: MetaCommand, text: str) -> Outcome:
        return await self._request_meta(meta.name, meta.args)

    @_handles("run", "cat")
    async def _agent_meta(self, meta: MetaCommand, text: str) -> Outcome:
        from vdbgsh.agent.session_commands import agent_meta  # the guest agent's conveniences (vdbgsh/agent/)

        return Outcome(await agent_meta(meta.name, text, self))

    @_handles("quit")
    async def _quit_meta(self, meta: MetaCommand, text: str) -> Outcome:
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

    @_handles("watch", "events")
    async def _screen_meta(self, meta: MetaCommand, text: str) -> Outcome:
        # Redrawing in place and the events pane are the full-screen UI's, which handles these before the session.
        needs = {"watch": "the interactive shell (vdbgsh attach)", "events": "the interactive shell's events pane"}
        return Outcome(error_text([f":{meta.name} needs {needs[meta.name]}"], self.colour))

    @_handles("log")
    async def _log_meta(self, meta: MetaCommand, text: str) -> Outcome:
        return self._log(_rest(text, meta).strip())

    @_handles("clear")
    async def _clear_meta(self, meta: MetaCommand, text: str) -> Outcome:
        return Outcome(clear=True)

    @_handles("help")
    async def _help_meta(self, meta: MetaCommand, text: str) -> Outcome:
        return Outcome(self._help(meta.args))

    @_handles("history")
    async def _history_meta(self, meta: MetaCommand, text: str) -> Outcome:
        count = int(meta.args[0]) if meta.args else 20
        lines = self.history()[-count:]
        start = len(self.history()) - len(lines) + 1
        return Outcome("\n".join(f"{start + i:5}  {untrusted_text(entry)}" for i, entry in enumerate(lines)))

    @_handles("last")
    async def _last_meta(self, meta: MetaCommand, text: str) -> Outcome:
        return Outcome(self.last_text or "no reply yet", page=bool(self.last_text))

    @_handles("read-only")
    async def _read_only_meta(self, meta: MetaCommand, text: str) -> Outcome:
        refused = self.guard.set_read_only(meta.args[0] == "on")
        return Outcome(error_text([refused], self.colour) if refused else f"read-only: {meta.args[0]}")

    @_handles("confirm", "output", "verbose", "timing", "pager", "view")
    async def _setting_meta(self, meta: MetaCommand, text: str) -> Outcome:
        name, value = meta.name, meta.args[0]  # one of the spec's choices: parse_meta checked it
        if name == "confirm":
            self.guard.confirm_setting = value == "on"
        elif name == "output":
            self.options.mode = OutputMode(value)
        elif name in ("verbose", "timing"):
            setattr(self.options, name, value == "on")
        else:
            setattr(self.options, name, value)
        return Outcome(f"{name}: {value}")

    async def _commit(self, text: str) -> str:
        """Show the request, then send it through the planner's gate and the guard rails like any other line; the
        block closes once QEMU has taken it."""
        schema, colour = self.loaded.schema, self.colour
        request = transaction_block.commit_request(self.pending_transaction, text, schema)
        block = self.pending_transaction
        assert block is not None
        if not block.actions:
            self.pending_transaction = None
            return note_text("the transaction had no actions: nothing was sent, and it is closed", colour)
        plan = plan_request(request, self.planning, transaction_block.commit_line(block, text, schema))
        shown = [transaction_block.commit_echo(request, colour)]
        if self.show is not None:  # before any question: what is asked about is in view
            self.show(shown.pop())
        stopped = await self._guarded(plan.requests, committing=True)
        if stopped is not None:
            return "\n".join([*shown, stopped, transaction_block.still_open(colour)])
        try:
            reply = await self._send(plan.source, request)
        except (VdbgshError, asyncio.CancelledError):
            if self.show is not None:
                self.show(transaction_block.unanswered(block, colour))
            else:
                transaction_block.unanswered(block, colour)
            raise
        shown += [self._rendered(reply), transaction_block.committed(block, reply.ok, colour)]
        if reply.ok:
            self.pending_transaction = None
        return self._outcome(shown).text

    def start_log(self, path: str, *, uri: str | None = None, qmp: str | None = None) -> str:
        """Record every request, reply and event in ``path`` (JSON lines, mode 0600, appended to), secrets
        masked, until ``stop_log``; returns what to tell the user. Raises UsageError when it cannot be opened.
        ``uri`` (libvirt) or ``qmp`` (socket address) go in the transcript for replay."""
        from vdbgsh.transcript.writer import TranscriptWriter

        writer = TranscriptWriter(
            path, self.monitor.target, schema=self.loaded.schema, uri=uri, qmp=qmp, agent=self.monitor.agent
        )
        writer.on_failure = lambda failure: self.show(error_text([failure], self.colour)) if self.show else None
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
        """``:translate LINE``: what a line becomes, through the same planner, nothing sent."""
        if not line.strip():
            return Outcome(
                error_text(
                    [":translate takes an HMP or QMP line: :translate info block, :translate query-status"], self.colour
                )
            )
        try:
            plan = await self.plan(line)
        except VdbgshError as err:
            return Outcome(error_text(err.lines(), self.colour))
        shown = [request_echo(request, self.colour) for request in plan.requests]
        if plan.translation is None:  # a QMP line: the HMP line that does the same, where there is one
            shown += [hmp_text(request, self.loaded.schema, self.colour) for request in plan.requests]
        notes = (*plan.notes, *plan.deprecations)
        return Outcome("\n".join(shown + [note_text(note, self.colour) for note in notes]))

    async def _request_meta(self, name: str, args: tuple[str, ...]) -> Outcome:
        """:copy FORM (the last request in another form) and :wait EVENT (events/wait.py)."""
        if name == "wait":
            waited = await run_wait(
                list(args), self.loaded.schema, self.event_observers, self.colour, self.recent_events
            )
            return Outcome(waited)
        if self.last_request is None:
            return Outcome(note_text("nothing sent yet: :copy shows the last request sent", self.colour))
        if args[0] == "virsh" and not self.monitor.libvirt:
            return Outcome(
                error_text([f"{self.monitor.target} is no libvirt guest: virsh cannot reach it"], self.colour)
            )
        uri = getattr(getattr(self.monitor, "commands", None), "uri", None)
        domain = self.monitor.target
        copied = copy_text(
            args[0],
            self.last_request,
            self.loaded.schema,
            domain=domain,
            uri=uri,
            colour=self.colour,
            agent=self.monitor.agent,
        )
        return Outcome(copied.text, clipboard=copied.clipboard)

    def _help(self, args: tuple[str, ...]) -> str:
        shown = help_text(self.loaded.schema, args, self.width(), self.colour)
        if self.monitor.agent:  # QEMU's documentation of the agent's commands, its disabled ones
            from vdbgsh.agent.help import with_agent_docs

            shown = with_agent_docs(shown, self.loaded.schema, args, self.width(), self.colour)
        return shown.text
