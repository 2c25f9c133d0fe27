"""``vdbgsh list``: the domains of a libvirt connection, as virsh lists them; ``--name`` for scripts."""

from __future__ import annotations

import argparse

from vdbgsh.cli.environment import Environment
from vdbgsh.errors import EXIT_OK
from vdbgsh.render.untrusted import untrusted_line
from vdbgsh.transport.libvirt_domains import list_domains, open_connection


def run_list(args: argparse.Namespace, env: Environment) -> int:
    if (isinstance(args.uri, list) and len(args.uri) > 1) or getattr(args, "globs", None):
        from vdbgsh.fleet.listing import run_fleet_list  # several hosts, or a GLOB: host and QEMU version too

        return run_fleet_list(args, env)
    if isinstance(args.uri, list):
        args.uri = args.uri[0]
    conn, _uri = open_connection(args.uri)
    try:
        rows = list_domains(conn, include_inactive=args.all)
    finally:
        conn.close()
    # libvirt takes C1 and bidi controls in a domain's name (its XML only refuses C0): shown as escapes.
    names = [untrusted_line(row.name) for row in rows]
    if args.name:
        for name in names:
            print(name, file=env.stdout)
        return EXIT_OK
    ids = ["-" if row.id is None else str(row.id) for row in rows]
    id_width = max([2, *map(len, ids)])
    name_width = max([4, *map(len, names)])
    print(f" {'Id':<{id_width}}   {'Name':<{name_width}}   State", file=env.stdout)
    print("-" * (id_width + name_width + 14), file=env.stdout)
    for dom_id, name, row in zip(ids, names, rows, strict=True):
        print(f" {dom_id:<{id_width}}   {name:<{name_width}}   {row.state}", file=env.stdout)
    return EXIT_OK
