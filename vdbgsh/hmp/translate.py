"""An HMP line as the QMP request(s) it means: parse it with HMP's own grammar, then map it by the table.

Commands with no QMP equivalent (and those the connected QEMU lacks) go through human-monitor-command, with a
note that the reply is HMP's text, which QEMU may change in any release. `cpu N` is tracked here as HMP tracks
it, and passed on as cpu-index.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping
from typing import NamedTuple

from vdbgsh.errors import shown
from vdbgsh.hmp.arguments import FormatState, parse_arguments, split_command
from vdbgsh.hmp.context import CURRENT_CPU, Context, TranslationError
from vdbgsh.hmp.expressions import RegisterReferenceError
from vdbgsh.hmp.shapes import SHAPES
from vdbgsh.hmp.table import Entry
from vdbgsh.hmp.versions import HmpTable, table_of
from vdbgsh.schema.model import Schema
from vdbgsh.syntax.errors import ParseError
from vdbgsh.syntax.json_request import refuse_non_text
from vdbgsh.transport.base import HMP_PASSTHROUGH, JSONObject

HMP_TEXT_NOTE = "HMP only: the reply is HMP's text, whose form QEMU may change in any release"


class Translation(NamedTuple):
    line: str
    entry: Entry
    hmp_args: JSONObject
    requests: list[JSONObject]
    fallback: bool  # sent as human-monitor-command: the reply is text
    notes: list[str]

    @property
    def info(self) -> str | None:
        """The info sub-command ("block" for `info block`), for the views of translated info replies."""
        return self.entry.name.removeprefix("info ") if self.entry.name.startswith("info ") else None


class Translator:
    """Translates line after line, keeping HMP's state (current CPU, mouse buttons, x/xp formats)."""

    def __init__(
        self,
        schema: Schema | None = None,
        device_properties: Callable[[str], Mapping[str, str] | None] | None = None,
        cpu_paths: Mapping[int, str] | None = None,
    ) -> None:
        self.context = Context(schema=schema, device_properties=device_properties, cpu_paths=cpu_paths or {})
        self.formats = FormatState()
        self.cpu_chosen = False

    @property
    def schema(self) -> Schema | None:
        return self.context.schema

    @schema.setter
    def schema(self, schema: Schema | None) -> None:
        self.context.schema = schema

    @property
    def table(self) -> HmpTable:
        """HMP's commands as the guest's QEMU has them (7.2's while its version is unknown)."""
        return table_of(self.context.schema)

    def translate(self, line: str) -> Translation:
        translation = self._translate(line)
        for request in translation.requests:
            refuse_non_text(request, line)
        return translation

    def _translate(self, line: str) -> Translation:
        name, end = split_command(line)
        table = self.table
        entry = table.by_name.get(name)
        if entry is None:
            from vdbgsh.syntax.values import did_you_mean

            gone = table.gone(name)
            if gone is not None:
                raise ParseError(f"{gone}{_running(table)}", line, 0, "'help' lists this QEMU's commands")
            raise ParseError(
                f"unknown command: '{shown(name)}'{did_you_mean(name, list(table.by_name))}",
                line,
                0,
                "'help' lists the commands",
            )
        if entry.name == "info":
            entry, end = self._info_entry(line, end)
        try:
            args = parse_arguments(entry.args_type, line, end, state=self.formats)
        except RegisterReferenceError:
            # $pc and friends need the CPU's registers: only HMP itself can evaluate them.
            return self._fallback(line, entry, {})
        self.context.notes = []
        if entry.name == "cpu":
            return self._choose_cpu(line, entry, args)
        text_only = [key for key in entry.text_with if args.get(key)]
        if text_only:
            why = f"{entry.qmp} has no view of what {_flags(entry, text_only)} shows"
            return self._fallback(line, entry, args, why)
        if entry.qmp is None or not self._guest_has(entry.qmp):
            return self._fallback(line, entry, args)
        context = self.context
        context.entry_qmp, context.hmp_args, context.line = entry.qmp, args, line
        try:
            requests = self._requests(entry, args)
        except TranslationError as err:
            raise ParseError(err.message, line, self._offset(line, end, err.key)) from None
        for request in requests:
            self._check(request, line, end)
        if entry.name == "info cpus" and self.cpu_chosen:
            args = {**args, CURRENT_CPU: self.context.cpu_index}
        return Translation(line, entry, args, requests, False, list(context.notes))

    def _info_entry(self, line: str, end: int) -> tuple[Entry, int]:
        word, word_end = split_command(line, end)
        table = self.table
        if not word:
            return table.by_name["info"], len(line)
        sub = table.info_by_name.get(word)
        if sub is None:
            from vdbgsh.syntax.values import did_you_mean

            gone = table.gone(f"info {word}")
            if gone is not None:
                raise ParseError(
                    f"{gone}{_running(table)}", line, word_end - len(word), "'help info' lists this QEMU's info"
                )
            raise ParseError(
                f"unknown command: 'info {word}'{did_you_mean(word, list(table.info_by_name))}",
                line,
                word_end - len(word),
                "'help info' lists the info sub-commands",
            )
        return sub, word_end

    def _choose_cpu(self, line: str, entry: Entry, args: JSONObject) -> Translation:
        self.context.cpu_index = int(args["index"])
        self.cpu_chosen = True
        note = f"CPU {args['index']} is now the current CPU (for memsave, info registers, x, ...); nothing is sent"
        return Translation(line, entry, args, [], False, [note])

    def _fallback(self, line: str, entry: Entry, args: JSONObject, why: str = "") -> Translation:
        arguments: JSONObject = {"command-line": line.strip()}
        if self.cpu_chosen:
            arguments["cpu-index"] = self.context.cpu_index
        notes = [HMP_TEXT_NOTE]
        if why:
            notes.insert(0, why)
        elif entry.qmp is not None:
            notes.insert(0, f"this QEMU has no {entry.qmp}")
        request = {"execute": HMP_PASSTHROUGH, "arguments": arguments}
        return Translation(line, entry, args, [request], True, notes)

    def _guest_has(self, command: str) -> bool:
        schema = self.context.schema
        return schema is None or not schema.commands or command in schema.commands

    def _requests(self, entry: Entry, args: JSONObject) -> list[JSONObject]:
        arguments: JSONObject = {}
        for key, value in args.items():
            if key not in entry.drop:
                arguments[entry.rename.get(key, key)] = value
        for member, key in entry.copy.items():
            if key in args:
                arguments = {member: args[key], **arguments}
        for member, value in entry.absent.items():
            arguments.setdefault(member, value)
        arguments.update(entry.fixed)
        if entry.shape is not None:
            return SHAPES[entry.shape](arguments, self.context)
        assert entry.qmp is not None
        return [{"execute": entry.qmp, "arguments": arguments} if arguments else {"execute": entry.qmp}]

    def _check(self, request: JSONObject, line: str, end: int) -> None:
        """Every request checked against the guest's schema before it is shown or sent."""
        schema = self.context.schema
        command = request["execute"]
        if schema is None or command not in schema.commands or schema.commands[command].untyped:
            return
        from vdbgsh.schema.model import OPEN_ARGUMENT_COMMANDS
        from vdbgsh.syntax.values import check_value

        problem = check_value(
            schema,
            schema.commands[command].arg_type,
            request.get("arguments", {}),
            "",
            open_members=command in OPEN_ARGUMENT_COMMANDS,
        )
        if problem:
            raise ParseError(f"{command}: {problem}", line, _first_argument(line, end))

    def _offset(self, line: str, end: int, key: str) -> int:
        return self.context.offsets.get(key, _first_argument(line, end))


def _flags(entry: Entry, keys: list[str]) -> str:
    from vdbgsh.hmp.args_type import parse_args_type

    letters = {spec.key: f"-{spec.flag}" for spec in parse_args_type(entry.args_type) if spec.flag}
    return " ".join(letters.get(key, key) for key in keys)


def _running(table: HmpTable) -> str:
    return f" (this guest runs QEMU {'.'.join(map(str, table.release))})" if table.release else ""


def _first_argument(line: str, end: int) -> int:
    rest = line[end:]
    return end + (len(rest) - len(rest.lstrip()))


def translate_line(line: str, schema: Schema | None = None) -> Translation:
    """One line on its own (no HMP state carried over): for `vdbgsh translate` and the tests."""
    return Translator(schema).translate(line)


__all__ = ["Translation", "Translator", "translate_line"]
