"""`trialcli list`: one row per study."""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

from rich import box
from rich.console import Console
from rich.table import Table
from rich.text import Text

from trialcli.formatting import NOT_REPORTED
from trialcli.ops.summary import ListRow
from trialcli.render.fasttable import print_table
from trialcli.render.text import clean

COLUMNS = (
    "id",
    "acronym",
    "phase",
    "population",
    "randomized",
    "intake",
    "arms",
    "primary_met",
    "primary_not_met",
    "primary_stated",
    "primary_total",
    "latest_source_year",
)
# With --wide: what tells imported studies apart, and what the filters test.
WIDE_COLUMNS = (*COLUMNS, "condition", "interventions", "status", "has_results", "start_year")
# From this width on, the table also shows what tells imported studies apart.
WIDE = 120


def list_records(rows: Sequence[ListRow], columns: Sequence[str] = COLUMNS) -> list[dict[str, Any]]:
    return [{column: getattr(row, column) for column in columns} for row in rows]


def render_list(rows: Sequence[ListRow], console: Console, *, wide: bool = False) -> None:
    table = Table(box=box.SIMPLE_HEAD, padding=(0, 1, 0, 0), pad_edge=False, show_edge=False)
    table.add_column("ID", no_wrap=True)
    table.add_column("Acronym", no_wrap=True)
    table.add_column("Phase", justify="center")
    table.add_column("Population")
    table.add_column("N rand.", justify="right", no_wrap=True)
    table.add_column("Arms", justify="right")
    table.add_column("Primary\nmet", justify="center")
    table.add_column("Latest\nsource", justify="right")
    wide = wide or console.width >= WIDE
    if wide:
        table.add_column("Condition")
        table.add_column("Interventions")
    cells = [
        (
            (clean(row.id), "bold"),
            (clean(row.acronym), ""),
            (row.phase or "–", ""),
            (clean(row.population if wide else row.population_brief), ""),
            (_count(row), ""),
            (str(row.arms), ""),
            (row.primary_text, ""),
            (str(row.latest_source_year or "–"), ""),
            *(
                ((clean(row.condition), ""), (clean(row.interventions) or NOT_REPORTED, ""))
                if wide
                else ()
            ),
        )
        for row in rows
    ]
    print_table(table, cells, console)
    if any(row.intake != "randomized" and row.randomized is not None for row in rows):
        console.print(Text(f"{ENROLLED}: enrolled; the study randomized no one", style="dim"))
    console.print(Text(f"{len(rows)} stud{'y' if len(rows) == 1 else 'ies'}", style="dim"))


# A count of people where no one was randomized ("31 enr."), under the "N rand." heading.
ENROLLED = "enr."


def _count(row: ListRow) -> str:
    if row.randomized is None:
        return NOT_REPORTED
    count = f"{row.randomized:,}"
    return count if row.intake == "randomized" else f"{count} {ENROLLED}"
