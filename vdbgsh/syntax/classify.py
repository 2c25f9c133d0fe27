"""Which syntax a typed line is in. The rules, in order (the README documents them):

1. ``:word`` (and bare ``help``, ``exit``) is a meta-command: the shell's own, never sent.
2. ``{...}`` (or ``!{...}``) is a JSON request.
3. ``!CMD key=value ...`` is QMP, sent unchecked.
4. A word that names a QMP command and no HMP one is QMP; one that names an HMP command and no QMP one is HMP.
5. A word that names both (stop, cont, device_add, qom-get, ...): QMP when there are no arguments (the result
   is the same either way) or when every argument is ``name=value`` (so that a misspelt member gets QMP's
   "did you mean"), unless the only argument is an HMP option string such as ``driver=e1000,id=n0``;
   HMP otherwise (``qom-get /machine type``, ``device_add e1000,id=n0``).
6. Anything else is QMP, so that an unknown command gets QMP's "did you mean".
"""

from __future__ import annotations

import re
from typing import Literal

from vdbgsh.schema.model import Schema
from vdbgsh.syntax.meta_names import is_meta

Kind = Literal["meta", "json", "qmp", "hmp"]

_HMP_NAME_END = re.compile(r"[\s/]")
# "name=value" where name is a plain (possibly dotted) member name.
_MEMBER_WORD = re.compile(r"[A-Za-z_][\w.-]*=")
_OPTION_STRING = re.compile(r",[A-Za-z_][\w.-]*(=|,|$)")


def hmp_command_word(text: str) -> str:
    """The command word as HMP reads it: up to a blank or a '/' (x/4xw 0)."""
    stripped = text.lstrip()
    found = _HMP_NAME_END.search(stripped)
    return stripped[: found.start()] if found else stripped


def classify(text: str, schema: Schema | None) -> Kind:
    stripped = text.strip()
    if is_meta(stripped):
        return "meta"
    if stripped.startswith(("{", "!{")):
        return "json"
    if stripped.startswith("!"):
        return "qmp"
    return _by_names(stripped.split(maxsplit=1)[0], hmp_command_word(stripped), stripped.split()[1:], schema)


def classify_words(command: str, words: list[str], schema: Schema | None) -> Kind:
    """``classify`` for argv: the command and its arguments as separate words, each kept whole (a value with a
    blank in it is one argument, not two)."""
    if command.startswith(("{", "!")) or is_meta(command):
        return classify(command, schema)
    return _by_names(command, command, words, schema)


def _by_names(qmp_word: str, hmp_word: str, arguments: list[str], schema: Schema | None) -> Kind:
    """Rules 4 to 6: by which monitor knows the command word, then by the arguments when both do."""
    from vdbgsh.hmp.versions import table_of

    is_qmp = schema is not None and qmp_word in schema.commands
    is_hmp = table_of(schema).reads_as_hmp(hmp_word)
    if is_hmp and not is_qmp:
        return "hmp"
    if not is_hmp:
        return "qmp"
    return "qmp" if _reads_as_qmp(arguments) else "hmp"


def _reads_as_qmp(words: list[str]) -> bool:
    if not all(_MEMBER_WORD.match(word) for word in words):
        return False
    # One word like driver=e1000,id=n0 is an HMP option string.
    return not (len(words) == 1 and _OPTION_STRING.search(words[0].split("=", 1)[1]))
