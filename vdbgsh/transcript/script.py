"""A transcript's requests as a bash script of ``vdbgsh exec`` lines, which does again what the session did.

Each request goes as its JSON (a bare command name when it has no arguments), so that nothing is retyped on the
way; the line as typed is kept above it as a comment. A request whose secret was masked when recorded is not
run: it stays in the script commented out, with a note on stderr when the script reaches it, because sending
the mask would set a password to "********". Pure: the caller prints the text.

A transcript is data someone may have sent: every word is quoted for the shell, and the script stays printable
(reading it shows what it runs, and ``cat`` of it cannot drive the terminal). A JSON request carries characters
that are not printable as ``\\uXXXX`` escapes (the same JSON to QEMU); comments show them escaped, on one line.
"""

from __future__ import annotations

import json
import re
import shlex
from collections.abc import Mapping, Sequence
from typing import Any

from vdbgsh.errors import UsageError, printable
from vdbgsh.syntax.secrets import MASK, masked_secrets
from vdbgsh.transcript.records import Record


def shell_script(
    requests: Sequence[Record],
    source: str,
    *,
    domain: str | None = None,
    uri: str | None = None,
    qmp: str | None = None,
    exec_options: Sequence[str] = (),
) -> str:
    """The script; ``qmp`` (a socket address) replaces ``uri`` and ``domain``. Its first argument, if any,
    names another domain (or socket address) to run it on."""
    where = qmp if qmp is not None else domain or ""
    what = "QMP socket" if qmp is not None else "domain"
    if qmp is not None:
        connection = ["--qmp", '"$target"']
    else:
        connection = [*(["-c", _word(uri, "the URI")] if uri else []), '"$target"']
    command = ['"$vdbgsh"', "exec", *(shlex.quote(option) for option in exec_options), *connection]
    lines = [
        "#!/bin/bash",
        f"# The requests recorded in {_comment(source)}, as vdbgsh exec commands (vdbgsh replay --script).",
        f"# Run: bash SCRIPT [{what.upper().replace(' ', '_')}] (default: {_comment(where)}); it stops at the first "
        "command that fails.",
        "set -eu",
        f"target=${{1:-{_word(where, 'the ' + what)}}}",
        "vdbgsh=${VDBGSH:-vdbgsh}",
    ]
    for record in requests:
        request = record.fields["request"]
        name = str(request.get("execute", request.get("exec-oob")))
        words = [_request_word(request, name)]
        lines += ["", f"# line {record.line_no}: {_comment(str(record.fields.get('line', '')))}"]
        masked = masked_secrets(request)
        if masked:
            lines += [
                f"# secret masked when recorded ({_comment(', '.join(masked))}): put it in place of {MASK} and "
                "remove the '#'",
                f"echo {shlex.quote(f'skipped line {record.line_no} ({printable(name)}): its secret was masked')} >&2",
                "# " + " ".join([*command, *words]),
            ]
        else:
            lines.append(" ".join([*command, *words]))
    return "\n".join(lines) + "\n"


# A command name that exec reads as one (no blank to make it a line, no '{' or '!' to make it JSON or unchecked).
_PLAIN_NAME = re.compile(r"[A-Za-z][A-Za-z0-9_.+-]*")
_UNPRINTABLE = re.compile(r"[^ -~]")  # ASCII's printable range; the rest is checked one character at a time


def _request_word(request: Mapping[str, Any], name: str) -> str:
    if set(request) == {"execute"} and _PLAIN_NAME.fullmatch(name):
        return name  # nothing in it for the shell to read
    return shlex.quote(_compact(request))


def _compact(value: object) -> str:
    """JSON on one printable line: characters that are not printable as their \\u escapes (JSON reads them back
    as the same string; they occur only inside strings, json.dumps has already escaped C0 controls)."""
    text = json.dumps(value, separators=(",", ":"), ensure_ascii=False)
    return _UNPRINTABLE.sub(_escape_unprintable, text)


def _escape_unprintable(found: re.Match[str]) -> str:
    char = found.group()
    if char.isprintable():
        return char
    code = ord(char)
    if code > 0xFFFF:  # as JSON spells it: a surrogate pair
        code -= 0x10000
        return f"\\u{0xD800 + (code >> 10):04x}\\u{0xDC00 + (code & 0x3FF):04x}"
    return f"\\u{code:04x}"


def _word(text: str, what: str) -> str:
    """A name for the shell: quoted; refused if it holds what a script reader would not see, or would be read
    as one of exec's options (a domain named ``--log=/etc/shadow``)."""
    if not text.isprintable() or text.startswith("-"):
        why = "begins with '-' (exec would read an option)" if text.isprintable() else "holds control characters"
        raise UsageError(
            f"{what} {printable(text)} {why}: no script written",
            "name another on the command line (vdbgsh replay --script [-c URI] FILE DOMAIN)",
        )
    return shlex.quote(text)


def _comment(text: str) -> str:
    """One line a comment can hold: multi-line JSON joined, control characters shown escaped."""
    joined = " ".join(text.split())
    return "".join(char if char.isprintable() else repr(char)[1:-1] for char in joined)
