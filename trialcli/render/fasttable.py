"""Print a long, simple Rich table exactly as Rich would, many times faster.

Rich lays out every cell with its general renderer, about 60 µs a cell: `trialcli list`
over 10,000 studies spent five seconds there. The tables trialcli prints are simple
(each cell one plain text with at most one style, no lines between rows), and for those
the layout of a row is a few string operations. Rich still decides everything that
needs judgement: the column widths (measured on a small table that holds, for each
column, the cells that set its width), the header, the word wrapping (its own
`divide_line`, copied to count characters as cells), and every cell with a character
that is not printable and one cell wide.

Anything else — table features not handled here, a terminal too narrow for every column,
an ASCII-only or legacy Windows console, a Rich without the helpers used — is printed by
Rich itself. tests/test_fasttable.py checks that the two agree, character for character
and style for style.
"""

from __future__ import annotations

import dataclasses
import itertools
import re
from collections.abc import Callable, Iterator, Sequence

from rich.cells import cell_len, get_character_cell_size, set_cell_size
from rich.console import Console, RenderableType
from rich.segment import Segment, Segments
from rich.style import Style
from rich.table import Table
from rich.text import Text

# Below this many rows Rich is quick enough, and prints the table itself.
FAST_FROM = 200

# A cell: its text (printed as it is, never as markup) and its style ("" for none).
Cell = tuple[str, str]
Divider = Callable[..., list[int]]

_TRAILING_SPACE = re.compile(r"\s+$")
_JUSTIFIED = {"left", "center", "right"}


def print_table(table: Table, rows: Sequence[Sequence[Cell]], console: Console) -> None:
    """Print `table` (its columns set, no rows yet) with `rows`, as Rich prints it."""
    if len(rows) >= FAST_FROM:
        segments = table_segments(table, rows, console)
        if segments is not None:
            console.print(Segments(segments), crop=False)
            return
    for row in rows:
        table.add_row(*(Text(text, style=style) for text, style in row))
    console.print(table)


def table_segments(
    table: Table, rows: Sequence[Sequence[Cell]], console: Console
) -> list[Segment] | None:
    """What Rich would render for `table` with `rows`; None when this module cannot tell."""
    if table.rows or not _simple(table, console):
        return None
    columns = [[row[index][0] for row in rows] for index in range(len(table.columns))]
    try:
        widths = _column_widths(table, columns, console)
    except (ImportError, AttributeError, TypeError):
        return None  # a Rich without these helpers: it prints the table itself
    pads = [_padding(table, index) for index in range(len(widths))]
    inner = [width - left - right for width, (left, right) in zip(widths, pads, strict=True)]
    if min(inner, default=0) < 1:
        return None  # too narrow for every column: Rich's own corner cases
    # The header, drawn by Rich: the same columns, no rows, the widths just found.
    header = Table(
        *(
            dataclasses.replace(column, width=width, _cells=[])
            for column, width in zip(table.columns, inner, strict=True)
        ),
        box=table.box,
        padding=table.padding,
        pad_edge=table.pad_edge,
        show_edge=table.show_edge,
        header_style=table.header_style,
        safe_box=table.safe_box,
    )
    segments = list(console.render(header, console.options))
    segments += _body(table, rows, inner, pads, console, divide_single)
    return segments


def _simple(table: Table, console: Console) -> bool:
    """Whether the table and console use only what this module reproduces."""
    options = console.options
    top, _, bottom, _ = table.padding
    return bool(
        table.box is not None
        and table.show_header
        and not table.show_footer
        and not table.show_edge
        and not table.show_lines
        and not table.leading
        and not table.expand
        and not table.collapse_padding
        and table.width is None
        and table.min_width is None
        and not table.title
        and not table.caption
        and not table.row_styles
        and not console.get_style(table.style or "")
        and not table.border_style
        and top == bottom == 0
        and not options.ascii_only
        and not options.legacy_windows
        and all(
            column.width is None
            and column.min_width is None
            and column.max_width is None
            and column.ratio is None
            and not console.get_style(column.style or "")
            and column.vertical == "top"
            and column.justify in _JUSTIFIED
            and column.overflow in {"ellipsis", "crop", "fold"}
            for column in table.columns
        )
    )


def _padding(table: Table, index: int) -> tuple[int, int]:
    """(left, right) padding of a column's cells, as Rich works it out."""
    _, right, _, left = table.padding
    if not table.pad_edge:
        if index == 0:
            left = 0
        if index == len(table.columns) - 1:
            right = 0
    return left, right


def _column_widths(table: Table, columns: list[list[str]], console: Console) -> list[int]:
    """Rich's widths for the whole table, worked out on a table of two rows.

    Rich measures a column by the largest minimum (its longest word) and the largest
    maximum (its longest line) of its cells; the two cells that hold those measure the
    same as all of them.
    """
    digest = Table(
        *(
            dataclasses.replace(column, _cells=_extremes(texts))
            for column, texts in zip(table.columns, columns, strict=True)
        ),
        box=table.box,
        padding=table.padding,
        pad_edge=table.pad_edge,
        show_edge=table.show_edge,
    )
    options = console.options
    available = options.update_width(options.max_width - digest._extra_width)
    widths: list[int] = digest._calculate_column_widths(console, available)
    return widths


def _extremes(texts: list[str]) -> list[RenderableType]:
    """The cells with the longest line and with the longest word, measured as Rich does."""
    longest_line = longest_word = ""
    line_width = word_width = -1
    for text in texts:
        if _single_width(text) and " " not in text:
            widest = shortest = len(text)  # one word, one line
        else:
            widest = max((cell_len(line) for line in text.splitlines()), default=0)
            words = text.split()
            shortest = max(cell_len(word) for word in words) if words else widest
        if widest > line_width:
            longest_line, line_width = text, widest
        if shortest > word_width:
            longest_word, word_width = text, shortest
    return [Text(longest_line), Text(longest_word)]


def _single_width(text: str) -> bool:
    """Whether every character of `text` is printable and one cell wide (as Rich counts)."""
    if text.isascii():
        return text.isprintable()
    return text.isprintable() and all(get_character_cell_size(c) == 1 for c in set(text))


def _body(
    table: Table,
    rows: Sequence[Sequence[Cell]],
    inner: list[int],
    pads: list[tuple[int, int]],
    console: Console,
    divide_line: Divider,
) -> Iterator[Segment]:
    box = table.box
    assert box is not None  # _simple checked it
    plain = console.color_system is None  # no style reaches the output: a line is one text
    looks: dict[str, Style | None] = {}
    layout = [
        (column.justify, column.overflow, bool(column.no_wrap), width, " " * left, " " * right)
        for column, width, (left, right) in zip(table.columns, inner, pads, strict=True)
    ]
    for number, row in enumerate(rows):
        divider = box.foot_vertical if number == len(rows) - 1 else box.mid_vertical
        fitted = [
            _fit(text, width, justify, overflow, no_wrap, console, divide_line)
            for (text, _), (justify, overflow, no_wrap, width, _, _) in zip(
                row, layout, strict=True
            )
        ]
        height = max(len(lines) for lines in fitted)
        if plain and height == 1:  # the usual row: every cell on one line
            text = divider.join(
                left + lines[0] + right
                for lines, (_, _, _, _, left, right) in zip(fitted, layout, strict=True)
            )
            yield Segment(text + "\n")
            continue
        if plain:
            for line in range(height):
                text = divider.join(
                    left + (lines[line] if line < len(lines) else " " * width) + right
                    for lines, (_, _, _, width, left, right) in zip(fitted, layout, strict=True)
                )
                yield Segment(text + "\n")
            continue
        for _, style in row:
            if style not in looks:
                looks[style] = console.get_style(style) or None
        for line in range(height):
            parts: list[Segment] = []
            for index, ((_, style), lines) in enumerate(zip(row, fitted, strict=True)):
                width, left, right = layout[index][3:]
                if index:
                    parts.append(Segment(divider))
                parts.append(Segment(left))
                if line < len(lines):
                    parts.append(Segment(lines[line], looks[style]))
                else:
                    parts.append(Segment(" " * width))
                parts.append(Segment(right))
            yield from Segment.simplify(part for part in parts if part.text)
            yield Segment.line()


def _fit(
    text: str,
    width: int,
    justify: str,
    overflow: str,
    no_wrap: bool,
    console: Console,
    divide_line: Divider,
) -> list[str]:
    """A cell's lines, each `width` cells wide, as Rich's Text.wrap makes them."""
    if justify == "left" and len(text) <= width and _single_width(text):
        return [text + " " * (width - len(text))]  # most cells: one line that fits
    if not _single_width(text):
        wrapped = Text(text).wrap(
            console,
            width,
            justify=justify,  # type: ignore[arg-type]
            overflow=overflow,  # type: ignore[arg-type]
            no_wrap=no_wrap,
            tab_size=console.tab_size,
        )
        return [set_cell_size(line.plain, width) for line in wrapped]
    if no_wrap or len(text) <= width:
        pieces = [text]
    else:
        offsets = divide_line(text, width, fold=overflow == "fold")
        bounds = [0, *offsets, len(text)]
        pieces = [_rstrip_end(text[a:b], width) for a, b in itertools.pairwise(bounds)]
    lines = []
    for piece in pieces:
        if justify == "left":
            lines.append(_truncate(piece, width, overflow, pad=True))
            continue
        piece = _truncate(piece.rstrip(), width, overflow)
        gap = width - len(piece)
        if justify == "center":
            lines.append(" " * (gap // 2) + piece + " " * (gap - gap // 2))
        else:
            lines.append(" " * gap + piece)
    return lines


_WORD = re.compile(r"\s*\S+\s*")  # Rich's word: the word and the spaces after it


def divide_single(text: str, width: int, fold: bool = True) -> list[int]:
    """Rich's `divide_line` (rich/_wrap.py) for text whose every character is one cell
    wide, so that a length is a width: the offsets at which `text` breaks into lines."""
    from rich.cells import chop_cells

    breaks: list[int] = []
    offset = 0
    for match in _WORD.finditer(text):  # each starts where the last ended, as Rich's
        start, word = match.start(), match.group()
        length = len(word.rstrip())
        if width - offset >= length:
            offset += len(word)
        elif length > width:
            if fold:
                pieces = chop_cells(word, width=width)
                for number, piece in enumerate(pieces, start=1):
                    if start:
                        breaks.append(start)
                    if number == len(pieces):
                        offset = len(piece)
                    else:
                        start += len(piece)
            else:
                if start:
                    breaks.append(start)
                offset = len(word)
        elif offset and start:
            breaks.append(start)
            offset = len(word)
    return breaks


def _rstrip_end(text: str, size: int) -> str:
    """Rich's Text.rstrip_end: drop trailing whitespace that lies beyond `size`."""
    if len(text) > size:
        space = _TRAILING_SPACE.search(text)
        if space is not None:
            return text[: len(text) - min(len(space.group(0)), len(text) - size)]
    return text


def _truncate(text: str, width: int, overflow: str, pad: bool = False) -> str:
    """Rich's Text.truncate, for text of single-width characters."""
    length = len(text)
    if length > width:
        text = text[: width - 1] + "…" if overflow == "ellipsis" else text[:width]
    if pad and length < width:
        text += " " * (width - length)
    return text
