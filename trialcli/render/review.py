"""`trialcli review`: how many of a review's analyses trialcli reproduces, then each one."""

from __future__ import annotations

from typing import Any

from rich.console import Console
from rich.table import Table
from rich.text import Text

from trialcli.importers.revman.reader import Review
from trialcli.ops.review import ESTIMATE_TOLERANCE, TAU2_TOLERANCE, Checked, Figures
from trialcli.render.text import clean

MODEL_WORDS = {True: "random effects", False: "fixed effect"}
METHOD_WORDS = {"MH": "Mantel–Haenszel", "IV": "inverse variance", "PETO": "Peto"}
MARKS = {"agrees": "✔", "differs": "✘ differs", "not estimable": "–", "not computed": "?"}
COLUMNS = (
    "id",
    "comparison",
    "outcome",
    "name",
    "measure",
    "method",
    "model",
    "status",
    "stated_estimate",
    "stated_ci_lower",
    "stated_ci_upper",
    "stated_tau2",
    "stated_i2_percent",
    "stated_q",
    "computed_estimate",
    "computed_ci_lower",
    "computed_ci_upper",
    "computed_tau2",
    "computed_i2_percent",
    "computed_q",
    "studies",
    "differences",
)


def counts(checked: list[Checked]) -> dict[str, int]:
    out = {"agrees": 0, "differs": 0, "not estimable": 0, "not computed": 0}
    for c in checked:
        out[c.status] += 1
    return out


def summary(review: Review, checked: list[Checked]) -> str:
    n = counts(checked)
    text = (
        f"{len(checked)} analyses displayed: {n['agrees']} reproduced by trialcli "
        f"(estimate, CI, τ² and Q), {n['differs']} differ"
    )
    if n["not estimable"]:
        text += f", {n['not estimable']} not estimable (as the review says)"
    if n["not computed"]:
        text += f", {n['not computed']} not computed (reason given)"
    if review.not_displayed:
        text += f"; {len(review.not_displayed)} outcome(s) the review does not pool"
    return text + "."


def _figures(f: Figures | None) -> dict[str, Any] | None:
    if f is None:
        return None
    return {
        "estimate": f.estimate,
        "ci": list(f.ci) if f.ci else None,
        "tau2": f.tau2,
        "i2_percent": f.i2_percent,
        "q": f.q,
    }


def _identity(c: Checked) -> dict[str, object]:
    """What every format says of an analysis before its figures."""
    return {
        "id": c.analysis.id,
        "comparison": c.analysis.comparison,
        "outcome": c.analysis.outcome,
        "name": c.analysis.name,
        "measure": c.analysis.measure,
        "method": c.analysis.method,
        "model": "random" if c.analysis.random else "fixed",
        "studies": c.stated.studies,
        "status": c.status,
    }


def review_json(review: Review, checked: list[Checked]) -> dict[str, Any]:
    return {
        "review": review.title,
        "citation": review.citation,
        "studies": len(review.studies),
        "summary": summary(review, checked),
        "tolerance": {"estimate_relative": ESTIMATE_TOLERANCE, "tau2_relative": TAU2_TOLERANCE},
        "scale": "ratios as ratios; risk differences as proportions; MD and SMD as stored",
        "analyses": [
            {
                **_identity(c),
                "computed": _figures(c.computed),
                "stated": _figures(c.stated),
                "differences": list(c.differences),
                "reason": c.reason,
            }
            for c in checked
        ],
        "not_pooled_by_the_review": list(review.not_displayed),
    }


def records(checked: list[Checked]) -> list[dict[str, object]]:
    out: list[dict[str, object]] = []
    for c in checked:
        row: dict[str, object] = {
            **_identity(c),
            "differences": "; ".join(c.differences) or c.reason,
        }
        for side, f in (("stated", c.stated), ("computed", c.computed)):
            row[f"{side}_estimate"] = f.estimate if f else None
            row[f"{side}_ci_lower"] = f.ci[0] if f and f.ci else None
            row[f"{side}_ci_upper"] = f.ci[1] if f and f.ci else None
            row[f"{side}_tau2"] = f.tau2 if f else None
            row[f"{side}_i2_percent"] = f.i2_percent if f else None
            row[f"{side}_q"] = f.q if f else None
        out.append(row)
    return out


def effect(f: Figures | None) -> str:
    if f is None or f.estimate is None:
        return "not estimable"
    if f.ci is None:
        return f"{f.estimate:.2f}"
    return f"{f.estimate:.2f} ({f.ci[0]:.2f} to {f.ci[1]:.2f})"


def render_review(review: Review, checked: list[Checked], console: Console) -> None:
    console.print(Text(clean(review.title), style="bold"))
    if review.citation:
        console.print(f"{review.citation} · {len(review.studies)} studies", highlight=False)
    console.print(summary(review, checked), highlight=False)
    console.print(
        "Computed by trialcli from the review's per-study data with the review's own method; "
        "stated: the review's result as RevMan stored it.",
        highlight=False,
    )
    by_outcome: dict[tuple[str, str], list[Checked]] = {}
    for c in checked:
        by_outcome.setdefault((c.analysis.comparison, c.analysis.outcome), []).append(c)
    for (comparison, outcome), group in by_outcome.items():
        first = group[0].analysis
        console.print()
        heading = f"{clean(outcome)} ({clean(comparison)})"
        console.print(Text(heading, style="bold"))
        console.print(
            f"{first.measure}, {METHOD_WORDS.get(first.method, first.method)}, "
            f"{MODEL_WORDS[first.random]}",
            highlight=False,
        )
        table = Table(show_edge=False, pad_edge=False)
        table.add_column("ID", no_wrap=True)
        table.add_column("Analysis", overflow="fold", ratio=1)
        table.add_column("Stated", overflow="fold")
        table.add_column("trialcli", overflow="fold")
        table.add_column("Check", no_wrap=True)
        for c in group:
            table.add_row(
                c.analysis.id.removeprefix("CMP-"),
                clean(c.analysis.name),
                effect(c.stated),
                effect(c.computed) if c.computed else clean(c.reason or ""),
                MARKS[c.status],
            )
        console.print(table)
        for c in group:
            for d in c.differences:
                console.print(f"  ✘ {c.analysis.id}: {clean(d)}", highlight=False)
    for hidden in review.not_displayed:
        console.print(f"Not pooled by the review (TOTALS=NO): {clean(hidden)}", highlight=False)
