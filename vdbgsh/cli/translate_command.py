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
from vdbgsh.transport.base import JSONObject, Reply

if TYPE_CHECKING:
    from vdbgsh.schema.model import Schema


def run_translate(args: argparse.Namespace, env: Environment) -> int:
    """Each line through the same planner as the shell and exec (its gate too: what they would refuse, this says
    is refused), printed instead of sent."""
    from vdbgsh.hmp.translate import Translator
    from vdbgsh.plan import PlanContext, plan_blocking, plan_line, plan_words

    from_stdin = args.line == ["-"]
    lines = list(iter(env.stdin.readline, "")) if from_stdin else [" ".join(args.line)]
    if not lines or not lines[0].strip():
        raise UsageError("no HMP line given", "e.g. vdbgsh translate 'block_resize drive0 10G'")
    schema = _schema(args)
    planning = PlanContext(Translator(schema), libvirt=args.qmp is None, always_check=True)
    status = EXIT_OK
    for number, line in enumerate(lines, start=1):
        text = line.strip()
        if not text or text.startswith("#"):
            continue
        # Words from argv stay whole (``screendump "/tmp/a b.ppm"``), as in exec.
        steps = (
            plan_line(text, planning, hmp_first=True)
            if from_stdin
            else plan_words(args.line[0], args.line[1:], planning, hmp_first=True)
        )
        try:
            plan = plan_blocking(steps, lambda: schema, _no_guest)
        except VdbgshError as err:
            first, *rest = err.lines()
            where = f"line {number}: " if len(lines) > 1 else ""
            env.error(where + first, *(rest if env.stderr.isatty() else []))
            status = EXIT_USAGE
            continue
        for request in plan.requests:
            # Shown, not sent: like every echo, with its secrets masked (a script wanting the real request
            # sends the line through exec instead).
            print(compact(mask_request(request)), file=env.stdout)
        for note in plan.notes:
            print(f"vdbgsh: note: {note}", file=env.stderr)
    return status


def _no_guest(request: JSONObject) -> Reply:
    """The planner's questions to a guest (a device type's properties) go unanswered: nothing is sent here."""
    return Reply({"error": {"class": "GenericError", "desc": "vdbgsh translate sends nothing"}}, 0.0)


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
