"""Completion through prompt_toolkit Documents: on the captured QEMU 7.2 schema, then with live values from a guest."""

from __future__ import annotations

import asyncio
import json
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
from prompt_toolkit.completion import CompleteEvent, Completion
from prompt_toolkit.document import Document

from tests.conftest import LoopThread
from vdbgsh.complete.live import LiveValues
from vdbgsh.complete.prompt_completer import QMPCompleter
from vdbgsh.hmp.table import COMMANDS as HMP_COMMANDS
from vdbgsh.schema.model import Schema
from vdbgsh.transport import Monitor, Target
from vdbgsh.transport.base import JSONObject, Reply

DATA = Path(__file__).parent / "data"
SCHEMA = Schema.from_introspection(json.loads((DATA / "qmp-schema-7.2.json").read_text()))
METAS = {"help": "describe a command", "quit": "leave the shell", "output": "how replies are shown"}


def completions(text: str, cursor: int | None = None, schema: Schema = SCHEMA) -> list[Completion]:
    completer = QMPCompleter(
        lambda: schema,
        meta_commands=METAS,
        meta_choices={"output": ("pretty", "compact", "table")},
        command_metas=("help", "h"),
        bare_metas=("help",),
    )
    document = Document(text, len(text) if cursor is None else cursor)
    return list(completer.get_completions(document, CompleteEvent()))


def texts(text: str, cursor: int | None = None) -> list[str]:
    return [completion.text for completion in completions(text, cursor)]


def by_text(text: str) -> dict[str, Completion]:
    return {completion.text: completion for completion in completions(text)}


def apply(text: str, choice: str) -> str:
    """The line after choosing the candidate ``choice`` with the cursor at the end."""
    completion = by_text(text)[choice]
    return text[: len(text) + completion.start_position] + completion.text


# Command names


def test_command_prefix_matches_come_first_in_alphabetical_order() -> None:
    found = texts("query-sta")
    assert found[:3] == ["query-stats", "query-stats-schemas", "query-status"]
    assert all(completion.start_position == -9 for completion in completions("query-sta"))


def test_command_fuzzy_matches_follow_prefix_matches() -> None:
    found = texts("qstatus")
    assert "query-status" in found
    assert texts("blkadd")[0] == "blockdev-add"
    prefixed = texts("block")
    assert prefixed.index("block-commit") < prefixed.index("x-blockdev-change")


def test_dash_and_underscore_are_the_same_when_matching() -> None:
    assert texts("device-ad") == ["device_add"]
    assert apply("device-ad", "device_add") == "device_add"


def test_empty_line_offers_every_command() -> None:
    # QMP's commands, and HMP's that QMP has no command of the same name for (HMP lines are translated).
    hmp_only = {entry.name for entry in HMP_COMMANDS} - set(SCHEMA.commands)
    assert set(texts("")) == set(SCHEMA.commands) | hmp_only


def test_hmp_names_info_and_arguments() -> None:
    assert by_text("block_resi")["block_resize"].display_meta_text.startswith("{device?, node-name?, size}")
    assert by_text("info bl")["block"].display_meta_text.startswith("HMP · → query-block")
    assert "migrate_set_paramet" in texts("migrate_set_paramet")[0]
    assert texts("migrate_set_parameter max-band")[0] == "max-bandwidth"
    assert texts("migrate_set_parameter multifd-compression ") == ["none", "zlib", "zstd"]
    assert texts("migrate_set_capability xbz")[0] == "xbzrle"
    assert texts("migrate_set_capability xbzrle ") == ["off", "on"]  # HMP takes exactly on or off


def test_command_meta_shows_flags_arguments_and_return() -> None:
    found = by_text("x-query-virtio-queue-s")
    meta = found["x-query-virtio-queue-status"].display_meta_text
    assert meta.startswith("unstable · {path, queue} → {")
    assert by_text("device_de")["device_del"].display_meta_text == "{id}"
    assert by_text("query-stat")["query-status"].display_meta_text == "→ {running, singlestep, status}"
    assert by_text("nbd-server-rem")["nbd-server-remove"].display_meta_text.startswith("deprecated · ")


def test_bang_prefix_completes_like_the_plain_command() -> None:
    assert texts("!query-sta")[:3] == ["query-stats", "query-stats-schemas", "query-status"]
    assert apply("!query-statu", "query-status") == "!query-status"
    assert texts("!device_del ") == ["id="]


# Argument names


def test_argument_names_mark_the_required_ones() -> None:
    found = by_text("block-job-cancel ")
    assert list(found) == ["device=", "force="]
    assert found["device="].display_text == "device*"
    assert found["device="].display_meta_text == "required · str"
    assert found["force="].display_text == "force"
    assert found["force="].display_meta_text == "bool"


def test_given_arguments_are_left_out() -> None:
    assert texts("block-job-cancel device=job0 ") == ["force="]
    assert texts("block-job-cancel device=job0 force=on ") == []


def test_argument_prefix_replaces_only_the_partial_name() -> None:
    assert apply("set_password protocol=vnc pass", "password=") == "set_password protocol=vnc password="
    assert texts("set_password protocol=vnc conn") == ["connected="]


def test_object_members_insert_a_dot_and_nest() -> None:
    assert "cache." in texts("blockdev-add ")
    assert texts("blockdev-add cache.") == ["direct=", "no-flush="]
    assert apply("blockdev-add cache.no", "no-flush=") == "blockdev-add cache.no-flush="


def test_flat_union_variant_members_appear_once_the_tag_is_given() -> None:
    assert "filename=" not in texts("blockdev-add fi")
    found = by_text("blockdev-add driver=file fi")
    assert list(found) == ["filename="]
    assert found["filename="].display_text == "filename*"
    # Nested: the child's own tag selects the child's members.
    assert texts("blockdev-add driver=qcow2 file.driver=file file.filen") == ["filename="]
    assert "driver=" in texts("blockdev-add driver=qcow2 file.")


def test_arguments_after_the_cursor_count_as_given() -> None:
    line = "blockdev-add fi driver=file"
    assert texts(line, cursor=len("blockdev-add fi")) == ["filename="]
    assert "driver=" not in texts("blockdev-add  driver=file", cursor=len("blockdev-add "))


def test_list_members_offer_an_index_then_the_element_members() -> None:
    assert texts("migrate-set-capabilities capabilities.") == ["0."]
    given = "migrate-set-capabilities capabilities.0.capability=xbzrle capabilities.0.state=on capabilities."
    assert texts(given) == ["0.", "1."]
    assert texts("migrate-set-capabilities capabilities.0.") == ["capability=", "state="]
    assert texts("send-key keys.0.") == ["type="]
    assert "data=" in texts("send-key keys.0.type=qcode keys.0.")


def test_device_add_declares_only_its_fixed_members_statically() -> None:
    assert texts("device_add driver=virtio-serial-pci ") == ["bus=", "id="]


# Values


def test_enum_values() -> None:
    assert texts("set_password protocol=") == ["spice", "vnc"]
    found = texts("migrate-set-capabilities capabilities.0.capability=x")
    assert found[:3] == ["x-colo", "x-ignore-shared", "xbzrle"]
    assert texts("send-key keys.0.type=qcode keys.0.data=ctrl")[:2] == ["ctrl", "ctrl_r"]


def test_enum_values_replace_the_typed_value_only() -> None:
    assert apply("set_password protocol=v", "vnc") == "set_password protocol=vnc"
    assert apply("set_password protocol='v", "vnc") == "set_password protocol=vnc"


def test_boolean_values() -> None:
    assert texts("block-job-cancel force=") == ["false", "off", "on", "true"]
    assert texts("block-job-cancel force=o") == ["off", "on"]
    assert texts("migrate-set-capabilities capabilities.0.state=t") == ["true"]


def test_free_strings_have_no_static_values() -> None:
    assert texts("device_del id=") == []
    assert texts("no-such-command foo=") == []
    assert texts("no-such-command ") == []


# Meta-commands and other lines


def test_meta_commands_and_their_argument() -> None:
    found = by_text(":")
    assert list(found) == ["help", "output", "quit"]
    assert found["help"].display_text == ":help"
    assert found["help"].display_meta_text == "describe a command"
    assert apply(":he", "help") == ":help"
    assert texts(":help query-sta")[:3] == ["query-stats", "query-stats-schemas", "query-status"]
    assert texts(":quit x") == []
    assert texts(":help query-status x") == []


def test_meta_arguments_from_choices_aliases_and_bare_words() -> None:
    assert texts(":output ") == ["compact", "pretty", "table"]
    assert texts(":output p") == ["pretty", "compact"]  # prefix match, then subsequence
    assert texts(":h query-statu")[0] == "query-status"
    assert texts("help query-statu")[0] == "query-status"  # help without the colon
    assert apply(":help :ou", ":output") == ":help :output"


def test_json_lines_get_nothing() -> None:
    assert texts('{"execute": "qu') == []
    assert texts('  {"execute": "query-status", "arguments": {') == []


def test_a_swapped_schema_is_used_at_once() -> None:
    current = [SCHEMA]
    completer = QMPCompleter(lambda: current[0])
    assert len(list(completer.get_completions(Document("qu"), CompleteEvent()))) > 2
    current[0] = Schema.from_command_names(["quit", "query-status"])
    found = list(completer.get_completions(Document("qu"), CompleteEvent()))
    # The new schema's two commands first; then HMP's names that it lacks (translated when used).
    assert [completion.text for completion in found][:2] == ["query-status", "quit"]
    assert found[0].display_meta_text == ""
    assert all(completion.display_meta_text.startswith("HMP") for completion in found[2:])


# Live values with a scripted guest (no QEMU): caching, timeouts, failures


class ScriptedGuest:
    def __init__(self, answers: dict[str, Any], delay: float = 0.0) -> None:
        self.answers = answers
        self.delay = delay
        self.calls: list[tuple[str, JSONObject | None]] = []

    async def execute(self, command: str, arguments: JSONObject | None = None) -> Reply:
        self.calls.append((command, arguments))
        await asyncio.sleep(self.delay)
        if command not in self.answers:
            return Reply({"error": {"class": "CommandNotFound", "desc": command}})
        answer = self.answers[command]
        if callable(answer):
            answer = answer(arguments)
        if isinstance(answer, Exception):
            raise answer
        return Reply({"return": answer})


async def collect(completer: QMPCompleter, text: str) -> list[Completion]:
    return [c async for c in completer.get_completions_async(Document(text), CompleteEvent())]


def live_texts(completer: QMPCompleter, text: str) -> list[str]:
    return [completion.text for completion in asyncio.run(collect(completer, text))]


def peripherals(arguments: JSONObject | None) -> list[JSONObject]:
    if arguments != {"path": "/machine/peripheral"}:
        return [{"name": "type", "type": "string"}]
    return [
        {"name": "type", "type": "string"},
        {"name": "balloon0", "type": "child<virtio-balloon-pci>"},
        {"name": "usb", "type": "child<piix3-usb-uhci>"},
    ]


def test_live_values_follow_static_ones_and_are_cached() -> None:
    guest = ScriptedGuest({"qom-list": peripherals})
    clock = [0.0]
    completer = QMPCompleter(lambda: SCHEMA, LiveValues(guest.execute, ttl=3.0, clock=lambda: clock[0]))
    assert live_texts(completer, "device_del id=") == ["balloon0", "usb"]
    assert live_texts(completer, "device_del id=u") == ["usb"]
    assert len(guest.calls) == 2  # /machine/peripheral and /machine/peripheral-anon, once
    clock[0] = 5.0
    assert live_texts(completer, "device_del id=ba") == ["balloon0"]
    assert len(guest.calls) == 4


def test_a_slow_guest_shows_static_candidates_only_then_the_cached_values() -> None:
    guest = ScriptedGuest({"qom-list": peripherals}, delay=0.3)
    completer = QMPCompleter(lambda: SCHEMA, LiveValues(guest.execute), live_timeout=0.05)

    async def scenario() -> tuple[list[str], list[str]]:
        first = [c.text for c in await collect(completer, "device_del id=")]
        await asyncio.sleep(0.5)  # the query that timed out went on and filled the cache
        second = [c.text for c in await collect(completer, "device_del id=")]
        return first, second

    assert asyncio.run(scenario()) == ([], ["balloon0", "usb"])


def test_values_that_come_too_late_for_the_menu_ask_for_the_line_again() -> None:
    """A slow guest or a busy machine: the menu drawn without them is made again once they come (the UI does it),
    rather than waiting for the next key."""
    guest = ScriptedGuest({"qom-list": peripherals}, delay=0.3)
    late: list[Document] = []
    completer = QMPCompleter(lambda: SCHEMA, LiveValues(guest.execute), live_timeout=0.05, late=late.append)

    async def scenario() -> list[str]:
        first = [c.text for c in await collect(completer, "device_del id=")]
        await asyncio.sleep(0.5)
        return first

    assert asyncio.run(scenario()) == []
    assert [document.text for document in late] == ["device_del id="]


def test_guest_errors_give_no_candidates() -> None:
    broken = ScriptedGuest({"qom-list": ConnectionResetError("gone"), "query-chardev": "not a list"})
    completer = QMPCompleter(lambda: SCHEMA, LiveValues(broken.execute))
    assert live_texts(completer, "device_del id=") == []
    assert live_texts(completer, "chardev-remove id=") == []
    assert live_texts(completer, "blockdev-del node-name=") == []  # CommandNotFound
    assert live_texts(completer, "block-job-cancel force=") == ["false", "off", "on", "true"]


def test_live_values_are_quoted_when_they_need_it() -> None:
    guest = ScriptedGuest({"qom-list": [{"name": "odd name", "type": "child<container>"}]})
    completer = QMPCompleter(lambda: SCHEMA, LiveValues(guest.execute))
    found = asyncio.run(collect(completer, "qom-list path=/od"))
    assert [(c.text, c.display_text, c.start_position) for c in found] == [("'/odd name'", "odd name", -3)]


def test_block_devices_nodes_and_jobs_go_where_each_is_meant() -> None:
    guest = ScriptedGuest(
        {
            "query-block": [{"device": "drive0", "qdev": "disk0", "inserted": {"node-name": "n0"}}],
            "query-named-block-nodes": [{"node-name": "n0", "drv": "raw"}],
            "query-jobs": [{"id": "job0", "type": "mirror", "status": "running"}],
            "query-block-jobs": [{"device": "job0", "type": "mirror"}, {"device": "old1", "type": "stream"}],
        }
    )
    completer = QMPCompleter(lambda: SCHEMA, LiveValues(guest.execute))
    assert live_texts(completer, "block-job-cancel device=") == ["job0", "old1"]
    assert live_texts(completer, "job-cancel id=") == ["job0", "old1"]
    assert live_texts(completer, "eject id=") == ["disk0"]
    assert live_texts(completer, "eject device=") == ["drive0", "n0"]
    found = asyncio.run(collect(completer, "block_resize device=dr"))
    assert [(c.text, c.display_meta_text) for c in found] == [("drive0", "block backend n0")]


def test_new_names_are_not_completed_with_existing_ones() -> None:
    guest = ScriptedGuest({"query-named-block-nodes": [{"node-name": "n0", "drv": "null-co"}]})
    completer = QMPCompleter(lambda: SCHEMA, LiveValues(guest.execute))
    assert live_texts(completer, "blockdev-del node-name=") == ["n0"]
    assert live_texts(completer, "blockdev-add driver=qcow2 file=") == ["n0"]
    assert live_texts(completer, "blockdev-add driver=null-co node-name=") == []
    assert live_texts(completer, "blockdev-backup job-id=") == []


# Live values from a real guest


@pytest.fixture
def shared_monitor(loop: LoopThread, shared_guest: str) -> Iterator[Monitor]:
    monitor = loop.run(Target(domain=shared_guest).open(events=True))
    yield monitor
    loop.run(monitor.close())


@pytest.fixture
def own_monitor(loop: LoopThread, guest: str) -> Iterator[Monitor]:
    monitor = loop.run(Target(domain=guest).open(events=True))
    yield monitor
    loop.run(monitor.close())


def live_completer(monitor: Monitor) -> QMPCompleter:
    return QMPCompleter(lambda: SCHEMA, LiveValues(monitor.execute), live_timeout=5.0)


def on_guest(loop: LoopThread, completer: QMPCompleter, text: str) -> list[Completion]:
    return loop.run(collect(completer, text))


def test_device_types_for_device_add(loop: LoopThread, shared_monitor: Monitor) -> None:
    found = [c.text for c in on_guest(loop, live_completer(shared_monitor), "device_add driver=vir")]
    assert "virtio-serial-pci" in found
    assert "virtio-blk-pci" in found
    prefixed = [text for text in found if text.startswith("vir")]
    assert found[: len(prefixed)] == sorted(prefixed)


def test_device_properties_become_device_add_arguments(loop: LoopThread, shared_monitor: Monitor) -> None:
    completer = live_completer(shared_monitor)
    found = {c.text: c for c in on_guest(loop, completer, "device_add driver=virtio-serial-pci ")}
    assert list(found)[:2] == ["bus=", "id="]  # the declared members first
    assert "max_ports=" in found
    assert "virtio-backend=" not in found  # a child<> part, not a property
    assert found["disable-legacy="].display_meta_text.startswith("OnOffAuto")
    values = [c.text for c in on_guest(loop, completer, "device_add driver=virtio-serial-pci disable-legacy=")]
    assert values == ["auto", "off", "on"]
    flags = [c.text for c in on_guest(loop, completer, "device_add driver=virtio-serial-pci ioeventfd=")]
    assert flags == ["false", "off", "on", "true"]
    given = [c.text for c in on_guest(loop, completer, "device_add driver=virtio-serial-pci max_ports=2 max")]
    assert "max_ports=" not in given


def test_device_ids_and_qom_paths(loop: LoopThread, shared_monitor: Monitor) -> None:
    completer = live_completer(shared_monitor)
    ids = [c.text for c in on_guest(loop, completer, "device_del id=")]
    assert {"balloon0", "usb"} <= set(ids)
    children = {c.text: c for c in on_guest(loop, completer, "qom-get path=/machine/")}
    assert "/machine/peripheral" in children
    assert children["/machine/peripheral"].display_text == "peripheral"
    assert children["/machine/peripheral"].display_meta_text == "child<container>"
    deeper = [c.text for c in on_guest(loop, completer, "qom-list path=/machine/peripheral/b")]
    assert deeper[0] == "/machine/peripheral/balloon0"
    properties = [c.text for c in on_guest(loop, completer, "qom-get path=/machine/peripheral/balloon0 property=")]
    assert "type" in properties


def test_ids_created_by_the_user_are_offered(loop: LoopThread, own_monitor: Monitor) -> None:
    completer = live_completer(own_monitor)
    for command, arguments in (
        ("chardev-add", {"id": "cnull", "backend": {"type": "null", "data": {}}}),
        ("device_add", {"driver": "virtio-serial-pci", "id": "ser1"}),
        ("blockdev-add", {"driver": "null-co", "node-name": "nul0"}),
        ("object-add", {"qom-type": "iothread", "id": "io1"}),
    ):
        reply = loop.run(own_monitor.execute(command, arguments))
        assert reply.ok, reply.message
    assert "cnull" in [c.text for c in on_guest(loop, completer, "chardev-remove id=")]
    assert "ser1" in [c.text for c in on_guest(loop, completer, "device_del id=s")]
    assert [c.text for c in on_guest(loop, completer, "blockdev-del node-name=")] == ["nul0"]
    assert "nul0" in [c.text for c in on_guest(loop, completer, "block_resize node-name=")]
    # The user's object first; others of the guest's /objects may follow as fuzzy matches (libvirt 12.8 gives
    # QEMU 11.1 a "monitor" object; libvirt 9.0 none).
    objects = [c.text for c in on_guest(loop, completer, "object-del id=i")]
    assert objects[0] == "io1"
    children = {child["name"] for child in loop.run(own_monitor.execute("qom-list", {"path": "/objects"})).value}
    assert set(objects) <= children
    link = [c.text for c in on_guest(loop, completer, "device_add driver=virtio-blk-pci iothread=")]
    assert link == ["io1"]


def test_a_closed_monitor_gives_static_candidates_only(loop: LoopThread, shared_guest: str) -> None:
    monitor = loop.run(Target(domain=shared_guest).open(events=False))
    loop.run(monitor.close())
    completer = live_completer(monitor)
    assert on_guest(loop, completer, "device_del id=") == []
    assert [c.text for c in on_guest(loop, completer, "device_add driver=x ")] == ["bus=", "id="]


def test_hmp_device_add_completes_types_then_their_properties(loop: LoopThread, shared_monitor: Monitor) -> None:
    completer = live_completer(shared_monitor)
    found = on_guest(loop, completer, "device_add e100")
    assert "e1000" in [c.text for c in found]
    assert found[0].start_position == -len("e100")
    line = "device_add virtio-blk-pci,dr"
    properties = {c.text: c for c in on_guest(loop, completer, line)}
    assert "drive=" in properties  # an option list's items are name=value, as -device takes them
    assert properties["drive="].start_position == -len("dr")
    values = [c.text for c in on_guest(loop, completer, "device_add virtio-serial-pci,max_ports=2,disable-legacy=")]
    assert values == ["auto", "off", "on"]
    given = [c.text for c in on_guest(loop, completer, "device_add virtio-serial-pci,max_ports=2,max")]
    assert "max_ports=" not in given
    # key=value is QMP's form of the same command, completed as before
    assert "virtio-blk-pci" in [c.text for c in on_guest(loop, completer, "device_add driver=virtio-bl")]
