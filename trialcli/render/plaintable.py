"""Tables of text drawn as Rich draws them, by string operations, when no style is printed.

Rich lays out every cell through its general renderer (segments, padding, cropping, each
line shaped and measured again): `ae` of a registry record with 900 harms spent about a
second there, `show --full` as long. Without colour (piped, NO_COLOR) what Rich prints is
only each cell's words wrapped to its column's width, and `Quick` does just that: the
widths come from Rich (on a digest table holding, per column, the cells that set them, as
in trialcli.render.fasttable), the words are wrapped as Rich wraps them (fasttable's
`_fit`, with its copy of Rich's `divide_line`, and Rich's `Text.wrap` for any line that is not
plain ASCII). A cell may be a Text, an empty string, a Group of cells or a Padding that
indents one; any other cell, table feature or console is drawn by Rich itself.
tests/test_plaintable.py checks that both print the same text.
"""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from typing import cast

from rich.box import Box
from rich.cells import cell_len
from rich.console import Console, ConsoleOptions, Group, RenderableType, RenderResult
from rich.measure import Measurement
from rich.padding import Padding
from rich.segment import Segment
from rich.table import Column, Table
from rich.text import Text

from trialcli.render.fasttable import Divider, _fit, _padding, _single_width, divide_single

# A cell's measure: (its longest word, its longest line), as Rich measures it.
Measure = tuple[int, int]
# Narrower than this, a column is left to Rich and its corner cases.
MIN_INNER = 1


class Quick:
    """A Rich table that draws itself without Rich's layout when no style is printed."""

    def __init__(self, table: Table) -> None:
        self.table = table

    def __rich_console__(self, console: Console, options: ConsoleOptions) -> RenderResult:
        lines = plain_lines(self.table, console, options)
        if lines is None:
            yield self.table
        else:
            # A segment a line: Rich splits segments at each newline, copying what follows.
            yield from (Segment(line + "\n") for line in lines)

    def __rich_measure__(self, console: Console, options: ConsoleOptions) -> Measurement:
        return Measurement.get(console, options, self.table)


def quick(renderable: RenderableType) -> RenderableType:
    """`renderable` with every table in it (at the top or in a Group) drawn by `Quick`."""
    if isinstance(renderable, Table):
        return Quick(renderable)
    if isinstance(renderable, Group):
        return Group(*(quick(item) for item in renderable.renderables), fit=renderable.fit)
    return renderable


class _Measured:
    """Stands in for a cell in the digest table: measures as the cell, never drawn."""

    def __init__(self, measure: Measure) -> None:
        self.measure = measure

    def __rich_measure__(self, console: Console, options: ConsoleOptions) -> Measurement:
        return Measurement(*self.measure)

    def __rich_console__(self, console: Console, options: ConsoleOptions) -> RenderResult:
        yield from ()  # measured, never drawn


def plain_lines(table: Table, console: Console, options: ConsoleOptions) -> list[str] | None:
    """The lines Rich would print for `table`; None when this module cannot tell."""
    if console.color_system is not None or not _simple(table, console):
        return None
    cells = [[_as_text(cell, console) for cell in column._cells] for column in table.columns]
    headers = [_as_text(column.header, console) for column in table.columns]
    if table.show_header and any(_measure(header) is None for header in headers):
        return None
    found = [[_measure(cell) for cell in column] for column in cells]
    measures = [[m for m in column if m is not None] for column in found]
    if any(len(m) != len(f) for m, f in zip(measures, found, strict=True)):
        return None
    try:
        from rich._pick import pick_bool

        widths = _widths(table, console, options, measures)
    except (ImportError, AttributeError, TypeError):
        return None  # a Rich without these helpers: it draws the table itself
    pads = [_padding(table, index) for index in range(len(widths))]
    inner = [width - left - right for width, (left, right) in zip(widths, pads, strict=True)]
    if min(inner, default=0) < MIN_INNER:
        return None
    box = table.box
    if box is not None:
        box = box.substitute(options, safe=pick_bool(table.safe_box, console.safe_box))
        box = box if table.show_header else box.get_plain_headed_box()
    columns = list(zip(table.columns, inner, strict=True))

    def _cols(row: Sequence[object]) -> Iterable[tuple[object, tuple[Column, int]]]:
        return zip(row, columns, strict=True)

    rows: list[tuple[bool, list[list[str] | None]]] = []
    if table.show_header:
        rows.append(
            (True, [_draw(h, w, c, console, divide_single) for h, (c, w) in _cols(headers)])
        )
    for number in range(len(table.rows)):
        row = [column[number] for column in cells]
        rows.append((False, [_draw(r, w, c, console, divide_single) for r, (c, w) in _cols(row)]))
    return _lines(rows, inner, pads, widths, box, table.leading, table.show_lines)


def _lines(
    rows: list[tuple[bool, list[list[str] | None]]],
    inner: list[int],
    pads: list[tuple[int, int]],
    widths: list[int],
    box: Box | None,
    leading: int,
    show_lines: bool,
) -> list[str] | None:
    out: list[str] = []
    for index, (header, drawn) in enumerate(rows):
        first, last = index == 0, index == len(rows) - 1
        known = [lines for lines in drawn if lines is not None]
        if len(known) != len(drawn):
            return None
        height = max(1, *(len(lines) for lines in known))
        shaped = []
        for lines, width, (left, right) in zip(known, inner, pads, strict=True):
            blank = [" " * width] * (height - len(lines))
            padded = blank + lines if header else lines + blank  # a header sits at the bottom
            shaped.append([" " * left + line + " " * right for line in padded])
        divider = ""
        if box is not None:
            divider = (
                box.head_vertical if first else box.foot_vertical if last else box.mid_vertical
            )
        out += [divider.join(cell[line] for cell in shaped) for line in range(height)]
        if box is not None and header:
            out.append(box.get_row(widths, "head", edge=False))
        elif box is not None and leading and not last:
            out.append(box.get_row(widths, "mid", edge=False) * leading)
        elif box is not None and show_lines and not last:
            out.append(box.get_row(widths, "row", edge=False))
    return out


def _as_text(cell: object, console: Console) -> object:
    """A cell given as a string, as the Text Rich makes of it (unless markup or an emoji
    code would change it: then left alone, and Rich draws the table)."""
    if not isinstance(cell, str) or (console._markup and "[" in cell):
        return cell
    if ":" in cell and console._emoji:
        from rich._emoji_replace import _emoji_replace

        if _emoji_replace(cell) != cell:
            return cell
    return Text(cell)


def _simple(table: Table, console: Console) -> bool:
    """Whether the table uses only what this module reproduces."""
    top, _, bottom, _ = table.padding
    return bool(
        not table.show_footer
        and (table.box is None or not table.show_edge)  # no edge is drawn without a box
        and not table.collapse_padding
        and table.width is None
        and table.min_width is None
        and not table.title
        and not table.caption
        and top == bottom == 0
        and not console.options.legacy_windows
        and not any(row.end_section for row in table.rows)
        and all(
            column.vertical == "top"
            and column.justify in ("left", "center", "right")
            and column.overflow in ("ellipsis", "crop", "fold")
            for column in table.columns
        )
    )


def _measure(cell: object) -> Measure | None:
    """A cell's measure as Rich's Measurement.get gives it, unbounded; None if not known."""
    if isinstance(cell, Text):
        if not _plain_text(cell):
            return None
        text = cell.plain
        size = len if _single_width(text) else cell_len
        lines = text.splitlines()
        longest = max((size(line) for line in lines), default=0)
        words = text.split()
        return (max(size(word) for word in words) if words else longest), longest
    if isinstance(cell, Group):
        if not cell.fit:
            return None
        found = [_measure(item) for item in cell.renderables]
        if any(m is None for m in found):
            return None
        known = [m for m in found if m is not None]
        return (max(m[0] for m in known), max(m[1] for m in known)) if known else (0, 0)
    if isinstance(cell, Padding) and _indent(cell):
        inner = _measure(cell.renderable)
        extra = cell.left + cell.right
        return None if inner is None else (inner[0] + extra, inner[1] + extra)
    return None


def _indent(cell: Padding) -> bool:
    return cell.top == cell.bottom == 0 and cell.expand


def _plain_text(text: Text) -> bool:
    return (
        text.justify is None
        and text.overflow is None
        and text.no_wrap is None
        and text.end == "\n"
        and "\t" not in text.plain
    )


def _widths(
    table: Table, console: Console, options: ConsoleOptions, measures: Sequence[Sequence[Measure]]
) -> list[int]:
    """Rich's widths for `table`, worked out on a digest of two cells a column: the one
    with the longest word and the one with the longest line measure as all of them."""
    import dataclasses

    def extremes(column: Sequence[Measure]) -> list[RenderableType]:
        if not column:
            return []
        widest = [_Measured(max(column)), _Measured(max(column, key=lambda m: m[1]))]
        return cast(list[RenderableType], widest)

    digest = Table(
        *(
            dataclasses.replace(column, _cells=extremes(found))
            for column, found in zip(table.columns, measures, strict=True)
        ),
        box=table.box,
        padding=table.padding,
        pad_edge=table.pad_edge,
        show_edge=table.show_edge,
        show_header=table.show_header,
        expand=table.expand,
        collapse_padding=table.collapse_padding,
    )
    available = options.update_width(options.max_width - digest._extra_width)
    widths: list[int] = digest._calculate_column_widths(console, available)
    return widths


def _draw(
    cell: object, width: int, column: Column, console: Console, divide_line: Divider
) -> list[str] | None:
    """A cell's lines, each `width` wide, as Rich renders it in `column`."""
    if isinstance(cell, Text):
        justify, overflow, no_wrap = column.justify, column.overflow, bool(column.no_wrap)
        return [
            line
            for piece in cell.plain.split("\n")
            for line in _fit(piece, width, justify, overflow, no_wrap, console, divide_line)
        ]
    if isinstance(cell, Group):
        lines: list[str] = []
        for item in cell.renderables:
            drawn = _draw(item, width, column, console, divide_line)
            if drawn is None:
                return None
            lines += drawn
        return lines
    if isinstance(cell, Padding) and _indent(cell):
        room = width - cell.left - cell.right
        if room < 1:
            return None
        drawn = _draw(cell.renderable, room, column, console, divide_line)
        if drawn is None:
            return None
        return [" " * cell.left + line + " " * cell.right for line in drawn]
    return None
