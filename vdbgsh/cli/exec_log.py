"""``vdbgsh exec --log FILE``: the transcript of a one-shot. Imported only when --log is given, so that exec's
start-up pays nothing for it otherwise."""

from __future__ import annotations

import shlex
import sys

from vdbgsh.errors import UsageError
from vdbgsh.transcript.writer import TranscriptWriter
from vdbgsh.transport import Target


class ExecTranscript(TranscriptWriter):
    """exec's transcript: a write that fails is said on stderr at once, and exec then ends with status 2 (from
    ``close``, which exec always reaches), as a record the user asked for and did not get is an error."""

    def close(self) -> None:
        super().close()
        if self.failure:
            raise UsageError(f"transcript {self.path} is incomplete: nothing after the error above was recorded")


def _say_at_once(failure: str) -> None:
    print(f"vdbgsh: error: {failure}", file=sys.stderr, flush=True)


def open_exec_log(path: str, target: Target, words: list[str]) -> tuple[TranscriptWriter, str]:
    """The transcript (opened now: a bad path fails before anything is sent) and the command line as typed."""
    qmp = str(target.qmp) if target.qmp is not None else None
    uri = target.uri if qmp is None else None
    writer = ExecTranscript(path, target.describe(), uri=uri, qmp=qmp, on_failure=_say_at_once, agent=target.agent)
    # One word (a JSON request, or a line exec reads as the shell does) is kept as typed: quoted whole by shlex,
    # the masker would read it as one command name and miss its secrets.
    line = words[0] if len(words) == 1 else shlex.join(words)
    return writer, line
