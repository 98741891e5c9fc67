"""The fast table printer draws exactly what Rich draws: same characters, same styles."""

from __future__ import annotations

import io
from pathlib import Path

import pytest
from hypothesis import assume, given, settings
from hypothesis import strategies as st
from rich import box
from rich.console import Console
from rich.segment import Segment
from rich.style import Style
from rich.table import Table
from rich.text import Text
from typer.testing import CliRunner

import trialcli.render.fasttable as fasttable
from trialcli.cli import app
from trialcli.render.fasttable import Cell, print_table, table_segments

Shown = list[list[tuple[str, Style]]]


def shown(segments: list[Segment], styled: bool) -> Shown:
    """What a reader sees: each line's characters, with their styles when styled."""
    lines: Shown = [[]]
    for segment in segments:
        for char in segment.text:
            if char == "\n":
                lines.append([])
            else:
                lines[-1].append((char, (segment.style or Style.null()) if styled else Style()))
    return lines


def rich_segments(table: Table, rows: list[list[Cell]], console: Console) -> list[Segment]:
    for row in rows:
        table.add_row(*(Text(text, style=style) for text, style in row))
    return list(console.render(table, console.options))


def console(width: int, colour: bool) -> Console:
    return Console(
        file=io.StringIO(),
        width=width,
        color_system="truecolor" if colour else None,
        force_terminal=colour,
        markup=False,
        highlight=False,
    )


words = st.one_of(
    st.text(alphabet="abcdefghijklmnopqrstuvwxyz-,.0123456789", min_size=1, max_size=14),
    st.sampled_from(["RRMS", "≥18", "Fernández", "中文字", "…", "naïve", "x" * 40]),
)
cell_text = st.lists(words, max_size=8).map(" ".join) | st.sampled_from(["", " ", "a  b ", " lead"])
styles = st.sampled_from(["", "bold", "dim", "red on white"])


@st.composite
def tables(draw: st.DrawFn) -> tuple[Table, list[list[Cell]]]:
    count = draw(st.integers(1, 7))
    table = Table(
        box=draw(st.sampled_from([box.SIMPLE_HEAD, box.SIMPLE, box.MINIMAL, box.ROUNDED])),
        padding=(0, draw(st.integers(0, 2)), 0, draw(st.integers(0, 2))),
        pad_edge=draw(st.booleans()),
        show_edge=False,
    )
    for _ in range(count):
        table.add_column(
            draw(st.sampled_from(["ID", "Population", "Primary\nmet", "N rand.", ""])),
            justify=draw(st.sampled_from(["left", "center", "right"])),
            overflow=draw(st.sampled_from(["ellipsis", "fold", "crop"])),
            no_wrap=draw(st.booleans()),
        )
    rows = draw(
        st.lists(st.lists(st.tuples(cell_text, styles), min_size=count, max_size=count), max_size=8)
    )
    return table, rows


@pytest.mark.slow
@settings(max_examples=400, deadline=None)
@given(tables(), st.integers(30, 200), st.booleans())
def test_fast_tables_look_exactly_like_rich_tables(
    drawn: tuple[Table, list[list[Cell]]], width: int, colour: bool
) -> None:
    table, rows = drawn
    target = console(width, colour)
    fast = table_segments(table, rows, target)
    assume(fast is not None)  # too narrow for every column: Rich prints it itself
    assert shown(fast, colour) == shown(rich_segments(table, rows, target), colour)


@pytest.mark.parametrize("width", [60, 80, 120, 200])
@pytest.mark.parametrize("colour", [False, True])
def test_the_list_table_takes_the_fast_path(width: int, colour: bool) -> None:
    table = Table(box=box.SIMPLE_HEAD, padding=(0, 1, 0, 0), pad_edge=False, show_edge=False)
    table.add_column("ID", no_wrap=True)
    table.add_column("Population")
    table.add_column("Primary\nmet", justify="center")
    rows: list[list[Cell]] = [
        [(f"study-{n}", "bold"), ("RRMS, relapsed on prior therapy", ""), ("1/2", "")]
        for n in range(3)
    ]
    target = console(width, colour)
    fast = table_segments(table, rows, target)
    assert fast is not None
    assert shown(fast, colour) == shown(rich_segments(table, rows, target), colour)


def test_a_long_list_prints_the_same_either_way(
    runner: CliRunner, tmp_path: Path, minimal_text: str, monkeypatch: pytest.MonkeyPatch
) -> None:
    folder = tmp_path / "many"
    folder.mkdir()
    for n in range(12):
        text = minimal_text.replace("id: example", f"id: study-{n:02d}")
        (folder / f"study-{n:02d}.yaml").write_text(text, encoding="utf-8")
    args = ["--no-cache", "--data-dir", str(folder), "list"]
    slow = runner.invoke(app, args).stdout
    monkeypatch.setattr(fasttable, "FAST_FROM", 1)
    fast = runner.invoke(app, args).stdout
    assert fast == slow
    assert "\nstudy-11    EXAMPLE " in fast
    assert fast.endswith("\n15 studies\n")


def test_print_table_falls_back_to_rich_for_what_it_does_not_handle() -> None:
    table = Table(title="Rich's")
    table.add_column("a")
    target = console(80, False)
    rows: list[list[Cell]] = [[("x", "")]] * fasttable.FAST_FROM
    assert table_segments(table, rows, target) is None
    print_table(table, rows, target)
    output = target.file.getvalue()  # type: ignore[attr-defined]
    assert output.startswith("Rich'")
    assert output.count("│ x │") == fasttable.FAST_FROM
