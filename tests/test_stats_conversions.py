"""Ratio ↔ relative reduction, checked against pairs the sources print side by side."""

from __future__ import annotations

import math

import pytest
from hypothesis import given
from hypothesis import strategies as st

from trialcli.stats import ratio_from_relative_reduction, relative_reduction_from_ratio

# (ratio, relative reduction in %) as one source prints both for the same comparison.
PRINTED_PAIRS = [
    (0.51, 49),  # CARE-MS II relapse rate: rate ratio 0.51 (Fernández 2014), 49% (topline)
    (0.58, 42),  # CARE-MS II disability: HR 0.58 (Fernández 2014), 42% (topline)
    (0.26, 74),  # CAMMS223 relapse: HR 0.26 (VisualMed summary), 74% (NMSS article)
    (0.29, 71),  # CAMMS223 disability: HR 0.29 (NEJM abstract), 71% (NMSS article)
]


@pytest.mark.parametrize(("ratio", "pct"), PRINTED_PAIRS)
def test_printed_pairs_agree(ratio: float, pct: float) -> None:
    assert ratio_from_relative_reduction(pct) == pytest.approx(ratio)
    assert relative_reduction_from_ratio(ratio) == pytest.approx(pct)


def test_care_ms_i_lancet_wording() -> None:
    # The Lancet prints rate ratio 0.45 and a "54.9% improvement": 0.451 to three places.
    assert round(ratio_from_relative_reduction(54.9), 3) == 0.451
    assert round(ratio_from_relative_reduction(54.9), 2) == 0.45


def test_an_increase_is_a_ratio_above_one() -> None:
    # The upper end of a reduction's interval can be an increase of 10%.
    assert ratio_from_relative_reduction(-10) == pytest.approx(1.1)
    assert relative_reduction_from_ratio(1.1) == pytest.approx(-10)


@pytest.mark.parametrize("pct", [100.5, math.inf, math.nan])
def test_impossible_reductions_are_refused(pct: float) -> None:
    with pytest.raises(ValueError, match="more than 100 percent"):
        ratio_from_relative_reduction(pct)


@pytest.mark.parametrize("ratio", [-0.1, math.inf, math.nan])
def test_impossible_ratios_are_refused(ratio: float) -> None:
    with pytest.raises(ValueError, match="cannot be negative"):
        relative_reduction_from_ratio(ratio)


@given(st.floats(min_value=-500, max_value=100, allow_nan=False))
def test_round_trip(pct: float) -> None:
    ratio = ratio_from_relative_reduction(pct)
    assert ratio >= 0
    assert relative_reduction_from_ratio(ratio) == pytest.approx(pct, abs=1e-9)


@given(
    st.floats(min_value=0, max_value=100, allow_nan=False),
    st.floats(min_value=0, max_value=100, allow_nan=False),
)
def test_a_larger_reduction_is_never_a_larger_ratio(x: float, y: float) -> None:
    if x <= y:
        assert ratio_from_relative_reduction(x) >= ratio_from_relative_reduction(y)
