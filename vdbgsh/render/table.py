"""A reply that is a list of objects (query-cpus-fast, query-block-jobs, query-named-block-nodes ...) as a table.

Nested objects become dotted columns ("props.core-id", "image.format-specific.data.compat"); a list of scalars
fits in a cell as compact JSON; a list of objects inside a row becomes a table of its own below, named after the
row it belongs to (one table per level). Columns that do not fit the width are left out, and a note names them:
never dropped silently, never squeezed until a cell reads one letter a row. What is no list of objects (one
object, a list of strings) is the caller's to show as JSON, with a word saying why.
"""

from __future__ import annotations

from io import StringIO
from typing import Any, NamedTuple

from vdbgsh.render.highlight import BOOLEAN, NULL, NUMBER
from vdbgsh.render.json_text import compact
from vdbgsh.render.untrusted import untrusted_line

MAX_DEPTH = 6  # "a.b.c.d.e.f" at most: deeper than any QEMU reply nests in practice
MAX_TABLES = 40  # sub-tables of one reply: past that (the whole schema) JSON reads better
MIN_CELL = 8  # a column is given at least this much room for its cells (less if its widest cell is shorter)
GAP = 3  # spaces between columns with box.SIMPLE_HEAD and padding (0, 1)
# Members that say which thing a row is: kept first when columns must be left out, and naming sub-tables.
IDENTIFYING = ("id", "job-id", "device", "node-name", "name", "label", "qom-path", "cpu-index", "type")
EMPTY = "no rows: the reply is an empty list"

_SCALARS = (str, int, float, bool, type(None))


class _NotTabular(Exception):
    pass


class _Nested(NamedTuple):
    """A list of objects inside a row: shown as its own table below the row's."""

    title: str
    value: list[Any]


def _flatten(obj: dict[str, Any], prefix: str, depth: int, row: dict[str, Any], nested: list[tuple[str, Any]]) -> None:
    for key, item in obj.items():
        name = prefix + key
        if name in row:  # {"a.b": 1, "a": {"b": 2}}: two values for one column
            raise _NotTabular
        if isinstance(item, dict) and item:
            if depth >= MAX_DEPTH:
                raise _NotTabular
            _flatten(item, name + ".", depth + 1, row, nested)
        elif isinstance(item, list) and item and all(isinstance(element, dict) for element in item):
            nested.append((name, item))
        else:
            row[name] = item  # a scalar, a list of scalars, or an empty object or list


def _compact(value: Any) -> str:
    return compact(value)


def flatten_rows(value: Any) -> tuple[list[str], list[dict[str, Any]]] | None:
    """(columns in first-seen order, one flat dict per row), or None when ``value`` is no list of objects.
    Lists of objects inside the rows are left out here (``as_table`` shows them as tables of their own)."""
    flat = _flat_rows(value)
    return None if flat is None else (flat[0], flat[1])


def _flat_rows(value: Any) -> tuple[list[str], list[dict[str, Any]], list[_Nested]] | None:
    if not isinstance(value, list) or not value or not all(isinstance(item, dict) for item in value):
        return None
    rows: list[dict[str, Any]] = []
    nested: list[_Nested] = []
    try:
        for index, item in enumerate(value):
            row: dict[str, Any] = {}
            inside: list[tuple[str, Any]] = []
            _flatten(item, "", 0, row, inside)
            rows.append(row)
            nested += [_Nested(f"{path} of {_row_name(row, index)}", items) for path, items in inside]
    except _NotTabular:
        return None
    columns = list(dict.fromkeys(key for row in rows for key in row))
    return columns, rows, nested


def _row_name(row: dict[str, Any], index: int) -> str:
    for key in IDENTIFYING:
        if isinstance(row.get(key), str | int) and not isinstance(row.get(key), bool):
            return f"{key} {untrusted_line(str(row[key]))}"
    return f"row {index + 1}"


def _cell(value: Any) -> tuple[str, str]:
    """(text, ANSI colour) of one cell; strings read better without JSON quotes (and are shown neutralised, on
    one line: rich keeps ESC and most controls as they are)."""
    if isinstance(value, str):
        return untrusted_line(value), ""
    if isinstance(value, bool):
        return ("true" if value else "false"), BOOLEAN
    if value is None:
        return "null", NULL
    if isinstance(value, int | float):
        return _compact(value), NUMBER
    return _compact(value), ""


def _numeric(column: str, rows: list[dict[str, Any]]) -> bool:
    present = [row[column] for row in rows if column in row]
    return all(isinstance(item, int | float) and not isinstance(item, bool) for item in present)


def _header_room(column: str) -> int:
    """The narrowest a header goes: broken after its dots, never inside a name."""
    return max(len(part) for part in untrusted_line(column).replace(".", ".\n").split("\n"))


def _fitting(columns: list[str], cells: list[list[tuple[str, str]]], width: int) -> list[int]:
    """The indices of the columns that fit in ``width``: those naming the row first, then the row's own members
    before those of objects inside it, each in order."""
    needs = [
        max(_header_room(column), min(MIN_CELL, max((len(line[index][0]) for line in cells), default=0)))
        for index, column in enumerate(columns)
    ]
    order = sorted(range(len(columns)), key=lambda i: (columns[i] not in IDENTIFYING, columns[i].count("."), i))
    kept: list[int] = []
    used = -GAP
    for index in order:
        if used + GAP + needs[index] <= width or not kept:
            kept.append(index)
            used += GAP + needs[index]
    return sorted(kept)


def as_table(value: Any, width: int, colour: bool = True) -> str | None:
    """``value`` as a table ``width`` columns wide (ANSI styled when ``colour``), or None if it is not tabular."""
    if isinstance(value, list) and not value:
        return EMPTY
    tables: list[str] = []
    if not _tables(value, "", width, colour, tables):
        return None
    return "\n\n".join(tables)


def _tables(value: Any, title: str, width: int, colour: bool, out: list[str]) -> bool:
    flat = _flat_rows(value)
    if flat is None:
        return False
    columns, rows, nested = flat
    if len(out) + 1 + len(nested) > MAX_TABLES:
        return False
    cells = [[_cell(row[column]) if column in row else ("", "") for column in columns] for row in rows]
    kept = _fitting(columns, cells, width) if columns else []
    text = [_title(title, colour)] if title else []
    if kept:
        text.append(
            _render([columns[i] for i in kept], [[line[i] for i in kept] for line in cells], rows, width, colour)
        )
    left_out = [untrusted_line(columns[i]) for i in range(len(columns)) if i not in kept]
    if left_out:
        import textwrap

        from vdbgsh.render.ansi import DIM, paint

        note = f"not shown, too wide for {width} columns: {', '.join(left_out)} (:output pretty shows them)"
        for row in textwrap.wrap(note, width, break_long_words=False, break_on_hyphens=False):
            text.append(paint(row, DIM, colour))
    out.append("\n".join(text))
    return all(_tables(inner.value, inner.title, width, colour, out) for inner in nested)


def _title(title: str, colour: bool) -> str:
    from vdbgsh.render.ansi import BOLD, paint

    return paint(title + ":", BOLD, colour)


def _render(
    columns: list[str], cells: list[list[tuple[str, str]]], rows: list[dict[str, Any]], width: int, colour: bool
) -> str:
    # Imported here: rich costs tens of milliseconds to import, and only the table view needs it.
    from rich import box
    from rich.console import Console
    from rich.style import Style
    from rich.table import Table
    from rich.text import Text

    # The JSON highlighter's palette, so a value looks the same in both views.
    palette = {"": Style(), NUMBER: Style(color="cyan"), BOOLEAN: Style(color="yellow"), NULL: Style(color="magenta")}
    table = Table(box=box.SIMPLE_HEAD, header_style="bold", show_edge=False, pad_edge=False)
    natural = sum(
        max(len(untrusted_line(column)), *(len(line[index][0]) for line in cells))
        for index, column in enumerate(columns)
    ) + GAP * (len(columns) - 1)
    for index, column in enumerate(columns):
        # Rich breaks a header only at spaces: when the table is too wide, break dotted headers after their dots
        # rather than let rich cut "props.socket-id" anywhere.
        shown = untrusted_line(column)  # a member's name is QEMU's too
        header = shown.replace(".", ".\n") if natural > width else shown
        room = max(_header_room(column), min(MIN_CELL, max(len(line[index][0]) for line in cells)))
        # Text, not str: a str header or cell would be parsed as rich markup ("[0]" in a qom-path would vanish).
        table.add_column(
            Text(header), overflow="fold", min_width=room, justify="right" if _numeric(column, rows) else "left"
        )
    for line in cells:
        table.add_row(*(Text(text, style=palette[code]) for text, code in line))
    buffer = StringIO()
    console = Console(
        file=buffer,
        force_terminal=colour,
        color_system="standard" if colour else None,
        width=width,
        highlight=False,
        legacy_windows=False,
    )
    console.print(table)
    # Rich pads every line to the table's width; trailing blanks only get in the way of copy and paste.
    return "\n".join(line.rstrip() for line in buffer.getvalue().rstrip("\n").split("\n"))
