"""``vdbgsh exec``: one QMP command, or a batch from stdin, for scripts.

Start-up is most of a one-shot's cost, so this path stays blocking (no asyncio for libvirt) and must not
import prompt_toolkit.
"""

from __future__ import annotations

import argparse

from vdbgsh.cli.environment import Environment
from vdbgsh.cli.target import take_target
from vdbgsh.errors import EXIT_GUEST_ERROR, EXIT_OK, EXIT_USAGE, UsageError, VdbgshError
from vdbgsh.render.errors import qmp_error_line
from vdbgsh.render.json_text import as_text
from vdbgsh.syntax.request import parse_request_line, parse_request_words
from vdbgsh.transport import Reply, Target
from vdbgsh.transport.base import BlockingMonitor


class ReplyPrinter:
    def __init__(self, env: Environment, raw: bool, layout: str | None) -> None:
        self.env = env
        self.raw = raw
        self.layout = layout or ("pretty" if env.stdout_is_terminal else "compact")

    def show(self, reply: Reply, prefix: str = "") -> None:
        if reply.ok or self.raw:
            value = reply.message if self.raw else reply.value
            print(as_text(value, layout=self.layout, colour=self.env.colour), file=self.env.stdout, flush=True)
        if not reply.ok:
            print(f"vdbgsh: {prefix}{qmp_error_line(reply)}", file=self.env.stderr, flush=True)


def run_exec(args: argparse.Namespace, env: Environment) -> int:
    target, words = take_target(args, list(args.words), "exec")
    if not words:
        raise UsageError("no COMMAND given", "e.g. vdbgsh exec DOMAIN query-status, or '-' to read stdin")
    command, *rest = words
    printer = ReplyPrinter(env, args.raw, args.layout)
    if command == "-":
        if rest:
            raise UsageError(f"unexpected '{rest[0]}' after '-'", "with '-', commands come one per line on stdin")
        return _run_batch(target, env, printer, args.keep_going)
    # Parse before connecting: a malformed request is a usage error whether or not the guest is there.
    request = parse_request_words(command, rest).message
    monitor = target.open_blocking()
    try:
        reply = monitor.execute_message(request)
    finally:
        monitor.close()
    printer.show(reply)
    return EXIT_OK if reply.ok else EXIT_GUEST_ERROR


def _run_batch(target: Target, env: Environment, printer: ReplyPrinter, keep_going: bool) -> int:
    """One request per stdin line, answered as it arrives; the status is the worst seen."""
    status = EXIT_OK
    monitor: BlockingMonitor | None = None
    try:
        for line_no, line in enumerate(iter(env.stdin.readline, ""), start=1):
            text = line.strip()
            if not text or text.startswith("#"):
                continue
            try:
                request = parse_request_line(text).message
            except VdbgshError as err:
                first, *rest = err.lines()
                env.error(f"line {line_no}: {first}", *rest)
                status = EXIT_USAGE
                if keep_going:
                    continue
                break
            if monitor is None:
                monitor = target.open_blocking()
            reply = monitor.execute_message(request)
            printer.show(reply, prefix=f"line {line_no}: ")
            if not reply.ok:
                status = max(status, EXIT_GUEST_ERROR)
                if not keep_going:
                    break
    finally:
        if monitor is not None:
            monitor.close()
    return status
