"""Opening a libvirt connection and finding a domain the way virsh does: by name, UUID or id."""

from __future__ import annotations

import os
from typing import NamedTuple

import libvirt

from vdbgsh.errors import ConnectError, NotRunning
from vdbgsh.transport.libvirt_errors import connect_error, silence_libvirt
from vdbgsh.transport.remote_uri import is_remote, unreachable_hint
from vdbgsh.transport.uri_trust import refuse_program_uri, uri_source

DEFAULT_URI = "qemu:///system"
HEX_DIGITS = frozenset("0123456789abcdefABCDEF")

STATE_NAMES = {
    libvirt.VIR_DOMAIN_NOSTATE: "no state",
    libvirt.VIR_DOMAIN_RUNNING: "running",
    libvirt.VIR_DOMAIN_BLOCKED: "idle",
    libvirt.VIR_DOMAIN_PAUSED: "paused",
    libvirt.VIR_DOMAIN_SHUTDOWN: "in shutdown",
    libvirt.VIR_DOMAIN_SHUTOFF: "shut off",
    libvirt.VIR_DOMAIN_CRASHED: "crashed",
    libvirt.VIR_DOMAIN_PMSUSPENDED: "pmsuspended",
}
# States in which QEMU runs and so has a monitor to talk to. A crashed guest libvirt reports as such only while its
# QEMU lives (<on_crash>preserve</on_crash>): that is when its memory and registers are worth looking at.
ACTIVE_STATES = {
    libvirt.VIR_DOMAIN_CRASHED,
    libvirt.VIR_DOMAIN_RUNNING,
    libvirt.VIR_DOMAIN_BLOCKED,
    libvirt.VIR_DOMAIN_PAUSED,
    libvirt.VIR_DOMAIN_SHUTDOWN,
    libvirt.VIR_DOMAIN_PMSUSPENDED,
}


def resolve_uri(uri: str | None) -> str:
    return uri or os.environ.get("LIBVIRT_DEFAULT_URI") or DEFAULT_URI


def open_connection(uri: str | None) -> tuple[libvirt.virConnect, str]:
    """Open a read-write connection; returns it with the URI it was opened with. Every libvirt connection
    opens here: a URI that makes libvirt run a program is refused whoever gave it."""
    silence_libvirt()
    resolved = resolve_uri(uri)
    refuse_program_uri(resolved, uri_source(uri))
    try:
        if is_remote(resolved):
            return _open_within(resolved, connect_timeout()), resolved
        return libvirt.open(resolved), resolved
    except libvirt.libvirtError as err:
        raise connect_error(resolved, err) from None


def connect_timeout() -> float:
    """Seconds a remote host has to answer (VDBGSH_CONNECT_TIMEOUT, default 20)."""
    try:
        return max(0.1, float(os.environ.get("VDBGSH_CONNECT_TIMEOUT", "20")))
    except ValueError:
        return 20.0


def _open_within(uri: str, timeout: float) -> libvirt.virConnect:
    """libvirt.open with a deadline: it has none of its own, and a host that accepts the connection and never
    answers would hold the command forever. The open goes on in a daemon thread, abandoned at the deadline."""
    import threading

    outcome: list[libvirt.virConnect | BaseException] = []

    def run() -> None:
        try:
            outcome.append(libvirt.open(uri))
        except BaseException as err:  # handed back to the waiting caller
            outcome.append(err)

    opener = threading.Thread(target=run, name="vdbgsh-libvirt-open", daemon=True)
    opener.start()
    opener.join(timeout)
    if not outcome:
        raise ConnectError(
            f"{uri} did not answer within {timeout:g} s", unreachable_hint(uri) or "is libvirtd running there?"
        )
    if isinstance(outcome[0], BaseException):
        raise outcome[0]
    return outcome[0]


def state_name(dom: libvirt.virDomain) -> str:
    state, _reason = dom.state()
    return STATE_NAMES.get(state, "unknown")


class DomainRow(NamedTuple):
    id: int | None
    name: str
    state: str


def list_domains(conn: libvirt.virConnect, *, include_inactive: bool) -> list[DomainRow]:
    flags = 0 if include_inactive else libvirt.VIR_CONNECT_LIST_DOMAINS_ACTIVE
    rows = []
    for dom in conn.listAllDomains(flags):
        dom_id = dom.ID()
        try:
            state = state_name(dom)
        except libvirt.libvirtError as err:
            if err.get_error_code() == libvirt.VIR_ERR_NO_DOMAIN:
                continue  # destroyed while listed (a transient domain): gone, as virsh leaves it out
            raise
        rows.append(DomainRow(dom_id if dom_id >= 0 else None, dom.name(), state))
    # virsh's order: running ones by id, then the inactive ones by name.
    return sorted(rows, key=lambda r: (r.id is None, r.id or 0, r.name))


def running_names(conn: libvirt.virConnect) -> list[str]:
    return [row.name for row in list_domains(conn, include_inactive=False)]


def looks_like_uuid(ref: str) -> bool:
    digits = ref.replace("-", "")
    return len(digits) == 32 and set(digits) <= HEX_DIGITS


def _lookup(conn: libvirt.virConnect, kind: str, ref: str) -> libvirt.virDomain | None:
    if kind == "id":
        return conn.lookupByID(int(ref)) if ref.isdigit() else None
    if kind == "uuid":
        return conn.lookupByUUIDString(ref) if looks_like_uuid(ref) else None
    return conn.lookupByName(ref)


def lookup_domain(conn: libvirt.virConnect, uri: str, ref: str) -> libvirt.virDomain:
    """Find a running domain by name, UUID or id; a clear error names the running ones otherwise."""
    dom = None
    for kind in ("id", "uuid", "name"):
        try:
            dom = _lookup(conn, kind, ref)
        except libvirt.libvirtError as err:
            if err.get_error_code() != libvirt.VIR_ERR_NO_DOMAIN:
                raise connect_error(uri, err) from None
        if dom is not None:
            break
    if dom is None:
        running = running_names(conn)
        listing = ", ".join(running) if running else "none"
        raise NotRunning(f"no domain '{ref}' on {uri} (running: {listing})", "see 'vdbgsh list --all'")
    state, _reason = dom.state()
    if state not in ACTIVE_STATES:
        raise NotRunning(
            f"domain '{dom.name()}' is not running (state: {state_name(dom)})",
            f"start it with: virsh -c {uri} start {dom.name()}",
        )
    return dom
