"""Putting the shell together for one guest: monitor, schema (cached per QEMU build), session, completer."""

from __future__ import annotations

import asyncio
import contextlib
import os
import sys
from collections.abc import Callable

from prompt_toolkit.completion import Completer
from prompt_toolkit.document import Document
from prompt_toolkit.history import History, InMemoryHistory

from vdbgsh.complete.live import LiveValues
from vdbgsh.complete.prompt_completer import QMPCompleter
from vdbgsh.guard.policy import GuardPolicy
from vdbgsh.render.messages import note_text, taint_notice
from vdbgsh.render.untrusted import untrusted_line
from vdbgsh.schema.loading import SchemaCache, load_schema
from vdbgsh.session import Session
from vdbgsh.syntax.meta import BARE_WORDS, META_COMMANDS
from vdbgsh.syntax.secrets import mask_line
from vdbgsh.transport import Target
from vdbgsh.transport.interruptible import LONG_WAIT, long_wait_note
from vdbgsh.ui.history_file import open_history
from vdbgsh.ui.layout import PaneSetting
from vdbgsh.ui.line_mode import LineShell, wants_line_mode
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
        # Before the shell is up, a QEMU that does not answer is said on stderr (else the terminal just hangs).
        slow = asyncio.get_running_loop().call_later(LONG_WAIT, _say_slow_start, monitor.libvirt)
        try:
            if target.agent:  # the agent has no introspection: its schema comes from guest-info and vdbgsh's data
                from vdbgsh.agent.schema import load_agent_schema

                loaded = await load_agent_schema(monitor)
            else:
                loaded = await load_schema(monitor, SchemaCache.default())
        finally:
            slow.cancel()
        line_mode = wants_line_mode()
        # As the terminal shows it (banner, prompt, toolbar): a name from argv or libvirt may hold bidi overrides,
        # which prompt_toolkit passes on (it escapes C0 and C1 only).
        shown = untrusted_line(target.describe())
        colour = sys.stdout.isatty() and "NO_COLOR" not in os.environ and not line_mode
        session = Session(monitor, loaded, colour=colour, guard=guard or GuardPolicy())
        if target.agent:
            from vdbgsh.ui import agent_shell

            agent_shell.prepare_agent_session(session)
        # What this shell adds, libvirt never knew of: the guard rails do not ask before it is removed again.
        session.observers.append(lambda exchange: session.guard.sent(exchange.request, exchange.reply.ok))
        first = [session.start_log(log, uri=target.uri, qmp=str(target.qmp) if target.qmp else None)] if log else []
        schema = session.loaded.schema
        if line_mode:  # TERM=dumb, or no terminal: the same session, line by line
            notices = [taint_notice(shown, colour)] if session.guard.libvirt else []
            text = banner(shown, loaded.version, loaded.source, len(loaded.schema.commands))
            text = "\n".join(text.split("\n")[:-2])  # no keys to tell of: no Tab, no panes
            if target.agent:
                notices = [agent_shell.agent_taint_notice(shown, colour)]
                text = agent_shell.agent_banner(shown, loaded, keys=False)
            lines = LineShell(session, shown, reopen=lambda: target.open(events=True))
            await lines.run("\n".join([text, *first, *notices]))
            return
        shell = Shell(
            session,
            shown,
            completer=agent_shell.AgentCompleter(make_completer(session), lambda: session.loaded.schema)
            if target.agent
            else make_completer(session),
            history=_history(lambda line: mask_line(line, schema), first, colour),
            can_page=sys.stdout.isatty(),
            events_capacity=events_buffer,
            pane=None if pane == "off" or target.agent else _placement(pane),  # the agent sends no events
            # The same guest again, after libvirtd restarted or the guest was started again.
            reopen=lambda: target.open(events=True),
        )
        if session.guard.libvirt:
            first.append(taint_notice(shown, colour))
        text = banner(shown, loaded.version, loaded.source, len(loaded.schema.commands))
        if target.agent:
            first[-1:] = [agent_shell.agent_taint_notice(shown, colour)]
            text = agent_shell.agent_banner(shown, loaded)
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
    from vdbgsh.hmp.versions import table_for
    from vdbgsh.schema.model import qemu_version

    hmp_note = table_for(qemu_version(version)).note
    # Short lines: the transcript beside the events pane is about 80 columns wide.
    return (
        f"vdbgsh attached to {name}{qemu}\n"
        f"{commands} commands, {schema}. Type QMP (cmd key=value, or JSON) or HMP.\n"
        + (f"note: {hmp_note}\n" if hmp_note else "")
        + "help: the guest's commands; :help : the shell's own. Tab completes;\n"
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
        late=_complete_again,
    )


def _complete_again(document: Document) -> None:
    """Live values that came after the menu was drawn (a slow guest, a busy machine): the menu is made again with
    them, if the line is still the one they were for."""
    from prompt_toolkit.application import get_app_or_none

    app = get_app_or_none()
    if app is None:
        return
    buffer = app.current_buffer
    if buffer.text == document.text and buffer.cursor_position == document.cursor_position:
        buffer.start_completion(select_first=False)


def _history(mask: Callable[[str], str], notes: list[str], colour: bool) -> History:
    """The history file; when it cannot be (XDG_STATE_HOME names a file, a read-only home), one for this shell
    only, and a note saying why: a debug shell must not fail to start over its history."""
    try:
        return open_history(mask=mask)
    except OSError as err:
        where = f" ({err.filename})" if err.filename else ""
        notes.append(
            note_text(f"history kept for this shell only: {err.strerror or err}{where}; check XDG_STATE_HOME", colour)
        )
        return InMemoryHistory()


def _say_slow_start(libvirt: bool) -> None:
    print(f"vdbgsh: {long_wait_note(LONG_WAIT, libvirt=libvirt)}", file=sys.stderr, flush=True)


def _placement(pane: str) -> PaneSetting:
    return "right" if pane == "right" else "below" if pane == "below" else "auto"
