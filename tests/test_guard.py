"""Guard rails, pure: the classification table against QEMU 7.2's real schema, the policy, the config file."""

from __future__ import annotations

import json
import re
from pathlib import Path
from typing import Any

import platformdirs
import pytest

from vdbgsh.config import ConfigError, config_dir, load_config
from vdbgsh.guard.effects import OTHER_KIND, READ_ONLY_KIND, TRACKED_KIND, classify_command, classify_request, fill
from vdbgsh.guard.policy import ASK, REFUSE, SEND, GuardPolicy
from vdbgsh.guard.table import BY_CONTENT, HMP_ONLY, OTHER, READ_ONLY, READ_ONLY_PREFIXES, TRACKED
from vdbgsh.hmp.table import BY_NAME, COMMANDS, INFO
from vdbgsh.render.messages import taint_notice
from vdbgsh.syntax.meta import parse_meta

DATA = Path(__file__).parent / "data"
ENTRIES: list[dict[str, Any]] = json.loads((DATA / "qmp-schema-7.2.json").read_text())
BY_TYPE = {entry["name"]: entry for entry in ENTRIES}
COMMANDS_72 = {entry["name"]: entry for entry in ENTRIES if entry["meta-type"] == "command"}

# Reviewed by hand: the 7.2 commands that only read although their name does not start with query-.
READ_ONLY_BY_NAME_72 = {
    "qmp_capabilities",
    "qom-get",
    "qom-list",
    "qom-list-types",
    "qom-list-properties",
    "device-list-properties",
    "trace-event-get-state",
    "x-debug-block-dirty-bitmap-sha256",
}
# Words that name a change: none of them may be in a read-only command's name.
CHANGING_WORDS = re.compile(
    r"add|del|remove|set|change|eject|reset|stop|cont|quit|write|save|load|dump|create|open|close|insert|"
    r"resize|commit|stream|mirror|backup|snapshot|migrate|balloon|send|inject|cancel|pause|resume|yank|"
    r"memsave|screendump|powerdown|wakeup|enable|disable|clear|merge|reopen|amend|finalize|dismiss|complete"
)


def kind_of(command: str, arguments: dict[str, Any] | None = None) -> str:
    return classify_command(command, arguments or {}, "g1").kind


def test_every_72_command_is_reviewed_and_every_row_is_a_72_command() -> None:
    reviewed = READ_ONLY | set(TRACKED) | OTHER | BY_CONTENT
    unreviewed = [name for name in COMMANDS_72 if name not in reviewed and not name.startswith(READ_ONLY_PREFIXES)]
    assert unreviewed == []
    assert sorted(reviewed - set(COMMANDS_72)) == []  # a misspelt row would silently classify nothing
    # The three classes do not overlap.
    assert not (READ_ONLY & set(TRACKED))
    assert not (READ_ONLY & OTHER)
    assert not (OTHER & set(TRACKED))


def test_the_read_only_class_is_exactly_the_queries_and_the_reviewed_list() -> None:
    read_only = {name for name in COMMANDS_72 if kind_of(name) == READ_ONLY_KIND}
    queries = {name for name in COMMANDS_72 if name.startswith(("query-", "x-query-", "x-debug-query-"))}
    assert read_only == queries | READ_ONLY_BY_NAME_72
    assert len(read_only) == 88
    # Schema check: a command that only reads answers with something; only qmp_capabilities returns {}.
    returns_nothing = {name for name in read_only if BY_TYPE[COMMANDS_72[name]["ret-type"]].get("members", None) == []}
    assert returns_nothing == {"qmp_capabilities"}
    # And no read-only command's name says it changes something (query-* names describe what they show).
    assert [name for name in read_only - queries if CHANGING_WORDS.search(name)] == []


def test_commands_with_side_effects_that_look_harmless_are_not_read_only() -> None:
    for name in ("ringbuf-read", "screendump", "memsave", "pmemsave", "dumpdtb", "qom-set", "calc-dirty-rate"):
        assert kind_of(name) == OTHER_KIND, name


@pytest.mark.parametrize(
    ("category", "names"),
    [
        ("run state", ["stop", "cont", "system_reset", "system_powerdown", "system_wakeup", "quit", "set-action"]),
        (
            "devices",
            [
                "device_add",
                "device_del",
                "netdev_add",
                "netdev_del",
                "chardev-add",
                "chardev-remove",
                "chardev-change",
                "object-add",
                "object-del",
                "set_link",
            ],
        ),
        (
            "block",
            [
                "eject",
                "blockdev-change-medium",
                "block_resize",
                "block_set_io_throttle",
                "drive-mirror",
                "drive-backup",
                "block-commit",
                "block-stream",
                "block-job-cancel",
                "job-dismiss",
                "nbd-server-start",
            ],
        ),
        ("migration", ["migrate", "migrate_cancel", "migrate-set-parameters", "migrate-start-postcopy"]),
        ("memory", ["balloon"]),
        ("snapshots", ["snapshot-save", "snapshot-load", "snapshot-delete"]),
        ("display", ["set_password", "expire_password", "change-vnc-password"]),
    ],
)
def test_categories(category: str, names: list[str]) -> None:
    for name in names:
        effect = classify_command(name, {}, "g1")
        assert (effect.kind, effect.category) == (TRACKED_KIND, category), name


def test_every_blockdev_and_migrate_command_changes_what_libvirt_tracks() -> None:
    for name in COMMANDS_72:
        if name.startswith(("blockdev-", "block-job-", "drive-", "migrate")):
            assert kind_of(name) == TRACKED_KIND, name


def test_every_sentence_is_one_filled_line_about_libvirt() -> None:
    for name, (_category, sentence) in TRACKED.items():
        for arguments in ({}, {"id": "x1", "device": "d0", "node-name": "n0", "tag": "t", "driver": "e1000"}):
            text = fill(sentence, arguments, "guest1")
            assert "libvirt" in text, name
            assert not re.search(r"[{}\n]|\.$", text), (name, text)
            assert "guest1" in text or name in {"x-blockdev-amend"}, (name, text)


def test_sentences_name_the_domain_and_the_request_s_own_values() -> None:
    stop = classify_request({"execute": "stop"}, "guest1")
    assert stop.consequence.startswith("libvirt did not pause guest1:")
    assert "'paused (unknown)'" in stop.consequence
    nic = classify_request({"execute": "device_add", "arguments": {"driver": "e1000", "id": "nic1"}}, "guest1")
    assert nic.consequence.startswith("libvirt will not know the 'e1000' device 'nic1' exists: virsh dumpxml guest1")
    anonymous = classify_request({"execute": "device_add", "arguments": {"driver": "e1000"}}, "g")
    assert "the 'e1000' device without an id exists" in anonymous.consequence
    # Values that would break the line or the quotes are shown as JSON strings, cut short.
    odd = fill("{id}", {"id": "a'b\nc" + "x" * 100}, "g")
    assert "\n" not in odd
    assert odd.startswith("\"a'b\\nc")
    assert odd.endswith('..."')
    assert fill("{up} {value}", {"up": False, "value": 1024}, "g") == "false 1024"
    # A password never lands in the sentence: only the protocol does.
    secret = classify_command("set_password", {"protocol": "vnc", "password": "hunter2"}, "g")
    assert "hunter2" not in secret.consequence
    assert "'vnc'" in secret.consequence


def test_hmp_passthrough_by_its_command_word() -> None:
    def hmp(line: str) -> tuple[str, str]:
        effect = classify_request({"execute": "human-monitor-command", "arguments": {"command-line": line}}, "g1")
        return effect.command, effect.kind

    assert hmp("info status") == ("info (HMP)", READ_ONLY_KIND)
    assert hmp("  info   mtree -f") == ("info (HMP)", READ_ONLY_KIND)
    assert hmp("x/4xw 0") == ("x (HMP)", READ_ONLY_KIND)
    assert hmp("stop") == ("stop (HMP)", TRACKED_KIND)
    assert hmp("s") == ("s (HMP)", TRACKED_KIND)  # stop's alias
    assert hmp("qom-get /machine type") == ("qom-get (HMP)", READ_ONLY_KIND)
    assert hmp("savevm snap1") == ("savevm (HMP)", TRACKED_KIND)
    assert hmp("drive_del drive0") == ("drive_del (HMP)", TRACKED_KIND)
    assert hmp("o /b 0x80 1") == ("o (HMP)", OTHER_KIND)
    assert hmp("i /b 0x80") == ("i (HMP)", OTHER_KIND)  # a port read can change a device
    assert hmp("no-such-word") == ("no-such-word (HMP)", OTHER_KIND)
    assert hmp("") == (" (HMP)", OTHER_KIND)
    device = classify_request(
        {"execute": "human-monitor-command", "arguments": {"command-line": "device_del nic1"}}, "g1"
    )
    assert "device 'nic1'" in device.consequence
    added = classify_request(
        {"execute": "human-monitor-command", "arguments": {"command-line": "device_add e1000,id=n1"}}, "g1"
    )
    assert "device 'n1' exists" in added.consequence
    vnc = classify_request(
        {"execute": "human-monitor-command", "arguments": {"command-line": "change vnc password"}}, "g1"
    )
    assert vnc.category == "display"


def test_every_hmp_command_lands_in_a_class_like_its_qmp_twin() -> None:
    for entry in COMMANDS:
        for word in entry.names:
            effect = classify_command("human-monitor-command", {"command-line": word}, "g1")
            if word in HMP_ONLY:
                assert effect.kind == HMP_ONLY[word][0], word
            elif entry.qmp is not None:
                assert effect.kind == kind_of(entry.qmp), word
            else:
                assert effect.kind == OTHER_KIND, word
    for entry in INFO:
        line = entry.name + " x"
        assert classify_command("human-monitor-command", {"command-line": line}, "g").kind == READ_ONLY_KIND
        if entry.qmp is not None:  # and the QMP each info becomes only reads too
            assert kind_of(entry.qmp) == READ_ONLY_KIND, entry.qmp
    assert set(HMP_ONLY) - {"?", "p"} <= set(BY_NAME)


def test_a_transaction_is_as_weighty_as_its_weightiest_action() -> None:
    def transaction(*actions: dict[str, Any]) -> tuple[str, str]:
        effect = classify_request({"execute": "transaction", "arguments": {"actions": list(actions)}}, "g1")
        return effect.command, effect.kind

    snapshot = {"type": "blockdev-snapshot-sync", "data": {"device": "d0", "snapshot-file": "/s.qcow2"}}
    assert transaction({"type": "abort"}, snapshot) == ("transaction (blockdev-snapshot-sync)", TRACKED_KIND)
    assert transaction({"type": "abort"}) == ("transaction (abort)", READ_ONLY_KIND)
    assert transaction() == ("transaction", READ_ONLY_KIND)
    assert classify_command("transaction", {"actions": "nonsense"}, "g").kind == OTHER_KIND
    assert classify_command("transaction", {"actions": [1]}, "g").kind == OTHER_KIND
    assert classify_command("transaction", {}, "g").kind == OTHER_KIND


def test_unknown_commands_default_by_name() -> None:
    assert kind_of("query-something-new") == READ_ONLY_KIND
    assert kind_of("x-query-new") == READ_ONLY_KIND
    assert kind_of("frobnicate") == OTHER_KIND
    assert classify_request({"exec-oob": "stop"}, "g").kind == TRACKED_KIND
    assert classify_request({"execute": "stop", "arguments": [1]}, "g").kind == TRACKED_KIND


def test_policy_on_libvirt_asks_on_plain_qemu_sends() -> None:
    policy = GuardPolicy()
    policy.bind("guest1", libvirt=True)
    asked = policy.decide([{"execute": "stop"}])
    assert asked.verdict == ASK
    assert asked.message.startswith("stop changes what libvirt tracks (run state): libvirt did not pause guest1")
    assert asked.message.endswith(".")
    assert policy.decide([{"execute": "query-status"}]).verdict == SEND
    assert policy.decide([{"execute": "screendump", "arguments": {"filename": "/x"}}]).verdict == SEND
    assert policy.decide([]).verdict == SEND
    refusal = policy.refusal_without_asking(asked)
    assert refusal == (
        "refused: stop changes what libvirt tracks of guest1 (run state) and there is no terminal to confirm it; "
        "--yes sends it anyway"
    )
    # Several requests at once (an HMP line's translation): the weightiest decides.
    assert policy.decide([{"execute": "query-status"}, {"execute": "cont"}]).effect.command == "cont"
    plain = GuardPolicy()
    plain.bind("unix:/q.sock", libvirt=False)
    assert plain.decide([{"execute": "stop"}]).verdict == SEND
    plain.confirm_setting = True
    assert plain.decide([{"execute": "stop"}]).verdict == ASK
    yes = GuardPolicy(confirm=False)
    yes.bind("guest1", libvirt=True)
    assert yes.decide([{"execute": "device_del", "arguments": {"id": "n"}}]).verdict == SEND


def test_read_only_refuses_all_but_reads_whatever_else_is_set() -> None:
    policy = GuardPolicy(confirm=False, read_only=True)
    policy.bind("guest1", libvirt=True)
    refused = policy.decide([{"execute": "stop"}])
    assert refused == (REFUSE, refused.effect, "refused: stop is not read-only, and read-only mode is on (--read-only)")
    assert policy.decide([{"execute": "screendump", "arguments": {"filename": "/x"}}]).verdict == REFUSE
    assert policy.decide([{"execute": "query-status"}]).verdict == SEND
    hmp = {"execute": "human-monitor-command", "arguments": {"command-line": "info status"}}
    assert policy.decide([hmp]).verdict == SEND
    # Set at start, it cannot be lifted; set in the session, it can.
    assert policy.set_read_only(False) == (
        "read-only mode was set by --read-only: leave the shell and attach without it"
    )
    assert policy.read_only
    session_policy = GuardPolicy()
    assert session_policy.set_read_only(True) is None
    assert session_policy.decide([{"execute": "cont"}]).message.endswith("(:read-only on)")
    assert session_policy.set_read_only(False) is None
    assert not session_policy.read_only


def test_config_file(tmp_path: Path) -> None:
    path = tmp_path / "config.toml"
    missing = load_config(str(path))
    assert (missing.path, missing.read_only) == (str(path), False)
    path.write_text("read_only = true\n")
    assert load_config(str(path)).read_only is True

    def error(text: str | bytes) -> str:
        if isinstance(text, bytes):
            path.write_bytes(text)
        else:
            path.write_text(text)
        with pytest.raises(ConfigError) as caught:
            load_config(str(path))
        lines = caught.value.lines()
        assert len(lines) == 1
        assert lines[0].startswith(f"{path}: ")
        return lines[0].removeprefix(f"{path}: ")

    assert error('read_only = "yes"\n') == "read_only takes true or false, not 'yes'"
    assert error("read_onyl = true\n") == "unknown key 'read_onyl' (known: read_only)"
    assert error("read_only = \n").startswith("not valid TOML: ")
    assert error(b"\xff = 1\n") == "not UTF-8 text (byte 0)"
    path.unlink()
    path.mkdir()
    with pytest.raises(ConfigError, match=f"^{re.escape(str(path))}: cannot read it: Is a directory$"):
        load_config(str(path))


def test_config_dir_is_platformdirs_answer(monkeypatch: pytest.MonkeyPatch, tmp_path: Path) -> None:
    for value in (str(tmp_path), "", "  "):
        monkeypatch.setenv("XDG_CONFIG_HOME", value)
        assert config_dir() == platformdirs.user_config_dir("vdbgsh")
    monkeypatch.delenv("XDG_CONFIG_HOME")
    assert config_dir() == platformdirs.user_config_dir("vdbgsh")


def test_meta_commands_and_the_taint_line() -> None:
    assert parse_meta(":confirm off") == ("confirm", ("off",))
    assert parse_meta(":read-only on") == ("read-only", ("on",))
    assert taint_notice("guest1", colour=False) == (
        "note: libvirt marks guest1 tainted (custom-monitor) from the first command on"
    )


def test_the_sentences_name_what_the_request_names() -> None:
    snapshot = {"type": "blockdev-snapshot-sync", "data": {"node-name": "n0", "snapshot-file": "/tmp/o.qcow2"}}
    effect = classify_command("transaction", {"actions": [snapshot]}, "g1")
    assert "this snapshot of 'n0':" in effect.consequence
    assert "(unnamed)" not in effect.consequence
    capabilities = {"capabilities": [{"capability": "xbzrle", "state": True}]}
    effect = classify_command("migrate-set-capabilities", capabilities, "g1")
    assert "capabilities" in effect.consequence
    assert "getspeed" not in effect.consequence
    assert "downtime" not in effect.consequence
    assert "migrate-getspeed" in classify_command("migrate-set-parameters", {"max-bandwidth": 1}, "g1").consequence


def test_removing_what_this_session_added_is_not_asked_about() -> None:
    policy = GuardPolicy()
    policy.bind("g1", libvirt=True)
    delete = {"execute": "blockdev-del", "arguments": {"node-name": "hot0"}}
    asked = policy.decide([delete])
    assert asked.verdict == ASK
    assert "libvirt still believes block node 'hot0' exists" in asked.message
    add = {"execute": "blockdev-add", "arguments": {"driver": "null-co", "node-name": "hot0"}}
    policy.sent(add, ok=False)  # refused by QEMU: nothing was added
    assert policy.decide([delete]).verdict == ASK
    policy.sent(add, ok=True)
    sent = policy.decide([delete])
    assert sent.verdict == SEND
    assert sent.effect.kind == OTHER_KIND
    assert not sent.message
    assert policy.decide([{"execute": "blockdev-del", "arguments": {"node-name": "libvirt-1-format"}}]).verdict == ASK
    policy.sent(delete, ok=True)  # gone: a node of that name next time may be libvirt's
    assert policy.decide([delete]).verdict == ASK
    policy.sent({"execute": "device_add", "arguments": {"driver": "usb-kbd", "id": "kbd1"}}, ok=True)
    assert policy.decide([{"execute": "device_del", "arguments": {"id": "kbd1"}}]).verdict == SEND
