"""The guard rails on the command line: the policy ``--yes``, ``--read-only`` and the config file ask for,
and asking on the terminal before ``vdbgsh exec`` sends a request that changes what libvirt tracks.

Only "y" or "yes" (any case) sends; anything else, an empty line or end of input cancels. One command is asked
about on stdin when stdin and stderr are terminals; a batch (``-``) reads its commands from stdin, so its answers
come from the controlling terminal (/dev/tty) when stderr is one. With neither, there is nobody to ask.
"""

from __future__ import annotations

import argparse
from collections.abc import Callable
from typing import TextIO

from vdbgsh.cli.environment import Environment, _isatty
from vdbgsh.config import load_config
from vdbgsh.guard.policy import REFUSE, SEND, GuardPolicy
from vdbgsh.transport.base import JSONObject
from vdbgsh.ui.typeahead import discard_terminal_input

Ask = Callable[[str], bool]
YES = ("y", "yes")


def terminal_asker(env: Environment, *, batch: bool) -> Ask | None:
    """A function that puts a question on the terminal and returns the answer; None when there is no terminal."""
    answers = answering_terminal(env, batch=batch)
    return _asker(answers, env.stderr) if answers is not None else None


def answering_terminal(env: Environment, *, batch: bool) -> TextIO | None:
    """Where a question's answer is read: stdin on a terminal, or (a batch reads its commands from stdin) the
    controlling terminal; None when there is none, or no terminal to put the question on."""
    if not _isatty(env.stderr):
        return None
    if not batch:
        return env.stdin if _isatty(env.stdin) else None
    try:
        return open("/dev/tty", encoding="utf-8", errors="replace")  # lives as long as the command
    except OSError:
        return None


def policy_from_args(args: argparse.Namespace) -> GuardPolicy:
    """The guard rails ``--yes``, ``--read-only`` and the config file ask for (exec and attach alike)."""
    config = load_config()
    source = "--read-only" if args.read_only else f"read_only = true in {config.path}"
    return GuardPolicy(
        confirm=False if args.yes else None, read_only=args.read_only or config.read_only, read_only_source=source
    )


def _asker(answers: TextIO, questions: TextIO) -> Ask:
    def ask(question: str) -> bool:
        print(f"vdbgsh: {question}", file=questions, flush=True)
        # Only what is typed once the question shows answers it: a "y" typed ahead (before the question was
        # printed) is thrown away, not taken as consent; exec has no later line for typeahead to go to. Thrown
        # away before "Send it?" is printed, so that an answer typed as soon as it shows is kept.
        discard_terminal_input(answers.fileno())
        print("Send it? [y/N] ", end="", file=questions, flush=True)
        answer = answers.readline()
        if not answer.endswith("\n"):
            print(file=questions)  # end of input: the next message starts on its own line
        return answer.strip().lower() in YES

    return ask


class ExecGuard:
    """The guard rails of one ``vdbgsh exec``: the policy from the flags and the config file, and the terminal."""

    def __init__(self, policy: GuardPolicy, env: Environment, *, libvirt: bool, batch: bool) -> None:
        self.policy = policy
        self.env = env
        self.libvirt = libvirt
        self.batch = batch
        self._ask: Ask | None = None
        self._asked_for_terminal = False

    @classmethod
    def from_args(cls, args: argparse.Namespace, env: Environment, *, libvirt: bool, batch: bool) -> ExecGuard:
        return cls(policy_from_args(args), env, libvirt=libvirt, batch=batch)

    def refusal(self, target: str, requests: list[JSONObject]) -> str | None:
        """Why ``requests`` (what one line became) are not sent (refused, or declined on the terminal); None to
        send them. One question for them all, as in the shell."""
        self.policy.bind(target, libvirt=self.libvirt)
        decision = self.policy.decide(requests)
        if decision.verdict == SEND:
            return None
        if decision.verdict == REFUSE:
            return decision.message
        ask = self._asker()
        if ask is None:
            return self.policy.refusal_without_asking(decision)
        for request in requests:
            if request.get("execute") == "transaction":  # what is asked about, in full: one action a line
                from vdbgsh.syntax.secrets import mask_request
                from vdbgsh.syntax.transaction import transaction_layout

                print(transaction_layout(mask_request(request)), file=self.env.stderr)
        return None if ask(decision.message) else f"cancelled: {decision.effect.command} was not sent"

    def _asker(self) -> Ask | None:
        if not self._asked_for_terminal:
            self._ask = terminal_asker(self.env, batch=self.batch)
            self._asked_for_terminal = True
        return self._ask
