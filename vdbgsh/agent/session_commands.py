"""The shell's ``:run`` and ``:cat`` on the guest agent: each request made here planned, guarded and sent the way
a typed line is (the session's planner context, guard rails and transcript), then shown."""

from __future__ import annotations

import shlex
from collections.abc import Mapping, Sequence
from typing import Protocol

from vdbgsh.agent.conveniences import Shown, cat_file, run_program
from vdbgsh.errors import UsageError
from vdbgsh.plan import PlanContext, plan_request
from vdbgsh.render.messages import error_text, note_text
from vdbgsh.transport.base import JSONObject, Monitor, Reply

AGENT_ONLY = "works on the guest agent only: attach with --agent (QEMU's monitor runs no programs in the guest)"


class AgentSession(Protocol):
    """What of the Session these commands use."""

    monitor: Monitor
    planning: PlanContext
    colour: bool

    async def _guarded(
        self, requests: Sequence[Mapping[str, object]], *, committing: bool = False, before: list[str] | None = None
    ) -> str | None: ...

    async def _send(self, line: str, request: JSONObject) -> Reply: ...


async def agent_meta(name: str, text: str, session: AgentSession) -> str:
    """``:run CMD ARG…`` or ``:cat PATH`` as typed (``text``): what to show."""
    if not session.monitor.agent:
        raise UsageError(f"':{name}' {AGENT_ONLY}")
    try:
        words = shlex.split(text)[1:]  # a quoted argument stays one: :run sh -c 'echo a b'
    except ValueError as err:
        raise UsageError(f"':{name}': {err}", "quote as a POSIX shell does") from None

    async def send(source: str, request: JSONObject) -> Reply | str:
        plan = plan_request(request, session.planning, source)
        stopped = await session._guarded(plan.requests)
        if stopped is not None:
            return stopped
        return await session._send(source, plan.requests[0])

    if name == "run":
        shown = await run_program(send, words, text)
    else:
        if len(words) != 1:
            raise UsageError("':cat' takes one path: :cat PATH", "quote a path with blanks: :cat '/tmp/a b'")
        shown = await cat_file(send, words[0], text)
    return _text(shown, session.colour)


def _text(shown: Shown, colour: bool) -> str:
    parts = [*shown.output, *shown.said]
    parts += [note_text(note, colour) for note in shown.notes]
    if shown.errors:
        parts.append(error_text(shown.errors, colour))
    return "\n".join(parts)


# The shell's meta-commands that only QEMU's monitor can serve: on the agent, one line instead of a misleading try.
_QEMU_ONLY = {
    **dict.fromkeys(("begin", "commit", "abort", "actions", "drop"), "the guest agent has no transactions"),
    "wait": "the guest agent sends no events",
}


def qemu_only(name: str) -> str | None:
    """Why ``:name`` is refused on the guest agent; None when it works there."""
    why = _QEMU_ONLY.get(name)
    return None if why is None else f"':{name}' is for QEMU's monitor: {why}"
