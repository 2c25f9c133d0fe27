"""How a QMP error reply reads: ``CommandNotFound: The command nosuch has not been found``."""

from __future__ import annotations

from vdbgsh.transport.base import Reply


def qmp_error_line(reply: Reply) -> str:
    return f"{reply.error_class}: {reply.error_desc}"
