"""Whether a process still exists (a QEMU behind a socket, a vdbgsh that left a scratch guest behind)."""

from __future__ import annotations

import os


def pid_alive(pid: int) -> bool:
    try:
        os.kill(pid, 0)
    except ProcessLookupError:
        return False
    except PermissionError:
        return True  # it exists, as somebody else's
    return True
