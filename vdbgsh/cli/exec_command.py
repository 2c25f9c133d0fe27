"""``vdbgsh exec``: one QMP command (or HMP line, translated as the shell does), or a batch from stdin, for scripts.

Start-up is most of a one-shot's cost, so this path stays blocking (no asyncio for libvirt), must not import
prompt_toolkit, and loads the schema only when there is something to type or check.
"""

from __future__ import annotations

import argparse
from typing import TYPE_CHECKING

from vdbgsh.cli.environment import Environment
from vdbgsh.cli.guard_rails import ExecGuard
from vdbgsh.cli.target import take_target
from vdbgsh.errors import EXIT_GUEST_ERROR, EXIT_OK, EXIT_USAGE, UsageError, VdbgshError
from vdbgsh.render.errors import qmp_error_line
from vdbgsh.render.hmp_text import hmp_error, hmp_output
from vdbgsh.render.json_text import as_text
from vdbgsh.syntax.request import UNCHECKED_MARK, parse_request_line, parse_request_words
from vdbgsh.transport import Reply, Target
from vdbgsh.transport.base import HMP_PASSTHROUGH, BlockingMonitor, JSONObject

if TYPE_CHECKING:
    from vdbgsh.hmp.translate import Translator
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

    def __init__(self, target: Target, validate: bool) -> None:
        self.target = target
        self.validate = validate
        self._monitor: BlockingMonitor | None = None
        self._schema: Schema | None = None
        self.guard: ExecGuard | None = None  # None: sent unguarded
        self.transcript: TranscriptWriter | None = None  # --log
        self.line = ""  # the request as typed, for the transcript
        self._translator: Translator | None = None

    @property
    def monitor(self) -> BlockingMonitor:
        if self._monitor is None:
            self._monitor = self.target.open_blocking()
        return self._monitor

    def schema_for(self, needs_checking: bool) -> Schema | None:
        if not (self.validate and needs_checking):
            return None
        if self._schema is None:
            from vdbgsh.schema.loading import SchemaCache, load_schema_blocking

            self._schema = load_schema_blocking(self.monitor, SchemaCache.default()).schema
        return self._schema

    def translator(self, schema: Schema) -> Translator:
        """One for all the lines of a batch: HMP's state (the current CPU of ``cpu N``, x/xp formats) carries
        from line to line, as in the text monitor."""
        if self._translator is None:
            from vdbgsh.hmp.translate import Translator

            self._translator = Translator(schema)
        return self._translator

    def close(self) -> None:
        if self.transcript is not None:
            self.transcript.close()
        if self._monitor is not None:
            self._monitor.close()


def run_exec(args: argparse.Namespace, env: Environment) -> int:
    target, words = take_target(args, list(args.words), "exec")
    if args.transaction:
        return _run_transaction(args, env, target, words)
    if not words:
        raise UsageError("no COMMAND given", "e.g. vdbgsh exec DOMAIN query-status, or '-' to read stdin")
    command, *rest = words
    command = command.strip()  # a stray blank is no part of a command name
    if not command:
        raise UsageError("the COMMAND is empty", "e.g. vdbgsh exec DOMAIN query-status, or '-' to read stdin")
    printer = ReplyPrinter(env, args.raw, args.layout)
    guest = _guest(args, env, target, words, batch=command == "-")
    try:
        if command == "-":
            if rest:
                raise UsageError(f"unexpected '{rest[0]}' after '-'", "with '-', commands come one per line on stdin")
            return _run_batch(guest, env, printer, args.keep_going, args.dry_run)
        if not rest and _is_line(command):
            # One quoted line, read as the shell reads it (QMP 'CMD key=value ...' or HMP), never sent to the guest
            # as one long command name.
            return _send_all(guest, printer, _line_requests(guest, env, command), args.dry_run)
        if rest and not command.startswith(UNCHECKED_MARK) and _reads_as_hmp(guest, command, rest):
            line = " ".join([command, *rest])
            return _send_all(guest, printer, _line_requests(guest, env, line), args.dry_run)
        # Shape first (no connection needed: malformed JSON is a usage error whether or not the guest is there),
        # then types against the guest's schema when there are arguments to type.
        request = parse_request_words(command, rest).message
        if rest or "arguments" in request or args.dry_run:
            request = parse_request_words(command, rest, guest.schema_for(True)).message
            return _send(guest, printer, request, args.dry_run)
        if "execute" not in request or command.startswith("{") or not guest.validate:
            return _send(guest, printer, request, args.dry_run)
        # A bare name goes without the schema (the fast path); the schema is read only if QEMU knows no such
        # command: an HMP name (savevm, info) is then run as HMP, a misspelt one gets a suggestion.
        return _send(guest, printer, request, args.dry_run, bare=command)
    finally:
        guest.close()


def _reads_as_hmp(guest: Guest, command: str, rest: list[str]) -> bool:
    """Words that are no QMP (``info status``, ``device_del net0``) as HMP; the schema only when the name is HMP's."""
    from vdbgsh.hmp.table import BY_NAME

    if command not in BY_NAME:
        return False
    schema = guest.schema_for(True)
    if schema is None:
        return False
    from vdbgsh.syntax.classify import classify

    return classify(" ".join([command, *rest]), schema) == "hmp"


def _line_requests(guest: Guest, env: Environment, line: str) -> list[JSONObject]:
    """A line as the shell reads it: QMP checked against the guest's schema, or HMP translated into QMP."""
    if line.startswith(UNCHECKED_MARK):
        return [parse_request_line(line).message]
    schema = guest.schema_for(True)
    if schema is None:  # --no-validate: QMP as typed
        return [parse_request_line(line).message]
    from vdbgsh.syntax.classify import classify

    if classify(line, schema) != "hmp":
        return [parse_request_line(line, schema).message]
    from vdbgsh.hmp.dump_size import dump_refusal

    translation = guest.translator(schema).translate(line)
    refused = dump_refusal(translation.entry.name, translation.hmp_args) if guest.target.qmp is None else None
    if refused is not None:
        raise UsageError(refused[0].removeprefix("refused: "), refused[1].removeprefix("hint: "))
    if env.stderr.isatty():
        for note in translation.notes:
            print(f"vdbgsh: note: {note}", file=env.stderr, flush=True)
    return translation.requests


def _send_all(guest: Guest, printer: ReplyPrinter, requests: list[JSONObject], dry_run: bool, prefix: str = "") -> int:
    """The requests one line became, in order, up to the first that fails."""
    status = EXIT_OK
    for request in requests:
        status = _send(guest, printer, request, dry_run, prefix)
        if status != EXIT_OK:
            break
    return status


def _is_line(command: str) -> bool:
    return not command.startswith(("{", "!{")) and any(blank in command for blank in " \t\n")


def _guest(args: argparse.Namespace, env: Environment, target: Target, words: list[str], *, batch: bool) -> Guest:
    guest = Guest(target, validate=not args.no_validate)
    guest.guard = ExecGuard.from_args(args, env, libvirt=target.qmp is None, batch=batch)
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
        return _send(guest, ReplyPrinter(env, args.raw, args.layout), request, args.dry_run)
    finally:
        guest.close()


def _send(
    guest: Guest, printer: ReplyPrinter, request: JSONObject, dry_run: bool, prefix: str = "", *, bare: str = ""
) -> int:
    if dry_run:
        from vdbgsh.syntax.secrets import mask_request  # what is printed is echoed, and echoes keep secrets out

        printer.value(mask_request(request))
        return EXIT_OK
    refused = guest.guard.refusal(guest.monitor.target, request) if guest.guard is not None else None
    if refused is not None:
        print(f"vdbgsh: {prefix}{refused}", file=printer.env.stderr, flush=True)
        return EXIT_USAGE
    reply = guest.monitor.execute_message(request)
    if guest.transcript is not None:
        guest.transcript.record(guest.line, request, reply)
    if bare and not reply.ok and reply.error_class == "CommandNotFound":
        return _not_found(guest, printer, reply, bare)
    hmp_text = request.get("execute") == HMP_PASSTHROUGH
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


def _not_found(guest: Guest, printer: ReplyPrinter, reply: Reply, name: str) -> int:
    schema = guest.schema_for(True)
    if schema is not None:
        from vdbgsh.syntax.classify import classify

        if classify(name, schema) == "hmp":
            return _send_all(guest, printer, _line_requests(guest, printer.env, name), dry_run=False)
    printer.show(reply)
    if schema is not None:
        from vdbgsh.syntax.values import did_you_mean

        if suggestion := did_you_mean(name, list(schema.commands)):
            print(f"hint:{suggestion.removeprefix(';')}", file=printer.env.stderr, flush=True)
    return EXIT_GUEST_ERROR


def _run_batch(guest: Guest, env: Environment, printer: ReplyPrinter, keep_going: bool, dry_run: bool) -> int:
    """One request per stdin line, answered as it arrives; the status is the worst seen."""
    status = EXIT_OK
    for line_no, line in enumerate(iter(env.stdin.readline, ""), start=1):
        text = line.strip()
        if not text or text.startswith("#"):
            continue
        try:
            if text.startswith("{"):
                checked = dry_run or "arguments" in text
                requests = [parse_request_line(text, guest.schema_for(checked)).message]
            elif " " in text or dry_run:
                requests = _line_requests(guest, env, text)
            else:  # a bare name: sent without the schema, as on the command line
                requests = [parse_request_line(text).message]
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
        outcome = _send_all(guest, printer, requests, dry_run, prefix=f"line {line_no}: ")
        status = max(status, outcome)
        if outcome != EXIT_OK and not keep_going:
            break
    return status
