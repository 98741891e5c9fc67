"""`trialcli ae STUDY STUDY…`: terms as rows, studies as columns, and their records.

Each cell is one study's figure pair with the difference `ae` selects on; `[letter]` names
who a figure counts and its source. The texts come from `render/safety.py`.
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

from rich import box
from rich.console import Console, Group, RenderableType
from rich.rule import Rule
from rich.table import Table
from rich.text import Text

from trialcli.formatting import COMPUTED, NOT_REPORTED, signed
from trialcli.model import Study
from trialcli.ops.keys import SafetySort
from trialcli.ops.safety import ArmFigure, PivotRow, SafetyPivot, SafetyRow, comparator_labels
from trialcli.render.safety import (
    figure_text,
    filters_text,
    not_reported_text,
    row_record,
    scope_text,
    source_text,
)
from trialcli.render.text import clean


class _Footnotes:
    """`[a]`, `[b]`…: who a figure counts and where it comes from, listed under the pivot."""

    def __init__(self) -> None:
        self.entries: dict[tuple[str, str | None, str | None], str] = {}

    def __call__(self, row: SafetyRow) -> str:
        source = next((f.source for f in row.figures if f.source), row.source)
        key = (row.study.id, row.finding.population, source)
        if key not in self.entries:
            self.entries[key] = _letters(len(self.entries))
        return self.entries[key]


def _letters(index: int) -> str:
    letters = ""
    index += 1
    while index:
        index, rest = divmod(index - 1, 26)
        letters = chr(ord("a") + rest) + letters
    return letters


def entry_text(row: SafetyRow) -> str:
    """One study's figure pair in a pivot cell: `100/596 (17%) vs 10/202 (5%)`."""
    if not any(_has_figure(f) for f in row.figures):
        return "named, frequency not reported"
    text = f"{figure_text(row.experimental)}{_cause(row)} vs {figure_text(row.comparator)}"
    difference = row.difference
    if difference.points is not None:
        approx = "~" if difference.approximate else ""
        text += f": {approx}{signed(difference.points, difference.places)} pp"
    return text


def _cause(row: SafetyRow) -> str:
    """A death's cause, as the finding's term or the arm's note names it."""
    if row.finding.summary != "death" or row.experimental is None:
        return ""
    causes = [row.experimental.value.note]
    head, _, cause = row.finding.term.partition(":")  # `Death: motor accident`
    if cause.strip() and head.strip().casefold() in {"death", "deaths"}:
        causes.insert(0, cause.strip())
    named = "; ".join(clean(c) for c in causes if c)
    return f" ({named})" if named else ""


def _has_figure(figure: ArmFigure) -> bool:
    value = figure.value
    return any(v is not None for v in (value.affected, value.pct, value.deaths))


def _pivot_term(row: PivotRow) -> Text:
    cell = Text(clean(row.term), style="bold")
    fatal = row.section == "findings" and any(r.fatal for r in row.rows)
    marks = [w for w, on in (("serious", row.serious), ("fatal", fatal)) if on]
    if marks:
        cell.append(" · " + " · ".join(marks), style="bold red" if fatal else "bold")
    return cell


def _pivot_table(studies: Sequence[Study], header: bool) -> Table:
    table = Table(
        box=box.SIMPLE_HEAD,  # with or without its header, so that the columns line up
        show_header=header,
        padding=(0, 1, 0, 0),
        pad_edge=False,
        show_edge=False,
        expand=True,
    )
    table.add_column("Finding", ratio=4, min_width=16, overflow="fold")
    for study in studies:
        comparators = ", ".join(comparator_labels(study))
        title = clean(study.acronym) + (f"\nvs {clean(comparators)}" if comparators else "")
        table.add_column(title, ratio=5)
    return table


def _pivot_cells(result: SafetyPivot, row: PivotRow, notes: _Footnotes) -> list[Text]:
    cells = []
    for study in result.studies:
        if study.id in result.lacking_arm:
            cells.append(Text(f"no arm {clean(result.filters.arm or '')}", style="dim"))
            continue
        entries = row.cells.get(study.id, ())
        cell = Text()
        why = _reasons(result)
        for entry in entries:
            if cell:
                cell.append("\n")
            cell.append(clean(entry_text(entry)))
            cell.append(f" [{notes(entry)}]", style="dim")
            if id(entry) in why:
                cell.append(f"\nnot judged: {clean(why[id(entry)])}", style="dim")
        cells.append(cell if entries else Text(NOT_REPORTED, style="dim"))
    return cells


def render_safety_pivot(result: SafetyPivot, console: Console) -> None:
    studies = result.studies
    lines: list[RenderableType] = [
        Text(f"Adverse events across {len(studies)} studies", style="bold"),
        Text("Each cell: experimental incidence vs the comparator's; [letter]: who and source"),
    ]
    shown = filters_text(result.filters, result.sort)
    if shown:
        lines.append(Text("Showing: " + shown))
    for study, scope in zip(studies, result.scopes, strict=True):
        line = Text(clean(study.acronym) + ": ", style="bold")
        line.append_text(scope_text(scope))
        lines.append(line)
    console.print(Group(*lines))

    notes = _Footnotes()
    # One table per group under its own heading; the columns line up, the header shows once.
    groups: list[tuple[str, list[PivotRow]]] = []
    for row in result.rows:
        if row.section == "summary":
            title = "Summary"
        elif result.sort is SafetySort.soc:
            title = clean(row.soc) if row.soc else "Organ-system class not stated"
        else:
            title = "Findings"
        if not groups or groups[-1][0] != title:
            groups.append((title, []))
        groups[-1][1].append(row)
    console.print()
    header = _pivot_table(studies, header=True)
    console.print(header)
    if result.unjudged_rows:
        groups.append((UNJUDGED, list(result.unjudged_rows)))
    for title, rows in groups:
        heading = Text(title, style="bold")
        if title == "Summary" and result.filters.selects:
            heading.append(" (not filtered: context for the findings below)", style="")
        console.print(Rule(heading, align="left", characters="─"))
        table = _pivot_table(studies, header=False)
        for row in rows:
            table.add_row(_pivot_term(row), *_pivot_cells(result, row, notes))
        console.print(table)
    if not result.rows:
        console.print(Text("No findings match the filters.", style="dim"))
    missing = not_reported_text(result.not_reported)
    if missing:
        console.print(Text(missing, style="dim"))

    console.print()
    console.print(Rule(Text("Who and source", style="bold"), align="left", characters="─"))
    by_id = {s.id: s for s in studies}
    footnotes = Table(box=None, show_header=False, padding=(0, 1), pad_edge=False)
    footnotes.add_column(justify="right", no_wrap=True)
    footnotes.add_column(overflow="fold")
    for (study_id, population, source), letter in notes.entries.items():
        study = by_id[study_id]
        text = Text(clean(study.acronym) + ": ", style="bold")
        text.append(clean(population) if population else "population not stated")
        text.append("\n" + (source_text(study, source) or "source not stated"), style="dim")
        footnotes.add_row(f"[{letter}]", text)
    console.print(footnotes)
    console.print()
    console.print(
        Text(
            f"A percentage marked '{COMPUTED}' is worked out from n/N. 'trialcli ae STUDY' "
            "shows each study's differences from its comparator, computed with 95% CIs.",
            style="dim",
        )
    )


UNJUDGED = "Not judged by the filters: a figure they need is not reported"


def _reasons(result: SafetyPivot) -> dict[int, str]:
    """Why the filters could not judge an entry, by the entry's identity."""
    return {id(row): reason for row, reason in result.unjudged}


def _filter_text(result: SafetyPivot, row: PivotRow, judged: bool) -> str:
    """How the filters treated a row, as the single-study records say it."""
    if not judged:
        reasons = _reasons(result)
        return "not judged: " + "; ".join(dict.fromkeys(reasons[id(r)] for r in row.rows))
    if not result.filters.selects:
        return ""
    return "not filtered: context" if row.section == "summary" else "kept"


def _all_rows(result: SafetyPivot) -> list[tuple[PivotRow, bool]]:
    return [*((r, True) for r in result.rows), *((r, False) for r in result.unjudged_rows)]


def pivot_columns(result: SafetyPivot) -> tuple[str, ...]:
    studies = [s.id for s in result.studies]
    return ("section", "soc", "term", "serious", *studies, "filter")


def pivot_records(result: SafetyPivot) -> list[dict[str, Any]]:
    """One record per pivot row; each study holds its entries' texts, `; `-joined, with ids."""
    records = []
    for row, judged in _all_rows(result):
        record: dict[str, Any] = {
            "section": row.section,
            "soc": clean(row.soc) if row.soc else None,
            "term": clean(row.term),
            "serious": row.serious,
        }
        for study in result.studies:
            entries = row.cells.get(study.id, ())
            record[study.id] = (
                "; ".join(f"{clean(entry_text(e))} ({_entry_who(e)})" for e in entries) or None
            )
        record["filter"] = _filter_text(result, row, judged)
        records.append(record)
    return records


def pivot_json(result: SafetyPivot) -> list[dict[str, Any]]:
    """The pivot rows with every entry as its full record (numbers, texts, source)."""
    return [
        {
            "section": row.section,
            "soc": clean(row.soc) if row.soc else None,
            "term": clean(row.term),
            "serious": row.serious,
            "studies": {
                study.id: [row_record(e) for e in row.cells.get(study.id, ())]
                for study in result.studies
            },
            "filter": _filter_text(result, row, judged),
        }
        for row, judged in _all_rows(result)
    ]


def _entry_who(row: SafetyRow) -> str:
    source = next((f.source for f in row.figures if f.source), row.source)
    population = clean(row.finding.population) if row.finding.population else None
    return "; ".join(p for p in (population, source_text(row.study, source)) if p)


def pivot_html(result: SafetyPivot) -> str:
    """`ae STUDY STUDY… -f html`: the pivot on one printable page, each study's list said."""
    from trialcli.render.tabular import to_html

    before = [
        "Each cell: experimental incidence vs the comparator's, and the difference in "
        "percentage points computed by trialcli; in brackets, who it counts and the source.",
        *(
            f"{study.acronym}: {scope_text(scope).plain}"
            for study, scope in zip(result.studies, result.scopes, strict=True)
        ),
    ]
    shown = filters_text(result.filters, result.sort)
    if shown:
        before.insert(1, "Showing: " + shown)
    missing = not_reported_text(result.not_reported)
    title = f"Adverse events across {len(result.studies)} studies"
    # A summary row has no organ-system class: blank, not "not reported".
    records = [
        {**r, "soc": r["soc"] if r["section"] != "summary" else ""} for r in pivot_records(result)
    ]
    notes = [missing] if missing else []
    return to_html(title, records, pivot_columns(result), before, notes)
