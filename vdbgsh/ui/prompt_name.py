"""The target's name as the prompt shows it: whole when it fits a third of the terminal, else shortened, so that
a QMP socket's path or a scratch guest's generated name leaves the line to what is typed (at 60 columns they took
33 to 40 of them). The toolbar and the banner keep the whole name."""

from __future__ import annotations

MIN_ROOM = 12  # below this a name is cut to nothing recognisable: narrower terminals keep this much
OWN_PREFIX = "vdbgsh-"  # the scratch guests' (and the tests') generated names: the part that tells them apart follows


def prompt_name(name: str, columns: int) -> str:
    room = max(MIN_ROOM, columns // 3)
    if len(name) <= room:
        return name
    if "/" in name:  # a QMP socket: its file name says which
        base = name.rsplit("/", 1)[-1]
        if len("…/" + base) <= room:
            return "…/" + base
        name = base
    if name.startswith(OWN_PREFIX) and len(name) - len(OWN_PREFIX) <= room:
        return name[len(OWN_PREFIX) :]
    if len(name) <= room:
        return name
    # The head says what it is, the tail (a pid, a random suffix) which one.
    head = (room - 1) // 2
    tail = room - 1 - head
    return name[:head] + "…" + name[-tail:]
