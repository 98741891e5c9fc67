"""`trialcli compare --pool`: the pooled estimates under the forest plot, and as data.

The diamond row itself is drawn by render/forest.py; this module prints what it means
(method, heterogeneity, prediction interval, weights) and what was not pooled and why.
"""

from __future__ import annotations

from typing import Any

from rich.console import Console
from rich.text import Text

from trialcli.formatting import MEASURE_NAMES
from trialcli.ops.compare import ForestPlot
from trialcli.ops.pool import PooledPanel, PoolResult
from trialcli.render.forest import COLUMNS, forest_json, forest_records
from trialcli.render.forest_text import (
    POOLED,
    PREDICTION,
    follow_ups_text,
    heterogeneity_text,
    method_notes,
    overall_text,
    pooled_places,
    pooled_text,
    prediction_text,
    tests_text,
    weight_text,
)
from trialcli.render.text import clean

COMPUTED = (
    "Pooled estimates are computed by trialcli from the studies' own estimates and CIs "
    "(ratios on the log scale); no source states them, and trialcli does not grade them."
)
COMPUTED_FROM_COUNTS = (
    "Pooled estimates are computed by trialcli from the studies' n/N by Mantel–Haenszel "
    "(ratios on the log scale); no source states them, and trialcli does not grade them."
)
POOL_COLUMNS = (
    *COLUMNS,
    "pooled",
    "method",
    "studies_pooled",
    "weight_percent",
    "q",
    "q_df",
    "q_p",
    "se_pooled",
    "z",
    "p_overall",
    "i2_percent",
    "i2_tau2_percent",
    "i2_ci_lower",
    "i2_ci_upper",
    "tau2",
    "tau",
    "tau2_unreliable",
    "prediction_lower",
    "prediction_upper",
    "follow_up",
    "continuity_corrected",
    "pooled_doses",
)


def render_pooled(result: PoolResult, console: Console) -> None:
    console.print()
    console.print(Text("Pooled:", style="bold"))
    if not result.panels:
        console.print(Text("Nothing could be pooled: no panel holds two poolable studies."))
    for pooled in result.panels:
        name = MEASURE_NAMES[pooled.measure].capitalize()
        unit = f" ({clean(pooled.unit)})" if pooled.unit else ""
        line = Text(f"{POOLED} {name}{unit}, {clean(pooled.compares)}: ", style="bold")
        line.append(f"{pooled_text(pooled)}, 95% CI; {pooled.method_name}", style="")
        console.print(line)
        weights = ", ".join(
            f"{clean(a)} {weight_text(w)}"
            for a, w in zip(pooled.acronyms, pooled.statistics.weights, strict=True)
        )
        console.print(Text(f"  Studies (weight): {weights}"))
        console.print(Text(f"  Test for overall effect: {overall_text(pooled)}"))
        console.print(Text(f"  Heterogeneity: {heterogeneity_text(pooled)}"))
        prediction = prediction_text(pooled)
        console.print(Text(f"  {prediction[0].upper()}{prediction[1:]}"))
        for note in method_notes(pooled):
            console.print(Text(f"  {clean(note)}"))
        if pooled.inferred:
            names = ", ".join(clean(a) for a in pooled.inferred)
            console.print(Text(f"  Which group is compared with which is inferred for: {names}"))
    console.print(
        Text(f"{POOLED} pooled estimate, < > its 95% CI, {PREDICTION} 95% prediction interval")
    )
    console.print(Text(computed_note(result), style="bold"))
    if result.not_pooled:
        console.print()
        console.print(Text("Drawn but not pooled:", style="bold"))
        for item in result.not_pooled:
            line = Text("• ")
            line.append(f"{clean(item.acronym)}: ", style="bold")
            line.append(f"{MEASURE_NAMES.get(item.measure, item.measure)} {clean(item.text)}")
            line.append(f" — {clean(item.reason)}", style="dim")
            console.print(line)


# --- for programs ---------------------------------------------------------------------


def _pooled_json(pooled: PooledPanel) -> dict[str, Any]:
    found = pooled.statistics.heterogeneity
    return {
        "measure": pooled.measure,
        "unit": pooled.unit,
        "compares": pooled.compares,
        "method": pooled.statistics.method,
        "method_name": pooled.method_name,
        "hksj": pooled.statistics.hksj,
        "scale_pooled": "log" if pooled.scale == "log" else "linear",
        "studies": list(pooled.study_ids),
        "direction_inferred": list(pooled.inferred),
        "weights_percent": list(pooled.statistics.weights),
        "hksj_adhoc": pooled.statistics.hksj_adhoc,
        "hksj_narrower_than_standard": pooled.statistics.hksj_narrower,
        "follow_ups": list(pooled.follow_ups),
        "continuity_corrected": list(pooled.corrected),
        "pooled_doses": list(pooled.pooled_doses),
        "tests": [row.test for row in pooled.rows],
        "estimate": pooled.estimate,
        "ci": {"lower": pooled.ci[0], "upper": pooled.ci[1], "level": pooled.statistics.level},
        "overall_effect": {
            "se_pooled_scale": pooled.statistics.se,
            "statistic": "z" if pooled.statistics.test_df is None else "t",
            "value": pooled.statistics.z,
            "df": pooled.statistics.test_df,
            "p": pooled.statistics.p,
        },
        "prediction_interval": (
            {"lower": pooled.prediction[0], "upper": pooled.prediction[1], "level": 95}
            if pooled.prediction
            else None
        ),
        "heterogeneity": {
            "q": found.q,
            "df": found.df,
            "p": found.p,
            "i2_percent": found.i2,
            "i2_tau2_percent": found.i2_tau2,
            "i2_ci_percent": list(found.i2_ci) if found.i2_ci else None,
            "tau2": found.tau2,
            "tau": found.tau,
            "tau2_unreliable": pooled.tau2_unreliable,
        },
        "computed": True,
    }


def pooled_forest_json(plot: ForestPlot, result: PoolResult) -> dict[str, Any]:
    """The forest plot's JSON with the pooled estimates and what was left out."""
    data = forest_json(plot)
    data["pooled_estimate"] = [_pooled_json(p) for p in result.panels]
    data["not_pooled"] = [
        {
            "study": item.study_id,
            "acronym": item.acronym,
            "measure": item.measure,
            "text": item.text,
            "reason": item.reason,
        }
        for item in result.not_pooled
    ]
    data["note"] = computed_note(result)
    return data


def computed_note(result: PoolResult) -> str:
    """What the pooled numbers are computed from: estimates and CIs, or n/N."""
    counts = result.method in {"mantel-haenszel", "mantel-haenszel-random"}
    return COMPUTED_FROM_COUNTS if counts else COMPUTED


def pooled_records(plot: ForestPlot, result: PoolResult) -> list[dict[str, Any]]:
    """The forest rows, each saying whether it was pooled, then one row per pooled estimate."""
    reasons = {(n.study_id, n.measure, n.text): n.reason for n in result.not_pooled}
    weights = {
        (study, p.measure): round(weight, 2)
        for p in result.panels
        for study, weight in zip(p.study_ids, p.statistics.weights, strict=True)
    }
    records: list[dict[str, Any]] = []
    for record in forest_records(plot):
        key = (record["study"], record["measure"])
        pooled = record["drawn"] and key in weights
        reason = reasons.get((record["study"], record["measure"], record["text"]), "")
        if record["drawn"] and not pooled and reason:
            record = {**record, "reason": f"not pooled: {reason}"}
        # A study row has no method, Q or τ² (absent: they do not apply), and a weight only
        # if pooled.
        records.append(
            {
                **record,
                "pooled": pooled,
                **({"weight_percent": weights[key]} if pooled else {}),
                "follow_up": record["time_frame"] or "follow-up not reported",
            }
        )
    for p in result.panels:
        found = p.statistics.heterogeneity
        places = pooled_places(p)
        records.append(
            {
                "study": "pooled",
                "acronym": f"Pooled, {p.statistics.k} studies",
                "endpoint": plot.code,
                "measure": p.measure,
                "groups": p.compares,
                "estimate": round(p.estimate, places + 2),
                "ci_lower": round(p.ci[0], places + 2),
                "ci_upper": round(p.ci[1], places + 2),
                "ci_level": p.statistics.level,
                "text": pooled_text(p),
                "converted_from_relative_reduction": "",
                "drawn": True,
                "reason": "",
                "source": "computed by trialcli",
                "pooled": True,
                "method": p.method_name,
                "studies_pooled": " + ".join(p.acronyms),
                "q": round(found.q, 4),
                "q_df": found.df,
                "q_p": round(found.p, 4),
                "se_pooled": round(p.statistics.se, 6),
                "z": round(p.statistics.z, 4),
                "p_overall": p.statistics.p,
                "i2_percent": round(found.i2, 2),
                "i2_tau2_percent": None if found.i2_tau2 is None else round(found.i2_tau2, 2),
                "i2_ci_lower": round(found.i2_ci[0], 2) if found.i2_ci else None,
                "i2_ci_upper": round(found.i2_ci[1], 2) if found.i2_ci else None,
                "tau2": round(found.tau2, 4),
                "tau": round(found.tau, 4),
                "tau2_unreliable": p.tau2_unreliable,
                "prediction_lower": (round(p.prediction[0], places + 2) if p.prediction else None),
                "prediction_upper": (round(p.prediction[1], places + 2) if p.prediction else None),
                "time_frame": follow_ups_text(p.rows),
                "test": tests_text(p.rows),
                "follow_up": follow_ups_text(p.rows),
                "continuity_corrected": " + ".join(p.corrected),
                "pooled_doses": " + ".join(p.pooled_doses),
            }
        )
        # What was not computed for this pool (no prediction interval from 2 studies) does
        # not apply to it: absent, never "not reported".
        records[-1] = {k: v for k, v in records[-1].items() if v is not None}
    return records
