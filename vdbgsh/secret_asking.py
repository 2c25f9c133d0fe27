"""The shell's side of secrets given as ``-`` (syntax/asked_secrets.py): asked through the UI's hook, without
echo, once the line has passed the guard rails and just before its request goes."""

from __future__ import annotations

from collections.abc import Awaitable, Callable

from vdbgsh.errors import UsageError
from vdbgsh.syntax.asked_secrets import asked_secrets, with_secrets
from vdbgsh.transport.base import JSONObject

AskSecret = Callable[[str], Awaitable[str]]  # the question -> the secret, read without echo


async def asked_filled(request: JSONObject, ask: AskSecret | None) -> JSONObject:
    """``request`` with each secret given as ``-`` asked for and filled in (a copy); as it is when none is."""
    asked = asked_secrets(request)
    if not asked:
        return request
    if ask is None:
        raise UsageError(
            f"the {asked[0].what} is '-', to be asked for without echo, "
            "which this shell cannot do here (nothing was sent)",
            "give it on stdin to vdbgsh exec instead: printf '%s\\n' \"$SECRET\" | vdbgsh exec DOMAIN ...",
        )
    return with_secrets(request, [await ask(f"{secret.what} (not shown): ") for secret in asked])
