"""Sensitivity tables under a pooled forest plot: leave-one-out, cumulative, subgroups."""

from __future__ import annotations

from typing import Any

from rich.console import Console
from rich.table import Table
from rich.text import Text

from trialcli.formatting import MEASURE_NAMES, interval, number
from trialcli.ops.sensitivity import Sensitivity, Step
from trialcli.render.forest_text import (
    NOT_ESTIMABLE,
    follow_ups_text,
    p_value_text,
    pooled_places,
    tests_text,
)
from trialcli.render.text import clean

TITLES = {
    "leave-one-out": "Leave-one-out: each study omitted in turn",
    "cumulative": "Cumulative: studies added by the year they started",
    "subgroup": "Subgroups by {field}",
}
COLUMNS = (
    "analysis",
    "measure",
    "method",
    "label",
    "studies",
    "k",
    "estimate",
    "ci_lower",
    "ci_upper",
    "se_pooled",
    "p",
    "i2_percent",
    "tau2",
    "q_between",
    "q_between_df",
    "q_between_p",
    "test",
    "follow_up",
)


def title(analysis: Sensitivity) -> str:
    return TITLES[analysis.kind].format(field=analysis.field)


def difference_text(analysis: Sensitivity) -> str | None:
    if analysis.difference is None:
        return None
    q, df, p = analysis.difference
    return f"Test for subgroup differences: Q = {q:.2f} (df {df}), {p_value_text(p)}"


def _estimate(analysis: Sensitivity, step: Step) -> str:
    places = pooled_places(analysis.pooled, step.ci)
    return f"{number(step.estimate, places)} ({interval(step.ci, places)})"


def render_sensitivity(analysis: Sensitivity, console: Console) -> None:
    pooled = analysis.pooled
    console.print()
    name = MEASURE_NAMES[pooled.measure].capitalize()
    console.print(Text(f"{title(analysis)} ({name}, {pooled.method_name})", style="bold"))
    table = Table(box=None, pad_edge=False, padding=(0, 2, 0, 0), header_style="bold")
    for column in ("Analysis", "k", "Estimate (95% CI)", "p", "I²", "τ²"):
        table.add_column(column, justify="left" if column == "Analysis" else "right")
    for shown in (*analysis.steps, analysis.overall):
        table.add_row(
            clean(shown.label),
            str(len(shown.acronyms)),
            _estimate(analysis, shown),
            p_value_text(shown.p),
            f"{shown.i2:.0f}%" if shown.i2 is not None else NOT_ESTIMABLE,
            f"{shown.tau2:.3f}" if shown.tau2 is not None else "—",
        )
    console.print(table)
    difference = difference_text(analysis)
    if difference:
        console.print(Text(difference))
    console.print(
        Text(
            "I² of one study is not estimable; a step with one study shows its own estimate. "
            "Computed by trialcli; no source states these.",
            style="dim",
        )
    )


def sensitivity_records(analysis: Sensitivity) -> list[dict[str, Any]]:
    q = analysis.difference
    by_name = dict(zip(analysis.pooled.acronyms, analysis.pooled.rows, strict=True))
    return [
        {
            "analysis": analysis.kind + (f" by {analysis.field}" if analysis.field else ""),
            "measure": analysis.pooled.measure,
            "method": analysis.pooled.method_name,
            "label": step.label,
            "studies": " + ".join(step.acronyms),
            "k": len(step.acronyms),
            "estimate": step.estimate,
            "ci_lower": step.ci[0],
            "ci_upper": step.ci[1],
            "se_pooled": step.se,
            "p": step.p,
            "i2_percent": step.i2,
            "tau2": step.tau2,
            "q_between": q[0] if q else None,
            "q_between_df": q[1] if q else None,
            "q_between_p": q[2] if q else None,
            "test": tests_text([by_name[a] for a in step.acronyms]),
            "follow_up": follow_ups_text([by_name[a] for a in step.acronyms]),
        }
        for step in analysis.steps
    ]
