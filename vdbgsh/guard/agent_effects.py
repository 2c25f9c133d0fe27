"""What a guest-agent command does to the guest: only reads, or changes it (asked about first), from this table.

The agent acts inside the guest's operating system, where libvirt sees nothing: a clock set, a password changed,
a process started, filesystems frozen. Each changing command's sentence says what it does; guest-fsfreeze-* say
what libvirt keeps track of itself, and what goes wrong when it is done behind its back.
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from vdbgsh.guard.effects import OTHER_KIND, READ_ONLY_KIND, TRACKED_KIND, Effect, fill

AGENT_CATEGORY = "guest agent"  # the Effect.category of a changing agent command: the policy words its question

_FREEZE_TRACKED = (
    "libvirt tracks frozen filesystems itself (virDomainFSFreeze, 'virsh domfsfreeze'/'domfsthaw'): frozen "
    "through the agent behind its back, libvirt believes they are thawed, so snapshots with --quiesce, backups and "
    "its own thaw go wrong, and writes in {domain} hang until a thaw"
)

CHANGES: dict[str, str] = {
    "guest-shutdown": "shuts {domain} down from inside (mode {mode:powerdown}): libvirt sees the guest go as if "
    "its user had shut it down",
    "guest-set-time": "sets the clock of {domain} (to {time:the host's time, read from the RTC})",
    "guest-set-user-password": "changes the password of user {username} in {domain}",
    "guest-fsfreeze-freeze": "freezes the filesystems of {domain}; " + _FREEZE_TRACKED,
    "guest-fsfreeze-freeze-list": "freezes filesystems of {domain}; " + _FREEZE_TRACKED,
    "guest-fsfreeze-thaw": "thaws the filesystems of {domain}; " + _FREEZE_TRACKED,
    "guest-exec": "runs {path} in {domain}, as the agent's user (root, usually)",
    "guest-file-write": "writes to a file in {domain} (handle {handle})",
    "guest-file-flush": "flushes a file written in {domain} (handle {handle})",
    "guest-set-vcpus": "takes CPUs of {domain} online or offline from inside (libvirt's vCPU count stays as it was)",
    "guest-set-memory-blocks": "takes memory blocks of {domain} online or offline from inside",
    "guest-suspend-disk": "suspends {domain} to disk (hibernates it): libvirt sees it shut off",
    "guest-suspend-ram": "suspends {domain} to RAM: libvirt sees it pmsuspended",
    "guest-suspend-hybrid": "suspends {domain} to RAM and disk: libvirt sees it pmsuspended",
    "guest-ssh-add-authorized-keys": "adds SSH keys for user {username} in {domain}",
    "guest-ssh-remove-authorized-keys": "removes SSH keys of user {username} in {domain}",
    "guest-fstrim": "discards the unused blocks of the filesystems of {domain} (fstrim)",
}

READ_ONLY = frozenset(
    {
        "guest-ping",
        "guest-info",
        "guest-sync",
        "guest-sync-delimited",
        "guest-fsfreeze-status",
        "guest-exec-status",
        "guest-file-read",
        "guest-file-seek",
        "guest-file-close",
        "guest-network-get-interfaces",
        "guest-ssh-get-authorized-keys",
    }
)
_READ_MODES = frozenset({"r", "rb"})


def agent_effect(message: Mapping[str, Any], domain: str) -> Effect:
    command = str(message.get("execute", message.get("exec-oob", "")))
    given = message.get("arguments")
    arguments: Mapping[str, Any] = given if isinstance(given, Mapping) else {}
    if command == "guest-file-open":
        mode = arguments.get("mode", "r")
        if mode in _READ_MODES:
            return Effect(command, READ_ONLY_KIND)
        sentence = "opens {path} in {domain} for writing (mode {mode}): it may create or truncate it"
        return Effect(f"{command} (mode {mode})", TRACKED_KIND, AGENT_CATEGORY, fill(sentence, arguments, domain))
    if command in CHANGES:
        return Effect(command, TRACKED_KIND, AGENT_CATEGORY, fill(CHANGES[command], arguments, domain))
    if command in READ_ONLY or command.startswith("guest-get-"):
        return Effect(command, READ_ONLY_KIND)
    return Effect(command, OTHER_KIND)
