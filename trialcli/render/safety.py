"""`trialcli ae`: adverse events of one study (a table) or several (a pivot), and their rows.

Every number is printed as `formatting` writes it; differences come from `ops.safety` and
are labelled as computed by trialcli. The records for json/csv/markdown hold the same rows
and the same texts as the screen, plus the numbers behind them.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from typing import Any

from rich import box
from rich.console import Console, Group, RenderableType
from rich.padding import Padding
from rich.rule import Rule
from rich.table import Table
from rich.text import Text

from trialcli.formatting import (
    COMPUTED,
    NOT_REPORTED,
    number,
    points_text,
    ratio_text,
    safety_text,
    signed,
)
from trialcli.model import SafetySummary, Study
from trialcli.ops.keys import SafetySort
from trialcli.ops.safety import (
    SUMMARY_NAMES,
    ArmFigure,
    Difference,
    Filters,
    PivotRow,
    SafetyPivot,
    SafetyRow,
    SafetyTable,
    comparator_labels,
)
from trialcli.render.study import print_sources
from trialcli.render.text import clean

METHODS = (
    "Differences (experimental minus comparator, in percentage points, pp) and risk ratios "
    "(RR) are computed by trialcli from the counts: 95% CI by Newcombe's hybrid score method "
    "and by the Katz log method. A percentage marked 'computed' is worked out from n/N; the "
    "others are as the source printed them."
)


# --- texts shared by the screen and the records ----------------------------------------


def difference_text(difference: Difference) -> str:
    """`+11.8 pp (+7.0 to +15.7)`, `+1.9 pp, without CI (percentages only)`, or why not."""
    if difference.kind == "none" or difference.points is None:
        return f"not computable: {difference.reason}"
    if difference.kind == "counts":
        return points_text(difference.points, difference.ci)
    approx = "~" if difference.approximate else ""
    points = signed(difference.points, difference.places)
    return f"{approx}{points} pp, without CI (percentages only)"


def rr_text(difference: Difference) -> str | None:
    if difference.kind != "counts":
        return None
    ratio = difference.ratio
    if ratio is None:
        return "RR not estimable (no events in an arm)"
    return ratio_text(ratio.value, (ratio.lower, ratio.upper))


def figure_text(figure: ArmFigure | None) -> str:
    """One side's incidence as printed, with fatal cases; `not reported` when absent."""
    if figure is None:
        return NOT_REPORTED
    text = safety_text(figure.value)
    value = figure.value
    if value.deaths and (value.affected is not None or value.pct is not None):
        text += f", {value.deaths} fatal"
    return text


def row_marks(row: SafetyRow) -> str:
    marks = [word for word, on in (("serious", row.serious), ("fatal", row.fatal)) if on]
    return " · ".join(marks)


def filters_text(filters: Filters, sort: SafetySort) -> str:
    parts = []
    if filters.serious:
        parts.append("serious or fatal findings only")
    if filters.min_pct is not None:
        parts.append(f"at least {number(filters.min_pct)}% in any arm")
    if filters.excess:
        parts.append("more frequent than on the comparator")
    if filters.min_diff is not None:
        direction = "more" if filters.excess else "more or less"
        parts.append(
            f"at least {number(filters.min_diff)} percentage points {direction} "
            "than on the comparator"
        )
    if filters.soc is not None:
        parts.append(f'organ-system class containing "{clean(filters.soc)}"')
    if filters.arm is not None:
        parts.append(f"findings reporting {clean(filters.arm)}")
    if sort is not SafetySort.soc:
        parts.append(f"sorted by {sort.value}")
    return "; ".join(parts)


def _left_out(
    unjudged: Sequence[tuple[SafetyRow, str]], marks: Callable[[str | None], str]
) -> list[str]:
    """Each finding a filter could not judge, named with its figures, by reason (never just
    counted: "infusion-associated reactions 92% (no comparator figure)" must not vanish)."""
    by_reason: dict[str, dict[tuple[str, str, bool], list[str]]] = {}
    for row, reason in unjudged:
        key = (row.study.acronym, row.finding.term, row.serious)
        figures = " vs ".join(figure_text(f) for f in row.figures) or NOT_REPORTED
        sources = dict.fromkeys(f.source for f in row.figures) or {row.source: None}
        figures += "".join(marks(source) for source in sources)
        by_reason.setdefault(reason, {}).setdefault(key, []).append(figures)
    several = len({row.study.id for row, _ in unjudged}) > 1
    lines = []
    for reason, findings in by_reason.items():
        named = [
            (f"{study}: " if several else "")
            + term
            + (" (serious)" if serious else "")
            + " "
            + ", ".join(dict.fromkeys(figures))
            for (study, term, serious), figures in findings.items()
        ]
        lines.append(clean(f"Not judged ({reason}; unknown is not 0): " + "; ".join(named)))
    return lines


def _not_reported(kinds: Sequence[SafetySummary]) -> str | None:
    if not kinds:
        return None
    return "Not reported by the sources: " + ", ".join(SUMMARY_NAMES[k].lower() for k in kinds)


# --- one study --------------------------------------------------------------------------


class _Numbers:
    """`[n]`: a source's position in the study's `sources`, as `trialcli show` numbers it."""

    def __init__(self, study: Study) -> None:
        self._numbers = {s.id: i for i, s in enumerate(study.sources, start=1)}
        self.cited: set[str] = set()

    def __call__(self, source: str | None) -> str:
        if source is None:
            return ""
        self.cited.add(source)
        return f" [{self._numbers.get(source, '?')}]"


# From this width the table gives population and notes a column of their own.
WIDE = 120
# `−10.8 pp (−18.3 to −5.2)` on one line, with the column's padding.
DIFFERENCE_WIDTH = 25


def _table(width: int) -> Table:
    wide = width >= WIDE
    difference = max(DIFFERENCE_WIDTH, width // 5)
    table = Table(
        box=box.SIMPLE_HEAD,
        padding=(0, 1, 0, 0),
        pad_edge=False,
        show_edge=False,
        expand=True,
        leading=1,
    )
    if wide:
        table.add_column("Finding", ratio=2)
        table.add_column("By arm", ratio=3)
        table.add_column("vs comparator (computed)", width=difference)
        table.add_column("Who and notes", ratio=3)
    else:
        table.add_column("Finding, by arm", ratio=1)
        table.add_column("vs comparator (computed)", width=difference)
    return table


def _term(row: SafetyRow, with_soc: bool) -> Text:
    finding = row.finding
    cell = Text(clean(finding.term), style="bold")
    marks = row_marks(row) if finding.summary != "death" else ""  # a death row is fatal
    if marks:
        cell.append(f" · {marks}", style="bold red" if row.fatal else "bold")
    if with_soc and finding.soc:
        cell.append("\n" + clean(finding.soc), style="dim")
    return cell


def _arms(row: SafetyRow, marks: _Numbers) -> Text:
    cell = Text()
    for figure in row.figures:
        if cell:
            cell.append("\n")
        cell.append(clean(figure.label) + ": ", style="dim")
        cell.append(clean(figure_text(figure)) + marks(figure.source))
        if figure.value.note:
            cell.append(f" ({clean(figure.value.note)})", style="dim")
    if not cell:
        cell.append(NOT_REPORTED + marks(row.source), style="dim")
    return cell


def _who(row: SafetyRow) -> Text:
    finding = row.finding
    cell = Text(clean(finding.population) if finding.population else "", style="dim")
    if finding.note:
        cell.append(("\n" if cell else "") + clean(finding.note))
    return cell


def _difference_cell(row: SafetyRow) -> Text:
    difference = row.difference
    cell = Text(difference_text(difference), style="dim" if difference.kind == "none" else "")
    ratio = rr_text(difference)
    if ratio:
        cell.append("\n" + ratio)
    return cell


def _add_rows(
    table: Table, rows: Sequence[SafetyRow], marks: _Numbers, *, grouped: bool, wide: bool
) -> None:
    soc: str | None = None
    previous: SafetyRow | None = None
    for row in rows:
        if grouped and (previous is None or row.finding.soc != soc):
            soc = row.finding.soc
            heading = clean(soc) if soc else "Organ-system class not stated"
            table.add_row(Text(heading.upper(), style="bold"))
        # A finding with several pairs of arms names itself once.
        same = previous is not None and previous.finding is row.finding
        arms = _arms(row, marks)
        if wide:
            term = Text("") if same else _term(row, with_soc=not grouped)
            who = Text("") if same else _who(row)
            table.add_row(term, arms, _difference_cell(row), who)
        else:
            # Under the finding's name, indented so that wrapped lines stay inside it.
            details = [arms] if same else [arms, _who(row)]
            body = Padding(Group(*(d for d in details if d)), (0, 0, 0, 2))
            cell: RenderableType = body if same else Group(_term(row, not grouped), body)
            table.add_row(cell, _difference_cell(row))
        previous = row


def render_safety_table(result: SafetyTable, console: Console) -> None:
    study = result.study
    marks = _Numbers(study)
    head = Text(clean(study.acronym), style="bold")
    head.append("  ·  adverse events")
    lines: list[RenderableType] = [head]
    if result.comparators:
        lines.append(Text("Comparator: " + clean(", ".join(result.comparators))))
    else:
        lines.append(Text("No comparator arm: differences are not computable.", style="dim"))
    shown = filters_text(result.filters, result.sort)
    if shown:
        lines.append(Text("Showing: " + shown))
    console.print(Group(*lines))

    console.print()
    console.print(Rule(Text("Summary", style="bold"), align="left", characters="─"))
    wide = console.width >= WIDE
    summary = _table(console.width)
    _add_rows(summary, result.summary, marks, grouped=False, wide=wide)
    if result.summary:
        console.print(summary)
    missing = _not_reported(result.not_reported)
    if missing:
        console.print(Text(missing, style="dim"))

    console.print()
    grouped = result.sort is SafetySort.soc
    title = "Findings by organ-system class" if grouped else "Findings"
    console.print(Rule(Text(title, style="bold"), align="left", characters="─"))
    if result.rows:
        findings = _table(console.width)
        _add_rows(findings, result.rows, marks, grouped=grouped, wide=wide)
        console.print(findings)
    else:
        console.print(Text("No findings match the filters.", style="dim"))
    count = len({row.index for row in result.rows})
    console.print(Text(f"{count} finding{'' if count == 1 else 's'} shown", style="dim"))
    for line in _left_out(result.unjudged, marks):
        console.print(Text(line))

    console.print()
    console.print(Text(METHODS, style="dim"))
    if study.safety_monitoring:
        console.print()
        console.print(Text("Monitoring: " + clean(study.safety_monitoring)))
    console.print()
    console.print(Rule(Text("Sources", style="bold"), align="left", characters="─"))
    print_sources(console, study, marks.cited)


# --- one study as records ---------------------------------------------------------------

TABLE_COLUMNS = (
    "study",
    "section",
    "summary",
    "soc",
    "term",
    "serious",
    "fatal",
    "experimental",
    "experimental_text",
    "experimental_affected",
    "experimental_at_risk",
    "experimental_pct",
    "experimental_pct_computed",
    "experimental_approximate",
    "experimental_deaths",
    "comparator",
    "comparator_text",
    "comparator_affected",
    "comparator_at_risk",
    "comparator_pct",
    "comparator_pct_computed",
    "comparator_approximate",
    "comparator_deaths",
    "computed_difference",
    "computed_difference_pp",
    "computed_difference_lower",
    "computed_difference_upper",
    "computed_difference_basis",
    "computed_risk_ratio",
    "computed_risk_ratio_value",
    "computed_risk_ratio_lower",
    "computed_risk_ratio_upper",
    "population",
    "source",
    "note",
)
# What a document wants: the screen's texts.
TABLE_MARKDOWN_COLUMNS = (
    "study",
    "section",
    "soc",
    "term",
    "serious",
    "fatal",
    "experimental_text",
    "comparator_text",
    "computed_difference",
    "computed_risk_ratio",
    "population",
    "source",
)


def _side(prefix: str, figure: ArmFigure | None) -> dict[str, Any]:
    if figure is None:
        values: list[Any] = [None] * 7
        text = NOT_REPORTED
    else:
        value = figure.value
        incidence = figure.incidence
        if incidence is not None and figure.incidence_computed:
            incidence = round(incidence, 1)  # as printed
        values = [
            clean(figure.label),
            value.affected,
            value.at_risk,
            incidence,
            figure.incidence_computed,
            value.approximate,
            value.deaths,
        ]
        text = clean(figure_text(figure))
    names = ("", "_affected", "_at_risk", "_pct", "_pct_computed", "_approximate", "_deaths")
    record = {prefix + name: v for name, v in zip(names, values, strict=True)}
    record[prefix + "_text"] = text
    return record


def _source_text(study: Study, source: str | None) -> str | None:
    found = study.source(source)
    return clean(found.citation) if found is not None else source


def row_record(row: SafetyRow) -> dict[str, Any]:
    difference = row.difference
    finding = row.finding
    points = difference.points
    places = 1 if difference.kind == "counts" else difference.places
    ratio = difference.ratio
    sides = [*(f.source for f in row.figures), row.source]
    source = next((s for s in sides if s is not None), None)
    return {
        "study": row.study.id,
        "section": row.section,
        "summary": finding.summary,
        "soc": clean(finding.soc) if finding.soc else None,
        "term": clean(finding.term),
        "serious": row.serious,
        "fatal": row.fatal,
        **_side("experimental", row.experimental),
        **_side("comparator", row.comparator),
        "computed_difference": difference_text(difference),
        "computed_difference_pp": round(points, places) if points is not None else None,
        "computed_difference_lower": round(difference.ci[0], 1) if difference.ci else None,
        "computed_difference_upper": round(difference.ci[1], 1) if difference.ci else None,
        "computed_difference_basis": {
            "counts": "counts, Newcombe hybrid score 95% CI",
            "percentages": "stated percentages only, no CI",
            "none": None,
        }[difference.kind],
        "computed_risk_ratio": rr_text(difference),
        "computed_risk_ratio_value": round(ratio.value, 2) if ratio else None,
        "computed_risk_ratio_lower": round(ratio.lower, 2) if ratio else None,
        "computed_risk_ratio_upper": round(ratio.upper, 2) if ratio else None,
        "population": clean(finding.population) if finding.population else None,
        "source": _source_text(row.study, source),
        "note": clean(finding.note) if finding.note else None,
    }


def table_records(result: SafetyTable, *, document: bool = False) -> list[dict[str, Any]]:
    """The rows on screen. For a `document` (markdown), fields that do not apply are blank:
    there "not reported" would wrongly suggest that a source left them out."""
    records = [row_record(row) for row in (*result.summary, *result.rows)]
    if document:
        for record in records:
            for key in ("soc", "computed_risk_ratio", "population", "source"):
                if record[key] is None:
                    record[key] = ""
    return records


# --- several studies --------------------------------------------------------------------


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
    return f"{figure_text(row.experimental)} vs {figure_text(row.comparator)}"


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
        for entry in entries:
            if cell:
                cell.append("\n")
            cell.append(clean(entry_text(entry)))
            cell.append(f" [{notes(entry)}]", style="dim")
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
    for title, rows in groups:
        console.print(Rule(Text(title, style="bold"), align="left", characters="─"))
        table = _pivot_table(studies, header=False)
        for row in rows:
            table.add_row(_pivot_term(row), *_pivot_cells(result, row, notes))
        console.print(table)
    if not result.rows:
        console.print(Text("No findings match the filters.", style="dim"))
    missing = _not_reported(result.not_reported)
    if missing:
        console.print(Text(missing, style="dim"))
    for line in _left_out(result.unjudged, lambda source: ""):
        console.print(Text(line))

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
        text.append("\n" + (_source_text(study, source) or "source not stated"), style="dim")
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


def pivot_columns(result: SafetyPivot) -> tuple[str, ...]:
    studies = [s.id for s in result.studies]
    return ("section", "soc", "term", "serious", *studies)


def pivot_records(result: SafetyPivot) -> list[dict[str, Any]]:
    """One record per pivot row; each study holds its entries' texts, `; `-joined, with ids."""
    records = []
    for row in result.rows:
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
        }
        for row in result.rows
    ]


def _entry_who(row: SafetyRow) -> str:
    source = next((f.source for f in row.figures if f.source), row.source)
    population = clean(row.finding.population) if row.finding.population else None
    return "; ".join(p for p in (population, _source_text(row.study, source)) if p)
