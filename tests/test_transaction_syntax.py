"""Transactions without a guest: action lines typed against QEMU 7.2's TransactionAction union, the request and
its layout, the meta-commands' words, completion through Documents, the prompt, exec's grouping of words."""

from __future__ import annotations

import json
from pathlib import Path

import pytest
from prompt_toolkit.completion import CompleteEvent, Completion
from prompt_toolkit.document import Document

from tests.guest_facts import json_fault
from vdbgsh.cli.exec_transaction import _grouped, transaction_from
from vdbgsh.complete.prompt_completer import QMPCompleter
from vdbgsh.errors import UsageError
from vdbgsh.schema.model import Schema
from vdbgsh.syntax.errors import ParseError
from vdbgsh.syntax.meta import META_COMMANDS, parse_meta
from vdbgsh.syntax.transaction import (
    ACTION_SUMMARIES,
    action_types,
    is_action_line,
    parse_action_line,
    parse_properties,
    properties_type,
    transaction_layout,
    transaction_problem,
    transaction_request,
)
from vdbgsh.syntax.words import split_words
from vdbgsh.ui.style import prompt_ansi

DATA = Path(__file__).parent / "data"
SCHEMA = Schema.from_introspection(json.loads((DATA / "qmp-schema-7.2.json").read_text()))
NAMES_ONLY = Schema.from_command_names(
    entry["name"] for entry in json.loads((DATA / "query-commands-7.2.json").read_text())
)

QEMU_72_ACTIONS = [
    "abort",
    "block-dirty-bitmap-add",
    "block-dirty-bitmap-remove",
    "block-dirty-bitmap-clear",
    "block-dirty-bitmap-enable",
    "block-dirty-bitmap-disable",
    "block-dirty-bitmap-merge",
    "blockdev-backup",
    "blockdev-snapshot",
    "blockdev-snapshot-internal-sync",
    "blockdev-snapshot-sync",
    "drive-backup",
]


def action(text: str) -> dict[str, object]:
    return parse_action_line(text, SCHEMA).message


def error(text: str) -> list[str]:
    with pytest.raises(ParseError) as caught:
        parse_action_line(text, SCHEMA)
    return caught.value.lines()


# The union, from the schema


def test_the_action_types_are_the_schemas_and_each_has_its_summary() -> None:
    kinds = action_types(SCHEMA)
    assert list(kinds) == QEMU_72_ACTIONS
    assert set(ACTION_SUMMARIES) == set(kinds)
    assert all(kind.wrapped for kind in kinds.values())  # {"type": ..., "data": {...}}
    # Each action's data is its twin command's arguments (abort has none and no twin).
    for name, kind in kinds.items():
        if name != "abort":
            assert kind.data_type == SCHEMA.commands[name].arg_type, name
    assert "deprecated" in kinds["drive-backup"].features
    assert SCHEMA.describe(properties_type(SCHEMA)) == "{completion-mode?}"


# Action lines


def test_an_action_line_is_typed_as_its_data() -> None:
    assert action("block-dirty-bitmap-add node=n0 name=b0 granularity=128k persistent=off") == {
        "type": "block-dirty-bitmap-add",
        "data": {"node": "n0", "name": "b0", "granularity": 131072, "persistent": False},
    }
    assert action("abort") == {"type": "abort", "data": {}}
    # Lists and alternates as for commands: a bitmap by name, or by node and name.
    assert action("block-dirty-bitmap-merge node=n0 target=t bitmaps.0=a bitmaps.1.node=n1 bitmaps.1.name=b")[
        "data"
    ] == {"node": "n0", "target": "t", "bitmaps": ["a", {"node": "n1", "name": "b"}]}
    assert action("blockdev-backup device=d target=t sync=full on-target-error=stop")["data"] == {
        "device": "d",
        "target": "t",
        "sync": "full",
        "on-target-error": "stop",
    }
    assert action("  blockdev-snapshot-sync device=d snapshot-file='/tmp/a b.qcow2'  ")["data"] == {
        "device": "d",
        "snapshot-file": "/tmp/a b.qcow2",
    }


def test_an_action_as_json_is_checked_against_the_union() -> None:
    text = '{"type": "block-dirty-bitmap-add", "data": {"node": "n0", "name": "b0"}}'
    assert action(text) == json.loads(text)
    wrong = '{"type": "block-dirty-bitmap-add", "data": {"node": "n0", "name": 3}}'
    assert error(wrong) == ["data.name: expected str, got 3", f"  {wrong}", " " * (2 + wrong.index('"name"')) + "^"]
    assert error('{"type": "abort"}')[0] == "missing required 'data' ({…})"
    assert error('{"data": {}}')[0] == 'an action is a JSON object with a "type" member'
    fault = json_fault('{"type": "abort",}')  # this Python's words: 3.13+ point at the comma itself
    assert error('{"type": "abort",}')[0] == f"malformed JSON at line 1, column {fault.colno}: {fault.msg}"


def test_faults_in_an_action_line_have_a_caret_and_a_hint() -> None:
    assert error("block-dirty-bitmap-ad node=n0 name=b0")[:3] == [
        "unknown action type 'block-dirty-bitmap-ad'; did you mean block-dirty-bitmap-add or "
        "block-dirty-bitmap-clear or block-dirty-bitmap-enable?",
        "  block-dirty-bitmap-ad node=n0 name=b0",
        "  ^",
    ]
    assert error("nonsense")[-1] == "hint: actions: " + ", ".join(QEMU_72_ACTIONS)
    assert error("block-dirty-bitmap-add nod=n0 name=b0") == [
        "unknown argument 'nod'; did you mean node?",
        "  block-dirty-bitmap-add nod=n0 name=b0",
        "                         ^",
        "hint: expected one of: node, name, granularity, persistent, disabled",
    ]
    assert error("block-dirty-bitmap-add node=n0")[0] == "missing required argument 'name' (str)"
    assert error("block-dirty-bitmap-add node=n0 name=b0 granularity=big")[0].startswith(
        "granularity: 'big' is not an integer"
    )
    assert error("blockdev-backup device=d target=t sync=ful")[0] == (
        "sync: 'ful' is not one of: top, full, none, incremental, bitmap; did you mean full?"
    )
    assert error("abort now=1")[-1] == "hint: abort takes no arguments here"
    assert error("node=n0 name=b0")[0] == "'node=n0' is not an action type"
    assert error("block-dirty-bitmap-add node=n0 name='b0")[0] == "no closing quotation"


def test_an_unchecked_action_is_taken_as_typed() -> None:
    found = parse_action_line("!block-dirty-bitmap-add node=n0 name=b0 granularity=65536 extra=x", SCHEMA)
    assert not found.checked
    assert found.message == {
        "type": "block-dirty-bitmap-add",
        "data": {"node": "n0", "name": "b0", "granularity": 65536, "extra": "x"},
    }
    # Without a typed schema the types are QEMU 7.2's, checked by name; without any schema, nothing is checked.
    assert not parse_action_line("block-dirty-bitmap-add node=n0", NAMES_ONLY).checked
    assert parse_action_line("anything a=1", None).message == {"type": "anything", "data": {"a": 1}}


def test_properties_and_the_whole_request() -> None:
    text = "completion-mode=grouped"
    assert parse_properties(split_words(text), text, SCHEMA) == {"completion-mode": "grouped"}
    with pytest.raises(ParseError, match="'sometimes' is not one of: individual, grouped"):
        parse_properties(split_words("completion-mode=sometimes"), "completion-mode=sometimes", SCHEMA)
    with pytest.raises(ParseError, match="unknown argument 'mode'"):
        parse_properties(split_words("mode=grouped"), "mode=grouped", SCHEMA)
    actions = [action("block-dirty-bitmap-add node=n0 name=b0"), action("abort")]
    request = transaction_request(actions, {"completion-mode": "grouped"})
    assert request == {
        "execute": "transaction",
        "arguments": {"actions": actions, "properties": {"completion-mode": "grouped"}},
    }
    assert transaction_problem(SCHEMA, request) == ""
    assert transaction_request(actions) == {"execute": "transaction", "arguments": {"actions": actions}}
    bad = transaction_request([{"type": "abort"}], {"completion-mode": "sometimes"})
    assert transaction_problem(SCHEMA, bad) == "missing required 'actions[0].data' ({…})"


def test_the_layout_has_one_action_a_line_and_is_the_request_as_json() -> None:
    actions = [action("block-dirty-bitmap-add node=n0 name=b0"), action("block-dirty-bitmap-add node=n1 name=b0")]
    request = transaction_request(actions, {"completion-mode": "individual"})
    text = transaction_layout(request)
    assert json.loads(text) == request
    assert text.split("\n") == [
        '{"execute": "transaction", "arguments": {',
        '  "actions": [',
        '    {"type": "block-dirty-bitmap-add", "data": {"node": "n0", "name": "b0"}},',
        '    {"type": "block-dirty-bitmap-add", "data": {"node": "n1", "name": "b0"}}',
        "  ],",
        '  "properties": {"completion-mode": "individual"}',
        "}}",
    ]


def test_inside_a_block_which_lines_are_actions() -> None:
    assert is_action_line("block-dirty-bitmap-add node=n0 name=b0", SCHEMA)
    assert is_action_line("abort", SCHEMA)
    assert is_action_line("block-dirty-bitmap-ad node=n0", SCHEMA)  # a misspelt type: the actions' "did you mean"
    assert is_action_line('{"type": "abort", "data": {}}', SCHEMA)
    assert is_action_line('{"type": "abort",', SCHEMA)  # malformed: reported as an action
    assert not is_action_line("query-named-block-nodes flat=true", SCHEMA)  # a command: runs (or is refused)
    assert not is_action_line("info block", SCHEMA)  # HMP
    assert not is_action_line("stop", SCHEMA)
    assert not is_action_line('{"execute": "query-status"}', SCHEMA)


def test_the_meta_commands_words() -> None:
    assert parse_meta(":transaction completion-mode=grouped") == ("begin", ("completion-mode=grouped",))
    assert parse_meta(":drop") == ("drop", ())
    assert parse_meta(":drop 2") == ("drop", ("2",))
    for wrong in (":drop last", ":drop 0", ":drop 1 2"):
        with pytest.raises(ParseError, match="takes the number of an action"):
            parse_meta(wrong)
    with pytest.raises(ParseError, match=":abort takes no arguments"):
        parse_meta(":abort all")
    assert {"begin", "commit", "abort", "actions", "drop"} <= set(META_COMMANDS)


def test_the_prompt_says_a_transaction_is_open() -> None:
    assert prompt_ansi("g1", "running", False) == "g1 (running)> "
    assert prompt_ansi("g1", "running", False, []) == "g1 (running) transaction (0 actions)> "
    assert prompt_ansi("g1", "paused", False, [1]) == "g1 (paused) transaction (1 action)> "
    assert "\x1b[1;36mtransaction (2 actions)\x1b[0m" in prompt_ansi("g1", "running", True, [1, 2])


# Completion


def completions(text: str, *, block: bool = True) -> list[Completion]:
    completer = QMPCompleter(lambda: SCHEMA, meta_commands={"begin": "", "commit": ""}, transaction=lambda: block)
    return list(completer.get_completions(Document(text, len(text)), CompleteEvent()))


def texts(text: str, *, block: bool = True) -> list[str]:
    return [completion.text for completion in completions(text, block=block)]


def test_the_first_word_in_a_block_completes_action_types_with_a_summary() -> None:
    found = completions("")
    assert [c.text for c in found[:12]] == sorted(QEMU_72_ACTIONS)
    meta = {c.text: c.display_meta_text for c in found}
    assert meta["block-dirty-bitmap-add"] == "add a dirty bitmap to a node · {node, name, granularity?, persistent?, …}"
    assert meta["drive-backup"].startswith("deprecated · start a backup job to a new image file")
    # Read-only commands still run in a block: offered after the actions; commands that change things are not.
    assert meta["query-named-block-nodes"].startswith("runs now")
    assert "stop" not in meta
    assert "blockdev-add" not in meta
    assert texts("block-dirty-bitmap-a")[0] == "block-dirty-bitmap-add"
    assert texts("bdbmerge")[0] == "block-dirty-bitmap-merge"
    # Outside a block, the same line is a command name.
    assert "stop" in texts("", block=False)


def test_an_actions_arguments_and_values_complete_from_its_data_type() -> None:
    found = {c.text: c.display_meta_text for c in completions("block-dirty-bitmap-add ")}
    assert found == {
        "node=": "required · str",
        "name=": "required · str",
        "granularity=": "int",
        "persistent=": "bool",
        "disabled=": "bool",
    }
    assert texts("block-dirty-bitmap-add node=n0 name=b0 ") == ["disabled=", "granularity=", "persistent="]
    assert texts("blockdev-backup sync=") == ["bitmap", "full", "incremental", "none", "top"]
    assert texts("blockdev-backup bitmap-mode=on") == ["on-success"]
    assert texts("block-dirty-bitmap-merge bitmaps.0.") == ["name=", "node="]
    assert texts("abort ") == []
    # A command run meanwhile completes as itself.
    assert texts("query-named-block-nodes ") == ["flat="]


def test_begin_and_commit_complete_the_transactions_properties() -> None:
    for block in (False, True):
        assert texts(":begin ", block=block) == ["completion-mode="]
        assert texts(":begin completion-mode=", block=block) == ["grouped", "individual"]
        assert texts(":commit completion-mode=g", block=block) == ["grouped"]


def test_the_transaction_command_completes_its_actions_too() -> None:
    line = "transaction actions.0.type=block-dirty-bitmap-add actions.0.data."
    assert texts(line, block=False) == ["disabled=", "granularity=", "name=", "node=", "persistent="]
    assert texts("transaction actions.0.type=block-dirty-bitmap-r", block=False)[0] == "block-dirty-bitmap-remove"
    assert texts("transaction properties.completion-mode=", block=False) == ["grouped", "individual"]


# exec's words


def test_exec_groups_its_words_into_properties_and_actions() -> None:
    assert _grouped(["completion-mode=grouped", "abort", "block-dirty-bitmap-add", "node=n0", "name=b 0"]) == (
        ["completion-mode=grouped"],
        [["abort"], ["block-dirty-bitmap-add", "node=n0", "name=b 0"]],
    )
    request = transaction_from(
        ["block-dirty-bitmap-add node=n0 name=b0", "block-dirty-bitmap-add", "node=n1", "name=my bitmap"], [], SCHEMA
    )
    assert [a["data"] for a in request["arguments"]["actions"]] == [
        {"node": "n0", "name": "b0"},
        {"node": "n1", "name": "my bitmap"},
    ]
    lines = ["# two bitmaps\n", "block-dirty-bitmap-add node=n0 name=b0\n", "\n", '{"type": "abort", "data": {}}\n']
    assert transaction_from(["-"], lines, SCHEMA)["arguments"]["actions"][1] == {"type": "abort", "data": {}}


def test_exec_reports_a_bad_action_by_its_number_or_line() -> None:
    with pytest.raises(ParseError) as caught:
        transaction_from(["abort", "block-dirty-bitmap-add node=n0", "nam=b0"], [], SCHEMA)
    assert caught.value.lines()[:3] == [
        "action 2: unknown argument 'nam'; did you mean name?",
        "  block-dirty-bitmap-add node=n0 nam=b0",
        "                                 ^",
    ]
    with pytest.raises(ParseError, match=r"^line 3: unknown action type 'abrt'; did you mean abort"):
        transaction_from(["-"], ["abort\n", "\n", "abrt\n"], SCHEMA)
    with pytest.raises(ParseError, match=r"^properties: completion-mode: 'x' is not one of"):
        transaction_from(["completion-mode=x", "abort"], [], SCHEMA)
    with pytest.raises(UsageError, match="the transaction has no actions"):
        transaction_from(["completion-mode=grouped"], [], SCHEMA)
    with pytest.raises(UsageError, match="reads the actions from stdin"):
        transaction_from(["abort", "-"], [], SCHEMA)
