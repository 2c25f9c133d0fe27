"""``vdbgsh``: parse the command line, run the subcommand, turn every known failure into one line and a status."""

from __future__ import annotations

import argparse
import contextlib
import os
import sys
from collections.abc import Sequence

from vdbgsh.cli.complete_words import COMPLETE_WORDS
from vdbgsh.cli.environment import Environment
from vdbgsh.cli.parser import build_parser
from vdbgsh.errors import EXIT_USAGE, VdbgshError

EXIT_INTERRUPTED = 130
EXIT_BROKEN_PIPE = 141


def main(argv: Sequence[str] | None = None, env: Environment | None = None) -> int:
    env = env or Environment()
    argv = sys.argv[1:] if argv is None else argv
    if argv and argv[0] == COMPLETE_WORDS:
        args = argparse.Namespace(command=COMPLETE_WORDS, words=argv[1:])
    else:
        args = _parse(argv)
    try:
        env.require_streams(args.command)
        if args.command == COMPLETE_WORDS:
            from vdbgsh.cli.complete_words import run_complete_words

            return run_complete_words(args.words, env)
        if args.command == "exec":
            from vdbgsh.cli.exec_command import run_exec

            return run_exec(args, env)
        if args.command == "list":
            from vdbgsh.cli.list_command import run_list

            return run_list(args, env)
        if args.command == "translate":
            from vdbgsh.cli.translate_command import run_translate

            return run_translate(args, env)
        if args.command == "events":
            from vdbgsh.cli.events_command import run_events

            return run_events(args, env)
        if args.command == "replay":
            from vdbgsh.cli.replay_command import run_replay

            return run_replay(args, env)
        # attach is the only path that needs prompt_toolkit: import it only here.
        from vdbgsh.cli.attach_command import run_attach

        return run_attach(args, env)
    except VdbgshError as err:
        env.error(*err.lines())
        return err.exit_status
    except KeyboardInterrupt:
        env.error("interrupted")
        return EXIT_INTERRUPTED
    except BrokenPipeError:
        # The reader of our output went away (| head): nothing more to say to it, and the status a program
        # killed by SIGPIPE would have, as pipelines expect.
        _silence_stdout()
        return EXIT_BROKEN_PIPE
    except Exception as err:
        # A bug of ours: still one line for the user, the traceback only on request.
        if os.environ.get("VDBGSH_DEBUG"):
            raise
        env.error(f"internal error: {type(err).__name__}: {err}", "hint: set VDBGSH_DEBUG=1 to see the traceback")
        return EXIT_USAGE


def _parse(argv: Sequence[str]) -> argparse.Namespace:
    parser = build_parser(argv)
    args, extra = parser.parse_known_args(argv)
    # exec's words may come after its options (exec DOMAIN --yes stop, exec DOMAIN --transaction 'TYPE k=v'):
    # argparse hands the words after an option back unrecognised. An unknown option is still an error.
    if extra and args.command == "exec":
        unknown = [word for word in extra if word.startswith("-") and word != "-"]
        if unknown:
            parser.error(f"unrecognized arguments: {' '.join(unknown)}")
        args.words = [*args.words, *extra]
    elif extra:
        parser.error(f"unrecognized arguments: {' '.join(extra)}")
    return args


def _silence_stdout() -> None:
    devnull = os.open(os.devnull, os.O_WRONLY)
    os.dup2(devnull, sys.stdout.fileno())


ONE_SHOT_COMMANDS = ("exec", "list", "translate", COMPLETE_WORDS)


def _no_core_dumps() -> None:
    """A core dump would hold every secret this process saw (typed passwords, secret objects read back), in a file
    that outlives it: none while vdbgsh runs, whatever the shell's ulimit."""
    import resource

    with contextlib.suppress(ValueError, OSError):  # no such limit here: nothing to lower
        resource.setrlimit(resource.RLIMIT_CORE, (0, 0))


def run() -> None:
    _no_core_dumps()
    status = main()
    if sys.argv[1:2] and sys.argv[1] in ONE_SHOT_COMMANDS:
        # A one-shot's work is done and its connection closed: skip the interpreter's teardown of every
        # module (~3.5 ms of the ~60 ms a one-shot takes). Only the output buffers need saving.
        try:
            sys.stdout.flush()
            sys.stderr.flush()
        except BrokenPipeError:
            _silence_stdout()
            status = EXIT_BROKEN_PIPE
        os._exit(status)
    sys.exit(status)
