"""Transactions on real guests: a block in the shell (pipe input and tmux) and ``vdbgsh exec --transaction``, on
two null-co nodes. QEMU runs every action or none: a transaction with a bitmap on a node that does not exist
leaves no bitmap anywhere (query-named-block-nodes lists each node's dirty-bitmaps)."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import pytest
from prompt_toolkit.completion import CompleteEvent
from prompt_toolkit.document import Document

from tests.conftest import LoopThread, vdbgsh
from tests.terminal import Tmux
from tests.test_guard_cli import on_terminal
from tests.test_shell import Step, run_shell
from tests.test_shell_confirm import answer
from tests.test_transaction_syntax import SCHEMA
from vdbgsh.complete.live import LiveValues
from vdbgsh.complete.prompt_completer import QMPCompleter
from vdbgsh.transport import Target
from vdbgsh.ui.shell import Shell

pytestmark = pytest.mark.terminal(160, 30)

NODES = [f"blockdev-add driver=null-co node-name={node} size=1M\r" for node in ("n0", "n1")]


def bitmaps_of(nodes: Any) -> dict[str, list[str]]:
    """Each named node's dirty bitmaps, from a query-named-block-nodes reply."""
    return {
        node["node-name"]: sorted(bitmap["name"] for bitmap in node.get("dirty-bitmaps", []))
        for node in nodes
        if node.get("node-name")
    }


class Bitmaps:
    """A step that asks the guest for its bitmaps, through the shell's own monitor; ``seen`` keeps each answer."""

    def __init__(self) -> None:
        self.seen: list[dict[str, list[str]]] = []

    async def __call__(self, shell: Shell) -> None:
        reply = await shell.session.monitor.execute("query-named-block-nodes", {"flat": True})
        self.seen.append(bitmaps_of(reply.value))


def test_a_block_collects_actions_and_commits_them_as_one(loop: LoopThread, guest: str, tmp_path: Path) -> None:
    bitmaps = Bitmaps()
    log = tmp_path / "session.jsonl"
    keys: list[str | Step] = [
        ":confirm off\r",
        *NODES,
        f":log {log}\r",
        ":begin\r",
        "block-dirty-bitmap-add node=n0 name=b0 granularity=128k\r",
        "block-dirty-bitmap-add node=nope name=b0\r",
        "block-dirty-bitmap-add nod=n1 name=b0\r",  # refused as typed: not an action
        "stop\r",  # a command that changes the guest: refused inside the block
        "query-status\r",  # a read-only one runs
        ":actions\r",
        ":commit\r",  # QEMU refuses the bitmap on 'nope', and rolls back the one on n0
        bitmaps,
        ":drop 2\r",
        "block-dirty-bitmap-add node=n1 name=b0\r",
        ":commit\r",
        bitmaps,
        ":actions\r",
        ":begin\r",
        "abort\r",
        ":abort\r",
        ":quit\r",
    ]
    text, _source = run_shell(loop, guest, keys, tmp_path)
    assert bitmaps.seen == [{"n0": [], "n1": []}, {"n0": ["b0"], "n1": ["b0"]}]
    # The prompt counts the actions; each is shown as the JSON it becomes.
    assert f"{guest} (running)> :begin" in text
    assert f"{guest} (running) transaction (0 actions)> block-dirty-bitmap-add node=n0 name=b0 granularity=128k" in text
    assert '+ action 1: {"type":"block-dirty-bitmap-add","data":{"node":"n0","name":"b0","granularity":131072}}' in text
    assert f"{guest} (running) transaction (2 actions)> block-dirty-bitmap-add nod=n1 name=b0" in text
    assert "error: unknown argument 'nod'; did you mean node?" in text
    assert "error: refused: stop is not a transaction action, and while a transaction is open only read-only " in text
    assert '"status": "running"' in text
    assert "  2  " + '{"type":"block-dirty-bitmap-add","data":{"node":"nope","name":"b0"}}' in text
    # The commit shows the whole request first, one action a line.
    assert (
        '→ {"execute": "transaction", "arguments": {\n'
        '    "actions": [\n'
        '      {"type": "block-dirty-bitmap-add", "data": {"node": "n0", "name": "b0", "granularity": 131072}},\n'
        '      {"type": "block-dirty-bitmap-add", "data": {"node": "nope", "name": "b0"}}\n'
        "    ]\n"
        "  }}"
    ) in text
    assert "GenericError: Cannot find device='nope' nor node-name='nope'" in text
    assert "note: QEMU rolled the transaction back: none of its 2 actions took effect. It is still open" in text
    assert "dropped action 2: " in text
    assert "note: committed: 2 actions as one transaction" in text
    assert f"{guest} (running)> :actions\nno transaction is open" in text
    assert "note: the action abort makes the whole transaction fail when committed" in text
    assert "transaction dropped: 1 action not sent" in text
    # The transcript has both transactions as sent, the block's lines as typed.
    requests = [
        json.loads(line)
        for line in log.read_text().splitlines()
        if json.loads(line)["type"] == "request" and json.loads(line)["request"]["execute"] == "transaction"
    ]
    assert [len(record["request"]["arguments"]["actions"]) for record in requests] == [2, 2]
    assert requests[1]["line"].split("\n") == [
        ":begin",
        "block-dirty-bitmap-add node=n0 name=b0 granularity=128k",
        "block-dirty-bitmap-add node=n1 name=b0",
        ":commit",
    ]
    replayed = vdbgsh("replay", "--dry-run", str(log), guest)
    assert replayed.returncode == 0, replayed.stderr
    assert '{"execute":"transaction","arguments":{"actions":[' in replayed.stdout


def test_the_json_is_shown_before_the_question_and_a_declined_commit_stays_open(
    loop: LoopThread, guest: str, tmp_path: Path
) -> None:
    bitmaps = Bitmaps()
    keys: list[str | Step] = [
        ":confirm off\r",
        NODES[0],
        ":confirm on\r",
        ":begin completion-mode=individual\r",
        "block-dirty-bitmap-add node=n0 name=b0\r",
        answer(":commit\r", "n"),
        bitmaps,
        answer(":commit\r", "y"),
        bitmaps,
        ":quit\r",
    ]
    text, _source = run_shell(loop, guest, keys, tmp_path)
    assert bitmaps.seen == [{"n0": []}, {"n0": ["b0"]}]
    first_json = text.index('  "properties": {"completion-mode": "individual"}')
    question = text.index("transaction (block-dirty-bitmap-add) changes what libvirt tracks (block)")
    assert first_json < question
    assert "cancelled: transaction (block-dirty-bitmap-add) was not sent" in text
    assert "note: the transaction is still open: ':commit' sends it, ':abort' drops it" in text
    assert text.count("[y/N]") == 2
    assert "note: committed: 1 action as one transaction" in text


def test_read_only_mode_refuses_a_transaction(loop: LoopThread, shared_guest: str, tmp_path: Path) -> None:
    keys = [
        ":read-only on\r",
        ":begin\r",
        ":read-only off\r",
        ":begin\r",
        ":begin\r",
        ":read-only on\r",
        "block-dirty-bitmap-add node=n0 name=b0\r",  # refused as typed
        "abort\r",  # does nothing: read-only
        ":commit\r",
        ":read-only off\r",
        ":commit\r",
        ":quit\r",  # the failed transaction is still open: the first :quit says so
        ":quit\r",
    ]
    text, _source = run_shell(loop, shared_guest, keys, tmp_path)
    assert "note: the transaction (1 action(s)) was not sent: ':commit' sends it, ':abort' drops it;" in text
    assert "error: refused: a transaction changes the guest, and read-only mode is on (:read-only on)" in text
    assert "note: transaction begun" in text
    assert "error: a transaction is already open (0 actions)" in text
    assert (
        "error: refused: transaction (block-dirty-bitmap-add) is not read-only, and read-only mode is on "
        "(:read-only on)"
    ) in text
    assert "+ action 1: " + '{"type":"abort","data":{}}' in text
    # QEMU's abort action fails the transaction: nothing to roll back.
    assert "GenericError: Transaction aborted using Abort action" in text
    assert "note: QEMU rolled the transaction back: none of its 1 action took effect" in text


def test_live_values_in_a_block_are_the_guests_nodes_and_their_bitmaps(loop: LoopThread, guest: str) -> None:
    lines = [
        "block-dirty-bitmap-add node=",
        "block-dirty-bitmap-remove node=n0 name=",
        "block-dirty-bitmap-clear name=",  # no node given: every node's
        "block-dirty-bitmap-merge node=n1 target=",
        "block-dirty-bitmap-merge node=n1 target=b1 bitmaps.0.node=n0 bitmaps.0.name=",
    ]

    async def scenario() -> list[list[str]]:
        monitor = await Target(domain=guest).open(events=False)
        try:
            for node, bitmap in (("n0", "b0"), ("n1", "b1")):
                added = await monitor.execute("blockdev-add", {"driver": "null-co", "node-name": node, "size": 1 << 20})
                assert added.ok, added.message
                added = await monitor.execute("block-dirty-bitmap-add", {"node": node, "name": bitmap})
                assert added.ok, added.message
            completer = QMPCompleter(lambda: SCHEMA, LiveValues(monitor.execute), transaction=lambda: True)
            found = []
            for line in lines:
                document = Document(line)
                found.append([c.text async for c in completer.get_completions_async(document, CompleteEvent())])
            return found
        finally:
            await monitor.close()

    nodes, on_n0, every, on_n1, merged = loop.run(scenario())
    assert {"n0", "n1"} <= set(nodes)
    assert on_n0 == ["b0"]
    assert every == ["b0", "b1"]
    assert on_n1 == ["b1"]
    assert merged == ["b0"]


# vdbgsh exec --transaction


def test_exec_sends_a_transaction_and_qemu_rolls_back_a_failed_one(guest: str) -> None:
    for node in ("n0", "n1"):
        added = vdbgsh("exec", "--yes", guest, "blockdev-add", "driver=null-co", f"node-name={node}", "size=1M")
        assert added.returncode == 0, added.stderr

    def bitmaps() -> dict[str, list[str]]:
        listed = vdbgsh("exec", guest, "query-named-block-nodes", "flat=true")
        assert listed.returncode == 0, listed.stderr
        return bitmaps_of(json.loads(listed.stdout))

    # Options may follow DOMAIN; nobody to ask on a pipe: refused, naming --yes.
    refused = vdbgsh("exec", guest, "--transaction", "block-dirty-bitmap-add node=n0 name=b0")
    assert refused.returncode == 2
    assert refused.stderr == (
        f"vdbgsh: refused: transaction (block-dirty-bitmap-add) changes what libvirt tracks of {guest} (block) and "
        "there is no terminal to confirm it; --yes sends it anyway\n"
    )
    failed = vdbgsh(
        "exec", "--yes", guest, "--transaction", "block-dirty-bitmap-add node=n0 name=b0", "block-dirty-bitmap-add",
        "node=nope", "name=b0",
    )  # fmt: skip
    assert failed.returncode == 1
    assert failed.stderr == "vdbgsh: GenericError: Cannot find device='nope' nor node-name='nope'\n"
    assert bitmaps() == {"n0": [], "n1": []}
    batch = "# one transaction\nblock-dirty-bitmap-add node=n0 name=b0\n\n" + json.dumps(
        {"type": "block-dirty-bitmap-add", "data": {"node": "n1", "name": "b0"}}
    )
    sent = vdbgsh("exec", "--yes", "--transaction", guest, "-", input=batch)
    assert (sent.returncode, sent.stdout, sent.stderr) == (0, "{}\n", "")
    assert bitmaps() == {"n0": ["b0"], "n1": ["b0"]}
    # The whole request as JSON is a transaction too.
    request = {
        "execute": "transaction",
        "arguments": {
            "actions": [{"type": "block-dirty-bitmap-remove", "data": {"node": n, "name": "b0"}} for n in ("n0", "n1")]
        },
    }
    removed = vdbgsh("exec", "--yes", guest, json.dumps(request))
    assert removed.returncode == 0, removed.stderr
    assert bitmaps() == {"n0": [], "n1": []}


def test_exec_dry_run_checks_and_prints_the_transaction(shared_guest: str) -> None:
    shown = vdbgsh(
        "exec", shared_guest, "--dry-run", "--transaction", "completion-mode=grouped",
        "blockdev-backup device=d0 target=t0 sync=full", "abort",
    )  # fmt: skip
    assert shown.returncode == 0, shown.stderr
    assert json.loads(shown.stdout) == {
        "execute": "transaction",
        "arguments": {
            "actions": [
                {"type": "blockdev-backup", "data": {"device": "d0", "target": "t0", "sync": "full"}},
                {"type": "abort", "data": {}},
            ],
            "properties": {"completion-mode": "grouped"},
        },
    }
    bad = vdbgsh("exec", shared_guest, "--dry-run", "--transaction", "abort", "blockdev-backup device=d0 sync=ful")
    assert bad.returncode == 2
    assert bad.stderr.startswith("vdbgsh: error: action 2: sync: 'ful' is not one of: top, full, none")
    assert "  blockdev-backup device=d0 sync=ful\n                                 ^\n" in bad.stderr
    lines = vdbgsh("exec", shared_guest, "--transaction", "-", input="abort\nblock-dirty-bitmap-add node=n0\n")
    assert lines.returncode == 2
    assert lines.stderr.startswith("vdbgsh: error: line 2: missing required argument 'name' (str)")
    read_only = vdbgsh("exec", "--read-only", shared_guest, "--transaction", "block-dirty-bitmap-clear node=n0 name=b")
    assert read_only.returncode == 2
    assert (
        "refused: transaction (block-dirty-bitmap-clear) is not read-only, and read-only mode is on" in read_only.stderr
    )
    unknown = vdbgsh("exec", shared_guest, "--transaction", "abort", "--bogus")
    assert unknown.returncode == 2
    assert "unrecognized arguments: --bogus" in unknown.stderr


def test_exec_on_a_terminal_shows_the_transaction_then_asks(guest: str, tmp_path: Path) -> None:
    added = vdbgsh("exec", "--yes", guest, "blockdev-add", "driver=null-co", "node-name=n0", "size=1M")
    assert added.returncode == 0, added.stderr
    actions = "block-dirty-bitmap-add node=n0 name=b0\nblock-dirty-bitmap-add node=n0 name=b1 disabled=on\n"
    args = ["exec", guest, "--transaction", "-"]
    status, shown = on_terminal(args, ["n"], tmp_path, stdin_text=actions)  # the answer from /dev/tty
    assert status == 2
    assert (
        '{"execute": "transaction", "arguments": {\n'
        '  "actions": [\n'
        '    {"type": "block-dirty-bitmap-add", "data": {"node": "n0", "name": "b0"}},\n'
        '    {"type": "block-dirty-bitmap-add", "data": {"node": "n0", "name": "b1", "disabled": true}}\n'
        "  ]\n"
        "}}\n"
        "vdbgsh: transaction (block-dirty-bitmap-add) changes what libvirt tracks (block): "
    ) in shown
    assert "Send it? [y/N] n\nvdbgsh: cancelled: transaction (block-dirty-bitmap-add) was not sent" in shown
    status, shown = on_terminal(args, ["y"], tmp_path, stdin_text=actions)
    assert status == 0, shown
    listed = vdbgsh("exec", guest, "query-named-block-nodes", "flat=true")
    assert bitmaps_of(json.loads(listed.stdout)) == {"n0": ["b0", "b1"]}


# A real terminal


def test_tab_completes_actions_in_a_block_and_the_prompt_counts_them(tmux: Tmux, guest: str, tmp_path: Path) -> None:
    home = {"XDG_STATE_HOME": str(tmp_path / "state"), "XDG_CACHE_HOME": str(tmp_path / "cache")}
    tmux.start("attach", "--pane", "off", "--yes", guest, env=home)
    tmux.wait_for(f"{guest} (running)>")
    tmux.type_line("blockdev-add driver=null-co node-name=n0 size=1M")
    tmux.type_line(":begin")
    prompt = f"{guest} (running) transaction (0 actions)>"
    tmux.wait_for(prompt)
    tmux.send("-l", "block-dirty-bitmap-a")
    tmux.wait_for("add a dirty bitmap to a node")  # the menu's summary of the action
    tmux.send("Tab")
    tmux.wait_for(f"{prompt} block-dirty-bitmap-add")
    tmux.send("-l", " no")
    tmux.wait_for("required · str")
    tmux.send("Tab")
    tmux.wait_for(f"{prompt} block-dirty-bitmap-add node=")
    tmux.wait_for("null-co")  # the guest's node names, live
    tmux.send("-l", "n0 name=b0 pers")
    tmux.wait_for("persistent  bool")
    tmux.send("Tab")
    tmux.send("-l", "of")
    tmux.wait_for(f"{prompt} block-dirty-bitmap-add node=n0 name=b0 persistent=of")
    tmux.send("Tab")
    tmux.wait_for(f"{prompt} block-dirty-bitmap-add node=n0 name=b0 persistent=off")
    tmux.send("Enter")
    tmux.wait_for(f"{guest} (running) transaction (1 action)>")
    tmux.type_line(":commit")
    tmux.wait_for("note: committed: 1 action as one transaction")
    tmux.wait_for(f"{guest} (running)>", count=2)
    tmux.type_line("query-named-block-nodes")
    tmux.wait_for('"name": "b0"')
