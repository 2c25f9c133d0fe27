"""``vdbgsh exec``: one QMP command (or HMP line, translated as the shell does), or a batch from stdin, for scripts.

Start-up is most of a one-shot's cost, so this path stays blocking (no asyncio for libvirt), must not import
prompt_toolkit, and loads the schema only when there is something to type or check.
"""

from __future__ import annotations

import argparse
from typing import TYPE_CHECKING

from vdbgsh.cli.agent_options import agent_target
from vdbgsh.cli.environment import Environment
from vdbgsh.cli.guard_rails import ExecGuard
from vdbgsh.cli.target import take_target
from vdbgsh.errors import EXIT_GUEST_ERROR, EXIT_OK, EXIT_USAGE, MonitorGone, UsageError, VdbgshError
from vdbgsh.plan.drive import plan_blocking
from vdbgsh.plan.model import QUIT_NOTE, Plan, PlanContext, Steps
from vdbgsh.plan.planner import plan_line, plan_request, plan_words
from vdbgsh.render.errors import qmp_error_line
from vdbgsh.render.hmp_text import hmp_error, hmp_output
from vdbgsh.render.json_text import as_text
from vdbgsh.render.untrusted import untrusted_line
from vdbgsh.transport import Reply, Target
from vdbgsh.transport.base import BlockingMonitor, JSONObject

if TYPE_CHECKING:
    from vdbgsh.schema.model import Schema
    from vdbgsh.transcript.writer import TranscriptWriter


class ReplyPrinter:
    def __init__(self, env: Environment, raw: bool, layout: str | None) -> None:
        self.env = env
        self.raw = raw
        self.layout = layout or ("pretty" if env.stdout_is_terminal else "compact")

    def value(self, value: object) -> None:
        print(as_text(value, layout=self.layout, colour=self.env.colour), file=self.env.stdout, flush=True)

    def show(self, reply: Reply, prefix: str = "", *, hmp_text: bool = False) -> None:
        if hmp_text and reply.ok and isinstance(reply.value, str) and self.layout == "pretty" and not self.raw:
            # On a terminal the text monitor's output reads as it prints it; piped, it stays a JSON string.
            if reply.value:
                print(hmp_output(reply.value), file=self.env.stdout, flush=True)
            return
        if reply.ok or self.raw:
            self.value(reply.message if self.raw else reply.value)
        if not reply.ok:
            print(f"vdbgsh: {prefix}{qmp_error_line(reply)}", file=self.env.stderr, flush=True)


class Guest:
    """The monitor and the schema, each opened or loaded on first need."""

    def __init__(self, target: Target, validate: bool, *, always_check: bool = False) -> None:
        self.target = target
        self.validate = validate
        self._monitor: BlockingMonitor | None = None
        self._schema: Schema | None = None
        self.guard: ExecGuard | None = None  # None: sent unguarded
        self.transcript: TranscriptWriter | None = None  # --log
        self.line = ""  # the request as typed, for the transcript
        self._always_check = always_check
        self._planning: PlanContext | None = None
        self.ended = False  # a quit was sent: the guest's QEMU is gone, as asked

    @property
    def monitor(self) -> BlockingMonitor:
        if self._monitor is None:
            self._monitor = self.target.open_blocking()
        return self._monitor

    def schema_for(self, needs_checking: bool, *, even_unvalidated: bool = False) -> Schema | None:
        """``even_unvalidated``: help reads the schema even under --no-validate (it checks nothing)."""
        if not ((self.validate or even_unvalidated) and needs_checking):
            return None
        if self._schema is None and self.target.agent:
            from vdbgsh.agent.schema import load_agent_schema_blocking

            self._schema = load_agent_schema_blocking(self.monitor).schema
        if self._schema is None:
            from vdbgsh.schema.loading import SchemaCache, load_schema_blocking

            self._schema = load_schema_blocking(self.monitor, SchemaCache.default()).schema
        return self._schema

    @property
    def planning(self) -> PlanContext:
        """One for all the lines of a batch: HMP's state (the current CPU of ``cpu N``, x/xp formats) carries
        from line to line, as in the text monitor."""
        if self._planning is None:
            self._planning = PlanContext(
                libvirt=self.target.qmp is None,
                validate=self.validate,
                always_check=self._always_check,
                agent=self.target.agent,
            )
        return self._planning

    def plan(self, steps: Steps) -> Plan:
        """The planner driven here, blocking: the schema loaded only if it asks for it."""

        def query(request: JSONObject) -> Reply:  # the monitor opened only when the planner asks the guest
            return self.monitor.execute_message(request)

        return plan_blocking(steps, lambda: self.schema_for(True), query)

    def close(self) -> None:
        try:
            if self.transcript is not None:
                self.transcript.close()  # raises when a record was lost: exec's status is then 2
        finally:
            if self._monitor is not None:
                self._monitor.close()


def run_exec(args: argparse.Namespace, env: Environment) -> int:
    if isinstance(args.uri, list) or getattr(args, "domain_globs", None) or getattr(args, "all_domains", False):
        from vdbgsh.fleet.targets import wants_fleet  # several -c, --domain GLOB, --all, g1,g2: vdbgsh/fleet/

        if wants_fleet(args):
            from vdbgsh.fleet.command import run_fleet

            return run_fleet(args, env)
        args.uri = args.uri[0] if args.uri else None
    elif args.words and "," in args.words[0] and args.qmp is None:
        from vdbgsh.fleet.command import run_fleet

        return run_fleet(args, env)
    target, words = take_target(args, list(args.words), "exec")
    target = agent_target(args, target._replace(timeout=args.timeout))
    if args.transaction:
        return _run_transaction(args, env, target, words)
    if not words:
        raise UsageError("no COMMAND given", "e.g. vdbgsh exec DOMAIN query-status, or '-' to read stdin")
    command, *rest = words
    printer = ReplyPrinter(env, args.raw, args.layout)
    guest = _guest(args, env, target, words, batch=command.strip() == "-")
    try:
        if command.strip() == "-":
            if rest:
                raise UsageError(f"unexpected '{rest[0]}' after '-'", "with '-', commands come one per line on stdin")
            return _run_batch(guest, env, printer, args.keep_going, args.dry_run)
        plan = guest.plan(plan_words(command, rest, guest.planning, help_ok=True))
        return carry_out(guest, printer, plan, args.dry_run)
    finally:
        guest.close()


def _guest(args: argparse.Namespace, env: Environment, target: Target, words: list[str], *, batch: bool) -> Guest:
    guest = Guest(target, validate=not args.no_validate, always_check=args.dry_run)
    guest.guard = ExecGuard.from_args(args, env, libvirt=target.qmp is None, batch=batch)
    guest.guard.policy.agent = target.agent
    if args.log:
        from vdbgsh.cli.exec_log import open_exec_log

        guest.transcript, guest.line = open_exec_log(args.log, target, words)
    return guest


def _run_transaction(args: argparse.Namespace, env: Environment, target: Target, words: list[str]) -> int:
    """``--transaction``: the words (or stdin's lines, after ``-``) are actions, sent as one transaction."""
    from vdbgsh.cli.exec_transaction import reads_stdin, transaction_from

    batch = reads_stdin(words)
    lines = env.stdin.readlines() if batch else []
    transaction_from(words, lines, None)  # the shape first: a malformed action needs no guest to be reported
    guest = _guest(args, env, target, words, batch=batch)
    if args.log:
        guest.line = "--transaction " + guest.line
    try:
        request = transaction_from(words, lines, guest.schema_for(True))
        plan = plan_request(request, guest.planning, guest.line)
        return carry_out(guest, ReplyPrinter(env, args.raw, args.layout), plan, args.dry_run)
    finally:
        guest.close()


def carry_out(guest: Guest, printer: ReplyPrinter, plan: Plan, dry_run: bool, prefix: str = "") -> int:
    """A plan's requests in order, up to the first that fails: after the guard rails (one question for them
    all), each sent, recorded and printed; the status is the last one's."""
    if plan.help_topic is not None:
        return _help(guest, printer, plan.help_topic, prefix)
    for note in plan.deprecations:  # on stderr, piped or not: a script's stdout stays the replies
        print(f"vdbgsh: {prefix}note: {untrusted_line(note)}", file=printer.env.stderr, flush=True)
    if dry_run:
        from vdbgsh.syntax.secrets import mask_request  # what is printed is echoed, and echoes keep secrets out

        for request in plan.requests:
            printer.value(mask_request(request))
        return EXIT_OK
    if plan.translation is not None and printer.env.stderr.isatty():
        for note in plan.notes:
            print(f"vdbgsh: {prefix}note: {untrusted_line(note)}", file=printer.env.stderr, flush=True)
    refused = guest.guard.refusal(guest.monitor.target, plan.requests) if guest.guard is not None else None
    if refused is not None:
        print(f"vdbgsh: {prefix}{untrusted_line(refused)}", file=printer.env.stderr, flush=True)
        return EXIT_USAGE
    status = EXIT_OK
    from vdbgsh.cli.secret_input import SecretReader
    from vdbgsh.syntax.secrets import mask_reply

    secrets = SecretReader(printer.env, batch=guest.guard is not None and guest.guard.batch)
    for step in plan.steps:
        request = secrets.fill(step.request)  # a secret given as '-' read now, just before it goes
        try:
            reply = guest.monitor.execute_message(request)
        except MonitorGone:
            if not step.ends_guest:
                raise
            # QEMU quit as asked, before its reply could travel: the command did what it was asked to.
            guest.ended = True
            if guest.transcript is not None:
                guest.transcript.unanswered(guest.line or plan.source, request, QUIT_NOTE)
            print(f"vdbgsh: {prefix}note: {QUIT_NOTE}", file=printer.env.stderr, flush=True)
            return EXIT_OK
        if step.ends_guest and reply.ok:
            guest.ended = True
            print(f"vdbgsh: {prefix}note: {QUIT_NOTE}", file=printer.env.stderr, flush=True)
        if guest.guard is not None:  # what this run added itself, it may remove without asking
            guest.guard.policy.sent(request, reply.ok)
        reply = reply._replace(message=mask_reply(reply.message, request))  # QEMU may quote a secret back
        if guest.transcript is not None:
            guest.transcript.record(guest.line or plan.source, request, reply)
        if plan.retry_as_hmp and not reply.ok and reply.error_class == "CommandNotFound":
            return _not_found(guest, printer, reply, plan.retry_as_hmp, prefix)
        if guest.target.agent and _agent_table(printer, request, reply):
            status = EXIT_OK
        else:
            status = _shown(printer, step.hmp_text, reply, prefix)
        if guest.transcript is not None and guest.transcript.failure:
            return EXIT_USAGE  # --log could not record it (said on stderr): nothing more goes unrecorded
        if status != EXIT_OK:
            break
    return status


def _help(guest: Guest, printer: ReplyPrinter, topic: tuple[str, ...], prefix: str) -> int:
    """``help [TOPIC]``: the shell's help text, from the guest's schema; nothing is sent to the guest."""
    import shutil

    from vdbgsh.render.help_topic import help_text

    schema = guest.schema_for(True, even_unvalidated=True)
    assert schema is not None
    env = printer.env
    width = shutil.get_terminal_size().columns if env.stdout_is_terminal else 100
    shown = help_text(schema, topic, width, env.colour)
    if guest.target.agent:
        from vdbgsh.agent.help import with_agent_docs

        shown = with_agent_docs(shown, schema, topic, width, env.colour)
    if not shown.found:
        for line in shown.text.split("\n"):
            print(f"vdbgsh: {prefix}{line}", file=env.stderr, flush=True)
        return EXIT_USAGE
    print(shown.text, file=env.stdout, flush=True)
    return EXIT_OK


def _agent_table(printer: ReplyPrinter, request: JSONObject, reply: Reply) -> bool:
    """guest-get-osinfo and guest-network-get-interfaces as tables on a terminal (as the shell shows them); piped,
    the JSON stays for scripts. True when shown."""
    if not reply.ok or printer.raw or printer.layout != "pretty":
        return False
    import shutil

    from vdbgsh.agent.tables import agent_table

    width = shutil.get_terminal_size().columns
    table = agent_table(str(request.get("execute")), reply.value, width, printer.env.colour)
    if table is not None:
        print(table, file=printer.env.stdout, flush=True)
    return table is not None


def _shown(printer: ReplyPrinter, hmp_text: bool, reply: Reply, prefix: str) -> int:
    failed = hmp_error(reply.value) if hmp_text and reply.ok and isinstance(reply.value, str) else None
    if failed is not None:
        # The guest answered with an error, in text: said on stderr, and the status says so.
        if printer.raw:
            printer.value(reply.message)
        for line in failed.split("\n"):
            print(f"vdbgsh: {prefix}{line}", file=printer.env.stderr, flush=True)
        return EXIT_GUEST_ERROR
    printer.show(reply, prefix, hmp_text=hmp_text)
    return EXIT_OK if reply.ok else EXIT_GUEST_ERROR


def _not_found(guest: Guest, printer: ReplyPrinter, reply: Reply, name: str, prefix: str) -> int:
    """A bare name QEMU does not know (sent without the schema): an HMP command is run as HMP, a misspelt one
    gets the schema's nearest names."""
    schema = guest.schema_for(True)
    if schema is not None:
        from vdbgsh.syntax.classify import classify

        if classify(name, schema) == "hmp":
            return carry_out(guest, printer, guest.plan(plan_line(name, guest.planning)), False, prefix)
    printer.show(reply, prefix)
    if schema is not None:
        from vdbgsh.syntax.values import did_you_mean

        if suggestion := did_you_mean(name, list(schema.commands)):
            print(f"{prefix}hint:{suggestion.removeprefix(';')}", file=printer.env.stderr, flush=True)
    return EXIT_GUEST_ERROR


def _run_batch(guest: Guest, env: Environment, printer: ReplyPrinter, keep_going: bool, dry_run: bool) -> int:
    """One request per stdin line, answered as it arrives; the status is the worst seen."""
    status = EXIT_OK
    for line_no, line in enumerate(iter(env.stdin.readline, ""), start=1):
        text = line.strip()
        if not text or text.startswith("#"):
            continue
        if guest.ended:
            env.error(f"line {line_no}: not sent: the guest's QEMU quit at an earlier line, as asked")
            return EXIT_USAGE
        try:
            plan = guest.plan(plan_line(text, guest.planning, fast=True, help_ok=True))
        except VdbgshError as err:
            if not isinstance(err, UsageError):
                raise
            first, *rest = err.lines()
            env.error(f"line {line_no}: {first}", *rest)
            status = EXIT_USAGE
            if keep_going:
                continue
            break
        guest.line = text
        outcome = carry_out(guest, printer, plan, dry_run, prefix=f"line {line_no}: ")
        status = max(status, outcome)
        if guest.transcript is not None and guest.transcript.failure:
            break  # --log can no longer record: nothing more is sent unrecorded, --keep-going or not
        if outcome != EXIT_OK and not keep_going:
            break
    return status
