"""Which request members carry secrets, and those secrets masked: in a request, and in a line as it was typed.

Pure: no I/O. The request actually sent is never changed; masking makes the copies that are shown, kept in
history and written to transcripts.

What counts as a secret (reviewed against QEMU 7.2's schema; tests/test_secrets.py walks the whole schema):

- Members named ``password``, ``passphrase`` or ``passwd`` in any case (``Password``, ``PASSWORD``), wherever they
  appear (set_password, change-vnc-password; any future command that takes a password inline).
- ``object-add`` of a ``secret`` object: its ``data`` (the secret itself). A ``secret_keyring`` object names a
  kernel key by its ``serial`` number, which is not the key: not masked.
- ``sev-inject-launch-secret``: its ``secret`` (the secret payload; ``packet-header`` is not).
- ``qom-set`` of a property named like a secret (or ``data``, a secret object's payload): its ``value``.
- ``human-monitor-command``: the HMP line inside it, masked as a typed HMP line is.
- Any string holding a URI with credentials (``tcp://user:pass@host``, a migrate or migrate-incoming ``uri``, HMP
  ``migrate``): the password of its userinfo, or the whole userinfo when it has no ':' (a token).

A line is masked even when it does not parse (a stray quote): it is read again as if that quote were a blank. An
error that quotes a request or a line back (QEMU's "The command ... has not been found", a parse error) has the
secrets it held masked too (``mask_reply``, ``mask_echoes``). A secret given as ``-`` is no secret but a question
to ask (asked_secrets.py): kept as typed. Scanners used here: uri_credentials.py, json_positions.py.

Not secrets: QEMU passes secrets to block drivers, TLS credentials and the like *by reference*: members such as
``key-secret``, ``password-secret``, ``new-secret``, ``cookie-secret``, ``keyid``, ``passwordid`` (and LUKS
amend's bare ``secret``) name a ``secret`` object. Masking an id would hide which object a command uses and
protect nothing. Names that merely contain "key" (send-key's ``keys``, ``keyslot``) are not secrets either.
"""

from __future__ import annotations

import bisect
import itertools
import json
import re
import shlex
from collections.abc import Callable, Iterator, Mapping
from typing import TYPE_CHECKING, Any

from vdbgsh.syntax.json_positions import json_with_positions
from vdbgsh.syntax.meta_names import is_meta
from vdbgsh.syntax.shell_words import scan_words
from vdbgsh.syntax.uri_credentials import userinfo_spans
from vdbgsh.transport.base import HMP_PASSTHROUGH

if TYPE_CHECKING:
    from vdbgsh.schema.model import Schema

MASK = "********"
# A secret given as '-' is asked for when its request goes (asked_secrets.py): the marker, no secret, is kept as
# typed, so that a line recalled from history asks again.
ASKED = "-"

SECRET_NAMES = frozenset({"password", "passphrase", "passwd"})  # compared lower-cased
# (command, member) pairs that are secrets in that command only.
COMMAND_SECRETS = frozenset({("sev-inject-launch-secret", "secret")})
# object-add: qom-type -> members holding the secret.
OBJECT_SECRETS: Mapping[str, frozenset[str]] = {"secret": frozenset({"data"})}
QOM_SET_SECRET_PROPERTIES = SECRET_NAMES | {"data"}

Path = tuple[str | int, ...]
Masker = Callable[[Any], Any]  # a secret's value -> what is shown in its place


def _secret_name(name: object) -> bool:
    return str(name).lower() in SECRET_NAMES


def is_secret(command: str, name: str, owner: Mapping[str, Any]) -> bool:
    """Whether member ``name`` of a request for ``command`` holds a secret; ``owner`` is the object holding it
    (its siblings decide for object-add's ``qom-type`` and qom-set's ``property``)."""
    if _secret_name(name) or (command, name) in COMMAND_SECRETS:
        return True
    if command == "object-add":
        return name.lower() in OBJECT_SECRETS.get(str(owner.get("qom-type")), ())
    if command == "qom-set" and name == "value":
        return str(owner.get("property")).lower() in QOM_SET_SECRET_PROPERTIES
    return False


def _masked_userinfo(userinfo: str) -> str:
    user, colon, _password = userinfo.partition(":")
    return f"{user}:{MASK}" if colon else MASK


def mask_uri_credentials(text: str) -> str:
    """``text`` with the password of each URI's userinfo masked (``tcp://user:********@host``); a userinfo without
    ':' is a token, masked whole."""
    for start, end in reversed(userinfo_spans(text)):
        text = text[:start] + _masked_userinfo(text[start:end]) + text[end:]
    return text


def _has_uri_credentials(value: object) -> bool:
    return isinstance(value, str) and bool(userinfo_spans(value))


def _uri_masked(value: str) -> bool:
    return any(
        value[start:end] == MASK or value[start:end].endswith(":" + MASK) for start, end in userinfo_spans(value)
    )


def _spots(message: Mapping[str, Any]) -> list[tuple[Path, Masker]]:
    """Where a request's secrets are, each with what masks it."""
    command = str(message.get("execute", message.get("exec-oob", "")))
    arguments = message.get("arguments")
    if not isinstance(arguments, dict):
        return []
    if command == HMP_PASSTHROUGH:
        line = arguments.get("command-line")
        return [(("arguments", "command-line"), mask_hmp_line)] if isinstance(line, str) and _hmp_spans(line) else []
    try:
        return [(("arguments", *path), masker) for path, masker in _walk(command, arguments, ())]
    except RecursionError:  # nested deeper than anything QEMU takes: it is refused before any secret matters
        return []


def _mask_whole(value: Any) -> Any:
    return value if value == ASKED else MASK


def _walk(command: str, value: Any, path: Path) -> Iterator[tuple[Path, Masker]]:
    if isinstance(value, dict):
        for name, member in value.items():
            if is_secret(command, str(name), value):
                yield (*path, name), _mask_whole
            else:
                yield from _walk(command, member, (*path, name))
    elif isinstance(value, list):
        for index, element in enumerate(value):
            yield from _walk(command, element, (*path, index))
    elif _has_uri_credentials(value):
        yield path, mask_uri_credentials


def secret_paths(message: Mapping[str, Any]) -> list[Path]:
    """Where a request's secrets are, as paths from the message (``("arguments", "password")``)."""
    return [path for path, _masker in _spots(message)]


def returns_secret(message: Mapping[str, Any]) -> bool:
    """Whether the reply to a request carries a secret: ``qom-get`` of a property named like one (a secret
    object's ``data`` reads back as it was set)."""
    arguments = message.get("arguments")
    if not isinstance(arguments, dict):
        return False
    command = message.get("execute", message.get("exec-oob"))
    if command == HMP_PASSTHROUGH and isinstance(arguments.get("command-line"), str):
        # HMP qom-get PATH PROPERTY reads back the same secret, as text.
        words = [word.text for word in scan_words(arguments["command-line"])[0]]
        return len(words) > 2 and words[0] == "qom-get" and words[2].lower() in QOM_SET_SECRET_PROPERTIES
    return command == "qom-get" and str(arguments.get("property")).lower() in QOM_SET_SECRET_PROPERTIES


def mask_request(message: dict[str, Any]) -> dict[str, Any]:
    """A copy of ``message`` with every secret replaced by the mask (the message itself is left alone)."""
    spots = _spots(message)
    if not spots:
        return message
    masked = json.loads(json.dumps(message))  # deep copy: only plain JSON values travel in a request
    for path, masker in spots:
        holder = masked
        for step in path[:-1]:
            holder = holder[step]
        holder[path[-1]] = masker(holder[path[-1]])
    return masked  # type: ignore[no-any-return]


def masked_secrets(message: Mapping[str, Any]) -> list[str]:
    """The secrets of a request that hold the mask itself (a masked line from history, a masked transcript):
    sending them would set a password to "********"."""
    found = []
    for path in secret_paths(message):
        value: Any = message
        for step in path:
            value = value[step]
        masked = value == MASK or (isinstance(value, str) and _uri_masked(value))
        if masked or (path == ("arguments", "command-line") and _hmp_masked(value)):
            found.append(".".join(str(step) for step in path))
    return found


def refuse_masked(*messages: Mapping[str, Any]) -> None:
    """Raise a UsageError for a request that would send the mask as a secret (nothing has been sent then)."""
    for message in messages:
        found = masked_secrets(message)
        if found:
            from vdbgsh.errors import UsageError

            command = message.get("execute", message.get("exec-oob"))
            raise UsageError(
                f"{command}: {', '.join(found)} is the mask {MASK}, not a secret",
                "history and transcripts keep secrets masked: give the secret as '-' to be asked for it",
            )


# --- secrets echoed back (QEMU's "The command ... has not been found", a parse error quoting the line) ---------

_SHORT_SECRET = 4  # a secret this short is masked in an echo only as a whole token, not inside every word
_LONGEST_ECHO_SEARCH = 50_000_000  # characters looked through, all secrets together (~50 ms)


def line_secrets(line: str, schema: Schema | None = None) -> list[str]:
    """The secrets a line as typed holds, as typed and unquoted: what an error quoting part of it must not show."""
    return _held(line[start:end] for start, end, _text in _outermost(_line_spans(line, schema)))


def request_secrets(message: Mapping[str, Any]) -> list[str]:
    """The secrets a request holds, as sent (for an error reply that quotes them back)."""
    found: list[str] = []
    for path, masker in _spots(message):
        value: Any = message
        for step in path:
            value = value[step]
        if masker is mask_hmp_line:
            found += line_secrets(value)
        elif masker is mask_uri_credentials:
            userinfos = [value[start:end] for start, end in userinfo_spans(value)]
            found += [userinfo.partition(":")[2] or userinfo for userinfo in userinfos]
        else:
            found += [value if isinstance(value, str) else json.dumps(value)]
    command = message.get("execute", message.get("exec-oob"))
    if isinstance(command, str) and not _COMMAND_NAME.fullmatch(command):
        found += line_secrets(command.removeprefix("!"))  # a whole line sent as a name, which QEMU quotes back
    return _held(found)


def _held(texts: Iterator[str] | list[str]) -> list[str]:
    """Each secret without its quotes (an echo keeps them round the mask) and, JSON-quoted, also as its decoded
    value; longest first, so that a longer one is masked whole."""
    held: set[str] = set()
    for text in texts:
        held.add(text[1:-1] if len(text) > 1 and text[0] == text[-1] and text[0] in "'\"" else text)
        if text.startswith('"'):
            try:
                decoded = json.loads(text)
            except ValueError:
                continue
            if isinstance(decoded, str):
                held.add(decoded)
    return sorted((text for text in held if text and text != MASK), key=len, reverse=True)


def mask_echoes(text: str, secrets: list[str]) -> str:
    """``text`` (an error's description) with each of ``secrets`` masked where it quotes one back; withheld
    whole when that would take long (thousands of secrets in a megabyte quoted back: too much rather than too
    little)."""
    if len(text) * len(secrets) > _LONGEST_ECHO_SEARCH:
        return f"({len(text):,} characters withheld: they quote secrets of the request back)"
    for secret in secrets:
        if len(secret) >= _SHORT_SECRET:
            text = text.replace(secret, MASK)
        else:
            text = re.sub(rf"(?<!\w){re.escape(secret)}(?!\w)", MASK, text)
    return text


def mask_reply(reply: dict[str, Any], request: Mapping[str, Any]) -> dict[str, Any]:
    """``reply`` with the secrets of ``request`` masked where its error quotes them back (QEMU names the command
    it did not find, and some values it refused); a copy when anything changed."""
    error = reply.get("error")
    text = reply.get("return")
    if isinstance(text, str) and request.get("execute") == "human-monitor-command":
        # HMP says its errors in a successful reply (QEMU 11.1's migrate quotes the whole URI back).
        secrets = request_secrets(request)
        masked = mask_echoes(text, secrets) if secrets else text
        return reply if masked == text else {**reply, "return": masked}
    if not isinstance(error, dict) or not isinstance(error.get("desc"), str):
        return reply
    secrets = request_secrets(request)
    desc = mask_echoes(error["desc"], secrets) if secrets else error["desc"]
    return reply if desc == error["desc"] else {**reply, "error": {**error, "desc": desc}}


_COMMAND_NAME = re.compile(r"[\w.+-]*")


def mask_line(line: str, schema: Schema | None = None) -> str:
    """``line`` as typed, each secret value replaced in place by the mask; the rest as it was typed.

    ``schema`` tells QMP from HMP for names both have (set_password); without it, a line whose words are all
    ``name=value`` reads as QMP.
    """
    return _replace(line, _line_spans(line, schema))


def mask_at(line: str, offset: int, schema: Schema | None = None) -> tuple[str, int]:
    """``line`` masked as ``mask_line`` does, and where ``offset`` falls in it: an error's caret stays under the
    fault, and one inside a secret points at the mask's start."""
    spans = _line_spans(line, schema)
    moved = offset
    for start, end, text in _outermost(spans):
        if end <= offset:
            moved += len(text) - (end - start)
        elif start < offset:
            moved -= offset - start
    return _replace(line, spans), moved


def _line_spans(line: str, schema: Schema | None) -> list[Span]:
    typed = line
    spans = _parsed_line_spans(line, schema) + _uri_spans(line)
    # A line that does not parse (a stray quote) is read again with that quote as a blank, which keeps every
    # offset: its secrets are found as if the quote were not there (too much masked rather than too little).
    for _attempt in range(8):
        unclosed = scan_words(line)[1]
        if unclosed < 0 or line.lstrip().startswith(("{", "!{")):
            break
        line = line[:unclosed] + " " + line[unclosed + 1 :]
        # What the first reading found stays; the second adds only secrets away from those (a quote opened inside
        # a value found already would make a second, shifted mask beside it).
        spans += _apart(spans, _parsed_line_spans(line, schema))
    return _not_asked(typed, spans)


def _apart(found: list[Span], extra: list[Span]) -> list[Span]:
    """The spans of ``extra`` that neither overlap nor touch one of ``found`` (sorted once: a line can hold
    thousands of secrets)."""
    ordered = sorted((start, end) for start, end, _text in found)
    starts = [start for start, _end in ordered]
    reach = list(itertools.accumulate((end for _start, end in ordered), max))  # furthest end so far
    kept = []
    for span in extra:
        before = bisect.bisect_right(starts, span[1])  # the found spans starting at or before its end
        if before == 0 or reach[before - 1] < span[0]:
            kept.append(span)
    return kept


def _not_asked(line: str, spans: list[Span]) -> list[Span]:
    return [span for span in spans if line[span[0] : span[1]] != ASKED]


def _parsed_line_spans(line: str, schema: Schema | None) -> list[Span]:
    from vdbgsh.syntax.classify import classify

    start = len(line) - len(line.lstrip())
    text = line[start:]
    if not text:
        return []
    if is_meta(text):
        words = text.split(maxsplit=1)
        if words[0] == ":translate" and len(words) > 1:  # its argument is an HMP line
            at = start + text.index(words[1], len(words[0]))
            return [(at + a, at + b, mask) for a, b, mask in _hmp_spans(line[at:])]
        return []
    if text.startswith(("{", "!{")):
        return _json_line_spans(line, start + text.index("{"))
    if text.startswith("!"):
        return _qmp_spans(line[:start] + " " + line[start + 1 :])
    split, unclosed = scan_words(text)
    first = split[0]
    if unclosed < 0 and any(blank.isspace() for blank in first.text):
        # A whole line quoted as one word (shlex.join of exec's one-word line): masked as that line, requoted.
        inner = mask_line(first.text, schema)
        return [] if inner == first.text else [(start + first.start, start + first.end, _shell_word(inner))]
    kind = classify(text, schema)
    if kind == "hmp" and (schema is not None or not _all_member_words(text)):
        return _hmp_spans(line)
    return _qmp_spans(line)


def mask_hmp_line(line: str) -> str:
    return _replace(line, _not_asked(line, _hmp_spans(line)))


def hmp_secret_spans(line: str) -> list[tuple[int, int]]:
    """Where the secrets of an HMP line are (start, end), outermost only."""
    return [(start, end) for start, end, _text in _outermost(_hmp_spans(line))]


def _uri_spans(line: str) -> list[Span]:
    if "@" not in line:
        return []
    return [(start, end, _masked_userinfo(line[start:end])) for start, end in userinfo_spans(line, typed=True)]


Span = tuple[int, int, str]  # start, end, what goes there


def _replace(line: str, spans: list[Span]) -> str:
    pieces, at = [], 0
    for start, end, text in _outermost(spans):  # joined once: a line can hold thousands of secrets
        pieces += [line[at:start], text]
        at = end
    return "".join([*pieces, line[at:]])


def _outermost(spans: list[Span]) -> list[Span]:
    """In order; a span inside another (password=x as set_password's password word) goes with the outer one."""
    kept: list[Span] = []
    for span in sorted(spans, key=lambda s: (s[0], -s[1])):
        if not kept or span[0] >= kept[-1][1]:
            kept.append(span)
    return kept


# --- QMP `cmd key=value` lines ---------------------------------------------------------------------------------

_MEMBER_WORD = re.compile(r"[A-Za-z_][\w.-]*=")


_SHELL_SAFE = re.compile(r"[\w@%+=:,./*-]+")


def _shell_word(text: str) -> str:
    """``text`` as one word of a typed line: quoted only when it must be (the mask's '*' need not)."""
    return text if _SHELL_SAFE.fullmatch(text) else shlex.quote(text)


def _all_member_words(text: str) -> bool:
    words = text.split()[1:]
    return bool(words) and all(_MEMBER_WORD.match(word) for word in words)


def _qmp_spans(source: str) -> list[Span]:
    words, _unclosed = scan_words(source)
    if not words:
        return []
    arguments: dict[str, Any] = {}
    where: dict[Path, list[Span]] = {}  # a member given twice is refused later, and both are masked
    for word in words[1:]:
        key, equals, value = word.text.partition("=")
        if not equals:
            continue
        path: Path = tuple(key.split("."))
        holder = arguments
        for step in path[:-1]:
            child = holder.setdefault(str(step), {})
            if not isinstance(child, dict):
                break
            holder = child
        else:
            holder[str(path[-1])] = value
        # A quoted '=' ('password=x' in quotes) leaves no value offset: the whole word goes, its key kept.
        where.setdefault(("arguments", *path), []).append(
            (word.value_start, word.end, MASK) if word.value_start >= 0 else (word.start, word.end, f"{key}={MASK}")
        )
    message = {"execute": words[0].text, "arguments": arguments}
    found: list[Span] = []
    for path, masker in _spots(message):
        for start, end, text in where.get(path, []):
            if masker is _mask_whole:
                found.append((start, end, text))
                continue
            # Part of the value masked (a URI's password): the value (or the whole word, quoted whole) requoted.
            key, _equals, value = next(w for w in words if w.end == end).text.partition("=")
            masked = masker(value)
            if masked != value:  # else nothing to hide there (an HMP line's secret asked for: '-')
                found.append((start, end, _shell_word(masked if text == MASK else f"{key}={masked}")))
    return found


# --- JSON lines ------------------------------------------------------------------------------------------------

# For JSON that does not parse: string values of members whose names say secret (too much rather than too little).
_LOOSE_SECRET = re.compile(r'(?i)"(?:password|passphrase|passwd|data|secret|value)"\s*:\s*("(?:[^"\\]|\\.)*"?)')


def _json_line_spans(line: str, at: int) -> list[Span]:
    """A JSON request at ``at``: its secrets replaced by the mask, JSON-quoted."""
    parsed = json_with_positions(line, at)
    if parsed is None:
        return _loose_spans(line, at)
    message, spans = parsed
    masked = mask_request(message)
    found: list[Span] = []
    for path in secret_paths(message):
        value: Any = masked
        for step in path:
            value = value[step]
        found.extend((start, end, json.dumps(value, ensure_ascii=False)) for start, end in spans[path])
    return found


def _loose_spans(line: str, at: int) -> list[Span]:
    return [(m.start(1), m.end(1), json.dumps(MASK)) for m in _LOOSE_SECRET.finditer(line, at)]


# --- HMP lines -------------------------------------------------------------------------------------------------

# HMP commands with a secret in a positional argument: command -> index of that argument (after the name).
HMP_SECRET_ARGUMENT = {"set_password": 1}
# One element of an option string: up to a single comma (",," is a comma inside a value).
_OPTION = re.compile(r"((?:[^,]++|,,)*+)(,?)")  # possessive: a megabyte option string in one step


def _hmp_masked(line: str) -> bool:
    return _uri_masked(line) or any(line[start:end] == MASK for start, end, _text in _hmp_spans(line))


def _hmp_spans(line: str) -> list[Span]:
    words, _unclosed = scan_words(line)
    if not words:
        return []
    name, args = words[0].text, words[1:]
    if name == "object_add" and args and line[args[0].start] == "{":
        return _objectjson_with_positions(line, args[0].start)
    spans = [span for word in args for span in _option_spans(line, word.start, word.end, name == "object_add")]
    # A URI's credentials, as typed and (quoted, with a blank or a quote in them) as the word HMP gets.
    spans += _uri_spans(line)
    spans += [(w.start, w.end, _shell_word(mask_uri_credentials(w.text))) for w in args if _has_uri_credentials(w.text)]
    if name == "qom-set":
        args = [word for word in args if not word.text.startswith("-")]  # qom-set -j PATH PROP VALUE
    secret = _hmp_secret_index(name, [word.text for word in args])
    if 0 <= secret < len(args):
        spans.append((args[secret].start, args[secret].end, MASK))
    return spans


def _hmp_secret_index(name: str, args: list[str]) -> int:
    if name == "change" and args[:2] == ["vnc", "password"]:
        return 2
    if name == "qom-set" and len(args) > 1 and args[1].lower() in QOM_SET_SECRET_PROPERTIES:
        return 2
    return HMP_SECRET_ARGUMENT.get(name, -1)


def _objectjson_with_positions(line: str, at: int) -> list[Span]:
    """object_add's JSON form: the object's properties, which are object-add's arguments."""
    parsed = json_with_positions(line, at)
    if parsed is None:
        return _loose_spans(line, at)
    properties, spans = parsed
    message = {"execute": "object-add", "arguments": properties}
    return [(start, end, json.dumps(MASK)) for path in secret_paths(message) for start, end in spans[path[1:]]]


def _option_spans(line: str, start: int, end: int, object_add: bool) -> list[Span]:
    """Secrets in an option string such as ``secret,id=s0,data=x``."""
    text = line[start:end]
    owner: dict[str, str] = {}
    values: list[tuple[str, int, int]] = []
    at = 0
    while True:
        match = _OPTION.match(text, at)
        assert match is not None  # every part of it may be empty
        typed_key, equals, value = match.group(1).partition("=")
        key = typed_key.replace("'", "").replace('"', "")  # object_add 'secret,id=s0',data=x: quotes are no part
        if equals:
            owner[key] = value
            values.append((key, start + at + len(typed_key) + 1, start + match.end(1)))
        elif at == 0 and key:
            owner["qom-type"] = key  # object_add secret,id=s0: the first bare word is the type
        if not match.group(2):
            break
        at = match.end()
    command = "object-add" if object_add else ""
    return [(s, e, MASK) for key, s, e in values if is_secret(command, key, owner)]
