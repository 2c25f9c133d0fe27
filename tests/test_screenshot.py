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
    """The words an SVG of rich's shows, one line of text per row of the screen."""
    return "\n".join(svg_rows(path))


_TEXT = re.compile(r'<text [^>]*\bx="([\d.]+)" y="([\d.]+)" textLength="([\d.]+)"[^>]*>([^<]*)</text>')


def svg_rows(path: Path) -> list[str]:
    """The picture's rows as a viewer draws them: each text element at its own column, its leading and trailing
    spaces dropped (SVG renderers may drop them: a picture that relied on them read ``guest-6f13( running)>``)."""
    placed: dict[float, list[tuple[float, str]]] = {}
    cell = 0.0
    for x, y, length, content in _TEXT.findall(path.read_text()):
        text = html.unescape(content).replace("\xa0", " ")
        if not cell and text:
            cell = float(length) / len(text)
        placed.setdefault(float(y), []).append((float(x), text.strip(" ")))
    rows = []
    for y in sorted(placed):
        row: list[str] = []
        for x, text in placed[y]:
            column = round(x / cell)
            row.extend(" " * (column + len(text) - len(row)))
            row[column : column + len(text)] = text
        rows.append("".join(row).rstrip())
    return rows


def test_the_readme_shows_the_shipped_picture() -> None:
    assert "![" in (ROOT / "README.md").read_text()
    assert "(docs/shell.svg)" in (ROOT / "README.md").read_text()
    shown = svg_text(ROOT / "docs" / "shell.svg")
    assert "(running)> info status" in shown
    assert "RESUME" in shown


def test_the_picture_is_taken_from_a_real_session(tmp_path: Path, qemu_facts: QemuFacts) -> None:
    picture = tmp_path / "shell.svg"
    screen = tmp_path / "screen.txt"
    subprocess.run(
        [sys.executable, "scripts/screenshot.py", "--output", str(picture), "--text", str(screen)],
        cwd=ROOT,
        check=True,
        timeout=120,
    )
    # The picture reads as the screen it was taken from, row by row, every space where it was.
    rows = [row.rstrip() for row in screen.read_text().rstrip("\n").split("\n")]
    drawn = svg_rows(picture)
    assert drawn[: len(rows)] == rows
    assert not any(drawn[len(rows) :])
    shown = svg_text(picture)
    assert "VM status: running" in shown
    assert f'"{qemu_facts.machine_type}"' in shown
    for event in ("DEVICE_DELETED", "STOP", "RESUME"):
        assert event in shown
    assert "max-bandwidth" in shown  # the completion menu, open
