"""Statistics against reference values computed elsewhere, and their invariants."""

from __future__ import annotations

import math

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from trialcli.stats import (
    Estimate,
    number_needed,
    number_needed_for,
    odds_ratio,
    percentage,
    rate_ratio,
    ratio_from_relative_reduction,
    relative_reduction_from_ratio,
    risk_difference,
    risk_ratio,
    rounding_tolerance,
    wilson_interval,
    z_for,
)

# Newcombe RG. Interval estimation for the difference between independent proportions:
# comparison of eleven methods. Stat Med 1998;17:873-890, Table II, method 10 (hybrid
# score). The same values come out of statsmodels' confint_proportions_2indep(method=
# "newcomb"), which was run to cross-check them.
NEWCOMBE_1998 = [
    ((56, 70, 48, 80), (0.0524, 0.3339)),
    ((9, 10, 3, 10), (0.1705, 0.8090)),
    ((6, 7, 2, 7), (0.0582, 0.8062)),
    ((5, 56, 0, 29), (-0.0381, 0.1926)),
    ((0, 10, 0, 20), (-0.1611, 0.2775)),
    ((0, 10, 0, 10), (-0.2775, 0.2775)),
    ((10, 10, 0, 20), (0.6791, 1.0000)),
    ((10, 10, 0, 10), (0.6075, 1.0000)),
]


@pytest.mark.parametrize(("counts", "interval"), NEWCOMBE_1998)
def test_risk_difference_matches_newcombe_1998(
    counts: tuple[int, int, int, int], interval: tuple[float, float]
) -> None:
    estimate = risk_difference(*counts)
    assert (round(estimate.lower, 4), round(estimate.upper, 4)) == interval
    assert estimate.value == pytest.approx(counts[0] / counts[1] - counts[2] / counts[3])
    assert estimate.method == "Newcombe hybrid score"


def test_risk_difference_on_bundled_counts() -> None:
    # CARE-MS II thyroid disorders, 100/596 vs 10/202; reference from statsmodels (newcomb).
    estimate = risk_difference(100, 596, 10, 202)
    assert (round(estimate.value, 4), round(estimate.lower, 4), round(estimate.upper, 4)) == (
        0.1183,
        0.0702,
        0.1574,
    )


@pytest.mark.parametrize(
    ("counts", "expected"),
    [
        # Reference: scipy.stats.contingency.relative_risk(...).confidence_interval(), Katz.
        ((100, 596, 10, 202), (3.3893, 1.8048, 6.3647)),
        ((49, 216, 3, 107), (8.0910, 2.5813, 25.3610)),
        ((253, 376, 85, 187), (1.4803, 1.2463, 1.7583)),
        ((22, 596, 3, 202), (2.4855, 0.7519, 8.2164)),
    ],
)
def test_risk_ratio_matches_katz_reference(
    counts: tuple[int, int, int, int], expected: tuple[float, float, float]
) -> None:
    estimate = risk_ratio(*counts)
    assert estimate is not None
    assert (
        round(estimate.value, 4),
        round(estimate.lower, 4),
        round(estimate.upper, 4),
    ) == expected


def test_risk_ratio_with_a_zero_count_is_not_estimable() -> None:
    assert risk_ratio(0, 202, 5, 596) is None
    assert risk_ratio(5, 596, 0, 202) is None


@pytest.mark.parametrize(
    ("counts", "expected"),
    [
        # Reference: statsmodels proportion_confint(method="wilson").
        ((104, 202), (0.4463, 0.5828)),
        ((0, 10), (0.0, 0.2775)),
        ((10, 10), (0.7225, 1.0)),
    ],
)
def test_wilson_interval(counts: tuple[int, int], expected: tuple[float, float]) -> None:
    low, high = wilson_interval(*counts)
    assert (round(low, 4), round(high, 4)) == expected


def test_z_for_95_and_99() -> None:
    assert z_for(95) == pytest.approx(1.959964, abs=1e-6)
    assert z_for(99) == pytest.approx(2.575829, abs=1e-6)


def test_percentage() -> None:
    assert percentage(104, 202) == pytest.approx(51.485, abs=1e-3)  # not the printed 53%
    with pytest.raises(ValueError):
        percentage(1, 0)


def test_relative_reduction_and_ratio() -> None:
    assert relative_reduction_from_ratio(0.51) == pytest.approx(49)
    assert ratio_from_relative_reduction(49) == pytest.approx(0.51)
    assert rate_ratio(0.26, 0.52) == pytest.approx(0.5)
    with pytest.raises(ValueError):
        rate_ratio(0.26, 0)


def test_number_needed_when_the_interval_excludes_no_effect() -> None:
    needed = number_needed(Estimate(0.2, 0.05, 0.4, 95, "test"))
    assert needed is not None
    assert needed.value == pytest.approx(5)
    assert (needed.near, needed.far) == (pytest.approx(2.5), pytest.approx(20))
    assert not needed.spans_no_effect


def test_number_needed_when_the_interval_spans_no_effect() -> None:
    # Altman 1998: from the estimate's side through infinity to the other side.
    needed = number_needed(Estimate(0.1, -0.05, 0.25, 95, "test"))
    assert needed is not None
    assert needed.value == pytest.approx(10)
    assert needed.near == pytest.approx(4)
    assert needed.far == pytest.approx(20)
    assert needed.spans_no_effect


def test_number_needed_for_no_difference() -> None:
    assert number_needed(Estimate(0.0, -0.1, 0.1, 95, "test")) is None


def test_number_needed_without_an_interval() -> None:
    # CARE-MS II relapse-free at 2 years, 65.4% vs 46.7%: 1 / 0.187 = 5.35 (arithmetic).
    assert number_needed_for(0.654 - 0.467) == pytest.approx(5.3476, abs=1e-4)
    assert number_needed_for(-0.2) == pytest.approx(5)
    assert number_needed_for(0.0) is None


def test_odds_ratio_matches_bland_altman() -> None:
    # Bland JM, Altman DG. The odds ratio. BMJ 2000;320:1468: hay fever in 141 of 561
    # children with eczema and 928 of 14,453 without; odds ratio 141/420 ÷ 928/13,525 = 4.89.
    assert odds_ratio(141 / 561, 928 / 14453) == pytest.approx(4.89, abs=0.005)
    with pytest.raises(ValueError):
        odds_ratio(1.0, 0.5)


def test_rounding_tolerance() -> None:
    assert rounding_tolerance(0) == 0.5
    assert rounding_tolerance(1) == pytest.approx(0.05)


counts = st.integers(min_value=1, max_value=2000).flatmap(
    lambda total: st.tuples(st.integers(min_value=0, max_value=total), st.just(total))
)


@pytest.mark.slow
@settings(max_examples=1000)
@given(counts, counts)
def test_risk_difference_interval_contains_its_estimate(
    a: tuple[int, int], b: tuple[int, int]
) -> None:
    estimate = risk_difference(a[0], a[1], b[0], b[1])
    assert -1 <= estimate.lower <= estimate.value + 1e-12
    assert estimate.value - 1e-12 <= estimate.upper <= 1


@pytest.mark.slow
@settings(max_examples=1000)
@given(counts, counts)
def test_risk_ratio_interval_contains_its_estimate(a: tuple[int, int], b: tuple[int, int]) -> None:
    estimate = risk_ratio(a[0], a[1], b[0], b[1])
    if estimate is None:
        # A zero count, or both arms 100% (no information on a ratio: not estimable).
        assert a[0] == 0 or b[0] == 0 or (a[0] == a[1] and b[0] == b[1])
        return
    assert 0 < estimate.lower <= estimate.value <= estimate.upper
    assert math.isfinite(estimate.upper)


@settings(max_examples=500)
@given(st.floats(min_value=0.001, max_value=10, allow_nan=False))
def test_ratio_and_relative_reduction_invert_each_other(ratio: float) -> None:
    assert ratio_from_relative_reduction(relative_reduction_from_ratio(ratio)) == pytest.approx(
        ratio
    )
