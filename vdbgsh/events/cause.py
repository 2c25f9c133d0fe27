"""Which command most likely caused an event: the latest one sent before it that names the same job, device or
node (``blockdev-mirror job-id=j0`` for ``BLOCK_JOB_READY device=j0``), or, for the run-state events that name
nothing, the command that makes them (``stop`` for ``STOP``) sent shortly before.

Only what this shell sent is known: an event caused by another client (virsh, libvirt itself) or by the guest has
no cause here, and the detail view then says nothing rather than guess.
"""

from __future__ import annotations

import time
from collections import deque
from collections.abc import Iterator, Mapping
from typing import Any, NamedTuple

from vdbgsh.render.json_text import compact
from vdbgsh.syntax.secrets import mask_request
from vdbgsh.transport.base import Event

# Members whose values name a job, device, node or object, in requests and in event data alike.
_NAMING = frozenset({"id", "job-id", "device", "node-name", "node", "target", "name", "qom-path", "path", "id-list"})
# Events that name nothing, and the commands that make them.
_MADE_BY = {
    "STOP": {"stop"},
    "RESUME": {"cont"},
    "RESET": {"system_reset"},
    "POWERDOWN": {"system_powerdown"},
    "SHUTDOWN": {"quit", "system_powerdown"},
    "SUSPEND": set(),
    "WAKEUP": {"system_wakeup"},
}
_SHORTLY = 10.0  # seconds: a run-state event this long after its command is no longer its echo
_LONG_JOB = 24 * 3600.0  # a job's events may come hours after the command that started it


class Sent(NamedTuple):
    at: float  # when the request went out (wall clock, as QEMU stamps events)
    request: Mapping[str, Any]
    names: frozenset[str]


class Cause(NamedTuple):
    request: Mapping[str, Any]
    before: float  # seconds between the request and the event
    shared: str  # what ties them: "job-id j0", or "" for a run-state event


class CauseLog:
    """The requests this shell sent, newest last, kept for matching events against them."""

    def __init__(self, capacity: int = 500) -> None:
        self._sent: deque[Sent] = deque(maxlen=capacity)
        # When each event reached this process: QEMU stamps events with its host's clock, which a remote host's
        # may be off from; an event that arrived before a request was sent is not that request's doing.
        self._arrived: dict[tuple[str, float], float] = {}
        self._arrival_order: deque[tuple[str, float]] = deque()
        self._capacity = capacity

    def arrived(self, event: Event) -> None:
        key = (event.name, event.timestamp)
        self._arrived[key] = time.time()
        self._arrival_order.append(key)
        while len(self._arrival_order) > self._capacity * 20:
            self._arrived.pop(self._arrival_order.popleft(), None)

    def record(self, request: Mapping[str, Any], elapsed: float) -> None:
        """A request whose reply came ``elapsed`` seconds after it was sent (the session's observers call this
        after the reply: an event may have come before it, so the time is the sending's)."""
        command = str(request.get("execute", ""))
        if command.startswith(("query-", "x-query-")):
            return  # a question causes no event
        arguments = request.get("arguments")
        names = frozenset(value for _key, value in _named(arguments)) if isinstance(arguments, Mapping) else frozenset()
        self._sent.append(Sent(time.time() - elapsed, request, names))

    def cause(self, event: Event) -> Cause | None:
        data_names = dict(_named(event.data)) if isinstance(event.data, Mapping) else {}
        makers = _MADE_BY.get(event.name)
        at = self._arrived.get((event.name, event.timestamp), event.timestamp)
        for sent in reversed(self._sent):
            before = at - sent.at
            if before < 0:
                continue  # sent after the event came
            if makers is not None:
                if before <= _SHORTLY and sent.request.get("execute") in makers:
                    return Cause(sent.request, before, "")
                continue
            if before > _LONG_JOB:
                break
            for key, value in data_names.items():
                if value in sent.names:
                    return Cause(sent.request, before, f"{key} {value}")
        return None


def _named(value: Any, depth: int = 0) -> Iterator[tuple[str, str]]:
    """(member, value) of every naming member with a string value, nested objects and lists included."""
    if depth > 6:
        return
    if isinstance(value, Mapping):
        for key, item in value.items():
            if key in _NAMING and isinstance(item, str) and item:
                yield key, item
            elif isinstance(item, Mapping | list):
                yield from _named(item, depth + 1)
    elif isinstance(value, list):
        for item in value:
            yield from _named(item, depth + 1)


def cause_line(cause: Cause | None) -> str:
    """The detail view's line: the request (secrets masked), how long before, and what ties them."""
    if cause is None:
        return ""
    tie = f", same {cause.shared}" if cause.shared else ""
    return f"most likely caused by {compact(mask_request(dict(cause.request)))} (sent {cause.before:.1f} s before{tie})"


__all__ = ["Cause", "CauseLog", "cause_line"]
