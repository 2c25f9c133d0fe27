"""libvirt URIs that make libvirt run a program, which vdbgsh never opens whoever gave them.

A libvirt URI is code: the ext transport runs its ``command=`` as this user (root, on a hypervisor), the ssh
transport runs the ``command=`` it names instead of ``ssh``, and ``netcat=`` names the program the remote shell
runs (libvirt's uri.html, "Transport configuration"). The other parameters name files, sockets, hosts or fixed
modes: ``socket=`` a socket path, ``keyfile``/``known_hosts``/``pkipath`` files, ``proxy=`` one of
auto|netcat|native, ``mode=`` auto|direct|legacy. ``name=`` is the URI the remote side opens: checked the same.

The query is read as libvirt reads it (util/viruri.c): split at ``&`` (or at ``;`` when there is no ``&``),
names %-unescaped and compared case-insensitively, cut at a NUL as C would. Anything that reads as one of
these in any way is refused: refusing too much costs a retyped URI, too little a program run as root.
"""

from __future__ import annotations

import os
from urllib.parse import unquote

from vdbgsh.errors import UsageError

# Parameters naming a program libvirt starts: here (ext, ssh) or on the remote host through ssh (netcat).
PROGRAM_PARAMETERS = frozenset({"command", "netcat"})
PROGRAM_TRANSPORTS = frozenset({"ext"})


def program_in_uri(uri: str, depth: int = 0) -> str | None:
    """What in ``uri`` would make libvirt run a program (``the ext transport``, ``command=``), else None."""
    if depth > 8:
        return "name= nested too deep to check"
    scheme, colon, _rest = uri.partition(":")
    if colon and "/" not in scheme and "?" not in scheme:
        transports = {part.strip().lower() for part in scheme.split("+")[1:]}
        if transports & PROGRAM_TRANSPORTS:
            return "the ext transport"
    query = uri.partition("?")[2]  # a fragment left in: a name after '#' is refused too, never missed
    for name, value in _parameters(query):
        if name in PROGRAM_PARAMETERS:
            return f"{name}="
        if name == "name":
            inner = program_in_uri(value, depth + 1)
            if inner is not None:
                return f"name= naming {inner}"
    return None


def _parameters(query: str) -> list[tuple[str, str]]:
    separator = "&" if "&" in query else ";"
    found = []
    for section in query.split(separator):
        name, _eq, value = section.partition("=")
        found.append((unquote(name).split("\0")[0].strip().lower(), unquote(value)))
    return found


def refuse_program_uri(uri: str, source: str | None = None) -> None:
    """Raise a UsageError for a URI that makes libvirt run a program; ``source`` says where it came from."""
    program = program_in_uri(uri)
    if program is None:
        return
    origin = f" (from {source})" if source else ""
    raise UsageError(
        f"refused: the libvirt URI {uri}{origin} makes libvirt run a program ({program}); vdbgsh never opens one",
        "connect with qemu:///system or qemu+ssh://, qemu+tls://, qemu+tcp://HOST/system, without command= or netcat=",
    )


def uri_source(uri: str | None) -> str | None:
    """Where the URI that will be opened comes from, when the command line did not give it."""
    if uri is None and os.environ.get("LIBVIRT_DEFAULT_URI"):
        return "LIBVIRT_DEFAULT_URI"
    return None
