"""The records of a transcript, one compact JSON object per line, and the reader that checks them.

Every record has ``timestamp`` (ISO 8601 UTC, microseconds), ``type`` and ``domain`` (what the monitor is
attached to: a domain name or a QMP socket address)::

    {"timestamp": ..., "type": "start", "domain": "guest1", "vdbgsh": "0.1.0", "uri": "qemu:///system"}
    {"timestamp": ..., "type": "request", "domain": "guest1", "seq": 1, "line": "set_password vnc ********",
     "request": {"execute": "set_password", ...}, "masked": ["arguments.password"]}
    {"timestamp": ..., "type": "reply", "domain": "guest1", "seq": 1, "reply": {"return": {}}, "elapsed": 0.0017}
    {"timestamp": ..., "type": "event", "domain": "guest1", "event": "STOP", "data": null}
    {"timestamp": ..., "type": "notice", "domain": "guest1", "message": "guest guest1 is gone: destroyed"}
    {"timestamp": ..., "type": "end", "domain": "guest1"}

A request's timestamp is when it was sent, an event's is QEMU's; records are written as they complete, so an
event emitted while a command ran can come before that command's request. A request that got no reply (the
guest went away, or the user stopped waiting) is followed by a notice saying why instead of a reply; a notice
also records the monitor going away and coming back (libvirtd restarted). Secrets are masked in ``line`` and
``request``; ``masked`` lists where. Pure: writing and opening files is writer.py's business.
"""

from __future__ import annotations

import json
from collections.abc import Iterable
from typing import TYPE_CHECKING, Any, NamedTuple

from vdbgsh import __version__
from vdbgsh.errors import UsageError
from vdbgsh.events.format import iso_utc
from vdbgsh.render.untrusted import json_safe
from vdbgsh.syntax.secrets import MASK, mask_line, mask_request, returns_secret, secret_paths
from vdbgsh.transport.base import Event, JSONObject, Reply

if TYPE_CHECKING:
    from vdbgsh.schema.model import Schema

RECORD_TYPES = ("start", "request", "reply", "event", "notice", "end")


class TranscriptError(UsageError):
    """A transcript line that is not a record: the message names the file and line."""


class Record(NamedTuple):
    line_no: int  # in the transcript file, from 1
    type: str
    fields: JSONObject  # the whole record as read

    @property
    def domain(self) -> str:
        return str(self.fields.get("domain", ""))


def dumps(record: JSONObject) -> str:
    """One record's line: UTF-8 kept readable, but C1 controls and bidi overrides (a guest's strings, QEMU's
    errors) written as ``\\uXXXX`` escapes, which mean the same character to every JSON reader: ``cat`` or
    ``less`` of a transcript never hands them to the terminal."""
    return json_safe(json.dumps(record, separators=(",", ":"), ensure_ascii=False)) + "\n"


def start_record(
    at: float, domain: str, uri: str | None = None, qmp: str | None = None, *, agent: bool = False
) -> JSONObject:
    """``agent``: the requests went to the guest agent (--agent), and a replay sends them there again."""
    record: JSONObject = {"timestamp": iso_utc(at), "type": "start", "domain": domain, "vdbgsh": __version__}
    if uri is not None:
        record["uri"] = uri
    if qmp is not None:
        record["qmp"] = qmp
    if agent:
        record["agent"] = True
    return record


def request_record(
    at: float, domain: str, seq: int, line: str, request: JSONObject, *, schema: Schema | None = None
) -> JSONObject:
    record: JSONObject = {
        "timestamp": iso_utc(at),
        "type": "request",
        "domain": domain,
        "seq": seq,
        "line": mask_line(line, schema),
        "request": mask_request(request),
    }
    masked = [".".join(str(step) for step in path) for path in secret_paths(request)]
    if masked:
        record["masked"] = masked
    return record


def reply_record(at: float, domain: str, seq: int, reply: Reply, request: JSONObject | None = None) -> JSONObject:
    """``request``, when given, says whether the return is a secret read back (then it is masked)."""
    message = reply.message
    masked = request is not None and reply.ok and returns_secret(request)
    if masked:
        message = {**message, "return": MASK}
    record: JSONObject = {
        "timestamp": iso_utc(at),
        "type": "reply",
        "domain": domain,
        "seq": seq,
        "reply": message,
        "elapsed": round(reply.elapsed, 6),
    }
    if masked:
        record["masked"] = ["return"]
    return record


def event_record(event: Event) -> JSONObject:
    return {
        "timestamp": iso_utc(event.timestamp),
        "type": "event",
        "domain": event.source,
        "event": event.name,
        "data": event.data,
    }


def notice_record(at: float, domain: str, message: str, seq: int | None = None) -> JSONObject:
    """What happened to the monitor itself; ``seq`` names the request it left without a reply."""
    record: JSONObject = {"timestamp": iso_utc(at), "type": "notice", "domain": domain, "message": message}
    if seq is not None:
        record["seq"] = seq
    return record


def end_record(at: float, domain: str) -> JSONObject:
    return {"timestamp": iso_utc(at), "type": "end", "domain": domain}


# What each type of record must hold, beyond timestamp, type and domain (which every record has).
_REQUIRED: dict[str, tuple[tuple[str, type | tuple[type, ...]], ...]] = {
    "start": (),
    "request": (("seq", int), ("line", str), ("request", dict)),
    "reply": (("seq", int), ("reply", dict)),
    "event": (("event", str),),
    "notice": (("message", str),),
    "end": (),
}


def parse_transcript(lines: Iterable[bytes], name: str) -> list[Record]:
    """Every record of a transcript's lines (blank lines skipped); the first bad line raises TranscriptError."""
    records = []
    for line_no, raw in enumerate(lines, start=1):
        try:
            line = raw.decode()
        except UnicodeDecodeError as err:
            raise TranscriptError(f"{name}:{line_no}: not UTF-8 (byte {err.start + 1})") from None
        if line.strip():
            records.append(parse_record(line, line_no, name))
    return records


def parse_record(line: str, line_no: int, name: str) -> Record:
    where = f"{name}:{line_no}"
    try:
        fields = json.loads(line)
    except (ValueError, RecursionError) as err:
        raise TranscriptError(f"{where}: not a JSON record ({_reason(err)})") from None
    if not isinstance(fields, dict):
        raise TranscriptError(f"{where}: a record is a JSON object, not {type(fields).__name__}")
    kind = fields.get("type")
    if kind not in _REQUIRED:
        expected = ", ".join(RECORD_TYPES)
        raise TranscriptError(f"{where}: unknown record type {_shown(kind)} (expected one of {expected})")
    for key, wanted in (("timestamp", str), ("domain", str), *_REQUIRED[kind]):
        value = fields.get(key)
        if not isinstance(value, wanted) or isinstance(value, bool):
            raise TranscriptError(f"{where}: {kind} record without a valid {key!r} (got {_shown(value)})")
    if kind == "request":
        command = fields["request"].get("execute", fields["request"].get("exec-oob"))
        if not isinstance(command, str) or not command:
            raise TranscriptError(f'{where}: request without an "execute" command name')
        arguments = fields["request"].get("arguments", {})
        if not isinstance(arguments, dict):
            raise TranscriptError(f"{where}: request arguments are {type(arguments).__name__}, not an object")
    return Record(line_no, kind, fields)


def _reason(err: Exception) -> str:
    if isinstance(err, json.JSONDecodeError):
        return f"{err.msg} at column {err.colno}"
    return type(err).__name__


def _shown(value: Any) -> str:
    text = json.dumps(value, ensure_ascii=True)
    return text if len(text) <= 40 else text[:37] + "..."
