"""Each line planned once per distinct QEMU on each host, against that QEMU's own schema.

A guest's QEMU is told by its host and what the running QEMU says of itself (query-version: version and
package): one request per guest, all at once. Not the emulator's path: libvirt's <emulator> names the binary on disk
now, and a guest started before the binary was replaced runs the old one, which query-version tells. (Two binaries
of one version and package on one host, such as two targets of one build, count as one kind: the plan made against
one's schema goes to both, and a command the other lacks is answered by its QEMU with CommandNotFound.) The guests of
one kind share a schema (loaded as a single exec loads it, through the cache keyed by version, commands and binary)
and so share their plans: the planner runs once per kind, against one of its guests. A line this QEMU cannot take
(a command it lacks, an argument it does not know) is refused for those guests only, and said as such.
"""

from __future__ import annotations

import json
import re
import threading
from collections.abc import Callable
from typing import TYPE_CHECKING, Any, NamedTuple

from vdbgsh.errors import UsageError, VdbgshError
from vdbgsh.fleet.targets import Member
from vdbgsh.plan.drive import plan_blocking
from vdbgsh.plan.model import Plan, PlanContext, Steps
from vdbgsh.transport.base import JSONObject, Reply

if TYPE_CHECKING:
    from vdbgsh.schema.model import Schema

# What the planner says of a command name the schema does not have.
_UNKNOWN_COMMAND = re.compile(r"^unknown command:? '([^']*)'")


class Kind(NamedTuple):
    """One distinct QEMU: the key guests are grouped by."""

    uri: str
    version: str  # query-version's reply as JSON (version and package)


class Probe(NamedTuple):
    kind: Kind | None
    version: Reply | str  # query-version's reply; else why the guest could not be asked (gone, busy ...)

    @property
    def error(self) -> str:
        return self.version if isinstance(self.version, str) else ""


VERSION_REQUEST: JSONObject = {"execute": "query-version"}
AGENT_VERSION_REQUEST: JSONObject = {"execute": "guest-info"}  # the agent's version and its commands


def monitor_of(member: Member) -> Any:
    """The blocking monitor commands of ``member`` (or its agent's, with --agent), on its host's shared connection
    (never closed here)."""
    from vdbgsh.transport.libvirt_commands import LibvirtCommands

    host = member.host
    domain = host.domain_for_worker(member.domain)
    commands = LibvirtCommands(domain.connect(), host.uri, domain)
    if host.agent_timeout is None:
        return commands
    from vdbgsh.transport.libvirt_agent_commands import AgentCommands

    return AgentCommands(commands, host.agent_timeout)


def version_request(member: Member) -> JSONObject:
    return VERSION_REQUEST if member.host.agent_timeout is None else AGENT_VERSION_REQUEST


def probe(member: Member) -> Probe:
    try:
        reply: Reply = monitor_of(member).execute_message(version_request(member))
    except VdbgshError as err:
        return Probe(None, err.message)
    except Exception as err:  # libvirt's own (the domain went away between list and probe)
        return Probe(None, f"guest {member.name}: {err}")
    if member.host.agent_timeout is not None:  # guest-info: its version tells the agent's kind
        agent = reply.value.get("version") if reply.ok and isinstance(reply.value, dict) else None
        return Probe(Kind(member.host.uri, json.dumps({"agent": agent})), reply)
    version = json.dumps(reply.value, sort_keys=True) if reply.ok else ""
    return Probe(Kind(member.host.uri, version), reply)


class _Probed:
    """The representative's monitor, answering query-version from its probe: the schema's loading asks it again,
    one round trip more on every kind's way to its plan."""

    def __init__(self, monitor: Any, version: Reply | None, asked: JSONObject = VERSION_REQUEST) -> None:
        self.monitor = monitor
        self.version = version
        self.asked = asked
        self.target: str = monitor.target

    def execute_message(self, message: JSONObject) -> Reply:
        if message == self.asked and self.version is not None:
            return self.version
        reply: Reply = self.monitor.execute_message(message)
        return reply

    def build_identity(self) -> str:
        identity: str = self.monitor.build_identity()
        return identity

    def close(self) -> None:
        """The host's connection is shared by its guests: closed with the host, not here."""


def version_text(version_json: str) -> str:
    """'7.2' from query-version's reply (major.minor, as QEMU's releases are named)."""
    try:
        qemu = json.loads(version_json)["qemu"]
        return f"{qemu['major']}.{qemu['minor']}"
    except (ValueError, KeyError, TypeError):
        return "(version unknown)"


def _whose(version_json: str) -> str:
    """Whose commands a kind's are, for a refusal: "QEMU 7.2", or "guest agent 7.2.22"."""
    try:
        agent = json.loads(version_json)
    except ValueError:
        agent = None
    if isinstance(agent, dict) and "agent" in agent:
        return f"guest agent {agent['agent']}" if isinstance(agent["agent"], str) else "guest agent"
    return f"QEMU {version_text(version_json)}"


# A line's plan for one kind of QEMU, or why it is not sent to those guests.
Planned = Plan | str


class KindPlans(NamedTuple):
    schema: Schema | None
    plans: list[Planned]  # one per input line, in order


def plan_kind(
    representative: Member,
    probed: Probe,
    inputs: list[Callable[[PlanContext], Steps]],
    *,
    validate: bool,
) -> KindPlans:
    """Every input planned for the QEMU ``representative`` runs. Raises VdbgshError when its schema cannot be
    loaded (the guest went away meanwhile).

    A bare command name (exec's fast path: ``query-status``) needs only QEMU's list of commands to be judged
    (query-commands, 6 KB); the schema itself (parsing ~190 KB, even from the cache, is most of a fleet command's
    own time) is read only when a line must be typed, translated from HMP, or names what this QEMU lacks."""
    assert probed.kind is not None
    version_json = probed.kind.version
    agent = representative.host.agent_timeout is not None
    version = probed.version if isinstance(probed.version, Reply) else None
    monitor = _Probed(monitor_of(representative), version, version_request(representative))
    loaded: list[Schema | None] = []

    def schema() -> Schema | None:
        if not loaded:
            from vdbgsh.schema.loading import SchemaCache, load_schema_blocking

            if not validate:
                loaded.append(None)
            elif agent:  # typed by the shipped schema of the agent's version (the agent has no introspection)
                from vdbgsh.agent.schema import load_agent_schema_blocking

                loaded.append(load_agent_schema_blocking(monitor).schema)
            else:
                loaded.append(load_schema_blocking(monitor, SchemaCache.default()).schema)
        return loaded[0]

    names: set[str] | None = None
    plans: list[Planned] = []
    # One context for all the lines: HMP's state carries, as for one guest.
    ctx = PlanContext(libvirt=True, validate=validate, agent=agent)
    checking = PlanContext(libvirt=True, validate=validate, always_check=True, agent=agent)
    for steps in inputs:
        try:
            planned = plan_blocking(steps(ctx), schema, monitor.execute_message)
            if planned.retry_as_hmp and validate:
                if names is None:
                    names = set(schema().commands) if agent else _command_names(monitor)  # type: ignore[union-attr]
                if planned.retry_as_hmp not in names:  # HMP's, or this QEMU's lack: the schema tells which
                    planned = plan_blocking(steps(checking), schema, monitor.execute_message)
            plans.append(planned)
        except UsageError as err:
            plans.append(_refusal(err, version_json))
    return KindPlans(loaded[0] if loaded else None, plans)


def _command_names(monitor: Any) -> set[str]:
    reply: Reply = monitor.execute_message({"execute": "query-commands"})
    listed = reply.value if reply.ok and isinstance(reply.value, list) else []
    return {str(entry["name"]) for entry in listed if isinstance(entry, dict) and "name" in entry}


def _refusal(err: UsageError, version_json: str) -> str:
    missing = _UNKNOWN_COMMAND.match(err.message)
    if missing:
        return f"{missing.group(1)} is not in this guest's {_whose(version_json)}: not sent"
    return f"not sent: {err.message}"


class _NeedsGuest(Exception):
    """The planner asked for a guest's schema or a reply: this line's plan depends on the QEMU."""


def plan_without_guest(inputs: list[Callable[[PlanContext], Steps]], *, validate: bool) -> list[Planned] | None:
    """Every input's plan when none depends on the guest's QEMU (exec's fast path: a bare name, or JSON without
    arguments, sent as typed; or --no-validate), else None. Such plans go to every guest without asking each its
    version first: that round trip doubled a fleet command's requests (docs/fleet.md), and QEMU's dispatcher refuses
    a command it lacks before doing anything (CommandNotFound), as for a single exec."""

    def needs_guest(*_args: Any) -> Any:
        raise _NeedsGuest

    ctx = PlanContext(libvirt=True, validate=validate)
    plans: list[Planned] = []
    for steps in inputs:
        try:
            plans.append(plan_blocking(steps(ctx), needs_guest, needs_guest))
        except (_NeedsGuest, UsageError):  # a usage error is said per kind, naming that QEMU
            return None
    return plans


class Note(NamedTuple):
    """Something the planner says once (a deprecation), for the main thread to print."""

    text: str


class KindPlanner:
    """The plans of each kind of QEMU, made once by the first guest's worker of that kind; the other workers of the
    kind wait for them. When that guest cannot be asked (it went away meanwhile) the next worker plans instead."""

    def __init__(self, inputs: list[Callable[[PlanContext], Steps]], *, validate: bool) -> None:
        self.inputs = inputs
        self.validate = validate
        self._lock = threading.Lock()
        self._made: dict[Kind, KindPlans] = {}
        self._planning: dict[Kind, threading.Event] = {}

    def plans(self, probed: Probe, member: Member, emit: Callable[[Any], None]) -> KindPlans:
        kind = probed.kind
        assert kind is not None
        while True:
            with self._lock:
                if kind in self._made:
                    return self._made[kind]
                busy = self._planning.get(kind)
                if busy is None:
                    busy = self._planning[kind] = threading.Event()
                    mine = True
                else:
                    mine = False
            if not mine:
                busy.wait()
                continue
            try:
                made = plan_kind(member, probed, self.inputs, validate=self.validate)
                with self._lock:
                    self._made[kind] = made
            finally:
                with self._lock:
                    del self._planning[kind]
                busy.set()
            for planned in made.plans:
                if not isinstance(planned, str):
                    for note in planned.deprecations:
                        emit(Note(note))
            return made
