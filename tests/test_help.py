"""Help read from QEMU 7.2's own schema: what a user sees for the overview and for single commands."""

from __future__ import annotations

import json
import re
from pathlib import Path

from vdbgsh.render.help import group_commands, help_command, help_event, help_overview
from vdbgsh.render.highlight import strip_ansi
from vdbgsh.schema.model import Schema

DATA = Path(__file__).parent / "data"
SCHEMA = Schema.from_introspection(json.loads((DATA / "qmp-schema-7.2.json").read_text()))
WIDTH = 100


def help_for(name: str, width: int = WIDTH) -> str:
    return help_command(SCHEMA, name, width, colour=False)


def line_of(text: str, starts: str) -> str:
    """The first line that begins (after indentation) with ``starts``."""
    return next(line for line in text.splitlines() if line.lstrip().startswith(starts))


def cells(line: str) -> list[str]:
    return re.split(r"\s{2,}", line.strip())


# -- overview -------------------------------------------------------------------------------------------------------


def test_overview_lists_every_command_once() -> None:
    text = help_overview(SCHEMA, WIDTH, colour=False)
    words = set(text.split())
    assert set(SCHEMA.commands) <= words
    grouped = [name for names in group_commands(SCHEMA.commands).values() for name in names]
    assert sorted(grouped) == sorted(SCHEMA.commands)
    assert text.splitlines()[0] == "216 commands (3 deprecated, 21 unstable), 52 events"


def test_overview_groups_commands_sensibly() -> None:
    groups = group_commands(SCHEMA.commands)
    assert {"stop", "cont", "quit", "system_reset", "system_powerdown"} <= set(groups["run state & machine"])
    assert {"block-job-cancel", "job-dismiss"} <= set(groups["jobs"])
    assert "block-job-cancel" not in groups["block"]
    assert {"blockdev-add", "drive-backup", "block_resize"} <= set(groups["block"])
    assert {"migrate", "migrate-set-parameters", "migrate_cancel"} <= set(groups["migration & snapshots"])
    assert {"device_add", "qom-get", "object-add"} <= set(groups["devices & QOM"])
    assert {"chardev-add", "netdev_add"} <= set(groups["chardev & network"])
    assert {"send-key", "screendump", "input-send-event"} <= set(groups["display & input"])
    assert all(name.startswith("query-") for name in groups["queries (query-*)"])
    assert all(name.startswith("x-") for name in groups["experimental (x-*)"])
    assert list(groups)[-1] == "experimental (x-*)"


def test_overview_marks_deprecated_and_unstable_commands() -> None:
    text = help_overview(SCHEMA, WIDTH, colour=False)
    assert "drive-backup (deprecated)" in text
    assert "nbd-server-add (deprecated)" in text
    assert "x-debug-query-block-graph (unstable)" in text
    assert "blockdev-add (" not in text
    assert "MEM_UNPLUG_ERROR (deprecated)" in text  # events come last, marked too


def test_overview_fits_the_width_and_colours_only_on_request() -> None:
    for width in (60, 80, 132):
        text = help_overview(SCHEMA, width, colour=False)
        assert max(len(line) for line in text.splitlines()) <= width
    coloured = help_overview(SCHEMA, 80, colour=True)
    assert "\x1b[" in coloured
    assert strip_ansi(coloured) == help_overview(SCHEMA, 80, colour=False)


# -- single commands ------------------------------------------------------------------------------------------------


def test_query_status_has_no_arguments_and_returns_its_members() -> None:
    text = help_for("query-status")
    assert text.splitlines()[:2] == ["query-status", "arguments: none"]
    assert "returns: {running, singlestep, status}" in text
    assert cells(line_of(text, "running")) == ["running", "required", "bool"]
    status = line_of(text, "status ")
    assert cells(status) == ["status", "required", "enum (16 values)"]
    values = text[text.index("values:") :]
    for value in ("debug", "inmigrate", "running", "guest-panicked", "colo"):  # all, not describe()'s first six
        assert re.search(rf"\b{value}\b", values)


def test_blockdev_add_shows_what_each_driver_adds() -> None:
    text = help_for("blockdev-add")
    assert cells(line_of(text, "driver ")) == ["driver", "required", "enum (42 values)"]
    assert cells(line_of(text, "node-name")) == ["node-name", "optional", "str"]
    file_case = text.index("driver=file adds:")
    next_case = text.index("driver=", file_case + 1)
    file_members = text[file_case:next_case]
    assert cells(line_of(file_members, "filename")) == ["filename", "required", "str"]
    assert cells(line_of(file_members, "aio ")) == ["aio", "optional", "enum threads|native|io_uring"]
    assert line_of(file_members, "x-check-cache-dropped").endswith("bool (unstable)")
    # The members a driver adds are indented under it, deeper than the common ones.
    assert line_of(file_members, "filename").index("filename") > line_of(text, "node-name").index("node-name")
    assert "returns: nothing ({})" in text


def test_migrate_set_parameters_are_all_optional_and_one_is_unstable() -> None:
    text = help_for("migrate-set-parameters")
    arguments = [line for line in text.splitlines()[2:] if line.startswith("  ") and not line.startswith("    ")]
    assert len(arguments) == len(SCHEMA.arguments("migrate-set-parameters").members)
    assert all(cells(line)[1] == "optional" for line in arguments)
    assert cells(line_of(text, "tls-creds")) == ["tls-creds", "optional", "str or null"]
    assert line_of(text, "x-checkpoint-delay").endswith("int (unstable)")
    # block-bitmap-mapping is a list of objects: opened one level down.
    assert cells(line_of(text, "alias")) == ["alias", "required", "str"]


def test_send_key_opens_the_key_union_with_every_qcode() -> None:
    text = help_for("send-key")
    assert cells(line_of(text, "keys")) == ["keys", "required", "list of {…}"]
    assert cells(line_of(text, "type ")) == ["type", "required", "enum number|qcode"]
    assert "type=number adds:" in text
    qcode = text[text.index("type=qcode adds:") :]
    assert cells(line_of(qcode, "data")) == ["data", "required", "enum (150 values)"]
    words = set(re.split(r"[\s,]+", qcode))
    assert {"ctrl", "alt", "delete", "f12", "kp_enter", "lang2"} <= words
    assert cells(line_of(text, "hold-time")) == ["hold-time", "optional", "int"]


def test_deprecated_command_says_so() -> None:
    text = help_for("drive-backup")
    assert text.splitlines()[0] == "drive-backup (deprecated)"
    assert cells(line_of(text, "device ")) == ["device", "required", "str"]
    assert line_of(text, "x-perf").endswith("(unstable)")
    assert cells(line_of(text, "max-workers")) == ["max-workers", "optional", "int"]


def test_unstable_command_and_its_returned_graph() -> None:
    text = help_for("x-debug-query-block-graph")
    assert text.splitlines()[:2] == ["x-debug-query-block-graph (unstable)", "arguments: none"]
    assert "returns: {nodes, edges}" in text
    assert cells(line_of(text, "nodes")) == ["nodes", "required", "list of {…}"]
    assert cells(line_of(text, "perm")) == [
        "perm",
        "required",
        "list of enum consistent-read|write|write-unchanged|resize",
    ]


def test_list_returns_show_the_element_members_and_union_cases() -> None:
    text = help_for("query-cpus-fast")
    assert "returns: list of {…}" in text
    assert cells(line_of(text, "qom-path")) == ["qom-path", "required", "str"]
    assert cells(line_of(text, "socket-id")) == ["socket-id", "optional", "int"]
    assert "target=s390x adds:" in text
    assert "x86_64" in text[text.index("nothing more for target=") :]


def test_out_of_band_and_open_arguments() -> None:
    assert help_for("migrate-pause").splitlines()[0] == "migrate-pause (allows out-of-band execution)"
    device_add = help_for("device_add")
    assert "device-list-properties" in device_add
    assert cells(line_of(device_add, "driver")) == ["driver", "required", "str"]


def test_help_wraps_to_the_width() -> None:
    for name in ("blockdev-add", "send-key", "query-cpus-fast"):
        assert max(len(line) for line in help_for(name, 80).splitlines()) <= 80


def test_colour_changes_nothing_but_colour() -> None:
    for name in ("blockdev-add", "drive-backup", "send-key"):
        coloured = help_command(SCHEMA, name, 80, colour=True)
        assert "\x1b[" in coloured
        assert strip_ansi(coloured) == help_command(SCHEMA, name, 80, colour=False)


def test_every_command_has_help() -> None:
    for name in SCHEMA.commands:
        assert help_for(name).startswith(name)


def test_unknown_command_suggests_close_names() -> None:
    text = help_for("query-statu")
    assert text.startswith("unknown command 'query-statu'; did you mean ")
    assert "query-status" in text
    assert "\n" not in text
    assert help_for("frobnicate") == "unknown command 'frobnicate'"
    assert help_for("SHUTDOWN") == "'SHUTDOWN' is an event, not a command"


def test_commands_known_by_name_only() -> None:
    names = [entry["name"] for entry in json.loads((DATA / "query-commands-7.2.json").read_text())]
    untyped = Schema.from_command_names(names)
    text = help_command(untyped, "query-status", WIDTH, colour=False)
    assert text.splitlines()[0] == "query-status"
    assert "unknown" in text.splitlines()[1]
    assert "query-status" in help_overview(untyped, WIDTH, colour=False)


# -- events ---------------------------------------------------------------------------------------------------------


def test_event_help() -> None:
    text = help_event(SCHEMA, "SHUTDOWN", WIDTH, colour=False)
    assert text.splitlines()[:2] == ["SHUTDOWN (event)", "data:"]
    assert cells(line_of(text, "guest")) == ["guest", "required", "bool"]
    assert "host-qmp-quit" in text
    assert help_event(SCHEMA, "STOP", WIDTH, colour=False) == "STOP (event)\ndata: none"
    assert help_event(SCHEMA, "MEM_UNPLUG_ERROR", WIDTH, colour=False).startswith(
        "MEM_UNPLUG_ERROR (event) (deprecated)"
    )
    assert help_event(SCHEMA, "query-status", WIDTH, colour=False) == "'query-status' is a command, not an event"
    assert "SHUTDOWN" in help_event(SCHEMA, "SHUTDWN", WIDTH, colour=False)
