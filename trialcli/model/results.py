"""Endpoints: what each arm showed, and how the arms were compared."""

from __future__ import annotations

from pydantic import Field, model_validator

from trialcli.model.base import (
    Disagreement,
    Figure,
    Interval,
    Limits,
    LongText,
    NonNegative,
    Percent,
    PValue,
    Ref,
    ShortText,
    Slug,
    Sourced,
    Spread,
    Strict,
)
from trialcli.model.kinds import (
    Better,
    CertaintyRating,
    DirectionBasis,
    DirectionHow,
    EndpointKind,
    Level,
    Measure,
    Sides,
    Statistic,
    Test,
)


class ArmResult(Sourced):
    """One arm's figure: its value (what it is: `statistic`), its spread, and n/N."""

    value: Figure | None = None
    unit: ShortText | None = None
    statistic: Statistic | None = Field(
        default=None,
        description=(
            "what `value` (or `n`) is, as the source names it: mean, median, "
            "least-squares-mean, geometric-mean, …, number, count-of-participants"
        ),
    )
    ci: Interval | None = None
    ci_level: Percent = 95
    sd: Spread | None = Field(default=None, description="standard deviation of the values")
    se: Spread | None = Field(default=None, description="standard error of `value`")
    iqr: Limits | None = Field(default=None, description="interquartile range [Q1, Q3]")
    range: Limits | None = Field(default=None, description="full range [lowest, highest]")
    geometric_cv: Spread | None = Field(
        default=None, description="geometric coefficient of variation, in %"
    )
    n: NonNegative | None = Field(default=None, description="people with the event")
    N: NonNegative | None = Field(default=None, description="people counted")
    approximate: bool = False
    note: ShortText | None = None
    disagreement: Disagreement = None

    @model_validator(mode="after")
    def _low_to_high(self) -> ArmResult:
        for name, limits in (("iqr", self.iqr), ("range", self.range)):
            if limits is not None and limits[0] > limits[1]:
                raise ValueError(f"{name}: [low, high], low first")
        return self


# Ordered: forest panels and SoF rows show ratios in this order.
RATIO_MEASURES: tuple[Measure, ...] = (
    "rate-ratio",
    "hazard-ratio",
    "risk-ratio",
    "odds-ratio",
    "geometric-mean-ratio",
    "ls-mean-ratio",
    "win-ratio",
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
    ci_sides: Sides | None = Field(
        default=None, description="as the source states it; absent reads as two-sided"
    )
    p_value: PValue | None = None
    p_sides: Sides | None = Field(
        default=None,
        description='as the source states it ("1-sided p-value"); absent reads as two-sided',
    )
    arms: tuple[Ref, Ref] = Field(
        description="[A, B]: the estimate is A vs B (A − B for differences, A/B for ratios)"
    )
    direction: DirectionHow = Field(
        default="stated",
        description=(
            "how the order of arms is known: stated by the source, inferred from arm roles, "
            "or unknown"
        ),
    )
    direction_basis: DirectionBasis | None = Field(
        default=None,
        description=(
            "where the order of arms comes from: the analysis's own words (stated), the "
            "measure's title, the analysis's comments, the record's figures (A − B or a crude "
            "ratio that matches the estimate only in this order), or arm roles"
        ),
    )
    population: ShortText | None = None
    adjusted_for: ShortText | None = Field(
        default=None,
        description=(
            "the covariates the source's model adjusts for, in its words "
            '("baseline EDSS and region"); absent when the source names none'
        ),
    )
    stratified_by: ShortText | None = Field(
        default=None, description="the strata of a stratified analysis, in the source's words"
    )
    test: Test = "superiority"
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

    rating: CertaintyRating
    system: ShortText = "GRADE"
    reasons: ShortText | None = Field(default=None, description="why it was rated down or up")
    source: Ref = Field(description="id of the entry in `sources` that gives this rating")


class Endpoint(Sourced):
    id: Ref
    name: ShortText
    code: Slug | None = Field(
        default=None, description="matches endpoints across studies, e.g. annualized-relapse-rate"
    )
    level: Level
    kind: EndpointKind
    time_frame: ShortText | None = None
    better: Better | None = Field(
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
