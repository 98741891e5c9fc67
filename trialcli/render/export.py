"""`show --format json`: the study as validated, plus what trialcli computed, marked so."""

from __future__ import annotations

from trialcli.model import Study
from trialcli.ops.summary import endpoint_verdict, list_row, plain_summary
from trialcli.render.tabular import to_json

JSON_SHAPE_VERSION = 1


def study_json(study: Study) -> str:
    row = list_row(study)
    return to_json(
        {
            "shape_version": JSON_SHAPE_VERSION,
            "study": study.model_dump(mode="json", exclude_none=True),
            "computed": {
                "primary_endpoints_met": row.primary_met,
                "primary_endpoints": row.primary_total,
                "verdicts": {
                    e.id: {"state": endpoint_verdict(e).state, "basis": endpoint_verdict(e).basis}
                    for e in study.endpoints
                },
                "plain_summary": plain_summary(study),
            },
        }
    )
