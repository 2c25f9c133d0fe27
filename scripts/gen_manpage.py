"""Write man/vdbgsh.1, the man page, from the argparse parser, the meta-commands and the shell's keys.

    .venv/bin/python scripts/gen_manpage.py [--output FILE]        (make man)

Every subcommand's usage, description and options come from ``vdbgsh.cli.parser.build_parser()``; the shell's
meta-commands from ``vdbgsh.syntax.meta.META_COMMANDS``; its keys from ``vdbgsh.ui.keys.KEY_HELP``. The prose
around them (files, environment, exit status) is here. tests/test_manpage.py fails while man/ differs from what this
writes, and reads the page through man(1).
"""

from __future__ import annotations

import argparse
import os
import sys
from pathlib import Path

from vdbgsh import __version__
from vdbgsh.cli.parser import DESCRIPTION, build_parser
from vdbgsh.syntax.meta import META_COMMANDS
from vdbgsh.ui.keys import KEY_HELP

ROOT = Path(__file__).resolve().parent.parent
OUTPUT = ROOT / "man" / "vdbgsh.1"
DATE = "2026-11"  # fixed, so that the page only changes when what it says changes

FILES = (
    (
        "~/.config/vdbgsh/config.toml",
        "settings ($XDG_CONFIG_HOME): read_only = true refuses every command that is not read-only",
    ),
    ("~/.local/state/vdbgsh/history", "the shell's history ($XDG_STATE_HOME), mode 0600, secrets masked"),
    ("~/.cache/vdbgsh/schema/", "the guests' schemas ($XDG_CACHE_HOME), one file per QEMU build"),
)
ENVIRONMENT = (
    ("LIBVIRT_DEFAULT_URI", "the libvirt connection when -c is not given (default qemu:///system)"),
    ("PAGER", "the pager for replies taller than the screen (default less -R -F -X)"),
    ("NO_COLOR", "no colours"),
    ("XDG_CONFIG_HOME, XDG_STATE_HOME, XDG_CACHE_HOME", "where the files above live"),
    ("VDBGSH_CONNECT_TIMEOUT", "seconds a remote libvirtd has to answer when connecting (default 20)"),
    ("VDBGSH_DEBUG", "set to 1: an internal error shows its Python traceback"),
)
EXIT_STATUS = (
    ("0", "success"),
    ("1", "the guest answered with an error (exec, replay)"),
    ("2", "a usage or connection error, a refused or cancelled command"),
    ("124", "exec --timeout ran out before the reply came (the command may still run in QEMU)"),
    ("130", "interrupted by Ctrl-C, also while waiting for a reply that does not come"),
)


def escape(text: str) -> str:
    """Text as roff reads it: backslashes doubled, a leading dot or quote protected, dashes as minus signs."""
    text = text.replace("\\", "\\e").replace("-", "\\-")
    return "\\&" + text if text.startswith((".", "'")) else text


def bold(text: str) -> str:
    return f"\\fB{escape(text)}\\fR"


def paragraph(text: str) -> list[str]:
    return [".PP", escape(" ".join(text.split()))]


def tagged(tag: str, text: str) -> list[str]:
    return [".TP", tag, escape(" ".join(text.split()))]


def option_tag(action: argparse.Action) -> str:
    flags = ", ".join(bold(flag) for flag in action.option_strings)
    if action.nargs == 0:
        return flags
    if action.choices:
        value = "|".join(str(choice) for choice in action.choices)
    else:
        value = str(action.metavar or action.dest.upper())
    return f"{flags} \\fI{escape(value)}\\fR"


def positional_tag(action: argparse.Action) -> str:
    return f"\\fI{escape(str(action.metavar or action.dest.upper()))}\\fR"


def command_section(name: str, parser: argparse.ArgumentParser) -> list[str]:
    lines = [".SS " + escape(f"vdbgsh {name}")]
    lines += [".nf", *(escape(line) for line in usage_lines(parser)), ".fi"]
    lines += paragraph(parser.description or "")
    for action in parser._actions:
        if isinstance(action, argparse._HelpAction) or action.help == argparse.SUPPRESS:
            continue
        tag = option_tag(action) if action.option_strings else positional_tag(action)
        lines += tagged(tag, action.help or "")
    return lines


def usage_lines(parser: argparse.ArgumentParser) -> list[str]:
    usage = parser.format_usage().removeprefix("usage: ")
    return [line.strip() for line in usage.strip().splitlines()]


def subcommands(parser: argparse.ArgumentParser) -> dict[str, argparse.ArgumentParser]:
    for action in parser._actions:
        if isinstance(action, argparse._SubParsersAction):
            return dict(action.choices)
    return {}


def manpage() -> str:
    os.environ["COLUMNS"] = "80"  # argparse wraps usages at the terminal's width: the page must not depend on it
    parser = build_parser()
    commands = subcommands(parser)
    lines = [
        f'.TH VDBGSH 1 "{DATE}" "vdbgsh {__version__}" "User Commands"',
        ".SH NAME",
        "vdbgsh \\- the debug shell for QEMU guests run by libvirt",
        ".SH SYNOPSIS",
        ".nf",
        *(escape(usage_lines(subparser)[0]) for subparser in commands.values()),
        ".fi",
        ".SH DESCRIPTION",
        *paragraph(DESCRIPTION),
        *paragraph(
            "The shell (attach) completes every command and argument from the guest's own schema, types key=value "
            "arguments by it, accepts the text monitor's (HMP) syntax and shows the QMP it becomes, pretty-prints "
            "replies and lists the guest's live events in a pane beside the transcript. Commands that change what "
            "libvirt tracks are confirmed first."
        ),
        ".SH COMMANDS",
    ]
    for name, subparser in commands.items():
        lines += command_section(name, subparser)
    lines += [".SH SHELL", *paragraph("Lines starting with a colon are the shell's own meta-commands:")]
    for spec in META_COMMANDS.values():
        lines += tagged(bold(spec.usage), spec.summary)
    lines += paragraph("Keys:")
    for key, text in KEY_HELP:
        lines += tagged(bold(key), text)
    lines += [".SH FILES"]
    for path, text in FILES:
        lines += tagged(f"\\fI{escape(path)}\\fR", text)
    lines += [".SH ENVIRONMENT"]
    for name, text in ENVIRONMENT:
        lines += tagged(bold(name), text)
    lines += [".SH EXIT STATUS"]
    for status, text in EXIT_STATUS:
        lines += tagged(bold(status), text)
    lines += [".SH SEE ALSO", "virsh(1), qemu(1), libvirtd(8)"]
    return "\n".join(lines) + "\n"


def main(argv: list[str]) -> int:
    arguments = argparse.ArgumentParser(prog="gen_manpage.py", description="write the vdbgsh man page")
    arguments.add_argument("--output", type=Path, default=OUTPUT)
    output = arguments.parse_args(argv).output
    output.parent.mkdir(parents=True, exist_ok=True)
    output.write_text(manpage())
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
