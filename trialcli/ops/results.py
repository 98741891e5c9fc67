"""A study's endpoint results and comparisons as flat rows: `show --format csv`.

One row per arm result and one per comparison, each with the same words the `show` table
prints (`text`) beside the numbers a program needs.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Literal

from trialcli.formatting import comparison_text, result_text
from trialcli.model import Study
from trialcli.ops.summary import endpoint_verdict


@dataclass(frozen=True)
class ResultRow:
    study: str
    endpoint_id: str
    endpoint: str
    code: str | None
    level: str
    row: Literal["result", "comparison"]
    group: str
    group_ids: str
    measure: str | None
    value: float | None
    unit: str | None
    ci_lower: float | None
    ci_upper: float | None
    ci_level: float | None
    n: int | None
    N: int | None
    p_value: str | None
    approximate: bool
    met: bool | None
    verdict: str
    source: str | None
    text: str


COLUMNS = tuple(ResultRow.__dataclass_fields__)


def result_rows(study: Study) -> list[ResultRow]:
    rows: list[ResultRow] = []
    for endpoint in study.endpoints:
        verdict = endpoint_verdict(endpoint).state
        for key, result in endpoint.results.items():
            lower, upper = result.ci or (None, None)
            rows.append(
                ResultRow(
                    study=study.id,
                    endpoint_id=endpoint.id,
                    endpoint=endpoint.name,
                    code=endpoint.code,
                    level=endpoint.level,
                    row="result",
                    group=study.group_label(key),
                    group_ids=key,
                    measure=None,
                    value=result.value,
                    unit=result.unit,
                    ci_lower=lower,
                    ci_upper=upper,
                    ci_level=result.ci_level if result.ci else None,
                    n=result.n,
                    N=result.N,
                    p_value=None,
                    approximate=result.approximate,
                    met=None,
                    verdict=verdict,
                    source=study.cited_source(result, endpoint),
                    text=result_text(result),
                )
            )
        for comparison in endpoint.comparisons:
            lower, upper = comparison.ci or (None, None)
            first, second = comparison.arms
            rows.append(
                ResultRow(
                    study=study.id,
                    endpoint_id=endpoint.id,
                    endpoint=endpoint.name,
                    code=endpoint.code,
                    level=endpoint.level,
                    row="comparison",
                    group=f"{study.group_label(first)} vs {study.group_label(second)}",
                    group_ids=f"{first} vs {second}",
                    measure=comparison.measure,
                    value=comparison.estimate,
                    unit=comparison.unit,
                    ci_lower=lower,
                    ci_upper=upper,
                    ci_level=comparison.ci_level if comparison.ci else None,
                    n=None,
                    N=None,
                    p_value=comparison.p_value,
                    approximate=comparison.approximate,
                    met=comparison.met,
                    verdict=verdict,
                    source=study.cited_source(comparison, endpoint),
                    text=comparison_text(comparison),
                )
            )
    return rows
