"""Nothing from outside reaches the terminal as a control sequence (issue 11, section 2).

QEMU prints guest-chosen strings raw: a qcow2 snapshot name in ``info snapshots``, a device's ``serial`` in
``info qtree``. The pure tests drive hostile strings through every rendering function such a string can reach and
check that no control is left but vdbgsh's own colours; the real-guest tests make such a snapshot and device and
read the bytes that reach a pipe, a pseudo-terminal and tmux (its pane title must not change).
"""

from __future__ import annotations

import json
import os
import pwd
import re
import shutil
import subprocess
import tempfile
import time
from collections.abc import Callable, Iterator
from pathlib import Path
from typing import Any

import libvirt
import libvirt_qemu
import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from tests.conftest import running_guest, unique_name, vdbgsh, vdbgsh_in_terminal
from tests.terminal import Tmux
from tests.test_info_views import (
    BLOCKSTATS,
    CHARDEV,
    CPUS,
    HOTPLUGGABLE_CPUS,
    IOTHREADS,
    MEMDEV,
    MICE,
    MIGRATE_COMPLETED,
    MIGRATE_PARAMETERS,
    MIRROR_JOB,
    NAMED_NODES,
    PCI,
    QUERY_BLOCK,
    STATUS_RUNNING,
    TRACE_EVENTS,
    VERSION,
    VNC,
)
from vdbgsh.events.follow import Notice
from vdbgsh.events.format import CYAN, YELLOW, human_line, json_line, notice_human_line, notice_json_line
from vdbgsh.events.view import Numbered
from vdbgsh.guest.definitions import domain_xml, qemu_binary
from vdbgsh.guest.libvirt_guest import destroy_quietly
from vdbgsh.render.ansi import BOLD, DIM, MAGENTA, RED_BOLD, RESET, paint
from vdbgsh.render.errors import qmp_error_line
from vdbgsh.render.highlight import BOOLEAN, KEY, NULL, NUMBER, STRING, highlight_json_text
from vdbgsh.render.hmp_text import hmp_error, hmp_output
from vdbgsh.render.info import render_info
from vdbgsh.render.json_text import as_text
from vdbgsh.render.messages import error_text, note_text, request_echo
from vdbgsh.render.reply_view import render_reply
from vdbgsh.render.untrusted import json_safe, own_colours_only, untrusted_line, untrusted_text, untrusted_value
from vdbgsh.transport.base import Event, Reply
from vdbgsh.ui.events_pane import event_fragments
from vdbgsh.ui.transcript import Transcript

# --- what may reach the terminal ------------------------------------------------------------------------------------

# vdbgsh's own colours: render.ansi, render.highlight, events.format, and what rich's tables write with them.
OWN_COLOURS = {RESET, BOLD, DIM, RED_BOLD, MAGENTA, KEY, STRING, NUMBER, BOOLEAN, NULL, CYAN, YELLOW}
OWN_COLOURS |= {"\x1b[36m", "\x1b[33m", "\x1b[35m"}
SGR = re.compile(r"\x1b\[[0-9;]*m")
CONTROL = re.compile(
    "[\x00-\x08\x0b-\x1f\x7f-\x9f"  # C0 but tab and newline, DEL, C1
    "\u061c\u200e\u200f\u202a-\u202e\u2066-\u2069"  # bidi controls
    "\u2028\u2029\ud800-\udfff]"  # line separators, lone surrogates
)


pytestmark = pytest.mark.terminal(100, 30)


def assert_inert(shown: str, colour: bool) -> None:
    """No byte of a control sequence in ``shown``, but (when ``colour``) vdbgsh's own SGR colours."""
    if colour:
        foreign = [code for code in SGR.findall(shown) if code not in OWN_COLOURS]
        assert not foreign, f"colours vdbgsh never paints with: {foreign!r} in {shown!r}"
        shown = SGR.sub("", shown)
    found = CONTROL.search(shown)
    assert found is None, f"{found.group()!r} reaches the terminal in {shown!r}"


# --- hostile strings ------------------------------------------------------------------------------------------------

PIECES = [
    "\x1b]0;pwned\x07",  # retitles the terminal
    "\x1b[2J",  # clears it
    "\x1b[31m",  # an SGR colour vdbgsh never chose
    "\x1b[1m",  # one it does choose, from the wrong hands
    "\x9b2J",  # C1 CSI
    "\x9d0;pwned\x9c",  # C1 OSC ... ST
    "\x1bP+q544e\x1b\\",  # DCS
    "\x01\x1b]0;pwned\x07\x02",  # prompt_toolkit's zero-width escape run
    "old\rnew",  # CR overwriting the line
    "\u202eevil\u202c",
    "\u2066\u2069\u200f\u061c",
    "\x7f\x00\x85\u2028",
    "\udcff",  # an undecodable byte
    "\t",
    "\n",
    "\r\n",
]
hostile = st.lists(st.one_of(st.text(max_size=12), st.sampled_from(PIECES)), min_size=1, max_size=6).map("".join)


def _poisoned(value: Any, text: str) -> Any:
    """A captured reply with ``text`` appended to each of its strings (keys left alone: the views look them up)."""
    if isinstance(value, str):
        return value + text
    if isinstance(value, dict):
        return {key: _poisoned(item, text) for key, item in value.items()}
    if isinstance(value, list):
        return [_poisoned(item, text) for item in value]
    return value


INFO_REPLIES: dict[str, Any] = {
    "status": STATUS_RUNNING,
    "cpus": CPUS,
    "version": VERSION,
    "chardev": CHARDEV,
    "mice": MICE,
    "iothreads": IOTHREADS,
    "memdev": MEMDEV,
    "hotpluggable-cpus": HOTPLUGGABLE_CPUS,
    "block": QUERY_BLOCK,
    "blockstats": BLOCKSTATS,
    "block-jobs": MIRROR_JOB,
    "migrate": MIGRATE_COMPLETED,
    "migrate_parameters": MIGRATE_PARAMETERS,
    "pci": PCI,
    "vnc": VNC,
    "trace-events": TRACE_EVENTS,
    "name": {"name": "guest"},
    "uuid": {"UUID": "b8a1c7e4-0000-4000-8000-000000000000"},
}


def _info_views(text: str, colour: bool) -> str:
    shown = [render_info("roms", {}, {"human-readable-text": text}, colour=colour, width=80) or ""]
    shown += [
        render_info("block", {"nodes": True, "verbose": True}, _poisoned(NAMED_NODES, text), colour=colour, width=80)
        or ""
    ]
    for name, value in INFO_REPLIES.items():
        shown.append(render_info(name, {}, _poisoned(value, text), colour=colour, width=80) or "")
    return "\n".join(shown)


def _event(text: str) -> Event:
    return Event(name=text, data={text: [text, 1], "device": text}, timestamp=1700000000.5, source=text)


def _transcript(text: str, colour: bool) -> str:
    """What the pane draws and what is left on the screen on exit: a line painted by vdbgsh from neutralised text
    (held as it is), and one that reached the transcript unescaped (only an SGR colour could pass, and no
    fragment drawn holds any escape)."""
    transcript = Transcript()
    transcript.append(paint(untrusted_text(text), RED_BOLD, colour))
    painted = len(transcript)
    transcript.append(text)
    drawn = ["".join(fragment[1] for fragment in transcript.fragments(i)) for i in range(len(transcript))]
    for line in drawn:
        assert_inert(line, colour=False)
    held = [transcript.line(i) for i in range(len(transcript))]
    for line in held[painted:]:
        assert_inert(SGR.sub("", line), colour=False)
    return "\n".join([*held[:painted], transcript.text()])


PATHS: dict[str, Callable[[str, bool], str]] = {
    "HMP output": lambda s, c: hmp_output(s + "\r\n"),
    "HMP error": lambda s, c: hmp_error("Error: " + s + "\r\n") or "",
    "HMP error (Try help)": lambda s, c: hmp_error(s + '\r\nTry "help info" for more information\r\n') or "",
    "JSON compact": lambda s, c: as_text({s: [s, 1]}, layout="compact", colour=c),
    "JSON pretty": lambda s, c: as_text({s: [s, None, True]}, layout="pretty", colour=c),
    "reply pretty": lambda s, c: render_reply({"return": {s: s}}, mode="pretty", width=80, colour=c, elapsed=0.01),
    "reply compact": lambda s, c: render_reply({"return": [s]}, mode="compact", width=80, colour=c, elapsed=None),
    "reply table": lambda s, c: render_reply(
        {"return": [{"name": s, "n": 1, s: [s]}, {"name": "x", "flag": True}]},
        mode="table",
        width=80,
        colour=c,
        elapsed=None,
    ),
    "reply error": lambda s, c: render_reply(
        {"error": {"class": s, "desc": s}}, mode="pretty", width=80, colour=c, elapsed=0.5
    ),
    "reply odd error": lambda s, c: render_reply({"error": [s]}, mode="pretty", width=80, colour=c, elapsed=None),
    "QMP error line": lambda s, c: qmp_error_line(Reply({"error": {"class": s, "desc": s}})),
    "shell error": lambda s, c: error_text([f"libvirt said {s}", s], c),
    "shell note": note_text,
    "request echo (replay shows a transcript's)": lambda s, c: request_echo({"execute": s, "arguments": {s: s}}, c),
    "JSON laid out, then coloured": lambda s, c: (
        highlight_json_text(json.dumps({s: s}, ensure_ascii=False)) if c else as_text(s, layout="pretty", colour=c)
    ),
    "event, human": lambda s, c: human_line(_event(s), colour=c, host=s),
    "event, JSON": lambda s, c: json_line(_event(s), uri=s),
    "notice, human": lambda s, c: notice_human_line(Notice(s, "started", s, 1.5, again=True), colour=c, host=s),
    "notice, JSON": lambda s, c: notice_json_line(Notice(s, "stopped", s, 1.5), uri=s),
    "events pane": lambda s, c: "".join(f[1] for f in event_fragments(Numbered(0, _event(s)), selected=True)),
    "info views": _info_views,
    "transcript pane": _transcript,
}


@pytest.mark.parametrize("path", list(PATHS))
@settings(max_examples=60, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(text=hostile, colour=st.booleans())
def test_no_control_sequence_reaches_the_terminal(path: str, text: str, colour: bool) -> None:
    assert_inert(PATHS[path](text, colour), colour)


@pytest.mark.parametrize("layout", ["compact", "pretty"])
@given(text=hostile, colour=st.booleans())
def test_json_output_stays_the_same_json(layout: str, text: str, colour: bool) -> None:
    value = {text: [text, 1.5, None]}
    shown = SGR.sub("", as_text(value, layout=layout, colour=colour))
    assert json.loads(shown) == value


# --- the neutraliser's convention -----------------------------------------------------------------------------------


def test_controls_become_visible_escapes_tabs_and_newlines_stay() -> None:
    assert untrusted_text("a\tb\r\nc\n\x1b]0;pwned\x07\x1b[2J") == "a\tb\nc\n\\x1b]0;pwned\\x07\\x1b[2J"
    assert untrusted_text("old\rnew") == "old\\x0dnew"  # a lone CR cannot rewind the line
    assert untrusted_text("\x9b2J\x7f\x00") == "\\x9b2J\\x7f\\x00"
    assert untrusted_text("\u202eevil\u2069\u2028") == "\\u202eevil\\u2069\\u2028"
    assert untrusted_text("caf\udcc3") == "caf\\xc3"  # an undecodable byte, shown as the byte
    assert untrusted_text("C:\\x1b ☃ ünï") == "C:\\x1b ☃ ünï"  # printable text is left alone
    assert untrusted_line("a\tb\nc") == "a\\x09b\\x0ac"


def test_json_keeps_its_own_escapes() -> None:
    assert json_safe(json.dumps({"\x9b": "\u202e\x7f"}, ensure_ascii=False)) == '{"\\u009b": "\\u202e\\u007f"}'


def test_values_shown_bare_are_neutralised_keys_and_all() -> None:
    value = {"na\x1bme": ["\x9b", 1, None, {"k": "a\nb"}], "n": True}
    assert untrusted_value(value) == {"na\\x1bme": ["\\x9b", 1, None, {"k": "a\\x0ab"}], "n": True}


def test_only_vdbgsh_colours_survive_on_the_way_out() -> None:
    painted = paint("ok", RED_BOLD, True) + " \x1b]0;pwned\x07\x1b[2J\x01x\x02"
    assert own_colours_only(painted) == "\x1b[1;31mok\x1b[0m \\x1b]0;pwned\\x07\\x1b[2J\\x01x\\x02"


# --- a real guest with hostile strings: a qcow2 snapshot's name, a device's serial ----------------------------------

HOSTILE = "\x1b]0;pwned\x07\x1b[2J\u009b2J\u202eevil"
SHOWN = "\\x1b]0;pwned\\x07\\x1b[2J\\x9b2J\\u202eevil"


def _qmp(dom: libvirt.virDomain, command: str, **arguments: Any) -> Any:
    reply = json.loads(
        libvirt_qemu.qemuMonitorCommand(dom, json.dumps({"execute": command, "arguments": arguments}), 0)
    )
    assert "error" not in reply, reply
    return reply["return"]


def _finish_job(dom: libvirt.virDomain, job: str) -> None:
    deadline = time.monotonic() + 30
    while time.monotonic() < deadline:
        found = [entry for entry in _qmp(dom, "query-jobs") if entry["id"] == job]
        if found and found[0]["status"] == "concluded":
            _qmp(dom, "job-dismiss", id=job)
            assert "error" not in found[0], found[0]
            return
        time.sleep(0.05)
    raise AssertionError(f"job {job} did not conclude")


@pytest.fixture(scope="module")
def hostile_guest(conn: libvirt.virConnect) -> Iterator[str]:
    """A guest of this module's own with a qcow2 disk (made by QEMU itself, as qemu-img would) holding an internal
    snapshot named ``HOSTILE``, and a USB keyboard whose ``serial`` is ``HOSTILE``."""
    directory = tempfile.mkdtemp(prefix="vdbgsh-test-")
    try:
        os.chmod(directory, 0o755)  # QEMU runs as libvirt-qemu: it must reach the image
        image = Path(directory, "disk.qcow2")
        image.touch()
        qemu_user = pwd.getpwnam("libvirt-qemu")
        os.chown(image, qemu_user.pw_uid, qemu_user.pw_gid)
        with running_guest(conn) as name:
            dom = conn.lookupByName(name)
            _qmp(dom, "blockdev-add", driver="file", filename=str(image), **{"node-name": "hostile-file"})
            _qmp(
                dom,
                "blockdev-create",
                options={"driver": "qcow2", "file": "hostile-file", "size": 1 << 20},
                **{"job-id": "create"},
            )
            _finish_job(dom, "create")
            _qmp(dom, "blockdev-add", driver="qcow2", file="hostile-file", **{"node-name": "hostile-disk"})
            _qmp(
                dom,
                "snapshot-save",
                tag=HOSTILE,
                vmstate="hostile-disk",
                devices=["hostile-disk"],
                **{"job-id": "save"},
            )
            _finish_job(dom, "save")
            _qmp(dom, "device_add", driver="usb-kbd", id="hostile-kbd", serial=HOSTILE)
            yield name
    finally:
        shutil.rmtree(directory, ignore_errors=True)


def test_list_shows_a_hostile_domain_name_escaped(conn: libvirt.virConnect) -> None:
    name = unique_name() + "-\u009b2J\u202eevil"  # libvirt's XML takes C1 and bidi controls, not C0
    conn.defineXML(domain_xml(name, qemu_binary()))
    try:
        for args in (["list", "--all"], ["list", "--all", "--name"]):
            result = vdbgsh(*args)
            assert result.returncode == 0, result.stderr
            assert untrusted_line(name) in result.stdout
            assert CONTROL.search(result.stdout) is None, result.stdout
    finally:
        destroy_quietly(conn, name)


def _terminal_text(raw: str) -> str:
    """What a pseudo-terminal passed on, its output CR LF (ONLCR) made newlines again, vdbgsh's colours left out."""
    return SGR.sub("", raw.replace("\r\n", "\n"))


@pytest.mark.parametrize("command", ["info snapshots", "info qtree"])
def test_exec_piped_writes_no_control(hostile_guest: str, command: str) -> None:
    result = vdbgsh("exec", hostile_guest, command)
    assert result.returncode == 0, result.stderr
    assert CONTROL.search(result.stdout.rstrip("\n")) is None, result.stdout
    assert HOSTILE in json.loads(result.stdout)  # still the same JSON string


@pytest.mark.parametrize("command", ["info snapshots", "info qtree"])
def test_exec_on_a_terminal_shows_visible_escapes(hostile_guest: str, command: str) -> None:
    status, shown = vdbgsh_in_terminal("exec", hostile_guest, command)
    assert status == 0, shown
    text = _terminal_text(shown)
    assert SHOWN in text
    assert CONTROL.search(text) is None, text


def test_exec_hmp_error_on_stderr_shows_visible_escapes(hostile_guest: str) -> None:
    # QEMU quotes the name back in its Error: line; exec says it on stderr.
    result = vdbgsh("exec", hostile_guest, "human-monitor-command", f"command-line=qom-list /no{HOSTILE}")
    assert result.returncode == 1, result
    assert "vdbgsh: Error: " in result.stderr
    assert f"no{SHOWN}" in result.stderr
    assert CONTROL.search(result.stderr.rstrip("\n")) is None, result.stderr


def _raw(record: Path) -> str:
    return record.read_bytes().decode(errors="replace") if record.exists() else ""


def _wait_in(record: Path, text: str, count: int, timeout: float = 20) -> None:
    """Wait until the bytes the terminal got hold ``text`` ``count`` times (the pane's screen is redrawn)."""
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if _raw(record).count(text) >= count:
            return
        time.sleep(0.1)
    raise AssertionError(f"{text!r} did not reach the terminal {count} times within {timeout} s")


def _pane_title(tmux: Tmux) -> str:
    found = subprocess.run(
        ["tmux", "-L", tmux.socket, "display-message", "-p", "-t", tmux.name, "#{pane_title}"],
        capture_output=True,
        text=True,
        check=True,
    )
    return found.stdout.strip()


def test_the_shell_pager_and_exit_screen_show_no_guest_sequence(tmux: Tmux, hostile_guest: str, tmp_path: Path) -> None:
    """In the shell: the transcript, ``:history``, a pager such as cat (``:last``) and the screenful left on exit."""
    record = tmp_path / "pane.raw"
    home = {"XDG_STATE_HOME": str(tmp_path / "state"), "XDG_CACHE_HOME": str(tmp_path / "cache"), "PAGER": "cat"}
    # A history file holds what was once pasted: an SGR colour must not colour the shell (the transcript keeps
    # SGR, as vdbgsh's own colours are SGR).
    history = tmp_path / "state" / "vdbgsh" / "history"
    history.parent.mkdir(parents=True)
    history.write_text(f"\n# 2026-01-01 00:00:00\n+query-name {HOSTILE}\x1b[31mred\n")
    tmux.start("attach", hostile_guest, env=home)
    subprocess.run(["tmux", "-L", tmux.socket, "pipe-pane", "-t", tmux.name, f"cat >> {record}"], check=True)
    title = _pane_title(tmux)
    prompt = f"{hostile_guest} (running)>"
    tmux.wait_for(prompt)
    tmux.type_line("info snapshots")  # short: in the transcript
    tmux.wait_for(SHOWN)
    # What cat writes reaches the terminal as it is (prompt_toolkit's redraws skip unchanged cells): counted there.
    before = _raw(record).count(SHOWN)
    tmux.type_line("info qtree")  # taller than the screen: through the pager, cat
    _wait_in(record, SHOWN, count=before + 1)
    tmux.type_line(":last")  # always through the pager
    _wait_in(record, SHOWN, count=before + 2)
    tmux.type_line(":history")
    tmux.wait_for(f"{SHOWN}\\x1b[31mred")
    tmux.type_line(":quit")
    tmux.wait_for("EXIT=0")
    assert _pane_title(tmux) == title
    raw = _raw(record)
    assert "]0;pwned" not in raw.replace("\\x1b]0;pwned", "")  # no OSC from the guest, in any form
    assert "\x9b" not in raw
    assert "\u202e" not in raw
