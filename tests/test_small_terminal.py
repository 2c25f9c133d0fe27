"""The shell at 60x20: the completion menu never hides the line being typed (wrapped onto two rows too), and long
target names (a QMP socket's path, a scratch guest's generated name) are shortened in the prompt."""

from __future__ import annotations

import pytest

from tests.terminal import Tmux
from vdbgsh.guest.plain_qemu import PlainQemu
from vdbgsh.ui.prompt_name import prompt_name

pytestmark = pytest.mark.terminal(60, 20)

LONG_LINE = "blockdev-snapshot-sync snapshot-file=/var/lib/libvirt/images/overlay-of-the-root.qcow2 "


def _input_rows(rows: list[str], prompt: str) -> list[str]:
    """The rows of the input line: from the prompt's row down to the toolbar (the last row)."""
    start = max(index for index, row in enumerate(rows) if row.startswith(prompt))
    return rows[start:-1]


def test_the_menu_never_covers_the_wrapped_input_line(tmux: Tmux, shared_guest: str, home: dict[str, str]) -> None:
    prompt = f"{prompt_name(shared_guest, 60)} (running)>"
    tmux.start("attach", "--pane", "off", shared_guest, env=home)
    tmux.wait_for(prompt)
    tmux.send("-l", LONG_LINE)
    tmux.wait_for("snapshot-node-name")  # the menu of the arguments left is up
    rows = tmux.visible()
    assert any(row.startswith(prompt) for row in rows), "the menu hides the prompt's row:\n" + "\n".join(rows)
    first, *wrapped = _input_rows(rows, prompt)
    typed = first.rstrip() + "".join(row.strip() for row in wrapped)
    # Every row of the input shows what was typed, the menu above them (the wrapped rows indent under the prompt).
    assert typed == f"{prompt} {LONG_LINE}".rstrip(), "\n".join(rows)
    assert wrapped, "the line was meant to wrap: make LONG_LINE longer"
    menu_rows = [index for index, row in enumerate(rows) if "snapshot-node-name" in row]
    assert max(menu_rows) < rows.index(next(row for row in rows if row.startswith(prompt)))


def test_a_guests_long_name_is_shortened_in_the_prompt(tmux: Tmux, shared_guest: str, home: dict[str, str]) -> None:
    tmux.start("attach", "--pane", "off", shared_guest, env=home)
    shown = prompt_name(shared_guest, 60)
    assert len(shown) <= 20
    prompt_row = tmux.wait_for(f"{shown} (running)>").splitlines()
    row = next(line for line in prompt_row if line.startswith(f"{shown} (running)>"))
    assert len(row.rstrip()) <= 32
    assert shared_guest in tmux.visible()[-1] or shown in tmux.visible()[-1]  # the toolbar names it


def test_a_qmp_sockets_path_is_shortened_to_its_file_name(tmux: Tmux, qemu: PlainQemu, home: dict[str, str]) -> None:
    target = f"unix:{qemu.socket_path}"
    assert len(target) > 20
    tmux.start("attach", "--pane", "off", "--qmp", target, env=home)
    shown = prompt_name(target, 60)
    assert shown == "…/" + str(qemu.socket_path).rsplit("/", 1)[-1] or len(shown) <= 20
    tmux.wait_for(f"{shown} (running)>")
    tmux.send("-l", "query-sta")
    tmux.wait_for("query-status")


def test_prompt_names() -> None:
    assert prompt_name("g1", 60) == "g1"
    assert prompt_name("vdbgsh-scratch-4242-6f13ab", 60) == "scratch-4242-6f13ab"
    assert prompt_name("vdbgsh-scratch-4242-6f13ab", 100) == "vdbgsh-scratch-4242-6f13ab"
    assert prompt_name("unix:/tmp/pytest-of-root/pytest-3/test_qmp0/qmp.sock", 60) == "…/qmp.sock"
    cut = prompt_name("a-guest-with-a-name-much-too-long-to-show", 60)
    assert len(cut) == 20
    assert cut.startswith("a-guest-")
    assert cut.endswith("-to-show")
