"""Meta-commands: the shell's own commands, in their own namespace (a leading ':'), never sent to the guest.

``help`` and ``exit`` also work without the colon (QMP has no command of either name); ``quit`` without it is
QMP's quit, which ends the guest's QEMU, so leaving the shell is ``:quit``, ``exit`` or Ctrl-D.
"""

from __future__ import annotations

from enum import StrEnum
from typing import NamedTuple

from vdbgsh.syntax.errors import ParseError
from vdbgsh.syntax.meta_names import BARE_WORDS, META_PREFIX, is_meta
from vdbgsh.syntax.values import did_you_mean

__all__ = [
    "ALIASES",
    "BARE_WORDS",
    "META_COMMANDS",
    "META_PREFIX",
    "PROPERTY_METAS",
    "MetaCommand",
    "MetaSpec",
    "Takes",
]
__all__ += ["is_meta", "parse_meta"]


class Takes(StrEnum):
    """What a meta-command's arguments must be, checked by parse_meta before any handler runs."""

    ANYTHING = "anything"  # the handler reads them (a line, a file name, key=value words)
    NOTHING = "nothing"
    CHOICE = "choice"  # exactly one of the spec's choices
    COUNT = "count"  # an optional number of lines
    ACTION = "action"  # an optional action number, from 1


class MetaSpec(NamedTuple):
    """A meta-command: how it is written, what it does, what it takes. Its handler is the session's
    (session.META_HANDLERS), or the full-screen shell's for :events and :watch."""

    usage: str
    summary: str
    choices: tuple[str, ...] = ()
    takes: Takes = Takes.ANYTHING


META_COMMANDS: dict[str, MetaSpec] = {
    "help": MetaSpec(":help [COMMAND | :META]", "list the guest's commands, or show one in full"),
    "quit": MetaSpec(":quit", "leave the shell (also: exit, Ctrl-D); the guest keeps running"),
    "history": MetaSpec(":history [N]", "show the last N lines typed (default 20)", takes=Takes.COUNT),
    "clear": MetaSpec(":clear", "clear the screen"),
    "output": MetaSpec(
        ":output pretty|compact|table",
        "how replies are shown (table: lists of objects as tables, nested members as dotted columns)",
        ("pretty", "compact", "table"),
    ),
    "verbose": MetaSpec(":verbose on|off", "also show the JSON request before it is sent", ("on", "off")),
    "timing": MetaSpec(":timing on|off", "show how long each command took", ("on", "off")),
    "pager": MetaSpec(
        ":pager auto|on|off", "page replies longer than the screen through $PAGER (default less)", ("auto", "on", "off")
    ),
    "last": MetaSpec(":last", "show the last reply again, whole and paged"),
    "translate": MetaSpec(
        ":translate LINE",
        "show the QMP an HMP line becomes, or the HMP line that does what a QMP line does, without sending it",
    ),
    "copy": MetaSpec(
        ":copy json|virsh|hmp",
        "the last request sent, as one-line JSON, as a virsh qemu-monitor-command line, or as HMP (secrets masked); "
        "also to the terminal's clipboard (OSC 52)",
        ("json", "virsh", "hmp"),
    ),
    "watch": MetaSpec(
        ":watch SECONDS COMMAND",
        "run a read-only command every SECONDS and redraw its reply in place (a running block job, job or "
        "migration as a progress bar with its rate and time left) until a key is pressed",
    ),
    "wait": MetaSpec(
        ":wait EVENT [member=value ...] [--timeout S]",
        "wait for the guest's next EVENT whose data has those values (a.b=v reaches into nested data; a glob like "
        "BLOCK_JOB_* names several), and show it; Ctrl-C stops waiting",
    ),
    "view": MetaSpec(
        ":view human|json", "translated HMP info commands: a view like HMP's, or the reply as JSON", ("human", "json")
    ),
    "confirm": MetaSpec(
        ":confirm on|off",
        "ask before a command that changes what libvirt tracks (stop, device_add, ...); on by default on libvirt",
        ("on", "off"),
    ),
    "read-only": MetaSpec(
        ":read-only on|off",
        "refuse every command that is not read-only (set at start by --read-only or the config: stays on)",
        ("on", "off"),
    ),
    "events": MetaSpec(
        ":events [on|off|filter|grep|pause|resume|clear|show|buffer ...]",
        "the live events pane (F2 shows or hides it, F3 moves into it to pick one)",
    ),
    "log": MetaSpec(
        ":log [FILE | off]",
        "record requests, replies and events in FILE as JSON lines (secrets masked, mode 0600); off stops",
    ),
    "begin": MetaSpec(
        ":begin [completion-mode=individual|grouped]",
        "start a transaction: the lines that follow are its actions (TYPE key=value; Tab lists the types), "
        "until :commit or :abort (also: :transaction)",
    ),
    "commit": MetaSpec(
        ":commit [completion-mode=...]",
        "show the transaction's JSON, then send its actions as one QMP transaction (all take effect, or none)",
    ),
    "abort": MetaSpec(
        ":abort",
        "drop the open transaction unsent (the action abort, without the colon, makes it fail in QEMU)",
        takes=Takes.NOTHING,
    ),
    "actions": MetaSpec(":actions", "list the open transaction's actions", takes=Takes.NOTHING),
    "run": MetaSpec(
        ":run CMD [ARG ...]",
        "guest agent (attach --agent): run CMD in the guest (guest-exec), wait for it, show its output and exit code",
    ),
    "cat": MetaSpec(":cat PATH", "guest agent (attach --agent): show a file of the guest (at most 1 MiB)"),
    "drop": MetaSpec(":drop [N]", "remove action N (default: the last) from the open transaction", takes=Takes.ACTION),
}
ALIASES = {"q": "quit", "exit": "quit", "h": "help", "?": "help", "transaction": "begin"}
# Meta-commands whose arguments are the transaction's properties (key=value, completed from the schema).
PROPERTY_METAS = frozenset({"begin", "transaction", "commit"})


class MetaCommand(NamedTuple):
    name: str
    args: tuple[str, ...]


def parse_meta(text: str) -> MetaCommand:
    words = text.split()
    head = words[0]
    name = head[1:] if head.startswith(META_PREFIX) else BARE_WORDS.get(head, head)
    name = ALIASES.get(name, name)
    spec = META_COMMANDS.get(name)
    if spec is None:
        raise ParseError(
            f"unknown meta-command '{head}'{did_you_mean(name, list(META_COMMANDS))}",
            text,
            0,
            "':help :' lists the meta-commands",
        )
    args = tuple(words[1:])
    problem = _argument_problem(spec, args)
    if problem:
        raise ParseError(f"{head} takes {problem}", text, len(head) + 1)
    return MetaCommand(name, args)


def _argument_problem(spec: MetaSpec, args: tuple[str, ...]) -> str:
    """What ``args`` should have been for ``spec`` (after "takes "), or "" when they are right."""
    takes = Takes.CHOICE if spec.choices else spec.takes
    if takes == Takes.CHOICE and (len(args) != 1 or args[0] not in spec.choices):
        got = f"'{' '.join(args)}'" if args else "nothing"
        return f"one of: {', '.join(spec.choices)} (got {got})"
    if takes == Takes.COUNT and args and (len(args) > 1 or not _count(args[0])):
        return "a number of lines"
    if takes == Takes.ACTION and args and (len(args) > 1 or not _count(args[0]) or int(args[0]) < 1):
        return "the number of an action (':actions' lists them)"
    if takes == Takes.NOTHING and args:
        return "no arguments"
    return ""


def _count(word: str) -> bool:
    """``word`` is a number int() takes: "²" is a digit to str.isdigit, not to int()."""
    return word.isascii() and word.isdigit()
