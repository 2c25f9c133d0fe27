"""Secrets masked: which members of QEMU 7.2's schema, in lines as typed (QMP, JSON, HMP), in the echoed JSON of a
session on a real QEMU, and in the history file; what is sent is unchanged."""

from __future__ import annotations

import json
import os
import re
import stat
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from tests.conftest import LoopThread, vdbgsh
from vdbgsh.guest.plain_qemu import PlainQemu
from vdbgsh.schema.loading import SchemaCache, load_schema
from vdbgsh.schema.model import Schema
from vdbgsh.session import Session
from vdbgsh.syntax.secrets import (
    MASK,
    is_secret,
    mask_at,
    mask_line,
    mask_reply,
    mask_request,
    masked_secrets,
    returns_secret,
    secret_paths,
)
from vdbgsh.transport import Target
from vdbgsh.ui.history_file import open_history

DATA = Path(__file__).parent / "data"


@pytest.fixture(scope="module")
def schema() -> Schema:
    entries = json.loads((DATA / "qmp-schema-7.2.json").read_text())
    return Schema.from_introspection(entries.get("return", entries) if isinstance(entries, dict) else entries)


def schema_members(schema: Schema) -> Iterator[tuple[str, str, bool]]:
    """(command, member path, masked?) for every member of every command's arguments, union variants included
    (with their tag's value, as object-add's qom-type)."""

    def walk(
        command: str, name: str, path: tuple[str, ...], owner: dict[str, str], seen: frozenset[str]
    ) -> Iterator[tuple[str, str, bool]]:
        kind = schema.types.get(name)
        if kind is None or name in seen:
            return
        seen |= {name}
        if kind.meta == "object":
            for member in kind.members:
                secret = is_secret(command, member.name, owner)
                yield command, ".".join((*path, member.name)), secret
                if not secret:
                    yield from walk(command, member.type, (*path, member.name), {}, seen)
            for value, variant in kind.variants:
                yield from walk(command, variant, path, {kind.tag: value}, seen)
        elif kind.meta == "array":
            yield from walk(command, kind.element, (*path, "0"), {}, seen)
        elif kind.meta == "alternate":
            for alternative in kind.alternatives:
                yield from walk(command, alternative, path, owner, seen)

    for command in schema.commands.values():
        yield from walk(command.name, command.arg_type, (), {}, frozenset())


def test_the_schema_members_masked_are_the_reviewed_ones(schema: Schema) -> None:
    masked = {(command, path) for command, path, secret in schema_members(schema) if secret}
    assert masked == {
        ("set_password", "password"),
        ("change-vnc-password", "password"),
        ("object-add", "data"),  # of qom-type secret only
        ("sev-inject-launch-secret", "secret"),
    }


def test_secret_ids_and_keys_are_not_masked(schema: Schema) -> None:
    """Names that say secret, password or key but hold an object's id, a key code or a key slot."""
    alike = {
        (command, path)
        for command, path, secret in schema_members(schema)
        if not secret and re.search(r"secret|pass|key", path.rsplit(".", 1)[-1])
    }
    for expected in [
        ("blockdev-add", "key-secret"),
        ("blockdev-add", "password-secret"),
        ("blockdev-add", "proxy-password-secret"),
        ("blockdev-add", "cookie-secret"),
        ("blockdev-create", "options.encrypt.key-secret"),
        ("x-blockdev-amend", "options.new-secret"),
        ("x-blockdev-amend", "options.secret"),  # LUKS amend: the id of the secret unlocking the header
        ("x-blockdev-amend", "options.keyslot"),
        ("object-add", "keyid"),
        ("object-add", "passwordid"),
        ("send-key", "keys"),
        ("input-send-event", "events.0.data.key"),
    ]:
        assert expected in alike, expected
    assert ("object-add", "serial") not in {(c, p) for c, p, secret in schema_members(schema) if secret}


@pytest.mark.parametrize(
    ("typed", "kept"),
    [
        ("set_password vnc hunter2", "set_password vnc ********"),
        ("  set_password vnc hunter2 -d vnc0 keep", "  set_password vnc ******** -d vnc0 keep"),
        ("set_password protocol=vnc password=hunter2", "set_password protocol=vnc password=********"),
        ("set_password protocol=vnc password='abc'", "set_password protocol=vnc password=********"),
        # Blanks in a quoted value make the line HMP to the session (classify splits on blanks): a whole word goes.
        ("set_password protocol=vnc password='a b c'", "set_password protocol=vnc ********"),
        ("!set_password protocol=vnc password=hunter2", "!set_password protocol=vnc password=********"),
        (
            '{"execute": "set_password", "arguments": {"password": "hu\\"n", "protocol": "vnc"}}',
            '{"execute": "set_password", "arguments": {"password": "********", "protocol": "vnc"}}',
        ),
        (
            '{"execute":"set_password","arguments":{"protocol":"vnc","password":"x"',  # does not parse
            '{"execute":"set_password","arguments":{"protocol":"vnc","password":"********"',
        ),
        ("change vnc password hunter2", "change vnc password ********"),
        ("change-vnc-password password=hunter2", "change-vnc-password password=********"),
        ("object_add secret,id=s0,data=hunter2", "object_add secret,id=s0,data=********"),
        ("object_add secret,id=s0,data=a,,b,format=raw", "object_add secret,id=s0,data=********,format=raw"),
        ("object_add id=s0,qom-type=secret,data=x", "object_add id=s0,qom-type=secret,data=********"),
        (
            'object_add {"qom-type":"secret","id":"s0","data":"x"}',
            'object_add {"qom-type":"secret","id":"s0","data":"********"}',
        ),
        ("object-add qom-type=secret id=s0 data=hunter2", "object-add qom-type=secret id=s0 data=********"),
        (
            '{"execute":"object-add","arguments":{"qom-type":"secret","id":"s0","data":"x"}}',
            '{"execute":"object-add","arguments":{"qom-type":"secret","id":"s0","data":"********"}}',
        ),
        ("qom-set /objects/s0 data x", "qom-set /objects/s0 data ********"),
        (
            "qom-set path=/objects/v property=password value=x",
            "qom-set path=/objects/v property=password value=********",
        ),
        (":translate set_password vnc hunter2", ":translate set_password vnc ********"),
        (
            '{"execute":"human-monitor-command","arguments":{"command-line":"set_password vnc hunter2"}}',
            '{"execute":"human-monitor-command","arguments":{"command-line":"set_password vnc ********"}}',
        ),
        # Spellings of a secret's name in any case.
        ("set_password protocol=vnc Password=hunter2", "set_password protocol=vnc Password=********"),
        ('{"execute":"x","arguments":{"PASSWORD":"hunter2"}}', '{"execute":"x","arguments":{"PASSWORD":"********"}}'),
        ("x-y Passphrase=hunter2", "x-y Passphrase=********"),
        ('{"execute":"x","arguments":{"Passwd":"hunter2"', '{"execute":"x","arguments":{"Passwd":"********"'),
        ("qom-set path=/o property=PASSWORD value=hunter2", "qom-set path=/o property=PASSWORD value=********"),
        ("qom-set /objects/o Password hunter2", "qom-set /objects/o Password ********"),
        ("object_add secret,id=s0,Data=hunter2", "object_add secret,id=s0,Data=********"),
        # Lines that do not parse (a quote left open), and quotes inside an option string.
        ("object_add 'secret,id=s0,data=hunter2", "object_add 'secret,id=s0,data=********"),
        ('object_add "secret,id=s0,data=hunter2', 'object_add "secret,id=s0,data=********'),
        ("object_add secret,id=s0,'data=hunter2", "object_add secret,id=s0,'data=********"),
        ("object_add 'secret,id=s0',data=hunter2", "object_add 'secret,id=s0',data=********"),
        ("set_password 'vnc hunter2", "set_password 'vnc ********"),
        ("'set_password vnc hunter2", "'set_password vnc ********"),
        ("set_password protocol=vnc password='hunter2", "set_password protocol=vnc password=********"),
        ("object-add qom-type=secret id=s0 'data=hunter2", "object-add qom-type=secret id=s0 data=********"),
        # A whole line quoted as one word (how shlex.join writes exec's one-word line).
        ("'set_password protocol=vnc password=hunter2'", "'set_password protocol=vnc password=********'"),
        ("'set_password vnc hunter2'", "'set_password vnc ********'"),
        # Credentials in URIs: the password of the userinfo, or a userinfo without one (a token) whole.
        ("migrate uri=tcp://admin:hunter2@10.0.0.1:4444", "migrate uri=tcp://admin:********@10.0.0.1:4444"),
        ("migrate -d tcp://admin:hunter2@10.0.0.1:4444", "migrate -d tcp://admin:********@10.0.0.1:4444"),
        ("migrate_incoming tcp://admin:hunter2@0:4444", "migrate_incoming tcp://admin:********@0:4444"),
        ("migrate-incoming uri=tcp://hunter2@0:4444", "migrate-incoming uri=tcp://********@0:4444"),
        ("migrate 'uri=tcp://a:hunter2 x@h:1'", "migrate uri=tcp://a:********@h:1"),
        (
            '{"execute":"migrate","arguments":{"uri":"tcp://admin:hunter2@h:4444"}}',
            '{"execute":"migrate","arguments":{"uri":"tcp://admin:********@h:4444"}}',
        ),
        (
            '{"execute":"human-monitor-command","arguments":{"command-line":"migrate tcp://a:hunter2@h:1"}}',
            '{"execute":"human-monitor-command","arguments":{"command-line":"migrate tcp://a:********@h:1"}}',
        ),
    ],
)
def test_a_line_keeps_its_form_with_its_secret_masked(schema: Schema, typed: str, kept: str) -> None:
    assert mask_line(typed, schema) == kept


@pytest.mark.parametrize(
    "line",
    [
        "object_add secret_keyring,id=k0,serial=12345",  # a kernel key's serial number, not the key
        "object_add secret,id=s0,file=/run/pw,format=raw",
        "blockdev-add driver=luks node-name=n0 key-secret=s0 file=disk0",
        "send-key keys.0.type=qcode keys.0.data=ctrl",
        "sendkey ctrl-alt-delete",
        "expire_password vnc now",
        "qom-get path=/objects/s0 property=data",
        ":log /tmp/session.jsonl",
        "migrate uri=tcp://10.0.0.1:4444",
        "migrate uri=exec:ssh root@host nc -l 4444",  # a user@host for a program: no credential
        "device_add virtio-net,id=n0,mac=52:54:00:12:34:56",
        "",
    ],
)
def test_lines_without_secrets_are_kept_as_typed(schema: Schema, line: str) -> None:
    assert mask_line(line, schema) == line


@pytest.mark.parametrize(
    ("typed", "kept"),
    [
        (
            "set_password protocol=vnc password=hunter2 password=again",
            "set_password protocol=vnc password=******** password=********",
        ),
        (
            '{"execute":"set_password","arguments":{"protocol":"vnc","password":"hunter2","password":"again"}}',
            '{"execute":"set_password","arguments":{"protocol":"vnc","password":"********","password":"********"}}',
        ),
        ("object_add secret,id=s0,data=hunter2,data=again", "object_add secret,id=s0,data=********,data=********"),
        (
            'object_add {"qom-type":"secret","id":"s0","data":"hunter2","data":"again"}',
            'object_add {"qom-type":"secret","id":"s0","data":"********","data":"********"}',
        ),
    ],
)
def test_a_secret_given_twice_is_masked_both_times(schema: Schema, typed: str, kept: str) -> None:
    assert mask_line(typed, schema) == kept


@pytest.mark.parametrize(
    ("typed", "fault", "at"),
    [
        ("set_password protocol=vnc password=hunter2 bogus=1", "bogus=1", "bogus=1"),
        ("set_password protocol=vnc password=hunter2 bogus=1", "ter2 bogus=1", MASK),  # inside: the mask's start
        ('{"execute":"set_password","arguments":{"password":"hunter2","x":1}}', '"x":1}}', '"x":1}}'),
        ("set_password vnc hunter2 x y", "x y", "x y"),
        ("set_password vnc hunter2", "set_password", "set_password"),  # before the secret: unmoved
    ],
)
def test_a_fault_after_a_secret_keeps_its_place(typed: str, fault: str, at: str) -> None:
    masked, offset = mask_at(typed, typed.index(fault))
    assert "hunter2" not in masked
    assert masked[offset:].startswith(at)


def test_without_a_schema_name_value_words_read_as_qmp() -> None:
    assert mask_line("set_password protocol=vnc password=x") == "set_password protocol=vnc password=********"
    assert mask_line("set_password vnc x") == "set_password vnc ********"


def test_mask_request_copies_and_says_where() -> None:
    request: dict[str, Any] = {
        "execute": "object-add",
        "arguments": {"qom-type": "secret", "id": "s0", "data": "hunter2"},
    }
    masked = mask_request(request)
    assert masked["arguments"] == {"qom-type": "secret", "id": "s0", "data": MASK}
    assert request["arguments"]["data"] == "hunter2"  # what is sent is left alone
    assert secret_paths(request) == [("arguments", "data")]
    assert masked_secrets(masked) == ["arguments.data"]
    assert masked_secrets(request) == []


def test_uri_credentials_are_masked_in_requests_and_refused_when_masked() -> None:
    request = {"execute": "migrate", "arguments": {"uri": "tcp://admin:p@ss@h:4444/x@y", "detach": True}}
    assert mask_request(request)["arguments"]["uri"] == "tcp://admin:********@h:4444/x@y"
    assert secret_paths(request) == [("arguments", "uri")]
    incoming = {"execute": "migrate-incoming", "arguments": {"uri": "tcp://token@0:4444"}}
    assert mask_request(incoming)["arguments"]["uri"] == "tcp://********@0:4444"
    assert masked_secrets(mask_request(request)) == ["arguments.uri"]
    assert masked_secrets(request) == []
    hmp = {"execute": "human-monitor-command", "arguments": {"command-line": "migrate tcp://a:********@h:1"}}
    assert masked_secrets(hmp) == ["arguments.command-line"]


def test_hmp_text_quoting_a_secret_back_is_masked() -> None:
    # HMP answers its errors in a successful reply; QEMU 11.1's migrate quotes the URI whole (7.2's did not).
    hmp = {"execute": "human-monitor-command", "arguments": {"command-line": "migrate xyz://admin:hunter2@h:1"}}
    said = {"return": "Error: unknown migration protocol: xyz://admin:hunter2@h:1\r\n"}
    masked = mask_reply(said, hmp)["return"]
    assert "hunter2" not in masked
    assert masked.startswith("Error: unknown migration protocol: ")
    assert MASK in masked
    assert said["return"].count("hunter2") == 1  # a copy
    assert mask_reply({"return": "OK\r\n"}, hmp) == {"return": "OK\r\n"}


def test_an_error_quoting_a_secret_back_is_masked() -> None:
    from vdbgsh.syntax.errors import ParseError

    source = '!{"execute":"set_password","arguments":{"password":"hunter2"}} x'
    lines = ParseError(f"unknown command '{source}'", source, 0, f"not '{source}'").lines()
    assert not any("hunter2" in line for line in lines)
    assert '"password":"********"' in lines[0]
    request = {"execute": source}
    reply = {"error": {"class": "CommandNotFound", "desc": f"The command {source} has not been found"}}
    assert "hunter2" not in json.dumps(mask_reply(reply, request))
    assert reply["error"]["desc"].count("hunter2") == 1  # a copy: the reply itself is left alone
    migrate = {"execute": "migrate", "arguments": {"uri": "xyz://admin:hunter2@h:1"}}
    refused = {"error": {"class": "GenericError", "desc": "unknown migration protocol: xyz://admin:hunter2@h:1"}}
    assert mask_reply(refused, migrate)["error"]["desc"] == "unknown migration protocol: xyz://admin:********@h:1"
    short = {"execute": "set_password", "arguments": {"protocol": "vnc", "password": "ab"}}
    said = {"error": {"class": "GenericError", "desc": "password ab refused (about it)"}}
    assert mask_reply(said, short)["error"]["desc"] == "password ******** refused (about it)"
    assert mask_reply({"return": {}}, short) == {"return": {}}
    passwords = ",".join(f'"password":"hunter{i}"' for i in range(20_000))
    many = '!{"execute":"x","arguments":{' + passwords + "}} x"
    huge = {"error": {"class": "CommandNotFound", "desc": f"The command {many} has not been found"}}
    assert "hunter" not in mask_reply(huge, {"execute": many})["error"]["desc"]


def test_uri_credentials_are_found_in_linear_time() -> None:
    """A megabyte of 'a.a.a.' then an '@': a pattern anchored on the scheme would retry at every '.' (minutes)."""
    import time

    for tail in ("@", "://@", "://admin:hunter2@h"):
        value = "a." * 500_000 + tail
        started = time.perf_counter()
        shown = mask_line(f"qom-set path=/x property=y value={value}")
        masked = mask_request({"execute": "x", "arguments": {"v": value}})
        assert time.perf_counter() - started < 2
        assert "hunter2" not in shown[-40:] + masked["arguments"]["v"][-40:]
    assert mask_line("migrate uri=tcp://@h:1") == "migrate uri=tcp://@h:1"  # an empty userinfo hides nothing


@pytest.mark.slow  # ~1-2 s: masks megabyte lines
def test_a_line_of_many_secrets_and_a_stray_quote_is_masked_in_linear_time() -> None:
    import time

    line = "set_password " + "password=hunter2 " * 20_000 + "'"
    started = time.perf_counter()
    shown = mask_line(line)
    assert time.perf_counter() - started < 3  # quadratic, it took ~20 s
    assert "hunter2" not in shown


def test_secret_names_in_any_case() -> None:
    assert is_secret("x", "Password", {})
    assert is_secret("x", "PASSPHRASE", {})
    assert is_secret("qom-set", "value", {"property": "Passwd"})
    masked = mask_request({"execute": "x", "arguments": {"a": {"PassWord": "hunter2"}}})
    assert masked["arguments"]["a"]["PassWord"] == MASK


def test_a_secret_read_back_through_hmp_is_known() -> None:
    def hmp(line: str) -> dict[str, Any]:
        return {"execute": "human-monitor-command", "arguments": {"command-line": line}}

    assert returns_secret(hmp("qom-get /objects/s0 data"))
    assert returns_secret(hmp("  qom-get /objects/s0 'Password'"))
    assert returns_secret({"execute": "qom-get", "arguments": {"path": "/objects/s0", "property": "DATA"}})
    assert not returns_secret(hmp("qom-get /objects/s0 format"))
    assert not returns_secret(hmp("info status"))


@settings(max_examples=300, deadline=None)
@given(st.text(max_size=200) | st.sampled_from(["set_password ", "object_add ", '{"execute":', "!", ":translate "]))
def test_any_text_masks_without_error(text: str) -> None:
    assert isinstance(mask_line(text), str)


def test_history_file_is_private_and_masked(tmp_path: Path) -> None:
    path = tmp_path / "state" / "history"
    history = open_history(path)
    history.append_string("set_password vnc hunter2")
    history.append_string("object_add secret,id=s0,data=hunter2")
    history.append_string("query-status")
    assert stat.S_IMODE(path.stat().st_mode) == 0o600
    assert stat.S_IMODE(path.parent.stat().st_mode) == 0o700
    assert "hunter2" not in path.read_text()
    assert "+set_password vnc ********" in path.read_text()
    assert list(history.get_strings()) == [
        "set_password vnc ********",
        "object_add secret,id=s0,data=********",
        "query-status",
    ]


def test_history_masks_lines_that_do_not_parse_and_uri_credentials(tmp_path: Path) -> None:
    path = tmp_path / "history"
    history = open_history(path)
    for line in [
        "object_add 'secret,id=s0,data=hunter2",
        "set_password 'vnc hunter2",
        "set_password protocol=vnc PASSWORD=hunter2",
        "migrate -d tcp://admin:hunter2@10.0.0.1:4444",
        'migrate-incoming "uri=tcp://admin:hunter2@0:4444',
    ]:
        history.append_string(line)
    assert "hunter2" not in path.read_text()
    assert next(iter(history.get_strings())) == "object_add 'secret,id=s0,data=********"


def test_an_existing_history_file_is_made_private(tmp_path: Path) -> None:
    path = tmp_path / "history"
    path.write_text("")
    os.chmod(path, 0o644)
    open_history(path)
    assert stat.S_IMODE(path.stat().st_mode) == 0o600


@pytest.fixture(scope="module")
def session(loop: LoopThread, shared_qemu: PlainQemu, tmp_path_factory: pytest.TempPathFactory) -> Iterator[Session]:
    """A session on a plain QEMU (no confirmation there), showing the JSON it sends."""

    async def opened() -> Session:
        monitor = await Target(qmp=shared_qemu.address).open(events=False)
        loaded = await load_schema(monitor, SchemaCache(tmp_path_factory.mktemp("schema")))
        return Session(monitor, loaded, colour=False)

    opened_session = loop.run(opened())
    loop.run(opened_session.run(":verbose on"))
    yield opened_session
    loop.run(opened_session.monitor.close())


@pytest.mark.parametrize(
    "line",
    [
        "object-add qom-type=secret id=qmp0 data=hunter2",
        '{"execute": "object-add", "arguments": {"qom-type": "secret", "id": "json0", "data": "hunter2"}}',
        "object_add secret,id=hmp0,data=hunter2",
        "set_password protocol=vnc password=hunter2",
        "set_password vnc hunter2",
        "change vnc password hunter2",
    ],
)
def test_the_echoed_request_is_masked_and_the_secret_sent(session: Session, loop: LoopThread, line: str) -> None:
    sent: list[dict[str, Any]] = []
    session.observers.append(lambda exchange: sent.append(exchange.request))
    try:
        outcome = loop.run(session.run(line))
    finally:
        session.observers.pop()
    assert "hunter2" not in outcome.text
    assert MASK in outcome.text.splitlines()[0]
    assert outcome.text.startswith("→ ")
    assert len(sent) == 1
    assert "hunter2" in json.dumps(sent[0])  # the guest got the real secret
    if "secret" in line:  # the object exists: what QEMU holds is the real data
        assert "error" not in outcome.text


def test_a_secret_to_ask_for_is_refused_where_nobody_can_be_asked(session: Session, loop: LoopThread) -> None:
    sent: list[object] = []
    session.observers.append(sent.append)
    try:
        outcome = loop.run(session.run("object-add qom-type=secret id=ask0 data=-"))
    finally:
        session.observers.pop()
    assert outcome.text.splitlines()[-2:] == [
        "error: the data for object-add is '-', to be asked for without echo, which this shell cannot do here "
        "(nothing was sent)",
        "hint: give it on stdin to vdbgsh exec instead: printf '%s\\n' \"$SECRET\" | vdbgsh exec DOMAIN ...",
    ]
    assert sent == []


def test_a_recalled_masked_line_is_refused(session: Session, loop: LoopThread) -> None:
    sent: list[object] = []
    session.observers.append(sent.append)
    try:
        for line in ["set_password vnc ********", "object-add qom-type=secret id=m0 data=********"]:
            outcome = loop.run(session.run(line))
            assert outcome.text.startswith("error: ")
            assert f"is the mask {MASK}" in outcome.text
    finally:
        session.observers.pop()
    assert sent == []


@pytest.mark.parametrize(
    ("line", "fault"),
    [
        ("set_password protocol=vnc password=hunter2 bogus=1", "bogus=1"),
        ("set_password protocol=vnc password=hunter2 password=again", "password=********"),
        ('{"execute":"set_password","arguments":{"protocol":"vnc","password":"hunter2","x":1}}', '"x":1}}'),
        ("object-add qom-type=secret id=e0 data=hunter2 format=raww", "raww"),
        ("set_password vnc hunter2 keep extra", "extra"),
        (":translate set_password vnc hunter2 keep extra", "extra"),
    ],
)
def test_an_error_shows_the_line_masked_with_its_caret_under_the_fault(
    session: Session, loop: LoopThread, line: str, fault: str
) -> None:
    outcome = loop.run(session.run(line))
    assert outcome.text.startswith("error: "), outcome.text
    assert "hunter2" not in outcome.text
    assert "again" not in outcome.text
    _message, shown, caret, *_hint = outcome.text.splitlines()
    assert MASK in shown
    assert shown[caret.index("^") :].startswith(fault)


def test_translate_shows_the_request_masked(session: Session, loop: LoopThread) -> None:
    outcome = loop.run(session.run(":translate set_password vnc hunter2"))
    assert outcome.text == '→ {"execute":"set_password","arguments":{"protocol":"vnc","password":"********"}}'


def test_exec_dry_run_prints_the_request_masked(shared_guest: str) -> None:
    shown = vdbgsh("exec", "--dry-run", shared_guest, "set_password", "protocol=vnc", "password=hunter2")
    assert shown.returncode == 0, shown.stderr
    assert json.loads(shown.stdout) == {
        "execute": "set_password",
        "arguments": {"protocol": "vnc", "password": "********"},
    }


def test_exec_errors_show_the_command_masked(shared_guest: str) -> None:
    words = ["set_password", "protocol=vnc", "password=hunter2", "bogus=1"]
    for argv in (words, [" ".join(words)]):  # as separate words, and as one quoted line
        shown = vdbgsh("exec", shared_guest, *argv)
        assert shown.returncode == 2
        assert "hunter2" not in shown.stderr
        assert shown.stderr.splitlines()[:2] == [
            "vdbgsh: error: unknown argument 'bogus'",
            "  set_password protocol=vnc password=******** bogus=1",
        ]


@pytest.mark.slow  # ~1-2 s: masks a megabyte line
def test_a_very_long_line_is_masked_up_to_the_window_shown() -> None:
    from vdbgsh.syntax.errors import ParseError

    head = "set_password protocol=vnc password=hunter2 "
    source = head + "x " * 50_000 + "password=again"
    shown = ParseError("m", source, len(head)).lines()[1]
    assert "hunter2" not in shown
    assert MASK in shown
    assert shown.endswith("…")
    # The fault far along: what is shown around it is masked too.
    late = ParseError("m", source, len(source) - 3).lines()
    assert "again" not in late[1]
    assert late[1][late[2].index("^") :].startswith("*")
