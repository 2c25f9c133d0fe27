"""Where the shell keeps what was typed: one file per user under the XDG state dir, readable by its owner only.

Secrets are masked before a line is kept, in memory as in the file: recalling ``set_password vnc ********``
and sending it is refused by the session (it would set the password to the mask), never sent.
"""

from __future__ import annotations

from collections.abc import Callable
from pathlib import Path

from prompt_toolkit.history import FileHistory

from vdbgsh.private_files import private_file
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
    """The history file, mode 0600 (commands can carry secrets) in a 0700 directory, whatever the umask."""
    return MaskingFileHistory(str(private_file(path or history_path())), mask)
