"""stats/network.py against metafor's rma.mv on two published networks.

The pinned values come from tests/reference/network.R (metafor 3.8-1, R 4.2) on metafor's own
data sets: dat.hasselblad1998 (smoking cessation, odds ratios, two three-arm trials) and
dat.senn2013 (glucose lowering, mean differences in HbA1c, one three-arm trial).
"""

from __future__ import annotations

import csv
import json
import math
from collections import defaultdict
from pathlib import Path

import pytest

from trialcli.stats.network import (
    ArmEstimate,
    Contrast,
    Events,
    Excluded,
    NetworkError,
    StudyArms,
    arms_from_events,
    bucher,
    components,
    fit_network,
    p_scores,
    splits,
)

FIXTURES = Path(__file__).parent / "fixtures" / "network"
REFERENCE = json.loads((FIXTURES / "reference.json").read_text(encoding="utf-8"))


def hasselblad() -> list[StudyArms]:
    arms: dict[str, list[Events]] = defaultdict(list)
    with (FIXTURES / "hasselblad1998.csv").open(encoding="utf-8") as f:
        for row in csv.DictReader(f):
            arms[row["study"]].append(Events(row["trt"], int(row["xi"]), int(row["ni"])))
    out = [arms_from_events(study, a, "odds-ratio") for study, a in arms.items()]
    assert all(isinstance(s, StudyArms) for s in out)
    return [s for s in out if isinstance(s, StudyArms)]


def senn() -> list[StudyArms]:
    arms: dict[str, list[ArmEstimate]] = defaultdict(list)
    with (FIXTURES / "senn2013.csv").open(encoding="utf-8") as f:
        for row in csv.DictReader(f):
            variance = float(row["sdi"]) ** 2 / int(row["ni"])
            arms[row["study"]].append(ArmEstimate(row["treatment"], float(row["mi"]), variance))
    return [StudyArms(study, tuple(a)) for study, a in arms.items()]


CASES = [("hasselblad1998", hasselblad, "no_contact"), ("senn2013", senn, "placebo")]


@pytest.mark.parametrize(("name", "data", "reference"), CASES)
def test_random_effects_reml_equals_metafor(name: str, data, reference: str) -> None:
    expected = REFERENCE[name]
    network = fit_network(data(), reference)
    assert network.tau2 == pytest.approx(expected["tau2_reml"], abs=5e-5)
    assert len(network.league) == len(expected["random_reml"])
    for row in expected["random_reml"]:
        got = network.contrast(row["treatment"], row["vs"])
        assert got.estimate == pytest.approx(row["log_estimate"], abs=5e-5)
        assert got.se == pytest.approx(row["se"], abs=5e-5)


@pytest.mark.parametrize(("name", "data", "reference"), CASES)
def test_common_effect_and_q_split_equal_metafor(name: str, data, reference: str) -> None:
    expected = REFERENCE[name]
    network = fit_network(data(), reference, model="common")
    assert network.tau2 == 0
    for row in expected["common"]:
        got = network.contrast(row["treatment"], row["vs"])
        assert got.estimate == pytest.approx(row["log_estimate"], abs=5e-5)
        assert got.se == pytest.approx(row["se"], abs=5e-5)
    assert network.q_total.q == pytest.approx(expected["q_total"], abs=5e-5)
    assert network.q_total.df == expected["q_total_df"]
    assert network.q_within.q == pytest.approx(expected["q_within"], abs=5e-5)
    assert network.q_within.df == expected["q_within_df"]
    assert network.q_between.df == expected["q_total_df"] - expected["q_within_df"]
    assert network.q_between.q == pytest.approx(
        expected["q_total"] - expected["q_within"], abs=1e-4
    )


def test_hasselblad_figures_as_printed() -> None:
    """The odds ratios vs no contact, as a reader sees them (4 decimals of the log scale)."""
    network = fit_network(hasselblad(), "no_contact")
    ors = {c.treatment: round(math.exp(c.estimate), 2) for c in network.effects}
    assert ors == {"self_help": 1.49, "ind_counseling": 2.03, "grp_counseling": 2.38}
    # Design-by-treatment inconsistency: Q between designs 15.22 on 7 df.
    assert round(network.q_between.q, 2) == 15.22
    assert network.q_between.df == 7
    assert network.q_between.p == pytest.approx(0.0333, abs=1e-4)


def test_dersimonian_laird_of_two_treatments_equals_pairwise_dl() -> None:
    expected = REFERENCE["pairwise_dl"]
    wanted = {str(int(s)) for s in expected["studies"]}
    studies = [
        StudyArms(s.study, tuple(a for a in s.arms if a.treatment in {"no_contact", "self_help"}))
        for s in hasselblad()
        if s.study in wanted
    ]
    network = fit_network(studies, "no_contact", method="dl")
    assert network.tau2 == pytest.approx(expected["tau2"], abs=1e-8)
    self_help = network.contrast("self_help", "no_contact")
    assert self_help.estimate == pytest.approx(expected["log_estimate"], abs=1e-8)
    assert self_help.se == pytest.approx(expected["se"], abs=1e-8)


def test_p_scores_follow_the_better_direction() -> None:
    network = fit_network(hasselblad(), "no_contact")
    higher = p_scores(network, "higher")  # quitting: more is better
    lower = p_scores(network, "lower")
    assert max(higher, key=higher.__getitem__) == "grp_counseling"
    assert min(higher, key=higher.__getitem__) == "no_contact"
    for treatment in higher:
        assert higher[treatment] + lower[treatment] == pytest.approx(1.0)
    # The mean P-score is always ½ (Rücker & Schwarzer 2015).
    assert sum(higher.values()) / len(higher) == pytest.approx(0.5)


def test_back_calculation_splits_direct_from_indirect() -> None:
    network = fit_network(hasselblad(), "no_contact")
    by_pair = {(s.treatment, s.vs): s for s in splits(network)}
    s = by_pair[("no_contact", "ind_counseling")]
    mixed = network.contrast("no_contact", "ind_counseling")
    # Precisions add up: 1/var(mixed) = 1/var(direct) + 1/var(indirect).
    assert 1 / mixed.se**2 == pytest.approx(1 / s.direct.se**2 + 1 / s.indirect.se**2)
    assert 0.85 < s.direct_share < 0.95
    assert s.p is not None and 0 < s.p < 1


def test_bucher_shows_its_arithmetic() -> None:
    a = Contrast("alemtuzumab", "placebo", math.log(0.5), 0.1)
    b = Contrast("fingolimod", "placebo", math.log(0.6), 0.2)
    c = bucher(a, b)
    assert (c.treatment, c.vs) == ("alemtuzumab", "fingolimod")
    assert c.estimate == pytest.approx(math.log(0.5 / 0.6))
    assert c.se == pytest.approx(math.sqrt(0.01 + 0.04))
    with pytest.raises(NetworkError):
        bucher(a, Contrast("fingolimod", "interferon", 0.0, 0.1))


def test_zero_cells_and_empty_studies() -> None:
    corrected = arms_from_events("s", [Events("a", 0, 20), Events("b", 5, 20)], "odds-ratio")
    assert isinstance(corrected, StudyArms)
    assert corrected.arms[0].estimate == pytest.approx(math.log(0.5 / 20.5))
    assert corrected.arms[1].variance == pytest.approx(1 / 5.5 + 1 / 15.5)
    none = arms_from_events("t", [Events("a", 0, 20), Events("b", 0, 30)], "risk-ratio")
    assert none == Excluded("t", "no events in any arm")


def test_disconnected_network_names_its_parts() -> None:
    studies = [
        StudyArms("s1", (ArmEstimate("a", 0.0, 0.1), ArmEstimate("b", 0.2, 0.1))),
        StudyArms("s2", (ArmEstimate("c", 0.0, 0.1), ArmEstimate("d", 0.3, 0.1))),
    ]
    assert components(studies) == [{"a", "b"}, {"c", "d"}]
    with pytest.raises(NetworkError, match="disconnected: its parts are a, b; c, d"):
        fit_network(studies, "a")
