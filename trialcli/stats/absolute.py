"""Anticipated absolute effects: the risk with the intervention, from the comparator's risk
and a relative effect, as a Summary-of-Findings table shows them.

Formulas of the Cochrane Handbook (v5.1 §11.5.5; v6 chapter 14, §14.1.5.1), with ACR the
assumed comparator risk (a fraction) and CR the corresponding risk with the intervention:
- risk ratio:   CR = ACR × RR
- odds ratio:   CR = OR × ACR / (1 − ACR + OR × ACR)
- hazard ratio: CR = 1 − exp(HR × ln(1 − ACR)) (proportional hazards: S₁ = S₀^HR)
- rate ratio:   rate with the intervention = comparator rate × rate ratio (per person-time;
  not a risk, so the per-1,000 figure is per 1,000 person-years, say, not per 1,000 people)
"""

from __future__ import annotations

import math

RISK_RATIOS = frozenset({"risk-ratio", "odds-ratio", "hazard-ratio"})


def risk_with_intervention(comparator_risk: float, ratio: float, measure: str) -> float:
    """The corresponding risk (or rate, for a rate ratio) with the intervention."""
    if ratio < 0:
        raise ValueError("a ratio cannot be negative")
    if measure == "rate-ratio":
        if comparator_risk < 0:
            raise ValueError("a rate cannot be negative")
        return comparator_risk * ratio
    if not 0 <= comparator_risk <= 1:
        raise ValueError("a risk is a fraction between 0 and 1")
    if measure == "risk-ratio":
        return comparator_risk * ratio
    if measure == "odds-ratio":
        return ratio * comparator_risk / (1 - comparator_risk + ratio * comparator_risk)
    if measure == "hazard-ratio":
        if comparator_risk == 1:
            return 1.0
        return 1 - math.exp(ratio * math.log(1 - comparator_risk))
    raise ValueError(f"no corresponding risk for a {measure}")


def per_thousand(fraction: float) -> int:
    """A risk (or rate per unit) as a whole number per 1,000, rounded half away from 0."""
    scaled = 1000 * fraction
    return int(math.copysign(math.floor(abs(scaled) + 0.5), scaled))
