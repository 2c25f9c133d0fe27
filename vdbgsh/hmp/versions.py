"""HMP's command table as the QEMU in front of vdbgsh has it: 7.2's table, changed by what each later release added,
removed or re-typed.

Three results are checked against QEMU's own tables: 7.2's and 11.1's binaries (Debian 12's and sid's: ``help``,
``help info`` and the args_type strings the binary holds; tests/test_hmp_versions.py compares ``help`` with the
guest's on each stack) and 10.2's sources (hmp-commands*.hx, in the project's HMP reference). A QEMU between them gets
the changes known up to its version, with a note; a QEMU newer than 11.1 gets 11.1's table, with a note.
A command a release removed is refused with the release and what replaces it; one that came later than the guest's
QEMU is refused with the release it came in.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import replace
from functools import cached_property, lru_cache
from typing import TYPE_CHECKING, NamedTuple

from vdbgsh.hmp.table import COMMANDS, INFO, Entry, _e

if TYPE_CHECKING:
    from vdbgsh.schema.model import Schema

Release = tuple[int, int]

CHECKED: tuple[Release, ...] = ((7, 2), (10, 2), (11, 1))  # QEMUs whose own tables these were compared with


class Change(NamedTuple):
    """In ``release``, ``name`` (an info sub-command as "info NAME") came (``entry`` alone is given), was re-typed
    (``entry`` replaces the older one) or went (``entry`` None; ``instead`` names what replaces it)."""

    release: Release
    name: str
    entry: Entry | None
    instead: str = ""


def _changed(name: str, args_type: str, **spec: object) -> Entry:
    """The entry of ``name`` in the 7.2 table with another argument grammar (and any other field changed)."""
    old = {e.name: e for e in (*COMMANDS, *INFO)}[name]
    return replace(old, args_type=args_type, **spec)  # type: ignore[arg-type]


# From each binary's tables (args_type as the binary holds it) and QEMU's docs/about/removed-features.rst.
CHANGES: tuple[Change, ...] = (
    Change((8, 0), "xen-event-inject", _e("xen-event-inject", "port:i", "xen-event-inject", "inject an event channel")),
    Change((8, 0), "xen-event-list", _e("xen-event-list", "", "xen-event-list", "list event channel state")),
    Change((8, 0), "info cryptodev", _e("info cryptodev", "", "query-cryptodev", "the crypto devices")),
    Change(
        (8, 1),
        "one-insn-per-tb",
        _e("one-insn-per-tb", "option:s?", None, "run with one guest instruction per translation block (on|off)"),
    ),
    Change((8, 1), "info profile", None),  # the TCG profiler went with it
    Change(
        (8, 2),
        "dump-guest-memory",
        _changed(
            "dump-guest-memory",
            "paging:-p,detach:-d,windmp:-w,zlib:-z,lzo:-l,snappy:-s,raw:-R,filename:F,begin:l?,length:l?",
        ),
    ),
    Change((9, 0), "singlestep", None, "one-insn-per-tb"),
    Change(
        (9, 1),
        "migrate",
        _changed("migrate", "detach:-d,resume:-r,uri:s"),
        "blockdev-mirror to an NBD export for the disks (-b and -i are gone)",
    ),
    Change((9, 1), "info rdma", None),  # pvrdma and RDMA migration went in 9.1
    # Per-vCPU trace events went in 9.1: HMP still parses the vCPU and ignores it, QMP has no member for it.
    Change((9, 1), "trace-event", _changed("trace-event", "name:s,option:b,vcpu:i?", drop=("vcpu",))),
    Change((9, 1), "info trace-events", _changed("info trace-events", "name:s?,vcpu:i?", drop=("vcpu",))),
    Change((10, 0), "info accel", _e("info accel", "", "x-accel-stats", "accelerator statistics")),
    Change((10, 0), "info accelerators", _e("info accelerators", "", "query-accelerators", "the accelerators")),
    Change((10, 0), "info via", _e("info via", "", None, "the guest's MOS6522 VIA devices")),
    Change(
        (10, 0),
        "info migrate",
        _changed("info migrate", "all:-a", text_with=("all",), help="the migration status (-a: all of it)"),
    ),
    Change((10, 0), "info qtree", _changed("info qtree", "brief:-b", help="the device tree (-b: no properties)")),
    Change((10, 0), "migrate_set_parameter", _changed("migrate_set_parameter", "parameter:s,value:S")),
    Change((10, 1), "info opcount", None, "info jit"),
    Change(
        (10, 2),
        "info firmware-log",
        _e("info firmware-log", "max-size:o?", "query-firmware-log", "the firmware (OVMF) debug log"),
    ),
    Change((11, 0), "clear", _e("clear", "", None, "clear the monitor screen")),
)


class Removal(NamedTuple):
    release: Release
    instead: str


class HmpTable:
    """One QEMU's HMP commands: ``commands`` and ``info`` sub-commands, the names it no longer has (``removed``)
    and those that came after it (``later``), and a ``note`` when it was not compared with that QEMU's binary."""

    def __init__(
        self,
        release: Release | None,
        commands: tuple[Entry, ...],
        info: tuple[Entry, ...],
        *,
        removed: Mapping[str, Removal],
        later: Mapping[str, Release],
        note: str = "",
    ) -> None:
        self.release = release
        self.commands = commands
        self.info = info
        self.removed = removed
        self.later = later
        self.note = note

    @cached_property
    def by_name(self) -> dict[str, Entry]:
        return {name: entry for entry in self.commands for name in entry.names}

    @cached_property
    def info_by_name(self) -> dict[str, Entry]:
        return {name.removeprefix("info "): entry for entry in self.info for name in entry.names}

    def reads_as_hmp(self, word: str) -> bool:
        """A line starting with ``word`` is HMP's to judge: a command of this QEMU, or one it removed or lacks yet
        (the translator then says which release)."""
        return word in self.by_name or word in self.removed or word in self.later

    def entry(self, name: str) -> Entry | None:
        """``name``'s entry: a command, or an info sub-command as "info NAME"."""
        if name.startswith("info "):
            return self.info_by_name.get(name[5:])
        return self.by_name.get(name)

    def gone(self, name: str) -> str | None:
        """Why ``name`` (a command, or "info NAME") is not in this QEMU although HMP has known it, or None."""
        shown = f"'{name}'"
        removal = self.removed.get(name)
        if removal is not None:
            text = f"{shown} was removed in QEMU {_dotted(removal.release)}"
            return f"{text}: use {removal.instead}" if removal.instead else f"{text}; nothing replaces it"
        came = self.later.get(name)
        if came is not None:
            text = f"{shown} came in QEMU {_dotted(came)}, after this one"
            instead = next((c.name for c in CHANGES if c.instead == name and c.entry is None), "")
            return f"{text}: use {instead}" if instead and instead in self.by_name else text
        return None


def _dotted(release: Release) -> str:
    return ".".join(map(str, release))


def release_of(qemu: tuple[int, ...] | None) -> Release | None:
    return (qemu[0], qemu[1]) if qemu is not None and len(qemu) >= 2 else None


@lru_cache(maxsize=16)
def table_for(qemu: tuple[int, ...] | None) -> HmpTable:
    """The table of the QEMU whose version is ``qemu`` (major, minor[, micro]); 7.2's when it is unknown."""
    release = release_of(qemu)
    at = release or CHECKED[0]
    if at < CHECKED[0]:
        at = CHECKED[0]
    elif at > CHECKED[-1]:
        at = CHECKED[-1]
    commands = {e.name: e for e in COMMANDS}
    info = {e.name: e for e in INFO}
    removed: dict[str, Removal] = {}
    later: dict[str, Release] = {}
    for change in CHANGES:
        into = info if change.name.startswith("info ") else commands
        if change.release > at:
            if change.name not in into:
                later[change.name] = change.release
            continue
        if change.entry is None:
            into.pop(change.name, None)
            removed[change.name] = Removal(change.release, change.instead)
        else:
            into[change.name] = change.entry
    return HmpTable(
        release,
        tuple(commands.values()),
        tuple(info.values()),
        removed=removed,
        later=later,
        note=_note(release),
    )


def _note(release: Release | None) -> str:
    if release is None or release in CHECKED:
        return ""
    if release > CHECKED[-1]:
        return (
            f"QEMU {_dotted(release)} is newer than vdbgsh's newest HMP table ({_dotted(CHECKED[-1])}): "
            "its HMP commands are judged by that one"
        )
    if release < CHECKED[0]:
        return f"QEMU {_dotted(release)} is older than vdbgsh's oldest HMP table ({_dotted(CHECKED[0])})"
    return (
        f"vdbgsh's HMP table for QEMU {_dotted(release)} is made from the changes known since 7.2, not read from "
        "that binary"
    )


def table_of(schema: Schema | None) -> HmpTable:
    """The table of the QEMU whose schema this is (7.2's when its version is unknown)."""
    return table_for(schema.qemu if schema is not None else None)


@lru_cache(maxsize=1)
def every_name() -> frozenset[str]:
    """Every command name some QEMU's HMP has had (info sub-commands as "info NAME"): a line starting with one reads
    as HMP before the guest's version is known."""
    names: set[str] = {name for entry in (*COMMANDS, *INFO) for name in entry.names}
    names.update(change.name for change in CHANGES)
    return frozenset(names)


def any_entry(name: str) -> Entry | None:
    """``name``'s entry in the newest table, else in the oldest: for a check that cannot know the guest's QEMU."""
    return table_for(CHECKED[-1]).by_name.get(name) or table_for(None).by_name.get(name)
