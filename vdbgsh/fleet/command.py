"""``vdbgsh exec`` across a fleet: the targets resolved, each line planned per kind of QEMU, the guard rails asked
once, the requests sent concurrently, the replies reported as they come."""

from __future__ import annotations

import argparse
from collections.abc import Callable
from typing import Any

from vdbgsh.cli.environment import Environment
from vdbgsh.errors import EXIT_OK, UsageError, VdbgshError
from vdbgsh.fleet.outcome import UNREACHABLE, Outcome, failed
from vdbgsh.fleet.planning import Kind, Planned, Probe, plan_kind, probe
from vdbgsh.fleet.report import Reporter
from vdbgsh.fleet.run import DEFAULT_PARALLEL, Emit, Interrupted, for_each
from vdbgsh.fleet.send import Exchange, Input, carry_out
from vdbgsh.fleet.targets import Member, open_hosts, resolve, split_command_line
from vdbgsh.plan.model import PlanContext, Steps
from vdbgsh.plan.planner import plan_line, plan_words
from vdbgsh.render.untrusted import untrusted_line

NO_HOST_DOMAIN = ""  # an unreachable host's row: which of its guests were meant is not known


def run_fleet(args: argparse.Namespace, env: Environment) -> int:
    selection, words = split_command_line(args)
    if args.transaction:
        raise UsageError("--transaction takes one guest", "send it to each guest with its own vdbgsh exec")
    if not words:
        raise UsageError("no COMMAND given", "e.g. vdbgsh exec --all query-status, or '-' to read stdin")
    command, *rest = words
    batch = command.strip() == "-"
    if batch and rest:
        raise UsageError(f"unexpected '{rest[0]}' after '-'", "with '-', commands come one per line on stdin")
    inputs = _inputs(env, command, rest, batch)
    parallel = args.parallel or DEFAULT_PARALLEL
    transcript = None
    if args.log:
        from vdbgsh.fleet.transcript import FleetTranscript
        from vdbgsh.transport.libvirt_domains import resolve_uri

        transcript = FleetTranscript(args.log, [resolve_uri(uri) for uri in selection.uris])
    try:
        return _run(args, env, selection, inputs, batch=batch, parallel=parallel, transcript=transcript)
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


def _line_steps(text: str) -> Callable[[PlanContext], Steps]:
    return lambda ctx: plan_line(text, ctx)


def _run(
    args: argparse.Namespace,
    env: Environment,
    selection: Any,
    inputs: list[tuple[int | None, Any]],
    *,
    batch: bool,
    parallel: int,
    transcript: Any,
) -> int:
    hosts = open_hosts(selection.uris)
    resolved = resolve(selection, hosts)
    members = resolved.members
    reporter = Reporter(env, output=args.output, total=len(members) * len(inputs))
    for host in hosts:
        if host.error:
            reporter.arrived(failed(host.uri, NO_HOST_DOMAIN, UNREACHABLE, host.error))
    try:
        kinds = _probe(members, reporter, parallel)
        plans = _plan(kinds, inputs, reporter, validate=not args.no_validate)
        if args.dry_run:
            return _dry_run(env, plans, kinds)
        from vdbgsh.fleet.consent import guarded

        judged = guarded(args, env, dict(plans), dict(kinds), batch=batch)
        line_nos = [line_no for line_no, _steps in inputs]
        work: dict[int, list[Input]] = {}
        for kind, kind_members in kinds.items():
            kind_inputs = [Input(no, planned) for no, planned in zip(line_nos, judged[kind], strict=True)]
            for member in kind_members:
                work[id(member)] = kind_inputs
        sending = [member for kind_members in kinds.values() for member in kind_members]

        def send(member: Member, emit: Emit) -> None:
            carry_out(member, work[id(member)], emit, keep_going=args.keep_going or False)

        def arrived(member: Member, item: Any) -> None:
            if isinstance(item, Exchange):
                if transcript is not None:
                    transcript.record_for(member.host.uri, member.name, item)
            elif isinstance(item, Outcome):
                reporter.arrived(item)
            else:  # an exception of ours in a worker: this guest's row says it
                reporter.arrived(failed(member.host.uri, member.name, UNREACHABLE, f"internal error: {item!r}"))

        for_each(sending, send, arrived, parallel=parallel, tick=reporter.tick)
    except Interrupted as stopped:
        pending = [(member.host.uri, member.name) for member in stopped.pending]
        status = reporter.finish(resolved.unmatched, pending)
        env.error(
            f"interrupted: stopped waiting for {len(pending)} guest{'s' * (len(pending) != 1)}; "
            "a command sent may still run in QEMU (libvirt keeps waiting for its reply)"
        )
        return status
    return reporter.finish(resolved.unmatched)


def _probe(members: list[Member], reporter: Reporter, parallel: int) -> dict[Kind, list[Member]]:
    """Every guest's kind of QEMU, asked at once; a guest that cannot be asked is reported unreachable."""
    kinds: dict[Kind, list[Member]] = {}

    def arrived(member: Member, found: Probe) -> None:
        if found.kind is None:
            reporter.arrived(failed(member.host.uri, member.name, UNREACHABLE, found.error))
        else:
            kinds.setdefault(found.kind, []).append(member)

    try:
        for_each(members, lambda member, emit: emit(probe(member)), arrived, parallel=parallel)
    except Interrupted as stopped:
        stopped.pending.extend(member for kind_members in kinds.values() for member in kind_members)
        raise
    return kinds


def _plan(
    kinds: dict[Kind, list[Member]], inputs: list[tuple[int | None, Any]], reporter: Reporter, *, validate: bool
) -> dict[Kind, list[Planned]]:
    plans: dict[Kind, list[Planned]] = {}
    said: set[str] = set()
    for kind, kind_members in list(kinds.items()):
        try:
            found = plan_kind(kind_members[0], kind.version, [steps for _no, steps in inputs], validate=validate)
        except VdbgshError as err:
            for member in kinds.pop(kind):
                reporter.arrived(failed(member.host.uri, member.name, UNREACHABLE, err.message))
            continue
        plans[kind] = [_no_asked_secret(planned) for planned in found.plans]
        for planned in found.plans:
            if not isinstance(planned, str):
                for note in planned.deprecations:
                    if note not in said:
                        said.add(note)
                        reporter.env.error(f"note: {untrusted_line(note)}")
    return plans


def _no_asked_secret(planned: Planned) -> Planned:
    if isinstance(planned, str):
        return planned
    from vdbgsh.syntax.asked_secrets import asked_secrets

    if any(asked_secrets(request) for request in planned.requests):
        return "not sent: a secret given as '-' is read for one guest at a time; give each guest its own vdbgsh exec"
    return planned


def _dry_run(env: Environment, plans: dict[Kind, list[Planned]], kinds: dict[Kind, list[Member]]) -> int:
    """What each kind of QEMU would be sent, unsent: one JSON object per kind and line."""
    import json

    from vdbgsh.fleet.planning import version_text
    from vdbgsh.syntax.secrets import mask_request

    for kind, kind_plans in plans.items():
        for planned in kind_plans:
            record: dict[str, Any] = {
                "uri": kind.uri,
                "qemu": version_text(kind.version),
                "domains": [member.name for member in kinds[kind]],
            }
            if isinstance(planned, str):
                record["refused"] = planned
            else:
                record["requests"] = [mask_request(request) for request in planned.requests]
            print(json.dumps(record, ensure_ascii=False), file=env.stdout, flush=True)
    return EXIT_OK
