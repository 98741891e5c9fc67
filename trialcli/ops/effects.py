"""Absolute effects computed from the arms' own values, to read beside the stated relative ones.

For a proportion: the difference in percentage points (with Newcombe's interval when both
arms report n/N) and the number needed to treat. For a rate: the difference in rates.
None of these is stated by a source; every one is labelled as computed. None is computed
with a subset picked out after randomization (rescued, responders) on either side: those
are named with the reason instead.
"""

from __future__ import annotations

import math
from dataclasses import dataclass
from typing import Literal

from trialcli.formatting import decimals, interval, number
from trialcli.model import ArmResult, Endpoint, Study
from trialcli.stats import number_needed, number_needed_for, percentage, risk_difference

COMPARATOR_ROLES = frozenset({"active-comparator", "placebo"})


@dataclass(frozen=True)
class AbsoluteEffect:
    """experimental − comparator, on the arms' scale (percentage points or rate units)."""

    endpoint: str
    arms: tuple[str, str]
    measure: Literal["risk-difference", "rate-difference"]
    inputs: tuple[str, str]
    difference: float
    unit: str
    ci: tuple[float, float] | None
    ci_level: float | None
    method: str
    places: int  # decimals the difference is shown with
    # People treated for one more (difference > 0) or one fewer (< 0) with the outcome.
    # Which direction is a benefit is not recorded, so it is never called NNH.
    number_needed: float | None = None
    number_needed_ci: tuple[float, float] | None = None
    number_needed_spans_no_effect: bool = False
    approximate: bool = False

    @property
    def text(self) -> str:
        """`−17.0 percentage points (95% CI −25.1 to −8.7); NNT 6 (4 to 12), …`."""
        approx = "~" if self.approximate else ""
        sign = "+" if self.difference > 0 else ""
        head = f"{approx}{sign}{number(self.difference, self.places)} {self.unit}".rstrip()
        if self.ci is not None and self.ci_level is not None:
            head += f" ({number(self.ci_level)}% CI {interval(self.ci, _ci_places(self))})"
        else:
            head += f" ({self.method})"
        if self.number_needed is None:
            return head
        needed = _whole(self.number_needed)
        head += f"; NNT {needed}"
        if self.number_needed_spans_no_effect:
            head += " (its CI spans no difference)"
        elif self.number_needed_ci is not None:
            near, far = (_whole(v) for v in self.number_needed_ci)
            head += f" ({near} to {far})"
        more = "more" if self.difference > 0 else "fewer"
        return f"{head}: one {more} with the outcome per {needed} treated"


@dataclass(frozen=True)
class NotComputed:
    """An endpoint's groups no absolute effect is computed with, and why."""

    endpoint: str
    groups: tuple[str, ...]
    reason: str

    def text(self, labels: dict[str, str]) -> str:
        named = " and ".join(f"'{labels.get(g, g)}'" for g in self.groups)
        return f"not computed with {named}: {self.reason}"


SUBSET_REASON = (
    "a subset picked out after randomization (rescued, responders, completers), not a "
    "randomized arm: never compared with one"
)


def _whole(value: float) -> str:
    # Numbers needed to treat are rounded up to whole people (Cochrane Handbook 15.4.4).
    return "∞" if math.isinf(value) else f"{math.ceil(value - 1e-9):,}"


def _ci_places(effect: AbsoluteEffect) -> int:
    """The difference's places, or more where a limit near 0 would print as 0."""
    assert effect.ci is not None
    places = effect.places
    while places < 3 and any(v and round(v, places) == 0 for v in effect.ci):
        places += 1
    return places


def absolute_effects(study: Study) -> list[AbsoluteEffect]:
    found: list[AbsoluteEffect] = []
    for endpoint in study.endpoints:
        for arms in _pairs(study, endpoint):
            if any(study.is_subset(k) for k in arms):
                continue
            effect = _effect(endpoint, arms)
            if effect is not None:
                found.append(effect)
    return found


def not_computed(study: Study) -> list[NotComputed]:
    """Each endpoint's subsets picked out after randomization, where it compares groups."""
    found: list[NotComputed] = []
    for endpoint in study.endpoints:
        subsets = tuple(k for k in endpoint.results if study.is_subset(k))
        if subsets and len(endpoint.results) > 1:
            found.append(NotComputed(endpoint.id, subsets, SUBSET_REASON))
    return found


def _pairs(study: Study, endpoint: Endpoint) -> list[tuple[str, str]]:
    """The arm pairs the sources compare; without comparisons, each arm against the one
    comparator (active or placebo) that has results."""
    compared = [c.arms for c in endpoint.comparisons if set(c.arms) <= endpoint.results.keys()]
    if compared:
        return list(dict.fromkeys(compared))
    comparators = [k for k in endpoint.results if study.group_role(k) in COMPARATOR_ROLES]
    if len(comparators) != 1:
        return []
    return [(key, comparators[0]) for key in endpoint.results if key != comparators[0]]


def _effect(endpoint: Endpoint, arms: tuple[str, str]) -> AbsoluteEffect | None:
    a, b = (endpoint.results[key] for key in arms)
    approximate = a.approximate or b.approximate
    if endpoint.kind == "proportion":
        return _risk_difference(endpoint, arms, a, b, approximate)
    if endpoint.kind == "rate" and a.value is not None and b.value is not None:
        if a.unit != b.unit:
            return None
        return AbsoluteEffect(
            endpoint=endpoint.id,
            arms=arms,
            measure="rate-difference",
            inputs=(number(a.value), number(b.value)),
            difference=a.value - b.value,
            unit=a.unit or "",
            ci=None,
            ci_level=None,
            method="from the stated rates; no CI",
            places=max(decimals(a.value), decimals(b.value)),
            approximate=approximate,
        )
    return None


def _risk_difference(
    endpoint: Endpoint, arms: tuple[str, str], a: ArmResult, b: ArmResult, approximate: bool
) -> AbsoluteEffect | None:
    if a.n is not None and a.N and b.n is not None and b.N:
        estimate = risk_difference(a.n, a.N, b.n, b.N)
        needed = number_needed(estimate)
        return AbsoluteEffect(
            endpoint=endpoint.id,
            arms=arms,
            measure="risk-difference",
            inputs=(f"{a.n:,}/{a.N:,}", f"{b.n:,}/{b.N:,}"),
            difference=100 * estimate.value,
            unit="percentage points",
            ci=(100 * estimate.lower, 100 * estimate.upper),
            ci_level=estimate.level,
            method=f"{estimate.method} interval from n/N",
            places=1,
            number_needed=needed.value if needed else None,
            number_needed_ci=(needed.near, needed.far) if needed else None,
            number_needed_spans_no_effect=needed.spans_no_effect if needed else False,
            approximate=approximate,
        )
    first, second = _percent(a), _percent(b)
    if first is None or second is None:
        return None
    difference = first[0] - second[0]
    places = max(first[1], second[1])
    return AbsoluteEffect(
        endpoint=endpoint.id,
        arms=arms,
        measure="risk-difference",
        inputs=(f"{number(first[0], places)}%", f"{number(second[0], places)}%"),
        difference=difference,
        unit="percentage points",
        ci=None,
        ci_level=None,
        method="from the stated percentages; no CI without n/N",
        places=places,
        number_needed=number_needed_for(difference / 100),
        approximate=approximate,
    )


def _percent(result: ArmResult) -> tuple[float, int] | None:
    """An arm's percentage and the decimals to show it with: as stated, or from n/N."""
    if result.value is not None and result.unit == "%":
        return result.value, decimals(result.value)
    if result.n is not None and result.N:
        return percentage(result.n, result.N), 1
    return None
