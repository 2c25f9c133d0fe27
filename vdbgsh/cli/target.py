"""Which guest the command line names: a DOMAIN word, or ``--qmp ADDR``."""

from __future__ import annotations

import argparse

from vdbgsh.errors import UsageError
from vdbgsh.transport import Target, parse_qmp_address


def take_target(args: argparse.Namespace, words: list[str], what: str) -> tuple[Target, list[str]]:
    """Split off the DOMAIN word unless ``--qmp`` names the guest; returns the target and the words left."""
    if args.qmp is not None:
        return Target(qmp=parse_qmp_address(args.qmp)), words
    if not words:
        raise UsageError(f"no DOMAIN given for {what}", "name a domain (see 'vdbgsh list'), or use --qmp ADDR")
    return Target(uri=args.uri, domain=words[0]), words[1:]
