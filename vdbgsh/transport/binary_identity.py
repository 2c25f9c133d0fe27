"""Which QEMU binary is behind a monitor, as the schema cache needs it: path, size and mtime."""

from __future__ import annotations

import os


def _identity(path: str, stat: os.stat_result) -> str:
    return f"{path}:{stat.st_size}:{stat.st_mtime_ns}"


def binary_identity(path: str) -> str:
    """The identity of a binary on this host; the bare path when it cannot be examined."""
    try:
        return _identity(path, os.stat(path))
    except OSError:
        return path


def process_binary_identity(pid: int) -> str:
    """The identity of the binary process ``pid`` runs (the running one, even if replaced on disk since); empty
    when /proc does not tell, as for another user's QEMU."""
    exe = f"/proc/{pid}/exe"
    try:
        return _identity(os.readlink(exe), os.stat(exe))
    except OSError:
        return ""
