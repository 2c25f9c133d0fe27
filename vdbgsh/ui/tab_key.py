"""Tab as bash, zsh and prompt_toolkit's own default have it: the first Tab inserts what the completions share and
leaves the menu open on the rest; only when they share nothing does Tab step through the menu.

What they share is that of the ones that extend the word typed (the menu also lists subsequence matches, which
extend nothing). The menu opens as the user types (``complete_while_typing``), so prompt_toolkit's own Tab, seeing
a menu already open, took its first item (``driver=qc`` ⇥ gave ``qcow``, the old v1 format, with no menu left).

A Tab that arrives with the text it completes (a paste, or a fast typist) comes before that text's completions
have: it is held until they have all arrived, then does what it would have done (it was dropped), and the keys that
came after it wait for it meanwhile (at most HOLD_AT_MOST), so that a paste's text lands where it was meant to.
"""

from __future__ import annotations

import asyncio
from collections.abc import AsyncGenerator, Iterable

from prompt_toolkit.application.current import get_app
from prompt_toolkit.buffer import Buffer
from prompt_toolkit.completion import CompleteEvent, Completer, Completion, get_common_complete_suffix
from prompt_toolkit.document import Document
from prompt_toolkit.key_binding.key_processor import KeyPress

HOLD_AT_MOST = 1.0  # seconds a held Tab keeps the keys after it waiting; then they go on, and the Tab is dropped


class TabKey:
    def __init__(self, buffer: Buffer) -> None:
        self.buffer = buffer
        self.loading = 0  # completion runs under way: their menu is not whole yet
        self._held: str | None = None  # the text a Tab was pressed on before its completions were all there
        self._queued: list[KeyPress] = []  # keys that came after a held Tab: they wait for it, in order
        self._give_up: asyncio.TimerHandle | None = None

    @property
    def holding(self) -> bool:
        return self._held is not None

    def watch(self, completer: Completer) -> Completer:
        """``completer``, telling this key when a run of it has given all its completions."""
        return _Watched(completer, self)

    def press(self) -> None:
        buffer = self.buffer
        state = buffer.complete_state
        if state is None or self.loading:
            self._held = buffer.text
            if state is None:
                buffer.start_completion()
            if self._give_up is None:
                self._give_up = asyncio.get_running_loop().call_later(HOLD_AT_MOST, self._release)
            return
        if state.complete_index is None:
            common = shared_suffix(buffer.document, state.completions)
            if common:
                buffer.insert_text(common)  # typing it: the menu opens again on what is left
                return
            if len(state.completions) == 1:
                buffer.apply_completion(state.completions[0])
                return
        buffer.complete_next()

    def queue(self, keys: list[KeyPress]) -> None:
        self._queued += keys

    def completions_done(self) -> None:
        if self._held is not None:
            # After the run has set the menu (it does once its completions have all come): the next turn.
            asyncio.get_running_loop().call_soon(self._resume)

    def _resume(self) -> None:
        if self._held != self.buffer.text or self.loading:
            return  # another run is still under way: its end resumes
        if self.buffer.complete_state is not None:
            self.press()
        self._release()

    def _release(self) -> None:
        """The held Tab done (or given up, or nothing completes its text): the keys after it go on."""
        if self._give_up is not None:
            self._give_up.cancel()
            self._give_up = None
        self._held = None
        queued, self._queued = self._queued, []
        if queued:
            processor = get_app().key_processor
            processor.feed_multiple(queued, first=True)
            processor.process_keys()


def shared_suffix(document: Document, completions: list[Completion]) -> str:
    """What the completions that extend the word typed all add to it. The menu also holds subsequence ("fuzzy")
    matches, which would share nothing with the others: they are left out, as bash and zsh have none."""
    extending = [c for c in completions if document.text_before_cursor.endswith(c.text[: -c.start_position])]
    return get_common_complete_suffix(document, extending) if extending else ""


class _Watched(Completer):
    def __init__(self, inner: Completer, key: TabKey) -> None:
        self.inner = inner
        self.key = key

    def get_completions(self, document: Document, complete_event: CompleteEvent) -> Iterable[Completion]:
        return self.inner.get_completions(document, complete_event)

    async def get_completions_async(
        self, document: Document, complete_event: CompleteEvent
    ) -> AsyncGenerator[Completion, None]:
        self.key.loading += 1
        finished = False
        try:
            async for completion in self.inner.get_completions_async(document, complete_event):
                yield completion
            finished = True
        finally:
            self.key.loading -= 1
        if finished:
            self.key.completions_done()
