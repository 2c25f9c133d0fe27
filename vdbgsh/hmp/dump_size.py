"""How much text an HMP memory dump (``x``/``xp``) prints, estimated before it is sent.

Through libvirt a reply is one RPC string: past ~4 MiB the command fails, and past 10 MiB libvirtd gives up the
guest's monitor for good (every later command fails until the guest is restarted). A dump's size follows from its
format, so vdbgsh can refuse the dangerous ones before QEMU writes them.
"""

from __future__ import annotations

from vdbgsh.transport.base import JSONObject
from vdbgsh.transport.limits import LIBVIRT_REPLY_LIMIT_MIB

LINE_PREFIX = 24  # "0000000000000000:" and the line end (\r\n, escaped again in JSON)
MARGIN = 1.05  # measured: xp /1400000xb printed 10.7 MB (175,000 lines), this estimates 11.8 MB
LINE_BYTES = 8  # bytes of memory per line for the numeric formats, as QEMU prints them
INSTRUCTION_CHARS = 64  # a disassembled instruction, its address and padding: generous


def dump_refusal(command: str, hmp_args: JSONObject) -> list[str] | None:
    """Through libvirt: why a memory dump is refused before QEMU writes it, and how much would fit; None when
    ``command`` is no dump or its text fits."""
    if command not in ("x", "xp"):
        return None
    size = dump_bytes(hmp_args)
    limit = LIBVIRT_REPLY_LIMIT_MIB * 1024 * 1024
    if size <= limit:
        return None
    count = hmp_args.get("count")
    fitting = int(count * limit / size) if isinstance(count, int) else 0
    step = 10 ** max(0, len(str(fitting)) - 2)
    fitting -= fitting % step  # a round number to type: 490,000 rather than 499,321
    return [
        f"refused: {command} would print about {size / 1e6:.0f} MB, and through libvirt a reply over "
        f"{LIBVIRT_REPLY_LIMIT_MIB} MiB fails (past 10 MiB libvirtd gives up this guest's monitor until it restarts)",
        f"hint: ask for at most {fitting:,} at a time, or use --qmp on a plain QEMU",
    ]


def dump_bytes(hmp_args: JSONObject) -> int:
    """An upper estimate of the text an ``x``/``xp`` with these (parsed) arguments prints."""
    count = hmp_args.get("count")
    size = hmp_args.get("size")
    form = hmp_args.get("format")
    if not isinstance(count, int) or count <= 0:
        return 0
    if form == "i":
        return count * INSTRUCTION_CHARS
    width = size if isinstance(size, int) and size > 0 else 4
    if form == "c":
        per_item, per_line = 4, 16  # a character, escaped at worst
    else:
        digits = {"d": 3 * width, "u": 3 * width, "o": -(-8 * width // 3)}.get(str(form), 2 * width)
        per_item, per_line = 3 + digits, max(1, LINE_BYTES // width)  # " 0x" and the digits
    lines = -(-count // per_line)
    return round((count * per_item + lines * LINE_PREFIX) * MARGIN)
