"""Where the shell keeps what was typed: one file per user under the XDG state dir, readable by its owner only.

Secrets are masked before a line is kept, in memory as in the file: recalling ``set_password vnc ********``
and sending it is refused by the session (it would set the password to the mask), never sent.
"""

from __future__ import annotations

import os
from collections.abc import Callable
from pathlib import Path

from prompt_toolkit.history import FileHistory

from vdbgsh.syntax.secrets import mask_line


def history_path() -> Path:
    from platformdirs import user_state_dir

    return Path(user_state_dir("vdbgsh")) / "history"


class MaskingFileHistory(FileHistory):
    """A FileHistory that keeps each line with its secrets masked (``mask`` may be replaced once the guest's
    schema is known: it tells QMP ``set_password`` from HMP ``set_password``)."""

    def __init__(self, filename: str, mask: Callable[[str], str] = mask_line) -> None:
        super().__init__(filename)
        self.mask = mask

    def append_string(self, string: str) -> None:
        super().append_string(self.mask(string))


def open_history(path: Path | None = None, mask: Callable[[str], str] = mask_line) -> MaskingFileHistory:
    """The history file, created mode 0600 (commands can carry secrets) in a 0700 directory."""
    path = path or history_path()
    path.parent.mkdir(mode=0o700, parents=True, exist_ok=True)
    descriptor = os.open(path, os.O_CREAT | os.O_APPEND | os.O_WRONLY, 0o600)
    os.close(descriptor)
    if path.stat().st_mode & 0o077:
        path.chmod(0o600)
    return MaskingFileHistory(str(path), mask)
