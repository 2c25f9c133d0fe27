"""The events pane's lines, on plain data: whose event first, cut with an ellipsis, a picked one whole."""

from __future__ import annotations

from prompt_toolkit.formatted_text.utils import fragment_list_to_text, fragment_list_width

from vdbgsh.events.format import identifying_first
from vdbgsh.events.view import Numbered
from vdbgsh.transport.base import Event
from vdbgsh.ui.events_pane import event_rows

JOB = Event("JOB_STATUS_CHANGE", {"status": "created", "id": "mirror-job-0"}, 0.0, "g1")
BLOCK_JOB = Event("BLOCK_JOB_READY", {"type": "mirror", "speed": 0, "len": 1, "offset": 1, "device": "m0"}, 0.0, "g1")


def test_identifying_members_come_first_then_status_then_the_rest() -> None:
    assert list(identifying_first(dict(JOB.data or {}))) == ["id", "status"]
    assert list(identifying_first(dict(BLOCK_JOB.data or {}))) == ["device", "type", "speed", "len", "offset"]


def test_a_line_fits_the_pane_with_an_ellipsis_and_a_picked_one_shows_whole() -> None:
    (row,) = event_rows(Numbered(1, JOB), False, 60)
    text = fragment_list_to_text(row)
    assert fragment_list_width(row) == 60
    assert text.endswith("…")
    assert '{"id":"mirror-job-0",' in text
    rows = event_rows(Numbered(1, JOB), True, 60)
    assert all(fragment_list_width(r) <= 60 for r in rows)
    assert "".join(fragment_list_to_text(r) for r in rows).endswith('{"id":"mirror-job-0","status":"created"}')
    (short,) = event_rows(Numbered(1, Event("STOP", None, 0.0, "g1")), False, 60)
    assert "…" not in fragment_list_to_text(short)
