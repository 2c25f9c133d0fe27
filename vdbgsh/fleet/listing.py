"""``vdbgsh list`` across hosts: every host's domains at once, each with its host, run state (libvirt's) and QEMU
version (asked of each running guest, all at once, a bound per host), filtered by name GLOBs."""

from __future__ import annotations

import argparse
import fnmatch
import json
from typing import Any

from vdbgsh.cli.environment import Environment
from vdbgsh.errors import VdbgshError
from vdbgsh.fleet.planning import monitor_of, version_text
from vdbgsh.fleet.run import Emit, Interrupted, for_each
from vdbgsh.fleet.targets import Member, close_hosts, open_hosts
from vdbgsh.render.untrusted import untrusted_line

EXIT_UNREACHABLE = 3


def run_fleet_list(args: argparse.Namespace, env: Environment) -> int:
    import libvirt

    from vdbgsh.transport.libvirt_domains import ACTIVE_STATES, STATE_NAMES

    uris: list[str | None] = list(args.uri) if isinstance(args.uri, list) else [args.uri]
    hosts = open_hosts(list(dict.fromkeys(uris)))
    rows: list[dict[str, Any]] = []
    running: list[Member] = []
    flags = 0 if args.all else libvirt.VIR_CONNECT_LIST_DOMAINS_ACTIVE
    for host in hosts:
        if host.conn is None:
            continue
        try:
            for dom in host.conn.listAllDomains(flags):
                name = dom.name()
                if args.globs and not any(fnmatch.fnmatchcase(name, glob) for glob in args.globs):
                    continue
                state, _reason = dom.state()
                dom_id = dom.ID()
                rows.append(
                    {
                        "uri": host.uri,
                        "id": dom_id if dom_id >= 0 else None,
                        "name": name,
                        "state": STATE_NAMES.get(state, "unknown"),
                        "qemu": "-",
                    }
                )
                if state in ACTIVE_STATES:
                    running.append(Member(host, dom, name))
        except libvirt.libvirtError as err:
            host.error = f"cannot list the domains of {host.uri}: {err.get_error_message() or err}"
    by_member = {(member.host.uri, member.name): row for member, row in _pairs(running, rows)}

    def ask(member: Member, emit: Emit) -> None:
        try:
            reply = monitor_of(member).execute_message({"execute": "query-version"})
        except VdbgshError:
            return  # gone since listed, or its monitor busy: the version stays unknown
        if reply.ok:
            emit(version_text(json.dumps(reply.value)))

    def arrived(member: Member, version: Any) -> None:
        by_member[(member.host.uri, member.name)]["qemu"] = version

    try:
        for_each(running, ask, arrived)
    except Interrupted:
        env.error("interrupted: the versions not asked yet are shown as '-'")
    else:
        close_hosts(hosts)  # nothing in flight: closed at once (after Ctrl-C a close could wait on a stuck call)
    _print(env, args, rows)
    for host in hosts:
        if host.error:
            env.error(untrusted_line(host.error))
    return EXIT_UNREACHABLE if any(host.error for host in hosts) else 0


def _pairs(members: list[Member], rows: list[dict[str, Any]]) -> list[tuple[Member, dict[str, Any]]]:
    index = {(row["uri"], row["name"]): row for row in rows}
    return [(member, index[(member.host.uri, member.name)]) for member in members]


def _print(env: Environment, args: argparse.Namespace, rows: list[dict[str, Any]]) -> None:
    rows.sort(key=lambda row: (row["uri"], row["id"] is None, row["id"] or 0, row["name"]))
    if args.name:
        for row in rows:
            print(untrusted_line(row["name"]), file=env.stdout)
        return
    table = [
        [
            untrusted_line(row["uri"]),
            "-" if row["id"] is None else str(row["id"]),
            untrusted_line(row["name"]),
            row["state"],
            row["qemu"],
        ]
        for row in rows
    ]
    header = ["Host", "Id", "Name", "State", "QEMU"]
    widths = [max([len(header[i]), *(len(cells[i]) for cells in table)]) for i in range(len(header))]

    def line(cells: list[str]) -> str:
        return " " + "   ".join(f"{text:<{width}}" for text, width in zip(cells, widths, strict=True)).rstrip()

    print(line(header), file=env.stdout)
    print("-" * (sum(widths) + 3 * (len(widths) - 1) + 2), file=env.stdout)
    for cells in table:
        print(line(cells), file=env.stdout)
