"""What reviewers do after pooling: leave one out, add studies by year, compare subgroups.

Every step re-pools the rows of one pooled estimate (trialcli.ops.pool) with the same
method; a step left with one study shows that study's own estimate, as metafor's
`leave1out` and `cumul` do. The test for subgroup differences is Q between the subgroups'
estimates (trialcli.stats.meta.subgroup_difference). All of it is computed by trialcli.
"""

from __future__ import annotations

import math
from collections.abc import Callable, Sequence
from dataclasses import dataclass, replace
from typing import Literal

from trialcli.model import Study
from trialcli.ops.compare import ForestRow
from trialcli.ops.pool import FIXED_METHODS, PooledPanel, PoolOptions, follow_up, pool_selected
from trialcli.stats import z_for
from trialcli.stats.meta import se_from_ci, subgroup_difference

Kind = Literal["leave-one-out", "cumulative", "subgroup"]
# Fields of a row that --subgroup reads besides a study's own top-level fields.
ROW_FIELDS: dict[str, Callable[[ForestRow], str]] = {
    "follow-up": follow_up,
    "groups": lambda row: row.groups,
    "direction": lambda row: row.direction,
}


@dataclass(frozen=True)
class Step:
    """One line of a sensitivity table, on the scale of the plot (ratios, not log ratios)."""

    label: str  # "omitting CAMMS223", "+ CARE-MS I (2007)", "2 years"
    acronyms: tuple[str, ...]
    estimate: float
    ci: tuple[float, float]
    se: float  # on the scale pooled (log for ratios)
    p: float
    i2: float | None  # the I² of the method's τ² (Q-based for fixed effect); None for one study
    tau2: float | None


@dataclass(frozen=True)
class Sensitivity:
    kind: Kind
    pooled: PooledPanel  # the analysis of every study
    steps: tuple[Step, ...]
    field: str | None = None  # the subgroup field
    # The test for subgroup differences: Q between, its df and p.
    difference: tuple[float, int, float] | None = None

    @property
    def overall(self) -> Step:
        """The analysis of every study, as a step."""
        return _as_step("All studies", self.pooled)


def leave_one_out(
    pooled: PooledPanel, studies: Sequence[Study], options: PoolOptions
) -> Sensitivity:
    steps = []
    for row in pooled.rows:
        rest = [r for r in pooled.rows if r is not row]
        steps.append(_step(f"omitting {row.acronym}", rest, pooled, studies, options))
    return Sensitivity("leave-one-out", pooled, tuple(steps))


def study_year(study: Study) -> str:
    return (study.start_date or "")[:4] or "year not reported"


def cumulative(pooled: PooledPanel, studies: Sequence[Study], options: PoolOptions) -> Sensitivity:
    """Studies added one at a time by the year they started (then by start date, then id)."""
    by_id = {s.id: s for s in studies}
    ordered = sorted(
        pooled.rows, key=lambda r: (by_id[r.study_id].start_date or "9999", r.study_id)
    )
    steps = []
    for index, row in enumerate(ordered):
        label = f"+ {row.acronym} ({study_year(by_id[row.study_id])})"
        steps.append(_step(label, ordered[: index + 1], pooled, studies, options))
    return Sensitivity("cumulative", pooled, tuple(steps))


def subgroup_fields(studies: Sequence[Study]) -> list[str]:
    """What --subgroup accepts: the row's fields, then a study's scalar fields."""
    scalar = sorted(
        {
            name
            for study in studies
            for name, value in study.model_dump().items()
            if isinstance(value, str | int | float | bool) and name not in {"id", "acronym"}
        }
    )
    return [*ROW_FIELDS, *(name.replace("_", "-") for name in scalar)]


def subgroups(
    pooled: PooledPanel, studies: Sequence[Study], field: str, options: PoolOptions
) -> Sensitivity:
    """One pooled estimate per value of `field`, and the test for subgroup differences."""
    if field not in subgroup_fields(studies):
        fields = ", ".join(subgroup_fields(studies))
        raise ValueError(f"no field '{field}' to form subgroups by; fields: {fields}")
    by_id = {s.id: s for s in studies}

    def value(row: ForestRow) -> str:
        if field in ROW_FIELDS:
            return ROW_FIELDS[field](row)
        found = getattr(by_id[row.study_id], field.replace("-", "_"), None)
        return "not reported" if found is None else str(getattr(found, "value", found))

    # Within a subgroup of one follow-up the rows share it; by another field, the user's
    # --allow-mixed-follow-up still holds.
    inner = replace(options, allow_mixed_follow_up=True) if field == "follow-up" else options
    values = list(dict.fromkeys(value(row) for row in pooled.rows))
    steps = [
        _step(v, [r for r in pooled.rows if value(r) == v], pooled, studies, inner) for v in values
    ]
    difference = None
    if len(steps) > 1:
        difference = subgroup_difference(
            [_pooled_scale(pooled, s.estimate) for s in steps], [s.se for s in steps]
        )
    return Sensitivity("subgroup", pooled, tuple(steps), field, difference)


def _pooled_scale(pooled: PooledPanel, value: float) -> float:
    return math.log(value) if pooled.scale == "log" else value


def _step(
    label: str,
    rows: Sequence[ForestRow],
    pooled: PooledPanel,
    studies: Sequence[Study],
    options: PoolOptions,
) -> Step:
    acronyms = tuple(r.acronym for r in rows)
    if len(rows) == 1:
        return _single(label, rows[0], pooled)
    again = pool_selected(pooled.measure, pooled.unit, rows, studies, options)
    if again is None or again.acronyms != acronyms:
        raise ValueError(f"{label}: the remaining studies could not be pooled again")
    return _as_step(label, again)


def _as_step(label: str, pooled: PooledPanel) -> Step:
    statistics = pooled.statistics
    found = statistics.heterogeneity
    return Step(
        label=label,
        acronyms=pooled.acronyms,
        estimate=pooled.estimate,
        ci=pooled.ci,
        se=statistics.se,
        p=statistics.p,
        i2=found.i2 if found.i2_tau2 is None else found.i2_tau2,
        tau2=None if statistics.method in FIXED_METHODS else found.tau2,
    )


def _single(label: str, row: ForestRow, pooled: PooledPanel) -> Step:
    """One study left: its own estimate and CI, its SE from that CI."""
    assert row.ci is not None
    log = pooled.scale == "log"
    se = se_from_ci(row.ci[0], row.ci[1], row.ci_level, log=log)
    centre = math.log(row.estimate) if log else row.estimate
    back = math.exp if log else float
    spread = z_for(95) * se
    return Step(
        label=label,
        acronyms=(row.acronym,),
        estimate=row.estimate,
        ci=(back(centre - spread), back(centre + spread)),
        se=se,
        p=math.erfc(abs(centre / se) / math.sqrt(2)),
        i2=None,
        tau2=None,
    )


def analyses(
    panels: Sequence[PooledPanel],
    studies: Sequence[Study],
    options: PoolOptions,
    *,
    omit_each: bool = False,
    by_year: bool = False,
    field: str | None = None,
) -> list[Sensitivity]:
    """The sensitivity analyses asked for, for each pooled estimate, in that order."""
    found: list[Sensitivity] = []
    for pooled in panels:
        if omit_each:
            found.append(leave_one_out(pooled, studies, options))
        if by_year:
            found.append(cumulative(pooled, studies, options))
        if field is not None:
            found.append(subgroups(pooled, studies, field, options))
    return found
