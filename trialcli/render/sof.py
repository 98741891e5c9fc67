"""`trialcli sof`: the Summary-of-Findings table for people, documents and programs.

Layout after the Cochrane Handbook's chapter 14 tables: outcome; anticipated absolute effects
(risk with the comparator, risk with the intervention and the difference, per 1,000);
relative effect (95% CI); participants (studies); certainty; comments.
"""

from __future__ import annotations

import html
from dataclasses import asdict
from typing import Any

from rich import box
from rich.console import Console
from rich.table import Table
from rich.text import Text

from trialcli.formatting import NOT_REPORTED, interval, number, with_interval
from trialcli.ops.sof import Relative, SofRow, SofTable
from trialcli.render.rob import traffic_light_json
from trialcli.render.text import clean

SHORT_NAMES = {
    "risk-ratio": "RR",
    "odds-ratio": "OR",
    "hazard-ratio": "HR",
    "rate-ratio": "Rate ratio",
}
FOOTER = (
    "Anticipated absolute effects are computed by trialcli from the comparator's risk and the "
    "relative effect (Cochrane Handbook chapter 14 formulas for RR, OR and HR). Certainty is "
    "shown only where a reviewer's judgements file (sof --judgements) or a study file records "
    "it; trialcli does not grade evidence."
)
COLUMNS = (
    "outcome",
    "level",
    "time_frame",
    "groups",
    "risk_with_comparator",
    "risk_with_intervention",
    "difference",
    "relative_effect",
    "relative_effect_basis",
    "participants_studies",
    "certainty",
    "certainty_source",
    "comments",
    "population",
    "setting",
    "intervention",
    "comparison",
)


def pooling_text(table: SofTable) -> str | None:
    """The table's one pooling method, for every pooled row (issue 23)."""
    if table.method is None:
        return None
    return f"Every pooled row: {table.method}, reported ratios and risk ratios from n/N alike."


def _absent(row: SofRow) -> str:
    """What an empty cell says: not pooled (each study's figures in the comments), or not
    reported."""
    return row.not_pooled or NOT_REPORTED


def relative_text(relative: Relative | None, absent: str = NOT_REPORTED) -> str:
    """`Rate ratio 0.51 (0.39–0.65)`; reported values keep the places they were printed with."""
    if relative is None:
        return absent
    name = SHORT_NAMES.get(relative.measure, relative.measure)
    if relative.how == "as reported":
        return f"{name} {with_interval(relative.estimate, relative.ci)}"
    value = number(relative.estimate, 2)
    ci = f" ({interval(relative.ci, 2)})" if relative.ci else ""
    return f"{name} {value}{ci}"


def _count(value: int) -> str:
    return f"{abs(value):,} {'more' if value > 0 else 'fewer'}"


def difference_text(row: SofRow) -> str:
    """`255 fewer (317 to 182 fewer)`, or `83 fewer (125 fewer to 25 more)`."""
    if row.difference is None:
        return _absent(row)
    text = _count(row.difference)
    if row.difference_ci is None:
        return text + " (no CI)"
    low, high = sorted(row.difference_ci)
    if low < 0 < high or low == 0 or high == 0:
        return f"{text} ({_count(low)} to {_count(high)})"
    near, far = (low, high) if low > 0 else (-low, -high)
    return f"{text} ({near:,} to {far:,} {'more' if low > 0 else 'fewer'})"


def comparator_text(row: SofRow) -> str:
    if row.comparator is None:
        return f"{row.arm_results[0]} (as reported)" if row.arm_results else _absent(row)
    return f"{row.comparator:,} {row.per} ({row.comparator_basis})"


def intervention_text(row: SofRow) -> str:
    if row.intervention is None:
        return f"{row.arm_results[1]} (as reported)" if row.arm_results else _absent(row)
    text = f"{row.intervention:,} {row.per}"
    if row.intervention_ci is not None:
        low, high = sorted(row.intervention_ci)
        text += f" ({low:,} to {high:,})"
    return text


def participants_text(row: SofRow) -> str:
    people = f"{row.participants:,}" if row.participants is not None else NOT_REPORTED
    count = len(row.studies)
    return f"{people} ({count} {'study' if count == 1 else 'studies'})"


def sof_records(table: SofTable) -> list[dict[str, Any]]:
    return [
        {
            "outcome": row.outcome,
            "level": row.level,
            "time_frame": row.time_frame,
            "groups": row.groups,
            "risk_with_comparator": comparator_text(row),
            "risk_with_intervention": intervention_text(row),
            "difference": difference_text(row),
            "relative_effect": relative_text(row.relative, _absent(row)),
            "relative_effect_basis": row.relative.how if row.relative else None,
            "participants_studies": participants_text(row),
            "certainty": row.certainty,
            # Blank where not assessed: there is no source, and nothing unknown.
            "certainty_source": row.certainty_source or "",
            "comments": "; ".join(row.comments),
            **{name: value for name, value in table.header},
        }
        for row in table.rows
    ]


def sof_json(table: SofTable) -> dict[str, Any]:
    return {
        "studies": list(table.studies),
        "outcomes": [
            {**asdict(row), "text": record}
            for row, record in zip(table.rows, sof_records(table), strict=True)
        ],
        "outcomes_not_shown": list(table.left_out),
        "header": dict(table.header) or None,
        "risk_of_bias": list(table.risk_of_bias),
        "risk_of_bias_traffic_light": (
            traffic_light_json(table.traffic_light) if table.traffic_light else None
        ),
        "pooling_method": table.method,
        "note": FOOTER,
    }


def sof_html(table: SofTable) -> str:
    """A self-contained HTML table; every value escaped."""
    heads = [
        "Outcome",
        "Risk with comparator",
        "Risk with intervention (95% CI)",
        "Difference (95% CI)",
        "Relative effect (95% CI)",
        "Participants (studies)",
        "Certainty",
        "Comments",
    ]
    keys = [
        "outcome",
        "risk_with_comparator",
        "risk_with_intervention",
        "difference",
        "relative_effect",
        "participants_studies",
        "certainty",
        "comments",
    ]
    lines = [
        '<table class="summary-of-findings">',
        f"<caption>Summary of findings: {html.escape(clean(', '.join(table.studies)))}</caption>",
        *(
            f"<tr><th>{html.escape(name.capitalize())}</th>"
            f'<td colspan="{len(heads) - 1}">{html.escape(clean(value))}</td></tr>'
            for name, value in table.header
        ),
        "<thead><tr>" + "".join(f"<th>{h}</th>" for h in heads) + "</tr></thead>",
        "<tbody>",
    ]
    for record in sof_records(table):
        cells = "".join(f"<td>{html.escape(clean(str(record[k] or '')))}</td>" for k in keys)
        lines.append(f"<tr>{cells}</tr>")
    lines += ["</tbody>", f'<tfoot><tr><td colspan="{len(heads)}">']
    lines += [f"Risk of bias (RoB 2): {html.escape(clean(r))}<br>" for r in table.risk_of_bias]
    if (pooling := pooling_text(table)) is not None:
        lines.append(html.escape(pooling) + "<br>")
    lines.append(html.escape(FOOTER))
    lines += ["</td></tr></tfoot>", "</table>"]
    return "\n".join(lines) + "\n"


def render_sof(table: SofTable, console: Console) -> None:
    console.print(Text(f"Summary of findings: {clean(', '.join(table.studies))}", style="bold"))
    for name, value in table.header:
        console.print(Text(f"{name.capitalize()}: {clean(value)}"))
    grid = Table(box=box.SIMPLE_HEAD, pad_edge=False, show_lines=True, header_style="bold")
    grid.add_column("Outcome", ratio=3, overflow="fold")
    grid.add_column("Risk with comparator", ratio=2, overflow="fold")
    grid.add_column("With intervention (95% CI)", ratio=3, overflow="fold")
    grid.add_column("Relative effect (95% CI)", ratio=3, overflow="fold")
    notes: list[str] = []
    for row in table.rows:
        outcome = Text(clean(row.outcome), style="bold")
        outcome.append(f"\n{row.level}" + (f", {clean(row.time_frame)}" if row.time_frame else ""))
        outcome.append(f"\n{participants_text(row)}")
        outcome.append(f"\nCertainty: {clean(row.certainty)}")
        first = len(notes) + 1
        notes += [clean(c) for c in row.comments]
        if row.comments:
            outcome.append(f"\nNote {first}" + (f"–{len(notes)}" if len(notes) > first else ""))
        relative = Text(relative_text(row.relative, _absent(row)))
        if row.relative is not None and row.relative.how != "as reported":
            relative.append(f"\n{row.relative.how}", style="dim")
        grid.add_row(
            outcome,
            Text(clean(comparator_text(row), one_line=False)),
            Text(clean(f"{intervention_text(row)}\n{difference_text(row)}", one_line=False)),
            relative,
        )
    console.print(grid)
    for number_, note in enumerate(notes, start=1):
        console.print(Text(f"{number_}. {note}", style="dim"))
    if table.traffic_light is not None:
        from trialcli.render.rob import render_traffic_light

        render_traffic_light(table.traffic_light, console)
    elif table.risk_of_bias:
        console.print(Text("Risk of bias (RoB 2, the reviewer's judgements):", style="bold"))
        for line in table.risk_of_bias:
            console.print(Text(f"  {clean(line)}", style="dim"))
    if table.left_out:
        shown = ", ".join(clean(name) for name in table.left_out)
        console.print(Text(f"Not shown (at most seven outcomes): {shown}.", style="dim"))
    if (pooling := pooling_text(table)) is not None:
        console.print(Text(pooling))
    console.print(Text(FOOTER, style="bold"))
