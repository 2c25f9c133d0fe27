"""The guard rails across a fleet: the plans each kind of QEMU got, judged as a single exec judges one, and one
question for the whole fleet naming how many guests on how many hosts a state-changing command would touch.

``l`` (or ``list``) lists those guests and asks again; ``y``/``yes`` sends; anything else, an empty line or end of
input cancels. The answer comes from stdin when it and stderr are terminals, for a batch (``-``, whose stdin holds
the commands) from the controlling terminal; with neither there is nobody to ask, and ``--yes`` is needed.
"""

from __future__ import annotations

import argparse
from collections.abc import Callable, Mapping
from typing import Any, TextIO

from vdbgsh.cli.environment import Environment, _isatty
from vdbgsh.cli.guard_rails import policy_from_args
from vdbgsh.fleet.planning import Planned
from vdbgsh.fleet.targets import Member
from vdbgsh.guard.policy import ASK, REFUSE
from vdbgsh.render.untrusted import untrusted_line

YES = ("y", "yes")
LIST = ("l", "list")

Ask = Callable[[str, Callable[[], None]], bool]


def guarded(
    args: argparse.Namespace,
    env: Environment,
    plans: Mapping[Any, list[Planned]],
    members: Mapping[Any, list[Member]],
    *,
    batch: bool,
) -> dict[Any, list[Planned]]:
    """``plans`` (per kind of QEMU) with what may not be sent replaced by why; asks once if anything needs it."""
    policy = policy_from_args(args)
    judged: dict[Any, list[Planned]] = {}
    asking: list[tuple[Any, int, str, str]] = []  # kind, input index, the question, the command
    for kind, kind_plans in plans.items():
        judged[kind] = list(kind_plans)
        policy.bind(f"{len(members[kind])} guests", libvirt=True)
        for index, planned in enumerate(kind_plans):
            if isinstance(planned, str):
                continue
            decision = policy.decide(planned.requests)
            if decision.verdict == REFUSE:
                judged[kind][index] = decision.message
            elif decision.verdict == ASK:
                asking.append((kind, index, decision.message, decision.effect.command))
    if not asking:
        return judged
    touched = [member for kind in dict.fromkeys(kind for kind, *_ in asking) for member in members[kind]]
    hosts = {member.host.uri for member in touched}
    commands = ", ".join(dict.fromkeys(command for *_, command in asking))
    first_question = asking[0][2]
    question = (
        f"{commands} would go to {len(touched)} guest{'s' * (len(touched) != 1)} on {len(hosts)} "
        f"host{'s' * (len(hosts) != 1)} ('l' lists them). {first_question}"
    )
    ask = _asker(env, batch=batch)
    if ask is None:
        why = (
            f"refused: {commands} changes what libvirt tracks of {len(touched)} guests on {len(hosts)} hosts and "
            "there is no terminal to confirm it; --yes sends it anyway"
        )
        answer = False
    else:

        def listing() -> None:
            for member in touched:
                print(f"  {untrusted_line(member.host.uri)}  {untrusted_line(member.name)}", file=env.stderr)

        answer = ask(untrusted_line(question), listing)
        why = f"cancelled: {commands} was not sent"
    if not answer:
        for kind, index, _question, _command in asking:
            judged[kind][index] = why
    return judged


def _asker(env: Environment, *, batch: bool) -> Ask | None:
    if not _isatty(env.stderr):
        return None
    if not batch:
        return _ask_on(env.stdin, env.stderr) if _isatty(env.stdin) else None
    try:
        tty = open("/dev/tty", encoding="utf-8", errors="replace")  # noqa: SIM115 - lives as long as the command
    except OSError:
        return None
    return _ask_on(tty, env.stderr)


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
