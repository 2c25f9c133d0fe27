"""Which syntax a line is in, and the QMP request it becomes."""

from __future__ import annotations

from vdbgsh.errors import UsageError
from vdbgsh.syntax.json_request import looks_like_json, parse_json_request
from vdbgsh.syntax.keyvalue import parse_arguments, parse_keyvalue_request
from vdbgsh.transport.base import JSONObject


def parse_request_line(text: str) -> JSONObject:
    """A JSON object, or ``cmd key=value ...``. (The HMP syntax will get its own branch here.)"""
    if looks_like_json(text):
        return parse_json_request(text)
    return parse_keyvalue_request(text)


def parse_request_words(command: str, words: list[str]) -> JSONObject:
    """Command-line form: the command (or a JSON request) and its ``key=value`` words as separate arguments."""
    if looks_like_json(command):
        request = parse_json_request(command)
        if words:
            raise UsageError(
                f"unexpected '{words[0]}' after a JSON request",
                'put the arguments inside the JSON\'s "arguments" object',
            )
        return request
    arguments = parse_arguments(words)
    return {"execute": command, "arguments": arguments} if arguments else {"execute": command}
