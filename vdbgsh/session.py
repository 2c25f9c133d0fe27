"""The controller between a UI and a monitor: a typed line becomes a request, a reply, and what to show.

No prompt_toolkit here: the one-shot paths and the tests drive it directly. Observers see every request and
reply (the hook for transcripts and history of what was sent).
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, field

from vdbgsh.syntax.request import parse_request_line
from vdbgsh.transport import Monitor, Reply
from vdbgsh.transport.base import JSONObject


@dataclass(frozen=True)
class Exchange:
    """One request sent and the reply it got."""

    line: str
    request: JSONObject
    reply: Reply


Observer = Callable[[Exchange], None]


@dataclass
class Session:
    monitor: Monitor
    observers: list[Observer] = field(default_factory=list)

    async def run_line(self, line: str) -> Exchange:
        """Parse and send one line; parse errors raise ``ParseError`` and nothing is sent."""
        request = parse_request_line(line).message
        reply = await self.monitor.execute_message(request)
        exchange = Exchange(line, request, reply)
        for observer in self.observers:
            observer(exchange)
        return exchange
