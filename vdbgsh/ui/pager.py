"""Long replies through a pager, so that a 20,000-line reply can be read (and left with q)."""

from __future__ import annotations

import os
import shlex
import shutil
import subprocess


def pager_command() -> list[str] | None:
    configured = os.environ.get("PAGER")
    if configured:
        return shlex.split(configured)
    if shutil.which("less"):
        # -R: keep colours; -F: quit at once when it fits; -X: leave the text on the screen after quitting.
        return ["less", "-R", "-F", "-X"]
    return None


def page(text: str) -> bool:
    """Show ``text`` through the pager; False when there is none (the caller prints it instead)."""
    command = pager_command()
    if command is None:
        return False
    try:
        subprocess.run(command, input=text.encode(), check=False)
    except OSError:
        return False
    return True
