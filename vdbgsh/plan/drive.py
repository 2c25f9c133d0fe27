"""Driving the planner's steps: blocking for the CLI, async for the shell. Each answers the planner's needs the
way its side of the program can; the decisions stay the planner's."""

from __future__ import annotations

from collections.abc import Awaitable, Callable
from typing import TYPE_CHECKING

from vdbgsh.plan.model import Plan, Steps
from vdbgsh.transport.base import JSONObject, Reply

if TYPE_CHECKING:
    from vdbgsh.schema.model import Schema


def plan_blocking(steps: Steps, schema: Callable[[], Schema | None], query: Callable[[JSONObject], Reply]) -> Plan:
    """``schema`` is called only when the planner needs it (exec's fast path loads none)."""
    try:
        need = next(steps)
        while True:
            need = steps.send(query(need.request) if need.request is not None else schema())
    except StopIteration as done:
        plan: Plan = done.value
        return plan


async def plan_async(steps: Steps, schema: Schema | None, query: Callable[[JSONObject], Awaitable[Reply]]) -> Plan:
    try:
        need = next(steps)
        while True:
            need = steps.send(await query(need.request) if need.request is not None else schema)
    except StopIteration as done:
        plan: Plan = done.value
        return plan
