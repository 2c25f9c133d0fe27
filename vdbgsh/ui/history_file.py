"""Where the shell keeps what was typed: one file per user under the XDG state dir, readable by its owner only."""

from __future__ import annotations

import os
from pathlib import Path

from prompt_toolkit.history import FileHistory


def history_path() -> Path:
    from platformdirs import user_state_dir

    return Path(user_state_dir("vdbgsh")) / "history"


def open_history(path: Path | None = None) -> FileHistory:
    """The history file, created mode 0600 (commands can carry secrets) in a 0700 directory."""
    path = path or history_path()
    path.parent.mkdir(mode=0o700, parents=True, exist_ok=True)
    descriptor = os.open(path, os.O_CREAT | os.O_APPEND | os.O_WRONLY, 0o600)
    os.close(descriptor)
    if path.stat().st_mode & 0o077:
        path.chmod(0o600)
    return FileHistory(str(path))
