"""Long transcript lines broken into rows at blanks (vdbgsh/ui/wrap.py) and shown so by the transcript control."""

from __future__ import annotations

import json

from hypothesis import given, settings
from hypothesis import strategies as st
from prompt_toolkit.formatted_text import StyleAndTextTuples
from prompt_toolkit.formatted_text.utils import fragment_list_to_text, fragment_list_width

from vdbgsh.ui.transcript import Transcript, TranscriptControl
from vdbgsh.ui.wrap import row_spans, wrap_fragments

QUESTION = (
    "stop changes what libvirt tracks (run state): libvirt did not pause g1: it learns of it only from QEMU's STOP "
    "event and reports 'paused (unknown)'"
)


def rows_text(fragments: StyleAndTextTuples, width: int) -> list[str]:
    return [fragment_list_to_text(row) for row in wrap_fragments(fragments, width)]


def test_rows_break_at_blanks_and_never_inside_a_word() -> None:
    rows = rows_text([("", QUESTION)], 40)
    assert rows == [
        "stop changes what libvirt tracks (run ",
        "state): libvirt did not pause g1: it ",
        "learns of it only from QEMU's STOP event",
        "and reports 'paused (unknown)'",
    ]
    words = QUESTION.split()
    assert [word for row in rows for word in row.split()] == words


def test_a_word_wider_than_the_row_is_cut_where_the_row_ends() -> None:
    assert rows_text([("", "path=/" + "a" * 25)], 10) == ["path=/aaaa", "a" * 10, "a" * 10, "a"]


def test_wide_characters_count_two_cells() -> None:
    assert row_spans("中文中文中文", 5) == [(0, 2), (2, 4), (4, 6)]


def test_styles_stay_with_their_text() -> None:
    fragments: StyleAndTextTuples = [("class:key", "alpha beta "), ("class:value", "gamma delta")]
    assert wrap_fragments(fragments, 12) == [
        [("class:key", "alpha beta ")],
        [("class:value", "gamma delta")],
    ]
    assert wrap_fragments(fragments, 8) == [
        [("class:key", "alpha ")],
        [("class:key", "beta ")],
        [("class:value", "gamma ")],
        [("class:value", "delta")],
    ]


@settings(max_examples=300, deadline=None)
@given(st.text(alphabet=st.sampled_from("ab  中\u00e9-"), max_size=120), st.integers(min_value=1, max_value=30))
def test_no_row_is_wider_than_the_width_and_only_break_blanks_go(text: str, width: int) -> None:
    rows = wrap_fragments([("", text)], width)
    assert all(fragment_list_width(row) <= max(width, 2) for row in rows)  # a wide char alone in a 1-cell row
    joined = "".join(fragment_list_to_text(row) for row in rows)
    assert joined.replace(" ", "") == text.replace(" ", "")
    assert len(text) - len(joined) <= len(rows) - 1  # at most one blank dropped per break


def test_the_control_shows_the_newest_rows_and_the_tail_of_a_line_that_only_partly_fits() -> None:
    transcript = Transcript()
    transcript.append("first line\n" + QUESTION + "\nlast")
    control = TranscriptControl(transcript)
    content = control.create_content(width=40, height=3)
    shown = [fragment_list_to_text(content.get_line(i)) for i in range(content.line_count)]
    assert shown == ["learns of it only from QEMU's STOP event", "and reports 'paused (unknown)'", "last"]
    content = control.create_content(width=200, height=10)
    assert content.line_count == 3


def test_scrolling_back_stops_with_the_first_line_at_the_top_and_names_ctrl_end() -> None:
    transcript = Transcript()
    transcript.append("\n".join(f"line {n}" for n in range(30)))
    control = TranscriptControl(transcript)
    control.create_content(width=40, height=10)
    for _ in range(20):
        control.page_up()
    content = control.create_content(width=40, height=10)
    shown = [fragment_list_to_text(content.get_line(i)) for i in range(content.line_count)]
    assert shown[:9] == [f"line {n}" for n in range(9)]  # nine lines and the hint: no blank row above them
    assert shown[9] == " ↓ 21 more lines (Ctrl-End) "
    short = TranscriptControl(Transcript())
    short.transcript.append("one\ntwo")
    short.create_content(width=40, height=10)
    short.page_up()
    assert short.following  # what fits on the screen does not scroll


def test_compact_json_breaks_between_members_so_its_rows_are_the_same_json() -> None:
    echo = '→ {"execute":"qom-get","arguments":{"path":"/machine/i440fx","property":"realized","x":"a,b\\",c"}}'
    rows = rows_text([("", echo)], 40)
    assert rows == [
        '→ {"execute":"qom-get",',
        '"arguments":{"path":"/machine/i440fx",',
        '"property":"realized","x":"a,b\\",c"}}',
    ]
    for width in range(39, 90):  # wherever it breaks, never inside a string (the comma in "a,b\",c" included)
        assert json.loads("\n".join(rows_text([("", echo)], width))[2:]) == json.loads(echo[2:]), width
    assert rows_text([("", "one, two, three")], 9) == ["one, two,", "three"]  # prose: at its blanks, as before
