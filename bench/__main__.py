"""``make bench``: start the guests the benchmarks need, run them, print every figure with its baseline."""

from __future__ import annotations

import argparse
import os
import secrets

import libvirt

from bench import agent, completion, events, fleet, hmp_parse, hmp_translate, render, shell_flood, startup, transports
from vdbgsh.guest.libvirt_guest import create_transient, destroy_quietly
from vdbgsh.guest.plain_qemu import PlainQemu
from vdbgsh.transport.libvirt_errors import silence_libvirt


def main() -> None:
    parser = argparse.ArgumentParser(prog="python -m bench")
    parser.add_argument("--runs", type=int, default=15, help="alternating one-shot runs per side (>= 10)")
    args = parser.parse_args()
    silence_libvirt()
    conn = libvirt.open("qemu:///system")
    name = f"vdbgsh-bench-{os.getpid()}-{secrets.token_hex(3)}"
    create_transient(conn, name)
    try:
        with PlainQemu(name) as qemu:
            print(f"vdbgsh benchmarks on {os.cpu_count()} cores; medians; guest {name} and a plain QEMU")
            print("# foundation: one-shot exec and the transports")
            for line in transports.run(name, qemu, max(10, args.runs)):
                print(line, flush=True)
            print("# the shell: start-up and rendering")
            for line in [*startup.run(name, qemu), *completion.run(), *render.run()]:
                print(line, flush=True)
            print("# HMP translation")
            for line in [*hmp_parse.run(), *hmp_translate.run()]:
                print(line, flush=True)
            print("# events")
            for line in [*events.run(name), *shell_flood.run(name)]:
                print(line, flush=True)
            print("# many guests (exec across a fleet; docs/fleet.md)")
            for line in fleet.run():
                print(line, flush=True)
            print("# the guest agent (a real Linux guest)")
            for line in agent.run(max(10, args.runs)):
                print(line, flush=True)
    finally:
        destroy_quietly(conn, name)
        conn.close()


main()
