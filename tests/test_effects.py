"""Absolute effects computed from the arms' values, against independently computed references."""

from __future__ import annotations

from collections.abc import Callable
from pathlib import Path

import pytest

from trialcli.catalog import Catalog
from trialcli.loader import load_study
from trialcli.ops.effects import AbsoluteEffect, absolute_effects

Write = Callable[..., Path]


def effect(study: str, endpoint: str) -> AbsoluteEffect:
    found = [e for e in absolute_effects(Catalog.discover().load(study)) if e.endpoint == endpoint]
    assert len(found) == 1, found
    return found[0]


def test_risk_difference_from_counts_matches_an_independent_computation() -> None:
    # CARE-MS II patients relapsing, 147/426 vs 104/202. Reference: Wilson limits solved by
    # bisection of the score equation |p − π| = z·√(π(1−π)/n), combined by Newcombe's
    # method 10 in a separate script (not trialcli.stats): −16.9781 (−25.0545 to −8.7031);
    # NNT 1/0.169781 = 5.8899, Altman limits 1/0.250545 = 3.9913 and 1/0.087031 = 11.4901.
    found = effect("care-ms-ii", "relapse-proportion")
    assert found.arms == ("alem12", "ifn")  # no comparison: each arm vs the comparator
    assert found.inputs == ("147/426", "104/202")
    assert found.difference == pytest.approx(-16.9781, abs=1e-4)
    assert found.ci is not None
    assert found.ci == (pytest.approx(-25.0545, abs=1e-4), pytest.approx(-8.7031, abs=1e-4))
    assert found.number_needed == pytest.approx(5.8899, abs=1e-4)
    assert found.number_needed_ci == (
        pytest.approx(3.9913, abs=1e-4),
        pytest.approx(11.4901, abs=1e-4),
    )
    assert found.text == (
        "−17.0 percentage points (95% CI −25.1 to −8.7); NNT 6 (4 to 12): "
        "one fewer with the outcome per 6 treated"
    )


def test_risk_difference_from_percentages_has_no_interval() -> None:
    # CARE-MS II relapse-free at 2 years, 65.4% vs 46.7% (no n/N reported).
    found = effect("care-ms-ii", "relapse-free")
    assert found.difference == pytest.approx(18.7)
    assert found.ci is None
    assert found.number_needed == pytest.approx(1 / 0.187)
    assert found.text == (
        "+18.7 percentage points (from the stated percentages; no CI without n/N); "
        "NNT 6: one more with the outcome per 6 treated"
    )


def test_a_limit_near_zero_is_not_printed_as_zero() -> None:
    # CARE-MS I new T2 lesions, 176/363 vs 99/172: the upper limit is −0.0095 points
    # (independent computation as above), so the NNT's far limit is 10,571.
    found = effect("care-ms-i", "new-t2-lesions")
    assert "(95% CI −17.85 to −0.01)" in found.text
    assert "NNT 12 (6 to 10,571)" in found.text


def test_rate_difference() -> None:
    found = effect("care-ms-ii", "arr")
    assert found.measure == "rate-difference"
    assert found.difference == pytest.approx(-0.26)
    assert found.text == "−0.26 relapses per year (from the stated rates; no CI)"


def test_each_compared_pair_gets_its_own_effect() -> None:
    # CAMMS223 compares both the pooled doses and the 12-mg arm with IFN.
    study = Catalog.discover().load("camms223")
    pairs = [e.arms for e in absolute_effects(study) if e.endpoint == "arr"]
    assert pairs == [("alem-pooled", "ifn"), ("alem12", "ifn")]


@pytest.mark.parametrize(
    ("replace", "expected"),
    [
        ("kind: rate", "rate-difference"),
        ("kind: continuous", None),  # no absolute effect for a continuous endpoint
    ],
)
def test_only_rates_and_proportions(
    write: Write, minimal_text: str, replace: str, expected: str | None
) -> None:
    study = load_study(write(minimal_text.replace("kind: rate", replace)))
    measures = [e.measure for e in absolute_effects(study)]
    assert measures == ([expected] if expected else [])
