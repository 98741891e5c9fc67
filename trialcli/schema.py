"""The JSON Schema of a study file, generated from the models: never written by hand."""

from __future__ import annotations

from typing import Any

from trialcli.model import Study

SCHEMA_DIALECT = "https://json-schema.org/draft/2020-12/schema"
# A name, not a download address: editors are pointed at a local copy of the schema.
SCHEMA_ID = "urn:trialcli:study"


def study_schema() -> dict[str, Any]:
    generated = Study.model_json_schema()
    generated.pop("title", None)
    return {
        "$schema": SCHEMA_DIALECT,
        "$id": SCHEMA_ID,
        "title": "trialcli study file",
        "description": (
            "One clinical trial, as trialcli reads it. Absent means 'not reported'; "
            "`trialcli validate` adds checks a schema cannot express (ids that must "
            "resolve, intervals that must contain their estimates, counts that must fit)."
        ),
        **generated,
    }
