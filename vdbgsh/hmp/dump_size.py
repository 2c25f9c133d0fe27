"""How much text an HMP memory dump (``x``/``xp``) prints, estimated before it is sent.

Through libvirt a reply is one RPC string: past ~4 MiB the command fails, and past 10 MiB libvirtd gives up the
guest's monitor for good (every later command fails until the guest is restarted). A dump's size follows from its
format, so vdbgsh can refuse the dangerous ones before QEMU writes them.
"""

from __future__ import annotations

from vdbgsh.transport.base import JSONObject
from vdbgsh.transport.limits import LIBVIRT_REPLY_LIMIT_MIB

# "0000000000000000:" and the line end (\r\n, escaped again in JSON: 4 characters): the address's digits and 5.
LINE_PREFIX_BEYOND_ADDRESS = 5
ADDRESS_DIGITS = 16  # x prints the target's long (x86_64: 16 hex digits); so did xp, up to QEMU 10.2
XP_SHORT_ADDRESSES = (11, 0)  # measured: 11.1's xp prints 8 digits (10.2's HWADDR_FMT_plx is still %016)
MARGIN = 1.05  # measured on 7.2: xp /1400000xb printed 10.7 MB (175,000 lines), this estimates 11.2 MB
LINE_BYTES = 8  # bytes of memory per line for the numeric formats, as QEMU prints them
INSTRUCTION_CHARS = 64  # a disassembled instruction, its address and padding: generous


def _refusal(command: str, size: int, count: int, limit_mib: float) -> list[str] | None:
    limit = limit_mib * 1024 * 1024
    if size <= limit:
        return None
    fitting = int(count * limit / size)
    step = 10 ** max(0, len(str(fitting)) - 2)
    fitting -= fitting % step  # a round number to type: 490,000 rather than 499,321
    return [
        f"refused: {command} would print about {size / 1e6:.0f} MB, and through libvirt a reply over "
        f"{LIBVIRT_REPLY_LIMIT_MIB} MiB fails (past 10 MiB libvirtd gives up this guest's monitor until it restarts)",
        f"hint: ask for at most {fitting:,} at a time, or use --qmp on a plain QEMU",
    ]


def address_digits(command: str, qemu: tuple[int, ...] | None) -> int:
    """How many hex digits ``command`` (x or xp) prints each line's address with; the most when QEMU is unknown."""
    return 8 if command == "xp" and qemu is not None and tuple(qemu[:2]) >= XP_SHORT_ADDRESSES else ADDRESS_DIGITS


def dump_bytes(hmp_args: JSONObject, digits: int = ADDRESS_DIGITS) -> int:
    """An upper estimate of the text an ``x``/``xp`` with these (parsed) arguments prints, its addresses having
    ``digits`` hex digits."""
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
        value_digits = {"d": 3 * width, "u": 3 * width, "o": -(-8 * width // 3)}.get(str(form), 2 * width)
        per_item, per_line = 3 + value_digits, max(1, LINE_BYTES // width)  # " 0x" and the digits
    lines = -(-count // per_line)
    return round((count * per_item + lines * (digits + LINE_PREFIX_BEYOND_ADDRESS)) * MARGIN)


# What QEMU may have kept from an earlier x/xp (its defaults are the monitor's, and libvirt's monitor is shared):
# when a line leaves the format or the size out, the worst of them is assumed.
_ANY_FORMAT = "xduoci"
_ANY_SIZE = (1, 2, 4, 8)
_SIZE_LETTERS = {"b": 1, "h": 2, "w": 4, "g": 8, "L": 8}


def line_dump_bytes(command_line: str, qemu: tuple[int, ...] | None = None) -> tuple[str, int, int] | None:
    """The command (x or xp), its count and an upper estimate of the text the HMP line ``command_line`` prints
    on QEMU ``qemu`` (its version; None: unknown); None when it is another command. Only the ``/FMT`` is read,
    never the address: ``xp /1500000xb $pc`` is as big as with 0."""
    from vdbgsh.hmp.arguments import split_command

    name, pos = split_command(command_line)
    if name not in ("x", "xp"):
        return None
    width = address_digits(name, qemu)
    while pos < len(command_line) and command_line[pos] in " \t\n\v\f\r":
        pos += 1
    if pos >= len(command_line) or command_line[pos] != "/":
        return name, 1, dump_bytes({"count": 1, "format": "i", "size": -1}, width)  # no format: one unit
    pos += 1
    digits = pos
    while pos < len(command_line) and command_line[pos] in "0123456789":
        pos += 1
    count = int(command_line[digits:pos]) if pos > digits else 1
    if count & 0x80000000:  # HMP keeps the count in a C int: past 2**31 it is negative and prints nothing
        return name, count, 0
    count &= 0xFFFFFFFF
    forms, sizes = "", list(_ANY_SIZE)
    while pos < len(command_line) and (command_line[pos] in _ANY_FORMAT or command_line[pos] in _SIZE_LETTERS):
        letter = command_line[pos]
        if letter in _SIZE_LETTERS:
            sizes = [_SIZE_LETTERS[letter]]
        else:
            forms = letter
        pos += 1
    size = max(
        dump_bytes({"count": count, "format": form, "size": unit}, width)
        for form in forms or _ANY_FORMAT
        for unit in sizes
    )
    return name, count, size


def line_dump_refusal(
    command_line: str, *, limit_mib: float = LIBVIRT_REPLY_LIMIT_MIB, qemu: tuple[int, ...] | None = None
) -> list[str] | None:
    """Why a memory dump is refused before QEMU writes it, and how much would fit, for an HMP line as it will be
    sent (typed bare, or inside human-monitor-command); past
    ``limit_mib`` (libvirt's 4 MiB, or the 10 MiB past which it drops the monitor for a line sent with '!')."""
    found = line_dump_bytes(command_line, qemu)
    if found is None:
        return None
    name, count, size = found
    return _refusal(name, size, count, limit_mib)
