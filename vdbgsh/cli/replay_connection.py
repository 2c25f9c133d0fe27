"""Where ``vdbgsh replay`` connects when the transcript names a place: only where the user says.

A transcript is data someone may have sent you, and its start record names a libvirt URI or a QMP socket. A URI
is code (see transport/uri_trust.py), and even a harmless one picks the host the requests go to. So the
transcript's connection is used only when the user names it (``-c``/``--qmp``) or, on a terminal, says yes after
being shown it (its control characters shown escaped); a URI that makes libvirt run a program is refused before
anyone is asked. ``--script`` never asks: its output runs later, elsewhere.
"""

from __future__ import annotations

import shlex
from typing import TextIO

from vdbgsh.cli.environment import Environment, _isatty
from vdbgsh.errors import UsageError, printable
from vdbgsh.transport.uri_trust import refuse_program_uri
from vdbgsh.ui.typeahead import discard_terminal_input


def recorded_connection(env: Environment, source: str, recorded: str, option: str, *, may_ask: bool) -> str:
    """``recorded`` (a URI for ``-c``, an address for ``--qmp``) once the user agreed to it; else UsageError."""
    if option == "-c":
        refuse_program_uri(recorded, f"{source}'s start record")
    shown = printable(recorded)
    answers = _answers(env, reads_stdin=source == "-") if may_ask else None
    if answers is None:
        raise UsageError(
            f"{source} was recorded on {shown}: vdbgsh connects where a transcript says only when told",
            f"{option} {shlex.quote(recorded)} replays there (or {option} "
            f"{'URI' if option == '-c' else 'ADDR'} elsewhere); on a terminal you are asked",
        )
    print(f"vdbgsh: {source} was recorded on {shown}", file=env.stderr, flush=True)
    discard_terminal_input(answers.fileno())  # a "y" typed before the question showed is no consent
    print("Connect there and replay it? [y/N] ", end="", file=env.stderr, flush=True)
    answer = answers.readline()
    if not answer.endswith("\n"):
        print(file=env.stderr)  # end of input: the next message on a line of its own
    if answer.strip().lower() not in ("y", "yes"):
        raise UsageError(
            f"nothing sent: not connecting to {shown}", f"{option} names where to replay {source}'s requests"
        )
    return recorded


def _answers(env: Environment, *, reads_stdin: bool) -> TextIO | None:
    """Where the answer is typed: stdin on a terminal, or the terminal itself when stdin is the transcript."""
    if not _isatty(env.stderr):
        return None
    if not reads_stdin:
        return env.stdin if _isatty(env.stdin) else None
    try:
        return open("/dev/tty", encoding="utf-8", errors="replace")
    except OSError:
        return None
