"""A line-at-a-time shell: prompt, send the command, print the reply. The full shell replaces it."""

from __future__ import annotations

import asyncio
import contextlib
import signal
import threading

from prompt_toolkit import PromptSession
from prompt_toolkit.formatted_text import ANSI, FormattedText
from prompt_toolkit.shortcuts import print_formatted_text

from vdbgsh.errors import MonitorGone, VdbgshError
from vdbgsh.render.json_text import highlighted
from vdbgsh.session import Session

QUIT_WORDS = {":quit", ":q", "exit"}


def _print_error(*lines: str) -> None:
    first, *rest = lines
    print_formatted_text(FormattedText([("ansired bold", "error: "), ("", first)]))
    for line in rest:
        print_formatted_text(line)


async def _run_cancellable(session: Session, line: str) -> None:
    """Run one line; Ctrl-C stops waiting for it (the shell stays) instead of ending the program."""
    loop = asyncio.get_running_loop()
    task = loop.create_task(session.run_line(line))
    # Signal handlers can only be set from the main thread; elsewhere (embedded, tests) Ctrl-C keeps its default.
    handles_sigint = threading.current_thread() is threading.main_thread()
    if handles_sigint:
        loop.add_signal_handler(signal.SIGINT, task.cancel)
    try:
        exchange = await task
    except asyncio.CancelledError:
        if not task.cancelled():
            raise
        _print_error("stopped waiting for the reply (the guest may still run the command)")
        return
    finally:
        if handles_sigint:
            loop.remove_signal_handler(signal.SIGINT)
    reply = exchange.reply
    if reply.ok:
        print_formatted_text(ANSI(highlighted(reply.value)))
    else:
        print_formatted_text(FormattedText([("ansired bold", reply.error_class + ": "), ("", reply.error_desc)]))
    print_formatted_text(FormattedText([("ansibrightblack", f"({reply.elapsed * 1000:.1f} ms)")]))


async def run_minimal_shell(session: Session, name: str) -> None:
    prompt: PromptSession[str] = PromptSession()
    print_formatted_text(
        FormattedText(
            [
                ("bold", f"vdbgsh attached to {name}"),
                ("", ". Type a QMP command (cmd key=value or JSON); Ctrl-D or :quit to leave."),
            ]
        )
    )
    while True:
        try:
            line = await prompt.prompt_async(f"{name}> ")
        except KeyboardInterrupt:
            continue
        except EOFError:
            break
        text = line.strip()
        if not text:
            continue
        if text in QUIT_WORDS:
            break
        try:
            await _run_cancellable(session, text)
        except MonitorGone as err:
            _print_error(*err.lines())
            break
        except VdbgshError as err:
            _print_error(*err.lines())
    with contextlib.suppress(Exception):
        await session.monitor.close()
