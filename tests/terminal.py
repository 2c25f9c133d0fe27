"""Driving vdbgsh in a real terminal: tmux on a private server, polling the screen for text."""

from __future__ import annotations

import shlex
import subprocess
import time

from tests.conftest import VDBGSH


class Tmux:
    def __init__(self, name: str, width: int = 100, height: int = 30) -> None:
        # A server of its own: a server whose last session just ended may still be exiting when the next test
        # starts one on the same socket ("server exited unexpectedly").
        self.socket = f"vdbgsh-{name}"
        self.name = name
        self.width = width
        self.height = height

    def _tmux(self, *args: str) -> subprocess.CompletedProcess[str]:
        return subprocess.run(["tmux", "-L", self.socket, *args], capture_output=True, text=True, check=False)

    def start(self, *vdbgsh_args: str, env: dict[str, str] | None = None, outlive_ctrl_c: bool = False) -> None:
        """Run vdbgsh in a new window; when it exits the window shows EXIT=<status> and stays. ``outlive_ctrl_c``:
        the window's shell traps SIGINT with a handler (which vdbgsh does not inherit), so that a Ctrl-C sent to
        vdbgsh leaves it there to show vdbgsh's status."""
        exports = " ".join(f"{key}={shlex.quote(value)}" for key, value in (env or {}).items())
        trap = "trap 'true' INT; " if outlive_ctrl_c else ""
        command = f"{trap}{exports} {shlex.quote(VDBGSH)} {shlex.join(vdbgsh_args)}; echo EXIT=$?; sleep 600"
        result = self._tmux(
            "new-session",
            "-d",
            "-s",
            self.name,
            "-x",
            str(self.width),
            "-y",
            str(self.height),
            "env -u LIBVIRT_DEFAULT_URI TERM=xterm-256color bash -c " + shlex.quote(command),
        )
        assert result.returncode == 0, result.stderr

    def send(self, *keys: str) -> None:
        self._tmux("send-keys", "-t", self.name, *keys)

    def type_line(self, text: str) -> None:
        self._tmux("send-keys", "-t", self.name, "-l", text)
        self._tmux("send-keys", "-t", self.name, "Enter")

    def screen(self, *, joined: bool = True) -> str:
        """The screen and what scrolled off it; ``joined`` undoes the terminal's wrapping of long lines."""
        return self._tmux("capture-pane", "-t", self.name, "-p", *(["-J"] if joined else []), "-S", "-200").stdout

    def visible(self) -> list[str]:
        """The rows on the screen now, as the terminal shows them (wrapped, nothing that scrolled off)."""
        return self._tmux("capture-pane", "-t", self.name, "-p").stdout.splitlines()

    def wait_for(self, text: str, timeout: float = 20, count: int = 1) -> str:
        """Wait until ``text`` shows ``count`` times (the screen keeps earlier output, so say which one)."""
        deadline = time.monotonic() + timeout
        while time.monotonic() < deadline:
            shown = self.screen()
            if shown.count(text) >= count:
                return shown
            time.sleep(0.05)
        raise AssertionError(f"{text!r} did not appear within {timeout} s; the screen shows:\n{self.screen()}")

    def resize(self, width: int, height: int) -> None:
        self._tmux("resize-window", "-t", self.name, "-x", str(width), "-y", str(height))

    def kill(self) -> None:
        self._tmux("kill-server")
