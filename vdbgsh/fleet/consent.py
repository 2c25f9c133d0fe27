"""The guard rails across a fleet: each kind of QEMU's plans judged as a single exec judges one, and one question
for the whole fleet naming how many guests on how many hosts a state-changing command would touch.

The question is asked by the main thread the first time a guest's worker needs the answer, and that answer holds
for every guest (the others' workers wait for it; guests that need no answer go on meanwhile). ``l`` (or
``list``) lists the guests and asks again; ``y``/``yes`` sends; anything else, an empty line or end of input
cancels. The answer comes from stdin when it and stderr are terminals, for a batch (``-``, whose stdin holds the
commands) from the controlling terminal; with neither there is nobody to ask, and ``--yes`` is needed.
"""

from __future__ import annotations

import argparse
import threading
import time
from collections.abc import Callable
from typing import NamedTuple, TextIO

from vdbgsh.cli.environment import Environment
from vdbgsh.cli.guard_rails import answering_terminal, policy_from_args
from vdbgsh.fleet.planning import Planned
from vdbgsh.fleet.run import Emit
from vdbgsh.fleet.targets import Member
from vdbgsh.guard.policy import ASK, REFUSE, GuardPolicy
from vdbgsh.render.untrusted import untrusted_line

YES = ("y", "yes")
LIST = ("l", "list")

Ask = Callable[[str, Callable[[], None]], bool]


class Question(NamedTuple):
    """A worker's request to the main thread: ask (once) and set ``answered``."""

    command: str
    sentence: str  # the guard's own question for one request, naming what libvirt will not know
    answered: threading.Event


class ConsentGate:
    def __init__(self, args: argparse.Namespace, env: Environment, members: list[Member], *, batch: bool) -> None:
        self.env = env
        self.members = members
        self.batch = batch
        self.agent = bool(getattr(args, "agent", False))
        policy = policy_from_args(args)
        self._settings = (policy.confirm_setting, policy.read_only, policy.read_only_source)
        self._refusal = ""  # after the question: why not sent ("" while sending is allowed)
        self._asked = False
        self.asking_took = 0.0
        self.hosts = len({member.host.uri for member in members})

    def _policy(self) -> GuardPolicy:
        confirm, read_only, source = self._settings
        policy = GuardPolicy(confirm=confirm, read_only=read_only, read_only_source=source)
        policy.agent = self.agent  # the agents' commands, judged by their own table
        policy.bind(f"{len(self.members)} guests", libvirt=True)
        return policy

    def judge(self, plans: list[Planned], emit: Emit) -> list[Planned]:
        """In a worker: ``plans`` with what may not be sent replaced by why, waiting for the answer if needed."""
        policy = self._policy()
        judged = list(plans)
        for index, planned in enumerate(plans):
            if isinstance(planned, str):
                continue
            decision = policy.decide(planned.requests)
            if decision.verdict == REFUSE:
                judged[index] = decision.message
            elif decision.verdict == ASK:
                question = Question(decision.effect.command, decision.message, threading.Event())
                emit(question)
                question.answered.wait()
                if self._refusal:
                    judged[index] = self._refusal
        return judged

    def answer(self, question: Question) -> None:
        """In the main thread: the one question (the first time), then every waiting worker let go."""
        if not self._asked:
            self._asked = True
            started = time.monotonic()
            self._refusal = self._ask(question)
            self.asking_took = time.monotonic() - started  # not counted against --timeout
        question.answered.set()

    def _ask(self, question: Question) -> str:
        count = len(self.members)
        guests = f"{count} guest{'s' * (count != 1)} on {self.hosts} host{'s' * (self.hosts != 1)}"
        ask = _asker(self.env, batch=self.batch)
        if ask is None:
            return (
                f"refused: {question.command} changes what libvirt tracks of {guests} and there is no terminal to "
                "confirm it; --yes sends it anyway"
            )

        def listing() -> None:
            for member in self.members:
                print(f"  {untrusted_line(member.host.uri)}  {untrusted_line(member.name)}", file=self.env.stderr)

        sentence = f"{question.command} would go to {guests} ('l' lists them). {question.sentence}"
        sent = ask(untrusted_line(sentence), listing)
        return "" if sent else f"cancelled: {question.command} was not sent"


def _asker(env: Environment, *, batch: bool) -> Ask | None:
    answers = answering_terminal(env, batch=batch)
    return _ask_on(answers, env.stderr) if answers is not None else None


def _ask_on(answers: TextIO, questions: TextIO) -> Ask:
    from vdbgsh.ui.typeahead import discard_terminal_input

    def ask(question: str, listing: Callable[[], None]) -> bool:
        print(f"vdbgsh: {question}", file=questions, flush=True)
        discard_terminal_input(answers.fileno())  # a "y" typed before the question showed is no answer to it
        while True:
            print("Send it? [y/N/l(ist)] ", end="", file=questions, flush=True)
            answer = answers.readline()
            if not answer.endswith("\n"):
                print(file=questions)
            if answer.strip().lower() in LIST:
                listing()
                continue
            return answer.strip().lower() in YES

    return ask
