"""``vdbgsh attach``: the interactive shell on a domain, a QMP socket, or a scratch guest."""

from __future__ import annotations

import argparse
import asyncio

from vdbgsh.cli.environment import Environment
from vdbgsh.cli.target import take_target
from vdbgsh.errors import EXIT_OK, UsageError
from vdbgsh.guest.scratch import Hangup, scratch_guest, unwind_on_signals
from vdbgsh.transport import Target


def run_attach(args: argparse.Namespace, env: Environment) -> int:
    with unwind_on_signals():
        try:
            if args.scratch:
                if args.qmp is not None or args.domain is not None:
                    raise UsageError("--scratch starts its own guest: give no DOMAIN and no --qmp with it")

                def notify(line: str) -> None:
                    print(f"vdbgsh: {line}; it is destroyed when you leave", file=env.stderr, flush=True)

                with scratch_guest(args.uri, notify) as target:
                    asyncio.run(_attach(target))
                return EXIT_OK
            target, _rest = take_target(args, [args.domain] if args.domain else [], "attach")
            asyncio.run(_attach(target))
        except Hangup:
            pass
    return EXIT_OK


async def _attach(target: Target) -> None:
    from vdbgsh.ui.attach import attach_shell

    await attach_shell(target)
