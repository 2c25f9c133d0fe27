"""What vdbgsh keeps for its user alone (the history, the schema cache, transcripts): directories 0700 and files
0600 whatever the umask. Lines and replies can hold secrets; a umask of 000 would let anyone read them, and one
of 0277 would make a directory vdbgsh cannot enter, so the mode is set with chmod, which no umask changes."""

from __future__ import annotations

import os
import stat
from pathlib import Path

PRIVATE_DIR = 0o700
PRIVATE_FILE = 0o600


def private_dir(path: Path) -> Path:
    """``path`` as a directory only its owner may use: it and each missing parent are created 0700; an existing
    ``path`` is set to that (parents that were there already are left as they are)."""
    missing: list[Path] = []
    probe = path
    while not probe.exists() and probe != probe.parent:
        missing.append(probe)
        probe = probe.parent
    for directory in reversed(missing):
        try:
            directory.mkdir(mode=PRIVATE_DIR)
        except FileExistsError:
            continue  # made meanwhile by another vdbgsh: narrowed below if it is the one asked for
        os.chmod(directory, PRIVATE_DIR)
    if not path.is_dir():
        raise NotADirectoryError(f"{path}: not a directory")
    if stat.S_IMODE(path.stat().st_mode) != PRIVATE_DIR:
        os.chmod(path, PRIVATE_DIR)
    return path


def private_file(path: Path) -> Path:
    """``path`` created (empty) if missing, in a private directory, and readable by its owner only."""
    private_dir(path.parent)
    descriptor = os.open(path, os.O_CREAT | os.O_APPEND | os.O_WRONLY | os.O_CLOEXEC, PRIVATE_FILE)
    try:
        if stat.S_IMODE(os.fstat(descriptor).st_mode) != PRIVATE_FILE:  # 0644 from before, 0400 from a umask
            os.fchmod(descriptor, PRIVATE_FILE)
    finally:
        os.close(descriptor)
    return path
