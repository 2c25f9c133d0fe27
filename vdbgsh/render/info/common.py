"""What the ``info`` views share: QEMU's size format, the painting style, and layouts of ``key: value`` lines."""

from __future__ import annotations

import math
from collections.abc import Callable, Iterable, Mapping, Sequence
from typing import Any, NamedTuple

from vdbgsh.render.ansi import BOLD, DIM, paint, strip_ansi
from vdbgsh.render.highlight import BOOLEAN, NUMBER, STRING
from vdbgsh.render.json_text import compact

_IEC_PREFIXES = ("", "Ki", "Mi", "Gi", "Ti", "Pi", "Ei")
LABEL_COLUMN = 22  # where values start after labels such as "    Cache mode:" (HMP aligns them by hand)


def size_to_str(size: int) -> str:
    """A byte count as QEMU prints it ("1 GiB", "785 KiB", "64.5 MiB"): three significant digits, IEC units."""
    # Dividing by 1000/1024 switches to the next unit from 1000 on, so the number keeps three digits at most.
    exponent = math.frexp(size / (1000 / 1024))[1]
    power = min(max(0, (exponent - 1) // 10), len(_IEC_PREFIXES) - 1)
    number = f"{size / (1 << (10 * power)):.3g}"
    if "e" in number and power + 1 < len(_IEC_PREFIXES):  # 999.6 KiB rounds to "1e+03": say "0.977 MiB"
        power += 1
        number = f"{size / (1 << (10 * power)):.3g}"
    return f"{number} {_IEC_PREFIXES[power]}B"


class Style(NamedTuple):
    """How text gets painted, and the width it must fit."""

    colour: bool
    width: int

    def name(self, text: object) -> str:
        return paint(str(text), BOLD, self.colour)

    def num(self, number: object) -> str:
        return paint(str(number), NUMBER, self.colour)

    def word(self, text: object) -> str:
        """A state word: running, on, enabled ..."""
        return paint(str(text), BOOLEAN, self.colour)

    def text(self, text: object) -> str:
        return paint(str(text), STRING, self.colour)

    def dim(self, text: str) -> str:
        return paint(text, DIM, self.colour)

    def onoff(self, flag: object) -> str:
        return self.word("on" if flag else "off")

    def size(self, size: int) -> str:
        return self.num(size_to_str(size))

    def value(self, value: Any) -> str:
        """Any JSON value, painted by its type; booleans as HMP writes them in lists of fields (true/false)."""
        if isinstance(value, bool):
            return self.word("true" if value else "false")
        if isinstance(value, int | float):
            return self.num(value)
        if isinstance(value, str):
            return self.text(value)
        return compact(value)


View = Callable[[Mapping[str, Any], Any, Style], list[str]]


def labelled(label: str, value: str, indent: int = 4) -> str:
    return " " * indent + f"{label}:".ljust(LABEL_COLUMN - indent) + value


def key_values(
    st: Style, record: Mapping[str, Any], keys: Iterable[str], rename: Mapping[str, str] | None = None
) -> list[str]:
    """``key=value`` for each of ``keys`` the record has (QMP leaves optional members out)."""
    names = rename or {}
    return [f"{names.get(key, key)}={st.value(record[key])}" for key in keys if key in record]


def wrapped(head: str, items: Sequence[str], width: int, indent: int) -> list[str]:
    """``head`` then the items, space-separated, over as many lines as ``width`` needs; continuation lines are
    indented by ``indent``. HMP prints such runs of ``key=value`` on one line however long."""
    lines: list[str] = []
    line = head
    for number, item in enumerate(items):
        if number and len(strip_ansi(line)) + 1 + len(strip_ansi(item)) > width:
            lines.append(line)
            line = " " * indent + item
        else:
            line += (" " if number else "") + item
    return [*lines, line]


def field_lines(st: Style, record: Mapping[str, Any], indent: int) -> list[str]:
    """Every member as ``key: value``, nested objects and lists of objects indented below their key.

    Dashes in keys become spaces ("compression type"), as in HMP's and qemu-img's generic dumps.
    """
    pad = " " * indent
    lines: list[str] = []
    for member, value in record.items():
        key = member.replace("-", " ")
        if isinstance(value, dict):
            lines += [f"{pad}{key}:", *field_lines(st, value, indent + 4)]
        elif isinstance(value, list) and any(isinstance(item, dict) for item in value):
            lines.append(f"{pad}{key}:")
            for number, item in enumerate(value):
                lines.append(f"{pad}    [{number}]:")
                lines += field_lines(st, item, indent + 8) if isinstance(item, dict) else [f"{pad}        {item}"]
        else:
            lines.append(f"{pad}{key}: {st.value(value)}")
    return lines


def in_order(record: Mapping[str, Any], order: Sequence[str], leave_out: Iterable[str] = ()) -> list[str]:
    """The record's keys in HMP's order, then any others (newer QEMUs add members); libvirt shuffles them."""
    known = [key for key in order if key in record]
    return known + [key for key in record if key not in order and key not in leave_out]


def empty_note(st: Style, message: str) -> list[str]:
    return [st.dim(message)]
