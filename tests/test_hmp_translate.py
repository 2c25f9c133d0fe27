"""HMP lines and the exact QMP each becomes: every example of the reference, verified on QEMU 7.2 by running
both forms on one guest (tests/data/hmp-7.2.json), plus the rules around them."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import pytest

from vdbgsh.hmp.table import BY_NAME, COMMANDS, INFO, INFO_BY_NAME
from vdbgsh.hmp.translate import HMP_TEXT_NOTE, Translator, translate_line
from vdbgsh.schema.model import Schema
from vdbgsh.syntax.classify import classify
from vdbgsh.syntax.errors import ParseError

DATA = Path(__file__).parent / "data"
SCHEMA = Schema.from_introspection(json.loads((DATA / "qmp-schema-7.2.json").read_text()))
REFERENCE: list[dict[str, Any]] = json.loads((DATA / "hmp-7.2.json").read_text())
# An entry whose QMP command this QEMU lacks (info pic: 7.2 has no x-query-interrupt-controllers) is HMP only here.
IN_QMP = [entry for entry in REFERENCE if entry["qmp"] and entry.get("qmp_in_7_2", True)]
TRANSLATED = [(entry["hmp"], ex["hmp"], ex["qmp"]) for entry in IN_QMP for ex in entry["examples"]]
# `cpu N` is HMP state: tracked by the translator and sent with later commands (test_cpu_is_tracked_and_passed_on).
HMP_ONLY = [
    (entry["hmp"], ex["hmp"])
    for entry in REFERENCE
    if entry not in IN_QMP and entry["hmp"] != "cpu"
    for ex in entry["examples"]
]


def test_the_table_is_the_reference() -> None:
    # Every HMP command and info sub-command of the 7.2 binary, with the same grammar and QMP command.
    table = {"|".join(e.names) if not e.name.startswith("info ") else e.name: e for e in (*COMMANDS, *INFO)}
    assert len(table) == len(REFERENCE) == 175
    for entry in REFERENCE:
        mine = table[entry["hmp"]]
        assert (mine.args_type, mine.qmp) == (entry["args_type"], entry["qmp"]), entry["hmp"]
    assert sum(1 for e in table.values() if e.qmp) == 128


@pytest.mark.parametrize(("command", "line", "expected"), TRANSLATED, ids=[t[1] for t in TRANSLATED])
def test_translation_is_exact(command: str, line: str, expected: dict[str, Any]) -> None:
    translation = translate_line(line, SCHEMA)
    assert translation.requests == [expected]
    assert not translation.fallback


@pytest.mark.parametrize(("command", "line"), HMP_ONLY, ids=[t[1] for t in HMP_ONLY])
def test_hmp_only_commands_go_through_human_monitor_command(command: str, line: str) -> None:
    translation = translate_line(line, SCHEMA)
    assert translation.requests == [{"execute": "human-monitor-command", "arguments": {"command-line": line}}]
    assert translation.fallback
    assert HMP_TEXT_NOTE in translation.notes
    if BY_NAME.get(line.split(maxsplit=1)[0]) is None or line.startswith("info "):
        return


def test_every_translated_request_fits_the_schema() -> None:
    for _command, line, _expected in TRANSLATED:
        for request in translate_line(line, SCHEMA).requests:
            assert request["execute"] in SCHEMA.commands, line


def test_cpu_is_tracked_and_passed_on() -> None:
    translator = Translator(SCHEMA)
    assert translator.translate("cpu 1").requests == []
    assert translator.translate("info registers").requests == [
        {"execute": "human-monitor-command", "arguments": {"command-line": "info registers", "cpu-index": 1}}
    ]
    assert translator.translate('memsave 0 4096 "/tmp/m"').requests[0]["arguments"]["cpu-index"] == 1


def test_mouse_buttons_send_only_what_changed() -> None:
    translator = Translator(SCHEMA)
    assert translator.translate("mouse_button 1").requests[0]["arguments"]["events"] == [
        {"type": "btn", "data": {"button": "left", "down": True}}
    ]
    assert translator.translate("mouse_button 5").requests[0]["arguments"]["events"] == [
        {"type": "btn", "data": {"button": "right", "down": True}}
    ]
    assert translator.translate("mouse_button 0").requests[0]["arguments"]["events"] == [
        {"type": "btn", "data": {"button": "left", "down": False}},
        {"type": "btn", "data": {"button": "right", "down": False}},
    ]


@pytest.mark.parametrize(
    ("line", "message"),
    [
        ("block_resize drive0 lots", "invalid size"),
        ("memsave 0 4096 /tmp/mem.bin", "invalid char 't' in expression"),
        ("set_link net0 maybe", "Expected 'on' or 'off'"),
        ("info nosuch", "unknown command: 'info nosuch'"),
        ("info blok", "did you mean block"),
        ("migrate_set_parameter max-bandwith 1", "unknown parameter 'max-bandwith'; did you mean max-bandwidth"),
        ("migrate_set_parameter downtime-limit soon", "downtime-limit: 'soon' is not an integer"),
        ("change vnc passwd", "needs the password on the line"),
        ("device_del", "expected"),
    ],
)
def test_bad_lines_say_what_hmp_expects(line: str, message: str) -> None:
    with pytest.raises(ParseError) as caught:
        translate_line(line, SCHEMA)
    assert message in caught.value.message


def test_aliases_and_names_hmp_shares_with_qmp() -> None:
    assert translate_line("c", SCHEMA).requests == [{"execute": "cont"}]
    assert translate_line("q", SCHEMA).requests == [{"execute": "quit"}]
    assert translate_line("nmi", SCHEMA).requests == [{"execute": "inject-nmi"}]
    assert "s" in BY_NAME
    assert "block" in INFO_BY_NAME


@pytest.mark.parametrize(
    ("line", "kind"),
    [
        ("stop", "qmp"),
        ("info block", "hmp"),
        ("x/4xw 0", "hmp"),
        ("qom-get /machine type", "hmp"),
        ("qom-get path=/machine property=type", "qmp"),
        ("device_add e1000,id=n1", "hmp"),
        ("device_add driver=e1000 id=n1", "qmp"),
        ("device_add driver=e1000,id=n1", "hmp"),
        ("set_link net0 off", "hmp"),
        ("set_link name=net0 up=off", "qmp"),
        ("query-status", "qmp"),
        ("no-such-thing", "qmp"),
        (":output table", "meta"),
        ('{"execute": "stop"}', "json"),
        ("!query-status bogus=1", "qmp"),
    ],
)
def test_how_a_line_is_read(line: str, kind: str) -> None:
    assert classify(line, SCHEMA) == kind


@pytest.mark.parametrize("word", ["stop", "cont", "quit", "system_reset", "system_powerdown", "system_wakeup"])
def test_a_word_that_is_both_means_the_same(word: str) -> None:
    assert translate_line(word, SCHEMA).requests == [{"execute": word}]


def test_help_for_hmp_words() -> None:
    from vdbgsh.render.help_hmp import help_hmp, usage

    assert usage(BY_NAME["block_stream"]) == "block_stream DEVICE [SPEED [BASE]]"
    assert usage(BY_NAME["x"]) == "x [/FMT] ADDR"
    assert usage(BY_NAME["screendump"]) == "screendump FILENAME [-f VALUE] [DEVICE [HEAD]]"
    text = help_hmp(BY_NAME["block_resize"], SCHEMA, colour=False)
    assert "size (bare number = MiB; K, M, G suffixes)" in text
    assert "becomes QMP block_resize" in text
    assert "info block" in help_hmp(BY_NAME["info"], SCHEMA, colour=False)


@pytest.mark.parametrize(
    ("line", "message"),
    [
        ("device_add", "device_add needs a driver"),
        ("netdev_add", "netdev_add needs a type"),
        ("\udcff\udcfe", "unknown command: '\\xff\\xfe'"),
    ],
)
def test_empty_option_strings_and_undecodable_bytes(line: str, message: str) -> None:
    with pytest.raises(ParseError) as caught:
        translate_line(line, SCHEMA)
    assert message in caught.value.message


def test_memory_dump_sizes_are_estimated_from_the_format() -> None:
    from vdbgsh.hmp.dump_size import dump_bytes

    translator = Translator()

    def estimate(line: str) -> int:
        return dump_bytes(translator.translate(line).hmp_args)

    # Measured on QEMU 7.2: xp /1400000xb printed 10.7 MB; the estimate may be above, never far below.
    assert 10_700_000 <= estimate("xp /1400000xb 0") <= 13_000_000
    assert estimate("xp /1400000xg 0") > estimate("xp /1400000xb 0")  # eight bytes an item, one item a line
    assert estimate("x /10i 0") < 1_000
    assert dump_bytes({"count": 0, "format": "x", "size": 1}) == 0
