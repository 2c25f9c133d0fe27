"""One way from what a user gave (a typed line, argv words, a batch line, a transcript record, a transaction) to
the requests vdbgsh sends or the refusal it shows.

The planner is sans-I/O, as the schema's loading is: it yields what it needs (the guest's schema, or the answer to
a query such as a device type's properties) and receives it, so that the async shell and the blocking CLI drive
the same steps. Every plan passes the same gate (``gate.py``) before it exists, whichever way its requests were
made: no path can send what another refuses.
"""

from vdbgsh.plan.drive import plan_async, plan_blocking
from vdbgsh.plan.model import NEED_SCHEMA, Need, Plan, PlanContext, Step
from vdbgsh.plan.planner import plan_line, plan_request, plan_words

__all__ = [
    "NEED_SCHEMA",
    "Need",
    "Plan",
    "PlanContext",
    "Step",
    "plan_async",
    "plan_blocking",
    "plan_line",
    "plan_request",
    "plan_words",
]
