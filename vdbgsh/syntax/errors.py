"""Parse errors that point at the fault: the input, and a caret under the position that is wrong."""

from __future__ import annotations

import re

from vdbgsh.errors import LONGEST_LINE, UsageError, printable, shown

_MASKED_WHOLE_UP_TO = 64 * 1024
_BLANK = re.compile(r"\s")


class ParseError(UsageError):
    def __init__(self, message: str, source: str, offset: int, hint: str | None = None) -> None:
        super().__init__(message, hint)
        self.source = source
        self.offset = max(0, min(offset, len(source)))

    @property
    def line_and_column(self) -> tuple[int, int]:
        """1-based line and column of the fault, for messages about multi-line input."""
        before = self.source[: self.offset]
        return before.count("\n") + 1, self.offset - (before.rfind("\n") + 1) + 1

    def _masked(self) -> tuple[str, int, list[str]]:
        """The source with its secrets masked, the fault's offset in it, and the secrets (which the message may
        quote: "unknown command '!{...}'"). Of a very long source only the part up to a blank past the window
        shown is masked and kept: masking reads every word before the cut."""
        from vdbgsh.syntax.secrets import line_secrets, mask_at

        cut = len(self.source)
        if cut > _MASKED_WHOLE_UP_TO:
            blank = _BLANK.search(self.source, self.offset + LONGEST_LINE)
            cut = blank.start() if blank else cut
        source, offset = mask_at(self.source[:cut], self.offset)
        secrets = line_secrets(self.source[:cut]) if source != self.source[:cut] else []
        return (source if cut == len(self.source) else source + " …"), offset, secrets

    def lines(self) -> list[str]:
        # The input is shown again, and error lines reach the screen, transcripts and logs: its secrets masked,
        # in the line and wherever the message or the hint quote it.
        from vdbgsh.syntax.secrets import mask_echoes

        source, offset, secrets = self._masked()
        message = mask_echoes(self.message, secrets) if secrets else self.message
        hint = mask_echoes(self.hint, secrets) if secrets and self.hint else self.hint
        before_fault = source[:offset]
        line_no = before_fault.count("\n") + 1
        column = offset - (before_fault.rfind("\n") + 1) + 1
        text = source.split("\n")[line_no - 1]
        # Tabs would shift the caret; show them as one space each so the caret stays under the fault. Other
        # unprintable characters are shown escaped, the caret counted past their escapes.
        # A long line shows a window around the fault.
        half = LONGEST_LINE // 2
        start, end = max(0, column - 1 - half), column - 1 + half
        before = ("…" if start else "") + printable(text[start : column - 1].replace("\t", " "))
        after = printable(text[column - 1 : end].replace("\t", " ")) + ("…" if end < len(text) else "")
        out = [shown(message), "  " + before + after, "  " + " " * len(before) + "^"]
        if hint:
            out.append(f"hint: {shown(hint)}")
        return out
