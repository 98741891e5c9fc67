"""A reviewer's judgements beside the studies: GRADE per outcome, RoB 2 per study.

`sof --judgements FILE` reads them; trialcli never makes them. Per outcome (by endpoint
code or id, or harm term) the five GRADE domains, each with a judgement and a reason, and
the certainty the reviewer reached; per study the five RoB 2 domains and the overall
judgement, with where they come from. A certainty the file does not state is "not assessed",
even when every domain is filled in: counting rated-down domains is the reviewer's call.

```yaml
population: Adults with relapsing–remitting multiple sclerosis
setting: Outpatient neurology clinics, international
intervention: Alemtuzumab 12 mg
comparison: Interferon beta-1a 44 µg (Rebif)
outcomes:
  annualized-relapse-rate:
    certainty: moderate
    risk_of_bias: {judgement: serious, reason: open-label; rater-masked assessment only}
    inconsistency: {judgement: not serious, reason: I² 0%}
    indirectness: {judgement: not serious, reason: the target population}
    imprecision: {judgement: not serious, reason: CI excludes no effect}
    publication_bias: {judgement: undetected, reason: two trials, funnel not assessable}
studies:
  care-ms-i:
    randomization: low
    deviations: some-concerns
    missing_data: low
    measurement: some-concerns
    selection: low
    overall: some-concerns
    source: reviewer's assessment of Cohen 2012, Lancet
```
"""

from __future__ import annotations

from pathlib import Path
from typing import Literal

from pydantic import BaseModel, ConfigDict, Field, ValidationError

from trialcli.errors import TrialcliError
from trialcli.model.kinds import CertaintyRating as Certainty

Judgement = Literal["not serious", "serious", "very serious", "undetected", "strongly suspected"]
Risk = Literal["low", "some-concerns", "high"]
SYMBOLS: dict[str, str] = {
    "high": "⊕⊕⊕⊕",
    "moderate": "⊕⊕⊕◯",
    "low": "⊕⊕◯◯",
    "very-low": "⊕◯◯◯",
}
DOMAINS = ("risk_of_bias", "inconsistency", "indirectness", "imprecision", "publication_bias")
ROB2_DOMAINS = ("randomization", "deviations", "missing_data", "measurement", "selection")
# Judgements that rate the certainty down, and so need their reason footnoted.
RATED_DOWN = {"serious", "very serious", "strongly suspected"}
LIMIT = 1_000_000


class _Strict(BaseModel):
    model_config = ConfigDict(extra="forbid", frozen=True)


class Domain(_Strict):
    judgement: Judgement
    reason: str = Field(min_length=1)


class Grade(_Strict):
    certainty: Certainty | None = None
    risk_of_bias: Domain
    inconsistency: Domain
    indirectness: Domain
    imprecision: Domain
    publication_bias: Domain

    def domain(self, name: str) -> Domain:
        found: Domain = getattr(self, name)
        return found


class RiskOfBias(_Strict):
    randomization: Risk
    deviations: Risk
    missing_data: Risk
    measurement: Risk
    selection: Risk
    overall: Risk
    source: str = Field(min_length=1)


class Judgements(_Strict):
    population: str | None = None
    setting: str | None = None
    intervention: str | None = None
    comparison: str | None = None
    outcomes: dict[str, Grade] = Field(default_factory=dict)
    studies: dict[str, RiskOfBias] = Field(default_factory=dict)


def load_judgements(path: Path) -> Judgements:
    """The file, or a message naming the first thing wrong in it."""
    from trialcli.files import read_bounded
    from trialcli.loader import parse_yaml

    text = read_bounded(path, LIMIT, "judgements file").decode("utf-8", errors="replace")
    data = parse_yaml(text, str(path))
    try:
        return Judgements.model_validate(data)
    except ValidationError as error:
        first = error.errors()[0]
        where = ".".join(str(part) for part in first["loc"])
        raise TrialcliError(f"{path}: {where}: {first['msg']}") from None


def certainty_text(grade: Grade | None) -> str:
    """`⊕⊕⊕◯ moderate`, or "not assessed" where the reviewer states no certainty."""
    if grade is None or grade.certainty is None:
        return "not assessed"
    return f"{SYMBOLS[grade.certainty]} {grade.certainty.replace('-', ' ')}"


def certainty_reasons(grade: Grade | None) -> list[str]:
    """The reviewer's reasons for each domain that rates the certainty down."""
    if grade is None:
        return []
    reasons = []
    for name in DOMAINS:
        domain = grade.domain(name)
        if domain.judgement in RATED_DOWN:
            reasons.append(f"{name.replace('_', ' ')} ({domain.judgement}): {domain.reason}")
    return reasons


# GRADE for randomized trials starts at high; each level a domain rates down takes one off.
LEVELS = ("very-low", "low", "moderate", "high")
STEPS_DOWN = {"serious": 1, "very serious": 2, "strongly suspected": 1}


def file_warnings(
    judgements: Judgements, outcomes: set[str], studies: set[str], file: str
) -> list[str]:
    """What in the reviewer's file matches nothing, or does not follow from its own domains.

    Checking the file's consistency is not grading: trialcli reports the inconsistency and
    still shows the certainty the file states.
    """
    found = [
        f"{file}: judgements for '{key}' match no outcome of these studies"
        for key in judgements.outcomes
        if key not in outcomes
    ]
    found += [
        f"{file}: study '{key}' is not among the studies nor in the catalog"
        for key in judgements.studies
        if key not in studies
    ]
    for key, grade in judgements.outcomes.items():
        if grade.certainty is None:
            continue
        down = [(n, grade.domain(n).judgement) for n in DOMAINS]
        steps = sum(STEPS_DOWN.get(j, 0) for _, j in down)
        allowed = LEVELS[max(0, len(LEVELS) - 1 - steps)]
        if LEVELS.index(grade.certainty) > LEVELS.index(allowed):
            why = ", ".join(f"{n.replace('_', ' ')} {j}" for n, j in down if j in STEPS_DOWN)
            found.append(
                f"{file}: the certainty '{grade.certainty}' for '{key}' does not follow its own "
                f"domains ({why} → at most {allowed.replace('-', ' ')})"
            )
    return found


def rob2_text(study: str, judged: RiskOfBias) -> str:
    parts = ", ".join(f"{d.replace('_', ' ')} {getattr(judged, d)}" for d in ROB2_DOMAINS)
    return f"{study}: overall {judged.overall} ({parts}); {judged.source}"
