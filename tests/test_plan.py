"""The planner on its own (pure, on the shipped 7.2 schema): the gate's decisions and the shapes of plans."""

from __future__ import annotations

from typing import Any

import pytest

from vdbgsh.errors import UsageError
from vdbgsh.hmp.dump_size import line_dump_bytes, line_dump_refusal
from vdbgsh.hmp.translate import Translator
from vdbgsh.plan import PlanContext, plan_blocking, plan_line, plan_request, plan_words
from vdbgsh.plan.gate import gate
from vdbgsh.plan.model import Plan, Steps
from vdbgsh.plan.planner import hmp_line
from vdbgsh.schema.offline import offline_schema
from vdbgsh.transport.base import Reply

SCHEMA = offline_schema()[0]


def planned(steps: Steps, asked: list[Any] | None = None) -> Plan:
    def query(request: dict[str, Any]) -> Reply:
        (asked if asked is not None else []).append(request)
        return Reply({"return": [{"name": "drive", "type": "str"}, {"name": "serial", "type": "str"}]}, 0.0)

    return plan_blocking(steps, lambda: SCHEMA, query)


def context(**options: Any) -> PlanContext:
    return PlanContext(Translator(), **options)


@pytest.mark.parametrize(
    ("line", "size"),
    [
        ("xp /1500000xb $pc", 12_009_375),  # the address is never read
        ("xp/1400000xb 0", 11_208_750),  # measured on 7.2: 10.7 MB
        ("x /10i $pc", 640),
        ("x 0", 64),  # no format: one unit
        ("xp /4294967295xb 0", 0),  # a negative C int: nothing printed
    ],
)
def test_a_dump_is_estimated_from_its_format_alone(line: str, size: int) -> None:
    found = line_dump_bytes(line)
    assert found is not None
    assert found[2] == size


def test_a_format_without_a_size_or_letter_assumes_the_worst_kept_one() -> None:
    # QEMU keeps the last format and size for the whole monitor, which libvirt shares: any may be in force.
    bare = line_dump_bytes("xp /1000 0")
    assert bare is not None
    worst = max(line_dump_bytes(f"xp /1000{form}{size} 0")[2] for form in "xduoci" for size in "bhwg")  # type: ignore[index]
    assert bare[2] == worst
    assert line_dump_bytes("info registers") is None


def test_forced_lines_may_pass_libvirts_refusal_but_not_the_monitor_loss() -> None:
    assert line_dump_refusal("xp /600000xb 0") is not None
    assert line_dump_refusal("xp /600000xb 0", limit_mib=10) is None
    assert line_dump_refusal("xp /1500000xb 0", limit_mib=10) is not None
    ctx = context()
    assert planned(plan_line("!human-monitor-command command-line='xp /600000xb 0'", ctx)).forced
    with pytest.raises(UsageError, match="refused: xp would print about 12 MB"):
        planned(plan_line("!human-monitor-command command-line='xp /1500000xb 0'", ctx))


def test_xp_addresses_are_as_wide_as_the_guests_qemu_prints_them() -> None:
    # 11.1's xp prints 8-digit addresses (10.2 and 7.2: 16): its 600,000 bytes are 3.98 MB of JSON, which libvirt
    # carries; on 7.2 they are 4.58 MB, past libvirt's 4 MiB. x prints the target's long on every version.
    assert line_dump_refusal("xp /600000xb 0", qemu=(11, 1, 3)) is None
    assert line_dump_refusal("xp /600000xb 0", qemu=(10, 2, 0)) is not None
    assert line_dump_refusal("xp /600000xb 0", qemu=(7, 2, 22)) is not None
    assert line_dump_refusal("xp /600000xb 0") is not None  # unknown QEMU: the widest
    assert line_dump_refusal("x /600000xb 0", qemu=(11, 1, 3)) is not None


def test_a_plain_qemu_has_no_libvirt_limits() -> None:
    ctx = context(libvirt=False)
    plan = planned(plan_line("xp /1500000xb 0", ctx))
    assert plan.requests == [{"execute": "human-monitor-command", "arguments": {"command-line": "xp /1500000xb 0"}}]
    gate({"execute": "qom-set", "arguments": {"value": "a" * (5 * 1024 * 1024)}}, libvirt=False)
    with pytest.raises(UsageError, match="nothing was sent"):
        gate({"execute": "qom-set", "arguments": {"value": "a" * (5 * 1024 * 1024)}}, libvirt=True)


@pytest.mark.parametrize(
    "request_",
    [
        {"execute": "set_password", "arguments": {"protocol": "vnc", "password": "********"}},
        {"execute": "qom-get", "arguments": {"path": "/machine\0", "property": "type"}},
        {"execute": "qom-get", "arguments": {"path\0": "/machine", "property": "type"}},
        {"execute": "\ufeffquery-status"},
        {"execute": "human-monitor-command", "arguments": {"command-line": "x /2000000xg 0"}},
    ],
)
def test_records_and_transactions_pass_the_same_gate(request_: dict[str, Any]) -> None:
    with pytest.raises(UsageError):
        plan_request(request_, context())
    transaction = {"execute": "transaction", "arguments": {"actions": [{"type": "x", "data": request_}]}}
    if "\0" in str(request_) or "********" in str(request_):
        with pytest.raises(UsageError):
            plan_request(transaction, context())


def test_argv_words_stay_whole_for_hmp_and_qmp() -> None:
    assert hmp_line("screendump", ["/tmp/a b.ppm"]) == 'screendump "/tmp/a b.ppm"'
    assert hmp_line("screendump", ['a"b\\c']) == 'screendump "a\\"b\\\\c"'
    ctx = context()
    assert planned(plan_words("screendump", ["/tmp/a b.ppm"], ctx)).requests == [
        {"execute": "screendump", "arguments": {"filename": "/tmp/a b.ppm"}}
    ]
    assert planned(plan_words("qom-set", ["path=/m", "property=p", "value=a b c"], ctx)).requests == [
        {"execute": "qom-set", "arguments": {"path": "/m", "property": "p", "value": "a b c"}}
    ]


def test_the_fast_path_needs_no_schema_and_marks_a_bare_name() -> None:
    def no_schema() -> None:
        raise AssertionError("the schema was asked for")

    plan = plan_blocking(plan_words("query-status", [], context()), no_schema, lambda request: Reply({}, 0.0))
    assert plan.retry_as_hmp == "query-status"
    batch = plan_blocking(plan_line("savevm", context(), fast=True), no_schema, lambda request: Reply({}, 0.0))
    assert batch.retry_as_hmp == "savevm"


def test_a_device_types_properties_are_asked_once_then_typed() -> None:
    ctx = context()
    asked: list[Any] = []
    plan = planned(plan_line("device_add e1000,id=n0,serial=abc", ctx), asked)
    assert asked == [{"execute": "device-list-properties", "arguments": {"typename": "e1000"}}]
    assert plan.requests[0]["arguments"] == {"driver": "e1000", "id": "n0", "serial": "abc"}
    planned(plan_line("device_add e1000,id=n1", ctx), asked)
    assert len(asked) == 1


def test_a_meta_command_is_not_planned_outside_the_shell() -> None:
    with pytest.raises(UsageError, match="meta-command of the interactive shell"):
        planned(plan_line(":help", context()))


def test_an_exec_migration_is_refused_on_libvirt_where_the_sandbox_kills_qemu() -> None:
    # Measured: libvirt's -sandbox spawn=deny kills 7.2's QEMU on migrate to exec: (the guest is lost); 11.1
    # refuses to fork. A plain QEMU (--qmp) has no such sandbox, and '!' sends it for a libvirtd without it.
    line = 'migrate -d "exec:cat > /tmp/m"'
    with pytest.raises(UsageError, match=r"an exec: migration cannot start its command.*nothing was sent"):
        planned(plan_line(line, context()))
    with pytest.raises(UsageError, match="exec: migration"):
        planned(
            plan_line(
                '{"execute":"migrate","arguments":{"channels":[{"channel-type":"main",'
                '"addr":{"transport":"exec","args":["cat"]}}]}}',
                context(),
            )
        )
    assert planned(plan_line(line, context(libvirt=False))).requests[0]["arguments"]["uri"] == "exec:cat > /tmp/m"
    assert planned(plan_line("!migrate uri=exec:cat", context())).forced
    assert planned(plan_line("migrate uri=tcp:127.0.0.1:4444", context())).requests
