"""HMP's chardev option strings (``socket,id=ch1,path=/tmp/s,server=on``) as QMP's ChardevBackend union.

HMP and QMP differ in names (file's path is QMP's out) and in defaults: an HMP socket is a client unless
server=on, and then waits for a client (wait=on); QMP's socket is a server that does not wait. So server and
wait are always sent, as HMP means them.
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from vdbgsh.hmp.context import Context, TranslationError
from vdbgsh.transport.base import JSONObject

BACKEND_ALIASES = {"tty": "serial", "parport": "parallel"}
RENAMES: Mapping[str, Mapping[str, str]] = {
    "file": {"path": "out", "input-path": "in"},
    "pipe": {"path": "device"},
    "serial": {"path": "device"},
    "parallel": {"path": "device"},
    "spicevmc": {"name": "type"},
    "spiceport": {"name": "fqdn"},
}
NOT_DATA = ("id", "backend", "mux")


def chardev_arguments(options: Mapping[str, Any], ctx: Context) -> JSONObject:
    backend = BACKEND_ALIASES.get(str(options.get("backend", "")), str(options.get("backend", "")))
    if not backend:
        raise TranslationError("a chardev needs a backend: chardev-add BACKEND,id=ID,...", "args")
    if "id" not in options:
        raise TranslationError("a chardev needs an id: chardev-add BACKEND,id=ID,...", "args")
    if options.get("mux") == "on":
        ctx.notes.append("mux=on takes a second chardev-add of type mux in QMP")
    renames = RENAMES.get(backend, {})
    data: dict[str, Any] = {renames.get(k, k): v for k, v in options.items() if k not in NOT_DATA}
    if backend == "socket":
        data = _socket(data)
    elif backend == "udp":
        data = _udp(data)
    arguments = {"id": options["id"], "backend": {"type": backend, "data": data}}
    return ctx.typed_arguments("chardev-add", arguments, "args")


def _inet(host: Any, port: Any) -> JSONObject:
    return {"type": "inet", "data": {"host": host or "localhost", "port": str(port)}}


def _socket(data: dict[str, Any]) -> dict[str, Any]:
    if "path" in data:
        address: JSONObject = {"type": "unix", "data": {"path": data.pop("path")}}
    elif "fd" in data:
        address = {"type": "fd", "data": {"str": data.pop("fd")}}
    elif "port" in data:
        address = _inet(data.pop("host", ""), data.pop("port"))
    else:
        raise TranslationError("a socket chardev needs path=, port= or fd=", "args")
    data.pop("host", None)
    server = data.pop("server", "off") in ("on", "yes", "true", "")
    result: dict[str, Any] = {"addr": address, **data, "server": "on" if server else "off"}
    if server:
        result["wait"] = data.get("wait", "on")
    else:
        result.pop("wait", None)
    return result


def _udp(data: dict[str, Any]) -> dict[str, Any]:
    result: dict[str, Any] = {"remote": _inet(data.pop("host", ""), data.pop("port", ""))}
    if "localaddr" in data or "localport" in data:
        result["local"] = _inet(data.pop("localaddr", ""), data.pop("localport", "0"))
    return {**result, **data}
