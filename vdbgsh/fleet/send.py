"""Carrying out one guest's plans: each plan's requests in order up to the first that fails, as a single exec
does; each reply handed on (to the report and the transcript) as it comes."""

from __future__ import annotations

import time
from collections.abc import Callable
from typing import Any, NamedTuple

from vdbgsh.errors import LinkLost, MonitorGone, VdbgshError
from vdbgsh.fleet.outcome import OK, QEMU_ERROR, REFUSED, UNREACHABLE, Outcome, failed
from vdbgsh.fleet.planning import Planned, monitor_of
from vdbgsh.fleet.run import Emit
from vdbgsh.fleet.targets import Member
from vdbgsh.plan.model import QUIT_NOTE
from vdbgsh.syntax.secrets import mask_reply
from vdbgsh.transport.base import JSONObject, Reply


class Exchange(NamedTuple):
    """A request and its reply (or why none came), for the transcript."""

    line: str
    request: JSONObject
    reply: Reply | None
    why: str = ""


class Input(NamedTuple):
    line_no: int | None  # the stdin line of a batch
    planned: Planned
    position: int  # which of the command's inputs (a secret given as '-' is read once per input)


# A request with its secrets given as '-' filled in, or why it is not sent (fleet/secrets.py).
Fill = Callable[[int, JSONObject, Emit], JSONObject | str]


class Replan(NamedTuple):
    """A bare name this guest's QEMU does not know (CommandNotFound) that HMP may: the input at ``from_input`` among
    the command's inputs (and those after it) to be planned for this guest's own QEMU."""

    from_input: int


def carry_out(
    member: Member,
    inputs: list[Input],
    emit: Emit,
    *,
    keep_going: bool,
    hmp_names: Callable[[], frozenset[str]] | None = None,
    fill: Fill | None = None,
) -> Replan | None:
    """Every input for ``member``; an outcome emitted per input. After one that did not succeed, the guest's later
    lines are not sent unless ``keep_going``; after its QEMU is gone, none is. A bare name in ``hmp_names()`` that QEMU
    answers with CommandNotFound stops here with a Replan (its outcome not emitted), as a single exec then tries
    it as HMP."""
    uri, name = member.host.uri, member.name
    try:
        monitor = monitor_of(member)
    except Exception as err:  # libvirt's own: the domain went away since it was listed
        emit(failed(uri, name, UNREACHABLE, f"guest {name}: {err}"))
        return None
    for line_no, planned, position in inputs:
        if isinstance(planned, str):
            emit(failed(uri, name, REFUSED, planned, line=line_no))
            outcome_kind = REFUSED
        else:
            outcome = _one_plan(monitor, member, planned, (line_no, position), emit, fill=fill)
            if _hmp_may_know(planned, outcome, hmp_names):
                return Replan(position)
            emit(outcome)
            outcome_kind = outcome.kind
            if outcome_kind == UNREACHABLE or outcome.note:
                return None  # the guest (or its host) is gone: nothing more can reach it
        if outcome_kind != OK and not keep_going:
            return None
    return None


def _hmp_may_know(plan: Any, outcome: Outcome, hmp_names: Callable[[], frozenset[str]] | None) -> bool:
    return (
        hmp_names is not None
        and outcome.kind == QEMU_ERROR
        and bool(plan.retry_as_hmp)
        and isinstance(outcome.value, dict)
        and outcome.value.get("class") == "CommandNotFound"
        and plan.retry_as_hmp in hmp_names()
    )


def _one_plan(
    monitor: Any, member: Member, plan: Any, where: tuple[int | None, int], emit: Emit, *, fill: Fill | None
) -> Outcome:
    uri, name = member.host.uri, member.name
    line_no, position = where
    started = time.monotonic()
    outcome = Outcome(uri, name, OK, None, 0.0, line_no)
    for step in plan.steps:
        request = fill(position, step.request, emit) if fill is not None else step.request
        if isinstance(request, str):  # a secret given as '-' that could not be read
            return failed(uri, name, REFUSED, request, line=line_no, elapsed=time.monotonic() - started)
        try:
            reply: Reply = monitor.execute_message(request)
        except MonitorGone as err:
            if step.ends_guest and not isinstance(err, LinkLost):  # QEMU quit as asked, before its reply travelled
                emit(Exchange(plan.source, request, None, QUIT_NOTE))
                return Outcome(uri, name, OK, {}, time.monotonic() - started, line_no, note=QUIT_NOTE)
            emit(Exchange(plan.source, request, None, err.message))
            return failed(uri, name, UNREACHABLE, err.message, line=line_no, elapsed=time.monotonic() - started)
        except VdbgshError as err:
            emit(Exchange(plan.source, request, None, err.message))
            return failed(uri, name, UNREACHABLE, err.message, line=line_no, elapsed=time.monotonic() - started)
        reply = reply._replace(message=mask_reply(reply.message, request))  # QEMU may quote a secret back
        emit(Exchange(plan.source, request, reply))
        elapsed = time.monotonic() - started
        if not reply.ok:
            error = reply.message.get("error")
            value = error if isinstance(error, dict) else {"class": "GenericError", "desc": str(error)}
            return Outcome(uri, name, QEMU_ERROR, value, elapsed, line_no)
        hmp_failure = _hmp_failure(step.hmp_text, reply.value)
        if hmp_failure is not None:
            return Outcome(uri, name, QEMU_ERROR, {"class": "GenericError", "desc": hmp_failure}, elapsed, line_no)
        note = QUIT_NOTE if step.ends_guest else ""
        outcome = Outcome(uri, name, OK, reply.value, elapsed, line_no, hmp_text=step.hmp_text, note=note)
    return outcome


def _hmp_failure(hmp_text: bool, value: Any) -> str | None:
    if not (hmp_text and isinstance(value, str)):
        return None
    from vdbgsh.render.hmp_text import hmp_error

    return hmp_error(value)
