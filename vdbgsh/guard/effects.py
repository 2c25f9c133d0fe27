"""What a QMP request does, from the reviewed table: only reads, changes what libvirt tracks (with what libvirt
will then not know), or changes something else. Pure: no I/O, and cheap to import (``vdbgsh exec`` uses it).
"""

from __future__ import annotations

import json
import re
from collections.abc import Iterable, Mapping
from enum import StrEnum
from typing import Any, NamedTuple

from vdbgsh.guard.table import BY_CONTENT, HMP_ONLY, READ_ONLY, READ_ONLY_PREFIXES, TRACKED


class EffectKind(StrEnum):
    READ_ONLY = "read-only"
    TRACKED = "tracked"  # changes what libvirt tracks
    OTHER = "other"


READ_ONLY_KIND = EffectKind.READ_ONLY
TRACKED_KIND = EffectKind.TRACKED
OTHER_KIND = EffectKind.OTHER
_RANK = {READ_ONLY_KIND: 0, OTHER_KIND: 1, TRACKED_KIND: 2}

_PLACEHOLDER = re.compile(r"\{([^{}]+)\}")
_HMP_WORD = re.compile(r"\s*([^\s/]*)")


class Effect(NamedTuple):
    command: str  # as the user would name it: "stop", "savevm (HMP)", "transaction (blockdev-snapshot-sync)"
    kind: EffectKind
    category: str = ""  # for TRACKED_KIND: run state, devices, block, ...
    consequence: str = ""  # for TRACKED_KIND: what libvirt will not know, one sentence without a final period

    @property
    def read_only(self) -> bool:
        return self.kind == READ_ONLY_KIND

    @property
    def tracked(self) -> bool:
        return self.kind == TRACKED_KIND


def classify_request(message: Mapping[str, Any], domain: str) -> Effect:
    """A request as sent (``{"execute": ..., "arguments": ...}``); ``domain`` names the guest in the sentence."""
    command = message.get("execute", message.get("exec-oob", ""))
    arguments = message.get("arguments")
    return classify_command(str(command), arguments if isinstance(arguments, Mapping) else {}, domain)


def classify_command(command: str, arguments: Mapping[str, Any], domain: str) -> Effect:
    if command in BY_CONTENT:
        if command == "transaction":
            return _transaction(arguments.get("actions"), domain)
        return _hmp(str(arguments.get("command-line", "")), domain)
    row = TRACKED.get(command)
    if row is not None:
        category, sentence = row
        return Effect(command, TRACKED_KIND, category, fill(sentence, arguments, domain))
    if command in READ_ONLY or command.startswith(READ_ONLY_PREFIXES):
        return Effect(command, READ_ONLY_KIND)
    return Effect(command, OTHER_KIND)


def worst(effects: Iterable[Effect]) -> Effect | None:
    """The effect that weighs most (tracked over other over read-only); the first of equals."""
    chosen: Effect | None = None
    for effect in effects:
        if chosen is None or _RANK[effect.kind] > _RANK[chosen.kind]:
            chosen = effect
    return chosen


def fill(sentence: str, arguments: Mapping[str, Any], domain: str) -> str:
    """Put the domain's name and the request's own values into a table sentence."""

    def value(found: re.Match[str]) -> str:
        names, _, fallback = found.group(1).partition(":")
        if names == "domain":
            return domain
        for name in names.split(","):
            given = arguments.get(name)
            if isinstance(given, str | int | float | bool):
                return _shown(given)
        return fallback or "(unnamed)"

    return _PLACEHOLDER.sub(value, sentence)


def _shown(value: str | float | bool) -> str:
    if isinstance(value, bool):
        return "true" if value else "false"
    if not isinstance(value, str):
        return str(value)
    if value.isprintable() and "'" not in value and len(value) <= 64:
        return f"'{value}'"
    # Keep the sentence one line, whatever the value holds.
    return json.dumps(value[:64] + ("..." if len(value) > 64 else ""))


def _transaction(actions: object, domain: str) -> Effect:
    if not isinstance(actions, list):
        return Effect("transaction", OTHER_KIND)  # QEMU refuses it; nothing here to vouch for
    effects = []
    for action in actions:
        if not isinstance(action, Mapping):
            return Effect("transaction", OTHER_KIND)
        kind = str(action.get("type", ""))
        data = action.get("data")
        # "abort" only makes the transaction fail: nothing happens.
        effects.append(
            Effect(kind, READ_ONLY_KIND)
            if kind == "abort"
            else classify_command(kind, data if isinstance(data, Mapping) else {}, domain)
        )
    chosen = worst(effects)
    if chosen is None:
        return Effect("transaction", READ_ONLY_KIND)
    return chosen._replace(command=f"transaction ({chosen.command})")


def _hmp(line: str, domain: str) -> Effect:
    """HMP passthrough, by its command word: HMP-only words from HMP_ONLY, others as their QMP twin."""
    found = _HMP_WORD.match(line)
    word = found.group(1) if found else ""
    rest = line[found.end() if found else 0 :]
    named = f"{word} (HMP)"
    if word in HMP_ONLY:
        kind, twin, names = HMP_ONLY[word]
        if kind == READ_ONLY_KIND:
            return Effect(named, READ_ONLY_KIND)
        return classify_command(twin, _hmp_arguments(rest, names), domain)._replace(command=named)
    from vdbgsh.hmp.versions import any_entry  # only here: the table costs more than the rest of exec's checks

    entry = any_entry(word)
    if entry is None or entry.qmp is None:
        return Effect(named, OTHER_KIND)
    twin = "change-vnc-password" if word == "change" and rest.split()[:1] == ["vnc"] else entry.qmp
    names = tuple(
        entry.rename.get(name, name)
        for name, _, kind in (a.partition(":") for a in entry.args_type.split(",") if a)
        if not kind.startswith("-")
    )
    return classify_command(twin, _hmp_arguments(rest, names), domain)._replace(command=named)


def _hmp_arguments(rest: str, names: tuple[str, ...]) -> dict[str, str]:
    """Enough of an HMP line's arguments to name things in the sentence: positional words by the command's
    argument names, and the key=value items of an option string (device_add e1000,id=nic1)."""
    words = [word for word in rest.split() if not word.startswith("-")]
    arguments = dict(zip(names, words, strict=False))
    for word in words:
        for item in word.split(","):
            key, equals, value = item.partition("=")
            if equals:
                arguments.setdefault(key, value)
    return arguments
