"""What a rename or a fixed member cannot say: HMP arguments whose QMP shape differs.

Each converter takes the generic arguments (already renamed) and the translation context, and returns the
QMP request(s). Values that HMP leaves as strings and QMP wants typed are typed from the guest's schema.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from vdbgsh.hmp.context import Context, TranslationError
from vdbgsh.hmp.shape_names import ShapeName
from vdbgsh.syntax.json_request import load_json
from vdbgsh.transport.base import JSONObject

Shape = Callable[[JSONObject, Context], list[JSONObject]]

MOUSE_BUTTONS = ((1, "left"), (2, "middle"), (4, "right"))


def _request(command: str, arguments: JSONObject | None = None) -> JSONObject:
    return {"execute": command, "arguments": arguments} if arguments else {"execute": command}


def change(args: JSONObject, ctx: Context) -> list[JSONObject]:
    # One HMP command, two QMP ones: "change vnc password SECRET" sets the VNC password.
    if args["device"] == "vnc":
        if args.get("target") not in ("password", "passwd"):
            raise TranslationError("change vnc takes: change vnc password PASSWORD", "target")
        if "arg" not in args:
            raise TranslationError("change vnc password needs the password on the line (HMP would prompt)", "arg")
        return [_request("change-vnc-password", {"password": args["arg"]})]
    arguments: JSONObject = {"device": args["device"], "filename": args["target"]}
    if "arg" in args:
        arguments["format"] = args["arg"]
    arguments["force"] = bool(args.get("force", False))
    if "read-only-mode" in args:
        arguments["read-only-mode"] = args["read-only-mode"]
    return [_request("blockdev-change-medium", arguments)]


def sendkey(args: JSONObject, ctx: Context) -> list[JSONObject]:
    keys = []
    for name in str(args["keys"]).split("-"):
        if name.lower().startswith("0x"):
            try:
                keys.append({"type": "number", "data": int(name, 16)})
            except ValueError:
                raise TranslationError(f"'{name}' is not a key code", "keys") from None
        elif name:
            keys.append({"type": "qcode", "data": "less" if name == "<" else name})
        else:
            raise TranslationError("empty key name (keys are joined with '-': ctrl-alt-f1)", "keys")
    arguments: JSONObject = {"keys": keys}
    if "hold-time" in args:
        arguments["hold-time"] = args["hold-time"]
    return [_request("send-key", arguments)]


def _strtol(text: str, what: str) -> int:
    try:
        return int(text, 0)
    except ValueError:
        raise TranslationError(f"'{text}' is not a number", what) from None


def mouse_move(args: JSONObject, ctx: Context) -> list[JSONObject]:
    events: list[JSONObject] = [
        {"type": "rel", "data": {"axis": "x", "value": _strtol(args["dx_str"], "dx_str")}},
        {"type": "rel", "data": {"axis": "y", "value": _strtol(args["dy_str"], "dy_str")}},
    ]
    dz = _strtol(args["dz_str"], "dz_str") if "dz_str" in args else 0
    if dz:
        wheel = "wheel-up" if dz > 0 else "wheel-down"
        events += [
            {"type": "btn", "data": {"button": wheel, "down": True}},
            {"type": "btn", "data": {"button": wheel, "down": False}},
        ]
    return [_request("input-send-event", {"events": events})]


def mouse_button(args: JSONObject, ctx: Context) -> list[JSONObject]:
    # HMP remembers the last state and sends press/release only for the buttons that changed.
    state = int(args["button_state"])
    events = [
        {"type": "btn", "data": {"button": name, "down": bool(state & bit)}}
        for bit, name in MOUSE_BUTTONS
        if (state ^ ctx.mouse_buttons) & bit
    ]
    ctx.mouse_buttons = state
    return [_request("input-send-event", {"events": events})] if events else []


def current_cpu(args: JSONObject, ctx: Context) -> list[JSONObject]:
    return [_request(ctx.entry_qmp, {**args, "cpu-index": ctx.cpu_index})]


def announce_self(args: JSONObject, ctx: Context) -> list[JSONObject]:
    # QMP wants the timing HMP copies from the migration parameters; these are their defaults.
    arguments: JSONObject = {"initial": 50, "max": 550, "rounds": 5, "step": 100}
    if "interfaces" in args:
        arguments["interfaces"] = str(args["interfaces"]).split(",")
    if "id" in args:
        arguments["id"] = args["id"]
    ctx.notes.append("announce timing is QEMU's default (50/550/5/100 ms); HMP copies the migration parameters")
    return [_request("announce-self", arguments)]


def migrate_set_capability(args: JSONObject, ctx: Context) -> list[JSONObject]:
    capability = {"capability": args["capability"], "state": args["state"]}
    return [_request("migrate-set-capabilities", {"capabilities": [capability]})]


def migrate_set_parameter(args: JSONObject, ctx: Context) -> list[JSONObject]:
    name, text = str(args["parameter"]), str(args["value"])
    if name in ("max-bandwidth", "avail-switchover-bandwidth"):
        # HMP reads these two with its MiB-default size parser; the other sizes default to bytes.
        from vdbgsh.hmp.sizes import parse_size

        value: Any = parse_size(text)
    else:
        value = ctx.typed_member("migrate-set-parameters", name, text, "parameter")
    return [_request("migrate-set-parameters", {name: value})]


def dump_guest_memory(args: JSONObject, ctx: Context) -> list[JSONObject]:
    formats = [
        fmt
        for flag, fmt in (
            ("windmp", "win-dmp"),
            ("zlib", "kdump-zlib"),
            ("lzo", "kdump-lzo"),
            ("snappy", "kdump-snappy"),
        )
        if args.get(flag)
    ]
    if len(formats) > 1:
        raise TranslationError("only one of -w, -z, -l, -s", "zlib")
    arguments: JSONObject = {"paging": bool(args.get("paging", False)), "protocol": f"file:{args['filename']}"}
    if args.get("detach"):
        arguments["detach"] = True
    for key in ("begin", "length"):
        if key in args:
            arguments[key] = args[key]
    fmt = formats[0] if formats else "elf"
    if args.get("raw") and fmt.startswith("kdump-"):  # -R (QEMU 8.2): kdump without makedumpfile's flattening
        fmt = fmt.replace("kdump-", "kdump-raw-", 1)
    arguments["format"] = fmt
    return [_request("dump-guest-memory", arguments)]


def reuse_mode(args: JSONObject, ctx: Context) -> list[JSONObject]:
    arguments = {key: value for key, value in args.items() if key not in ("reuse", "full")}
    arguments["mode"] = "existing" if args.get("reuse") else "absolute-paths"
    return [_request(ctx.entry_qmp, arguments)]


def reuse_mode_sync(args: JSONObject, ctx: Context) -> list[JSONObject]:
    (request,) = reuse_mode(args, ctx)
    arguments = request["arguments"]
    arguments["sync"] = "full" if args.get("full") else "top"
    if "compress" in arguments and not arguments["compress"]:
        del arguments["compress"]
    # The order QEMU's HMP handler builds them in: device, target, format, sync, mode, compress.
    ordered = {key: arguments[key] for key in ("device", "target", "format", "sync", "mode") if key in arguments}
    return [_request(ctx.entry_qmp, {**ordered, **arguments})]


def nbd_server_start(args: JSONObject, ctx: Context) -> list[JSONObject]:
    uri = str(args["uri"])
    if uri.startswith("unix:"):
        address: JSONObject = {"type": "unix", "data": {"path": uri[len("unix:") :]}}
    else:
        host, sep, port = uri.rpartition(":")
        if not sep or not port:
            raise TranslationError("expected HOST:PORT or unix:PATH", "uri")
        address = {"type": "inet", "data": {"host": host.strip("[]"), "port": port}}
    requests = [_request("nbd-server-start", {"addr": address})]
    if args.get("all"):
        ctx.notes.append("-a exports every block device: run nbd_server_add for each (query-block lists them)")
    return requests


def nbd_server_remove(args: JSONObject, ctx: Context) -> list[JSONObject]:
    arguments: JSONObject = {"name": args["name"]}
    if args.get("force"):
        arguments["mode"] = "hard"
    return [_request("nbd-server-remove", arguments)]


def calc_dirty_rate(args: JSONObject, ctx: Context) -> list[JSONObject]:
    if args.get("dirty_ring") and args.get("dirty_bitmap"):
        raise TranslationError("-r and -b exclude each other", "dirty_ring")
    arguments: JSONObject = {"calc-time": args["second"]}
    if "sample_pages_per_GB" in args:
        arguments["sample-pages"] = args["sample_pages_per_GB"]
    mode = "dirty-ring" if args.get("dirty_ring") else "dirty-bitmap" if args.get("dirty_bitmap") else "page-sampling"
    arguments["mode"] = mode
    return [_request("calc-dirty-rate", arguments)]


def qom_set(args: JSONObject, ctx: Context) -> list[JSONObject]:
    text = str(args["value"])
    if args.get("json"):
        try:
            value: Any = load_json(text)
        except ValueError as err:
            raise TranslationError(f"-j takes JSON: {err.args[0]}", "value") from None
    else:
        # Without -j HMP parses the text with the property's own parser: a JSON literal is the closest typing.
        try:
            value = load_json(text)
        except ValueError:
            value = text
    return [_request("qom-set", {"path": args["path"], "property": args["property"], "value": value})]


def info_block(args: JSONObject, ctx: Context) -> list[JSONObject]:
    return [_request("query-named-block-nodes" if ctx.hmp_args.get("nodes") else "query-block")]


def info_stats(args: JSONObject, ctx: Context) -> list[JSONObject]:
    arguments: JSONObject = {"target": args["target"]}
    if args["target"] == "vcpu":
        arguments["vcpus"] = [ctx.cpu_path]
    if "provider" in args or "names" in args:
        names = str(args.get("names", "*"))
        request: JSONObject = {"provider": args.get("provider", "kvm")}
        if names != "*":
            request["names"] = names.split(",")
        arguments["providers"] = [request]
    return [_request("query-stats", arguments)]


def device_add(args: JSONObject, ctx: Context) -> list[JSONObject]:
    options = dict(args.get("device", {}))  # O arguments are optional to HMP's parser
    driver = options.get("driver")
    if not driver:
        raise TranslationError("device_add needs a driver: device_add DRIVER,id=ID,...", "device")
    if driver == "help" or "help" in options:
        raise TranslationError("device_add help is HMP's own: use help device_add, or qom-list-types", "device")
    return [_request("device_add", ctx.typed_device_properties(str(driver), options))]


def netdev_add(args: JSONObject, ctx: Context) -> list[JSONObject]:
    options = dict(args.get("netdev", {}))
    if not options.get("type"):
        raise TranslationError("netdev_add needs a type: netdev_add user,id=n0,...", "netdev")
    return [_request("netdev_add", ctx.typed_arguments("netdev_add", options, "netdev"))]


def object_add(args: JSONObject, ctx: Context) -> list[JSONObject]:
    from vdbgsh.hmp.opts import parse_keyval

    text = str(args["object"])
    options = parse_keyval(text, "qom-type")
    if text.lstrip().startswith("{"):
        return [_request("object-add", options)]
    return [_request("object-add", ctx.typed_arguments("object-add", options, "object"))]


def chardev_add(args: JSONObject, ctx: Context) -> list[JSONObject]:
    from vdbgsh.hmp.chardev import chardev_arguments
    from vdbgsh.hmp.opts import parse_qemu_opts

    options = parse_qemu_opts(str(args["args"]), "backend")
    if "id" in args:  # chardev-change names the chardev apart from its options
        options["id"] = args["id"]
    return [_request(ctx.entry_qmp, chardev_arguments(options, ctx))]


SHAPES: dict[ShapeName, Shape] = {
    ShapeName.CHANGE: change,
    ShapeName.SENDKEY: sendkey,
    ShapeName.MOUSE_MOVE: mouse_move,
    ShapeName.MOUSE_BUTTON: mouse_button,
    ShapeName.CURRENT_CPU: current_cpu,
    ShapeName.ANNOUNCE_SELF: announce_self,
    ShapeName.MIGRATE_SET_CAPABILITY: migrate_set_capability,
    ShapeName.MIGRATE_SET_PARAMETER: migrate_set_parameter,
    ShapeName.DUMP_GUEST_MEMORY: dump_guest_memory,
    ShapeName.REUSE_MODE: reuse_mode,
    ShapeName.REUSE_MODE_SYNC: reuse_mode_sync,
    ShapeName.NBD_SERVER_START: nbd_server_start,
    ShapeName.NBD_SERVER_REMOVE: nbd_server_remove,
    ShapeName.CALC_DIRTY_RATE: calc_dirty_rate,
    ShapeName.QOM_SET: qom_set,
    ShapeName.INFO_BLOCK: info_block,
    ShapeName.INFO_STATS: info_stats,
    ShapeName.DEVICE_ADD: device_add,
    ShapeName.NETDEV_ADD: netdev_add,
    ShapeName.OBJECT_ADD: object_add,
    ShapeName.CHARDEV_ADD: chardev_add,
}
