"""Whether to send a request, ask first, or refuse: one decision for ``vdbgsh exec`` and the shell's Session.

Sans I/O: the caller asks (a terminal, the shell's UI) or refuses with ``refusal_without_asking`` when nobody can
be asked. The rules:

- read-only mode refuses every request that is not read-only, whatever else is set;
- on a libvirt guest, a request that changes what libvirt tracks is confirmed first (``--yes`` or the shell's
  ``:confirm off`` turns that off); on a plain QEMU nothing is confirmed unless asked for (``:confirm on``);
- everything else is sent; so is the removal of what was added through the same policy (``sent``) in this very
  session, which libvirt never knew of.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from enum import StrEnum
from typing import Any, NamedTuple

from vdbgsh.guard.effects import OTHER_KIND, READ_ONLY_KIND, Effect, classify_request, worst
from vdbgsh.guard.table import ADDS, REMOVES


class Verdict(StrEnum):
    SEND = "send"
    ASK = "ask"
    REFUSE = "refuse"


SEND, ASK, REFUSE = Verdict.SEND, Verdict.ASK, Verdict.REFUSE


class Decision(NamedTuple):
    verdict: Verdict
    effect: Effect
    message: str = ""  # ASK: the question; REFUSE: why, one line


class GuardPolicy:
    """The guard rails of one guest.

    ``confirm`` None means "by the transport": on for a libvirt guest, off for a plain QEMU; ``bind`` tells the
    policy which guest it guards once the monitor is open (the domain's own name, not the UUID typed).
    ``read_only_locked``: read-only was asked for at start (flag or config), so a session cannot lift it.
    """

    def __init__(
        self,
        *,
        confirm: bool | None = None,
        read_only: bool = False,
        read_only_source: str = "--read-only",
    ) -> None:
        self.confirm_setting = confirm
        self.read_only = read_only
        self.read_only_locked = read_only
        self.read_only_source = read_only_source
        self.domain = "the guest"
        self.libvirt = True
        self.agent = False  # the guest agent's commands, judged by their own table (guard/agent_effects.py)
        self.added: set[tuple[str, str]] = set()  # (what, name) added through this policy's sender: see sent()

    def bind(self, domain: str, *, libvirt: bool) -> None:
        self.domain = domain
        self.libvirt = libvirt

    @property
    def confirm(self) -> bool:
        return self.libvirt if self.confirm_setting is None else self.confirm_setting

    def sent(self, request: Mapping[str, Any], ok: bool) -> None:
        """A request went to the guest and was answered (``ok``: without error). Nodes, devices, objects added so
        are the sender's own: libvirt never knew of them, so removing them again changes nothing it tracks."""
        if not ok:
            return
        command = request.get("execute")
        arguments = request.get("arguments")
        if not isinstance(command, str) or not isinstance(arguments, Mapping):
            return
        for table, remember in ((ADDS, self.added.add), (REMOVES, self.added.discard)):
            if command in table:
                what, member = table[command]
                name = arguments.get(member)
                if isinstance(name, str):
                    remember((what, name))

    def _effect(self, request: Mapping[str, Any]) -> Effect:
        if self.agent:
            from vdbgsh.guard.agent_effects import agent_effect

            return agent_effect(request, self.domain)
        effect = classify_request(request, self.domain)
        command = request.get("execute")
        arguments = request.get("arguments")
        if effect.tracked and isinstance(command, str) and command in REMOVES and isinstance(arguments, Mapping):
            what, member = REMOVES[command]
            if (what, arguments.get(member)) in self.added:
                return Effect(command, OTHER_KIND)
        return effect

    def decide(self, requests: Iterable[Mapping[str, Any]]) -> Decision:
        """One decision for requests sent together (the QMP an HMP line becomes): the weightiest one's."""
        effect = worst(self._effect(request) for request in requests)
        if effect is None:
            return Decision(SEND, Effect("", READ_ONLY_KIND))
        if self.read_only and not effect.read_only:
            return Decision(
                REFUSE, effect, f"refused: {effect.command} is not read-only, and read-only mode is on ({self.source})"
            )
        if effect.tracked and self.confirm:
            question = f"{effect.command} changes what libvirt tracks ({effect.category}): {effect.consequence}."
            if self.agent:
                question = f"{effect.command} (guest agent) {effect.consequence}."
            return Decision(ASK, effect, question)
        return Decision(SEND, effect)

    def refusal_without_asking(
        self, decision: Decision, why: str = "there is no terminal to confirm it", hint: str = "--yes"
    ) -> str:
        """The one line for a request that needs confirming when there is nobody to ask; ``hint`` names the
        switch that sends such requests without asking where this policy is used."""
        effect = decision.effect
        if self.agent:
            changes = f"{effect.command} changes {self.domain} through its agent"
            return f"refused: {changes} and {why}; {hint} sends it anyway"
        return (
            f"refused: {effect.command} changes what libvirt tracks of {self.domain} ({effect.category}) and "
            f"{why}; {hint} sends it anyway"
        )

    @property
    def source(self) -> str:
        return self.read_only_source if self.read_only_locked else ":read-only on"

    def set_read_only(self, on: bool) -> str | None:
        """The shell's ``:read-only on|off``; returns why not when it may not change.

        Read-only asked for at start is for a production guest: one typed line lifting it would make it no guard
        at all, so it lasts until the shell is left.
        """
        if not on and self.read_only_locked:
            return f"read-only mode was set by {self.read_only_source}: leave the shell and attach without it"
        self.read_only = on
        return None
