"""Quick tables print exactly what Rich prints without colour, and stand aside otherwise."""

from __future__ import annotations

import io

from hypothesis import given, settings
from hypothesis import strategies as st
from rich import box
from rich.console import Console, Group, RenderableType
from rich.padding import Padding
from rich.table import Table
from rich.text import Text

from trialcli.render.console import TrimmedLines
from trialcli.render.plaintable import Quick, plain_lines, quick

words = st.one_of(
    st.text(alphabet="abcdefghijklmnopqrstuvwxyz-,.0123456789", min_size=1, max_size=14),
    st.sampled_from(["RRMS", "≥18", "Fernández", "中文字", "…", "naïve", "−0.4", "x" * 40]),
)
plain = st.lists(words, max_size=8).map(" ".join) | st.sampled_from(["", " ", "a  b ", " lead"])
lines = st.lists(plain, min_size=1, max_size=3).map("\n".join)


@st.composite
def texts(draw: st.DrawFn) -> Text:
    text = Text(draw(lines), style=draw(st.sampled_from(["", "bold", "dim"])))
    if draw(st.booleans()):
        text.append(" · " + draw(plain), style="bold red")
    return text


cells: st.SearchStrategy[RenderableType] = st.one_of(
    texts(),
    st.sampled_from(["", "⚠1", "n/N", "also reported: 12", ":smile: x", "a:b:c"]),
    st.builds(
        lambda head, body: Group(head, Padding(Group(*body), (0, 0, 0, 2))),
        texts(),
        st.lists(texts(), max_size=2),
    ),
)


@st.composite
def tables(draw: st.DrawFn) -> Table:
    table = Table(
        box=draw(st.sampled_from([box.SIMPLE_HEAD, None, box.SIMPLE])),
        padding=draw(st.sampled_from([(0, 1, 0, 0), (0, 1), 0])),
        pad_edge=draw(st.booleans()),
        show_edge=draw(st.booleans()),
        show_header=draw(st.booleans()),
        expand=draw(st.booleans()),
        leading=draw(st.sampled_from([0, 0, 1])),
        show_lines=draw(st.booleans()),
    )
    for index in range(draw(st.integers(1, 4))):
        table.add_column(
            draw(st.sampled_from(["Finding", "By arm", "vs comparator (computed)", ""])),
            ratio=draw(st.sampled_from([None, 1, 3])),
            width=draw(st.sampled_from([None, None, 12])) if index else None,
            no_wrap=draw(st.booleans()) and index == 0,
            overflow=draw(st.sampled_from(["ellipsis", "fold"])),
            justify=draw(st.sampled_from(["left", "left", "right", "center"])),
        )
    for _ in range(draw(st.integers(0, 6))):
        table.add_row(*(draw(cells) for _ in table.columns))
    return table


def printed(renderable: RenderableType, width: int, colour: bool = False) -> str:
    out = io.StringIO()
    console = Console(
        file=TrimmedLines(out),  # type: ignore[arg-type]  # a text stream, as trialcli's
        width=width,
        color_system="truecolor" if colour else None,
        force_terminal=colour,
        markup=False,
        highlight=False,
    )
    console.print(renderable)
    return out.getvalue()


@settings(max_examples=300, deadline=None)
@given(tables(), st.integers(20, 140))
def test_a_quick_table_prints_what_rich_prints(table: Table, width: int) -> None:
    assert printed(Quick(table), width) == printed(table, width)


@settings(max_examples=60, deadline=None)
@given(tables(), st.integers(20, 140))
def test_with_colour_rich_draws_the_table_itself(table: Table, width: int) -> None:
    console = Console(file=io.StringIO(), width=width, color_system="truecolor")
    assert plain_lines(table, console, console.options) is None
    assert printed(Quick(table), width, colour=True) == printed(table, width, colour=True)


def test_tables_inside_groups_are_quick_and_the_rest_is_left_alone() -> None:
    table = Table("a", "b")
    table.add_row(Text("one two"), "three")
    wrapped = quick(Group(Text("head"), table))
    assert isinstance(wrapped, Group)
    head, inner = wrapped.renderables
    assert isinstance(head, Text) and isinstance(inner, Quick) and inner.table is table
    assert printed(wrapped, 30) == printed(Group(Text("head"), table), 30)


def test_cells_it_cannot_reproduce_go_to_rich() -> None:
    table = Table("a")
    table.add_row(":smile: [b]x[/b]")  # an emoji code Rich would replace
    console = Console(file=io.StringIO(), width=40, color_system=None)
    assert plain_lines(table, console, console.options) is None
    assert printed(Quick(table), 40) == printed(table, 40)
