"""`show --format json` and `--format csv`: the page as data.

json: the study as validated, what trialcli computed (marked so), and the page's facts,
each with its qualifiers. csv: one row per fact (arm result, comparison, computed effect,
harm figure, computed harm difference), with the same qualifiers as columns.
"""

from __future__ import annotations

from dataclasses import asdict
from typing import Any

from trialcli.loader import dotted
from trialcli.ops.audit import Check
from trialcli.ops.effects import AbsoluteEffect
from trialcli.ops.page import Fact, Page
from trialcli.ops.summary import list_row
from trialcli.render.tabular import to_json

# 2: primary_endpoints_met is null when no verdict is stated; a comparison's measure has a
# wider vocabulary (mean, least-squares mean, median and risk differences, geometric-mean
# and least-squares-mean ratios, win ratio, "other"), an equivalence test with
# margin_upper, ci_sides, measure_name and direction; arms may be empty.
# 3: a "page" block — every fact the page says, with its qualifiers (trialcli.ops.page);
# primary endpoints are counted as measures.
JSON_SHAPE_VERSION = 3

# The csv of `show`: the study, then each fact's fields (ops.page.Fact) in their order.
FACT_COLUMNS = ("study", *Fact.__dataclass_fields__, "qualifiers")


def fact_record(study: str, fact: Fact) -> dict[str, Any]:
    return {"study": study, **asdict(fact), "qualifiers": fact.qualifier_words}


def fact_records(page: Page) -> list[dict[str, Any]]:
    return [fact_record(page.study.id, f) for f in page.facts]


def study_json(page: Page) -> str:
    study, audit, effects = page.study, page.audit, page.effects
    row = list_row(study)
    primaries = page.primaries
    return to_json(
        {
            "shape_version": JSON_SHAPE_VERSION,
            "study": study.model_dump(mode="json", exclude_none=True),
            "computed": {
                "primary_endpoints_met": row.primary_met,
                "primary_endpoints_stated": row.primary_stated,
                "primary_endpoints": row.primary_total,
                "primary_measures": primaries.total,
                "verdicts": {
                    key: {"state": verdict.state, "basis": verdict.basis}
                    for key, verdict in page.verdicts.items()
                },
                "plain_summary": page.summary,
                "absolute_effects": [_effect(page, e) for e in effects],
                "consistency_checks": [_check(c) for c in audit.checks],
            },
            "page": {
                "facts": [{**asdict(f), "qualifiers": f.qualifier_words} for f in page.facts],
                "sources": [asdict(s) for s in page.sources],
                "warnings": [asdict(w) for w in page.warnings],
                "harms_listed": asdict(page.harms_listed),
                "harms_order": asdict(page.harms_order),
            },
        }
    )


def _rounded(value: float | None) -> float | None:
    return None if value is None else round(value, 4)


def _effect(page: Page, effect: AbsoluteEffect) -> dict[str, Any]:
    return {
        "endpoint": effect.endpoint,
        "endpoint_name": page.endpoint_name(effect.endpoint),
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
