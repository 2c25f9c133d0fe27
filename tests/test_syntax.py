"""The syntax layer on plain strings: key=value words, JSON requests, QMP addresses."""

from __future__ import annotations

import pytest

from tests.guest_facts import json_fault
from vdbgsh.errors import UsageError
from vdbgsh.syntax.errors import ParseError
from vdbgsh.syntax.json_request import parse_json_request
from vdbgsh.syntax.request import parse_request_line, parse_request_words
from vdbgsh.transport.address import QMPAddress, parse_qmp_address
from vdbgsh.transport.base import JSONObject


def parse_keyvalue_request(line: str) -> JSONObject:
    """Without a schema: values typed loosely (JSON literal, else string)."""
    return parse_request_line(line).message


def test_command_without_arguments() -> None:
    assert parse_keyvalue_request("query-status") == {"execute": "query-status"}


def test_dotted_keys_nest_only_where_they_say() -> None:
    # qmp-shell puts every key after a dotted one inside it; here `driver` stays at the top.
    request = parse_keyvalue_request("blockdev-add file.driver=file file.filename=/tmp/a node-name=n0 driver=raw")
    assert request["arguments"] == {
        "file": {"driver": "file", "filename": "/tmp/a"},
        "node-name": "n0",
        "driver": "raw",
    }


def test_list_indexes_build_lists() -> None:
    request = parse_keyvalue_request("send-key keys.0.type=qcode keys.0.data=ctrl keys.1.type=qcode keys.1.data=alt")
    assert request["arguments"] == {"keys": [{"type": "qcode", "data": "ctrl"}, {"type": "qcode", "data": "alt"}]}


def test_quoting_works_as_in_a_shell() -> None:
    request = parse_keyvalue_request('human-monitor-command command-line="info status" path="/a b"')
    assert request["arguments"] == {"command-line": "info status", "path": "/a b"}


def test_simple_typing_until_the_schema_types_values() -> None:
    request = parse_keyvalue_request("cmd a=1 b=true c=null d=x e='{\"k\":[1]}' f=1.5")
    assert request["arguments"] == {"a": 1, "b": True, "c": None, "d": "x", "e": {"k": [1]}, "f": 1.5}


@pytest.mark.parametrize(
    ("line", "message", "caret_under"),
    [
        ("cmd a=1 a=2", "'a' is given twice", "a=2"),
        ("cmd novalue", "'novalue' is not key=value", "novalue"),
        ("cmd x.=1", "empty name in 'x.'", "x.=1"),
        ("cmd l.1=a", "'l' is a list: expected index 0 here, not '1'", "l.1=a"),
        ("cmd a=1 a.b=2", "'a' already has a plain value", "a.b=2"),
        ('cmd path="/a b', "no closing quotation", '"/a b'),
    ],
)
def test_bad_words_point_at_the_fault(line: str, message: str, caret_under: str) -> None:
    with pytest.raises(ParseError) as caught:
        parse_keyvalue_request(line)
    err = caught.value
    assert message in err.message
    shown, caret = err.lines()[1], err.lines()[2]
    assert shown == "  " + line
    assert caret.index("^") == shown.rindex(caret_under)


def test_malformed_json_names_line_and_column() -> None:
    text = '{"execute": "query-status",}'
    fault = json_fault(text)  # this Python's column: 28 on 3.11, the comma's 27 on 3.13+
    with pytest.raises(ParseError) as caught:
        parse_json_request(text)
    lines = caught.value.lines()
    assert lines[0] == f"malformed JSON at line 1, column {fault.colno}: {fault.msg}"
    assert lines[2].index("^") - 2 == fault.pos


def test_malformed_json_over_several_lines_shows_the_faulty_line() -> None:
    text = '{"execute": "x",\n "arguments": {"a": tru}\n}'
    with pytest.raises(ParseError) as caught:
        parse_json_request(text)
    lines = caught.value.lines()
    assert lines[0].startswith("malformed JSON at line 2, column 21")
    assert lines[1] == '   "arguments": {"a": tru}'
    assert lines[2] == "  " + " " * 20 + "^"


@pytest.mark.parametrize(
    ("text", "message"),
    [
        ("[1]", "must be a JSON object"),
        ('{"arguments": {}}', 'no "execute" member'),
        ('{"execute": "x", "arguments": [1]}', '"arguments" must be a JSON object'),
        ('{"execute": "x", "argument": {}}', 'unknown request member "argument"'),
    ],
)
def test_json_that_is_no_request(text: str, message: str) -> None:
    with pytest.raises(ParseError, match=message):
        parse_json_request(text)


def test_a_json_line_and_a_keyvalue_line_give_the_same_request() -> None:
    assert parse_request_line('{"execute": "qom-list", "arguments": {"path": "/machine"}}') == parse_request_line(
        "qom-list path=/machine"
    )
    assert not parse_request_line("qom-list path=/machine").checked


def test_words_after_a_json_request_are_refused() -> None:
    with pytest.raises(UsageError, match="unexpected 'a=1' after a JSON request"):
        parse_request_words('{"execute": "x"}', ["a=1"])


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("unix:/run/q.sock", QMPAddress(path="/run/q.sock")),
        ("/run/q.sock", QMPAddress(path="/run/q.sock")),
        ("127.0.0.1:4444", QMPAddress(host="127.0.0.1", port=4444)),
        ("[::1]:4444", QMPAddress(host="::1", port=4444)),
        ("localhost:1", QMPAddress(host="localhost", port=1)),
    ],
)
def test_qmp_addresses(text: str, expected: QMPAddress) -> None:
    assert parse_qmp_address(text) == expected


@pytest.mark.parametrize("text", ["nonsense", "unix:", "host:", ":44", "host:99999", "host:x"])
def test_bad_qmp_addresses(text: str) -> None:
    with pytest.raises(UsageError, match="bad QMP address"):
        parse_qmp_address(text)


def test_address_round_trips_through_its_text() -> None:
    for text in ("unix:/run/q.sock", "127.0.0.1:4444", "[::1]:4444"):
        assert str(parse_qmp_address(text)) == text
