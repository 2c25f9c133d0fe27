"""The real bash (with bash-completion), zsh and fish completing a ``vdbgsh`` command line, with the scripts installed
by ``make install-completions`` into a user's directories of the test's own.

bash and zsh complete only when interactive, so they run in a pseudo-terminal: the line is typed, Tab pressed, and
the candidates written to a file by a wrapper around completion (bash: the function ``complete -F`` names; zsh:
compadd, through which every completion function adds its matches). fish completes a line on request
(``complete -C``). "bash-sourced" and "zsh-sourced" source the script from the rc file instead of leaving it to
the shell's loader (bash without bash-completion). Each shell finds the venv's vdbgsh on its PATH.
"""

from __future__ import annotations

import fcntl
import os
import select
import struct
import subprocess
import termios
import time
from pathlib import Path

from tests.conftest import VDBGSH

ROOT = Path(__file__).resolve().parent.parent
SHELLS = ("bash", "zsh", "fish")
# The script sourced from the shell's rc file instead of found by the shell's loader (bash without bash-completion).
SOURCED = ("bash-sourced", "zsh-sourced")
BASH_COMPLETION = Path("/usr/share/bash-completion/bash_completion")
PROMPT = "READY> "

BASH_RC = """
PS1='READY> '
bind 'set bell-style none'
{load}
_captured() {{
    _vdbgsh "$@"
    printf '%s\\n' "${{COMPREPLY[@]}}" | grep -v '^$' >{capture}.part
    mv {capture}.part {capture}
}}
complete -F _captured vdbgsh
"""
# What bash-completion does on the first Tab for vdbgsh: look under $XDG_DATA_HOME/bash-completion/completions.
BASH_LOADS = "source {bash_completion}\n__load_completion vdbgsh || echo 'no completion for vdbgsh found' >{capture}"
BASH_SOURCES = "source {script}"  # without bash-completion, from ~/.bashrc

ZSH_RC = """
PS1='READY> '
{load}
unsetopt auto_list list_ambiguous list_beep beep auto_menu  # matches are computed, nothing is listed
compadd() {{
    # Calls with -O, -A or -D only compute; capture the matches of those that add.
    local -a options=("${{(@)argv[1,${{argv[(i)--]}}-1]}}") captured
    if (( ${{options[(I)-[OAD]*]}} )); then
        builtin compadd "$@"
        return
    fi
    builtin compadd -O captured "$@"
    (( $#captured )) && print -rl -- $captured >>{capture}.part
    builtin compadd "$@"
}}
_captured_complete() {{
    : >|{capture}.part
    zle complete-word
    mv {capture}.part {capture}
}}
zle -N _captured_complete
bindkey '^I' _captured_complete
"""
ZSH_AUTOLOADS = "fpath=({site_functions} $fpath)\nautoload -Uz compinit && compinit -u -D"  # _vdbgsh found on $fpath
ZSH_SOURCES = "autoload -Uz compinit && compinit -u -D\nsource {script}"


class Home:
    """A user's XDG directories with vdbgsh's completions installed by ``make install-completions``."""

    def __init__(self, root: Path) -> None:
        self.root = root
        self.data = root / "share"
        self.config = root / "config"
        self.capture = root / "capture"

    @property
    def bash_script(self) -> Path:
        return self.data / "bash-completion" / "completions" / "vdbgsh"

    @property
    def zsh_site_functions(self) -> Path:
        return self.data / "zsh" / "site-functions"

    @property
    def fish_script(self) -> Path:
        return self.config / "fish" / "completions" / "vdbgsh.fish"

    def install(self) -> None:
        env = self.environment()
        subprocess.run(["make", "-s", "install-completions"], cwd=ROOT, env=env, check=True, capture_output=True)

    def install_scripts(self, scripts: dict[str, str]) -> None:
        """Scripts of another parser, where make install-completions puts vdbgsh's."""
        for name, path in (
            ("vdbgsh.bash", self.bash_script),
            ("_vdbgsh", self.zsh_site_functions / "_vdbgsh"),
            ("vdbgsh.fish", self.fish_script),
        ):
            path.parent.mkdir(parents=True, exist_ok=True)
            path.write_text(scripts[name])

    def environment(self, extra: dict[str, str] | None = None) -> dict[str, str]:
        drop = ("LIBVIRT_DEFAULT_URI", "BASH_COMPLETION_USER_DIR", "PREFIX", "DESTDIR", "MAKEFLAGS", "MAKELEVEL")
        env = {key: value for key, value in os.environ.items() if key not in drop}
        env.update(
            PATH=f"{Path(VDBGSH).parent}:{env.get('PATH', '/usr/bin:/bin')}",
            XDG_DATA_HOME=str(self.data),
            XDG_CONFIG_HOME=str(self.config),
            XDG_CACHE_HOME=str(self.root / "cache"),  # no cached schema: QMP names from the shipped one
            ZDOTDIR=str(self.root),
            TERM="xterm",
        )
        env.update(extra or {})
        return env

    def complete(self, shell: str, line: str, env: dict[str, str] | None = None, cwd: Path | None = None) -> list[str]:
        """What ``shell`` offers for Tab at the end of ``line``."""
        environment = self.environment(env)
        if shell == "fish":
            result = subprocess.run(
                ["fish", "-c", "complete -C $argv[1]", line],
                env=environment,
                cwd=cwd,
                capture_output=True,
                text=True,
                timeout=60,
                check=False,
            )
            assert result.returncode == 0, result.stderr
            return [candidate.split("\t")[0] for candidate in result.stdout.splitlines()]
        if shell.startswith("bash"):
            load = BASH_SOURCES if shell == "bash-sourced" else BASH_LOADS
            rc = self.root / "bashrc"
            rc.write_text(
                BASH_RC.format(
                    load=load.format(bash_completion=BASH_COMPLETION, capture=self.capture, script=self.bash_script),
                    capture=self.capture,
                )
            )
            argv = ["bash", "--noprofile", "--rcfile", str(rc), "-i"]
        else:
            load = ZSH_SOURCES if shell == "zsh-sourced" else ZSH_AUTOLOADS
            script = self.zsh_site_functions / "_vdbgsh"
            (self.root / ".zshrc").write_text(
                ZSH_RC.format(
                    load=load.format(site_functions=self.zsh_site_functions, script=script), capture=self.capture
                )
            )
            argv = ["zsh", "-d", "-i"]
        return _complete_in_terminal(argv, environment, line, self.capture, cwd)


def _complete_in_terminal(
    argv: list[str], env: dict[str, str], line: str, capture: Path, cwd: Path | None, *, timeout: float = 60
) -> list[str]:
    capture.unlink(missing_ok=True)
    main_fd, child_fd = os.openpty()
    fcntl.ioctl(child_fd, termios.TIOCSWINSZ, struct.pack("HHHH", 50, 200, 0, 0))
    # setsid -c: the shell leads a session of its own with the terminal as its controlling one, as in a terminal.
    process = subprocess.Popen(
        ["setsid", "-c", *argv], stdin=child_fd, stdout=child_fd, stderr=child_fd, env=env, cwd=cwd, close_fds=True
    )
    os.close(child_fd)
    shown = b""
    deadline = time.monotonic() + timeout
    try:
        typed = False
        while not capture.exists():
            if time.monotonic() > deadline:
                raise AssertionError(
                    f"{argv[0]} gave no candidates for {line!r}; the terminal shows:\n{shown.decode()}"
                )
            if select.select([main_fd], [], [], 0.05)[0]:
                try:
                    shown += os.read(main_fd, 65536)
                except OSError:  # EIO: the shell went away
                    raise AssertionError(f"{argv[0]} exited; the terminal shows:\n{shown.decode()}") from None
            if not typed and PROMPT.encode() in shown:
                os.write(main_fd, line.encode() + b"\t")
                typed = True
        # Once each: zsh's _files may add a match in two passes (as a directory, then as a file).
        return list(dict.fromkeys(capture.read_text().splitlines()))
    finally:
        process.kill()
        process.wait(10)
        os.close(main_fd)
