"""``exec --log FILE`` across a fleet: one transcript, each request and reply naming its guest (``domain``) and
host (``uri``). Written from the main thread only, as the replies arrive."""

from __future__ import annotations

import sys

from vdbgsh.errors import UsageError
from vdbgsh.fleet.send import Exchange
from vdbgsh.transcript.records import notice_record, reply_record, request_record
from vdbgsh.transcript.writer import TranscriptWriter


def _say_at_once(failure: str) -> None:
    print(f"vdbgsh: error: {failure}", file=sys.stderr, flush=True)


class FleetTranscript(TranscriptWriter):
    def __init__(self, path: str, uris: list[str]) -> None:
        super().__init__(path, "(fleet)", uri=" ".join(uris), on_failure=_say_at_once)

    def record_for(self, uri: str, domain: str, exchange: Exchange) -> None:
        line, request, reply, why = exchange
        now = self.clock()
        self._seq += 1
        elapsed = reply.elapsed if reply is not None else 0.0
        sent = request_record(now - elapsed, domain, self._seq, line, request, schema=self.schema)
        self._write({**sent, "uri": uri})
        if reply is not None:
            self._write({**reply_record(now, domain, self._seq, reply, request), "uri": uri})
        else:
            self._write({**notice_record(now, domain, why, self._seq), "uri": uri})

    def close(self) -> None:
        super().close()
        if self.failure:
            raise UsageError(f"transcript {self.path} is incomplete: nothing after the error above was recorded")
