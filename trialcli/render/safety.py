"""`trialcli ae`: adverse events of one study as a table, and the texts the pivot shares.

Every number is printed as `formatting` writes it; differences come from `ops.safety` and
are labelled as computed by trialcli. The records for json/csv/markdown hold the same rows
and the same texts as the screen, plus the numbers behind them.
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

from rich import box
from rich.console import Console, Group, RenderableType
from rich.padding import Padding
from rich.rule import Rule
from rich.table import Table
from rich.text import Text

from trialcli.formatting import (
    NOT_REPORTED,
    cited_mark,
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
    HarmsScope,
    SafetyRow,
    SafetyTable,
)
from trialcli.render.plaintable import Quick
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


def scope_text(scope: HarmsScope) -> Text:
    """`Harms listed: the sources' selection …; every adverse event: <registry page>`."""
    text = Text("Harms listed: " + clean(scope.text))
    if scope.full_list is not None:
        text.append("; the full list: " + clean(scope.full_list))
    return text


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


def not_reported_text(kinds: Sequence[SafetySummary]) -> str | None:
    if not kinds:
        return None
    return "Not reported by the sources: " + ", ".join(SUMMARY_NAMES[k].lower() for k in kinds)


# --- one study --------------------------------------------------------------------------


class _Numbers:
    """`[n]`: a source's position in the study's `sources`, as `trialcli show` numbers it."""

    def __init__(self, study: Study) -> None:
        self._study = study
        self.cited: set[str] = set()

    def __call__(self, source: str | None) -> str:
        if source is not None:
            self.cited.add(source)
        return cited_mark(self._study, source)


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
    table: Table,
    rows: Sequence[SafetyRow],
    marks: _Numbers,
    *,
    grouped: bool,
    wide: bool,
    why: dict[int, str] | None = None,
) -> None:
    """`why`: for findings the filters could not judge, the reason, in the difference column."""
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
        difference = (
            Text(f"not judged: {clean(why[id(row)])}", style="dim")
            if why is not None and id(row) in why
            else _difference_cell(row)
        )
        if wide:
            term = Text("") if same else _term(row, with_soc=not grouped)
            who = Text("") if same else _who(row)
            table.add_row(term, arms, difference, who)
        else:
            # Under the finding's name, indented so that wrapped lines stay inside it.
            details = [arms] if same else [arms, _who(row)]
            body = Padding(Group(*(d for d in details if d)), (0, 0, 0, 2))
            cell: RenderableType = body if same else Group(_term(row, not grouped), body)
            table.add_row(cell, difference)
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
    lines += [Text("Role: " + clean(words)) for words in result.roles_disputed]
    shown = filters_text(result.filters, result.sort)
    if shown:
        lines.append(Text("Showing: " + shown))
    lines.append(scope_text(result.scope))
    console.print(Group(*lines))

    console.print()
    summary_title = Text("Summary", style="bold")
    if result.filters.selects:
        summary_title.append(" (not filtered: context for the findings below)", style="")
    console.print(Rule(summary_title, align="left", characters="─"))
    wide = console.width >= WIDE
    summary = _table(console.width)
    _add_rows(summary, result.summary, marks, grouped=False, wide=wide)
    if result.summary:
        console.print(Quick(summary))
    missing = not_reported_text(result.not_reported)
    if missing:
        console.print(Text(missing, style="dim"))

    console.print()
    grouped = result.sort is SafetySort.soc
    title = "Findings by organ-system class" if grouped else "Findings"
    console.print(Rule(Text(title, style="bold"), align="left", characters="─"))
    if result.rows:
        findings = _table(console.width)
        _add_rows(findings, result.rows, marks, grouped=grouped, wide=wide)
        console.print(Quick(findings))
    else:
        console.print(Text("No findings match the filters.", style="dim"))
    count = len({row.index for row in result.rows})
    console.print(Text(f"{count} finding{'' if count == 1 else 's'} shown", style="dim"))
    if result.unjudged:
        console.print()
        heading = Text("Not judged by the filters", style="bold")
        heading.append(": a figure they need is not reported", style="")
        console.print(Rule(heading, align="left", characters="─"))
        unjudged = _table(console.width)
        rows = [row for row, _ in result.unjudged]
        why = {id(row): reason for row, reason in result.unjudged}
        _add_rows(unjudged, rows, marks, grouped=False, wide=wide, why=why)
        console.print(Quick(unjudged))

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
    "filter",
    "harms_listed",
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
    "filter",
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


def source_text(study: Study, source: str | None) -> str | None:
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
        "source": source_text(row.study, source),
        "note": clean(finding.note) if finding.note else None,
    }


def table_records(result: SafetyTable, *, document: bool = False) -> list[dict[str, Any]]:
    """The rows on screen, each saying how the filters treated it (`filter`) and what the
    list of harms is. For a `document` (markdown), fields that do not apply are blank:
    there "not reported" would wrongly suggest that a source left them out."""
    selects = result.filters.selects
    marked = [
        *((row, "not filtered: context" if selects else "") for row in result.summary),
        *((row, "kept" if selects else "") for row in result.rows),
        *((row, f"not judged: {reason}") for row, reason in result.unjudged),
    ]
    listed = scope_text(result.scope).plain.removeprefix("Harms listed: ")
    records = [{**row_record(row), "filter": how, "harms_listed": listed} for row, how in marked]
    if document:
        for record in records:
            for key in ("soc", "computed_risk_ratio", "population", "source", "filter"):
                if record[key] is None:
                    record[key] = ""
    return records


def table_html(result: SafetyTable) -> str:
    """`ae STUDY -f html`: the document's rows on one printable page, with what they are."""
    from trialcli.render.tabular import to_html

    before = [
        "Comparator: " + (", ".join(result.comparators) or "none (differences not computable)"),
        *("Role: " + words for words in result.roles_disputed),
        scope_text(result.scope).plain,
    ]
    shown = filters_text(result.filters, result.sort)
    if shown:
        before.insert(1, "Showing: " + shown)
    records = table_records(result, document=True)
    title = f"{result.study.acronym}: adverse events"
    return to_html(title, records, TABLE_MARKDOWN_COLUMNS, before, [METHODS])
