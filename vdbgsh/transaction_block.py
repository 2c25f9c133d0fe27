"""The shell's transaction block: ``:begin``, action lines, ``:actions``, ``:drop``, ``:commit``, ``:abort``.

Between ``:begin`` and ``:commit`` each line typed is an action of one QMP ``transaction`` (``TYPE key=value``, or
its JSON), checked against the schema as it is typed and shown as the JSON it becomes. Read-only commands still
run meanwhile (to look a node name up); anything else is refused until the block ends, so that nothing meant for
the transaction changes the guest on its own. ``:commit`` shows the whole request, then sends it through the guard
rails like any other: QEMU runs every action or none. A commit that is refused, declined or that QEMU fails leaves
the block open, to mend (``:drop N``, more actions) and commit again, or to drop with ``:abort``.

The session's business (sending, guard rails, observers) stays the Session's: these functions only check, keep
and describe the block, and know nothing of the Session.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import TYPE_CHECKING

from vdbgsh.errors import UsageError
from vdbgsh.guard.policy import REFUSE
from vdbgsh.plan.planner import plan_request
from vdbgsh.render.ansi import DIM, paint
from vdbgsh.render.json_text import compact
from vdbgsh.render.messages import error_text, note_text
from vdbgsh.syntax.secrets import mask_line, mask_request
from vdbgsh.syntax.transaction import (
    TRANSACTION,
    Action,
    parse_action_line,
    parse_properties,
    plural,
    transaction_layout,
    transaction_problem,
    transaction_request,
)
from vdbgsh.syntax.words import Word, split_words
from vdbgsh.transport.base import JSONObject

if TYPE_CHECKING:
    from vdbgsh.guard.policy import GuardPolicy
    from vdbgsh.plan.model import PlanContext
    from vdbgsh.schema.model import Schema

HOW_TO_END = "':commit' sends it, ':abort' drops it"
UNKNOWN_OUTCOME = "the commit was sent and no answer came: QEMU may have applied every action, or none"
CHECK_OUTCOME = (
    "Check what its actions change before sending it again (query-named-block-nodes, query-block, "
    "query-block-jobs, query-block-dirty-bitmaps)"
)


@dataclass
class PendingTransaction:
    """A transaction being typed: its actions so far and the properties ``:begin`` gave."""

    begun: str  # the :begin line as typed
    properties: JSONObject = field(default_factory=dict)
    actions: list[Action] = field(default_factory=list)
    quit_asked: bool = False  # :quit was typed once with this open: the next one leaves without it
    # A commit was sent and no answer came (Ctrl-C, a lost connection): QEMU may have applied every action.
    outcome_unknown: bool = False

    def __len__(self) -> int:
        return len(self.actions)

    def request(self, properties: JSONObject | None = None) -> JSONObject:
        """The ``transaction`` request; ``properties`` (from ``:commit``) over those of ``:begin``."""
        return transaction_request(
            [action.message for action in self.actions], {**self.properties, **(properties or {})}
        )

    def label(self) -> str:
        """As the prompt shows it: ``transaction (2 actions)``."""
        return f"transaction ({plural(len(self.actions), 'action')})"


def _arguments(text: str) -> list[Word]:
    """The words after the meta-command's name, placed in ``text`` so that carets point into the line typed."""
    return split_words(text)[1:]


def begin(block: PendingTransaction | None, text: str, schema: Schema, guard: GuardPolicy) -> PendingTransaction:
    """``:begin``'s block; the note to show is ``begun``."""
    if block is not None:
        raise UsageError(f"a transaction is already open ({plural(len(block), 'action')})", HOW_TO_END)
    if schema.commands and TRANSACTION not in schema.commands:
        raise UsageError("this QEMU has no transaction command")
    if guard.read_only:
        raise UsageError(f"refused: a transaction changes the guest, and read-only mode is on ({guard.source})")
    return PendingTransaction(text, parse_properties(_arguments(text), text, schema))


def begun(block: PendingTransaction, colour: bool) -> str:
    given = f" with {compact(block.properties)}" if block.properties else ""
    return note_text(
        f"transaction begun{given}: type its actions, one a line (TYPE key=value, or JSON; Tab lists the types); "
        "read-only commands still run meanwhile. ':actions' lists them, ':drop N' removes one, "
        "':commit' sends them as one transaction, ':abort' drops them",
        colour,
    )


def add_action(block: PendingTransaction, text: str, planning: PlanContext, guard: GuardPolicy, colour: bool) -> str:
    """A line typed in the block: checked (through the planner's gate too, as it will be sent), then kept as the
    next action (nothing is sent)."""
    assert planning.schema is not None
    action = parse_action_line(text, planning.schema)
    alone = transaction_request([action.message])
    plan_request(alone, planning)
    decision = guard.decide([alone])
    if decision.verdict == REFUSE:
        return error_text([decision.message], colour)
    block.actions.append(action)
    shown = [paint(f"+ action {len(block)}: {compact(_masked(action))}", DIM, colour)]
    if action.type == "abort":
        shown.append(
            note_text(
                "the action abort makes the whole transaction fail when committed (QEMU then rolls every action "
                "back); ':abort' drops the transaction instead",
                colour,
            )
        )
    elif not action.checked:
        shown.append(note_text("not checked against the schema", colour))
    return "\n".join(shown)


def _masked(action: Action) -> JSONObject:
    masked = mask_request(transaction_request([action.message]))
    return masked["arguments"]["actions"][0]  # type: ignore[no-any-return]


def listing(block: PendingTransaction | None) -> str:
    if block is None:
        return "no transaction is open (':begin' starts one)"
    lines = [f"{block.label()}: {HOW_TO_END}, ':drop N' removes action N"]
    if block.outcome_unknown:
        lines.append(f"  {UNKNOWN_OUTCOME}")
    lines += [f"  {number:>2}  {compact(_masked(action))}" for number, action in enumerate(block.actions, start=1)]
    if block.properties:
        lines.append(f"  properties: {compact(block.properties)}")
    return "\n".join(lines)


def drop(block: PendingTransaction | None, args: tuple[str, ...]) -> str:
    if block is None:
        raise UsageError(":drop: no transaction is open", "':begin' starts one")
    if not block.actions:
        raise UsageError(":drop: the transaction has no actions yet")
    number = int(args[0]) if args else len(block)
    if number > len(block):
        raise UsageError(f":drop: there is no action {number}: the transaction has {plural(len(block), 'action')}")
    action = block.actions.pop(number - 1)
    return f"dropped action {number}: {compact(_masked(action))} ({block.label()} left)"


def aborted(block: PendingTransaction | None) -> str:
    """What ``:abort`` says of the block it closes."""
    if block is None:
        return "no transaction is open: nothing to drop"
    count = plural(len(block), "action")
    if block.outcome_unknown:
        return f"transaction closed: it was sent, and whether QEMU applied its {count} is unknown. {CHECK_OUTCOME}"
    return f"transaction dropped: {count} not sent"


def commit_request(block: PendingTransaction | None, text: str, schema: Schema) -> JSONObject:
    """The ``transaction`` request ``:commit`` sends, checked against the schema; a block with no actions is
    said so (nothing to send)."""
    if block is None:
        raise UsageError(":commit: no transaction is open", "':begin' starts one; its actions follow it")
    properties = parse_properties(_arguments(text), text, schema)
    request = block.request(properties)
    if all(action.checked for action in block.actions):
        problem = transaction_problem(schema, request)
        if problem:
            raise UsageError(f"the transaction does not fit the schema: {problem}", HOW_TO_END)
    return request


def commit_line(block: PendingTransaction, text: str, schema: Schema) -> str:
    """The lines that made the transaction, secrets masked: what a transcript records as its line."""
    return "\n".join(mask_line(typed, schema) for typed in [block.begun, *(a.line for a in block.actions), text])


def still_open(colour: bool) -> str:
    return note_text(f"the transaction is still open: {HOW_TO_END}", colour)


def committed(block: PendingTransaction, ok: bool, colour: bool) -> str:
    """The note after QEMU's answer to the commit."""
    count = plural(len(block), "action")
    if ok:
        return note_text(f"committed: {count} as one transaction", colour)
    return note_text(
        f"QEMU rolled the transaction back: none of its {count} took effect. It is still open: mend it "
        "(':drop N', more actions) and ':commit' again, or ':abort'",
        colour,
    )


def unanswered(block: PendingTransaction, colour: bool) -> str:
    """The note when the commit was sent and no answer came (Ctrl-C, a lost connection)."""
    block.outcome_unknown = True
    return note_text(
        f"{UNKNOWN_OUTCOME}. {CHECK_OUTCOME}; ':abort' closes the transaction, ':commit' sends it again", colour
    )


def commit_echo(request: JSONObject, colour: bool) -> str:
    """The request about to be sent, one action a line, secrets masked."""
    text = transaction_layout(mask_request(request))
    if colour:
        from vdbgsh.render.highlight import highlight_json_text

        text = highlight_json_text(text)
    first, *rest = text.split("\n")
    return "\n".join([paint("→ ", DIM, colour) + first, *("  " + line for line in rest)])
