"""A reply that is a list of flat objects (query-cpus-fast, query-chardev ...) as a table.

Nested objects become dotted columns ("props.core-id"); a short list of scalars fits in a cell as compact JSON.
Anything else (lists of objects, deep nesting, more columns than the width can show) is not a table: the caller
falls back to JSON, because a table that hides or mangles data is worse than none.
"""

from __future__ import annotations

from io import StringIO
from typing import Any

from vdbgsh.render.highlight import BOOLEAN, NULL, NUMBER
from vdbgsh.render.json_text import compact
from vdbgsh.render.untrusted import untrusted_line

MAX_DEPTH = 2  # "a.b.c" at most
MAX_LIST_CELL = 40  # characters of compact JSON a list may take in one cell
MIN_COLUMNS = 6
COLUMN_WIDTH = 10  # a column needs about this much room to stay readable: width // 10 columns at most
GAP = 3  # spaces between columns with box.SIMPLE_HEAD and padding (0, 1)

_SCALARS = (str, int, float, bool, type(None))


class _NotTabular(Exception):
    pass


def _flatten(obj: dict[str, Any], prefix: str, depth: int, row: dict[str, Any]) -> None:
    for key, item in obj.items():
        name = prefix + key
        if name in row:  # {"a.b": 1, "a": {"b": 2}}: two values for one column
            raise _NotTabular
        if isinstance(item, dict) and item:
            if depth >= MAX_DEPTH:
                raise _NotTabular
            _flatten(item, name + ".", depth + 1, row)
        elif isinstance(item, list):
            if not all(isinstance(element, _SCALARS) for element in item) or len(_compact(item)) > MAX_LIST_CELL:
                raise _NotTabular
            row[name] = item
        else:
            row[name] = item  # a scalar, or an empty object (shown as "{}")


def _compact(value: Any) -> str:
    return compact(value)


def flatten_rows(value: Any) -> tuple[list[str], list[dict[str, Any]]] | None:
    """(columns in first-seen order, one flat dict per row), or None when ``value`` is no list of objects."""
    if not isinstance(value, list) or not value or not all(isinstance(item, dict) for item in value):
        return None
    rows: list[dict[str, Any]] = []
    try:
        for item in value:
            row: dict[str, Any] = {}
            _flatten(item, "", 0, row)
            rows.append(row)
    except _NotTabular:
        return None
    columns = list(dict.fromkeys(key for row in rows for key in row))
    return (columns, rows) if columns else None


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


def as_table(value: Any, width: int, colour: bool = True) -> str | None:
    """``value`` as a table ``width`` columns wide (ANSI styled when ``colour``), or None if it is not tabular."""
    flat = flatten_rows(value)
    if flat is None:
        return None
    columns, rows = flat
    if len(columns) > max(MIN_COLUMNS, width // COLUMN_WIDTH):
        return None
    # Imported here: rich costs tens of milliseconds to import, and only the table view needs it.
    from rich import box
    from rich.console import Console
    from rich.style import Style
    from rich.table import Table
    from rich.text import Text

    # The JSON highlighter's palette, so a value looks the same in both views.
    palette = {"": Style(), NUMBER: Style(color="cyan"), BOOLEAN: Style(color="yellow"), NULL: Style(color="magenta")}
    table = Table(box=box.SIMPLE_HEAD, header_style="bold", show_edge=False, pad_edge=False)
    cells = [[_cell(row[column]) if column in row else ("", "") for column in columns] for row in rows]
    natural = sum(
        max(len(untrusted_line(column)), *(len(line[index][0]) for line in cells))
        for index, column in enumerate(columns)
    ) + GAP * (len(columns) - 1)
    for column in columns:
        # Rich breaks a header only at spaces: when the table is too wide, break dotted headers after their dots
        # rather than let rich cut "props.socket-id" anywhere.
        shown = untrusted_line(column)  # a member's name is QEMU's too
        header = shown.replace(".", ".\n") if natural > width else shown
        # Text, not str: a str header or cell would be parsed as rich markup ("[0]" in a qom-path would vanish).
        table.add_column(Text(header), overflow="fold", justify="right" if _numeric(column, rows) else "left")
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
