"""Completing HMP lines: command names, `info` sub-commands, and positional arguments, each argument mapped
onto the member of the QMP command it becomes so that the same typed and live completers serve both syntaxes.
``device_add``'s option list (``virtio-blk-pci,drive=d0``) completes as QMP's ``driver=`` and the driver's
properties, item by item."""

from __future__ import annotations

from vdbgsh.complete.context import NOTHING, Analysis, ArgumentName, ArgumentValue, HmpInfo, Suggestion
from vdbgsh.complete.paths import command_type, resolve
from vdbgsh.hmp.args_type import parse_args_type
from vdbgsh.hmp.table import Entry
from vdbgsh.hmp.versions import table_of
from vdbgsh.schema.model import Schema
from vdbgsh.syntax.words import Word, split_words

# HMP arguments whose QMP twin is not "the member of the same (or renamed) name": (command, key) -> (QMP
# command, path). The migrate_set_* pairs name a member, and its value, in two words.
ARGUMENT_TWINS: dict[tuple[str, str], tuple[str, tuple[str, ...]]] = {
    ("migrate_set_capability", "capability"): ("migrate-set-capabilities", ("capabilities", "0", "capability")),
    ("migrate_set_capability", "state"): ("migrate-set-capabilities", ("capabilities", "0", "state")),
    ("sendkey", "keys"): ("send-key", ("keys", "0", "data")),
    ("trace-event", "option"): ("trace-event-set-state", ("enable",)),
    ("info block", "device"): ("blockdev-change-medium", ("device",)),
    ("change", "target"): ("blockdev-change-medium", ("filename",)),
}


# HMP arguments written as one option list, like -device's (HMP's 'O' type): the QMP member its bare first item is.
OPTION_LISTS: dict[str, str] = {"device_add": "driver"}


def analyse_hmp(schema: Schema, before: str, qmp_too: bool) -> Analysis | None:
    """The suggestion for an HMP line, or None when the line is not (or not only) HMP.

    ``qmp_too``: the command word names a QMP command as well; then only a plain word (no '=') is read as HMP.
    """
    words = split_words(before, partial=True)
    if not words or (len(words) == 1 and words[0].end == len(before)):
        return None  # still typing the command word: the QMP completer offers HMP names too
    table = table_of(schema)
    entry = table.by_name.get(words[0].text)
    if entry is None:
        return None
    current = words[-1] if words[-1].end == len(before) else Word("", len(before), len(before))
    done = words[1:-1] if current is words[-1] else words[1:]
    if entry.name in OPTION_LISTS and not done and not (qmp_too and _qmp_pair(current.text)):
        return _option_list(schema, entry.name, current)
    if qmp_too and any("=" in word.text for word in [*done, current]):
        return None
    if entry.name == "info":
        if not done:
            return Analysis(HmpInfo(current.text), current.start, hmp=True)
        sub = table.info_by_name.get(done[0].text)
        if sub is None:
            return Analysis(NOTHING, current.start, hmp=True)
        entry, done = sub, done[1:]
    key = _argument_at(entry, [word.text for word in done], current.text)
    if key is None:
        return Analysis(NOTHING, current.start, hmp=True)
    return Analysis(
        _suggestion(schema, entry, key, [word.text for word in done], current.text), current.start, hmp=True
    )


def _qmp_pair(word: str) -> bool:
    """``driver=e1000`` (QMP's key=value), not ``e1000,mac=...`` (an HMP option list: its first item is bare)."""
    return "=" in word and "," not in word.split("=", 1)[0]


def _option_list(schema: Schema, command: str, word: Word) -> Analysis:
    """An item of an option list (``virtio-blk-pci,drive=d0,dr``): the bare first item is the member
    ``OPTION_LISTS`` names, the others are ``name=value`` as in QMP (so completed with their ``=``)."""
    items = word.text.split(",")
    first = OPTION_LISTS[command]
    arguments = command_type(schema, command)
    if len(items) == 1:
        member_type = resolve(schema, arguments, (first,), {})
        return Analysis(ArgumentValue(command, (first,), member_type, items[0], {}), word.start)
    given: dict[str, str] = {first: items[0]}
    for item in items[1:-1]:
        name, _, value = item.partition("=")
        given[name] = value
    last = items[-1]
    start = word.start + len(word.text) - len(last)
    name, equals, value = last.partition("=")
    if not equals:
        return Analysis(ArgumentName(command, (), name, given), start)
    member_type = resolve(schema, arguments, (name,), given)
    return Analysis(ArgumentValue(command, (name,), member_type, value, given), start + len(name) + 1)


def _argument_at(entry: Entry, done: list[str], current: str) -> str | None:
    """The args_type key the word being typed fills (flags are skipped the way HMP skips them)."""
    specs = [spec for spec in parse_args_type(entry.args_type) if not spec.kind.startswith("-")]
    positional = [word for word in done if not _is_flag(word)]
    if current.startswith("-"):
        return None
    index = len(positional)
    return specs[index].key if index < len(specs) else None


def _suggestion(schema: Schema, entry: Entry, key: str, done: list[str], prefix: str) -> Suggestion:
    if entry.name == "migrate_set_parameter":
        if key == "parameter":
            return ArgumentName("migrate-set-parameters", (), prefix, {})
        parameter = done[-1] if done else ""
        member_type = resolve(schema, command_type(schema, "migrate-set-parameters"), (parameter,), {})
        return ArgumentValue("migrate-set-parameters", (parameter,), member_type, prefix, {})
    twin = ARGUMENT_TWINS.get((entry.name, key))
    if twin is not None:
        command, path = twin
    elif entry.qmp is not None:
        command, path = entry.qmp, (entry.rename.get(key, key),)
    else:
        return NOTHING
    given = _given(entry, done)
    member_type = resolve(schema, command_type(schema, command), path, given)
    return ArgumentValue(command, path, member_type, prefix, given)


def _given(entry: Entry, done: list[str]) -> dict[str, str]:
    """The positional arguments already typed, under their QMP names (qom-get's property needs its path)."""
    keys = [spec.key for spec in parse_args_type(entry.args_type) if not spec.kind.startswith("-")]
    positional = [word for word in done if not _is_flag(word)]
    return {entry.rename.get(key, key): text for key, text in zip(keys, positional, strict=False)}


def _is_flag(word: str) -> bool:
    return word.startswith("-") and len(word) >= 2 and word[1].isalpha()
