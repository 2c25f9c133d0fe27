"""What the agent's raw protocol makes painful, as the shell's ``:run`` and ``:cat``.

``:run CMD ARG…``: guest-exec with its output captured, guest-exec-status asked until the program has exited, its
output decoded from base64 and shown as text, and its exit code. ``:cat PATH``: guest-file-open, guest-file-read
until the end (or the size limit), guest-file-close, the content decoded from base64.

Every request goes through the planner's gate and the guard rails like a typed line (``Sender``: the session's);
guest-exec asks first like any command that changes the guest. Text from the guest goes through
render/untrusted.py: a file or a program's output may hold control sequences.
"""

from __future__ import annotations

import asyncio
import base64
import binascii
from collections.abc import Awaitable, Callable
from typing import Any

from vdbgsh.errors import UsageError
from vdbgsh.render.untrusted import untrusted_line, untrusted_text
from vdbgsh.transport.base import JSONObject, Reply

# Sends one request made here: planned (the gate), guarded (may ask), sent and recorded; a str when it was not
# sent (refused or declined): what to show instead.
Send = Callable[[str, JSONObject], Awaitable[Reply | str]]

POLL_FIRST = 0.05  # seconds before the first guest-exec-status: most commands are done by then
POLL_MOST = 0.5  # and at most this long between two, for a program that runs on
CAT_LIMIT = 1 << 20  # bytes :cat shows of a file, at most: the transcript and libvirt's reply limit stay small
READ_CHUNK = 256 * 1024  # bytes a guest-file-read asks for (the agent answers in base64: a third more)


class Shown:
    """What a convenience shows: lines of output (the guest's, made safe), notes and errors, in order."""

    def __init__(self) -> None:
        self.output: list[str] = []
        self.notes: list[str] = []
        self.errors: list[str] = []
        self.said: list[str] = []  # a refusal or a cancelled question, as the guard rails worded it


async def run_program(send: Send, argv: list[str], source: str) -> Shown:
    """``:run``: start ``argv`` in the guest, wait until it exits, show its output and exit code."""
    shown = Shown()
    if not argv:
        raise UsageError("':run' needs a program: :run CMD ARG…", "e.g. :run uname -r (the program's path or name)")
    arguments = {"path": argv[0], "arg": argv[1:], "capture-output": True}
    started = await send(source, {"execute": "guest-exec", "arguments": arguments})
    if isinstance(started, str):
        shown.said.append(started)
        return shown
    if not started.ok:
        shown.errors.append(f"{started.error_class}: {untrusted_line(started.error_desc)}")
        return shown
    pid = started.value.get("pid") if isinstance(started.value, dict) else None
    if not isinstance(pid, int):
        shown.errors.append("the agent's guest-exec reply holds no pid")
        return shown
    delay = POLL_FIRST
    while True:
        await asyncio.sleep(delay)  # Ctrl-C cancels the wait here; the program runs on in the guest
        status = await send(source, {"execute": "guest-exec-status", "arguments": {"pid": pid}})
        if isinstance(status, str):
            shown.said.append(status)
            return shown
        if not status.ok:
            shown.errors.append(f"{status.error_class}: {untrusted_line(status.error_desc)}")
            return shown
        value = status.value if isinstance(status.value, dict) else {}
        if value.get("exited"):
            break
        delay = min(delay * 2, POLL_MOST)
    for member, into in (("out-data", shown.output), ("err-data", shown.output)):
        text = _decoded(value.get(member), shown, member)
        if text:
            into.append(untrusted_text(text.removesuffix("\n")))
    for member in ("out-truncated", "err-truncated"):
        if value.get(member):
            shown.notes.append(f"the agent cut the program's {member[:3]}put short (it keeps at most 16 MiB)")
    if "signal" in value:
        shown.notes.append(f"{untrusted_line(argv[0])} (pid {pid}) was killed by signal {value['signal']}")
    else:
        shown.notes.append(f"{untrusted_line(argv[0])} (pid {pid}) exited with code {value.get('exitcode', '?')}")
    return shown


async def cat_file(send: Send, path: str, source: str, limit: int = CAT_LIMIT) -> Shown:
    """``:cat``: a guest file's content as text, at most ``limit`` bytes; the handle is always closed."""
    shown = Shown()
    if not path:
        raise UsageError("':cat' needs a path in the guest: :cat PATH", "e.g. :cat /proc/version")
    opened = await send(source, {"execute": "guest-file-open", "arguments": {"path": path, "mode": "r"}})
    if isinstance(opened, str):
        shown.said.append(opened)
        return shown
    if not opened.ok or not isinstance(opened.value, int):
        shown.errors.append(f"{opened.error_class}: {untrusted_line(opened.error_desc)}")
        return shown
    handle = opened.value
    content = b""
    try:
        while len(content) < limit:
            arguments = {"handle": handle, "count": READ_CHUNK}
            reply = await send(source, {"execute": "guest-file-read", "arguments": arguments})
            if isinstance(reply, str):
                shown.said.append(reply)
                break
            if not reply.ok:
                shown.errors.append(f"{reply.error_class}: {untrusted_line(reply.error_desc)}")
                break
            value = reply.value if isinstance(reply.value, dict) else {}
            content += _bytes(value.get("buf-b64"), shown)
            if value.get("eof") or not value.get("count"):
                break
    finally:
        await send(source, {"execute": "guest-file-close", "arguments": {"handle": handle}})
    if len(content) >= limit:
        shown.notes.append(
            f"shown: the first {limit // 1024} KiB of {untrusted_line(path)}, which is longer "
            "(read the rest with guest-file-seek and guest-file-read)"
        )
        content = content[:limit]
    shown.output.append(untrusted_text(content.decode("utf-8", errors="replace").removesuffix("\n")))
    return shown


def _decoded(data: Any, shown: Shown, what: str) -> str:
    return _bytes(data, shown, what).decode("utf-8", errors="replace")


def _bytes(data: Any, shown: Shown, what: str = "buf-b64") -> bytes:
    if not isinstance(data, str) or not data:
        return b""
    try:
        return base64.b64decode(data, validate=True)
    except (binascii.Error, ValueError):
        shown.errors.append(f"the agent's {what} is not base64: shown as it came")
        return data.encode()
