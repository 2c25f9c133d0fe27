"""Putting the shell together for one guest: monitor, schema (cached per QEMU build), session, completer."""

from __future__ import annotations

import contextlib
import os
import sys

from prompt_toolkit.completion import Completer

from vdbgsh.complete.live import LiveValues
from vdbgsh.complete.prompt_completer import QMPCompleter
from vdbgsh.guard.policy import GuardPolicy
from vdbgsh.render.messages import taint_notice
from vdbgsh.schema.loading import SchemaCache, load_schema
from vdbgsh.session import Session
from vdbgsh.syntax.meta import BARE_WORDS, META_COMMANDS
from vdbgsh.syntax.secrets import mask_line
from vdbgsh.transport import Target
from vdbgsh.ui.history_file import open_history
from vdbgsh.ui.layout import PaneSetting
from vdbgsh.ui.shell import Shell


async def attach_shell(
    target: Target,
    *,
    pane: str = "auto",
    events_buffer: int = 10_000,
    guard: GuardPolicy | None = None,
    log: str | None = None,
) -> None:
    monitor = await target.open(events=True)
    session: Session | None = None
    try:
        loaded = await load_schema(monitor, SchemaCache.default())
        version = await monitor.execute("query-version")
        colour = sys.stdout.isatty() and "NO_COLOR" not in os.environ
        session = Session(monitor, loaded, colour=colour, guard=guard or GuardPolicy())
        first = [session.start_log(log, uri=target.uri, qmp=str(target.qmp) if target.qmp else None)] if log else []
        schema = session.loaded.schema
        shell = Shell(
            session,
            target.describe(),
            completer=make_completer(session),
            history=open_history(mask=lambda line: mask_line(line, schema)),
            can_page=sys.stdout.isatty(),
            events_capacity=events_buffer,
            pane=None if pane == "off" else _placement(pane),
            # The same guest again, after libvirtd restarted or the guest was started again.
            reopen=lambda: target.open(events=True),
        )
        if session.guard.libvirt:
            first.append(taint_notice(target.describe(), colour))
        text = banner(target.describe(), version.value, loaded.source, len(loaded.schema.commands))
        await shell.run("\n".join([text, *first]))
    finally:
        if session is not None:
            session.stop_log()
        with contextlib.suppress(Exception):
            # The one in use: the shell may have reconnected since (and closed the first).
            await (session.monitor if session is not None else monitor).close()


def banner(name: str, version: object, source: str, commands: int) -> str:
    qemu = ""
    if isinstance(version, dict) and isinstance(version.get("qemu"), dict):
        numbers = version["qemu"]
        qemu = f" (QEMU {numbers.get('major')}.{numbers.get('minor')}.{numbers.get('micro')})"
    schema = {"cache": "schema from the cache", "guest": "schema from the guest"}.get(
        source, "no schema: arguments are not checked"
    )
    # Short lines: the transcript beside the events pane is about 80 columns wide.
    return (
        f"vdbgsh attached to {name}{qemu}\n"
        f"{commands} commands, {schema}. Type QMP (cmd key=value, or JSON) or HMP.\n"
        "help: the guest's commands; :help : the shell's own. Tab completes;\n"
        "F2 shows or hides the events pane, F3 picks an event; Ctrl-D leaves."
    )


def make_completer(session: Session) -> Completer:
    """Schema candidates at once; live values (ids, paths, device types) from the guest, off the UI's way."""
    # Through the session: the monitor is replaced when the shell reconnects.
    live = LiveValues(lambda command, arguments: session.monitor.execute(command, arguments))  # noqa: PLW0108
    # What a command created or removed should complete on the next Tab, not after the cache expires.
    session.observers.append(lambda _exchange: live.forget())
    return QMPCompleter(
        lambda: session.loaded.schema,
        live,
        {name: spec.summary for name, spec in META_COMMANDS.items()},
        meta_choices={name: spec.choices for name, spec in META_COMMANDS.items() if spec.choices},
        command_metas=("help", "h", "?"),
        bare_metas=tuple(BARE_WORDS),
        transaction=lambda: session.pending_transaction is not None,
    )


def _placement(pane: str) -> PaneSetting:
    return "right" if pane == "right" else "below" if pane == "below" else "auto"
