"""``--agent`` and ``--agent-timeout``: exec and attach talk to the guest agent (qemu-ga) through libvirt."""

from __future__ import annotations

import argparse

from vdbgsh.errors import UsageError
from vdbgsh.transport import Target


def add_agent_options(parser: argparse.ArgumentParser) -> None:
    parser.add_argument(
        "--agent",
        action="store_true",
        help="talk to the guest agent (qemu-ga) through libvirt instead of QEMU's monitor "
        "(like virsh qemu-agent-command; guest-* commands, no HMP, no events)",
    )
    parser.add_argument(
        "--agent-timeout",
        type=_agent_timeout,
        default=-1,
        metavar="WAIT",
        help="how long libvirt waits for the agent: block, default (libvirt's own), "
        "nowait (fails unless the agent answers at once), or seconds",
    )


def _agent_timeout(text: str) -> int:
    from vdbgsh.transport.libvirt_agent_commands import parse_agent_timeout

    try:
        return parse_agent_timeout(text)
    except ValueError as err:
        raise argparse.ArgumentTypeError(str(err)) from None


def agent_target(args: argparse.Namespace, target: Target) -> Target:
    """The target with the agent asked for, when it was; the agent is libvirt's, so not with --qmp."""
    if not getattr(args, "agent", False):
        return target
    if target.qmp is not None:
        raise UsageError("--agent talks to the agent through libvirt: give a DOMAIN, not --qmp")
    return target._replace(agent=True, agent_timeout=args.agent_timeout)
