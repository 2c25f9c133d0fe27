"""How a QMP error reply reads: ``CommandNotFound: The command nosuch has not been found``."""

from __future__ import annotations

from vdbgsh.render.untrusted import untrusted_line
from vdbgsh.transport.base import Reply


def qmp_error_line(reply: Reply) -> str:
    # QEMU quotes what was sent back in its errors ("Property 'x\x1b[31m' not found"): escaped for the terminal.
    return untrusted_line(f"{reply.error_class}: {reply.error_desc}")
