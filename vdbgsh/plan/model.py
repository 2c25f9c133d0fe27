"""What the planner works with and what it produces.

Plain classes and NamedTuples, not dataclasses: exec's one-shot path imports this, and dataclasses (with inspect)
costs ~9 ms of its start-up. The HMP translator is made only when a line needs it, for the same reason.
"""

from __future__ import annotations

from collections.abc import Generator
from typing import TYPE_CHECKING, Any, NamedTuple

from vdbgsh.transport.base import HMP_PASSTHROUGH, JSONObject

if TYPE_CHECKING:
    from vdbgsh.hmp.translate import Translation, Translator
    from vdbgsh.schema.model import Schema


class Need(NamedTuple):
    """What the planner asks its driver for: the schema (``request`` None; the answer is a Schema, or None when
    the user asked for no checking), or the reply to a read-only query (a Reply)."""

    request: JSONObject | None = None


NEED_SCHEMA = Need()

Steps = Generator[Need, Any, "Plan"]


class PlanContext:
    """What planning a line depends on besides the line: the guest's schema and HMP state, and how its replies
    travel.

    ``translator`` keeps HMP's state (``cpu N``, x/xp formats) from line to line, as the text monitor does; made on
    first need when not given. ``libvirt``: replies and requests travel through libvirtd, whose size limits apply.
    ``validate`` False (``--no-validate``): QMP as typed, no schema. ``always_check``: type even a line the fast
    path would send as typed (``--dry-run`` shows what would be sent).
    """

    def __init__(
        self,
        translator: Translator | None = None,
        *,
        libvirt: bool = True,
        validate: bool = True,
        always_check: bool = False,
        agent: bool = False,
    ) -> None:
        self.libvirt = libvirt
        self.agent = agent  # the guest agent (qemu-ga), not QEMU's monitor: no HMP there
        self.validate = validate
        self.always_check = always_check
        self._schema: Schema | None = None
        self._translator: Translator | None = None
        # Property types of device drivers (for HMP device_add's option strings), asked of the guest once each.
        self.device_types: dict[str, dict[str, str]] = {}
        self._unknown_drivers: list[str] = []
        self.deprecations_said: set[str] = set()  # commands and members whose deprecation was said
        self.fallbacks_said: set[str] = set()  # HMP commands whose "HMP only" note was said
        if translator is not None:
            self._adopt(translator)

    @property
    def schema(self) -> Schema | None:
        return self._schema

    @schema.setter
    def schema(self, schema: Schema | None) -> None:
        self._schema = schema
        if self._translator is not None:
            self._translator.schema = schema

    @property
    def translator(self) -> Translator:
        if self._translator is None:
            from vdbgsh.hmp.translate import Translator

            self._adopt(Translator(self._schema))
        assert self._translator is not None
        return self._translator

    def _adopt(self, translator: Translator) -> None:
        self._translator = translator
        if translator.schema is not None and self._schema is None:
            self._schema = translator.schema
        elif self._schema is not None:
            translator.schema = self._schema
        translator.context.device_properties = self._device_properties

    def _device_properties(self, driver: str) -> dict[str, str] | None:
        if driver not in self.device_types:
            if driver not in self._unknown_drivers:
                self._unknown_drivers.append(driver)
            return None
        return self.device_types[driver]

    def take_unknown_drivers(self) -> list[str]:
        """The drivers a translation wanted property types of and that were not known yet."""
        unknown, self._unknown_drivers = self._unknown_drivers, []
        return unknown


class Step(NamedTuple):
    """One request to send, and how its reply reads."""

    request: JSONObject

    @property
    def hmp_text(self) -> bool:
        """The reply is the text monitor's output (human-monitor-command)."""
        return self.request.get("execute") == HMP_PASSTHROUGH

    @property
    def ends_guest(self) -> bool:
        """``quit``: QEMU ends, as asked; its monitor may close before the reply can travel (a success, not a
        monitor gone: the caller says so with ``QUIT_NOTE``)."""
        return self.request.get("execute", self.request.get("exec-oob")) == "quit"


QUIT_NOTE = "QEMU quit, as asked: the guest is no longer running"


class Plan(NamedTuple):
    """The requests one input becomes, in order, each sent only if the one before it succeeded.

    Made only by the planner, after the gate: holding a Plan means its requests may be sent.
    """

    source: str  # the input as given (a line, argv words joined, a record's JSON), for transcripts
    steps: tuple[Step, ...]
    notes: tuple[str, ...] = ()
    forced: bool = False  # '!': sent as typed, unchecked
    translation: Translation | None = None  # an HMP line: what it was translated from (the shell echoes it)
    # exec's schema-free fast path: a bare name QEMU may not know, to try as HMP if QEMU says CommandNotFound.
    retry_as_hmp: str = ""
    # ``help [TOPIC]`` in exec: nothing to send, the help to show (the topic's words; () the overview).
    help_topic: tuple[str, ...] | None = None
    # What it uses that this QEMU deprecates, said once per session (plan/deprecation.py).
    deprecations: tuple[str, ...] = ()

    @property
    def requests(self) -> list[JSONObject]:
        return [step.request for step in self.steps]
