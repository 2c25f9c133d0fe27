"""The shell over the guest agent (``attach --agent``): what differs from the monitor's shell.

The prompt says ``agent`` where the run state stands (the agent has no query-status), the banner says which
agent and which schema, HMP is refused by the planner, and completion offers the agent's enabled commands only:
the QMP completer would also offer HMP's names, which mean nothing to the agent.
"""

from __future__ import annotations

from collections.abc import AsyncGenerator, Callable, Iterable

from prompt_toolkit.completion import CompleteEvent, Completer, Completion
from prompt_toolkit.document import Document

from vdbgsh.agent.schema import DISABLED
from vdbgsh.render.messages import note_text
from vdbgsh.schema.loading import LoadedSchema
from vdbgsh.schema.model import Schema
from vdbgsh.session import Session

AGENT_STATE = "agent"  # where the prompt shows the run state: guest1 (agent)>
_HELP_WORDS = frozenset({"help", "h", "?", ":help", ":h", ":?"})


def prepare_agent_session(session: Session) -> None:
    session.planning.agent = True
    session.guard.agent = True
    session.run_state = AGENT_STATE


def agent_banner(name: str, loaded: LoadedSchema, *, keys: bool = True) -> str:
    """``keys`` False: the line-mode shell, which has no Tab to tell of."""
    schema = loaded.schema
    version = str(getattr(schema, "agent_version", "")) or "of unknown version"
    enabled = sum(DISABLED not in command.features for command in schema.commands.values())
    source = loaded.source if not loaded.source.startswith("qga-schema") else f"types and docs from {loaded.source}"
    # Short lines: the transcript is about 80 columns wide.
    return (
        f"vdbgsh attached to the guest agent of {name} (qemu-ga {version})\n"
        f"{enabled} commands enabled; {source}.\n"
        "Type agent commands (cmd key=value, or JSON); no HMP here.\n"
        ":run CMD ARG… runs a program in the guest; :cat PATH shows a file.\n"
        "help: the agent's commands; :help : the shell's own." + ("\nTab completes; Ctrl-D leaves." if keys else "")
    )


def agent_taint_notice(name: str, colour: bool) -> str:
    return note_text(f"libvirt marks {name} tainted (custom-ga-command) from the first agent command on", colour)


class AgentCompleter(Completer):
    """The shell's completer, with command names narrowed to the agent's enabled commands (and the meta-commands),
    and nothing offered after a first word the agent does not know (an HMP name: refused when sent)."""

    def __init__(self, inner: Completer, schema: Callable[[], Schema]) -> None:
        self.inner = inner
        self.schema = schema

    def get_completions(self, document: Document, complete_event: CompleteEvent) -> Iterable[Completion]:
        keep = self._filter(document)
        return (completion for completion in self.inner.get_completions(document, complete_event) if keep(completion))

    async def get_completions_async(
        self, document: Document, complete_event: CompleteEvent
    ) -> AsyncGenerator[Completion, None]:
        keep = self._filter(document)
        async for completion in self.inner.get_completions_async(document, complete_event):
            if keep(completion):
                yield completion

    def _filter(self, document: Document) -> Callable[[Completion], bool]:
        schema = self.schema()
        enabled = {name for name, command in schema.commands.items() if DISABLED not in command.features}
        before = document.text_before_cursor.lstrip()
        words = before.split()
        blank_last = before.endswith((" ", "\t"))
        naming = not words or (len(words) == 1 and not blank_last)
        second = (len(words) == 1 and blank_last) or (len(words) == 2 and not blank_last)
        after_help = bool(words) and words[0] in _HELP_WORDS and second
        if naming or after_help:
            return lambda completion: (
                completion.text.startswith(":")
                or completion.text in enabled
                or (naming and completion.text in ("help", "exit"))
            )
        first = words[0]
        if first.startswith((":", "{", "!")) or first in schema.commands or first in _HELP_WORDS:
            return lambda _completion: True
        return lambda _completion: False
