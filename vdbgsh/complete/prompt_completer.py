"""The prompt_toolkit face of completion: the only module of the package that imports prompt_toolkit.

Schema candidates come at once; live values follow in the async path, awaited for ``live_timeout`` at most: a menu
without them beats a prompt that stalls. Do not wrap this completer in a ``ThreadedCompleter``, which would call
the synchronous path only and never ask the guest.
"""

from __future__ import annotations

import asyncio
from collections.abc import AsyncGenerator, Callable, Collection, Iterable, Iterator, Mapping, Sequence

from prompt_toolkit.completion import CompleteEvent, Completer, Completion
from prompt_toolkit.document import Document

from vdbgsh.complete.candidates import COMMAND_METAS, Candidate, MetaWords, SchemaCandidates, candidate_name
from vdbgsh.complete.context import Analysis, ArgumentName, ArgumentValue, analyse
from vdbgsh.complete.hmp_context import analyse_hmp
from vdbgsh.complete.live import LiveValues
from vdbgsh.complete.matching import rank
from vdbgsh.complete.paths import subtree
from vdbgsh.hmp.versions import table_of
from vdbgsh.schema.model import Schema
from vdbgsh.syntax.transaction import action_names


class QMPCompleter(Completer):
    """Completes QMP lines from ``schema()`` (called each time: the schema may be swapped) and, in the async path,
    from ``live``. ``meta_commands`` maps the shell's own commands (names without the colon) to a one-line doc;
    ``meta_choices`` gives the words a meta-command's argument takes; ``command_metas`` are those whose argument
    is a QMP command name (or ``:META``); ``bare_metas`` also work without their colon. ``transaction`` says
    whether a transaction block is open (its lines are actions then)."""

    def __init__(
        self,
        schema: Callable[[], Schema],
        live: LiveValues | None = None,
        meta_commands: Mapping[str, str] | None = None,
        *,
        meta_choices: Mapping[str, Sequence[str]] | None = None,
        command_metas: Collection[str] = COMMAND_METAS,
        bare_metas: Collection[str] = (),
        live_timeout: float = 0.5,
        transaction: Callable[[], bool] = lambda: False,
        late: Callable[[Document], None] | None = None,
    ) -> None:
        self._schema = schema
        self._live = live
        self._metas = MetaWords(dict(meta_commands or {}), dict(meta_choices or {}), frozenset(command_metas))
        self._bare_metas = frozenset(bare_metas)
        self._live_timeout = live_timeout
        self._transaction = transaction
        # Called with the line live values came too late for (past ``live_timeout``): the UI completes it again.
        self._late = late
        self._static: SchemaCandidates | None = None

    def static_candidates(self) -> SchemaCandidates:
        """The schema's candidates, rebuilt when the schema has been swapped."""
        schema = self._schema()
        if self._static is None or self._static.schema is not schema:
            self._static = SchemaCandidates(schema, self._metas)
        return self._static

    def analyses(self, document: Document) -> tuple[SchemaCandidates, list[Analysis]]:
        """What the cursor may be completing: a QMP line, an HMP line, or (for a command of both, while the
        first argument word has no '=') both, QMP's member names first."""
        static = self.static_candidates()
        before = document.text_before_cursor
        in_block = self._transaction()
        qmp = analyse(static.schema, before, document.text_after_cursor, self._bare_metas, transaction=in_block)
        first = before.split(maxsplit=1)[0] if before.strip() else ""
        if (
            first not in table_of(static.schema).by_name
            or first in self._bare_metas
            or before.lstrip().startswith((":", "!", "{"))
        ):
            return static, [qmp]
        if in_block and first in action_names(static.schema):
            return static, [qmp]  # an action, whatever HMP calls that word
        both = first in static.schema.commands
        hmp = analyse_hmp(static.schema, before, qmp_too=both)
        if hmp is None:
            return static, [qmp]
        return static, [qmp, hmp] if both else [hmp]

    def analyse(self, document: Document) -> tuple[SchemaCandidates, Analysis]:
        static, found = self.analyses(document)
        return static, found[-1]

    def get_completions(self, document: Document, complete_event: CompleteEvent) -> Iterable[Completion]:
        static, analyses = self.analyses(document)
        yield from _static_completions(static, analyses, document, set())

    async def get_completions_async(
        self, document: Document, complete_event: CompleteEvent
    ) -> AsyncGenerator[Completion, None]:
        if not document.text.strip() and not complete_event.completion_requested:
            # An empty line lists everything only on Tab. A completion started while typing can run again after
            # the line was sent and the input emptied: it must not open a menu of all commands then.
            return
        static, analyses = self.analyses(document)
        shown: set[str] = set()
        for completion in _static_completions(static, analyses, document, shown):
            yield completion
        for analysis in analyses:
            for candidate in await self._live_candidates(analysis, document):
                if candidate.text not in shown:
                    shown.add(candidate.text)
                    yield _completion(candidate, analysis, document)

    async def _live_candidates(self, analysis: Analysis, document: Document) -> list[Candidate]:
        suggestion = analysis.suggestion
        if self._live is None or not isinstance(suggestion, ArgumentName | ArgumentValue):
            return []
        asked = asyncio.ensure_future(self._live.candidates(suggestion))
        try:
            found = await asyncio.wait_for(asyncio.shield(asked), self._live_timeout)
        except TimeoutError:
            # The menu goes without them now; once they come (cached), the line is completed again with them.
            late = self._late
            if late is not None:
                asked.add_done_callback(lambda done: late(document) if not done.cancelled() else None)
            return []
        if isinstance(suggestion, ArgumentName):
            given = subtree(suggestion.given, suggestion.path_prefix)
            found = [candidate for candidate in found if candidate.name not in given]
        return rank(found, suggestion.prefix, candidate_name)


def _static_completions(
    static: SchemaCandidates, analyses: list[Analysis], document: Document, shown: set[str]
) -> Iterator[Completion]:
    """The schema's candidates for each reading of the line, each text once (``shown`` collects them)."""
    for analysis in analyses:
        for candidate in _for_syntax(static.complete(analysis.suggestion), analysis):
            if candidate.text not in shown:
                shown.add(candidate.text)
                yield _completion(candidate, analysis, document)


def _for_syntax(candidates: list[Candidate], analysis: Analysis) -> list[Candidate]:
    """HMP's booleans are exactly on and off."""
    if not analysis.hmp:
        return candidates
    return [candidate for candidate in candidates if candidate.text not in ("true", "false")]


def _completion(candidate: Candidate, analysis: Analysis, document: Document) -> Completion:
    text = candidate.text
    if analysis.hmp and isinstance(analysis.suggestion, ArgumentName):
        text = text.rstrip("=.")  # an HMP argument is a word, not member=value
    return Completion(
        text,
        start_position=analysis.start - len(document.text_before_cursor),
        display=candidate.display,
        display_meta=candidate.meta,
    )
