"""``vdbgsh exec``: one QMP command, or a batch from stdin, for scripts. Must not import prompt_toolkit."""

from __future__ import annotations

import argparse
import asyncio
from dataclasses import dataclass

from vdbgsh.cli.environment import Environment
from vdbgsh.cli.target import take_target
from vdbgsh.errors import EXIT_GUEST_ERROR, EXIT_OK, EXIT_USAGE, UsageError, VdbgshError
from vdbgsh.render.errors import qmp_error_line
from vdbgsh.render.json_text import as_text
from vdbgsh.syntax.request import parse_request_line, parse_request_words
from vdbgsh.transport import Monitor, Reply, Target
from vdbgsh.transport.base import JSONObject


@dataclass
class ReplyPrinter:
    env: Environment
    raw: bool
    layout: str | None

    def show(self, reply: Reply, prefix: str = "") -> None:
        if reply.ok or self.raw:
            value = reply.message if self.raw else reply.value
            layout = self.layout or ("pretty" if self.env.stdout_is_terminal else "compact")
            print(as_text(value, layout=layout, colour=self.env.colour), file=self.env.stdout, flush=True)
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
        return asyncio.run(_run_batch(target, env, printer, args.keep_going))
    # Parse before connecting: a malformed request is a usage error whether or not the guest is there.
    request = parse_request_words(command, rest)
    return asyncio.run(_run_one(target, printer, request))


async def _run_one(target: Target, printer: ReplyPrinter, request: JSONObject) -> int:
    monitor = await target.open(events=False)
    try:
        reply = await monitor.execute_message(request)
    finally:
        await monitor.close()
    printer.show(reply)
    return EXIT_OK if reply.ok else EXIT_GUEST_ERROR


async def _run_batch(target: Target, env: Environment, printer: ReplyPrinter, keep_going: bool) -> int:
    status = EXIT_OK
    monitor: Monitor | None = None
    try:
        line_no = 0
        while True:
            line = await asyncio.to_thread(env.stdin.readline)
            if not line:
                break
            line_no += 1
            text = line.strip()
            if not text or text.startswith("#"):
                continue
            try:
                request = parse_request_line(text)
            except VdbgshError as err:
                env.error(f"line {line_no}: {err.lines()[0]}", *err.lines()[1:])
                status = EXIT_USAGE
                if keep_going:
                    continue
                break
            if monitor is None:
                monitor = await target.open(events=False)
            reply = await monitor.execute_message(request)
            printer.show(reply, prefix=f"line {line_no}: ")
            if not reply.ok:
                status = max(status, EXIT_GUEST_ERROR)
                if not keep_going:
                    break
    finally:
        if monitor is not None:
            await monitor.close()
    return status
