"""The shell's keys, beyond prompt_toolkit's Emacs defaults (editing, Ctrl-R search, history); Tab: ui/tab_key.py."""

from __future__ import annotations

import asyncio
from typing import Protocol

from prompt_toolkit.buffer import Buffer
from prompt_toolkit.filters import Condition, has_focus, is_searching
from prompt_toolkit.key_binding import KeyBindings, KeyPressEvent, merge_key_bindings
from prompt_toolkit.key_binding.bindings.auto_suggest import load_auto_suggest_bindings
from prompt_toolkit.key_binding.key_bindings import KeyBindingsBase

from vdbgsh.events.view import EventsView
from vdbgsh.ui.json_continuation import json_is_open
from vdbgsh.ui.layout import ShellScreen
from vdbgsh.ui.tab_key import TabKey
from vdbgsh.ui.transcript_search import TranscriptSearch, search_key_bindings
from vdbgsh.ui.watch import Watcher, watch_key_bindings


class Shell(Protocol):
    """What the keys act on: the shell (ui/shell.py), described here so that the keys need not import the module
    that builds them."""

    screen: ShellScreen
    buffer: Buffer
    events: EventsView
    question: tuple[str, asyncio.Future[bool]] | None
    tab_key: TabKey
    finder: TranscriptSearch
    watcher: Watcher

    @property
    def answerable(self) -> bool: ...
    @property
    def busy(self) -> bool: ...
    def answer(self, yes: bool) -> None: ...
    def abandon_line(self) -> None: ...
    def clear_events(self) -> None: ...
    def focus_input(self) -> None: ...
    def focus_pane(self) -> None: ...
    def leave(self) -> None: ...
    def pause_events(self, paused: bool) -> None: ...
    def show_selected_event(self) -> None: ...
    def stop_waiting(self) -> None: ...
    def toggle_pane(self) -> None: ...


# What the keys below (and prompt_toolkit's own) do, for :help and the man page.
KEY_HELP: tuple[tuple[str, str], ...] = (
    ("Tab", "insert what the completions share (a menu also opens as you type); again: step through the menu"),
    ("Enter", "run the line; inside an open JSON request, a new line"),
    ("Ctrl-C", "clear the line; while a command runs, stop waiting for it (lines typed meanwhile are dropped)"),
    ("Ctrl-D", "leave (on an empty line), after the lines already typed have run"),
    ("Ctrl-R", "search the history backwards; Right takes the grey suggestion from history"),
    ("Ctrl-F", "find in the transcript: matches highlighted as you type; Enter or Up: older, Down: newer; Esc: back"),
    ("PageUp, PageDown", "scroll the transcript; Ctrl-End (or PageDown to the end) follows it again"),
    ("F2", "show or hide the events pane; while hidden the toolbar counts unseen events"),
    ("F3", "move into the events pane to pick an event, and back"),
    ("in the pane: Up, Down, Home, End", "pick an event; Enter shows it whole as JSON in the transcript"),
    ("in the pane: p, c, Esc", "pause or resume the pane, clear it, go back to typing"),
    ("y", "when the shell asks before a command: send it (any other key cancels)"),
)


def shell_key_bindings(shell: Shell) -> KeyBindingsBase:
    keys = KeyBindings()
    screen = shell.screen
    buffer = shell.buffer
    typing = has_focus(buffer) & ~is_searching
    in_pane = Condition(screen.pane_focused)
    # Asking only once the question is on the screen: keys typed before then are typing (typeahead), not answers.
    asking = Condition(lambda: shell.answerable)

    @keys.add("enter", filter=typing & ~asking)
    def _enter(event: KeyPressEvent) -> None:
        # Enter inserts a newline only while a JSON request is still open.
        if json_is_open(buffer.text):
            buffer.newline(copy_margin=False)
        else:
            buffer.validate_and_handle()

    @keys.add("c-c", filter=~is_searching)
    def _interrupt(event: KeyPressEvent) -> None:
        if shell.question is not None:
            shell.answer(False)
        elif screen.pane_focused():
            shell.focus_input()
        elif shell.busy:
            shell.stop_waiting()
        elif buffer.text:
            shell.abandon_line()

    @keys.add("tab", filter=typing & ~asking)
    def _complete(event: KeyPressEvent) -> None:
        shell.tab_key.press()

    @keys.add("c-d", filter=typing & Condition(lambda: not buffer.text))
    def _leave(event: KeyPressEvent) -> None:
        shell.leave()

    @keys.add("<any>", filter=asking, eager=True)
    def _answer(event: KeyPressEvent) -> None:
        shell.answer(event.data.lower() == "y")

    @keys.add("f2")
    def _toggle_pane(event: KeyPressEvent) -> None:
        shell.toggle_pane()

    @keys.add("f3")
    def _pick(event: KeyPressEvent) -> None:
        if screen.pane_focused():
            shell.focus_input()
        else:
            shell.focus_pane()

    @keys.add("pageup", filter=~in_pane)
    def _page_up(event: KeyPressEvent) -> None:
        screen.transcript_control.page_up()

    @keys.add("pagedown", filter=~in_pane)
    def _page_down(event: KeyPressEvent) -> None:
        screen.transcript_control.page_down()

    @keys.add("c-end", filter=~in_pane)
    def _follow(event: KeyPressEvent) -> None:
        screen.transcript_control.follow()

    finding = search_key_bindings(lambda: shell.finder, typing & ~asking)
    watching = watch_key_bindings(lambda: shell.watcher)
    return merge_key_bindings(
        # While :watch redraws, any key stops it: last, so it goes first.
        [load_auto_suggest_bindings(), keys, _pane_key_bindings(shell), finding, _held_tab(shell), watching]
    )


def _held_tab(shell: Shell) -> KeyBindings:
    """While a Tab waits for its completions, the keys after it wait too (ui/tab_key.py): last, so it goes first."""
    keys = KeyBindings()

    @keys.add("<any>", filter=Condition(lambda: shell.tab_key.holding), eager=True)
    def _wait(event: KeyPressEvent) -> None:
        shell.tab_key.queue(event.key_sequence)

    return keys


def _pane_key_bindings(shell: Shell) -> KeyBindings:
    """In the events pane: move, show one whole, pause, clear, and back to typing."""
    keys = KeyBindings()
    screen = shell.screen
    view = shell.events
    in_pane = Condition(screen.pane_focused)

    def page() -> int:
        info = screen.events_window.render_info
        return max(1, info.window_height - 1) if info is not None else 10

    @keys.add("up", filter=in_pane)
    def _older(event: KeyPressEvent) -> None:
        view.select(-1)

    @keys.add("down", filter=in_pane)
    def _newer(event: KeyPressEvent) -> None:
        view.select(1)

    @keys.add("pageup", filter=in_pane)
    def _older_page(event: KeyPressEvent) -> None:
        view.select(
            -max(1, screen.events_window.render_info.window_height - 1 if screen.events_window.render_info else 10)
        )

    @keys.add("pagedown", filter=in_pane)
    def _newer_page(event: KeyPressEvent) -> None:
        view.select(
            max(1, screen.events_window.render_info.window_height - 1 if screen.events_window.render_info else 10)
        )

    @keys.add("home", filter=in_pane)
    def _oldest(event: KeyPressEvent) -> None:
        view.select_end(newest=False)

    @keys.add("end", filter=in_pane)
    def _newest(event: KeyPressEvent) -> None:
        view.select_end(newest=True)

    @keys.add("enter", filter=in_pane)
    def _show(event: KeyPressEvent) -> None:
        shell.show_selected_event()

    @keys.add("p", filter=in_pane)
    def _pause(event: KeyPressEvent) -> None:
        shell.pause_events(not view.paused)

    @keys.add("c", filter=in_pane)
    def _clear(event: KeyPressEvent) -> None:
        shell.clear_events()

    @keys.add("escape", filter=in_pane, eager=True)
    @keys.add("q", filter=in_pane)
    def _back(event: KeyPressEvent) -> None:
        shell.focus_input()

    return keys
