"""Writing a transcript: a file of the owner's only (0600), appended to, one ``write`` per record.

Each record goes to the kernel in a single ``os.write`` on an ``O_APPEND`` descriptor: nothing is held in a
buffer of ours, so a vdbgsh killed or a guest that dies mid-command loses nothing already recorded, and two
writers appending to one file never interleave inside a line.

vdbgsh runs as root, often with its transcripts in /tmp: the file is never reached through a symlink (anyone may
plant one there, pointing at any file root can write), never another user's, never one with other hard links
(another name for a file we must not touch), only a regular file; a new one is created exclusively, mode 0600
whatever the umask. A write that fails is said at once: opening fails if the first record cannot be written, and
a later failure goes to ``on_failure`` (the shell shows it on the line that failed; exec says it and exits 2).
"""

from __future__ import annotations

import os
import stat
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


# No symlink followed; a FIFO or a device without a reader neither blocks the open nor takes a terminal over.
_FLAGS = os.O_WRONLY | os.O_APPEND | os.O_CLOEXEC | os.O_NOFOLLOW | os.O_NOCTTY | os.O_NONBLOCK


def open_private(path: Path) -> int:
    """A descriptor appending to ``path``: a new file created 0600, or a regular file of this user's with no
    other link (its mode tightened to 0600). Raises UsageError saying why not."""
    try:
        try:
            descriptor = os.open(path, _FLAGS | os.O_CREAT | os.O_EXCL, 0o600)
            created = True
        except FileExistsError:
            descriptor = os.open(path, _FLAGS)
            created = False
    except OSError as err:
        why = _open_error(path, err)
        raise (
            _refused(path, why) if why else UsageError(f"cannot open transcript {path}: {err.strerror or err}")
        ) from None
    try:
        why = None if created else _not_ours(os.fstat(descriptor))
        if why is None:
            os.fchmod(descriptor, 0o600)  # a new file too: the umask may have taken the owner's own rights
    except OSError as err:
        os.close(descriptor)
        raise UsageError(f"cannot open transcript {path}: {err.strerror or err}") from None
    if why is not None:
        os.close(descriptor)
        raise _refused(path, why)
    return descriptor


def _open_error(path: Path, err: OSError) -> str | None:
    """Why the file is not one vdbgsh writes, when that is why it could not be opened."""
    try:
        mode = os.lstat(path).st_mode
    except OSError:
        return None
    if stat.S_ISLNK(mode):  # ELOOP from O_NOFOLLOW
        return "it is a symbolic link, which vdbgsh does not follow for a transcript"
    if not stat.S_ISREG(mode) and not stat.S_ISDIR(mode):  # a FIFO with no reader: ENXIO
        return "it is not a regular file"
    return None


def _not_ours(status: os.stat_result) -> str | None:
    """Why vdbgsh will not append to this file, or None."""
    if not stat.S_ISREG(status.st_mode):
        return "it is not a regular file"
    if status.st_uid != os.geteuid():
        return f"it belongs to {_user(status.st_uid)}, and vdbgsh appends only to its own user's files"
    if status.st_nlink > 1:
        return f"it has {status.st_nlink - 1} other hard link(s), names for it elsewhere that vdbgsh will not write"
    return None


def _user(uid: int) -> str:
    try:
        import pwd

        return f"user {pwd.getpwuid(uid).pw_name}"
    except (KeyError, ImportError):
        return f"uid {uid}"


def _refused(path: Path, why: str) -> UsageError:
    return UsageError(f"cannot open transcript {path}: {why}", "give a new file's name, or a file of your own")


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
        on_failure: Callable[[str], None] | None = None,
        agent: bool = False,
    ) -> None:
        self.path = Path(path).expanduser()
        self.domain = domain
        self.schema = schema
        self.clock = clock
        self.failure = ""  # why writing stopped (disk full, ...): said once, then the session goes on unrecorded
        # Told at once when a write fails (after the first record): what to show, a line of its own.
        self.on_failure = on_failure
        self._seq = 0
        self._why = ""
        self._started = False
        self._descriptor: int | None = open_private(self.path)
        self._write(start_record(clock(), domain, uri=uri, qmp=qmp, agent=agent))
        if self.failure:  # nothing can be recorded: an error now, not a "recording" that records nothing
            raise UsageError(
                f"cannot write transcript {self.path}: {self._why}", "free some space, or give a file on another disk"
            )
        self._started = True

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
            self._why = err.strerror or str(err)
            self.failure = f"transcript {self.path}: {self._why}; no longer recording"
            self._close()
            if self.on_failure is not None and self._started:
                self.on_failure(self.failure)

    def _close(self) -> None:
        descriptor, self._descriptor = self._descriptor, None
        if descriptor is not None:
            os.close(descriptor)
