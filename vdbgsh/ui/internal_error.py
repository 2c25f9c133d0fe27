"""A bug in vdbgsh met while running one line: said in one line, its traceback kept in a file to report.

The shell is often open in the middle of an incident; a bug in one command must not end it (and take the
transcript, the events pane and the guest's run state with it). What the user needs is what went wrong, that it
is vdbgsh's fault and not the guest's, and what to send with a bug report.
"""

from __future__ import annotations

import os
import time
import traceback
from pathlib import Path

from vdbgsh.errors import shown
from vdbgsh.private_files import private_dir


def crash_dir() -> Path:
    from platformdirs import user_state_dir

    return Path(user_state_dir("vdbgsh")) / "crashes"


def internal_error_lines(err: BaseException) -> list[str]:
    """What to show for ``err``, raised by vdbgsh itself while running a line (the shell goes on)."""
    said = shown(f"internal error (a bug in vdbgsh, not in the guest): {type(err).__name__}: {err}")
    try:
        where = _keep_traceback(err)
    except OSError as failed:
        return [said, shown(f"hint: please report it with this line (the traceback could not be kept: {failed})")]
    return [said, shown(f"hint: please report it with the traceback kept in {where}; the shell goes on")]


def _keep_traceback(err: BaseException) -> Path:
    folder = private_dir(crash_dir())  # 0700 each level made, whatever the umask: a traceback can quote a secret
    path = folder / f"{time.strftime('%Y%m%dT%H%M%S')}-{os.getpid()}-{time.monotonic_ns() % 1_000_000:06d}.txt"
    # The line typed is not written: it may hold a secret.
    text = "".join(traceback.format_exception(err))
    fd = os.open(path, os.O_WRONLY | os.O_CREAT | os.O_EXCL | os.O_NOFOLLOW | os.O_CLOEXEC, 0o600)
    with os.fdopen(fd, "w", encoding="utf-8", errors="backslashreplace") as out:
        out.write(text)
    return path
