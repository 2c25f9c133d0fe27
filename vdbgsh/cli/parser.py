"""The argparse parser of every subcommand."""

from __future__ import annotations

import argparse

from vdbgsh import __version__

DESCRIPTION = "vdbgsh: the debug shell for QEMU guests run by libvirt (QMP with completion, HMP, live events)."


def _add_connection(parser: argparse.ArgumentParser, *, qmp: bool = True) -> None:
    group = parser.add_mutually_exclusive_group()
    group.add_argument(
        "-c",
        "--connect",
        metavar="URI",
        dest="uri",
        help="libvirt URI (default: $LIBVIRT_DEFAULT_URI, else qemu:///system)",
    )
    if qmp:
        group.add_argument(
            "--qmp",
            metavar="ADDR",
            help="talk to a plain QEMU's QMP socket instead of libvirt: unix:PATH or HOST:PORT (no DOMAIN then)",
        )


def build_parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(prog="vdbgsh", description=DESCRIPTION)
    parser.add_argument("--version", action="version", version=f"vdbgsh {__version__}")
    commands = parser.add_subparsers(dest="command", metavar="COMMAND", required=True)

    exec_parser = commands.add_parser(
        "exec",
        help="run one QMP command (or a batch from stdin) and print the reply",
        description="Run a QMP command on a guest and print its reply: pretty on a terminal, compact JSON of "
        "the return value when piped. Exit 0 on a return, 1 on a QMP error, 2 on usage or connection errors.",
        usage="vdbgsh exec [-h] [-c URI | --qmp ADDR] [options] DOMAIN COMMAND [key=value ...]\n"
        "       vdbgsh exec [options] DOMAIN '{\"execute\": ...}'\n"
        "       vdbgsh exec [options] DOMAIN -    (one command per line from stdin)",
    )
    _add_connection(exec_parser)
    exec_parser.add_argument("--raw", action="store_true", help="print the whole QMP reply, not only its return")
    exec_parser.add_argument("--keep-going", action="store_true", help="with COMMAND '-': go on after a failed command")
    exec_parser.add_argument(
        "--pretty", dest="layout", action="store_const", const="pretty", help="indented JSON even when piped"
    )
    exec_parser.add_argument(
        "--compact",
        dest="layout",
        action="store_const",
        const="compact",
        help="one-line JSON even on a terminal",
    )
    exec_parser.add_argument(
        "words",
        nargs="*",
        metavar="DOMAIN COMMAND [key=value ...]",
        help="the domain (name, UUID or id; none with --qmp), then the command and its arguments",
    )

    list_parser = commands.add_parser(
        "list",
        help="list the domains of a libvirt connection",
        description="List libvirt domains with their state.",
    )
    _add_connection(list_parser, qmp=False)
    list_parser.add_argument("--all", action="store_true", help="include inactive domains")
    list_parser.add_argument("--name", action="store_true", help="print bare names only, one per line")

    attach_parser = commands.add_parser(
        "attach",
        help="open the interactive shell on a guest",
        description="Open the interactive shell on a guest: a libvirt DOMAIN, a QMP socket (--qmp), or a "
        "scratch guest started for the session and destroyed at exit (--scratch).",
    )
    _add_connection(attach_parser)
    attach_parser.add_argument(
        "--scratch",
        action="store_true",
        help="start a transient diskless guest (libvirt when reachable, else a plain QEMU) and destroy it at exit",
    )
    attach_parser.add_argument("domain", nargs="?", metavar="DOMAIN", help="domain name, UUID or id")
    return parser
