"""``vdbgsh exec`` across a fleet: the targets resolved, then for each guest at once (a bound per host) its kind of
QEMU asked, the lines planned (once per kind), the guard rails applied (one question for all), the requests sent;
the replies reported as they come. No guest waits for another: one that hangs holds up only its own row."""

from __future__ import annotations

import argparse
from collections.abc import Callable
from typing import Any

from vdbgsh.cli.environment import Environment
from vdbgsh.errors import UsageError, VdbgshError
from vdbgsh.fleet.consent import ConsentGate, Question
from vdbgsh.fleet.outcome import UNREACHABLE, Outcome, failed
from vdbgsh.fleet.planning import KindPlanner, Note, Planned, plan_without_guest, probe
from vdbgsh.fleet.report import Reporter
from vdbgsh.fleet.run import Emit, Interrupted, for_each
from vdbgsh.fleet.secrets import SecretAsk, SecretBank
from vdbgsh.fleet.send import Exchange, Fill, Input, carry_out
from vdbgsh.fleet.targets import Member, close_hosts, open_hosts, resolve, split_command_line
from vdbgsh.plan.model import PlanContext, Steps
from vdbgsh.plan.planner import plan_line, plan_words
from vdbgsh.render.untrusted import untrusted_line

NO_HOST_DOMAIN = ""  # an unreachable host's row: which of its guests were meant is not known


class DryRun(dict[str, Any]):
    """What one guest would be sent (``--dry-run``), printed as one JSON object."""


def run_fleet(args: argparse.Namespace, env: Environment) -> int:
    selection, words = split_command_line(args)
    if not words:
        raise UsageError("no COMMAND given", "e.g. vdbgsh exec --all query-status, or '-' to read stdin")
    inputs: list[tuple[int | None, Any]]
    if args.transaction:
        from vdbgsh.cli.exec_transaction import reads_stdin

        batch = reads_stdin(words)
        inputs = [(None, _transaction_steps(words, env.stdin.readlines() if batch else []))]
    else:
        command, *rest = words
        batch = command.strip() == "-"
        if batch and rest:
            raise UsageError(f"unexpected '{rest[0]}' after '-'", "with '-', commands come one per line on stdin")
        inputs = _inputs(env, command, rest, batch)
    transcript = None
    if args.log:
        from vdbgsh.fleet.transcript import FleetTranscript
        from vdbgsh.transport.libvirt_domains import resolve_uri

        transcript = FleetTranscript(args.log, [resolve_uri(uri) for uri in selection.uris])
    try:
        return _run(args, env, selection, inputs, batch=batch, transcript=transcript)
    finally:
        if transcript is not None:
            transcript.close()


def _inputs(env: Environment, command: str, rest: list[str], batch: bool) -> list[tuple[int | None, Any]]:
    """Each input as the planner takes it: a factory of its steps for a context (one per kind of QEMU)."""
    if not batch:
        return [(None, lambda ctx: plan_words(command, rest, ctx))]
    found: list[tuple[int | None, Any]] = []
    for line_no, line in enumerate(env.stdin.readlines(), start=1):
        text = line.strip()
        if text and not text.startswith("#"):
            found.append((line_no, _line_steps(text)))
    if not found:
        raise UsageError("stdin holds no command", "give one command per line")
    return found


def _transaction_steps(words: list[str], lines: list[str]) -> Callable[[PlanContext], Steps]:
    """``--transaction``: the actions checked against each kind of QEMU's schema, one transaction per guest (all
    its actions take effect on that guest, or none; each guest's transaction stands alone)."""
    from vdbgsh.cli.exec_transaction import transaction_from
    from vdbgsh.plan.model import NEED_SCHEMA
    from vdbgsh.plan.planner import plan_request

    transaction_from(words, lines, None)  # the shape first: a malformed action needs no guest to be reported
    source = "--transaction " + " ".join(words)

    def steps(ctx: PlanContext) -> Steps:
        schema = (yield NEED_SCHEMA) if ctx.validate else None
        return plan_request(transaction_from(words, lines, schema), ctx, source)

    return steps


def _line_steps(text: str) -> Callable[[PlanContext], Steps]:
    return lambda ctx: plan_line(text, ctx, fast=True)  # a bare name needs no schema, as in exec's own batches


def _run(
    args: argparse.Namespace,
    env: Environment,
    selection: Any,
    inputs: list[tuple[int | None, Any]],
    *,
    batch: bool,
    transcript: Any,
) -> int:
    hosts = open_hosts(selection.uris)
    if getattr(args, "agent", False):  # the guests' agents rather than QEMU's monitors
        for host in hosts:
            host.agent_timeout = args.agent_timeout
    resolved = resolve(selection, hosts)
    members = resolved.members
    reporter = Reporter(env, output=args.output, total=len(members))
    for host in hosts:
        if host.error:
            reporter.arrived(failed(host.uri, NO_HOST_DOMAIN, UNREACHABLE, host.error))
    planner = KindPlanner([steps for _no, steps in inputs], validate=not args.no_validate)
    gate = ConsentGate(args, env, members, batch=batch)
    secrets = SecretBank(env, batch=batch)
    line_nos = [line_no for line_no, _steps in inputs]
    said: set[str] = set()

    # An agent's kind (guest-info) also tells which of its commands are disabled: always asked.
    agent = getattr(args, "agent", False)
    same_for_all = None if agent else plan_without_guest(planner.inputs, validate=planner.validate)
    work = _work(args, planner, gate, line_nos, same_for_all, fill=secrets.fill)
    answered: dict[int, int] = {}  # outcomes per guest: one that has them all is not left waiting by Ctrl-C

    def arrived(member: Member, item: Any) -> None:
        if isinstance(item, Outcome):
            answered[id(member)] = answered.get(id(member), 0) + 1
            reporter.arrived(item)
        elif isinstance(item, Exchange):
            if transcript is not None:
                transcript.record_for(member.host.uri, member.name, item)
        elif isinstance(item, Question):
            reporter.pause_progress()
            gate.answer(item)
        elif isinstance(item, SecretAsk):
            reporter.pause_progress()
            secrets.answer(item)
        elif isinstance(item, Note):
            if item.text not in said:
                said.add(item.text)
                env.error(f"note: {untrusted_line(item.text)}")
        elif isinstance(item, DryRun):
            reporter.dry_run(item)
        else:  # an exception of ours in a worker: this guest's row says it
            reporter.arrived(failed(member.host.uri, member.name, UNREACHABLE, f"internal error: {item!r}"))

    try:
        for_each(
            members,
            work,
            arrived,
            parallel=args.parallel,
            tick=reporter.tick,
            timeout=args.timeout,
            paused=lambda: gate.asking_took + secrets.reading_took,
        )
    except Interrupted as stopped:
        if stopped.timed_out:
            for member in stopped.pending:
                if answered.get(id(member), 0) < len(inputs):
                    reporter.arrived(
                        failed(
                            member.host.uri,
                            member.name,
                            UNREACHABLE,
                            f"no reply within {args.timeout:g} s (--timeout): QEMU may be stopped or busy; a command "
                            "sent may still run in QEMU",
                        )
                    )
            return reporter.finish(resolved.unmatched)
        pending = [
            (member.host.uri, member.name) for member in stopped.pending if answered.get(id(member), 0) < len(inputs)
        ]
        status = reporter.finish(resolved.unmatched, pending)
        env.error(
            f"interrupted: stopped waiting for {len(pending)} guest{'s' * (len(pending) != 1)}; "
            "a command sent may still run in QEMU (libvirt keeps waiting for its reply)"
        )
        return status
    status = reporter.finish(resolved.unmatched)
    # All answered: nothing is in flight on the connections. (After Ctrl-C or --timeout they are left to the
    # process's exit: closing one with a call stuck on it would wait for that call.)
    close_hosts(hosts)
    return status


def _work(
    args: argparse.Namespace,
    planner: KindPlanner,
    gate: ConsentGate,
    line_nos: list[int | None],
    same_for_all: list[Planned] | None,
    *,
    fill: Fill,
) -> Callable[[Member, Emit], None]:
    """What each guest's worker does: the plans (``same_for_all``, or its kind of QEMU's), the guard rails, the
    sending."""
    keep_going = bool(args.keep_going)

    def work(member: Member, emit: Emit) -> None:
        start = 0
        if same_for_all is not None:
            if args.dry_run:
                emit(_dry_run(member, same_for_all))
                return
            judged = gate.judge(same_for_all, emit)
            replan = carry_out(
                member, _numbered(line_nos, judged), emit, keep_going=keep_going, hmp_names=_hmp_names, fill=fill
            )
            if replan is None:
                return
            start = replan.from_input  # a name this QEMU lacks that its HMP may have: planned for its own kind
        kind_plans = _kind_plans(member, emit)
        if kind_plans is None:
            return
        if args.dry_run:
            emit(_dry_run(member, kind_plans))
            return
        judged = gate.judge(kind_plans[start:], emit)
        carry_out(member, _numbered(line_nos, judged, start), emit, keep_going=keep_going, fill=fill)

    def _kind_plans(member: Member, emit: Emit) -> list[Planned] | None:
        """The plans for ``member``'s kind of QEMU (asked of it first); None when it could not be asked (said)."""
        uri, name = member.host.uri, member.name
        found = probe(member)
        if found.kind is None:
            emit(failed(uri, name, UNREACHABLE, found.error))
            return None
        try:
            plans = planner.plans(found, member, emit).plans
        except VdbgshError as err:
            emit(failed(uri, name, UNREACHABLE, err.message))
            return None
        except Exception as err:  # libvirt's own: the guest went away before its schema could be read
            emit(failed(uri, name, UNREACHABLE, f"guest {name}: {err}"))
            return None
        return plans

    return work


def _numbered(line_nos: list[int | None], judged: list[Planned], start: int = 0) -> list[Input]:
    """The judged plans of the inputs from ``start`` on, each with its stdin line and its place among the inputs."""
    return [
        Input(no, planned, start + offset)
        for offset, (no, planned) in enumerate(zip(line_nos[start:], judged, strict=True))
    ]


def _hmp_names() -> frozenset[str]:
    """HMP's command names, built (~50 ms: the tables) only when a guest answers a bare name with CommandNotFound."""
    from vdbgsh.hmp.versions import every_name

    return every_name()


def _dry_run(member: Member, plans: list[Any]) -> DryRun:
    from vdbgsh.syntax.secrets import mask_request

    record = DryRun(uri=member.host.uri, domain=member.name)
    record["requests"] = [
        {"refused": planned} if isinstance(planned, str) else [mask_request(request) for request in planned.requests]
        for planned in plans
    ]
    return record
