"""Writing a transcript: a file of the owner's only (0600), appended to, one ``write`` per record.

Each record goes to the kernel in a single ``os.write`` on an ``O_APPEND`` descriptor: nothing is held in a
buffer of ours, so a vdbgsh killed or a guest that dies mid-command loses nothing already recorded, and two
writers appending to one file never interleave inside a line.
"""

from __future__ import annotations

import os
import time
from collections.abc import Callable
from pathlib import Path
from typing import TYPE_CHECKING, Protocol

from vdbgsh.errors import UsageError
from vdbgsh.transcript.records import (
    dumps,
    end_record,
    event_record,
    notice_record,
    reply_record,
    request_record,
    start_record,
)
from vdbgsh.transport.base import Event, JSONObject, Reply

if TYPE_CHECKING:
    from vdbgsh.schema.model import Schema


class ExchangeLike(Protocol):
    """A request sent and its reply (the session's Exchange)."""

    @property
    def line(self) -> str: ...

    @property
    def request(self) -> JSONObject: ...

    @property
    def reply(self) -> Reply: ...


def open_private(path: Path) -> int:
    """A descriptor appending to ``path``, created mode 0600; an existing file readable by others is tightened."""
    try:
        descriptor = os.open(path, os.O_WRONLY | os.O_CREAT | os.O_APPEND | os.O_CLOEXEC, 0o600)
    except OSError as err:
        raise UsageError(f"cannot open transcript {path}: {err.strerror or err}") from None
    try:
        if os.fstat(descriptor).st_mode & 0o077:
            os.fchmod(descriptor, 0o600)
    except OSError:
        pass  # not ours to change (another user's file we may append to): leave its mode
    return descriptor


class TranscriptWriter:
    """Records requests, replies and events of one monitor; ``schema`` tells QMP from HMP lines when masking."""

    def __init__(
        self,
        path: str | Path,
        domain: str,
        *,
        schema: Schema | None = None,
        uri: str | None = None,
        qmp: str | None = None,
        clock: Callable[[], float] = time.time,
    ) -> None:
        self.path = Path(path).expanduser()
        self.domain = domain
        self.schema = schema
        self.clock = clock
        self.failure = ""  # why writing stopped (disk full, ...): said once, then the session goes on unrecorded
        self._seq = 0
        self._descriptor: int | None = open_private(self.path)
        self._write(start_record(clock(), domain, uri=uri, qmp=qmp))

    @property
    def open(self) -> bool:
        return self._descriptor is not None

    def exchange(self, exchange: ExchangeLike) -> None:
        """Observer of a session's exchanges."""
        self.record(exchange.line, exchange.request, exchange.reply)

    def record(self, line: str, request: JSONObject, reply: Reply) -> None:
        # The reply is in hand when this runs: the request went out ``elapsed`` seconds ago.
        now = self.clock()
        self._seq += 1
        self._write(request_record(now - reply.elapsed, self.domain, self._seq, line, request, schema=self.schema))
        self._write(reply_record(now, self.domain, self._seq, reply, request))

    def unanswered(self, line: str, request: JSONObject, why: str) -> None:
        """A request that was sent but got no reply (the guest went away, or nobody waited for it)."""
        now = self.clock()
        self._seq += 1
        self._write(request_record(now, self.domain, self._seq, line, request, schema=self.schema))
        self._write(notice_record(now, self.domain, why, self._seq))

    def notice(self, message: str) -> None:
        self._write(notice_record(self.clock(), self.domain, message))

    def event(self, event: Event) -> None:
        self._write(event_record(event))

    def close(self) -> None:
        if self._descriptor is not None:
            self._write(end_record(self.clock(), self.domain))
            self._close()

    def _write(self, record: JSONObject) -> None:
        if self._descriptor is None:
            return
        data = dumps(record).encode()
        try:
            while data:
                data = data[os.write(self._descriptor, data) :]
        except OSError as err:
            self.failure = f"transcript {self.path}: {err.strerror or err}; no longer recording"
            self._close()

    def _close(self) -> None:
        descriptor, self._descriptor = self._descriptor, None
        if descriptor is not None:
            os.close(descriptor)
