"""A transcript's requests as a bash script of ``vdbgsh exec`` lines, which does again what the session did.

Each request goes as its JSON (a bare command name when it has no arguments), so that nothing is retyped on the
way; the line as typed is kept above it as a comment. A request whose secret was masked when recorded is not
run: it stays in the script commented out, with a note on stderr when the script reaches it, because sending
the mask would set a password to "********". Pure: the caller prints the text.
"""

from __future__ import annotations

import json
import shlex
from collections.abc import Sequence

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
        connection = [*(["-c", shlex.quote(uri)] if uri else []), '"$target"']
    command = ['"$vdbgsh"', "exec", *(shlex.quote(option) for option in exec_options), *connection]
    lines = [
        "#!/bin/bash",
        f"# The requests recorded in {_comment(source)}, as vdbgsh exec commands (vdbgsh replay --script).",
        f"# Run: bash SCRIPT [{what.upper().replace(' ', '_')}] (default: {_comment(where)}); it stops at the first "
        "command that fails.",
        "set -eu",
        f"target=${{1:-{shlex.quote(where)}}}",
        "vdbgsh=${VDBGSH:-vdbgsh}",
    ]
    for record in requests:
        request = record.fields["request"]
        name = str(request.get("execute", request.get("exec-oob")))
        words = [shlex.quote(name if set(request) == {"execute"} else _compact(request))]
        lines += ["", f"# line {record.line_no}: {_comment(str(record.fields.get('line', '')))}"]
        masked = masked_secrets(request)
        if masked:
            lines += [
                f"# secret masked when recorded ({', '.join(masked)}): put it in place of {MASK} and remove the '#'",
                f"echo {shlex.quote(f'skipped line {record.line_no} ({name}): its secret was masked')} >&2",
                "# " + " ".join([*command, *words]),
            ]
        else:
            lines.append(" ".join([*command, *words]))
    return "\n".join(lines) + "\n"


def _compact(value: object) -> str:
    return json.dumps(value, separators=(",", ":"), ensure_ascii=False)


def _comment(text: str) -> str:
    """One line a comment can hold: multi-line JSON joined, control characters shown escaped."""
    joined = " ".join(text.split())
    return "".join(char if char.isprintable() else repr(char)[1:-1] for char in joined)
