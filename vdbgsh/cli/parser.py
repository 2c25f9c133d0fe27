"""The argparse parser of every subcommand."""

from __future__ import annotations

import argparse
import os
import sys
from collections.abc import Sequence
from typing import NoReturn

from vdbgsh import __version__
from vdbgsh.cli.agent_options import add_agent_options
from vdbgsh.errors import shown

DESCRIPTION = "vdbgsh: the debug shell for QEMU guests run by libvirt (QMP with completion, HMP, live events)."


class _Formatter(argparse.HelpFormatter):
    """argparse's formatter, sized without importing shutil (~2 ms, on every one-shot start-up)."""

    def __init__(self, prog: str, indent_increment: int = 2, max_help_position: int = 24, width: int | None = None):
        super().__init__(prog, indent_increment, max_help_position, width or _terminal_width() - 2)


class _Parser(argparse.ArgumentParser):
    """argparse's, whose errors quote the command line: shown escaped and cut short, as vdbgsh's own errors are
    (subcommand parsers are of the same class)."""

    def error(self, message: str) -> NoReturn:
        super().error(shown(message))


def _terminal_width() -> int:
    columns = os.environ.get("COLUMNS", "")
    if columns.isdigit():
        return int(columns)
    try:
        return os.get_terminal_size(sys.stdout.fileno()).columns
    except (OSError, ValueError, AttributeError):  # AttributeError: stdout closed (None)
        return 80


def _add_connection(
    parser: argparse.ArgumentParser,
    *,
    qmp: bool = True,
    several: bool = False,
    several_help: str = "; repeat to follow several hosts at once, each line naming its host",
) -> None:
    group = parser.add_mutually_exclusive_group()
    # events, list and exec take several URIs (a list in args.uri): every other command talks to one guest.
    group.add_argument(
        "-c",
        "--connect",
        metavar="URI",
        dest="uri",
        action="append" if several else "store",
        help="libvirt URI (default: $LIBVIRT_DEFAULT_URI, else qemu:///system)" + (several_help if several else ""),
    )
    if qmp:
        group.add_argument(
            "--qmp",
            metavar="ADDR",
            help="talk to a plain QEMU's QMP socket instead of libvirt: unix:PATH or HOST:PORT (no DOMAIN then)",
        )


def _add_guard(parser: argparse.ArgumentParser) -> None:
    parser.add_argument(
        "-y",
        "--yes",
        action="store_true",
        help="send commands that change what libvirt tracks (stop, device_add, ...) without asking first",
    )
    parser.add_argument(
        "--read-only",
        action="store_true",
        help="refuse every command that is not read-only (also: read_only = true in ~/.config/vdbgsh/config.toml)",
    )


def _add_log(parser: argparse.ArgumentParser) -> None:
    parser.add_argument(
        "--log",
        metavar="FILE",
        help="record requests, replies and events in FILE as JSON lines (secrets masked; created 0600, appended to)",
    )


def build_parser(argv: Sequence[str] | None = None) -> argparse.ArgumentParser:
    """The whole parser; or, when ``argv`` starts with a subcommand, only that one.

    Building an argparse parser costs ~0.3 ms per argument: a one-shot ``vdbgsh exec`` should not pay for
    the options of every other subcommand.
    """
    parser: argparse.ArgumentParser = _Parser(prog="vdbgsh", description=DESCRIPTION, formatter_class=_Formatter)
    parser.add_argument("--version", action="version", version=f"vdbgsh {__version__}")
    commands = parser.add_subparsers(dest="command", metavar="COMMAND", required=True)
    wanted = argv[0] if argv and argv[0] in BUILDERS else None
    for name, build in BUILDERS.items():
        if wanted is None or name == wanted:
            build(commands)
    return parser


def _build_exec(commands: argparse._SubParsersAction[argparse.ArgumentParser]) -> None:
    exec_parser = commands.add_parser(
        "exec",
        formatter_class=_Formatter,
        help="run one QMP command (or a batch from stdin) and print the reply",
        description="Run a QMP command on a guest and print its reply: pretty on a terminal, compact JSON of "
        "the return value when piped. An HMP line ('info status') is translated into QMP as in the shell. "
        "Exit 0 on a return, 1 on a QMP error, 2 on usage or connection errors, 124 when --timeout ran out, "
        "130 when Ctrl-C stopped the wait.",
        usage="vdbgsh exec [-h] [-c URI | --qmp ADDR] [options] DOMAIN COMMAND [key=value ...]\n"
        "       vdbgsh exec [options] DOMAIN '{\"execute\": ...}'\n"
        "       vdbgsh exec [options] DOMAIN 'HMP LINE'\n"
        "       vdbgsh exec [options] DOMAIN -    (one command per line from stdin)\n"
        "       vdbgsh exec [options] DOMAIN --transaction [key=value ...] 'TYPE key=value ...' ... | -\n"
        "       vdbgsh exec [options] [-c URI ...] (DOMAIN,DOMAIN... | --domain GLOB ... | --all) COMMAND ... | -",
    )
    _add_connection(exec_parser, several=True, several_help="; repeat for several hosts (see 'Many guests' below)")
    _add_fleet(exec_parser)
    _add_guard(exec_parser)
    add_agent_options(exec_parser)
    exec_parser.add_argument("--raw", action="store_true", help="print the whole QMP reply, not only its return")
    exec_parser.add_argument("--keep-going", action="store_true", help="with COMMAND '-': go on after a failed command")
    exec_parser.add_argument(
        "--transaction",
        action="store_true",
        help="send the actions that follow DOMAIN as one QMP transaction (all take effect, or none): each "
        "'TYPE key=value ...' (or its JSON), key=value words before the first are its properties "
        "(completion-mode=grouped); '-' reads the actions from stdin, one per line; across several guests, each "
        "gets the whole transaction",
    )
    exec_parser.add_argument(
        "--dry-run", action="store_true", help="check the request against the guest's schema and print it, unsent"
    )
    exec_parser.add_argument(
        "--no-validate",
        action="store_true",
        help="send arguments as typed (JSON literal, else string) without checking them against the schema",
    )
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
        "--timeout",
        type=_seconds,
        metavar="SECONDS",
        help="give up after SECONDS without a reply (or, connecting, without an answer from libvirtd) and exit 124 "
        "(a command sent may still run in QEMU: libvirt keeps waiting for its reply); Ctrl-C stops waiting at any "
        "time (exit 130)",
    )
    _add_log(exec_parser)
    exec_parser.add_argument(
        "words",
        nargs="*",
        metavar="DOMAIN COMMAND [key=value ...]",
        help="the domain (name, UUID or id; none with --qmp), then the command and its arguments",
    )


def _add_fleet(parser: argparse.ArgumentParser) -> None:
    """exec across many guests (vdbgsh/fleet/): which guests, how many at once, how the replies show."""
    fleet = parser.add_argument_group(
        "many guests",
        "Several guests at once: a DOMAIN word naming several (g1,g2,UUID), --domain GLOB, --all, or several -c. "
        "Each line is checked against each guest's own QEMU schema and sent to all of them concurrently. "
        "On a terminal a table; piped (or --output json) one JSON object per reply as it comes: "
        '{"uri", "domain", "return"} or {"uri", "domain", "error": {"class", "desc"}}. '
        "Exit 0 all answered without error, 1 a guest answered with an error, 2 refused or no such guest, "
        "3 a host or guest could not be reached (the highest wins), 130 on Ctrl-C.",
    )
    fleet.add_argument(
        "--domain",
        dest="domain_globs",
        action="append",
        metavar="GLOB",
        help="every running domain whose name matches GLOB ('web-*'), on each host; repeatable (then no DOMAIN word)",
    )
    fleet.add_argument(
        "--all", dest="all_domains", action="store_true", help="every running domain of each host (no DOMAIN word)"
    )
    fleet.add_argument(
        "--parallel",
        type=_positive,
        metavar="N",
        help="requests in flight per host (default 8 on this machine, 32 on a remote host)",
    )
    fleet.add_argument(
        "--output",
        choices=("table", "json"),
        help="table (the default on a terminal) or json: one object per reply, the reply in full (piped default)",
    )


def _build_list(commands: argparse._SubParsersAction[argparse.ArgumentParser]) -> None:
    list_parser = commands.add_parser(
        "list",
        formatter_class=_Formatter,
        help="list the domains of a libvirt connection",
        description="List libvirt domains with their state. With several -c URIs or a GLOB: each domain's host, "
        "state and QEMU version (query-version, asked of each running guest: libvirt marks it custom-monitor as "
        "for any monitor command), from every host at once; exit 3 when a host could not be reached.",
    )
    _add_connection(list_parser, qmp=False, several=True, several_help="; repeat for several hosts")
    list_parser.add_argument("--all", action="store_true", help="include inactive domains")
    list_parser.add_argument("--name", action="store_true", help="print bare names only, one per line")
    list_parser.add_argument(
        "globs", nargs="*", metavar="GLOB", help="only domains whose name matches GLOB ('web-*'); repeatable"
    )


def _build_attach(commands: argparse._SubParsersAction[argparse.ArgumentParser]) -> None:
    attach_parser = commands.add_parser(
        "attach",
        formatter_class=_Formatter,
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
    attach_parser.add_argument(
        "--pane",
        choices=("auto", "right", "below", "off"),
        default="auto",
        help="where the live events pane goes: beside the transcript from 100 columns on, else below it (auto); "
        "off starts with it hidden (F2 shows it)",
    )
    attach_parser.add_argument(
        "--events-buffer",
        type=_positive,
        default=10_000,
        metavar="N",
        help="how many events the pane keeps (the oldest are dropped and counted; default 10000)",
    )
    _add_guard(attach_parser)
    add_agent_options(attach_parser)
    _add_log(attach_parser)
    attach_parser.add_argument("domain", nargs="?", metavar="DOMAIN", help="domain name, UUID or id")


def _positive(text: str) -> int:
    if not text.isdigit() or int(text) < 1:
        raise argparse.ArgumentTypeError(f"expected a whole number of at least 1, not {text!r}")
    return int(text)


def _seconds(text: str) -> float:
    try:
        seconds = float(text)
    except ValueError:
        seconds = -1.0
    if not 0 < seconds < float("inf"):
        raise argparse.ArgumentTypeError(f"expected a number of seconds above 0, not {text!r}")
    return seconds


def _build_translate(commands: argparse._SubParsersAction[argparse.ArgumentParser]) -> None:
    parser = commands.add_parser(
        "translate",
        formatter_class=_Formatter,
        help="show the QMP an HMP (text monitor) line becomes",
        description="Print the QMP request(s) an HMP line becomes, one compact JSON object per line, without "
        "sending them. Without a guest nothing is contacted (the schema is the newest cached one, else QEMU 7.2's); "
        "with --domain or --qmp the translation is checked against that guest's schema. Exit 2 when the line does "
        "not parse, with what HMP expects there.",
    )
    parser.add_argument("-c", "--connect", metavar="URI", dest="uri", help="libvirt URI (with --domain)")
    target = parser.add_mutually_exclusive_group()
    target.add_argument("-d", "--domain", metavar="DOMAIN", help="check against this libvirt domain's schema")
    target.add_argument("--qmp", metavar="ADDR", help="check against this QMP socket's schema")
    parser.add_argument(
        "line", nargs="+", metavar="LINE", help="the HMP line (quote it), or - to read lines from stdin"
    )


def _build_events(commands: argparse._SubParsersAction[argparse.ArgumentParser]) -> None:
    parser = commands.add_parser(
        "events",
        formatter_class=_Formatter,
        help="follow the live QMP events of guests (a tail view)",
        description="Print QMP events as they happen: time, domain, event, data; or one JSON object per line "
        "(--json: domain, event, timestamp in ISO 8601 UTC, data). Without DOMAIN, every domain on the "
        "connection. A followed domain that stops and starts again is followed again; its start and stop show "
        "as '-- started'/'-- stopped' lines (JSON: a \"vdbgsh\" key where events have \"event\"). Ctrl-C "
        'ends with a count of the events seen. With several -c URIs, each line names its host (JSON: a "uri" '
        "key). A lost connection to libvirtd is said on stderr and retried until it answers again. Exit 0 at the "
        "end of the stream, 2 on usage or connection errors.",
        usage="vdbgsh events [-h] [-c URI [-c URI ...] | --qmp ADDR] [DOMAIN ...] [--event GLOB]... [--regex]\n"
        "                     [--no-case] [--json] [--count N] [--timeout S] [--wait]",
    )
    _add_connection(parser, several=True)
    parser.add_argument(
        "--event",
        action="append",
        metavar="GLOB",
        help="only events whose name matches GLOB (e.g. 'BLOCK_JOB_*'); repeat for alternatives",
    )
    parser.add_argument(
        "--regex", action="store_true", help="treat each --event as a regular expression searched in the name"
    )
    parser.add_argument("--no-case", action="store_true", help="match --event patterns ignoring case")
    parser.add_argument("--json", action="store_true", help="one compact JSON object per line, flushed at once")
    parser.add_argument("--count", type=int, metavar="N", help="exit after N events")
    parser.add_argument("--timeout", type=float, metavar="S", help="exit after S seconds")
    parser.add_argument(
        "--wait", action="store_true", help="wait for a named DOMAIN libvirt does not know yet (else an error)"
    )
    parser.add_argument(
        "domains", nargs="*", metavar="DOMAIN", help="domain names, UUIDs or ids to follow (default: every domain)"
    )


def _build_replay(commands: argparse._SubParsersAction[argparse.ArgumentParser]) -> None:
    parser = commands.add_parser(
        "replay",
        formatter_class=_Formatter,
        help="send a transcript's requests again (--log FILE records one), or print them as a script",
        description="Send the requests of a transcript (vdbgsh exec/attach --log, :log) again, in order, to DOMAIN "
        "(default: the one recorded), under the same guard rails as vdbgsh exec, printing each reply; it stops at "
        "the first that fails. Replies and events in the transcript are not sent. A request whose secret was "
        "masked when recorded is refused (--skip-masked: left out). Exit statuses as vdbgsh exec's.",
        usage="vdbgsh replay [-h] [-c URI | --qmp ADDR] [--yes] [--dry-run] [--script] FILE [DOMAIN]",
    )
    _add_connection(parser)
    _add_guard(parser)
    parser.add_argument("--dry-run", action="store_true", help="print the requests, unsent")
    parser.add_argument(
        "--script",
        action="store_true",
        help="print a bash script of vdbgsh exec lines doing the same (its first argument: another DOMAIN)",
    )
    parser.add_argument("--skip-masked", action="store_true", help="leave out requests whose secret was masked")
    parser.add_argument("--raw", action="store_true", help="print whole QMP replies, not only their return")
    parser.set_defaults(layout=None)
    parser.add_argument("file", metavar="FILE", help="the transcript (- for stdin)")
    parser.add_argument("domain", nargs="?", metavar="DOMAIN", help="the guest to replay on (default: the recorded)")


BUILDERS = {
    "exec": _build_exec,
    "list": _build_list,
    "attach": _build_attach,
    "translate": _build_translate,
    "events": _build_events,
    "replay": _build_replay,
}
