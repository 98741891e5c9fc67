"""The study file format: one pydantic definition, from which the JSON Schema is generated.

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
import functools
import math
import re
from typing import Annotated, Any, Literal

from pydantic import (
    BaseModel,
    BeforeValidator,
    ConfigDict,
    Field,
    GetJsonSchemaHandler,
    ValidatorFunctionWrapHandler,
    WithJsonSchema,
    WrapValidator,
    field_validator,
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


def _number_to_text(value: Any) -> Any:
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
    BeforeValidator(_number_to_text),
    WithJsonSchema({"anyOf": [{"type": "string", "pattern": P_VALUE_PATTERN}, {"type": "number"}]}),
    Field(pattern=P_VALUE_PATTERN, description='as reported, e.g. "<0.0001", "0.0084", "NS"'),
]
Interval = Annotated[
    tuple[Figure, Figure],
    Field(description="[lower, upper] confidence limits"),
]
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


# --- identity -------------------------------------------------------------------------


class Source(Strict):
    id: Ref
    citation: LongText
    publisher: ShortText | None = None
    date: PartialDate | None = None
    url: Annotated[str, Field(pattern=URL_PATTERN, max_length=2000)] | None = None
    retrieved: PartialDate | None = Field(default=None, description="when the URL was read")
    kind: (
        Literal[
            "journal-article",
            "conference-abstract",
            "registry",
            "press-release",
            "news",
            "review",
            "regulatory",
            "other",
        ]
        | None
    ) = None
    secondary: bool = Field(
        default=False,
        description="true when the source reports another's figures (review, mirror, news)",
    )
    note: LongText | None = None


class Registry(Strict):
    nct: Annotated[str, Field(pattern=r"^NCT\d{8}$")] | None = None
    eudract: Annotated[str, Field(pattern=r"^\d{4}-\d{6}-\d{2}$")] | None = None
    sponsor_code: ShortText | None = None
    other: list[ShortText] = Field(default_factory=list, description="e.g. ISRCTN, ANZCTR ids")


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


# --- population and design ------------------------------------------------------------


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


class Range(Sourced):
    min: Figure | None = None
    max: Figure | None = None
    unit: ShortText | None = None


class Eligibility(Sourced):
    age: Range | None = Field(default=None, description="years")
    edss: Range | None = None
    disease_duration: Statement | None = Field(default=None, description='e.g. "onset ≤10 years"')
    prior_treatment: Statement | None = None
    criteria: list[Statement] = Field(default_factory=list)
    note: LongText | None = None


class Population(Sourced):
    condition: ShortText
    description: ShortText = Field(description='who was enrolled, e.g. "relapsed on prior therapy"')
    treatment_history: Literal["treatment-naive", "previously-treated", "mixed"] | None = None
    healthy_volunteers: bool | None = Field(
        default=None, description="true when the participants were healthy volunteers"
    )
    eligibility: Eligibility | None = None
    randomized: Count | None = None
    analysed: Count | None = None
    # A sourced statement: its numbers need not come from the population's source.
    analysed_population: Statement | None = Field(
        default=None, description="which people the primary analysis counts"
    )
    baseline: list[Statement] = Field(default_factory=list)
    note: LongText | None = None


class Amendment(Sourced):
    date: PartialDate | None = None
    text: LongText


class Design(Sourced):
    allocation: Literal["randomized", "non-randomized", "single-arm"] | None = None
    masking: ShortText | None = Field(default=None, description='e.g. "rater-blinded"')
    model: ShortText | None = Field(default=None, description='e.g. "parallel"')
    allocation_ratio: ShortText | None = Field(default=None, description='e.g. "2:1"')
    duration: ShortText | None = None
    comparator: (
        Literal["active", "placebo", "dose-comparison", "standard-of-care", "none"] | None
    ) = None
    amendments: list[Amendment] = Field(default_factory=list)
    note: LongText | None = None


# --- arms -----------------------------------------------------------------------------


class Intervention(Strict):
    drug: ShortText
    brand: ShortText | None = None
    dose: ShortText | None = None
    route: ShortText | None = None
    schedule: ShortText | None = None


ArmRole = Literal["experimental", "active-comparator", "placebo", "other"]


class Arm(Sourced):
    id: Ref
    label: ShortText
    role: ArmRole
    randomized: Count | None = None
    analysed: Count | None = None
    interventions: list[Intervention] = Field(min_length=1)
    kind: Literal["sequence", "treatment"] | None = Field(
        default=None,
        description=(
            "a crossover's groups: a randomized sequence (counted in the flow) or a "
            "treatment (what its results are about: the people who received it in any period)"
        ),
    )
    treatment: ShortText | None = Field(
        default=None,
        description="what a network meta-analysis calls this arm, when not its first drug",
    )
    note: LongText | None = None


class PooledArms(Sourced):
    """Several arms counted together, e.g. both alemtuzumab doses in a review table."""

    id: Ref
    label: ShortText
    arms: list[Ref] = Field(min_length=2)
    n: NonNegative | None = None
    note: ShortText | None = None


# --- endpoints ------------------------------------------------------------------------


class ArmResult(Sourced):
    value: Figure | None = None
    unit: ShortText | None = None
    ci: Interval | None = None
    ci_level: Percent = 95
    n: NonNegative | None = Field(default=None, description="people with the event")
    N: NonNegative | None = Field(default=None, description="people counted")
    approximate: bool = False
    note: ShortText | None = None
    disagreement: Disagreement = None


Measure = Literal[
    "rate-ratio",
    "hazard-ratio",
    "risk-ratio",
    "odds-ratio",
    "geometric-mean-ratio",
    "ls-mean-ratio",
    "win-ratio",
    "relative-reduction",
    "difference",
    "mean-difference",
    "ls-mean-difference",
    "median-difference",
    "risk-difference",
    "slope-difference",
    "other",
]
RATIO_MEASURES: frozenset[str] = frozenset(
    {
        "rate-ratio",
        "hazard-ratio",
        "risk-ratio",
        "odds-ratio",
        "geometric-mean-ratio",
        "ls-mean-ratio",
        "win-ratio",
    }
)
DIFFERENCE_MEASURES: frozenset[str] = frozenset(
    {
        "difference",
        "mean-difference",
        "ls-mean-difference",
        "median-difference",
        "risk-difference",
        "slope-difference",
    }
)


def null_effect(measure: str, unit: str | None = None) -> float | None:
    """No difference on the measure's scale: 1 for ratios (100 when given in %), 0 for
    differences; None for a relative reduction's or an unnamed measure's own scale."""
    if measure in RATIO_MEASURES:
        return 100.0 if unit == "%" else 1.0
    if measure in DIFFERENCE_MEASURES:
        return 0.0
    return None


class Comparison(Sourced):
    measure: Measure
    measure_name: ShortText | None = Field(
        default=None,
        description="the source's own name for the measure, e.g. 'Least square mean ratio'",
    )
    estimate: Figure | None = None
    unit: ShortText | None = Field(
        default=None,
        description='for differences, e.g. "EDSS points"; "%" for a ratio given in percent',
    )
    ci: Interval | None = None
    ci_level: Percent = 95
    ci_sides: Literal["one-sided", "two-sided"] | None = Field(
        default=None, description="as the source states it; absent reads as two-sided"
    )
    p_value: PValue | None = None
    p_sides: Literal["one-sided", "two-sided"] | None = Field(
        default=None,
        description='as the source states it ("1-sided p-value"); absent reads as two-sided',
    )
    arms: tuple[Ref, Ref] = Field(
        description="[A, B]: the estimate is A vs B (A − B for differences, A/B for ratios)"
    )
    direction: Literal["stated", "inferred", "unknown"] = Field(
        default="stated",
        description=(
            "how the order of arms is known: stated by the source, inferred from arm roles, "
            "or unknown"
        ),
    )
    direction_basis: Literal["stated", "title", "comment", "figures", "roles"] | None = Field(
        default=None,
        description=(
            "where the order of arms comes from: the analysis's own words (stated), the "
            "measure's title, the analysis's comments, the record's figures (A − B or a crude "
            "ratio that matches the estimate only in this order), or arm roles"
        ),
    )
    population: ShortText | None = None
    test: Literal["superiority", "non-inferiority", "equivalence"] = "superiority"
    margin: Figure | None = Field(
        default=None,
        description=(
            "non-inferiority margin on the estimate's scale, e.g. 1.3 for a hazard ratio; "
            "its side of no difference says which way is worse. For equivalence, the lower "
            "limit (with margin_upper), e.g. 0.80"
        ),
    )
    margin_upper: Figure | None = Field(
        default=None, description="equivalence: the upper limit, e.g. 1.25"
    )
    margin_side_stated: bool = Field(
        default=True,
        description=(
            "false when the source gives a non-inferiority margin's size but not its side of "
            'no difference ("a margin of 0.4%"): `margin` is then that size'
        ),
    )
    met: bool | None = Field(default=None, description="as the source states it")
    basis: ShortText | None = Field(default=None, description="why it counts as met or not")
    approximate: bool = False
    note: LongText | None = Field(
        default=None, description="the source's own words, whole; screens shorten them"
    )
    disagreement: Disagreement = None

    @model_validator(mode="after")
    def _margin_needs_its_test(self) -> Comparison:
        if self.margin is not None and self.test == "superiority":
            raise ValueError(
                "a margin belongs to a non-inferiority or equivalence test "
                "(add test: non-inferiority or test: equivalence)"
            )
        if self.margin_upper is not None and self.test != "equivalence":
            raise ValueError("margin_upper belongs to an equivalence test (add test: equivalence)")
        if self.test == "equivalence" and (self.margin is None) != (self.margin_upper is None):
            raise ValueError("an equivalence test has two margins: margin and margin_upper")
        if (
            self.margin is not None
            and self.margin_upper is not None
            and not self.margin < self.margin_upper
        ):
            raise ValueError("margin (the lower limit) must be below margin_upper")
        return self


class Certainty(Strict):
    """A certainty-of-evidence rating (e.g. GRADE) as a named source gives it; trialcli never
    rates evidence itself."""

    rating: Literal["high", "moderate", "low", "very-low"]
    system: ShortText = "GRADE"
    reasons: ShortText | None = Field(default=None, description="why it was rated down or up")
    source: Ref = Field(description="id of the entry in `sources` that gives this rating")


class Endpoint(Sourced):
    id: Ref
    name: ShortText
    code: Slug | None = Field(
        default=None, description="matches endpoints across studies, e.g. annualized-relapse-rate"
    )
    level: Literal["primary", "secondary", "tertiary", "exploratory"]
    kind: Literal["rate", "proportion", "time-to-event", "continuous", "count"]
    time_frame: ShortText | None = None
    better: Literal["lower", "higher"] | None = Field(
        default=None,
        description="which way is better for a patient (relapses: lower), a property of the "
        "endpoint; forest plots then say which side favours which group",
    )
    definition: LongText | None = None
    population: ShortText | None = Field(default=None, description="who the results describe")
    results: dict[Ref, ArmResult] = Field(default_factory=dict)
    comparisons: list[Comparison] = Field(default_factory=list)
    certainty: Certainty | None = None
    note: LongText | None = None


# --- safety ---------------------------------------------------------------------------


class ArmSafety(Sourced):
    affected: NonNegative | None = None
    at_risk: NonNegative | None = None
    pct: Percent | None = Field(default=None, description="percentage as stated")
    approximate: bool = False
    deaths: NonNegative | None = None
    note: ShortText | None = None
    disagreement: Disagreement = None


SafetySummary = Literal["any-adverse-event", "serious-adverse-event", "discontinuation", "death"]


class SafetyFinding(Sourced):
    term: ShortText
    soc: ShortText | None = Field(default=None, description="organ-system class")
    code: ShortText | None = Field(default=None, description="e.g. a MedDRA preferred-term code")
    summary: SafetySummary | None = Field(
        default=None, description="marks the rows of the summary block"
    )
    serious: bool | None = Field(default=None, description="true when only serious events count")
    arms: dict[Ref, ArmSafety] = Field(default_factory=dict)
    population: ShortText | None = None
    note: LongText | None = None


# --- participant flow (CONSORT) --------------------------------------------------------

ArmCounts = Annotated[
    dict[Ref, Count],
    Field(description="people per arm, keyed by arm id; an arm left out is not reported"),
]


class ExclusionReason(Sourced):
    reason: ShortText
    count: Count


class FlowMilestone(Sourced):
    """A milestone other than started/completed that the source counts, e.g. "Treated"."""

    label: ShortText
    arms: ArmCounts = Field(default_factory=dict)


class DropoutReason(Sourced):
    reason: ShortText = Field(description='why people did not complete, e.g. "Adverse Event"')
    arms: ArmCounts = Field(default_factory=dict)


class FlowPeriod(Sourced):
    title: ShortText = Field(description='e.g. "Overall Study", "Double-blind phase"')
    started: ArmCounts = Field(default_factory=dict)
    milestones: list[FlowMilestone] = Field(default_factory=list)
    completed: ArmCounts = Field(default_factory=dict)
    not_completed: ArmCounts = Field(default_factory=dict)
    reasons: list[DropoutReason] = Field(default_factory=list)
    all_reasons: bool = Field(
        default=True,
        description="false when the source names only some reasons for not completing",
    )
    note: LongText | None = None


class Flow(Sourced):
    """Participant flow: who was assessed, allocated, followed up and analysed."""

    assessed: Count | None = Field(default=None, description="assessed for eligibility")
    excluded: Count | None = Field(default=None, description="excluded before randomization")
    exclusion_reasons: list[ExclusionReason] = Field(default_factory=list)
    periods: list[FlowPeriod] = Field(default_factory=list)
    note: LongText | None = None


# --- narrative ------------------------------------------------------------------------


class Note(Sourced):
    date: PartialDate | None = None
    text: LongText


class Milestone(Sourced):
    date: PartialDate | None = None
    event: LongText
    status: Literal["achieved", "planned"] = "achieved"


class Study(Strict):
    id: Slug
    acronym: ShortText
    title: LongText
    registry: Registry = Field(default_factory=Registry)
    sponsor: ShortText | None = None
    collaborators: list[ShortText] = Field(default_factory=list)
    phase: (
        Annotated[
            Literal["1", "1/2", "2", "2/3", "3", "4", "n/a"],
            BeforeValidator(_number_to_text),
            # `phase: 3` is natural YAML; editors checking against the schema accept it too.
            WithJsonSchema(
                {
                    "anyOf": [
                        {"enum": ["1", "1/2", "2", "2/3", "3", "4", "n/a"]},
                        {"enum": [1, 2, 3, 4]},
                    ]
                }
            ),
        ]
        | None
    ) = None
    status: (
        Literal[
            "not-yet-recruiting",
            "recruiting",
            "active",
            "completed",
            "terminated",
            "suspended",
            "withdrawn",
            "unknown",
        ]
        | None
    ) = None
    start_date: PartialDate | None = None
    completion_date: PartialDate | None = None
    dates_source: Ref | None = None
    default_source: Ref | None = Field(
        default=None, description="the source of every figure that names none"
    )
    population: Population
    design: Design = Field(default_factory=Design)
    arms: list[Arm] = Field(
        description="empty only for a registration without arms and results (e.g. withdrawn)"
    )
    pooled_arms: list[PooledArms] = Field(default_factory=list)
    endpoints: list[Endpoint] = Field(default_factory=list)
    safety: list[SafetyFinding] = Field(default_factory=list)
    safety_monitoring: LongText | None = None
    flow: Flow | None = Field(default=None, description="participant flow (CONSORT)")
    notes: list[Note] = Field(default_factory=list)
    milestones: list[Milestone] = Field(default_factory=list)
    sources: list[Source] = Field(min_length=1)

    @field_validator("acronym", "title")
    @classmethod
    def _one_line(cls, value: str) -> str:
        return re.sub(r"\s+", " ", value).strip()

    @model_validator(mode="after")
    def _results_need_arms(self) -> Study:
        has_results = self.safety or any(e.results or e.comparisons for e in self.endpoints)
        if not self.arms and has_results:
            raise ValueError("arms: a study with results needs the arms they belong to")
        return self

    # Convenience views used by operations; nothing here is stored.

    def arm(self, arm_id: str) -> Arm | None:
        return self.arms_by_id.get(arm_id)

    @functools.cached_property
    def arms_by_id(self) -> dict[str, Arm]:
        found: dict[str, Arm] = {}
        for arm in self.arms:
            found.setdefault(arm.id, arm)
        return found

    def group_label(self, group_id: str) -> str:
        """Label of an arm or pooled group, or the id itself when unknown."""
        return self.group_labels.get(group_id, group_id)

    # Indexed once per study: looked up per figure and per warning, a scan of the list
    # each time made `validate` quadratic in sources × warnings.
    @functools.cached_property
    def group_labels(self) -> dict[str, str]:
        groups: list[Arm | PooledArms] = [*self.arms, *self.pooled_arms]
        labels: dict[str, str] = {}
        for group in groups:
            labels.setdefault(group.id, group.label)
        return labels

    @functools.cached_property
    def source_numbers(self) -> dict[str, int]:
        numbers: dict[str, int] = {}
        for number, source in enumerate(self.sources, start=1):
            numbers.setdefault(source.id, number)
        return numbers

    def group_role(self, group_id: str) -> ArmRole | None:
        """Role of an arm, or of a pooled group whose arms all share one role."""
        arm = self.arm(group_id)
        if arm is not None:
            return arm.role
        for pooled in self.pooled_arms:
            if pooled.id == group_id:
                roles = {a.role for a in self.arms if a.id in pooled.arms}
                return roles.pop() if len(roles) == 1 else None
        return None

    def source(self, source_id: str | None) -> Source | None:
        return self.sources_by_id.get(source_id) if source_id is not None else None

    @functools.cached_property
    def sources_by_id(self) -> dict[str, Source]:
        found: dict[str, Source] = {}
        for source in self.sources:
            found.setdefault(source.id, source)
        return found

    def cited_source(self, *records: Sourced | None) -> str | None:
        """A figure's source id: its own, else the nearest enclosing record's, else the default."""
        for record in records:
            if record is not None and record.source is not None:
                return record.source
        return self.default_source

    def source_number(self, source_id: str) -> int | None:
        """Where a source stands in `sources`, counting from 1: the `[n]` of `show`."""
        return self.source_numbers.get(source_id)

    @property
    def drugs(self) -> list[str]:
        seen: dict[str, None] = {}
        for arm in self.arms:
            for intervention in arm.interventions:
                seen.setdefault(intervention.drug, None)
        return list(seen)
