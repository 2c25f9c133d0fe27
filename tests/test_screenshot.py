"""The README's picture is a real capture: the script that makes it runs a real session in tmux and renders it."""

from __future__ import annotations

import html
import re
import subprocess
import sys
from pathlib import Path

from tests.guest_facts import QemuFacts

ROOT = Path(__file__).resolve().parent.parent


def svg_text(path: Path) -> str:
    """The words an SVG of rich's shows, one string per line of the screen."""
    return html.unescape("".join(re.findall(r">([^<>]*)</text>", path.read_text()))).replace("\xa0", " ")


def test_the_readme_shows_the_shipped_picture() -> None:
    assert "![" in (ROOT / "README.md").read_text()
    assert "(docs/shell.svg)" in (ROOT / "README.md").read_text()
    shown = svg_text(ROOT / "docs" / "shell.svg")
    assert "(running)> info status" in shown
    assert "RESUME" in shown


def test_the_picture_is_taken_from_a_real_session(tmp_path: Path, qemu_facts: QemuFacts) -> None:
    picture = tmp_path / "shell.svg"
    subprocess.run(
        [sys.executable, "scripts/screenshot.py", "--output", str(picture)], cwd=ROOT, check=True, timeout=120
    )
    shown = svg_text(picture)
    assert "VM status: running" in shown
    assert f'"{qemu_facts.machine_type}"' in shown
    for event in ("DEVICE_DELETED", "STOP", "RESUME"):
        assert event in shown
    assert "max-bandwidth" in shown  # the completion menu, open
