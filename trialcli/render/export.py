"""`show --format json`: the study as validated, plus what trialcli computed, marked so."""

from __future__ import annotations

from typing import Any

from trialcli.loader import dotted
from trialcli.model import Study
from trialcli.ops.audit import Audit, Check
from trialcli.ops.effects import AbsoluteEffect
from trialcli.ops.summary import endpoint_verdict, list_row, plain_summary
from trialcli.render.tabular import to_json

# 2: primary_endpoints_met is null when no verdict is stated; a comparison's measure has a
# wider vocabulary (mean, least-squares mean, median and risk differences, geometric-mean
# and least-squares-mean ratios, win ratio, "other"), an equivalence test with
# margin_upper, ci_sides, measure_name and direction; arms may be empty.
JSON_SHAPE_VERSION = 2


def study_json(study: Study, audit: Audit, effects: list[AbsoluteEffect]) -> str:
    row = list_row(study)
    return to_json(
        {
            "shape_version": JSON_SHAPE_VERSION,
            "study": study.model_dump(mode="json", exclude_none=True),
            "computed": {
                "primary_endpoints_met": row.primary_met,
                "primary_endpoints_stated": row.primary_stated,
                "primary_endpoints": row.primary_total,
                "verdicts": {
                    e.id: {"state": endpoint_verdict(e).state, "basis": endpoint_verdict(e).basis}
                    for e in study.endpoints
                },
                "plain_summary": plain_summary(study),
                "absolute_effects": [_effect(e) for e in effects],
                "consistency_checks": [_check(c) for c in audit.checks],
            },
        }
    )


def _rounded(value: float | None) -> float | None:
    return None if value is None else round(value, 4)


def _effect(effect: AbsoluteEffect) -> dict[str, Any]:
    return {
        "endpoint": effect.endpoint,
        "arms": list(effect.arms),
        "measure": effect.measure,
        "from": list(effect.inputs),
        "difference": _rounded(effect.difference),
        "unit": effect.unit,
        "ci": [_rounded(v) for v in effect.ci] if effect.ci else None,
        "ci_level": effect.ci_level,
        "method": effect.method,
        "number_needed": _rounded(effect.number_needed),
        "number_needed_ci": (
            [_rounded(v) for v in effect.number_needed_ci] if effect.number_needed_ci else None
        ),
        "number_needed_ci_spans_no_effect": effect.number_needed_spans_no_effect,
        "text": effect.text,
    }


def _check(check: Check) -> dict[str, Any]:
    return {
        "check": check.kind,
        "ok": check.ok,
        "message": check.text(),
        "figures": [
            {"shown": f.shown, "source": f.source, "fields": [dotted(loc) for loc in f.locs]}
            for f in check.figures
        ],
        "acknowledged": check.acknowledged,
    }
