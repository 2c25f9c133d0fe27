"""One pipeline for every line: what the shell refuses, exec (argv, one quoted line, '-' batches, --transaction)
and replay refuse too, on a real guest. Each case was a bypass: a dump that costs libvirt the guest's monitor, a
mask sent as a password, argv words split again, a NUL cut at send time, a BOM in a command name, a request too
large to encode reported as run."""

from __future__ import annotations

import asyncio
import json
from pathlib import Path
from typing import Any

import libvirt
import pytest
from prompt_toolkit.input import PipeInput

from tests.conftest import LoopThread, unique_name, vdbgsh
from tests.terminal import Tmux
from tests.test_shell import Step, run_shell
from tests.test_untrusted_text import CONTROL
from vdbgsh.guest.definitions import domain_xml, qemu_binary
from vdbgsh.guest.libvirt_guest import destroy_quietly
from vdbgsh.transport import Monitor, Reply
from vdbgsh.transport.base import JSONObject
from vdbgsh.ui.shell import Shell

# The size depends on the guest's QEMU (11.1's xp prints shorter addresses): tests/test_plan.py checks the figures.
DUMP_REFUSED = "refused: xp would print about 1"
HUGE_DUMP_JSON = json.dumps(
    {"execute": "human-monitor-command", "arguments": {"command-line": "xp /1500000xb 0"}}, separators=(",", ":")
)


def monitor_still_answers(guest: str) -> None:
    """libvirt still has the guest's monitor: a dump past 10 MiB would have taken it away until a restart."""
    result = vdbgsh("exec", guest, "query-name")
    assert result.returncode == 0, result.stderr
    assert json.loads(result.stdout) == {"name": guest}


@pytest.mark.parametrize(
    "words",
    [
        ["human-monitor-command", "command-line=xp /1500000xb 0"],
        ["human-monitor-command command-line='xp /1500000xb 0'"],
        ["xp /1500000xb $pc"],  # a register as address: the size follows from the format alone
        ["xp", "/1500000xb", "$pc"],
        ["--read-only", "xp /1500000xb $pc"],
        ["!human-monitor-command command-line='xp /1500000xb 0'"],  # '!' may pass 4 MiB, never the 10 MiB loss
        [HUGE_DUMP_JSON],
    ],
)
def test_exec_refuses_a_dump_libvirt_cannot_carry_on_every_path(shared_guest: str, words: list[str]) -> None:
    options = [word for word in words if word.startswith("--")]
    command = [word for word in words if not word.startswith("--")]
    result = vdbgsh("exec", *options, shared_guest, *command)
    assert result.returncode == 2, result.stdout
    assert result.stdout == ""
    first = result.stderr.splitlines()[0]
    assert first.startswith("vdbgsh: error: refused: xp would print about")
    assert "through libvirt a reply over 4 MiB fails" in first
    monitor_still_answers(shared_guest)


def test_a_batch_line_of_json_and_a_replayed_record_are_refused_too(shared_guest: str, tmp_path: Path) -> None:
    batch = vdbgsh("exec", shared_guest, "-", input=HUGE_DUMP_JSON + "\nquery-name\n")
    assert batch.returncode == 2
    assert batch.stderr.startswith(f"vdbgsh: error: line 1: {DUMP_REFUSED}")
    assert batch.stdout == ""  # nothing after the refused line either

    log = tmp_path / "t.jsonl"
    assert vdbgsh("exec", "--log", str(log), shared_guest, "query-name").returncode == 0
    records = [json.loads(line) for line in log.read_text().splitlines()]
    for record in records:
        if record["type"] == "request":
            record["request"] = json.loads(HUGE_DUMP_JSON)
    log.write_text("".join(json.dumps(record) + "\n" for record in records))
    replayed = vdbgsh("replay", "-c", "qemu:///system", str(log), shared_guest)
    assert replayed.returncode == 2, replayed.stdout
    assert DUMP_REFUSED in replayed.stderr
    assert replayed.stdout == ""
    monitor_still_answers(shared_guest)


@pytest.mark.parametrize("how", ["quoted", "words", "batch"])
def test_exec_never_sends_the_mask_as_a_password(shared_guest: str, how: str) -> None:
    line = "set_password vnc ********"
    if how == "batch":
        result = vdbgsh("exec", "--yes", shared_guest, "-", input=line + "\n")
    else:
        result = vdbgsh("exec", "--yes", shared_guest, *([line] if how == "quoted" else line.split()))
    assert result.returncode == 2, result.stdout
    assert "password is the mask ********, not a secret" in result.stderr
    assert result.stdout == ""


def test_argv_words_keep_their_boundaries(shared_guest: str) -> None:
    screendump = vdbgsh("exec", "--dry-run", shared_guest, "screendump", "/tmp/a b.ppm")
    assert screendump.returncode == 0, screendump.stderr
    assert json.loads(screendump.stdout) == {"execute": "screendump", "arguments": {"filename": "/tmp/a b.ppm"}}
    qom_set = vdbgsh("exec", "--dry-run", shared_guest, "qom-set", "path=/machine", "property=append", "value=a b c")
    assert qom_set.returncode == 0, qom_set.stderr
    assert json.loads(qom_set.stdout) == {
        "execute": "qom-set",
        "arguments": {"path": "/machine", "property": "append", "value": "a b c"},
    }
    # HMP words too: a word with a blank stays one argument.
    sendkey = vdbgsh("exec", "--dry-run", shared_guest, "screendump", 'we"ird name.ppm')
    assert json.loads(sendkey.stdout)["arguments"] == {"filename": 'we"ird name.ppm'}


@pytest.mark.parametrize(
    ("line", "message"),
    [
        ("qom-get path=/machine\0 property=type", "a NUL byte (\\0) is in the line"),
        ('{"execute":"qom-get","arguments":{"path":"/machine\\u0000","property":"type"}}', "holds a NUL byte"),
        ("\ufeffquery-status", "the line starts with a byte-order mark (U+FEFF)"),
    ],
)
def test_a_nul_or_a_bom_is_refused_not_cut(shared_guest: str, line: str, message: str) -> None:
    result = vdbgsh("exec", shared_guest, "-", input=line + "\n")
    assert result.returncode == 2
    assert result.stdout == ""  # before: qom-get ran on /machine and printed its type
    assert message in result.stderr.splitlines()[0]


def test_a_request_too_large_to_encode_says_nothing_was_sent(shared_guest: str) -> None:
    value = "a" * (10 * 1024 * 1024)
    request = {"execute": "qom-set", "arguments": {"path": "/machine", "property": "no-such", "value": value}}
    result = vdbgsh("exec", shared_guest, "-", input=json.dumps(request) + "\n")
    assert result.returncode == 2
    assert "libvirt carries at most 4 MiB in one command: nothing was sent" in result.stderr
    assert "did run" not in result.stderr


def test_the_shell_refuses_the_same_on_each_of_its_paths(loop: LoopThread, guest: str, tmp_path: Path) -> None:
    keys = [
        "xp /1500000xb $pc\r",
        "human-monitor-command command-line='xp /1500000xb $pc'\r",
        HUGE_DUMP_JSON + "\r",
        "set_password vnc ********\r",
        "query-name\r",
        ":quit\r",
    ]
    text, _source = run_shell(loop, guest, keys, tmp_path)
    assert text.count(f"error: {DUMP_REFUSED}") == 3
    assert "error: set_password: arguments.password is the mask ********, not a secret" in text
    assert f'"name": "{guest}"' in text


class LosesTheCommitAnswer:
    """Fault injection: the transaction reaches QEMU, which applies it; its answer never comes back."""

    def __init__(self, real: Monitor) -> None:
        self.real = real
        self.committed = False

    def __getattr__(self, name: str) -> Any:
        return getattr(self.real, name)

    async def execute_message(self, request: JSONObject) -> Reply:
        reply = await self.real.execute_message(request)
        if request.get("execute") == "transaction":
            self.committed = True
            await asyncio.sleep(3600)
        return reply


def test_an_unanswered_commit_is_said_to_be_unknown_not_unsent(loop: LoopThread, guest: str, tmp_path: Path) -> None:
    """Ctrl-C while ':commit' waits: QEMU has applied it, so ':abort' must not say 'not sent'."""
    injected: list[LosesTheCommitAnswer] = []

    def wrap(real: Monitor) -> LosesTheCommitAnswer:
        injected.append(LosesTheCommitAnswer(real))
        return injected[0]

    async def commit_then_ctrl_c(shell: Shell) -> None:
        typed = shell.app.input
        assert isinstance(typed, PipeInput)
        typed.send_text(":commit\r")
        while not injected[0].committed:
            await asyncio.sleep(0.01)
        typed.send_text("\x03")
        while shell.lines_done < shell.lines_accepted:
            await asyncio.sleep(0.01)

    keys: list[str | Step] = [
        ":confirm off\r",
        "blockdev-add driver=null-co node-name=n0 size=1M\r",
        ":begin\r",
        "block-dirty-bitmap-add node=n0 name=b0\r",
        commit_then_ctrl_c,
        ":actions\r",
        ":abort\r",
        ":quit\r",
    ]
    text, _source = run_shell(loop, guest, keys, tmp_path, wrap)
    assert "the commit was sent and no answer came: QEMU may have applied every action, or none" in text
    after_abort = text.split("> :abort", 1)[1]
    assert "not sent" not in after_abort
    assert "whether QEMU applied its 1 action is unknown" in after_abort


def test_translate_says_what_the_shell_would_send_or_refuse() -> None:
    words = vdbgsh("translate", "screendump", "/tmp/a b.ppm")
    assert words.returncode == 0, words.stderr
    assert json.loads(words.stdout) == {"execute": "screendump", "arguments": {"filename": "/tmp/a b.ppm"}}
    dump = vdbgsh("translate", "xp /1500000xb $pc")
    assert dump.returncode == 2
    assert dump.stderr.startswith(f"vdbgsh: error: {DUMP_REFUSED}")
    masked = vdbgsh("translate", "set_password vnc ********")
    assert masked.returncode == 2
    assert "password is the mask ********, not a secret" in masked.stderr
    typo = vdbgsh("translate", "-", input="info status\nnonsense here\n")
    assert typo.stdout == '{"execute":"query-status"}\n'
    assert typo.stderr.startswith("vdbgsh: error: line 2: unknown command: 'nonsense'")


def test_a_hostile_domain_name_is_neutralised_in_exec_and_the_shell(conn: libvirt.virConnect, tmp_path: Path) -> None:
    """A domain's name is libvirt's to hold and anyone's to choose: C1 and bidi controls never reach the terminal
    raw, from exec's refusals or the shell's banner, prompt and toolbar."""
    unique_prefix = unique_name()
    name = unique_prefix + "-\u009b2J\u202eevil"
    conn.createXML(domain_xml(name, qemu_binary()), 0)
    try:
        refused = vdbgsh("exec", name, "stop")  # nobody to ask: refused, with the domain named
        assert refused.returncode == 2
        assert "\\x9b2J\\u202eevil" in refused.stderr
        assert CONTROL.search(refused.stderr.replace("\n", "")) is None, refused.stderr
        read_only = vdbgsh("exec", "--read-only", name, "info registers")
        assert read_only.returncode == 0, read_only.stderr
        # The shell, line by line: the banner and the prompt name it escaped.
        lines = vdbgsh("attach", name, input="query-status\n", env={"XDG_STATE_HOME": str(tmp_path)})
        assert lines.returncode == 0, lines.stderr
        assert lines.stdout.startswith(f"vdbgsh attached to {unique_prefix}-\\x9b2J\\u202eevil (QEMU ")
        assert CONTROL.search(lines.stdout.replace("\n", "")) is None, lines.stdout
        # The full screen (prompt, toolbar, banner): prompt_toolkit escapes C0 and C1 itself, not bidi overrides.
        terminal = Tmux(unique_name(), width=160, height=30)
        try:
            terminal.start("attach", name, env={"XDG_STATE_HOME": str(tmp_path)})
            terminal.wait_for("commands, schema from")
            screen = terminal.screen()
            assert "\u202e" not in screen
            assert "\\u202eevil" in screen
        finally:
            terminal.kill()
    finally:
        destroy_quietly(conn, name)
