"""``vdbgsh _complete-words commands|events``: QMP command or event names, one per line, for the shell
completion scripts in completions/ (``vdbgsh exec DOMAIN <Tab>``, ``vdbgsh events --event <Tab>``).

Hidden: main() dispatches it before argparse, so it is in no --help and in no generated completion. Nothing is
contacted: the names come from the newest cached schema, else QEMU 7.2's shipped with vdbgsh, and a Tab costs
one start-up without prompt_toolkit (~50 ms).
"""

from __future__ import annotations

from collections.abc import Sequence

from vdbgsh.cli.environment import Environment
from vdbgsh.errors import EXIT_OK, EXIT_USAGE

COMPLETE_WORDS = "_complete-words"  # hidden, for the completion scripts: not in the parser
KINDS = ("commands", "events")


def run_complete_words(words: Sequence[str], env: Environment) -> int:
    if len(words) != 1 or words[0] not in KINDS:
        env.error(f"usage: vdbgsh {COMPLETE_WORDS} {'|'.join(KINDS)}")
        return EXIT_USAGE
    from vdbgsh.schema.offline import offline_schema

    schema, _where = offline_schema()
    names = schema.commands if words[0] == "commands" else schema.events
    env.stdout.write("".join(f"{name}\n" for name in sorted(names)))
    return EXIT_OK
