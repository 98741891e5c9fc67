"""Who took part, how the study was designed, and its arms."""

from __future__ import annotations

from pydantic import Field

from trialcli.model.base import (
    Count,
    Figure,
    LongText,
    NonNegative,
    PartialDate,
    Ref,
    ShortText,
    Sourced,
    Statement,
    Strict,
)
from trialcli.model.kinds import (
    Allocation,
    ArmKind,
    ArmRole,
    Comparator,
    RegisteredArmType,
    TreatmentHistory,
)


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
    treatment_history: TreatmentHistory | None = None
    healthy_volunteers: bool | None = Field(
        default=None, description="true when the participants were healthy volunteers"
    )
    eligibility: Eligibility | None = None
    randomized: Count | None = None
    analysed: Count | None = None
    at_baseline: Count | None = Field(
        default=None, description="people the baseline characteristics describe"
    )
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
    allocation: Allocation | None = None
    masking: ShortText | None = Field(default=None, description='e.g. "rater-blinded"')
    model: ShortText | None = Field(default=None, description='e.g. "parallel"')
    allocation_ratio: ShortText | None = Field(default=None, description='e.g. "2:1"')
    duration: ShortText | None = None
    comparator: Comparator | None = None
    amendments: list[Amendment] = Field(default_factory=list)
    note: LongText | None = None


# --- arms -----------------------------------------------------------------------------


class Intervention(Strict):
    drug: ShortText
    brand: ShortText | None = None
    dose: ShortText | None = None
    route: ShortText | None = None
    schedule: ShortText | None = None


class Arm(Sourced):
    id: Ref
    label: ShortText
    role: ArmRole
    registered_as: RegisteredArmType | None = Field(
        default=None,
        description=(
            "the registry's arm type where it disagrees with the arm's own title (a placebo "
            "arm registered as experimental): the role follows the title"
        ),
    )
    randomized: Count | None = None
    analysed: Count | None = None
    at_baseline: Count | None = Field(
        default=None, description="people of this arm the baseline characteristics describe"
    )
    interventions: list[Intervention] = Field(min_length=1)
    kind: ArmKind | None = Field(
        default=None,
        description=(
            "a crossover's groups: a randomized sequence (counted in the flow) or a "
            "treatment (what its results are about: the people who received it in any "
            "period); or a subset of an arm picked out after randomization (rescued, "
            "responders, completers), which trialcli never compares with an arm"
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
