"""``vdbgsh attach``: the interactive shell on a domain, a QMP socket, or a scratch guest."""

from __future__ import annotations

import argparse
import asyncio
import signal

from vdbgsh.cli.agent_options import agent_target
from vdbgsh.cli.environment import Environment
from vdbgsh.cli.guard_rails import policy_from_args
from vdbgsh.cli.target import take_target
from vdbgsh.errors import EXIT_OK, UsageError
from vdbgsh.guest.scratch import UNWIND_SIGNALS, Hangup, scratch_guest, unwind_on_signals
from vdbgsh.transport import Target


def run_attach(args: argparse.Namespace, env: Environment) -> int:
    # Before any guest is touched: a bad config file is a one-line error, not a half-started shell.
    args.guard = policy_from_args(args)
    with unwind_on_signals():
        try:
            if args.scratch:
                if args.qmp is not None or args.domain is not None:
                    raise UsageError("--scratch starts its own guest: give no DOMAIN and no --qmp with it")
                if getattr(args, "agent", False):
                    raise UsageError("--scratch starts a diskless guest, which runs no agent: --agent needs DOMAIN")

                def notify(line: str) -> None:
                    print(f"vdbgsh: {line}; it is destroyed when you leave", file=env.stderr, flush=True)

                with scratch_guest(args.uri, notify) as target:
                    _run(target, args)
                return EXIT_OK
            target, _rest = take_target(args, [args.domain] if args.domain else [], "attach")
            target = agent_target(args, target)
            _run(target, args)
        except Hangup:
            pass
    return EXIT_OK


def _run(target: Target, args: argparse.Namespace) -> None:
    try:
        asyncio.run(_attach(target, args))
    except asyncio.CancelledError:
        raise Hangup("terminated") from None
    except KeyboardInterrupt:
        # Only before the shell is up (it reads Ctrl-C as a key): the wait for QEMU's first replies.
        from vdbgsh.transport.interruptible import StoppedWaiting

        raise StoppedWaiting(
            f"interrupted while attaching to {target.describe()}: QEMU did not answer yet",
            "QEMU may be stopped (SIGSTOP) or busy; libvirt holds its monitor and keeps waiting for the reply",
        ) from None


async def _attach(target: Target, args: argparse.Namespace) -> None:
    """The shell; a closed terminal or SIGTERM cancels it, so that everything it opened is closed in order.

    Raising from a signal handler (as outside the loop) would land inside whatever prompt_toolkit callback is
    running, and prompt_toolkit catches it there and waits for Enter: inside the loop the signal cancels the task.
    """
    from vdbgsh.ui.attach import attach_shell

    loop = asyncio.get_running_loop()
    task = asyncio.current_task()
    assert task is not None
    previous = {sig: signal.getsignal(sig) for sig in UNWIND_SIGNALS}
    for sig in UNWIND_SIGNALS:
        loop.add_signal_handler(sig, task.cancel)
    try:
        await attach_shell(target, pane=args.pane, events_buffer=args.events_buffer, guard=args.guard, log=args.log)
    finally:
        for sig, handler in previous.items():
            loop.remove_signal_handler(sig)
            signal.signal(sig, handler)
