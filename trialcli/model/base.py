"""What every part of the study format is made of: sourced records, counts, text, figures.

Conventions that hold everywhere:

* Absent means "not reported". No field defaults to 0.
* Per-arm values are keyed by arm id (or by the id of a pooled group of arms).
* Every record that carries figures may name a ``source`` (an id from ``sources``);
  without one it inherits the nearest enclosing source, then the study's
  ``default_source``.
* Several sources may report the same figure differently: keep one record per source
  (two comparisons, two safety findings, or ``also_reported`` on a count).
"""

from __future__ import annotations

import datetime as dt
import math
from typing import Annotated, Any

from pydantic import (
    BaseModel,
    BeforeValidator,
    ConfigDict,
    Field,
    GetJsonSchemaHandler,
    ValidatorFunctionWrapHandler,
    WithJsonSchema,
    WrapValidator,
    model_validator,
)
from pydantic.json_schema import JsonSchemaValue
from pydantic_core import CoreSchema

from trialcli.written import Written as Written  # re-exported: the format's number type

SLUG_PATTERN = r"^[a-z0-9]+(?:-[a-z0-9]+)*$"
REF_PATTERN = r"^[A-Za-z0-9][A-Za-z0-9_.-]*$"
PARTIAL_DATE_PATTERN = r"^\d{4}(?:-\d{2}(?:-\d{2})?)?$"
URL_PATTERN = r"^https?://\S+$"
# A p-value as printed in a paper: "<0.0001", "=0.059", "0.22", "≤0.05", "NS".
P_VALUE_PATTERN = r"^(?:(?:<|>|=|≤|≥|<=|>=)?\s*(?:0(?:\.\d+)?|1(?:\.0+)?|\.\d+)(?:[eE]-?\d+)?|NS)$"


def _date_to_text(value: Any) -> Any:
    # YAML readers other than ours turn 2011-11-15 into a date; keep dates as text.
    if isinstance(value, dt.date):
        return value.isoformat()
    return value


def number_to_text(value: Any) -> Any:
    # "phase: 3" and "p_value: 0.22" are natural to write unquoted.
    if isinstance(value, (int, float)) and not isinstance(value, bool):
        return str(value)
    return value


def _keep_written(value: Any, handler: ValidatorFunctionWrapHandler) -> Any:
    # `.inf`, `.nan` (and "inf" as text) are valid YAML and Python floats, never a figure.
    _refuse_non_finite(value)
    validated = handler(value)
    _refuse_non_finite(validated)
    if isinstance(value, Written) and isinstance(validated, float):
        return Written(validated, value.places)
    return validated


def _refuse_non_finite(value: Any) -> None:
    if isinstance(value, float) and not math.isfinite(value):
        raise ValueError(f"must be a finite number, got {float(value)}")


# A reported figure: validated as a float, keeping the precision it was written with.
Figure = Annotated[float, WrapValidator(_keep_written)]

Slug = Annotated[str, Field(pattern=SLUG_PATTERN, max_length=80)]
Ref = Annotated[str, Field(pattern=REF_PATTERN, max_length=80)]
PartialDate = Annotated[
    str,
    # The pattern comes first so that it also reaches the JSON Schema.
    Field(pattern=PARTIAL_DATE_PATTERN, description="YYYY, YYYY-MM or YYYY-MM-DD"),
    BeforeValidator(_date_to_text),
]
ShortText = Annotated[str, Field(min_length=1, max_length=500)]
LongText = Annotated[str, Field(min_length=1, max_length=5000)]
Percent = Annotated[float, Field(ge=0, le=100), WrapValidator(_keep_written)]
# A count is at most the largest 64-bit integer: SQLite and Parquet store no more, and a
# larger one would validate, then crash an export halfway.
MAX_COUNT = 2**63 - 1
NonNegative = Annotated[int, Field(ge=0, le=MAX_COUNT)]
PValue = Annotated[
    str,
    BeforeValidator(number_to_text),
    WithJsonSchema({"anyOf": [{"type": "string", "pattern": P_VALUE_PATTERN}, {"type": "number"}]}),
    Field(pattern=P_VALUE_PATTERN, description='as reported, e.g. "<0.0001", "0.0084", "NS"'),
]
Interval = Annotated[
    tuple[Figure, Figure],
    Field(description="[lower, upper] confidence limits"),
]
# Two values of a spread, low to high: an interquartile range, a full range.
Limits = Annotated[tuple[Figure, Figure], Field(description="[low, high]")]
# A spread that cannot be negative: a standard deviation, a standard error.
Spread = Annotated[float, Field(ge=0), WrapValidator(_keep_written)]
# Acknowledges on purpose that this figure disagrees with another (or with its own
# arithmetic): the audit still lists the disagreement, but it no longer fails --strict.
Disagreement = Annotated[
    LongText | None,
    Field(
        description=(
            "why this figure disagrees with another source's (a recorded disagreement): "
            "`validate` still lists it, but it does not fail --strict"
        ),
    ),
]


def _or_shorthand(
    core_schema: CoreSchema, handler: GetJsonSchemaHandler, shorthand: JsonSchemaValue
) -> JsonSchemaValue:
    """JSON Schema for a model that may also be written as a bare value."""
    schema = handler(core_schema)
    definition = handler.resolve_ref_schema(schema)
    as_object = dict(definition)
    definition.clear()
    definition["anyOf"] = [shorthand, as_object]
    return schema


class Strict(BaseModel):
    """Unknown keys are refused: a misspelt field must not silently vanish."""

    model_config = ConfigDict(extra="forbid", frozen=True)


class Sourced(Strict):
    source: Ref | None = Field(
        default=None, description="id of an entry in `sources`; inherited when absent"
    )


# --- counts reported by one or more sources --------------------------------------------


class CountReport(Sourced):
    value: NonNegative
    note: ShortText | None = None
    disagreement: Disagreement = None


class Count(Sourced):
    """A number of people. `also_reported` keeps other sources' differing figures.

    `randomized: 840` is shorthand for `randomized: {value: 840}`.
    """

    value: NonNegative
    note: ShortText | None = None
    also_reported: list[CountReport] = Field(default_factory=list)
    disagreement: Disagreement = None

    @model_validator(mode="before")
    @classmethod
    def _shorthand(cls, data: Any) -> Any:
        if isinstance(data, int) and not isinstance(data, bool):
            return {"value": data}
        if not isinstance(data, dict):
            raise ValueError(
                f"expected a number of people, or a mapping with 'value', got {data!r:.40}"
            )
        return data

    @classmethod
    def __get_pydantic_json_schema__(
        cls, core_schema: CoreSchema, handler: GetJsonSchemaHandler
    ) -> JsonSchemaValue:
        return _or_shorthand(core_schema, handler, {"type": "integer", "minimum": 0})


class Statement(Sourced):
    """A sourced line of text. A plain string is shorthand for `{text: ...}`."""

    text: LongText

    @model_validator(mode="before")
    @classmethod
    def _shorthand(cls, data: Any) -> Any:
        return {"text": data} if isinstance(data, str) else data

    @classmethod
    def __get_pydantic_json_schema__(
        cls, core_schema: CoreSchema, handler: GetJsonSchemaHandler
    ) -> JsonSchemaValue:
        return _or_shorthand(core_schema, handler, {"type": "string", "minLength": 1})
