"""`compare --export FILE.csv`: one row per study as metafor's escalc and RevMan read it.

yi is the study's estimate on the scale pooling uses (the natural log of a ratio, a
difference as it is), vi its variance from its two-sided CI (trialcli.stats.meta.se_from_ci),
with the measure, the groups compared and their counts, the follow-up and the source, so that
`rma(yi, vi, data = read.csv(FILE))` reproduces `compare --pool`. A row whose CI is missing,
one-sided or of zero width has no vi (empty: R reads NA) and says why.
"""

from __future__ import annotations

import math
from collections.abc import Sequence
from typing import Any

from trialcli.model import RATIO_MEASURES, Study
from trialcli.ops.compare import ForestRow
from trialcli.ops.pool import follow_up
from trialcli.stats.meta import se_from_ci

# escalc's measure names; a hazard ratio (and any other) is a generic log ratio ("GEN").
ESCALC_MEASURES = {
    "risk-ratio": "RR",
    "odds-ratio": "OR",
    "rate-ratio": "IRR",
    "risk-difference": "RD",
    "mean-difference": "MD",
}
COLUMNS = (
    "study",
    "acronym",
    "endpoint",
    "measure",
    "escalc_measure",
    "scale",
    "yi",
    "vi",
    "sei",
    "experimental",
    "comparator",
    "ai",
    "n1i",
    "ci",
    "n2i",
    "follow_up",
    "direction",
    "note",
    "source",
)


def escalc_records(rows: Sequence[ForestRow], studies: Sequence[Study]) -> list[dict[str, Any]]:
    by_id = {s.id: s for s in studies}
    records = []
    for row in rows:
        study = by_id[row.study_id]
        log = row.measure in RATIO_MEASURES
        yi = math.log(row.estimate) if log else row.estimate
        sei, note = None, ""
        if row.ci is None:
            note = "no CI: no variance"
        elif row.one_sided:
            note = "a one-sided CI: not read as a two-sided one"
        elif not row.ci[0] < row.ci[1]:
            note = "a CI of zero width: no variance"
        else:
            sei = se_from_ci(row.ci[0], row.ci[1], row.ci_level, log=log)
        counts = _counts(study, row)
        experimental, comparator = row.arms
        records.append(
            {
                "study": row.study_id,
                "acronym": row.acronym,
                "endpoint": row.endpoint,
                "measure": row.measure,
                "escalc_measure": ESCALC_MEASURES.get(row.measure, "GEN"),
                "scale": "log" if log else "linear",
                "yi": yi,
                "vi": None if sei is None else sei * sei,
                "sei": sei,
                "experimental": study.group_label(experimental),
                "comparator": study.group_label(comparator),
                "ai": counts[0],
                "n1i": counts[1],
                "ci": counts[2],
                "n2i": counts[3],
                "follow_up": follow_up(row),
                "direction": row.direction,
                "note": note,
                "source": row.source.citation if row.source else None,
            }
        )
    return records


def _counts(study: Study, row: ForestRow) -> tuple[int | None, int | None, int | None, int | None]:
    """Events and people in each arm, where the endpoint records both (else not reported)."""
    endpoint = next((e for e in study.endpoints if e.id == row.endpoint_id), None)
    if endpoint is None or endpoint.kind == "rate":
        return None, None, None, None
    a, b = (endpoint.results.get(group) for group in row.arms)
    if a is None or b is None or a.n is None or b.n is None or not a.N or not b.N:
        return None, None, None, None
    return a.n, a.N, b.n, b.N
