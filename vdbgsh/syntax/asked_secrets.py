"""Secrets given as ``-``: asked for when the request is about to go, never typed where others can see them.

A secret typed on the command line shows in ``ps`` and in /proc/PID/cmdline to every user of the machine while
exec runs, and in the shell's scrollback. ``password=-`` (HMP ``set_password vnc -``, ``object_add
secret,id=s0,data=-``) leaves a marker in the request instead; the caller reads the secret (exec: stdin, or the
terminal without echo; the shell: a prompt without echo) and fills it in just before sending. Pure: this module
finds the markers and fills them; reading is the caller's.
"""

from __future__ import annotations

import json
from collections.abc import Mapping, Sequence
from typing import Any

from vdbgsh.errors import UsageError
from vdbgsh.syntax.secrets import ASKED, Path, hmp_secret_spans, secret_paths
from vdbgsh.transport.base import HMP_PASSTHROUGH

__all__ = ["ASKED", "AskedSecret", "asked_secrets", "with_secrets"]


class AskedSecret:
    """A secret to ask for (a plain class: exec imports this on every request it sends, and defining a
    NamedTuple costs ~0.3 ms)."""

    __slots__ = ("path", "span", "what")

    def __init__(self, path: Path, what: str, span: tuple[int, int] | None = None) -> None:
        self.path = path  # where in the request, from the message
        self.what = what  # for the question: "password for set_password"
        self.span = span  # inside an HMP line (human-monitor-command): where the '-' is

    def __repr__(self) -> str:
        return f"AskedSecret({self.path!r}, {self.what!r}, {self.span!r})"


def asked_secrets(message: Mapping[str, Any]) -> list[AskedSecret]:
    """The secrets of a request given as ``-``, in the order they are to be asked for."""
    command = str(message.get("execute", message.get("exec-oob", "")))
    asked: list[AskedSecret] = []
    for path in secret_paths(message):
        value: Any = message
        for step in path:
            value = value[step]
        if command == HMP_PASSTHROUGH and path == ("arguments", "command-line"):
            name = value.split(maxsplit=1)[0] if value.strip() else ""
            spans = [(start, end) for start, end in hmp_secret_spans(value) if value[start:end] == ASKED]
            asked += [AskedSecret(path, f"secret for HMP {name}", span) for span in spans]
        elif value == ASKED:
            asked.append(AskedSecret(path, f"{'.'.join(str(step) for step in path[1:])} for {command}"))
    return asked


def with_secrets(message: Mapping[str, Any], secrets: Sequence[str]) -> dict[str, Any]:
    """A copy of ``message`` with its asked secrets (``asked_secrets``, in that order) filled in."""
    asked = asked_secrets(message)
    if len(asked) != len(secrets):
        raise ValueError(f"{len(asked)} secrets asked for, {len(secrets)} given")
    filled: dict[str, Any] = json.loads(json.dumps(message))  # deep copy: only plain JSON values in a request
    # Right to left inside a line, so that each span's offsets still hold when the ones after it are filled.
    order = sorted(range(len(asked)), key=lambda i: -(asked[i].span or (0, 0))[0])
    for index in order:
        path, span = asked[index].path, asked[index].span
        holder: Any = filled
        for step in path[:-1]:
            holder = holder[step]
        if span is None:
            holder[path[-1]] = secrets[index]
        else:
            line: str = holder[path[-1]]
            holder[path[-1]] = line[: span[0]] + _hmp_word(line, span, secrets[index]) + line[span[1] :]
    return filled


def _hmp_word(line: str, span: tuple[int, int], secret: str) -> str:
    """``secret`` as HMP reads it at ``span``: a word of its own in double quotes (HMP's escapes), or a value
    inside an option string (``data=-``) with its commas doubled."""
    start, end = span
    whole_word = (start == 0 or line[start - 1].isspace()) and (end == len(line) or line[end].isspace())
    if whole_word:
        escaped = secret.replace("\\", "\\\\").replace('"', '\\"').replace("\n", "\\n").replace("\r", "\\r")
        return f'"{escaped}"'
    if any(char.isspace() or char in "'\"\\" for char in secret):
        raise UsageError(
            "this secret has a blank, quote or backslash: it cannot go inside an HMP option string",
            "give it through QMP instead, e.g. object-add qom-type=secret id=s0 data=-",
        )
    return secret.replace(",", ",,")
