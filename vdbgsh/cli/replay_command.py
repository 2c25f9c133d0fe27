"""``vdbgsh replay``: send a transcript's requests again, in order, the way ``vdbgsh exec`` sends one; or print
them as a bash script of ``vdbgsh exec`` lines (``--script``).

Only requests are replayed (replies and events were the guest's). The whole transcript is read and checked
before anything is sent, so a bad line sends nothing. A request whose secret was masked when recorded is not
sent: the mask would become the password.
"""

from __future__ import annotations

import argparse
import sys

from vdbgsh.cli.environment import Environment
from vdbgsh.cli.exec_command import Guest, ReplyPrinter, carry_out
from vdbgsh.errors import EXIT_OK, UsageError
from vdbgsh.render.untrusted import untrusted_line
from vdbgsh.syntax.secrets import masked_secrets
from vdbgsh.transcript.records import Record, parse_transcript
from vdbgsh.transport import Target, parse_qmp_address


def run_replay(args: argparse.Namespace, env: Environment) -> int:
    records = read_transcript(args.file, env)
    requests = [record for record in records if record.type == "request"]
    domain, uri, qmp = _where(args, records, requests, env)
    # Recorded on the guest agent (exec/attach --agent): replayed there, never to QEMU's monitor.
    agent = qmp is None and any(record.type == "start" and record.fields.get("agent") is True for record in records)
    if args.script:
        from vdbgsh.transcript.script import shell_script

        options = ["--yes"] if args.yes else []
        options += ["--agent"] if agent else []
        script = shell_script(requests, args.file, domain=domain, uri=uri, qmp=qmp, exec_options=options)
        print(script, end="", file=env.stdout, flush=True)
        return EXIT_OK
    if not requests:
        print(f"vdbgsh: {args.file} holds no requests: nothing sent", file=env.stderr)
        return EXIT_OK
    masked = [(record, masked_secrets(record.fields["request"])) for record in requests]
    masked = [(record, found) for record, found in masked if found]
    if masked and not args.skip_masked:
        record, found = masked[0]
        raise UsageError(
            f"{args.file}:{record.line_no}: {_command(record)}'s {', '.join(found)} was masked when recorded; "
            "nothing sent",
            "--skip-masked replays the other requests",
        )
    target = Target(qmp=parse_qmp_address(qmp)) if qmp is not None else Target(uri=uri, domain=domain, agent=agent)
    return _replay(args, env, target, requests, {record.line_no for record, _found in masked})


def _replay(
    args: argparse.Namespace, env: Environment, target: Target, requests: list[Record], skipped: set[int]
) -> int:
    """Each request through the planner's gate and exec's own sending (guard rails, printing, status); the first
    failure ends it."""
    from vdbgsh.cli.guard_rails import ExecGuard
    from vdbgsh.plan.planner import plan_request
    from vdbgsh.render.json_text import compact

    printer = ReplyPrinter(env, args.raw, args.layout)
    guest = Guest(target, validate=False)
    guest.guard = ExecGuard.from_args(args, env, libvirt=target.qmp is None, batch=args.file == "-")
    guest.guard.policy.agent = target.agent
    try:
        for record in requests:
            prefix = f"{args.file}:{record.line_no}: "
            if record.line_no in skipped:
                print(
                    f"vdbgsh: {prefix}{untrusted_line(_command(record))} skipped: its secret was masked",
                    file=env.stderr,
                )
                continue
            try:
                plan = plan_request(record.fields["request"], guest.planning, compact(record.fields["request"]))
            except UsageError as err:
                raise UsageError(f"{prefix}{err.message}", err.hint) from None
            status = carry_out(guest, printer, plan, args.dry_run, prefix)
            if status != EXIT_OK:
                return status
    finally:
        guest.close()
    return EXIT_OK


def read_transcript(name: str, env: Environment) -> list[Record]:
    if name == "-":
        stream = getattr(env.stdin, "buffer", None) or sys.stdin.buffer
        return parse_transcript(stream, "-")
    try:
        with open(name, "rb") as stream:
            return parse_transcript(stream, name)
    except OSError as err:
        raise UsageError(f"cannot read transcript {name}: {err.strerror or err}") from None


def _where(
    args: argparse.Namespace, records: list[Record], requests: list[Record], env: Environment
) -> tuple[str | None, str | None, str | None]:
    """Domain, libvirt URI and QMP address to replay on: the command line's; the transcript's connection only
    once the user agreed to it (replay_connection); --dry-run connects nowhere and so asks nothing."""
    if args.qmp is not None:
        if args.domain is not None:
            raise UsageError("--qmp names the guest: give no DOMAIN with it")
        return None, None, args.qmp
    domain = args.domain
    if domain is None:
        recorded = list(dict.fromkeys(record.domain for record in requests if record.domain))
        if len(recorded) > 1:
            raise UsageError(
                f"{args.file} holds requests to {len(recorded)} guests ({', '.join(recorded)})",
                "name the DOMAIN to replay them on",
            )
        domain = recorded[0] if recorded else None
    starts = [record.fields for record in records if record.type == "start" and record.domain == domain]
    start = starts[-1] if starts else {}
    from vdbgsh.cli.replay_connection import recorded_connection

    connects = args.script or not args.dry_run
    if args.domain is None and isinstance(start.get("qmp"), str) and args.uri is None:
        if not connects:
            return None, None, str(start["qmp"])
        return None, None, recorded_connection(env, args.file, str(start["qmp"]), "--qmp", may_ask=not args.script)
    recorded_uri = start.get("uri")
    uri = args.uri
    if uri is None and isinstance(recorded_uri, str) and connects and not _is_default(recorded_uri):
        uri = recorded_connection(env, args.file, recorded_uri, "-c", may_ask=not args.script)
    if domain is None and requests and not args.script:
        raise UsageError(f"{args.file} does not say which guest: name the DOMAIN")
    return domain, uri, None


def _is_default(uri: str) -> bool:
    """The URI vdbgsh opens when none is given: a transcript naming it chooses nothing."""
    from vdbgsh.transport.libvirt_domains import resolve_uri

    return uri == resolve_uri(None)


def _command(record: Record) -> str:
    request = record.fields["request"]
    return str(request.get("execute", request.get("exec-oob")))
