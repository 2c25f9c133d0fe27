"""Long replies through a pager, so that a 20,000-line reply can be read (and left with q).

The pager reads only what is typed while it shows: keys typed before it started (a next line typed ahead, such as
``!touch /tmp/x``) stay the shell's, or are thrown away, never commands to the pager. less runs in its secure
mode (LESSSECURE=1: no ``!`` shell commands, no editor, no log files), since it shows text a guest chose.
"""

from __future__ import annotations

import os
import shlex
import shutil
import subprocess

from vdbgsh.errors import UsageError
from vdbgsh.render.untrusted import own_colours_only
from vdbgsh.ui.typeahead import discard_terminal_input


def pager_command() -> list[str] | None:
    """The pager to run: $PAGER, else less; None when there is none. UsageError when $PAGER does not parse."""
    configured = os.environ.get("PAGER", "")
    if configured.strip():
        try:
            return shlex.split(configured)
        except ValueError as err:
            raise UsageError(
                f"PAGER={configured!r} does not parse as a command ({err}): the reply was not paged",
                "fix $PAGER (for example PAGER='less -R') and start the shell again, or ':pager off'",
            ) from None
    if shutil.which("less"):
        # -R: keep colours; -F: quit at once when it fits; -X: leave the text on the screen after quitting.
        return ["less", "-R", "-F", "-X"]
    return None


def page(text: str, command: list[str]) -> None:
    """Show ``text`` through ``command`` (from ``pager_command``) on the terminal. UsageError when it cannot run."""
    _discard_typeahead()
    try:
        # A pager such as cat or more passes control sequences on: only vdbgsh's colours may be in what it gets.
        shown = own_colours_only(text).encode()
        subprocess.run(command, input=shown, check=False, env={**os.environ, "LESSSECURE": "1"})
    except OSError as err:
        raise UsageError(
            f"the pager {shlex.join(command)!r} could not be started ({err.strerror or err}): the reply was not paged",
            "set $PAGER to a pager that is installed, or ':pager off'",
        ) from None


def _discard_typeahead() -> None:
    """What was typed and not read yet (the caller took what it could as the shell's typing just before): on the
    shell's input, and on the controlling terminal, where less reads its keys (the same one, as a rule)."""
    discard_terminal_input(0)
    try:
        fd = os.open("/dev/tty", os.O_RDONLY | os.O_NOCTTY | os.O_CLOEXEC)
    except OSError:
        return
    try:
        discard_terminal_input(fd)
    finally:
        os.close(fd)
