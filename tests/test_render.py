"""Replies as the shell shows them: highlighted JSON, tables, errors and timings, on replies shaped like QEMU 7.2's."""

from __future__ import annotations

import json
import re
from pathlib import Path
from typing import Any

import pytest

from vdbgsh.render.highlight import KEY, STRING, highlight_json, strip_ansi
from vdbgsh.render.hmp_text import hmp_error
from vdbgsh.render.reply_view import render_reply
from vdbgsh.render.table import as_table
from vdbgsh.render.untrusted import json_safe

SCHEMA_REPLY = json.loads((Path(__file__).parent / "data/qmp-schema-7.2.json").read_text())

# What QEMU 7.2 answers on a 2-vCPU pc guest started by libvirt.
CPUS_FAST = [
    {
        "thread-id": 48211,
        "props": {"core-id": 0, "thread-id": 0, "socket-id": 0},
        "qom-path": "/machine/unattached/device[0]",
        "cpu-index": 0,
        "target": "x86_64",
    },
    {
        "thread-id": 48212,
        "props": {"core-id": 0, "thread-id": 0, "socket-id": 1},
        "qom-path": "/machine/unattached/device[2]",
        "cpu-index": 1,
        "target": "x86_64",
    },
]
CHARDEV = [
    {"frontend-open": True, "filename": "pty:/dev/pts/3", "label": "charserial0"},
    {
        "frontend-open": True,
        "filename": "disconnected:unix:/var/lib/libvirt/qemu/domain-3-guest1/monitor.sock,server=on",
        "label": "charmonitor",
    },
]
BLOCK_EMPTY_CDROM = [
    {
        "io-status": "ok",
        "device": "ide0-1-0",
        "locked": False,
        "removable": True,
        "qdev": "/machine/unattached/device[23]",
        "tray_open": False,
        "type": "unknown",
    },
    {
        "device": "floppy0",
        "locked": False,
        "removable": True,
        "qdev": "/machine/unattached/device[18]",
        "type": "unknown",
    },
]


def rows(text: str) -> list[list[str]]:
    """A plain table's lines split into cells (columns are three spaces apart, and no cell here has two)."""
    return [re.split(r"\s{2,}", line.strip()) for line in text.splitlines()]


def column(table: str, header: str, next_header: str) -> str:
    """The text of one column of a plain table, its folded pieces joined."""
    head, _rule, *body = table.splitlines()
    start, end = head.index(header), head.index(next_header)
    return "".join(line[start:end].strip() for line in body)


# -- highlighting ---------------------------------------------------------------------------------------------------


def test_highlighted_schema_reads_exactly_as_json_dumps() -> None:
    coloured = highlight_json(SCHEMA_REPLY)
    assert "\x1b[" in coloured
    assert strip_ansi(coloured) == json.dumps(SCHEMA_REPLY, indent=2, ensure_ascii=False)


@pytest.mark.parametrize(
    "value",
    [
        {"desc": 'quote " and \\ backslash', "path": "/machine/peripheral-anon/device[0]", "n": -1.5e-3},
        {"unicode": "é ü 中文 \u2028", "tab": "a\tb", "empty": {}, "list": [], "nested": [[1, [None]], {"a": False}]},
        ["ends with backslash \\", "colon: inside", '"key": "lookalike"', 0, 12345678901234567890],
        "just a string",
        None,
    ],
)
def test_stripping_the_colours_gives_back_json_dumps(value: Any) -> None:
    # json.dumps's text, but for what a terminal would act on (U+2028 here) as JSON's escape: the same value
    plain = strip_ansi(highlight_json(value))
    assert plain == json_safe(json.dumps(value, indent=2, ensure_ascii=False))
    assert json.loads(plain) == value


def test_keys_and_string_values_differ_in_colour() -> None:
    text = highlight_json({"status": "running", "running": True})
    assert f'{KEY}"status"' in text
    assert f'{STRING}"running"' in text
    assert f'{KEY}"running"' in text  # the same word as a key keeps the key colour


def test_a_colon_inside_a_value_does_not_make_it_a_key() -> None:
    text = highlight_json(["a:", "b"])
    assert KEY not in text


def test_no_colour_is_plain_json() -> None:
    assert highlight_json({"a": [1, "x"]}, colour=False) == json.dumps({"a": [1, "x"]}, indent=2)


# -- tables ---------------------------------------------------------------------------------------------------------


def test_cpus_flatten_into_dotted_columns() -> None:
    table = as_table(CPUS_FAST, 160, colour=False)
    assert table is not None
    header, rule, *body = table.splitlines()
    assert rows(header)[0] == [
        "thread-id",
        "props.core-id",
        "props.thread-id",
        "props.socket-id",
        "qom-path",
        "cpu-index",
        "target",
    ]
    assert set(rule) == {"─"}
    assert rows("\n".join(body)) == [
        ["48211", "0", "0", "0", "/machine/unattached/device[0]", "0", "x86_64"],
        ["48212", "0", "0", "1", "/machine/unattached/device[2]", "1", "x86_64"],
    ]
    assert "\x1b[" not in table


def test_a_narrow_table_wraps_cells_but_loses_nothing() -> None:
    table = as_table(CPUS_FAST, 80, colour=False)
    assert table is not None
    lines = table.splitlines()
    assert all(len(line) <= 80 for line in lines)
    # Dotted headers break after their dots rather than anywhere.
    assert lines[0].split() == ["props.", "props.", "props."]
    assert lines[1].split() == ["thread-id", "core-id", "thread-id", "socket-id", "qom-path", "cpu-index", "target"]
    without_first_header_line = "\n".join(lines[1:])
    assert column(without_first_header_line, "qom-path", "cpu-index") == (
        "/machine/unattached/device[0]/machine/unattached/device[2]"
    )
    assert [line.split()[-1] for line in lines[3:] if line.split()[0] in ("48211", "48212")] == ["x86_64"] * 2


def test_chardev_table_shows_booleans_as_json_and_long_paths_whole() -> None:
    table = as_table(CHARDEV, 120, colour=False)
    assert table is not None
    assert rows(table)[0] == ["frontend-open", "filename", "label"]
    assert ["true", "pty:/dev/pts/3", "charserial0"] in rows(table)
    assert "domain-3-guest1/monitor.sock,server=on" in table


def test_missing_keys_leave_empty_cells() -> None:
    table = as_table(BLOCK_EMPTY_CDROM, 140, colour=False)
    assert table is not None
    lines = table.splitlines()
    io_status = lines[0].index("io-status")
    assert lines[2][io_status : io_status + 2] == "ok"
    assert lines[3][io_status : io_status + 2] == "  "  # floppy0 has no io-status
    tray = lines[0].index("tray_open")
    assert lines[3][tray:].strip().startswith("unknown")  # and no tray_open: the next column follows


def test_coloured_table_reads_the_same_without_colours() -> None:
    coloured = as_table(CPUS_FAST, 160, colour=True)
    assert coloured is not None
    assert "\x1b[" in coloured
    assert strip_ansi(coloured) == as_table(CPUS_FAST, 160, colour=False)


def test_markup_lookalikes_stay_literal() -> None:
    table = as_table([{"path": "[bold]x[/bold]"}, {"path": "[red]"}], 80, colour=True)
    assert table is not None
    assert "[bold]x[/bold]" in strip_ansi(table)
    assert "[red]" in strip_ansi(table)


@pytest.mark.parametrize(
    "value",
    [
        {"status": "running", "running": True},  # one object, not a list
        ["a", "b"],
        [{"a.b": 1, "a": {"b": 2}}],  # two values for one column
        [{"a": {"b": {"c": {"d": {"e": {"f": {"g": {"h": 1}}}}}}}}],  # deeper than any QEMU reply
        SCHEMA_REPLY,  # members and variants of each entry: more tables than a reader can follow
    ],
)
def test_values_that_are_no_table(value: Any) -> None:
    assert as_table(value, 80, colour=False) is None


def test_an_empty_list_says_it_has_no_rows() -> None:
    assert as_table([], 80, colour=False) == "no rows: the reply is an empty list"


def test_nested_objects_and_lists_of_objects_get_tables_too() -> None:
    assert as_table([{"a": {"b": {"c": {"d": 1}}}}], 80, colour=False) == "a.b.c.d\n───────\n      1"
    table = as_table([{"name": "n", "children": [{"child": "file"}]}], 80, colour=False)
    assert table == "name\n────\nn\n\nchildren of name n:\nchild\n─────\nfile"


def test_columns_that_do_not_fit_are_left_out_with_a_note_naming_them() -> None:
    table = as_table([{"id": "x", **{f"key{i}": i for i in range(20)}}], 80, colour=False)
    assert table is not None
    lines = table.splitlines()
    assert all(len(line) <= 80 for line in lines)
    assert lines[0].split()[0] == "id"  # what names the row is kept first
    shown = lines[0].split()
    note = " ".join(lines[3:])
    assert note.startswith("not shown, too wide for 80 columns: ")
    assert note.endswith(" (:output pretty shows them)")
    named = note.removeprefix("not shown, too wide for 80 columns: ").removesuffix(" (:output pretty shows them)")
    assert sorted(shown + named.split(", ")) == sorted(["id", *(f"key{i}" for i in range(20))])


def test_short_lists_of_scalars_fit_in_a_cell() -> None:
    table = as_table([{"id": "iothread0", "cpus": [0, 1]}], 80, colour=False)
    assert table is not None
    assert "[0,1]" in table


# -- replies --------------------------------------------------------------------------------------------------------


def test_pretty_reply_with_timing() -> None:
    text = render_reply(
        {"return": {"status": "running", "singlestep": False, "running": True}, "id": "libvirt-12"},
        mode="pretty",
        width=80,
        colour=True,
        elapsed=0.0024,
    )
    *body, timing = strip_ansi(text).splitlines()
    assert "\n".join(body) == json.dumps({"status": "running", "singlestep": False, "running": True}, indent=2)
    assert timing == "(2.4 ms)"
    assert "\x1b[2m(2.4 ms)" in text  # dim


def test_slow_replies_are_timed_in_seconds() -> None:
    text = render_reply({"return": {}}, mode="compact", width=80, colour=False, elapsed=1.25)
    assert text == "{}\n(1.25 s)"


def test_compact_reply_is_one_line_without_colour() -> None:
    text = render_reply({"return": CHARDEV}, mode="compact", width=80, colour=True, elapsed=None)
    assert "\n" not in text
    assert json.loads(text) == CHARDEV


def test_table_mode_shows_a_table_or_falls_back_to_pretty() -> None:
    table = render_reply({"return": CPUS_FAST}, mode="table", width=160, colour=False, elapsed=None)
    assert table.splitlines()[0].split()[:2] == ["thread-id", "props.core-id"]
    status = {"status": "running", "singlestep": False, "running": True}
    fallback = render_reply({"return": status}, mode="table", width=160, colour=False, elapsed=None)
    assert fallback == json.dumps(status, indent=2) + "\nno table: the reply is not a list of objects (shown as JSON)"
    assert render_reply({"return": {}}, mode="table", width=160, colour=False, elapsed=None) == "{}"


def test_error_reply_shows_class_in_bold_red_and_description() -> None:
    reply = {"error": {"class": "CommandNotFound", "desc": "The command nosuch has not been found"}}
    text = render_reply(reply, mode="pretty", width=80, colour=True, elapsed=0.0017)
    assert text.startswith("\x1b[1;31mCommandNotFound\x1b[0m: The command nosuch has not been found")
    assert strip_ansi(text) == "CommandNotFound: The command nosuch has not been found\n(1.7 ms)"
    plain = render_reply(reply, mode="table", width=80, colour=False, elapsed=None)
    assert plain == "CommandNotFound: The command nosuch has not been found"


def test_unknown_mode_is_a_programming_error() -> None:
    with pytest.raises(ValueError, match="yaml"):
        render_reply({"return": {}}, mode="yaml", width=80, colour=False, elapsed=None)


@pytest.mark.parametrize(
    ("text", "error"),
    [
        ("Error: no block device can store vmstate for snapshot\r\n", True),
        ('block: unsupported option -x\r\nTry "help info block" for more information\r\n', True),
        ('ringbuf_write: string expected\r\nTry "help ringbuf_write" for more information\r\n', True),
        ("VM status: running\r\n", False),
        ("", False),
        ("0000000000000000: 0x53 0xff\r\n", False),
        ("  Error: in the middle of output is output\r\n", False),
    ],
)
def test_hmp_errors_are_told_from_output(text: str, error: bool) -> None:
    assert (hmp_error(text) is not None) is error
    if error:
        assert hmp_error(text) == text.replace("\r\n", "\n").rstrip("\n")


def test_a_newer_qemus_cpus_table_keeps_or_names_every_column_at_every_width() -> None:
    # QEMU 9.2+ adds the QOM type and more topology ids: the table that lost its last column at the pane's edge.
    props: dict[str, Any] = {"node-id": 0, "drawer-id": 0, "book-id": 0, "socket-id": 0, "die-id": 0, "cluster-id": 0}
    cpus: list[dict[str, Any]] = [dict(cpu) for cpu in CPUS_FAST]
    for index, cpu in enumerate(cpus):
        cpu["props"] = {"core-id": 0, "thread-id": 0, **props, "socket-id": index}
        cpu["qom-type"] = "qemu64-x86_64-cpu"
    every = ["thread-id", *(f"props.{key}" for key in cpus[0]["props"]), "qom-path", "cpu-index", "target", "qom-type"]
    for width in range(40, 201, 7):
        table = as_table(cpus, width, colour=False)
        assert table is not None
        lines = table.splitlines()
        assert all(len(line) <= width for line in lines), width
        rule = lines.index(next(line for line in lines if set(line) == {"─"}))
        starts = [index for index, line in enumerate(lines) if line.startswith("not shown")]
        note = " ".join(lines[starts[0] :]) if starts else ""
        named = note.partition("columns: ")[2].partition(" (:output")[0].split(", ") if note else []
        header_words = " ".join(lines[:rule]).split()
        shown = [name for name in every if name not in named]
        # A dotted header is broken after its dot: its last part is a word of the header rows.
        assert all(name.rsplit(".", 1)[-1] in header_words for name in shown), (width, table)
        assert sorted(shown + named) == sorted(every), (width, table)
