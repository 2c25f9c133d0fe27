"""``vdbgsh exec --log FILE``: the transcript of a one-shot. Imported only when --log is given, so that exec's
start-up pays nothing for it otherwise."""

from __future__ import annotations

import shlex

from vdbgsh.syntax.json_request import looks_like_json
from vdbgsh.transcript.writer import TranscriptWriter
from vdbgsh.transport import Target


def open_exec_log(path: str, target: Target, words: list[str]) -> tuple[TranscriptWriter, str]:
    """The transcript (opened now: a bad path fails before anything is sent) and the command line as typed."""
    qmp = str(target.qmp) if target.qmp is not None else None
    writer = TranscriptWriter(path, target.describe(), uri=target.uri if qmp is None else None, qmp=qmp)
    # A JSON request is one word: kept as it is, so that its secrets are found (quoted, it would be one word).
    line = words[0] if len(words) == 1 and looks_like_json(words[0]) else shlex.join(words)
    return writer, line
