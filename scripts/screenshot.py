"""The README's picture: the shell on a real guest in a real terminal (tmux), captured with its colours and rendered
to an SVG image.

    .venv/bin/python scripts/screenshot.py [--output docs/shell.svg] [--text SCREEN.txt]   (make screenshot)

It starts a transient guest on qemu:///system, opens ``vdbgsh attach`` on it in a tmux of its own at 132x34, types a
short session (HMP and QMP lines, a device added and removed, the guest paused and resumed from a second
connection so that the events pane fills), leaves a completion menu open, captures the screen (``capture-pane -e``)
and renders it with rich. The guest is destroyed at the end, whatever happens. ``--text`` also writes the screen as
tmux showed it (plain), for tests/test_screenshot.py to hold the picture's text against.
"""

from __future__ import annotations

import argparse
import io
import os
import secrets
import shlex
import subprocess
import sys
import time
from pathlib import Path

import libvirt
import libvirt_qemu
from rich.console import Console
from rich.segment import Segment, Segments
from rich.text import Text

from vdbgsh.guest.libvirt_guest import create_transient, destroy_quietly
from vdbgsh.transport.libvirt_errors import silence_libvirt

ROOT = Path(__file__).resolve().parent.parent
OUTPUT = ROOT / "docs" / "shell.svg"
VDBGSH = str(Path(sys.executable).parent / "vdbgsh")
WIDTH, HEIGHT = 132, 34


class Terminal:
    def __init__(self) -> None:
        self.socket = f"vdbgsh-shot-{os.getpid()}"

    def tmux(self, *args: str) -> str:
        return subprocess.run(["tmux", "-L", self.socket, *args], capture_output=True, text=True, check=True).stdout

    def start(self, command: str) -> None:
        shell = f"env TERM=xterm-256color COLORTERM=truecolor sh -c {shlex.quote(command + '; sleep 600')}"
        self.tmux("new-session", "-d", "-s", "shot", "-x", str(WIDTH), "-y", str(HEIGHT), shell)

    def screen(self, *, colours: bool = False) -> str:
        return self.tmux("capture-pane", "-t", "shot", "-p", *(["-e"] if colours else []))

    def wait_for(self, text: str, timeout: float = 30) -> None:
        deadline = time.monotonic() + timeout
        while text not in self.screen():
            if time.monotonic() > deadline:
                raise SystemExit(f"screenshot: {text!r} did not show; the screen:\n{self.screen()}")
            time.sleep(0.05)

    def type(self, line: str, *, enter: bool = True, wait: str = "") -> None:
        self.tmux("send-keys", "-t", "shot", "-l", line)
        if enter:
            self.tmux("send-keys", "-t", "shot", "Enter")
        if wait:
            self.wait_for(wait)

    def kill(self) -> None:
        subprocess.run(["tmux", "-L", self.socket, "kill-server"], capture_output=True, check=False)


def session(terminal: Terminal, dom: libvirt.virDomain, name: str) -> None:
    terminal.start(f"{shlex.quote(VDBGSH)} attach --yes {shlex.quote(name)}")
    terminal.wait_for(f"{name} (running)>")
    terminal.type("info status", wait="VM status: running")
    terminal.type("qom-get path=/machine property=type", wait="pc-i440fx")
    terminal.type("device_add driver=usb-kbd id=kbd1", wait="{}")
    terminal.type("device_del id=kbd1", wait="DEVICE_DELETED")
    for command in ("stop", "cont"):  # from elsewhere: what the pane is for
        libvirt_qemu.qemuMonitorCommand(dom, f'{{"execute": "{command}"}}', 0)
    terminal.wait_for("RESUME")
    terminal.type(":output table")
    terminal.type("query-cpus-fast", wait="thread-id")
    terminal.type("migrate-set-parameters max-b", enter=False, wait="max-bandwidth")
    time.sleep(0.5)  # the menu's live part settles


def stable_capture(terminal: Terminal) -> tuple[str, str]:
    """The screen plain and with its colours, the same screen both (taken again while something still moved)."""
    for _ in range(50):
        plain = terminal.screen()
        coloured = terminal.screen(colours=True)
        if terminal.screen() == plain:
            return plain, coloured
        time.sleep(0.1)
    raise SystemExit("screenshot: the screen did not settle")


def spaces_apart(segments: list[Segment]) -> list[Segment]:
    """Each segment's leading and trailing spaces as segments of their own. rich's SVG places every segment at its
    column, but writes a run of spaces as no text at all and the rest as it is: a segment like " (" started its text
    element with a space, which SVG renderers may drop, and the picture read ``guest-6f13( running)>``."""
    apart: list[Segment] = []
    for segment in segments:
        text = segment.text
        core = text.strip(" ")
        if not core or segment.control:
            apart.append(segment)
            continue
        lead = len(text) - len(text.lstrip(" "))
        trail = len(text) - len(text.rstrip(" "))
        pieces = (text[:lead], core, text[len(text) - trail :] if trail else "")
        apart.extend(Segment(piece, segment.style) for piece in pieces if piece)
    return apart


def render(ansi: str, output: Path, title: str) -> None:
    console = Console(record=True, width=WIDTH, file=io.StringIO(), color_system="truecolor", force_terminal=True)
    lines = ansi.rstrip("\n").split("\n")
    segments: list[Segment] = []
    for number, line in enumerate(lines):
        text = Text.from_ansi(line)
        text.truncate(WIDTH, overflow="crop")
        segments.extend(spaces_apart(list(text.render(console))))
        if number < len(lines) - 1:
            segments.append(Segment.line())
    console.print(Segments(segments), crop=True, soft_wrap=False)
    output.parent.mkdir(parents=True, exist_ok=True)
    console.save_svg(str(output), title=title)


def main(argv: list[str]) -> int:
    arguments = argparse.ArgumentParser(prog="screenshot.py", description="the README's picture of the shell")
    arguments.add_argument("--output", type=Path, default=OUTPUT)
    arguments.add_argument("--text", type=Path, help="also write the screen, as tmux showed it, to this file")
    parsed = arguments.parse_args(argv)
    output = parsed.output
    silence_libvirt()
    conn = libvirt.open("qemu:///system")
    name = f"guest-{secrets.token_hex(2)}"
    terminal = Terminal()
    try:
        dom = create_transient(conn, name)
        session(terminal, dom, name)
        plain, coloured = stable_capture(terminal)
        render(coloured, output, f"vdbgsh attach {name}")
        if parsed.text:
            parsed.text.write_text(plain)
    finally:
        terminal.kill()
        destroy_quietly(conn, name)
        conn.close()
    print(f"screenshot: wrote {output}")
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
