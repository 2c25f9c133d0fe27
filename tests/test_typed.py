"""Schema-typed ``cmd key=value``: pure tests on the captured QEMU 7.2 schema, then the same table checked
against a real guest (it accepts what the validator accepts, and rejects what it rejects)."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import pytest

from tests.conftest import LoopThread
from vdbgsh.schema.model import Schema
from vdbgsh.syntax.errors import ParseError
from vdbgsh.syntax.request import parse_request_line
from vdbgsh.transport import Target

SCHEMA = Schema.from_introspection(json.loads((Path(__file__).parent / "data/qmp-schema-7.2.json").read_text()))


def typed(line: str) -> dict[str, Any]:
    request = parse_request_line(line, SCHEMA)
    assert request.checked
    arguments: dict[str, Any] = request.message.get("arguments", {})
    return arguments


def fault(line: str) -> ParseError:
    with pytest.raises(ParseError) as caught:
        parse_request_line(line, SCHEMA)
    return caught.value


def caret_under(err: ParseError) -> str:
    """The text from the caret on, as the user sees it."""
    shown, caret = err.lines()[1], err.lines()[2]
    return shown[caret.index("^") :]


def test_id_stays_a_string_where_the_schema_says_str() -> None:
    assert typed("object-add qom-type=secret id=123 data=abc") == {"qom-type": "secret", "id": "123", "data": "abc"}


def test_integers_take_size_suffixes() -> None:
    assert typed("migrate-set-parameters max-bandwidth=100M downtime-limit=300 xbzrle-cache-size=1.5G") == {
        "max-bandwidth": 100 << 20,
        "downtime-limit": 300,
        "xbzrle-cache-size": 3 << 29,
    }


@pytest.mark.parametrize(("word", "value"), [("on", True), ("off", False), ("yes", True), ("false", False)])
def test_booleans(word: str, value: bool) -> None:
    assert typed(f"qom-list-types implements=device abstract={word}") == {"implements": "device", "abstract": value}


def test_dotted_keys_nest_into_the_member_they_name() -> None:
    assert typed(
        "blockdev-add driver=raw file.driver=file file.filename=/tmp/a b node-name=n0".replace("a b", "ab")
    ) == {
        "driver": "raw",
        "file": {"driver": "file", "filename": "/tmp/ab"},
        "node-name": "n0",
    }


def test_an_alternate_takes_a_plain_reference_too() -> None:
    assert typed("blockdev-add driver=raw file=disk0 node-name=n0")["file"] == "disk0"


def test_union_members_are_known_wherever_the_tag_stands() -> None:
    assert typed("blockdev-add filename=/tmp/x node-name=n1 driver=file") == {
        "filename": "/tmp/x",
        "node-name": "n1",
        "driver": "file",
    }


def test_lists_by_index_and_enums_inside_them() -> None:
    assert typed("send-key keys.0.type=qcode keys.0.data=ctrl keys.1.type=number keys.1.data=29") == {
        "keys": [{"type": "qcode", "data": "ctrl"}, {"type": "number", "data": 29}]
    }


def test_structured_values_as_json_are_checked_too() -> None:
    assert typed("""send-key keys='[{"type": "qcode", "data": "a"}]' hold-time=100""") == {
        "keys": [{"type": "qcode", "data": "a"}],
        "hold-time": 100,
    }
    err = fault("""send-key keys='[{"type": "qcode", "data": "notakey"}]'""")
    assert "'notakey' is not one of" in err.message


def test_quoting_works_as_in_a_shell() -> None:
    assert typed('human-monitor-command command-line="info status"') == {"command-line": "info status"}


def test_unknown_command_suggests() -> None:
    err = fault("query-statsu")
    assert (
        err.message == "unknown command 'query-statsu'; did you mean query-stats or query-status or query-blockstats?"
    )
    assert caret_under(err) == "query-statsu"


def test_unknown_argument_points_at_it() -> None:
    err = fault("qom-get path=/machine propery=type")
    assert err.message == "unknown argument 'propery'; did you mean property?"
    assert caret_under(err) == "propery=type"
    assert fault("query-status bogus=1").lines()[-1] == "hint: query-status takes no arguments here"


def test_missing_required_argument_points_past_the_end() -> None:
    err = fault("qom-get path=/machine")
    assert err.message == "missing required argument 'property' (str)"
    assert err.lines()[2].index("^") == len(err.lines()[1])


def test_wrong_type_points_at_the_value() -> None:
    err = fault("qom-list-types abstract=maybe")
    assert err.message == "abstract: 'maybe' is not a boolean (on/off, true/false, yes/no)"
    assert caret_under(err) == "maybe"
    err = fault("migrate-set-parameters max-bandwidth=lots")
    assert err.message.startswith("max-bandwidth: 'lots' is not an integer")


def test_bad_enum_value_lists_the_choices() -> None:
    err = fault("set_password protocol=vncc password=x")
    assert err.message == "protocol: 'vncc' is not one of: vnc, spice; did you mean vnc?"
    assert caret_under(err) == "vncc password=********"  # the line shown again keeps its secret masked


def test_nested_unknown_member() -> None:
    err = fault("query-cpu-model-expansion type=static model.nme=qemu64")
    assert err.message == "unknown argument 'model.nme'; did you mean name?"


def test_json_requests_are_validated_with_a_caret_on_the_member() -> None:
    err = fault('{"execute": "qom-get", "arguments": {"path": "/machine", "propery": "type"}}')
    assert err.message == "unknown member 'propery'; did you mean property?"
    assert caret_under(err).startswith('"propery"')


def test_bang_sends_unchecked() -> None:
    request = parse_request_line("!query-status bogus=1", SCHEMA)
    assert not request.checked
    assert request.message == {"execute": "query-status", "arguments": {"bogus": 1}}


def test_device_add_takes_driver_properties() -> None:
    assert typed("device_add driver=virtio-balloon-pci id=b1 deflate-on-oom=true") == {
        "driver": "virtio-balloon-pci",
        "id": "b1",
        "deflate-on-oom": True,
    }


# The same lines against a real QEMU: what the validator accepts, the guest accepts (and returns no error);
# what it rejects, the guest rejects too when the line is forced through unchecked with loose typing.
ACCEPTED = [
    "qom-list-types implements=device abstract=off",
    "object-add qom-type=secret id=s1 data=123",
    "object-del id=s1",
    "migrate-set-parameters max-bandwidth=100M downtime-limit=300",
    "query-cpu-model-expansion type=static model.name=qemu64",
    'human-monitor-command command-line="info status"',
    "device-list-properties typename=virtio-balloon-pci",
    "qom-get path=/machine property=type",
    "send-key keys.0.type=qcode keys.0.data=shift",
    """send-key keys='[{"type": "number", "data": 42}]' hold-time=10""",
]
REJECTED = [
    "qom-list-types abstract=maybe",
    "migrate-set-parameters max-bandwidth=lots",
    "query-status bogus=1",
    "qom-get path=/machine",
    "set_password protocol=vncc password=x",
    "query-cpu-model-expansion type=static model.nme=qemu64",
    "object-add qom-type=secretz id=s1",
]


def test_the_guest_agrees_with_the_validator(loop: LoopThread, guest: str) -> None:
    monitor = loop.run(Target(domain=guest).open(events=False))
    try:
        for line in ACCEPTED:
            reply = loop.run(monitor.execute_message(parse_request_line(line, SCHEMA).message))
            assert reply.ok, (line, reply.message)
        for line in REJECTED:
            with pytest.raises(ParseError):
                parse_request_line(line, SCHEMA)
            reply = loop.run(monitor.execute_message(parse_request_line("!" + line, SCHEMA).message))
            assert not reply.ok, line
        # qmp-shell's guess (id=123 as an integer) is what QEMU refuses; the schema's typing is what it takes.
        loose = loop.run(
            monitor.execute_message(parse_request_line("!object-add qom-type=secret id=123 data=x").message)
        )
        assert loose.error_desc == "Invalid parameter type for 'id', expected: string"
    finally:
        loop.run(monitor.close())
