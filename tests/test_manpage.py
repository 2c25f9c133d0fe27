"""The man page: generated from the parser (stale when it differs), and read through the real man(1)."""

from __future__ import annotations

import os
import re
import subprocess
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
PAGE = ROOT / "man" / "vdbgsh.1"


def test_the_shipped_page_is_what_the_parser_says(tmp_path: Path) -> None:
    fresh = tmp_path / "vdbgsh.1"
    subprocess.run([sys.executable, "scripts/gen_manpage.py", "--output", str(fresh)], cwd=ROOT, check=True)
    assert fresh.read_text() == PAGE.read_text(), "man/vdbgsh.1 is stale: run `make man` and commit it"


def test_man_shows_every_command_option_and_meta_command() -> None:
    shown = subprocess.run(
        ["man", "-l", str(PAGE)],
        env={**os.environ, "MANWIDTH": "100", "MANPAGER": "cat", "PAGER": "cat"},
        capture_output=True,
        text=True,
        check=True,
    )
    assert shown.stderr == ""  # no roff warnings
    text = re.sub(".\x08", "", shown.stdout)  # overstrike bold and underline, as a terminal shows them
    for heading in ("NAME", "SYNOPSIS", "COMMANDS", "SHELL", "FILES", "ENVIRONMENT", "EXIT STATUS"):
        assert f"\n{heading}\n" in text
    for command in ("exec", "list", "attach", "translate", "events", "replay"):
        assert f"vdbgsh {command} [-h]" in text
    for option in ("--read-only", "--events-buffer", "--dry-run", "--no-case", "--log FILE"):
        assert option in text
    for meta in (":events", ":translate LINE", ":output pretty|compact|table", ":wait EVENT", ":copy json|virsh|hmp"):
        assert meta in text
    assert "F2" in text
    assert "show or hide the events pane" in text


def test_roff_is_clean() -> None:
    checked = subprocess.run(["groff", "-ww", "-z", "-man", str(PAGE)], capture_output=True, text=True, check=False)
    assert (checked.returncode, checked.stderr) == (0, "")


def test_install_man_puts_it_where_man_looks(tmp_path: Path) -> None:
    data = tmp_path / "share"
    env = {**os.environ, "XDG_DATA_HOME": str(data)}
    subprocess.run(["make", "-s", "install-man"], cwd=ROOT, env=env, check=True, capture_output=True)
    installed = data / "man" / "man1" / "vdbgsh.1"
    assert installed.read_text() == PAGE.read_text()
    found = subprocess.run(["man", "-M", str(data / "man"), "-w", "vdbgsh"], capture_output=True, text=True, check=True)
    assert found.stdout.strip() == str(installed)
