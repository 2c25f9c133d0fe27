"""libvirt callbacks brought into the asyncio loop.

libvirt runs most callbacks from its event loop implementation (libvirtaio: this loop's thread), but a
connection's close callback runs in whichever thread noticed the connection go, which can be a worker thread
in the middle of a blocking call (connection_care.in_daemon_thread). What the callback then does (create a task,
touch the UI) must happen in the loop.
"""

from __future__ import annotations

import asyncio
import contextlib
from collections.abc import Callable
from typing import TypeVarTuple

Args = TypeVarTuple("Args")


def current_loop() -> asyncio.AbstractEventLoop | None:
    try:
        return asyncio.get_running_loop()
    except RuntimeError:
        return None


def call_in_loop(loop: asyncio.AbstractEventLoop | None, function: Callable[[*Args], object], *args: *Args) -> None:
    """``function(*args)`` now when already in ``loop`` (or when there is none), else soon in ``loop``'s thread."""
    if loop is None or current_loop() is loop:
        function(*args)
        return
    with contextlib.suppress(RuntimeError):  # the loop has closed: nobody is left to tell
        loop.call_soon_threadsafe(function, *args)
