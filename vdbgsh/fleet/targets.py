"""Which guests a fleet command names, and the hosts they run on.

Several ``-c URI`` (each host, opened once, all at once), then on each: the domains named exactly (name, UUID or
id; several in one DOMAIN word separated by commas), those whose name matches a ``--domain GLOB`` (as the shell
matches file names, case and all), or every running one (``--all``). A guest named twice is talked to once.
"""

from __future__ import annotations

import argparse
import contextlib
import fnmatch
import threading
import time
from collections.abc import Callable
from typing import Any, NamedTuple

from vdbgsh.errors import UsageError, VdbgshError

SLICE = 0.05  # how often the waiting main thread comes back to Python, where Ctrl-C is raised


class Selection(NamedTuple):
    uris: list[str | None]  # each -c, in order; [None]: the default URI
    names: list[str]  # named exactly: a name, UUID or id
    globs: list[str]  # --domain GLOB
    every: bool  # --all


LOCAL_PARALLEL = 8
REMOTE_PARALLEL = 32
_WORKER = threading.local()  # which of its host's workers the calling thread is (run.py sets it)


def set_worker_slot(slot: int) -> None:
    _WORKER.slot = slot


class Host:
    """A libvirt host: its connection, opened once to list its guests; ``error`` says why it could not be.

    On this machine (a unix socket, about a millisecond to open) each worker talks through a connection of its own,
    opened on first need: libvirt's client, with several calls on one connection, was seen leaving a call unsent
    while another's reply never came (a stopped QEMU; again in session 6 with five workers on a connection, once in
    a few runs). To a remote host the workers share the first connection: an open costs ~5 round trips there, and
    a connection per worker (or per five, libvirtd's max_client_requests) measured slower through 20 ms than one
    shared (docs/fleet.md). A connection that cannot be opened (libvirtd's max_anonymous_clients, file
    descriptors) leaves its worker on the first one.
    """

    def __init__(self, uri: str, given: str | None = None) -> None:
        from urllib.parse import urlparse

        self.uri = uri
        self.remote = bool(urlparse(uri).hostname)  # a host reached over the network (ssh, tcp, tls)
        self.given = given  # as the command line gave it (None: the default), to open it again
        # --agent: its guests' agents (qemu-ga) are talked to, with libvirt's agent timeout; None: QEMU's monitors.
        self.agent_timeout: int | None = None
        self.conn: Any = None
        self.error = ""
        self._lock = threading.Lock()
        self._own: dict[int, list[Any]] = {}  # slot -> [opened (Event), its connection]
        self._domains: dict[tuple[int, str], Any] = {}  # (connection, UUID): the domain as it sees it
        self.running = 0  # its running domains, and how many of them the command is for (resolve counts them)
        self.chosen = 0

    def domain_for_worker(self, domain: Any) -> Any:
        """``domain`` (listed on the first connection) as the calling worker's own connection sees it."""
        slot = getattr(_WORKER, "slot", 0)
        if slot == 0:
            return domain
        conn = self._connection(slot)
        if conn is self.conn:
            return domain
        key = (id(conn), domain.UUIDString())
        found = self._domains.get(key)
        if found is None:
            found = self._domains[key] = conn.lookupByUUIDString(key[1])
        return found

    def _learn_domains(self, conn: Any) -> None:
        """A new worker connection's view of the running domains, in one list call, when the command's guests are
        a good part of them (--all, a broad glob): a lookup per guest is a round trip each, and measured a third
        of a local fleet command's time (100 guests: 26 ms of lookups against 48 ms of the commands)."""
        import libvirt

        if self.chosen * 4 < self.running:
            return
        with contextlib.suppress(libvirt.libvirtError):
            for dom in conn.listAllDomains(libvirt.VIR_CONNECT_LIST_DOMAINS_ACTIVE):
                self._domains[(id(conn), dom.UUIDString())] = dom

    @property
    def default_parallel(self) -> int:
        """Requests in flight when --parallel is not given: on this machine libvirtd's and QEMU's own work per
        request, on the same cores, bounds it (8 measured as fast as 32, with a quarter of the connections to open
        and close); a remote host's round trips are what concurrency hides."""
        return LOCAL_PARALLEL if not self.remote else REMOTE_PARALLEL

    def _connection(self, worker: int) -> Any:
        if worker == 0 or self.remote:
            return self.conn
        slot = worker
        with self._lock:
            opening = self._own.get(slot)
            mine = opening is None
            if opening is None:
                opening = self._own[slot] = [threading.Event(), self.conn]
        if mine:
            from vdbgsh.transport.libvirt_domains import open_connection

            with contextlib.suppress(Exception):  # else the first one still serves
                opening[1], _uri = open_connection(self.given)
                self._learn_domains(opening[1])
            opening[0].set()
        opening[0].wait()
        return opening[1]

    def connections(self) -> list[Any]:
        """Every connection this host has open (the first, and the workers' own)."""
        own = [opening[1] for opening in self._own.values() if opening[1] is not self.conn]
        return own + ([self.conn] if self.conn is not None else [])


CLOSE_WAIT = 5.0  # seconds the process waits for its closes, all hosts together


def close_hosts(hosts: list[Host]) -> None:
    """Every connection of every host, closed at once: each close is a round trip (33 one after the other took
    56 ms here; a thousand remote hosts would take a thousand round trips), and the process waits for them, up to
    CLOSE_WAIT in all, before it exits."""
    closing = [
        threading.Thread(target=_close_quietly, args=(conn,), name="vdbgsh-fleet-close", daemon=True)
        for host in hosts
        for conn in host.connections()
    ]
    for thread in closing:
        thread.start()
    deadline = time.monotonic() + CLOSE_WAIT
    for thread in closing:
        thread.join(max(0.0, deadline - time.monotonic()))


def _close_quietly(conn: Any) -> None:
    with contextlib.suppress(Exception):
        conn.close()


class Member(NamedTuple):
    """One guest of the fleet."""

    host: Host
    domain: Any  # libvirt.virDomain
    name: str


def wants_fleet(args: argparse.Namespace) -> bool:
    """Whether ``exec``'s command line names more than one guest (or a pattern that may match several)."""
    uris = args.uri if isinstance(args.uri, list) else [args.uri]
    if getattr(args, "qmp", None) is not None:
        if args.domain_globs or args.all_domains:
            raise UsageError("--domain and --all choose libvirt domains, not a --qmp socket", "leave out --qmp")
        return False
    if args.domain_globs or args.all_domains or len(uris) > 1:
        return True
    return bool(args.words) and "," in args.words[0]


def split_command_line(args: argparse.Namespace) -> tuple[Selection, list[str]]:
    """The selection and the words of the command. With ``--domain`` or ``--all`` every word is the command's;
    else the first word names the guests (several separated by commas)."""
    uris: list[str | None] = list(args.uri) if isinstance(args.uri, list) else [args.uri]
    words = list(args.words)
    names: list[str] = []
    if not (args.domain_globs or args.all_domains):
        if not words:
            raise UsageError("no DOMAIN given", "name guests (g1,g2), or use --domain GLOB or --all")
        names = [name for name in words.pop(0).split(",") if name]
        if not names:
            raise UsageError("the DOMAIN word names no guest", "e.g. vdbgsh exec g1,g2 query-status")
    seen_uris: list[str | None] = []
    for uri in uris:
        if uri not in seen_uris:
            seen_uris.append(uri)
    return Selection(seen_uris, names, list(args.domain_globs or []), bool(args.all_domains)), words


def wait_in_slices(threads: list[threading.Thread]) -> None:
    """Join ``threads`` so that Ctrl-C (KeyboardInterrupt) still ends the wait."""
    for thread in threads:
        while thread.is_alive():
            thread.join(SLICE)


def open_hosts(uris: list[str | None]) -> list[Host]:
    """Every host's connection, opened at once (each through vdbgsh's transport, which refuses a URI that runs a
    program and gives a remote host a deadline); a host that cannot be reached keeps its error."""
    from vdbgsh.transport.libvirt_domains import open_connection, resolve_uri
    from vdbgsh.transport.uri_trust import refuse_program_uri, uri_source

    for uri in uris:  # before anything is opened: a refused URI is a usage error for the whole command
        refuse_program_uri(resolve_uri(uri), uri_source(uri))
    hosts = [Host(resolve_uri(uri), uri) for uri in uris]
    if any(host.remote for host in hosts):
        from vdbgsh.fleet.keepalive import start_event_loop

        start_event_loop()

    def opener(host: Host, uri: str | None) -> Callable[[], None]:
        def run() -> None:
            try:
                host.conn, _resolved = open_connection(uri)
                if host.remote:
                    from vdbgsh.fleet.keepalive import keep_alive

                    keep_alive(host.conn)
            except VdbgshError as err:
                host.error = err.message
            except Exception as err:  # libvirt's own, or anything else: this host only
                host.error = f"cannot connect to {host.uri}: {err}"

        return run

    threads = [
        threading.Thread(target=opener(host, uri), name="vdbgsh-fleet-open", daemon=True)
        for host, uri in zip(hosts, uris, strict=True)
    ]
    for thread in threads:
        thread.start()
    wait_in_slices(threads)
    return hosts


class Resolved(NamedTuple):
    members: list[Member]
    unmatched: list[str]  # one line each: a name or glob that matched no guest anywhere


def resolve(selection: Selection, hosts: list[Host]) -> Resolved:
    """The running guests the selection names on the hosts that answered."""
    import libvirt

    members: list[Member] = []
    matched: set[str] = set()
    for host in hosts:
        if host.conn is None:
            continue
        try:
            domains = host.conn.listAllDomains(libvirt.VIR_CONNECT_LIST_DOMAINS_ACTIVE)
            listed = [(dom, dom.name()) for dom in domains]
        except libvirt.libvirtError as err:
            host.error = f"cannot list the domains of {host.uri}: {err.get_error_message() or err}"
            continue
        for dom, name in sorted(listed, key=lambda row: row[1]):
            chosen = selection.every
            for ref in selection.names:
                if (
                    ref == name
                    or ref == str(dom.ID())
                    or ref.lower().replace("-", "") == dom.UUIDString().replace("-", "")
                ):
                    chosen = True
                    matched.add(ref)
            for pattern in selection.globs:
                if fnmatch.fnmatchcase(name, pattern):
                    chosen = True
                    matched.add(pattern)
            if chosen:
                members.append(Member(host, dom, name))
                host.chosen += 1
        host.running = len(listed)
    reached = [host for host in hosts if host.conn is not None and not host.error]
    unmatched = []
    if reached:
        where = reached[0].uri if len(reached) == 1 else f"any of {len(reached)} hosts"
        for ref in selection.names:
            if ref not in matched:
                unmatched.append(f"no running domain '{ref}' on {where}")
        for pattern in selection.globs:
            if pattern not in matched:
                unmatched.append(f"--domain '{pattern}' matches no running domain on {where}")
    return Resolved(members, unmatched)
