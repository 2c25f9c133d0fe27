"""``vdbgsh translate LINE``: the QMP request(s) an HMP line becomes, one compact JSON object per line.

Without a guest it connects to nothing; with ``--domain`` or ``--qmp`` it checks against that guest's schema.
"""

from __future__ import annotations

import argparse
from typing import TYPE_CHECKING

from vdbgsh.cli.environment import Environment
from vdbgsh.errors import EXIT_OK, EXIT_USAGE, UsageError, VdbgshError
from vdbgsh.render.json_text import compact
from vdbgsh.syntax.secrets import mask_request

if TYPE_CHECKING:
    from vdbgsh.schema.model import Schema


def run_translate(args: argparse.Namespace, env: Environment) -> int:
    from vdbgsh.hmp.translate import Translator

    lines = list(iter(env.stdin.readline, "")) if args.line == ["-"] else [" ".join(args.line)]
    if not lines or not lines[0].strip():
        raise UsageError("no HMP line given", "e.g. vdbgsh translate 'block_resize drive0 10G'")
    translator = Translator(_schema(args))
    status = EXIT_OK
    for number, line in enumerate(lines, start=1):
        text = line.strip()
        if not text or text.startswith("#"):
            continue
        try:
            translation = translator.translate(text)
        except VdbgshError as err:
            first, *rest = err.lines()
            where = f"line {number}: " if len(lines) > 1 else ""
            env.error(where + first, *(rest if env.stderr.isatty() else []))
            status = EXIT_USAGE
            continue
        for request in translation.requests:
            # Shown, not sent: like every echo, with its secrets masked (a script wanting the real request
            # sends the line through exec instead).
            print(compact(mask_request(request)), file=env.stdout)
        for note in translation.notes:
            print(f"vdbgsh: note: {note}", file=env.stderr)
    return status


def _schema(args: argparse.Namespace) -> Schema:
    if args.domain is None and args.qmp is None:
        from vdbgsh.schema.offline import offline_schema

        return offline_schema()[0]
    from vdbgsh.schema.loading import SchemaCache, load_schema_blocking
    from vdbgsh.transport import Target, parse_qmp_address

    target = Target(qmp=parse_qmp_address(args.qmp)) if args.qmp else Target(uri=args.uri, domain=args.domain)
    monitor = target.open_blocking()
    try:
        return load_schema_blocking(monitor, SchemaCache.default()).schema
    finally:
        monitor.close()
