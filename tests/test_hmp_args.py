"""HMP's argument grammar, re-implemented exactly: every args_type type and modifier, and the pitfalls of the
reference (the HMP behaviour quoted here was observed on QEMU 7.2 through human-monitor-command)."""

from __future__ import annotations

from typing import Any

import pytest

from vdbgsh.hmp.args_type import ArgSpec, parse_args_type
from vdbgsh.hmp.arguments import FormatState, parse_arguments, split_command
from vdbgsh.hmp.expressions import RegisterReferenceError, get_expr
from vdbgsh.hmp.opts import parse_keyval, parse_keyval_help, parse_qemu_opts
from vdbgsh.hmp.sizes import SizeError, parse_duration, parse_size, strtosz
from vdbgsh.hmp.tokens import TokenError, get_str
from vdbgsh.syntax.errors import ParseError

MEMSAVE = "val:l,size:i,filename:s"
BLOCK_STREAM = "device:B,speed:o?,base:s?"
INFO_BLOCK = "nodes:-n,verbose:-v,device:B?"
MIGRATE_7_2 = "detach:-d,blk:-b,inc:-i,resume:-r,uri:s"
SCREENDUMP = "filename:F,format:-fs,device:s?,head:i?"
SET_PASSWORD = "protocol:s,password:s,display:-ds,connected:s?"
X = "fmt:/,addr:l"
IOPORT_READ = "fmt:/,addr:i,index:i."


def parse(spec: str, line: str, state: FormatState | None = None) -> dict[str, Any]:
    """Parse a whole HMP line the way the translator does: the name (and info's sub-command), then the rest."""
    name, end = split_command(line)
    if name == "info":
        _, end = split_command(line, end)
    return parse_arguments(spec, line, end, state=state or FormatState())


def error(spec: str, line: str, state: FormatState | None = None) -> ParseError:
    with pytest.raises(ParseError) as caught:
        parse(spec, line, state)
    assert caught.value.source == line
    return caught.value


# -- args_type ---------------------------------------------------------------------------------------------------


def test_args_type_positional_and_optional() -> None:
    assert parse_args_type("device:B,speed:o?,base:s?") == (
        ArgSpec("device", "B", False, False, "", False, ""),
        ArgSpec("speed", "o", True, False, "", False, ""),
        ArgSpec("base", "s", True, False, "", False, ""),
    )


def test_args_type_flags_keep_the_text_after_their_letter() -> None:
    reuse, full, device, target, fmt = parse_args_type("reuse:-n,full:-f,device:B,target:s,format:s?")
    assert (reuse.kind, reuse.flag, reuse.flag_takes_string) == ("-", "n", False)
    assert reuse.tail == ",full:-f,device:B,target:s,format:s?"
    assert (full.flag, full.tail) == ("f", ",device:B,target:s,format:s?")
    assert [device.kind, target.kind, fmt.optional] == ["B", "s", True]
    (display,) = parse_args_type("display:-ds")
    assert (display.flag, display.flag_takes_string, display.tail) == ("d", True, "s")


def test_args_type_format_and_dot_optional() -> None:
    assert parse_args_type("fmt:/,addr:l") == (
        ArgSpec("fmt", "/", False, False, "", False, ""),
        ArgSpec("addr", "l", False, False, "", False, ""),
    )
    addr, index = parse_args_type("addr:i,index:i.")
    assert (addr.dot_optional, index.dot_optional, index.optional) == (False, True, False)


def test_args_type_empty_and_cached() -> None:
    assert parse_args_type("") == ()
    assert parse_args_type("name:S?") is parse_args_type("name:S?")


def test_args_type_modifier_a_type_does_not_take_joins_the_next_key() -> None:
    # key_get_info() skips one ',' only: HMP would read the key "?,c" here.
    assert [spec.key for spec in parse_args_type("a:b?,c:s")] == ["a", "?,c"]


def test_args_type_unknown_type_is_a_table_bug() -> None:
    with pytest.raises(ValueError, match="unknown type"):
        parse_args_type("a:z")
    with pytest.raises(ValueError, match="no letter"):
        parse_args_type("a:-")


# -- command names -----------------------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("line", "expected"),
    [
        ("x/4xw 0", ("x", 1)),
        ("p/x 1", ("p", 1)),
        ("   info   block -v", ("info", 7)),
        ("stop", ("stop", 4)),
        ("", ("", 0)),
        ("  \t", ("", 3)),
    ],
)
def test_split_command(line: str, expected: tuple[str, int]) -> None:
    assert split_command(line) == expected


def test_split_command_from_an_offset_for_info_sub_commands() -> None:
    assert split_command("info  block -v", 4) == ("block", 11)


# -- strings: s F B --------------------------------------------------------------------------------------------


def test_strings_are_words_or_double_quoted() -> None:
    assert parse("device:s,data:s", 'ringbuf_write rb0 "x\\"y\\\\z"') == {"device": "rb0", "data": 'x"y\\z'}
    assert parse("device:s,data:s", 'ringbuf_write rb0 "a b\\n\\r\\\'"') == {"device": "rb0", "data": "a b\n\r'"}
    # Single quotes are not quotes; a quote in the middle of a word is an ordinary character.
    assert parse("device:s,data:s", "ringbuf_write rb0 'a") == {"device": "rb0", "data": "'a"}


def test_string_in_the_middle_of_a_word_stops_at_the_blank() -> None:
    err = error("device:s,data:s", 'ringbuf_write rb0 a"b c"')
    assert err.message.startswith("extraneous characters at the end of line")
    assert err.offset == len('ringbuf_write rb0 a"b ')


def test_string_errors() -> None:
    err = error("device:s,data:s", 'ringbuf_write rb0 "a\\tb"')
    assert err.message.startswith("string expected (data: unsupported escape code \\t")
    assert err.offset == len('ringbuf_write rb0 "a')
    err = error("device:s,data:s", 'ringbuf_write rb0 "abc')
    assert err.message == 'string expected (data: unterminated string: the closing " is missing)'
    assert err.offset == len("ringbuf_write rb0 ")
    err = error("device:s,data:s", "ringbuf_write rb0")
    assert err.message.startswith("string expected (data is missing")
    assert err.offset == len("ringbuf_write rb0")


def test_filename_and_block_device_errors_name_their_type() -> None:
    assert error("filename:F", "logfile").message.startswith("filename expected (filename is missing")
    assert error("device:B", "eject").message.startswith("block device name expected (device is missing")


def test_get_str_directly() -> None:
    assert get_str('  "a\\"b" rest', 0) == ('a"b', 8)
    assert get_str("word\tnext", 0) == ("word", 4)
    with pytest.raises(TokenError) as caught:
        get_str('"a\\', 0)
    assert caught.value.offset == 2


# -- S: the rest of the line, verbatim ----------------------------------------------------------------------------


def test_rest_of_line_keeps_quotes_and_blanks() -> None:
    line = 'qom-set /objects/iot0 poll-max-ns "1000"'
    assert parse("json:-j,path:s,property:s,value:S", line) == {
        "path": "/objects/iot0",
        "property": "poll-max-ns",
        "value": '"1000"',
    }
    assert parse("object:S", 'object_add {"qom-type": "iothread", "id": "io1"}  ') == {
        "object": '{"qom-type": "iothread", "id": "io1"}  '
    }


def test_rest_of_line_optional_and_required() -> None:
    assert parse("name:S?", "help   ") == {}
    err = error("object:S", "object_add   ")
    assert err.message.startswith("string expected (object is missing")


# -- integers: i l M ---------------------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("text", "value"),
    [
        ("1+2*3", 7),
        ("(1+2)*3", 9),
        ("2+3*4-1", 13),
        ("1|2^3&4", 0),  # & | ^ share one precedence, left to right
        ("010", 8),
        ("0x10", 16),
        ("0XfF", 255),
        ("'a'", 97),
        ("'a'|0x100", 353),
        ("~0", -1),
        ("- -5", 5),
        ("+ 5", 5),
        ("-7/2", -3),
        ("-7%2", -1),
        ("7%-2", 1),
        ("(3+4)*2%5", 4),
        ("0xffffffffffffffff", -1),
        ("0x7fffffffffffffff+1", -(1 << 63)),
        ("18446744073709551615", -1),
        (" 1 + 2 ", 3),
    ],
)
def test_expression_values(text: str, value: int) -> None:
    assert get_expr(text, 0)[0] == value


def test_expression_stops_where_hmp_stops() -> None:
    assert get_expr("09", 0) == (0, 1)  # octal: the 9 is left over
    assert get_expr("0x", 0) == (0, 1)  # no hex digit after 0x: only the 0 is a number
    assert get_expr("0x70.0x0a", 0) == (0x70, 4)
    assert get_expr("5 6", 0) == (5, 2)


@pytest.mark.parametrize(
    ("text", "message", "offset"),
    [
        ("1/0", "division by zero", 2),
        ("1%0", "division by zero", 2),
        ("99999999999999999999", "number too large", 0),
        ("0x10000000000000000", "number too large", 0),
        ("(1", "')' expected", 2),
        ("", "unexpected end of expression", 0),
        ("1+", "unexpected end of expression", 2),
        ("'", "character constant expected", 1),
        ("'ab'", "missing terminating ' character", 2),
        ("x", "invalid char 'x' in expression", 0),
        ("-0x8000000000000000/-1", "division overflow: QEMU would crash evaluating this", 20),
        ("-0x8000000000000000%-1", "division overflow: QEMU would crash evaluating this", 20),
    ],
)
def test_expression_errors(text: str, message: str, offset: int) -> None:
    with pytest.raises(ParseError) as caught:
        get_expr(text, 0)
    assert (caught.value.message, caught.value.offset) == (message, offset)


def test_register_references_cannot_be_evaluated_here() -> None:
    with pytest.raises(RegisterReferenceError) as caught:
        parse(X, "x/4i $pc")
    assert caught.value.message.startswith("register references need the guest's CPU state")
    assert caught.value.offset == len("x/4i ")
    assert "human-monitor-command" in str(caught.value.hint)


def test_memsave_with_an_absolute_path_continues_the_expression() -> None:
    line = "memsave 0 4096 /tmp/mem.bin"
    err = error(MEMSAVE, line)
    assert err.message == (
        "invalid char 't' in expression (size is an integer expression: quote a file name that starts with /)"
    )
    assert err.offset == line.index("tmp")
    assert err.lines()[1:] == ["  " + line, "  " + " " * line.index("tmp") + "^"]


def test_memsave_with_a_quoted_path_works() -> None:
    assert parse(MEMSAVE, 'memsave 0 4096 "/tmp/mem.bin"') == {"val": 0, "size": 4096, "filename": "/tmp/mem.bin"}
    assert parse(MEMSAVE, "memsave 0x1000 4096 mem.bin") == {"val": 4096, "size": 4096, "filename": "mem.bin"}


def test_expression_errors_say_what_the_argument_is() -> None:
    err = error("fmt:/,val:l", "print 1/0")
    assert err.message.startswith("division by zero (val is an integer expression such as 4096")
    assert err.offset == len("print 1/")


def test_screendump_with_a_misplaced_flag_pushes_the_path_into_head() -> None:
    line = "screendump -f png /srv/img/s.png"
    err = error(SCREENDUMP, line)
    assert err.message.startswith("invalid char '/' in expression (head is an integer expression")
    assert err.offset == line.index("/srv")


def test_32_bit_integers() -> None:
    assert parse("index:i", "cpu 0xffffffff") == {"index": 0xFFFFFFFF}
    assert parse("index:i", "cpu 010") == {"index": 8}
    for line in ("cpu 0x100000000", "cpu -1"):
        err = error("index:i", line)
        assert err.message.startswith("integer is for 32-bit values (index must be 0 to 0xffffffff")
        assert err.offset == 4


def test_octal_leftover_is_extraneous() -> None:
    err = error("index:i", "cpu 09")
    assert err.message == (
        "extraneous characters at the end of line (a number with a leading 0 is octal: 9 is not an octal digit)"
    )
    assert err.offset == 5


def test_long_integers_are_int64_and_may_be_negative() -> None:
    assert parse("fmt:/,val:l", "print -1") == {"count": 1, "format": "x", "size": 4, "val": -1}
    assert parse("fmt:/,val:l", "p 0x7fffffffffffffff+1")["val"] == -(1 << 63)


def test_megabytes() -> None:
    assert parse("value:M", "balloon 0x100") == {"value": 256 << 20}
    assert parse("value:M", "balloon 512") == {"value": 512 << 20}
    err = error("value:M", "balloon 1G")
    assert err.message == "extraneous characters at the end of line (value is a number of MiB, without a suffix)"
    assert err.offset == len("balloon 1")
    err = error("value:M", "balloon -1")
    assert err.message.startswith("enter a positive value")
    assert err.offset == len("balloon ")
    # HMP's int64 multiplication wraps; QMP then rejects the value.
    assert parse("value:M", "balloon 0x100000000000") == {"value": 0}


def test_optional_integers_only_at_the_end_of_the_line() -> None:
    assert parse("keys:s,hold-time:i?", "sendkey ctrl-alt-delete") == {"keys": "ctrl-alt-delete"}
    assert parse("keys:s,hold-time:i?", "sendkey a 200") == {"keys": "a", "hold-time": 200}


def test_dot_optional_integer() -> None:
    assert parse(IOPORT_READ, "i /b 0x70.0x0a") == {"count": 1, "format": "x", "size": 1, "addr": 0x70, "index": 10}
    assert parse(IOPORT_READ, "i /w 0x70 . 3")["index"] == 3
    assert "index" not in parse(IOPORT_READ, "i/b 0x61")
    err = error(IOPORT_READ, "i /b 0x70 0x0a")
    assert err.message.startswith("extraneous characters")


# -- sizes: o ----------------------------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("text", "size", "end"),
    [
        ("80", 80 << 20, 2),
        ("1.5G", 3 << 29, 4),
        ("0x60", 96 << 20, 4),
        ("2048K", 2 << 20, 5),
        ("2048k", 2 << 20, 5),
        ("1B", 1, 2),
        ("1.0B", 1, 4),
        ("1.k", 1024, 3),
        ("1.", 1 << 20, 2),
        (".5G", 1 << 29, 3),
        ("1e3", 1 << 60, 2),  # 'e' is the exbibyte suffix: "1 EiB" and "3" left over
        ("0x1b", 27 << 20, 4),  # hex digits, not a byte suffix
        ("0x", 0, 1),
        ("8E", 1 << 63, 2),
        ("1.99999999999999999999", 2 << 20, 22),
        ("0", 0, 1),
    ],
)
def test_strtosz(text: str, size: int, end: int) -> None:
    assert strtosz(text, 0) == (size, end)


@pytest.mark.parametrize(
    ("text", "reason"),
    [
        ("-1", "sizes cannot be negative"),
        ("-0", "sizes cannot be negative"),
        ("-.5G", "sizes cannot be negative"),
        ("0x20M", "a hex size takes no fraction or suffix"),
        ("0x1.8", "a hex size takes no fraction or suffix"),
        ("1.5B", "a fraction of a byte: use a larger unit such as K"),
        ("16E", "the size is too large"),
        ("99999999999999999999", "the number is too large"),
        ("abc", "not a number"),
        ("inf", "not a number"),
        ("base.qcow2", "not a number"),
    ],
)
def test_strtosz_errors(text: str, reason: str) -> None:
    with pytest.raises(SizeError, match=reason):
        strtosz(text, 0)


def test_size_arguments() -> None:
    assert parse("device:B,size:o", "block_resize drive0 80") == {"device": "drive0", "size": 83886080}
    assert parse("device:B,size:o", "block_resize drive0 1.5G") == {"device": "drive0", "size": 1610612736}
    assert parse("device:B,size:o", "block_resize drive0 0x60") == {"device": "drive0", "size": 100663296}
    err = error("device:B,size:o", "block_resize drive0 8E")
    assert err.message.startswith("invalid size (size: the size is too large")
    err = error("device:B,size:o", "block_resize drive0 1e3")
    assert err.message.startswith("extraneous characters")
    assert err.offset == len("block_resize drive0 1e")


def test_block_stream_cannot_skip_the_optional_speed() -> None:
    line = "block_stream cd0 base.qcow2"
    err = error(BLOCK_STREAM, line)
    assert err.message.startswith("invalid size (speed: not a number, and optional arguments cannot be skipped")
    assert err.message.endswith("expected a size such as 80 (MiB), 512K or 1.5G)")
    assert err.offset == line.index("base")
    assert parse(BLOCK_STREAM, "block_stream cd0") == {"device": "cd0"}
    assert parse(BLOCK_STREAM, "block_stream cd0 0 base.qcow2") == {"device": "cd0", "speed": 0, "base": "base.qcow2"}


def test_parse_size_whole_string() -> None:
    assert parse_size("100") == 100 << 20
    assert parse_size("1g") == 1 << 30
    assert parse_size("1.5") == 1572864
    assert parse_size("0x10") == 16 << 20
    with pytest.raises(ParseError) as caught:
        parse_size("100 ")
    assert caught.value.offset == 3
    with pytest.raises(ParseError, match="invalid size"):
        parse_size("8E")
    with pytest.raises(ParseError, match="invalid size"):
        parse_size("-1")


# -- durations: T ------------------------------------------------------------------------------------------------


def test_durations() -> None:
    assert parse_duration("1", 0) == (1.0, 1)
    assert parse_duration("300ms", 0) == (300 / 1e3, 5)
    assert parse_duration("20us x", 0) == (20 / 1e6, 4)
    assert parse_duration("500ns", 0) == (500 / 1e9, 5)
    assert parse_duration("1e3", 0) == (1000.0, 3)
    assert parse_duration("0x1p4", 0) == (16.0, 5)
    assert parse("delay:T?", "cmd 2.5ms") == {"delay": pytest.approx(0.0025)}
    assert parse("delay:T?", "cmd") == {}


@pytest.mark.parametrize(
    ("text", "message"),
    [("x", "Number expected"), ("nan", "Bad number"), ("inf", "Bad number"), ("1e999", "Bad number")],
)
def test_duration_errors(text: str, message: str) -> None:
    with pytest.raises(SizeError, match=message):
        parse_duration(text, 0)


def test_duration_unknown_suffix() -> None:
    err = error("delay:T", "cmd 5xs")
    assert err.message.startswith("Unknown unit suffix (delay:")
    assert err.offset == 4


# -- booleans: b -------------------------------------------------------------------------------------------------


def test_booleans_are_on_or_off_exactly() -> None:
    assert parse("name:s,up:b", "set_link net0 on") == {"name": "net0", "up": True}
    assert parse("name:s,up:b", "set_link net0 off") == {"name": "net0", "up": False}
    for line in ("set_link net0 ON", "set_link net0 yes", "set_link net0", "set_link net0 on,"):
        err = error("name:s,up:b", line)
        assert err.message == "Expected 'on' or 'off' (up is on or off, in lower case)"
        assert err.offset == min(len(line), len("set_link net0 "))


# -- format: / ---------------------------------------------------------------------------------------------------


def test_format_and_its_persistence() -> None:
    state = FormatState()
    assert parse(X, "x/4xw 0", state) == {"count": 4, "format": "x", "size": 4, "addr": 0}
    assert parse(X, "x /3 0", state) == {"count": 3, "format": "x", "size": 4, "addr": 0}
    assert parse(X, "x/3xb 0", state) == {"count": 3, "format": "x", "size": 1, "addr": 0}
    assert parse(X, "xp 0", state) == {"count": 1, "format": "x", "size": 1, "addr": 0}
    # 'i' leaves the size -1 and the default size alone; the format sticks, as on QEMU.
    assert parse(X, "x/2i 0xffff0", state) == {"count": 2, "format": "i", "size": -1, "addr": 0xFFFF0}
    assert parse(X, "xp 0", state) == {"count": 1, "format": "i", "size": -1, "addr": 0}
    assert parse(X, "xp/2g 0", state) == {"count": 2, "format": "i", "size": 8, "addr": 0}
    assert (state.format, state.size) == ("i", 1)
    assert parse(X, "x/d 0", state) == {"count": 1, "format": "d", "size": 1, "addr": 0}
    assert parse(X, "x/uL 0", state)["size"] == 8
    assert FormatState() == FormatState("x", 4)


def test_format_errors() -> None:
    err = error(X, "x/4q 0")
    assert err.message.startswith("invalid char in format: 'q' (a format is /[count][format][size]")
    assert err.offset == 3


def test_format_also_serves_print() -> None:
    assert parse("fmt:/,val:l", "print /d (3+4)*2%5") == {"count": 1, "format": "d", "size": 4, "val": 4}
    assert parse("fmt:/,val:l", "p/x 'a'|0x100")["val"] == 353


# -- flags: -x and -xs -------------------------------------------------------------------------------------------


def test_flags_present_and_absent() -> None:
    assert parse(INFO_BLOCK, "info block") == {}
    assert parse(INFO_BLOCK, "info block -n -v") == {"nodes": True, "verbose": True}
    assert parse(INFO_BLOCK, "info block -v") == {"verbose": True}
    assert parse(INFO_BLOCK, "info block -n drive0") == {"nodes": True, "device": "drive0"}


def test_flags_out_of_order_shift_into_positionals() -> None:
    # -n is left for later at -v's place, and then read as the device.
    assert parse(INFO_BLOCK, "info block -v -n") == {"verbose": True, "device": "-n"}


def test_flags_cannot_be_combined() -> None:
    assert parse(INFO_BLOCK, "info block -nv") == {"nodes": True, "device": "v"}


def test_flags_in_the_wrong_order_leave_extraneous_characters() -> None:
    line = "migrate -r -d exec:true"
    err = error(MIGRATE_7_2, line)
    assert err.message == (
        "extraneous characters at the end of line (-d was read as uri: write flags in this order: -d -b -i -r)"
    )
    assert err.offset == line.index("exec")
    assert parse(MIGRATE_7_2, "migrate -d -r exec:true") == {"detach": True, "resume": True, "uri": "exec:true"}


def test_flags_are_recognised_only_at_their_place() -> None:
    line = "block_job_cancel drive0 -f"
    err = error("force:-f,device:B", line)
    assert err.message == (
        "extraneous characters at the end of line (flags are only recognised where they belong: [-f] device)"
    )
    assert err.offset == line.index("-f")
    assert parse("force:-f,device:B", "block_job_cancel -f drive0") == {"force": True, "device": "drive0"}
    change = "device:B,force:-f,target:F,arg:s?,read-only-mode:s?"
    assert parse(change, "change -f cd0 /srv/cd.raw raw") == {
        "device": "-f",
        "target": "cd0",
        "arg": "/srv/cd.raw",
        "read-only-mode": "raw",
    }


def test_unsupported_option() -> None:
    line = "info block -x"
    err = error(INFO_BLOCK, line)
    assert err.message.startswith("unsupported option -x (accepted here: -n -v, in this order")
    assert err.offset == line.index("-x")
    err = error(INFO_BLOCK, "info block -")
    assert err.message.startswith("unsupported option - ")


def test_a_later_key_name_with_a_dash_makes_a_letter_valid() -> None:
    # is_valid_option() searches the rest of args_type for "-f": "snapshot-file" has it.
    spec = "reuse:-n,device:B,snapshot-file:s?,format:s?"
    assert parse(spec, "snapshot_blkdev -f dev") == {"device": "-f", "snapshot-file": "dev"}


def test_a_negative_number_where_a_flag_may_be_is_a_flag_attempt() -> None:
    err = error("all:-a,vcpu:i?", "info registers -1")
    assert err.message.startswith("unsupported option -1")


def test_flags_with_a_value() -> None:
    assert parse(SCREENDUMP, "screendump /tmp/s.png -f png") == {"filename": "/tmp/s.png", "format": "png"}
    assert parse(SCREENDUMP, "screendump /tmp/s.png -fpng vga0 1") == {
        "filename": "/tmp/s.png",
        "format": "png",
        "device": "vga0",
        "head": 1,
    }
    assert parse(SET_PASSWORD, "set_password vnc pass -d default keep") == {
        "protocol": "vnc",
        "password": "pass",
        "display": "default",
        "connected": "keep",
    }
    err = error(SET_PASSWORD, "set_password vnc pass keep -d default")
    assert err.message.startswith("extraneous characters at the end of line (flags are only recognised")
    err = error(SCREENDUMP, "screendump /tmp/s.png -f")
    assert err.message == "value expected for -f (format is missing)"
    assert err.offset == len("screendump /tmp/s.png -f")


def test_a_skipped_string_flag_renames_the_next_key_as_hmp_does() -> None:
    # HMP leaves the 's' of "-as" in args_type when it leaves "-b" for later, so the next key reads "s,b".
    assert parse("a:-as,b:-b,c:s?", "cmd -b") == {"s,b": True}


# -- O: QemuOpts -------------------------------------------------------------------------------------------------


def test_device_options() -> None:
    assert parse("device:O", "device_add e1000,id=nicq,romfile=a,,b") == {
        "device": {"id": "nicq", "driver": "e1000", "romfile": "a,b"}
    }
    assert parse("device:O", 'device_add "e1000,id=nicsp"') == {"device": {"id": "nicsp", "driver": "e1000"}}
    assert parse("device:O", "device_add e1000,help") == {"device": {"driver": "e1000", "help": "on"}}
    assert parse("device:O", "device_add") == {}
    assert parse("netdev:O", "netdev_add user,id=nq,ipv6=off,noipv4,restrict") == {
        "netdev": {"id": "nq", "type": "user", "ipv6": "off", "ipv4": "off", "restrict": "on"}
    }


def test_device_option_errors_point_into_the_line() -> None:
    line = "device_add e1000,id=1x"
    err = error("device:O", line)
    assert err.message == "Parameter 'id' expects an identifier"
    assert err.offset == line.index("id=")
    line = 'device_add "e1000,=x"'
    err = error("device:O", line)
    assert err.message.startswith("option name expected")
    assert err.offset == line.index("=x")
    err = error("device:O", "device_add e1000 extra")
    assert err.message.startswith("extraneous characters")


def test_qemu_opts() -> None:
    assert parse_qemu_opts("ringbuf,id=rb9,size=1024", "backend") == {"id": "rb9", "backend": "ringbuf", "size": "1024"}
    assert parse_qemu_opts("file=a,,b,if=none,readonly,nocopy-on-read", None) == {
        "file": "a,b",
        "if": "none",
        "readonly": "on",
        "copy-on-read": "off",
    }
    assert parse_qemu_opts("", "driver") == {}
    assert parse_qemu_opts("e1000,", "driver") == {"driver": "e1000"}
    assert parse_qemu_opts("e1000,id=a,id=b,x=1,x=2", "driver") == {"id": "a", "driver": "e1000", "x": "2"}
    # QEMU looks for the id without the implied key: this driver swallows ",id=x", yet the id is x.
    assert parse_qemu_opts("e1000,,id=x", "driver") == {"id": "x", "driver": "e1000,id=x"}
    assert parse_qemu_opts(",id=x", "driver") == {"id": "x", "driver": ""}


@pytest.mark.parametrize("text", ["=x", "a=1,=2", "e1000,no", ",x"])
def test_qemu_opts_empty_names(text: str) -> None:
    with pytest.raises(ParseError, match="option name expected"):
        parse_qemu_opts(text, None if text == ",x" else "driver")


def test_qemu_opts_bad_id() -> None:
    for ident in ("1x", "a b", "", "_a"):
        with pytest.raises(ParseError, match="Parameter 'id' expects an identifier"):
            parse_qemu_opts(f"e1000,id={ident}", "driver")
    assert parse_qemu_opts("e1000,id=a-b.c_9", "driver")["id"] == "a-b.c_9"


# -- keyval (object_add) -----------------------------------------------------------------------------------------


def test_keyval_nesting_and_lists() -> None:
    text = "memory-backend-ram,id=m,size=1G,a.b.c=1,a.b.d=2,l.0=x,l.1=y,l.2.k=v,v=a,,b"
    assert parse_keyval(text, "qom-type") == {
        "qom-type": "memory-backend-ram",
        "id": "m",
        "size": "1G",
        "a": {"b": {"c": "1", "d": "2"}},
        "l": ["x", "y", {"k": "v"}],
        "v": "a,b",
    }
    # The anchor qmp-shell gets this wrong: after file.driver=file, later keys stay at the top.
    assert parse_keyval("file.driver=file,file.filename=x,node-name=n", None) == {
        "file": {"driver": "file", "filename": "x"},
        "node-name": "n",
    }
    assert parse_keyval("l.1=b,l.0=a", None) == {"l": ["a", "b"]}
    assert parse_keyval("a=1,a=2", None) == {"a": "2"}
    assert parse_keyval("__com.redhat_x=1", None) == {"__com.redhat_x": "1"}


def test_keyval_json() -> None:
    assert parse_keyval('{"qom-type":"iothread","id":"jsonio"}', "qom-type") == {"qom-type": "iothread", "id": "jsonio"}
    with pytest.raises(ParseError) as caught:
        parse_keyval('{"qom-type": 1', "qom-type")
    assert caught.value.message.startswith("JSON: ")
    assert caught.value.offset == 14


def test_keyval_help() -> None:
    assert parse_keyval_help("help", "qom-type") == ({}, True)
    assert parse_keyval_help("iothread,?", "qom-type") == ({"qom-type": "iothread"}, True)
    with pytest.raises(ParseError, match="Help is not available"):
        parse_keyval("iothread,help", "qom-type")


@pytest.mark.parametrize(
    ("text", "message", "offset"),
    [
        ("iothread,id=io1,a.b=1,a=2", "Parameters 'a.*' used inconsistently", 22),
        ("iothread,id=io1,a=2,a.b=1", "Parameters 'a.*' used inconsistently", 20),
        ("iothread,x.1=a", "Parameter 'x.0' missing", 9),
        ("iothread,x.0=a,x.b=y", "Parameters 'x.*' used inconsistently", 9),
        ("iothread,,x", "Invalid parameter ''", 9),
        ("iothread,1a=x", "Invalid parameter '1a'", 9),
        ("iothread,a.=x", "Invalid parameter 'a.'", 9),
        ("iothread,a.1b=x", "Invalid parameter 'a.1b'", 9),
        ("iothread,x", "Expected '=' after parameter 'x'", 10),
        ("iothread,noflag", "Expected '=' after parameter 'noflag'", 15),
        ("a" * 128 + "=1", f"Parameter '{'a' * 128}' is too long", 0),
        ("x." + "a" * 128 + "=1", f"Parameter fragment '{'a' * 128}' is too long", 2),
    ],
)
def test_keyval_errors(text: str, message: str, offset: int) -> None:
    with pytest.raises(ParseError) as caught:
        parse_keyval(text, "qom-type")
    assert caught.value.message.split(" (")[0] == message
    assert caught.value.offset == offset


# -- the line as a whole -----------------------------------------------------------------------------------------


def test_no_arguments() -> None:
    assert parse("", "stop") == {}
    assert parse("", "  stop   ") == {}
    err = error("", "stop now")
    assert err.message == "extraneous characters at the end of line (this command takes no arguments)"
    assert err.offset == 5


def test_extraneous_text_shows_the_synopsis() -> None:
    err = error("device:B,size:o", "block_resize drive0 80 more")
    assert err.message == "extraneous characters at the end of line (expected: device size)"
    assert err.offset == len("block_resize drive0 80 ")


def test_start_offset_is_honoured_and_offsets_are_into_the_line() -> None:
    line = "   stop|s ignored-prefix  cont 09"
    start = line.index("cont") + len("cont")
    with pytest.raises(ParseError) as caught:
        parse_arguments("index:i", line, start, state=FormatState())
    assert caught.value.offset == line.index("9")


def test_unknown_options_list_is_a_table_bug() -> None:
    with pytest.raises(ValueError, match="QemuOpts"):
        parse("machine:O", "cmd a=b")
