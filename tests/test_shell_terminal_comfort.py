"""The shell in a person's hands (issue 13), in a real terminal (tmux) on a real guest: scrolling the transcript,
the events pane's lines, long JSON lines, history search and Tab."""

from __future__ import annotations

import json
import re
import time
from collections.abc import Callable
from typing import Any

import libvirt

from tests.conftest import unique_name
from tests.guest_facts import QemuFacts
from tests.terminal import Tmux
from tests.test_events import qmp
from tests.test_events_pane import pane_column


def _transcript_rows(tmux: Tmux) -> list[str]:
    """The rows above the input line (the pane is below the transcript at 80 columns, hidden here)."""
    rows = tmux.visible()
    prompt_row = max(index for index, row in enumerate(rows) if "(running)>" in row)
    return rows[:prompt_row]


def _until(condition: Callable[[], bool], tmux: Tmux, timeout: float = 20) -> None:
    deadline = time.monotonic() + timeout
    while not condition():
        assert time.monotonic() < deadline, "\n".join(tmux.visible())
        time.sleep(0.05)


def _wait_for_the_pager(tmux: Tmux) -> None:
    _until(lambda: tmux.visible()[-1:] == [":"], tmux)  # less waits at the end of its first page


def test_scrolling_back_stops_at_the_first_line(tmux: Tmux, shared_guest: str, home: dict[str, str]) -> None:
    _attached(tmux, shared_guest, home, events=False)
    tmux.type_line("help")
    _wait_for_the_pager(tmux)
    tmux.send("q")
    tmux.wait_for(f" {shared_guest} · running")
    for _ in range(30):
        tmux.send("PageUp")
    tmux.wait_for("more lines (Ctrl-End)")
    rows = _transcript_rows(tmux)
    assert rows[0].strip(), "\n".join(rows)  # the first line at the top: no blank space above it
    assert sum(1 for row in rows if row.strip()) > len(rows) // 2, "\n".join(rows)
    first = rows[0]
    tmux.send("PageUp")
    assert _transcript_rows(tmux)[0] == first  # no further
    tmux.send("C-End")
    _until(lambda: "more lines" not in "\n".join(_transcript_rows(tmux)), tmux)


def test_a_short_transcript_does_not_scroll_into_blank_rows(
    tmux: Tmux, shared_guest: str, home: dict[str, str]
) -> None:
    prompt = _attached(tmux, shared_guest, home, events=False)
    tmux.type_line("query-name")
    tmux.wait_for(f'"name": "{shared_guest}"')
    before = _transcript_rows(tmux)
    tmux.send("PageUp")
    tmux.send("PageUp")
    tmux.send("-l", "zzz")  # typed after the keys (no menu): once it shows, they have been handled
    tmux.wait_for(f"{prompt} zzz")
    rows = _transcript_rows(tmux)
    assert "more lines" not in "\n".join(rows + before)
    assert any(f'"name": "{shared_guest}"' in row for row in rows), "\n".join(rows)


def test_the_events_pane_names_whose_event_first_cuts_with_an_ellipsis_and_shows_a_picked_one_whole(
    conn: libvirt.virConnect, guest: str, home: dict[str, str]
) -> None:
    wide = Tmux(unique_name(), width=140, height=30)  # the pane beside the transcript, 46 columns
    try:
        wide.start("attach", guest, env=home)
        wide.wait_for(f"{guest} (running)>")
        wide.type_line(":events filter JOB_STATUS_CHANGE")
        wide.wait_for("shown 0 (JOB_STATUS_CHANGE)")
        for node in ("src13", "dst13"):
            qmp(conn, guest, "blockdev-add", driver="null-co", **{"node-name": node, "size": 1 << 20})
        qmp(conn, guest, "blockdev-backup", **{"job-id": "job13", "device": "src13", "target": "dst13"}, sync="full")
        _until(lambda: "\n".join(pane_column(wide.screen(joined=False))).count("JOB_STATUS_CHANGE") >= 3, wide)
        column = [row.rstrip() for row in pane_column(wide.screen(joined=False))]
        lines = [row for row in column if " JOB_STATUS_CHANGE " in row]  # (not the title's filter)
        assert all('{"id":"job13",' in row for row in lines), "\n".join(column)
        assert any(row.endswith("…") for row in lines), "\n".join(column)
        wide.send("F3")  # picks the newest: shown whole, over two rows
        _until(lambda: '"status":"null"}' in "\n".join(pane_column(wide.screen())), wide)
        wide.send("Up")  # the one before it, whole in turn; the newest is cut again

        def whole() -> list[str]:
            return re.findall(r'"status":"([a-z]+)"}', "\n".join(pane_column(wide.screen())))

        _until(lambda: len(whole()) == 1 and whole() != ["null"], wide)
    finally:
        wide.kill()


def _json_after(rows: list[str], start: str) -> Any:
    """The JSON that begins on the last row starting with ``start``, read back from the rows it took."""
    begins = start.rstrip()  # (a row may end where the blank after it was)
    first = max((index for index, row in enumerate(rows) if row.startswith(begins)), default=None)
    assert first is not None, "\n".join(rows)
    taken = [rows[first][len(begins) :]]
    for row in rows[first + 1 :]:
        try:
            return json.loads("\n".join(taken))
        except json.JSONDecodeError:
            taken.append(row)
    return json.loads("\n".join(taken))


def test_long_json_lines_break_between_members_so_they_can_be_copied(
    tmux: Tmux, shared_guest: str, home: dict[str, str]
) -> None:
    _attached(tmux, shared_guest, home, events=False)
    tmux.type_line(":verbose on")
    tmux.type_line("qom-get path=/machine/i440fx/pci.0 property=realized")
    _until(lambda: "true" in tmux.visible(), tmux)  # the reply, on a row of its own
    request = {"execute": "qom-get", "arguments": {"path": "/machine/i440fx/pci.0", "property": "realized"}}
    assert _json_after(tmux.visible(), "→ ") == request
    tmux.type_line(":begin")
    tmux.wait_for("transaction begun")
    action = "block-dirty-bitmap-add node=a-node-of-a-long-name name=bitmap-for-the-nightly-backup granularity=65536"
    tmux.type_line(action)
    tmux.wait_for("+ action 1:")
    data = {"node": "a-node-of-a-long-name", "name": "bitmap-for-the-nightly-backup", "granularity": 65536}
    assert _json_after(tmux.visible(), "+ action 1: ") == {"type": "block-dirty-bitmap-add", "data": data}
    tmux.type_line(":actions")
    tmux.wait_for("   1  {")
    assert _json_after(tmux.visible(), "   1  ") == {"type": "block-dirty-bitmap-add", "data": data}
    tmux.type_line(":abort")


def test_ctrl_r_shows_the_match_as_you_type(
    tmux: Tmux, shared_guest: str, home: dict[str, str], qemu_facts: QemuFacts
) -> None:
    prompt = _attached(tmux, shared_guest, home, events=False)
    tmux.type_line("qom-get path=/machine property=type")
    tmux.type_line("query-name")
    tmux.wait_for(f'"name": "{shared_guest}"')
    tmux.send("C-r")
    tmux.wait_for("(reverse-i-search)")
    tmux.send("-l", "propert")  # no second Ctrl-R: the line found shows in the input line at once

    def input_row() -> str:
        return [row for row in tmux.visible() if row.startswith(prompt)][-1]

    _until(lambda: input_row() == f"{prompt} qom-get path=/machine property=type", tmux, timeout=10)
    tmux.send("Enter")  # takes the line found into the prompt
    tmux.send("Enter")  # and runs it
    tmux.wait_for(f'"{qemu_facts.machine_type}"', count=2)


def _input_row(tmux: Tmux, prompt: str) -> str:
    return [row for row in tmux.visible() if row.startswith(prompt)][-1]


def test_tab_inserts_what_the_completions_share_and_leaves_the_menu_open(
    tmux: Tmux, shared_guest: str, home: dict[str, str]
) -> None:
    prompt = _attached(tmux, shared_guest, home)
    tmux.send("-l", "query-rocker-of")
    tmux.wait_for("query-rocker-of-dpa-groups")  # the menu, as typed
    tmux.send("Tab")
    _until(lambda: _input_row(tmux, prompt) == f"{prompt} query-rocker-of-dpa-", tmux)
    screen = tmux.wait_for("query-rocker-of-dpa-flows")  # the menu still offers them all
    assert "query-rocker-of-dpa-groups" in screen
    tmux.send("Tab")  # they share nothing more: now Tab steps through them
    _until(
        lambda: (
            _input_row(tmux, prompt).startswith(f"{prompt} query-rocker-of-dpa-")
            and _input_row(tmux, prompt) != f"{prompt} query-rocker-of-dpa-"
        ),
        tmux,
    )


def test_a_tab_in_the_same_burst_as_the_text_completes_it(tmux: Tmux, shared_guest: str, home: dict[str, str]) -> None:
    prompt = _attached(tmux, shared_guest, home)
    tmux.send("-l", "qom-ge\t")  # as a paste arrives: the Tab before the text's completions
    _until(lambda: _input_row(tmux, prompt) == f"{prompt} qom-get", tmux)
    tmux.send("-l", " pa\tmachine")
    _until(lambda: _input_row(tmux, prompt).startswith(f"{prompt} qom-get path=machine"), tmux)


def test_hmp_device_add_completes_types_and_their_properties(
    tmux: Tmux, shared_guest: str, home: dict[str, str]
) -> None:
    prompt = _attached(tmux, shared_guest, home)
    tmux.send("-l", "device_add e100")
    tmux.wait_for("e1000e")  # the guest's device types, in the menu
    tmux.send("-l", "0e,")
    tmux.send("-l", "ma")
    tmux.wait_for("Ethernet 6-byte MAC")  # then the properties of that type (device-list-properties)
    tmux.send("C-u")
    tmux.send("-l", "device_add virtio-blk-pci,dr")
    tmux.wait_for("drive ")
    tmux.send("Tab")
    _until(lambda: _input_row(tmux, prompt) == f"{prompt} device_add virtio-blk-pci,drive=", tmux)


def test_guard_rail_questions_say_what_is_true(tmux: Tmux, guest: str, home: dict[str, str]) -> None:
    prompt = f"{guest} (running)>"
    tmux.start("attach", guest, env=home)
    tmux.wait_for(prompt)
    tmux.type_line(":events off")
    tmux.type_line("migrate_set_capability xbzrle on")
    screen = tmux.wait_for("migration capabilities changed")
    assert "getspeed" not in screen
    tmux.send("n")
    tmux.wait_for("cancelled: migrate-set-capabilities was not sent")
    tmux.type_line("blockdev-add driver=null-co node-name=hot0")
    tmux.wait_for("node 'hot0'")
    tmux.send("y")
    tmux.type_line(":begin")
    tmux.type_line("blockdev-snapshot-sync node-name=hot0 snapshot-file=/nonexistent/o.qcow2")
    tmux.type_line(":commit")
    screen = tmux.wait_for("this snapshot of 'hot0':")
    assert "(unnamed)" not in screen
    tmux.send("n")
    tmux.type_line(":abort")
    tmux.wait_for("> :abort")
    tmux.type_line("blockdev-del node-name=hot0")  # added just now, through this shell: libvirt never knew of it

    def answered() -> bool:
        rows = tmux.visible()
        typed = [index for index, row in enumerate(rows) if row.rstrip().endswith("blockdev-del node-name=hot0")]
        return bool(typed) and [row.rstrip() for row in rows[typed[-1] + 1 : typed[-1] + 2]] == ["{}"]

    _until(answered, tmux)
    assert "still believes" not in tmux.screen()


def _attached(tmux: Tmux, guest: str, home: dict[str, str], *, events: bool = True) -> str:
    """``vdbgsh attach GUEST`` in the window, up to its first prompt (the events pane closed unless ``events``);
    the prompt."""
    prompt = f"{guest} (running)>"
    tmux.start("attach", guest, env=home)
    tmux.wait_for(prompt)
    if not events:
        tmux.type_line(":events off")
    return prompt
