"""The shell in a real terminal (tmux) on a real guest: completion with Tab, running, paging, Ctrl-C while a
command hangs, history search, a small and a resized terminal."""

from __future__ import annotations

import os
import signal
import time
from pathlib import Path

from tests.guest_facts import QemuFacts
from tests.terminal import Tmux


def test_tab_completes_a_command_then_its_arguments(
    tmux: Tmux, shared_guest: str, home: dict[str, str], qemu_facts: QemuFacts
) -> None:
    prompt = f"{shared_guest} (running)>"
    tmux.start("attach", shared_guest, env=home)
    tmux.wait_for(prompt)
    # Each Tab waits for its menu: the menu is filled in the background, and a loaded machine can be slow.
    tmux.send("-l", "qom-ge")
    tmux.wait_for("{path, property} → any")
    tmux.send("Tab")
    tmux.wait_for(f"{prompt} qom-get")
    tmux.send("-l", " pa")
    tmux.wait_for("required · str")
    tmux.send("Tab")
    tmux.wait_for(f"{prompt} qom-get path=")
    tmux.send("-l", "/machine pro")
    tmux.wait_for("property*")
    tmux.send("Tab")
    tmux.wait_for(f"{prompt} qom-get path=/machine property=")
    tmux.send("-l", "ty")
    tmux.wait_for("smbios-entry-point-type")  # the guest's properties of /machine, in the menu: type first
    tmux.send("Tab")
    tmux.wait_for(f"{prompt} qom-get path=/machine property=type")
    tmux.send("Enter")
    tmux.wait_for(f'"{qemu_facts.machine_type}"')


def test_the_menu_shows_types_and_required_marks(tmux: Tmux, shared_guest: str, home: dict[str, str]) -> None:
    tmux.start("attach", shared_guest, env=home)
    tmux.wait_for(f"{shared_guest} (running)>")
    tmux.send("-l", "qom-get ")
    screen = tmux.wait_for("property*")
    assert "path*" in screen
    assert "required · str" in screen


def test_live_values_complete_device_types(tmux: Tmux, shared_guest: str, home: dict[str, str]) -> None:
    tmux.start("attach", shared_guest, env=home)
    tmux.wait_for(f"{shared_guest} (running)>")
    tmux.send("-l", "device_add driver=virtio-bal")
    tmux.wait_for("virtio-balloon-pci")


def test_ctrl_c_stops_waiting_for_a_hung_command(tmux: Tmux, guest: str, home: dict[str, str]) -> None:
    prompt = f"{guest} (running)>"
    tmux.start("attach", guest, env=home)
    tmux.wait_for(prompt)
    pid = int(Path(f"/var/run/libvirt/qemu/{guest}.pid").read_text())
    os.kill(pid, signal.SIGSTOP)  # QEMU cannot answer now
    try:
        tmux.type_line("query-name")
        # A Ctrl-C that reaches the prompt before the line is taken is read as a key; repeat until one lands
        # while the command waits (at the prompt, Ctrl-C only clears an empty line).
        for _ in range(60):
            tmux.send("C-c")
            if "stopped waiting for the reply" in tmux.screen():
                break
            time.sleep(0.3)
        tmux.wait_for("stopped waiting for the reply")
    finally:
        os.kill(pid, signal.SIGCONT)
    tmux.type_line("query-status")
    tmux.wait_for('"status": "running"')


def test_history_search_and_suggestion(
    tmux: Tmux, shared_guest: str, home: dict[str, str], qemu_facts: QemuFacts
) -> None:
    prompt = f"{shared_guest} (running)>"
    tmux.start("attach", shared_guest, env=home)
    tmux.wait_for(prompt)
    tmux.type_line("qom-get path=/machine property=type")
    tmux.wait_for(f'"{qemu_facts.machine_type}"')
    tmux.type_line("query-name")
    tmux.wait_for(prompt, count=3)
    tmux.send("C-r")
    tmux.send("-l", "property")
    tmux.wait_for("reverse-i-search")
    tmux.send("Enter")  # takes the found line into the prompt
    tmux.send("Enter")  # and runs it
    tmux.wait_for(f'"{qemu_facts.machine_type}"', count=2)
    tmux.send("-l", "qom-get pa")  # suggested from history, in grey after the cursor
    tmux.wait_for("qom-get path=/machine property=type", count=3)
    history = Path(home["XDG_STATE_HOME"]) / "vdbgsh" / "history"
    assert history.stat().st_mode & 0o777 == 0o600


def test_long_replies_are_paged(tmux: Tmux, shared_guest: str, home: dict[str, str]) -> None:
    tmux.start("attach", shared_guest, env=home)
    tmux.wait_for(f"{shared_guest} (running)>")
    tmux.type_line("query-qmp-schema")
    tmux.wait_for('"meta-type"')
    screen = tmux.wait_for(":")  # less waits at the end of the first page
    assert "(END)" not in screen
    tmux.send("q")
    tmux.wait_for(f" {shared_guest} · running")  # the shell's toolbar: back from the pager
    tmux.type_line("query-name")  # and the shell goes on
    tmux.wait_for(f'"name": "{shared_guest}"')


def test_usable_at_80x24_and_after_a_resize(tmux: Tmux, shared_guest: str, home: dict[str, str]) -> None:
    prompt = f"{shared_guest} (running)>"
    tmux.start("attach", shared_guest, env=home)
    tmux.wait_for(prompt)
    tmux.type_line(":output table")
    tmux.type_line("query-chardev")
    tmux.wait_for("charmonitor")
    assert all(len(line) <= 80 for line in tmux.screen(joined=False).splitlines())
    # A long line (the question before a stop) breaks into rows at blanks, never inside a word.
    tmux.type_line("stop")
    tmux.wait_for("[y/N]")
    tmux.send("n")
    tmux.wait_for("cancelled: stop was not sent")
    rows = tmux.visible()
    words = {word for row in rows for word in row.split()}
    question = "it learns of it only from QEMU's STOP event and reports 'paused (unknown)', and a save, snapshot"
    assert all(word in words for word in question.split()), "\n".join(rows)
    tmux.resize(120, 30)
    tmux.type_line("query-name")
    tmux.wait_for(f'"name": "{shared_guest}"')
    tmux.resize(60, 20)
    tmux.type_line("query-status")
    screen = tmux.wait_for('"status": "running"')
    assert "Traceback" not in screen


def test_hmp_lines_complete_translate_and_show_like_hmp(
    tmux: Tmux, shared_guest: str, home: dict[str, str], qemu_facts: QemuFacts
) -> None:
    prompt = f"{shared_guest} (running)>"
    tmux.start("attach", shared_guest, env=home)
    tmux.wait_for(prompt)
    tmux.send("-l", "info statu")
    tmux.wait_for("HMP · → query-status")  # the menu names the QMP command the line becomes
    tmux.send("Tab")
    tmux.wait_for(f"{prompt} info status")
    tmux.send("Enter")
    tmux.wait_for('→ {"execute":"query-status"}')
    tmux.wait_for("VM status: running")
    tmux.type_line("x/2xb 0")
    tmux.wait_for("note: HMP only")
    tmux.wait_for(qemu_facts.xp_address(0) + ":")
