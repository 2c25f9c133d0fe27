"""Where the userinfo of each URI in a text is (``tcp://user:password@host``): credentials to mask. A scanner of
its own, reading each character once: a pattern anchored on the scheme retried at every start of a megabyte line
of 'a.a.a.', for minutes."""

from __future__ import annotations

import re

# A URI's authority (scheme://userinfo@host:port), its userinfo up to the last '@' in it. In a request's string
# the value is known exactly; in a line as typed it stops at a blank or a quote, which cannot be part of it there.
_AUTHORITY = re.compile(r"[^/?#]*")
_TYPED_AUTHORITY = re.compile(r"[^\s/?#\"']*")
_SCHEME_CHARACTERS = frozenset("abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789+.-")
_LONGEST_SCHEME = 64


def userinfo_spans(text: str, typed: bool = False) -> list[tuple[int, int]]:
    """Where each URI's userinfo is in ``text`` (start, end); ``typed``: a line as typed, not a request's value."""
    spans: list[tuple[int, int]] = []
    if "@" not in text:
        return spans
    authority = _TYPED_AUTHORITY if typed else _AUTHORITY
    at = text.find("://")
    while at >= 0:
        start = at
        while start > 0 and at - start < _LONGEST_SCHEME and text[start - 1] in _SCHEME_CHARACTERS:
            start -= 1
        found = authority.match(text, at + 3)
        assert found is not None  # it may be empty
        userinfo_end = found.group().rfind("@")
        if start < at and text[start].isalpha() and text[start].isascii() and userinfo_end > 0:
            spans.append((at + 3, at + 3 + userinfo_end))
        at = text.find("://", max(found.end(), at + 3))
    return spans
