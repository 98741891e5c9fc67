"""Pure numeric functions: proportions, differences, ratios and their confidence intervals.

Nothing here knows about studies, files or screens. Every function is checked in
tests/test_stats.py against published or independently computed reference values.
"""

from __future__ import annotations

import functools
import math
from dataclasses import dataclass
from statistics import NormalDist


@functools.lru_cache(maxsize=64)  # a page asks for the same few levels thousands of times
def z_for(level: float) -> float:
    """The two-sided normal quantile for a confidence level in percent (95 -> 1.95996)."""
    return NormalDist().inv_cdf(0.5 + level / 200)


@dataclass(frozen=True)
class Estimate:
    """A computed effect with its confidence interval and how it was computed."""

    value: float
    lower: float
    upper: float
    level: float
    method: str


def percentage(affected: int, total: int) -> float:
    """`affected` of `total` as a percentage; `total` must be positive."""
    if total <= 0:
        raise ValueError("a percentage needs a positive denominator")
    return 100 * affected / total


def wilson_interval(affected: int, total: int, level: float = 95) -> tuple[float, float]:
    """Wilson score interval for a proportion (Wilson 1927), as fractions in [0, 1]."""
    if total <= 0 or not 0 <= affected <= total:
        raise ValueError("need 0 <= affected <= total and total > 0")
    z = z_for(level)
    p = affected / total
    denominator = total + z * z
    centre = (affected + z * z / 2) / denominator
    half = z * math.sqrt(total) / denominator * math.sqrt(p * (1 - p) + z * z / (4 * total))
    # Clamp float noise at the ends (0/N and N/N).
    return max(0.0, centre - half), min(1.0, centre + half)


def risk_difference(
    affected_a: int, total_a: int, affected_b: int, total_b: int, level: float = 95
) -> Estimate:
    """p_a − p_b with Newcombe's hybrid score interval (Newcombe 1998, method 10).

    Values are fractions (0.05 = 5 percentage points).
    """
    p_a, p_b = affected_a / total_a, affected_b / total_b
    low_a, high_a = wilson_interval(affected_a, total_a, level)
    low_b, high_b = wilson_interval(affected_b, total_b, level)
    difference = p_a - p_b
    # Clamped: at 0/N against N/N float noise would step past ±1.
    lower = max(-1.0, difference - math.sqrt((p_a - low_a) ** 2 + (high_b - p_b) ** 2))
    upper = min(1.0, difference + math.sqrt((high_a - p_a) ** 2 + (p_b - low_b) ** 2))
    return Estimate(difference, lower, upper, level, "Newcombe hybrid score")


def risk_ratio(
    affected_a: int, total_a: int, affected_b: int, total_b: int, level: float = 95
) -> Estimate | None:
    """p_a / p_b with the Katz log interval; None when a zero count makes it undefined.

    Also None when both arms are 100%: a ratio of 1.00 (1.00–1.00) would be a figure where
    the counts carry no information on a ratio (not estimable).
    """
    if affected_a == 0 or affected_b == 0 or total_a <= 0 or total_b <= 0:
        return None
    if affected_a == total_a and affected_b == total_b:
        return None
    ratio = (affected_a / total_a) / (affected_b / total_b)
    spread = z_for(level) * math.sqrt(1 / affected_a - 1 / total_a + 1 / affected_b - 1 / total_b)
    log_ratio = math.log(ratio)
    return Estimate(
        ratio, math.exp(log_ratio - spread), math.exp(log_ratio + spread), level, "Katz log"
    )


@dataclass(frozen=True)
class NumberNeeded:
    """Patients treated for one more (or one fewer) event: 1 / |risk difference|.

    Follows Altman (BMJ 1998;317:1309): `near` and `far` come from the difference's two
    limits. When the difference's interval excludes 0 the number needed lies between
    `near` and `far`. When it spans 0, the interval runs from `near` on the estimate's
    side through infinity to `far` on the other side (`spans_no_effect` is true).
    """

    value: float
    near: float
    far: float
    spans_no_effect: bool


def number_needed_for(difference: float) -> float | None:
    """1 / |risk difference| (a fraction) without an interval; None when it is 0."""
    return 1 / abs(difference) if difference else None


def number_needed(difference: Estimate) -> NumberNeeded | None:
    """1 / |risk difference| with Altman's interval; None when the difference is 0."""
    value = number_needed_for(difference.value)
    if value is None:
        return None
    positive = difference.value > 0
    outer = difference.upper if positive else difference.lower
    inner = difference.lower if positive else difference.upper
    spans = (inner <= 0) if positive else (inner >= 0)
    far = 1 / abs(inner) if inner else math.inf
    return NumberNeeded(value, 1 / abs(outer), far, spans)


def relative_reduction_from_ratio(ratio: float) -> float:
    """The relative reduction, in percent, that a ratio stands for: 0.51 is a 49% reduction.

    A ratio above 1 gives a negative reduction: an increase.
    """
    if not math.isfinite(ratio) or ratio < 0:
        raise ValueError(f"a ratio cannot be negative, got {ratio!r}")
    return 100 * (1 - ratio)


def ratio_from_relative_reduction(percent: float) -> float:
    """The ratio a relative reduction stands for: a 49% reduction is a ratio of 0.51.

    `percent` is in percent (49, not 0.49). A reduction of 100% is a ratio of 0; a negative
    reduction (an increase, as the upper end of an interval may be) is a ratio above 1.
    """
    if not math.isfinite(percent) or percent > 100:
        raise ValueError(f"a relative reduction cannot be more than 100 percent, got {percent!r}")
    return 1 - percent / 100


def odds_ratio(p_a: float, p_b: float) -> float:
    """The odds ratio of two proportions given as fractions: (p_a/(1−p_a)) / (p_b/(1−p_b))."""
    if not (0 < p_a < 1 and 0 < p_b < 1):
        raise ValueError("odds need proportions strictly between 0 and 1")
    return (p_a / (1 - p_a)) / (p_b / (1 - p_b))


def rate_ratio(rate_a: float, rate_b: float) -> float:
    """The ratio of two event rates (e.g. annualized relapse rates)."""
    if rate_b <= 0:
        raise ValueError("the comparator's rate must be positive")
    return rate_a / rate_b


def rounding_tolerance(places: int) -> float:
    """Half a unit in the last printed place: a printed 53% stands for [52.5, 53.5]."""
    return 0.5 * 10.0 ** (-places)
