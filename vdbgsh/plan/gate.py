"""The checks every request passes before it may be sent, whichever way it was made (typed QMP, JSON, an HMP
translation, a transcript record, a transaction): what one path refuses, no path sends.

- a secret that is the mask itself (from history or a transcript) would become the password;
- a NUL byte is cut by libvirt's C strings (the command would run on what precedes it) and refused by QEMU's
  JSON parser; a byte-order mark in a command name is no command;
- a request past libvirt's string limit cannot even be encoded: refused before, so that nobody wonders whether
  it ran;
- a memory dump (``x``/``xp``, typed bare or inside human-monitor-command) whose text would pass libvirt's reply
  limit: past 10 MiB libvirtd gives up the guest's monitor until the guest restarts. Even '!' does not send that;
- a migration to an ``exec:`` command on a libvirt guest: libvirt runs QEMU with ``-sandbox ...,spawn=deny``, and
  the fork is refused (11.1) or kills QEMU, and the guest with it (7.2). '!' sends it (a libvirtd configured with
  ``seccomp_sandbox = 0`` allows it).
"""

from __future__ import annotations

import json
from collections.abc import Iterator
from typing import Any

from vdbgsh.errors import UsageError, printable
from vdbgsh.hmp.dump_size import line_dump_refusal
from vdbgsh.syntax.secrets import refuse_masked
from vdbgsh.transport.base import HMP_PASSTHROUGH, JSONObject
from vdbgsh.transport.limits import LIBVIRT_MONITOR_LOSS_MIB, LIBVIRT_REPLY_LIMIT_MIB, LIBVIRT_REQUEST_LIMIT_BYTES

BOM = "\ufeff"


def gate(request: JSONObject, *, libvirt: bool, forced: bool = False, qemu: tuple[int, int, int] | None = None) -> None:
    """Raise a UsageError saying why ``request`` may not be sent; nothing has been sent then. ``qemu``: the guest's
    version, when known (how wide its memory dumps print addresses)."""
    refuse_masked(request)
    command = request.get("execute", request.get("exec-oob"))
    if isinstance(command, str) and BOM in command:
        raise UsageError(
            f"the command name {printable(command)!s} holds a byte-order mark (U+FEFF): nothing was sent",
            "save the file as UTF-8 without a BOM",
        )
    for path, text in _strings(request, ""):
        if "\0" in text:
            raise UsageError(
                f"{path or 'the request'} holds a NUL byte (\\0): libvirt would cut the command there, and QEMU "
                "would run what comes before it; nothing was sent",
                "QMP takes no NUL in its text: remove it",
            )
    if libvirt:
        size = len(json.dumps(request, ensure_ascii=False).encode("utf-8", "surrogatepass"))
        if size > LIBVIRT_REQUEST_LIMIT_BYTES:
            raise UsageError(
                f"the request is {size / 1e6:.1f} MB, and libvirt carries at most "
                f"{LIBVIRT_REQUEST_LIMIT_BYTES // (1024 * 1024)} MiB in one command: nothing was sent",
                "send less at once, or talk to the QMP socket of a plain QEMU with --qmp",
            )
        _dump_gate(request, forced, qemu)
        if not forced:
            _spawn_gate(request)


def _dump_gate(request: JSONObject, forced: bool, qemu: tuple[int, int, int] | None) -> None:
    arguments = request.get("arguments")
    if request.get("execute") != HMP_PASSTHROUGH or not isinstance(arguments, dict):
        return
    command_line = arguments.get("command-line")
    if not isinstance(command_line, str):
        return
    # '!' may go past the 4 MiB libvirt refuses cleanly (to see its error), never past the size that costs the
    # guest its monitor.
    limit = LIBVIRT_MONITOR_LOSS_MIB if forced else LIBVIRT_REPLY_LIMIT_MIB
    refused = line_dump_refusal(command_line, limit_mib=limit, qemu=qemu)
    if refused is not None:
        raise UsageError(refused[0], refused[1].removeprefix("hint: "))


def _spawn_gate(request: JSONObject) -> None:
    """A migration whose destination is a command QEMU would have to start."""
    if request.get("execute") not in ("migrate", "migrate-incoming"):
        return
    arguments = request.get("arguments")
    if not isinstance(arguments, dict):
        return
    uri = arguments.get("uri")
    channels = arguments.get("channels")
    spawned = isinstance(uri, str) and uri.strip().startswith("exec:")
    if isinstance(channels, list):
        spawned = spawned or any(
            isinstance(channel, dict)
            and isinstance(channel.get("addr"), dict)
            and channel["addr"].get("transport") == "exec"
            for channel in channels
        )
    if spawned:
        raise UsageError(
            "libvirt runs QEMU with -sandbox spawn=deny: an exec: migration cannot start its command (QEMU 7.2 "
            "dies of it, taking the guest with it; later ones refuse); nothing was sent",
            "migrate to file:PATH (QEMU 8.2 on) or to tcp:/unix: with a listener; virsh save keeps a guest in a "
            "file; '!' sends it anyway (a libvirtd with seccomp_sandbox = 0)",
        )


def _strings(value: Any, path: str) -> Iterator[tuple[str, str]]:
    """Every string of a JSON value, member names included, with where it is."""
    if isinstance(value, str):
        yield path, value
    elif isinstance(value, dict):
        for key, member in value.items():
            where = f"{path}.{key}" if path else str(key)
            yield where, str(key)
            yield from _strings(member, where)
    elif isinstance(value, list):
        for index, item in enumerate(value):
            yield from _strings(item, f"{path}[{index}]")
