"""Bad input (issue 6): random text, JSON, ``cmd key=value`` lines and HMP lines, with control characters, invalid
UTF-8 (as the surrogate escapes Python decodes it to), NUL bytes and megabyte-long lines, fed to the classifier,
the request parser, the schema validator, the HMP translator, the meta-command parser, a session on a real QEMU
and the ``exec`` / ``translate`` CLIs. What may come out: a result, or a VdbgshError whose lines are clean (one
message line, the input and its caret for a parse error, an optional hint; nothing a terminal would act on);
never another exception, never a hang.

CI (CI=true) replays the same examples on every run; elsewhere each run explores anew and remembers what failed
in .hypothesis/ (git-ignored).
"""

from __future__ import annotations

import json
import os
import re
import subprocess
import unicodedata
from collections.abc import Callable, Iterator
from pathlib import Path
from typing import Any, TypeVar

import pytest
from hypothesis import HealthCheck, assume, given, settings
from hypothesis import strategies as st

from tests.conftest import VDBGSH, LoopThread
from tests.guest_facts import QemuFacts
from vdbgsh.errors import VdbgshError
from vdbgsh.guest.plain_qemu import PlainQemu
from vdbgsh.hmp.table import BY_NAME, INFO_BY_NAME
from vdbgsh.hmp.translate import Translation, Translator
from vdbgsh.plan import Plan, PlanContext, plan_blocking, plan_line, plan_words
from vdbgsh.plan.model import Steps
from vdbgsh.schema.loading import SchemaCache, load_schema
from vdbgsh.schema.model import Schema, SchemaType
from vdbgsh.session import Outcome, Session
from vdbgsh.syntax.classify import classify
from vdbgsh.syntax.errors import ParseError
from vdbgsh.syntax.json_request import parse_json_request
from vdbgsh.syntax.meta import parse_meta
from vdbgsh.syntax.request import Request, parse_request_line, parse_request_words
from vdbgsh.transport import Reply, Target
from vdbgsh.transport.base import JSONObject

DATA = Path(__file__).parent / "data"
SCHEMA = Schema.from_introspection(json.loads((DATA / "qmp-schema-7.2.json").read_text()))
MEGA = 1 << 20
T = TypeVar("T")

IN_CI = bool(os.environ.get("CI"))


def profile(examples: int, deadline: int | None = 2000) -> settings:
    # The deadline is generous (2 busy cores) but catches a quadratic megabyte line, which takes minutes. The CLI
    # tests have none: each subprocess has its own timeout, and start-up time is not what they test.
    return settings(
        max_examples=examples,
        deadline=deadline,
        derandomize=IN_CI,
        database=None if IN_CI else settings().database,
        suppress_health_check=[HealthCheck.too_slow, HealthCheck.large_base_example, HealthCheck.data_too_large],
    )


# --- what bad input is made of ------------------------------------------------------------------------------------

CONTROLS = "\x00\x01\x07\x08\t\n\r\x0b\x0c\x1b\x1c\x7f\x85\x9b\u2028\u2029\ufeff"
# Invalid UTF-8 bytes reach Python (argv, surrogateescape'd stdin) as lone low surrogates U+DC80..U+DCFF.
ESCAPED_BYTES = st.integers(0x80, 0xFF).map(lambda byte: chr(0xDC00 + byte))
SYNTAX = " =\"'\\{}[],.:!/$#-_0123456789xkMG"
CHARS = st.one_of(
    st.characters(),
    st.sampled_from(CONTROLS),
    ESCAPED_BYTES,
    st.sampled_from(SYNTAX),
    st.characters(categories=["Cs"]),  # lone surrogates of every kind, as a JSON \\ud800 escape gives
)
TEXT = st.text(CHARS, max_size=30)
UNDECODABLE = st.binary(max_size=30).map(lambda raw: raw.decode("utf-8", "surrogateescape"))
WORD = st.one_of(TEXT, UNDECODABLE, st.sampled_from(["", "0", "-1", "1.5", "1G", "null", "true", "on", "[]", "{}"]))
# Repeated to a megabyte: plain text, keys, nesting, quotes, escapes, commas, NULs, undecodable bytes.
UNITS = [
    "x",
    "a=",
    "a.",
    "0.",
    "[",
    "{",
    '{"a":',
    '"',
    "'",
    "\\",
    ",",
    ",,",
    " ",
    "\t",
    "\x00",
    "\udcff",
    "=",
    "9",
    "é",
]


def huge(prefix: st.SearchStrategy[str]) -> st.SearchStrategy[str]:
    return st.builds(
        lambda head, unit, tail: head + unit * (MEGA // len(unit)) + tail, prefix, st.sampled_from(UNITS), WORD
    )


QMP_NAMES = sorted(SCHEMA.commands)
HMP_NAMES = sorted(BY_NAME) + [f"info {name}" for name in sorted(INFO_BY_NAME)]


def quoted(value: str, style: int) -> str:
    if style == 1:
        return f"'{value}'"
    if style == 2:
        return '"' + value.replace("\\", "\\\\").replace('"', '\\"') + '"'
    return value


@st.composite
def member_path(draw: st.DrawFn, type_name: str, depth: int = 0) -> str:
    """A key as a user would write it for this type: real member names, dotted into objects, indexes into lists."""
    schema_type: SchemaType = SCHEMA.type(type_name)
    stop = depth > 3 or draw(st.integers(0, 3)) == 0
    if schema_type.meta == "object":
        names = [member.name for member in schema_type.members]
        names += [member.name for _, variant in schema_type.variants for member in SCHEMA.type(variant).members]
        if not names or (stop and depth):
            return draw(WORD)
        member = draw(st.sampled_from(names))
        found = SCHEMA.member(schema_type, member, {})
        child = found.type if found else "str"
        return member if stop else f"{member}.{draw(member_path(child, depth + 1))}"
    if schema_type.meta == "array" and not stop:
        return f"{draw(st.integers(-1, 3))}.{draw(member_path(schema_type.element, depth + 1))}"
    if schema_type.meta == "alternate" and not stop:
        return draw(member_path(draw(st.sampled_from(schema_type.alternatives)), depth))
    return draw(WORD) if draw(st.integers(0, 5)) == 0 else ""


@st.composite
def keyvalue_lines(draw: st.DrawFn) -> str:
    command = draw(st.sampled_from(QMP_NAMES) | WORD)
    words = [("!" if draw(st.integers(0, 9)) == 0 else "") + command]
    arg_type = SCHEMA.commands[command].arg_type if command in SCHEMA.commands else ""
    for _ in range(draw(st.integers(0, 4))):
        key = draw(member_path(arg_type)) if arg_type else draw(WORD)
        value = draw(WORD)
        words.append(quoted(f"{key}={value}", draw(st.integers(0, 3))) if key else quoted(value, 0))
    return " ".join(words)


HMP_ARGUMENTS = st.one_of(
    WORD,
    st.sampled_from(["-f", "-a", "/4xw", "/s", "$pc", "$eax", "0x10", "10G", "1.5", "on", "off", "e1000,id=n0"]),
    st.builds(lambda a, b: f"{a}={b},id={b}", WORD, WORD),
    st.builds(lambda a: f'"{a}"', TEXT),
    st.builds(lambda a, b: f"{a}+{b}*({a})", st.integers(-(1 << 70), 1 << 70), WORD),
)


@st.composite
def hmp_lines(draw: st.DrawFn) -> str:
    name = draw(st.sampled_from(HMP_NAMES))
    return " ".join([name, *draw(st.lists(HMP_ARGUMENTS, max_size=5))])


JSON_VALUES = st.recursive(
    st.none() | st.booleans() | st.integers() | st.floats() | WORD,
    lambda inner: st.lists(inner, max_size=4) | st.dictionaries(WORD, inner, max_size=4),
    max_leaves=12,
)


@st.composite
def json_requests(draw: st.DrawFn) -> str:
    """Request-shaped JSON (real commands, their real member names, random values), or any JSON; sometimes cut short."""
    command = draw(st.sampled_from(QMP_NAMES) | WORD)
    arguments: dict[str, Any] = {}
    if command in SCHEMA.commands:
        for member in SCHEMA.type(SCHEMA.commands[command].arg_type).members:
            if draw(st.booleans()):
                arguments[member.name] = draw(JSON_VALUES)
    value = draw(
        st.sampled_from(
            [
                {"execute": command, "arguments": arguments},
                {"exec-oob": command, "arguments": draw(JSON_VALUES)},
                {"execute": command, draw(WORD): draw(JSON_VALUES)},
            ]
        )
        | JSON_VALUES
    )
    text = json.dumps(value, ensure_ascii=draw(st.booleans()))
    if draw(st.integers(0, 4)) == 0:
        text = text[: draw(st.integers(0, len(text)))]
    return ("!" if draw(st.integers(0, 9)) == 0 else "") + text


LINES = st.one_of(TEXT, UNDECODABLE, keyvalue_lines(), hmp_lines(), json_requests())
HUGE_LINES = huge(st.sampled_from(["", "query-status ", "qom-get path=", "info ", "device_add ", '{"execute": "', ":"]))
HUGE_LINES |= huge(LINES)


# --- what may come out ---------------------------------------------------------------------------------------------


def unsafe(text: str) -> list[str]:
    """Characters a terminal would act on or could not print: controls, line separators, lone surrogates."""
    return [ch for ch in text if unicodedata.category(ch) in ("Cc", "Cs", "Zl", "Zp")]


def assert_clean(err: VdbgshError) -> None:
    lines = err.lines()
    for line in lines:
        assert not unsafe(line), f"raw {unsafe(line)!r} in {line[:200]!r}"
    body = lines[:-1] if err.hint is not None else lines
    if err.hint is not None:
        assert lines[-1].startswith("hint: ")
    if isinstance(err, ParseError):
        assert len(body) == 3, body  # the message, the input, the caret under the fault
        assert body[1].startswith("  ")
        assert body[2].strip() == "^"
    else:
        assert len(body) == 1, body


def outcome(call: Callable[[], T]) -> T | None:
    """The result of ``call``, or None after checking that the error it raised is a clean VdbgshError."""
    try:
        return call()
    except VdbgshError as err:
        assert_clean(err)
        return None


def dispatch(text: str) -> object:
    """What a session does with a line before anything is sent: classify, then parse by kind."""
    stripped = text.strip()
    if not stripped:
        return None
    kind = classify(stripped, SCHEMA)
    if kind == "meta":
        return parse_meta(stripped)
    if kind == "hmp":
        return Translator(SCHEMA).translate(stripped)
    return parse_request_line(stripped, SCHEMA)


def every_parser(text: str) -> None:
    outcome(lambda: dispatch(text))
    outcome(lambda: parse_request_line(text))
    outcome(lambda: parse_request_line(text, SCHEMA))
    words = text.split(" ")
    outcome(lambda: parse_request_words(words[0], words[1:], SCHEMA))
    outcome(lambda: Translator(SCHEMA).translate(text))
    outcome(lambda: Translator().translate(text))
    outcome(lambda: parse_meta(":" + text))
    outcome(lambda: planned(plan_line(text, PlanContext())))
    outcome(lambda: planned(plan_line(text, PlanContext(), fast=True)))
    outcome(lambda: planned(plan_words(words[0], words[1:], PlanContext())))


def planned(steps: Steps) -> Plan:
    """The planner driven as exec drives it, the guest answering a device type's properties with an error."""
    no_properties = Reply({"error": {"class": "GenericError", "desc": "no such type"}}, 0.0)
    return plan_blocking(steps, lambda: SCHEMA, lambda request: no_properties)


# --- pure functions ------------------------------------------------------------------------------------------------


@pytest.mark.slow  # ~2 s: 300 examples through every parser
@profile(300)
@given(LINES)
def test_any_line_through_every_parser(text: str) -> None:
    every_parser(text)


@pytest.mark.slow  # ~1 s
@profile(150)
@given(json_requests())
def test_json_requests_parse_and_validate(text: str) -> None:
    outcome(lambda: parse_json_request(text.removeprefix("!")))
    outcome(lambda: parse_request_line(text, SCHEMA))


@profile(150)
@given(keyvalue_lines())
def test_keyvalue_lines_against_the_schema(text: str) -> None:
    outcome(lambda: parse_request_line(text, SCHEMA))
    outcome(lambda: dispatch(text))


@pytest.mark.slow  # ~1 s
@profile(200)
@given(st.lists(hmp_lines(), min_size=1, max_size=4))
def test_hmp_lines_one_translator(lines: list[str]) -> None:
    # One translator for several lines, as the shell keeps one: HMP's state (cpu, x formats) carries over.
    translator = Translator(SCHEMA)
    for line in lines:
        outcome(lambda line=line: translator.translate(line))  # type: ignore[misc]


@profile(100)
@given(
    st.builds(lambda name, rest: f"{name} {rest}", st.sampled_from([":", "help", "exit", ":output", ":history"]), TEXT)
)
def test_meta_commands(text: str) -> None:
    outcome(lambda: parse_meta(text))
    outcome(lambda: dispatch(text))


@pytest.mark.slow  # 25-40 s: a dozen megabyte lines through every parser
@profile(12, deadline=10_000)  # a linear pass over a megabyte takes ~1-2 s on a busy core; a quadratic one, minutes
@given(HUGE_LINES)
def test_megabyte_lines(text: str) -> None:
    every_parser(text)


# --- a session on a real QEMU ---------------------------------------------------------------------------------------

QUERY_NAMES = [name for name in QMP_NAMES if name.startswith("query-")]
INFO_LINES = st.builds(lambda name, rest: f"info {name} {rest}", st.sampled_from(sorted(INFO_BY_NAME)), WORD)


def read_only(request: JSONObject) -> bool:
    command = request.get("execute", request.get("exec-oob"))
    if command == "human-monitor-command":
        return str(request.get("arguments", {}).get("command-line", "")).startswith("info ")
    return isinstance(command, str) and command.startswith(
        ("query-", "x-query-", "qom-list", "qom-get", "device-list-properties")
    )


def harmless(line: str) -> bool:
    """Whether the line, as a session reads it, sends nothing that changes the shared QEMU (stop, quit ...)."""
    try:
        parsed = dispatch(line)
    except VdbgshError:
        return True
    if isinstance(parsed, Translation):
        return all(read_only(request) for request in parsed.requests)
    if isinstance(parsed, Request):
        return read_only(parsed.message)
    return True  # nothing, or a meta-command


@st.composite
def query_lines(draw: st.DrawFn) -> str:
    line = draw(keyvalue_lines())
    command = draw(st.sampled_from(QUERY_NAMES))
    return command + " " + line.split(" ", 1)[1] if " " in line else command


# Read-only commands whose string arguments reach QEMU as typed: the random text travels all the way.
READ_ONLY_WITH_TEXT = [
    "qom-list path={}",
    "qom-get path=/machine property={}",
    "query-command-line-options option={}",
    "device-list-properties typename={}",
    "info block {}",
    "info qom-tree {}",
    '{{"execute": "qom-list", "arguments": {{"path": {}}}}}',
]
TEXT_REACHING_QEMU = st.builds(
    lambda template, value, style: template.format(json.dumps(value) if template[0] == "{" else quoted(value, style)),
    st.sampled_from(READ_ONLY_WITH_TEXT),
    WORD,
    st.integers(0, 2),
)


@pytest.fixture(scope="module")
def qemu_session(
    loop: LoopThread, shared_qemu: PlainQemu, tmp_path_factory: pytest.TempPathFactory
) -> Iterator[Session]:
    async def opened() -> Session:
        monitor = await Target(qmp=shared_qemu.address).open(events=False)
        loaded = await load_schema(monitor, SchemaCache(tmp_path_factory.mktemp("schema")))
        return Session(monitor, loaded, colour=False)

    session = loop.run(opened())
    yield session
    loop.run(session.monitor.close())


@profile(40)
@given(st.one_of(TEXT, UNDECODABLE, query_lines(), INFO_LINES, json_requests(), TEXT_REACHING_QEMU))
def test_session_run_on_a_real_qemu(qemu_session: Session, loop: LoopThread, line: str) -> None:
    assume(harmless(line))
    shown = outcome(lambda: loop.run(qemu_session.run(line), timeout=20))
    assert shown is None or isinstance(shown, Outcome)
    if shown is not None:  # replies too: QEMU quotes what it was sent in its errors
        assert not unsafe(shown.text.replace("\n", "").replace("\t", "")), shown.text
    # Still answering: nothing above broke the connection.
    assert loop.run(qemu_session.monitor.execute("query-status"), timeout=20).ok


# --- the CLIs, as a script runs them ---------------------------------------------------------------------------------

CLI_TIMEOUT = 20
# An argument is at most 128 KiB on Linux (MAX_ARG_STRLEN) and cannot hold a NUL: megabytes go through stdin.
LONG_ARGUMENT = 100_000


def as_bytes(text: str) -> bytes:
    """What a shell would pass: invalid UTF-8 stays the bytes it came from; other lone surrogates as CESU-8."""
    try:
        return text.encode("utf-8", "surrogateescape")
    except UnicodeEncodeError:
        return text.encode("utf-8", "surrogatepass")


ARGUMENT = st.one_of(LINES, WORD, st.binary(max_size=20)).map(
    lambda value: (value if isinstance(value, bytes) else as_bytes(value)).replace(b"\0", b"")
)
LONG = st.builds(
    lambda unit, tail: (unit * (LONG_ARGUMENT // len(unit))).encode() + tail, st.sampled_from(UNITS[:13]), ARGUMENT
)
OPTION = st.builds(lambda dashes, word: dashes + word, st.sampled_from([b"-", b"--"]), ARGUMENT)  # argparse's
ARGV = st.lists(ARGUMENT | LONG | OPTION, min_size=1, max_size=4)


def run_cli(args: list[bytes], stdin: bytes = b"", *, strict: bool = False) -> subprocess.CompletedProcess[bytes]:
    """``strict``: Python's streams as under a UTF-8 locale (en_US.UTF-8), where undecodable bytes are errors;
    under C.UTF-8, as here, Python reads and writes them as surrogate escapes."""
    env = {key: value for key, value in os.environ.items() if key not in ("LIBVIRT_DEFAULT_URI", "VDBGSH_DEBUG")}
    if strict:
        env["PYTHONIOENCODING"] = "utf-8:strict"
    try:
        return subprocess.run(
            [VDBGSH.encode(), *args], input=stdin, capture_output=True, env=env, timeout=CLI_TIMEOUT, check=False
        )
    except subprocess.TimeoutExpired:
        pytest.fail(f"vdbgsh {args!r:.300} did not end within {CLI_TIMEOUT} s")


def assert_clean_exit(result: subprocess.CompletedProcess[bytes]) -> None:
    """Exit 0, 1 or 2; stdout UTF-8 JSON lines; stderr UTF-8, only vdbgsh's (or argparse's) error lines."""
    stderr = result.stderr.decode("utf-8")  # raises on invalid UTF-8
    stdout = result.stdout.decode("utf-8")
    assert result.returncode in (0, 1, 2), (result.returncode, stderr[-2000:])
    assert "Traceback" not in stderr, stderr[-2000:]
    assert "internal error" not in stderr, stderr[-2000:]
    for line in stdout.splitlines() if not stdout.startswith("usage: ") else []:  # -h in the random argv
        json.loads(line)
    lines = stderr.split("\n")
    assert lines.pop() == ""  # ends with a newline (or is empty)
    for line in lines:
        assert not unsafe(line), f"raw {unsafe(line)!r} in {line[:300]!r}"
    if lines and lines[0].startswith("usage: "):  # argparse's own: the usage, then one error line
        assert re.match(r"vdbgsh( \w+)?: error: ", lines[-1]), stderr
        return
    # Each error: its line, the input and a caret for a parse error, an optional hint; notes are one line.
    for line in lines:
        assert line.startswith(("vdbgsh: ", "  ", "hint: ")), stderr[-2000:]
    if result.returncode == 0:
        assert all(line.startswith("vdbgsh: note: ") for line in lines), stderr[-2000:]


def megabyte_stdin(lines: list[str], unit: str) -> bytes:
    return b"\n".join([*map(as_bytes, lines), as_bytes(unit * (MEGA // len(unit)))]) + b"\n"


@pytest.mark.slow  # ~2 s: ten vdbgsh processes
@profile(10, deadline=None)
@given(ARGV, st.booleans(), st.booleans())
def test_translate_cli_with_random_argv(argv: list[bytes], separated: bool, strict: bool) -> None:
    assert_clean_exit(run_cli([b"translate", *([b"--"] if separated else []), *argv], strict=strict))


@pytest.mark.slow  # ~2 s: six vdbgsh processes reading megabytes
@profile(3, deadline=None)
@given(st.lists(st.one_of(hmp_lines(), LINES), min_size=20, max_size=60), st.sampled_from(UNITS))
def test_translate_cli_with_random_stdin(lines: list[str], unit: str) -> None:
    for strict in (False, True):
        assert_clean_exit(run_cli([b"translate", b"-"], megabyte_stdin(lines, unit), strict=strict))


@profile(10, deadline=None)
@given(ARGV, st.booleans(), st.booleans())
def test_exec_dry_run_with_random_argv(
    shared_qemu: PlainQemu, argv: list[bytes], separated: bool, strict: bool
) -> None:
    # --dry-run checks against the guest's schema and prints the request: nothing reaches the shared QEMU.
    address = str(shared_qemu.address).encode()
    assert_clean_exit(
        run_cli([b"exec", b"--qmp", address, b"--dry-run", *([b"--"] if separated else []), *argv], strict=strict)
    )


@profile(3, deadline=None)
@given(
    st.lists(st.one_of(keyvalue_lines(), json_requests(), LINES), min_size=20, max_size=60),
    st.sampled_from(UNITS),
)
def test_exec_dry_run_with_random_stdin(shared_qemu: PlainQemu, lines: list[str], unit: str) -> None:
    address = str(shared_qemu.address).encode()
    for strict in (False, True):
        argv = [b"exec", b"--qmp", address, b"--dry-run", b"--keep-going", b"-"]
        assert_clean_exit(run_cli(argv, megabyte_stdin(lines, unit), strict=strict))


# --- what the properties found, each as a plain test -----------------------------------------------------------------


@pytest.mark.parametrize(
    ("line", "escaped"),
    [
        ("xen-save-devices-state filename=f live=\x00", "live=\\x00"),
        ('!{"execute": "\x7f", "": null}', '{"execute": "\\x7f", "": null}'),
        ("add-fd fdset-id=\x1b[2J", "fdset-id=\\x1b[2J"),
    ],
)
def test_control_characters_in_errors_are_shown_escaped(line: str, escaped: str) -> None:
    with pytest.raises(ParseError) as caught:
        parse_request_line(line, SCHEMA)
    lines = caught.value.lines()
    assert escaped in lines[1]
    assert not unsafe("".join(lines))


def test_caret_counts_the_escapes_before_the_fault() -> None:
    with pytest.raises(ParseError) as caught:
        parse_request_line("qom-get path=\x1b property=type bogus=1", SCHEMA)
    assert caught.value.lines()[1:3] == [
        "  qom-get path=\\x1b property=type bogus=1",
        "  " + " " * len("qom-get path=\\x1b property=type ") + "^",
    ]


def test_an_unknown_hmp_word_with_a_lone_surrogate() -> None:
    # ':\ud800' crashed the translator: it escaped undecodable bytes by encoding with surrogateescape.
    with pytest.raises(ParseError) as caught:
        Translator(SCHEMA).translate(":\ud800")
    assert caught.value.lines()[0] == "unknown command: ':\\ud800'"


@pytest.mark.parametrize(
    "line",
    [
        "device_add " + "a." * 100_000 + "a=1",  # loose_node recursed once per dotted level
        "qom-list path=" + "[" * 100_000,
        '{"execute": "qom-list", "arguments": {"path": ' + "[" * 100_000 + "]}}",
        '{"execute": "device_add", "arguments": {"driver": "e1000", "x": ' + "[" * 500 + "]" * 500 + "}}",
    ],
)
def test_deep_nesting_is_an_error_not_a_recursion_error(line: str) -> None:
    outcome(lambda: parse_request_line(line, SCHEMA))
    outcome(lambda: parse_request_line(line))


def test_a_megabyte_line_gives_short_error_lines() -> None:
    with pytest.raises(ParseError) as caught:
        parse_request_line("x" * MEGA + "=1", SCHEMA)
    assert all(len(line) < 1000 for line in caught.value.lines())


@pytest.mark.parametrize(
    "line",
    [
        "query-command-line-options option=\udcff",  # an invalid UTF-8 byte from argv or stdin
        '{"execute": "query-command-line-options", "arguments": {"option": "\\ud800"}}',
        "human-monitor-command command-line='info \udcff'",
    ],
)
def test_a_request_that_is_not_utf8_is_refused(line: str) -> None:
    # Sent, it cost the socket transport its connection to QEMU (the session then useless).
    with pytest.raises(ParseError, match="QMP takes UTF-8 text only"):
        parse_request_line(line, SCHEMA)


def test_a_session_survives_a_value_that_is_not_utf8(qemu_session: Session, loop: LoopThread) -> None:
    shown = loop.run(qemu_session.run("qom-list path=/machine\udcff"), timeout=20)
    assert "invalid UTF-8 (\\xff)" in shown.text
    assert loop.run(qemu_session.monitor.execute("query-status"), timeout=20).ok


def test_guest_errors_quoting_control_characters_are_escaped(
    qemu_session: Session, loop: LoopThread, qemu_facts: QemuFacts
) -> None:
    shown = loop.run(qemu_session.run("qom-get path=/machine property=\x1b[31m"), timeout=20)
    assert f"'{qemu_facts.machine_type}.\\x1b[31m' not found" in shown.text


def test_invalid_utf8_on_stdin_under_a_utf8_locale() -> None:
    # It ended the batch with "internal error: UnicodeDecodeError".
    result = run_cli([b"translate", b"-"], b"info \xff\nstop\n", strict=True)
    assert result.returncode == 2
    assert result.stdout == b'{"execute":"stop"}\n'
    assert result.stderr == b"vdbgsh: error: line 1: unknown command: 'info \\xff'\n"


def test_argparse_errors_escape_control_characters() -> None:
    result = run_cli([b"exec", b"--qmp", b"unix:/nowhere", b"--\x07x"])
    assert result.returncode == 2
    assert result.stderr.decode().splitlines()[-1] == "vdbgsh: error: unrecognized arguments: --\\x07x"


def test_a_member_named_nothing_is_an_error_with_a_caret() -> None:
    """Found by the property above on Python 3.14's run: the caret's search took a member named '' for a path."""
    with pytest.raises(ParseError) as raised:
        parse_request_line('{"exec-oob": "query-acpi-ospm-status", "arguments": {"": null}}', SCHEMA)
    assert_clean(raised.value)
