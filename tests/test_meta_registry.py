"""One registry of meta-commands: every one named (usage, help, arguments) has one handler, and the arguments are
checked from its spec before the handler runs."""

from __future__ import annotations

import pytest

from vdbgsh.session import META_HANDLERS
from vdbgsh.syntax.errors import ParseError
from vdbgsh.syntax.meta import ALIASES, META_COMMANDS, Takes, parse_meta


def test_every_meta_command_has_a_handler_and_every_handler_a_meta_command() -> None:
    assert set(META_HANDLERS) == set(META_COMMANDS)
    assert set(ALIASES.values()) <= set(META_COMMANDS)


@pytest.mark.parametrize(
    ("line", "problem"),
    [
        (":history x", ":history takes a number of lines"),
        (":history ²", ":history takes a number of lines"),  # a digit to str.isdigit, not to int()
        (":drop 0", ":drop takes the number of an action (':actions' lists them)"),
        (":abort now", ":abort takes no arguments"),
        (":output wide", ":output takes one of: pretty, compact, table (got 'wide')"),
        (":verbose", ":verbose takes one of: on, off (got nothing)"),
    ],
)
def test_arguments_are_checked_from_the_spec(line: str, problem: str) -> None:
    with pytest.raises(ParseError) as raised:
        parse_meta(line)
    assert raised.value.message == problem


def test_what_each_takes_is_declared() -> None:
    assert {name for name, spec in META_COMMANDS.items() if spec.takes == Takes.NOTHING} == {"abort", "actions"}
    assert all(spec.takes == Takes.ANYTHING for spec in META_COMMANDS.values() if spec.choices)
    assert parse_meta(":history 5").args == ("5",)
    assert parse_meta(":q").name == "quit"
