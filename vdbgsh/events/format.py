"""An event as a line: for people (local time, domain, name, compact data) or for programs (one JSON object).

Following several hosts, each line names its host: ``host/domain`` for people, a ``"uri"`` key for programs.
Following one, the lines are as they always were.

Names, data, domains and libvirt's reasons are not vdbgsh's: neutralised before they are painted (human lines), or
their controls written as JSON escapes (JSON lines), so that no control reaches a terminal (render.untrusted).
"""

from __future__ import annotations

import json
import time
from datetime import UTC, datetime, timedelta
from typing import Any

from vdbgsh.events.follow import Notice
from vdbgsh.render.ansi import BOLD, DIM, MAGENTA, paint
from vdbgsh.render.json_text import compact
from vdbgsh.render.untrusted import json_safe, untrusted_line
from vdbgsh.transport.base import Event

CYAN = "\x1b[36m"
_EPOCH = datetime(1970, 1, 1, tzinfo=UTC)


def clock(timestamp: float) -> str:
    """Local wall-clock time with milliseconds: what an operator compares with their own logs."""
    seconds = int(timestamp)
    millis = int((timestamp - seconds) * 1000)
    return f"{time.strftime('%H:%M:%S', time.localtime(seconds))}.{millis:03d}"


def iso_utc(timestamp: float) -> str:
    """ISO 8601 in UTC with microseconds, e.g. ``2024-05-01T09:30:00.123456Z``."""
    # Whole microseconds first: QEMU stamps seconds + microseconds, and a float round trip could lose one.
    moment = _EPOCH + timedelta(microseconds=round(timestamp * 1_000_000))
    return moment.strftime("%Y-%m-%dT%H:%M:%S.%fZ")


# The members that say whose event it is (which job, device or node), then what became of it: a line cut at the
# edge of a narrow pane still names them. QEMU sends JOB_STATUS_CHANGE as {"status", "id"}, for one.
_IDENTIFYING = ("id", "job-id", "device", "node-name", "node", "name", "qom-path", "status")


def identifying_first(data: dict[str, Any]) -> dict[str, Any]:
    """``data`` with its identifying members first (in ``_IDENTIFYING``'s order), the others as QEMU sent them."""
    leading = {key: data[key] for key in _IDENTIFYING if key in data}
    return leading | {key: value for key, value in data.items() if key not in leading}


def _where(domain: str, host: str | None) -> str:
    return untrusted_line(domain if host is None else f"{host}/{domain}")


def human_line(event: Event, *, colour: bool = False, host: str | None = None) -> str:
    parts = [
        paint(clock(event.timestamp), DIM, colour),
        paint(_where(event.source, host), MAGENTA, colour),
        paint(untrusted_line(event.name), BOLD, colour),
    ]
    if event.data is not None:
        parts.append(paint(compact(event.data), CYAN, colour))
    return " ".join(parts)


def json_line(event: Event, *, uri: str | None = None) -> str:
    record: dict[str, object] = {} if uri is None else {"uri": uri}
    record.update(domain=event.source, event=event.name, timestamp=iso_utc(event.timestamp), data=event.data)
    return json_safe(json.dumps(record, separators=(",", ":"), ensure_ascii=False))


YELLOW = "\x1b[33m"


def notice_text(notice: Notice) -> str:
    reason = untrusted_line(notice.reason)
    if notice.state == "started":
        return f"started ({reason}): following it{' again' if notice.again else ''}"
    return f"{untrusted_line(notice.state)} ({reason})"


def notice_human_line(notice: Notice, *, colour: bool = False, host: str | None = None) -> str:
    """Set apart from events by ``--`` where an event name would be: libvirt says this, not QEMU."""
    parts = [
        paint(clock(notice.timestamp), DIM, colour),
        paint(_where(notice.domain, host), MAGENTA, colour),
        paint(f"-- {notice_text(notice)}", YELLOW, colour),
    ]
    return " ".join(parts)


def notice_json_line(notice: Notice, *, uri: str | None = None) -> str:
    """Told from an event by its ``vdbgsh`` key, where an event has ``event``."""
    record: dict[str, object] = {} if uri is None else {"uri": uri}
    record |= {
        "domain": notice.domain,
        "vdbgsh": notice.state,
        "reason": notice.reason,
        "timestamp": iso_utc(notice.timestamp),
    }
    if notice.state == "started":
        record["again"] = notice.again
    return json_safe(json.dumps(record, separators=(",", ":"), ensure_ascii=False))
