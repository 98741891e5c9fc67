"""trialcli.stats.meta against the reference implementations, to four decimals.

Three kinds of reference, each named where it is used:
- metafor's documented results for the BCG vaccine trials (dat.bcg; Colditz et al. 1994),
  log risk ratios: `rma(yi, vi, method="FE" | "DL" | "REML")` print, to 4 decimals,
  FE −0.4303 (SE 0.0405, −0.5097 to −0.3509); DL −0.7141 (SE 0.1787, −1.0644 to −0.3638,
  τ² 0.3088); REML −0.7145 (SE 0.1798, −1.0669 to −0.3622, τ² 0.3132); Q(12) = 152.2330,
  I² (DL) 92.12%. These were recalled from metafor's documentation and cross-checked here:
  statsmodels reproduces the FE, DL and Q figures from the same counts.
- R metafor and meta results stored in statsmodels' own test suite
  (statsmodels/stats/tests/results/results_meta.py, by Josef Perktold): the Kacker 2004
  example (PM, DL, DL with Knapp–Hartung) and metabin on dat.fine1993 (I² interval,
  prediction interval, Q and its p).
- statsmodels.stats.meta_analysis.combine_effects and StratifiedTable, run on the same data;
  their figures are pinned in tests/reference/statsmodels.json by
  tests/reference/statsmodels_values.py, so the suite does not import statsmodels.
- metafor's rma.mh on dat.bcg (Mantel–Haenszel, Q centred on the MH estimate), pinned in
  tests/reference/mantel_haenszel.json with the .R script that regenerates it.
"""

from __future__ import annotations

import json
import math
from pathlib import Path

import pytest
from pinned import statsmodels

from trialcli.stats.distributions import chi2_sf, t_quantile
from trialcli.stats.meta import (
    BinaryMeasure,
    TwoByTwo,
    i2_interval,
    inverse_variance,
    mantel_haenszel,
    se_from_ci,
    study_effect,
)

# dat.bcg: vaccinated TB+, TB−; unvaccinated TB+, TB− (metafor's tpos, tneg, cpos, cneg).
BCG = [
    (4, 119, 11, 128),
    (6, 300, 29, 274),
    (3, 228, 11, 209),
    (62, 13536, 248, 12619),
    (33, 5036, 47, 5761),
    (180, 1361, 372, 1079),
    (8, 2537, 10, 619),
    (505, 87886, 499, 87892),
    (29, 7470, 45, 7232),
    (17, 1699, 65, 1600),
    (186, 50448, 141, 27197),
    (5, 2493, 3, 2338),
    (27, 16886, 29, 17825),
]
BCG_TABLES = [TwoByTwo(a, a + b, c, c + d) for a, b, c, d in BCG]
BCG_Y, BCG_V = zip(*(study_effect(t, "risk-ratio") for t in BCG_TABLES), strict=True)

# Kacker 2004 (statsmodels results_meta.py, computed with metafor).
KACKER_Y = [61.0, 61.4, 62.21, 62.3, 62.34, 62.6, 62.7, 62.84, 65.9]
KACKER_V = [0.2025, 1.21, 0.09, 0.2025, 0.3844, 0.5625, 0.0676, 0.0225, 1.8225]

# dat.fine1993 arm counts as in statsmodels' results_or_dl_hk (R meta, metabin).
FINE_EVENTS_E = [18, 22, 21, 14, 42, 80, 13, 37, 23, 19, 106, 170, 34, 18, 13, 12, 42]
FINE_N_E = [19, 34, 72, 22, 70, 183, 26, 61, 36, 45, 246, 386, 59, 45, 14, 26, 74]
FINE_EVENTS_C = [12, 12, 15, 5, 13, 33, 18, 30, 12, 14, 76, 46, 17, 3, 14, 10, 40]
FINE_N_C = [22, 35, 68, 20, 32, 94, 50, 55, 25, 35, 208, 141, 32, 15, 18, 19, 75]
FINE_TABLES = [
    TwoByTwo(*counts)
    for counts in zip(FINE_EVENTS_E, FINE_N_E, FINE_EVENTS_C, FINE_N_C, strict=True)
]


# Where scipy's chi² tail and t quantile are checked (tests/reference/statsmodels.json).
CHI2_POINTS = [(152.233, 12), (16.18, 16), (0.5, 1), (24.8, 8)]
T_POINTS = [(0.975, 1), (0.975, 2), (0.975, 15), (0.995, 3)]


def close(value: float, expected: float) -> bool:
    return round(value, 4) == round(expected, 4) or abs(value - expected) < 5e-5


def test_bcg_matches_metafor_fixed_dl_and_reml() -> None:
    fixed = inverse_variance(BCG_Y, BCG_V, "fixed")
    assert (round(fixed.estimate, 4), round(fixed.se, 4)) == (-0.4303, 0.0405)
    assert tuple(round(x, 4) for x in fixed.ci) == (-0.5097, -0.3509)
    dl = inverse_variance(BCG_Y, BCG_V, "dersimonian-laird")
    assert (round(dl.estimate, 4), round(dl.se, 4)) == (-0.7141, 0.1787)
    assert tuple(round(x, 4) for x in dl.ci) == (-1.0644, -0.3638)
    assert round(dl.heterogeneity.tau2, 4) == 0.3088
    assert round(dl.heterogeneity.q, 4) == 152.2330
    assert dl.heterogeneity.df == 12
    assert round(dl.heterogeneity.i2, 2) == 92.12
    reml = inverse_variance(BCG_Y, BCG_V, "reml")
    assert (round(reml.estimate, 4), round(reml.se, 4)) == (-0.7145, 0.1798)
    assert tuple(round(x, 4) for x in reml.ci) == (-1.0669, -0.3622)
    assert round(reml.heterogeneity.tau2, 4) == 0.3132
    # The vaccine lowers the risk: the pooled risk ratio is about 0.49.
    assert round(math.exp(reml.estimate), 2) == 0.49


@pytest.mark.parametrize(
    ("method", "method_re"), [("dersimonian-laird", "chi2"), ("paule-mandel", "iterated")]
)
def test_bcg_matches_statsmodels(method: str, method_re: str) -> None:
    reference = statsmodels()[f"bcg_{method_re}"]
    ours = inverse_variance(BCG_Y, BCG_V, method)  # type: ignore[arg-type]
    assert close(ours.estimate, reference["mean_effect_re"])
    assert close(ours.se, reference["sd_eff_w_re"])
    assert close(ours.ci[0], reference["re_ci_low"])
    assert close(ours.ci[1], reference["re_ci_upp"])
    assert close(ours.heterogeneity.tau2, reference["tau2"])
    assert close(ours.heterogeneity.q, reference["q"])
    assert close(ours.heterogeneity.i2, 100 * reference["i2"])
    fixed = inverse_variance(BCG_Y, BCG_V, "fixed")
    assert close(fixed.estimate, reference["mean_effect_fe"])
    assert close(fixed.ci[0], reference["fe_ci_low"])


def test_hartung_knapp_matches_statsmodels_and_metafor() -> None:
    reference = statsmodels()["bcg_chi2_t"]
    ours = inverse_variance(BCG_Y, BCG_V, "dersimonian-laird", hksj=True)
    assert close(ours.ci[0], reference["re_wls_ci_low"])
    assert close(ours.ci[1], reference["re_wls_ci_upp"])
    # metafor rma(y, v, method="DL", test="knha") on Kacker 2004.
    kacker = inverse_variance(KACKER_Y, KACKER_V, "dersimonian-laird", hksj=True)
    assert close(kacker.estimate, 62.3901386044504)
    assert close(kacker.se, 0.29477605699879)
    assert close(kacker.ci[0], 61.710383798052)
    assert close(kacker.ci[1], 63.0698934108488)


def test_kacker_matches_metafor_pm_and_dl() -> None:
    pm = inverse_variance(KACKER_Y, KACKER_V, "paule-mandel")
    assert close(pm.estimate, 62.4076199113286)
    assert close(pm.se, 0.338030602684471)
    assert close(pm.ci[0], 61.7450921043947)
    assert close(pm.ci[1], 63.0701477182625)
    assert close(pm.heterogeneity.tau2, 0.705395309224248)
    assert close(pm.heterogeneity.q, 24.801897741835)
    assert close(pm.heterogeneity.p, 0.00167935146372742)
    dl = inverse_variance(KACKER_Y, KACKER_V, "dersimonian-laird")
    assert close(dl.estimate, 62.3901386044504)
    assert close(dl.heterogeneity.tau2, 0.288049246973751)
    assert close(dl.heterogeneity.i2, 67.744403741711)


def test_fine1993_matches_r_meta_heterogeneity_and_prediction() -> None:
    """R meta: metabin(..., sm="OR", method="Inverse", method.tau="DL", hakn=TRUE)."""
    effects, variances = zip(*(study_effect(t, "odds-ratio") for t in FINE_TABLES), strict=True)
    pooled = inverse_variance(effects, variances, "dersimonian-laird", hksj=True)
    assert close(pooled.estimate, 0.429520368698268)
    assert close(pooled.ci[0], 0.235347059333852)
    assert close(pooled.ci[1], 0.623693678062684)
    found = pooled.heterogeneity
    assert close(found.q, 16.181374262823)
    assert close(found.p, 0.440375456698129)
    assert close(found.tau2, 0.0016783981912744)
    assert close(found.i2, 100 * 0.0112088293538659)
    assert found.i2_ci is not None
    assert close(found.i2_ci[0], 0.0)
    assert close(found.i2_ci[1], 100 * 0.516362418389019)
    assert pooled.prediction is not None
    assert close(pooled.prediction[0], 0.215650965184522)
    assert close(pooled.prediction[1], 0.643389772212014)
    fixed = inverse_variance(effects, variances, "fixed")
    assert close(fixed.estimate, 0.428036725396544)
    assert close(fixed.ci[0], 0.251076483375135)
    assert fixed.prediction is None


def test_i2_interval_when_q_exceeds_k() -> None:
    # BCG: Q = 152.233 > k = 13, the first branch of Higgins & Thompson's formula.
    interval = i2_interval(152.23300808237337, 13)
    assert interval is not None
    low, high = interval
    h = math.sqrt(152.23300808237337 / 12)
    se = 0.5 * math.log(152.23300808237337 / 12) / (math.sqrt(2 * 152.233) - math.sqrt(23))
    assert low < 92.12 < high
    assert close(high, 100 * (1 - 1 / (h * math.exp(1.959964 * se)) ** 2))


def test_two_studies_have_no_prediction_interval() -> None:
    pooled = inverse_variance([math.log(0.45), math.log(0.51)], [0.03, 0.017])
    assert pooled.prediction is None
    assert pooled.k == 2
    # Q ≤ 2 with two studies: Higgins & Thompson's SE has no value, so no I² interval.
    assert pooled.heterogeneity.q < 2
    assert pooled.heterogeneity.i2_ci is None


def test_mantel_haenszel_matches_statsmodels() -> None:
    reference = statsmodels()["fine_mantel_haenszel"]
    odds = mantel_haenszel(FINE_TABLES, "odds-ratio")
    assert close(odds.estimate, reference["logodds_pooled"])
    assert close(odds.se, reference["logodds_pooled_se"])
    risk = mantel_haenszel(FINE_TABLES, "risk-ratio")
    assert close(math.exp(risk.estimate), reference["riskratio_pooled"])
    assert odds.method == "mantel-haenszel"


def test_mantel_haenszel_of_one_study_is_that_study() -> None:
    table = TwoByTwo(147, 426, 104, 202)
    twice = mantel_haenszel([table, table], "risk-difference")
    effect, variance = study_effect(table, "risk-difference")
    assert close(twice.estimate, effect)
    # Two copies halve the variance of one.
    assert close(twice.se, math.sqrt(variance / 2))
    ratio = mantel_haenszel([table, table], "risk-ratio")
    assert close(math.exp(ratio.estimate), (147 / 426) / (104 / 202))


def test_zero_cell_gets_the_documented_correction() -> None:
    corrected = TwoByTwo(0, 20, 5, 20).corrected()
    assert corrected == TwoByTwo(0.5, 21, 5.5, 21)
    assert TwoByTwo(1, 20, 5, 20).corrected() == TwoByTwo(1, 20, 5, 20)


def test_se_from_ci_of_a_ratio() -> None:
    # CARE-MS II rate ratio 0.51 (0.39–0.65).
    assert close(se_from_ci(0.39, 0.65), (math.log(0.65) - math.log(0.39)) / (2 * 1.959964))
    assert se_from_ci(0.39, 0.65, level=90) > se_from_ci(0.39, 0.65)
    with pytest.raises(ValueError):
        se_from_ci(0.0, 0.65)


def test_distributions_match_scipy_through_statsmodels() -> None:
    pinned = statsmodels()
    assert [[x, df] for x, df, _ in pinned["chi2_sf"]] == [list(p) for p in CHI2_POINTS]
    assert [[p, df] for p, df, _ in pinned["t_ppf"]] == [list(p) for p in T_POINTS]
    for x, df, expected in pinned["chi2_sf"]:
        assert math.isclose(chi2_sf(x, df), expected, rel_tol=1e-9)
    for p, df, expected in pinned["t_ppf"]:
        assert math.isclose(t_quantile(p, df), expected, rel_tol=1e-9)


MH_REFERENCE = json.loads(
    (Path(__file__).parent / "reference" / "mantel_haenszel.json").read_text(encoding="utf-8")
)


@pytest.mark.parametrize(("measure", "key"), [("risk-ratio", "RR"), ("odds-ratio", "OR")])
def test_mantel_haenszel_q_is_centred_on_the_mh_estimate_as_metafor(
    measure: BinaryMeasure, key: str
) -> None:
    """metafor's rma.mh on the 13 BCG trials (tests/reference/mantel_haenszel.R): Q about the
    MH estimate is 152.5676 for RR; about the inverse-variance mean it would be 152.2330."""
    reference = MH_REFERENCE[key]
    pooled = mantel_haenszel(BCG_TABLES, measure)
    assert round(pooled.estimate, 4) == reference["estimate"]
    assert (round(pooled.ci[0], 4), round(pooled.ci[1], 4)) == (
        reference["ci_lb"],
        reference["ci_ub"],
    )
    assert round(pooled.heterogeneity.q, 4) == reference["QE"]
    assert pooled.heterogeneity.df == 12
    assert pooled.heterogeneity.tau2 == 0.0


def test_mantel_haenszel_random_is_dersimonian_laird_from_the_mh_q() -> None:
    """RevMan's "M-H, random": τ² = (Q_MH − df) / (Σw − Σw²/Σw), then 1/(v + τ²) weights."""
    pooled = mantel_haenszel(BCG_TABLES, "risk-ratio", random=True)
    weights = [1 / v for v in BCG_V]
    c = sum(weights) - sum(w * w for w in weights) / sum(weights)
    tau2 = (MH_REFERENCE["RR"]["QE"] - 12) / c
    assert pooled.method == "mantel-haenszel-random"
    assert pooled.heterogeneity.tau2 == pytest.approx(tau2, rel=1e-5)
    # Not the inverse-variance DL τ² (0.3088, from Q 152.2330).
    assert round(pooled.heterogeneity.tau2, 4) != 0.3088
    random = [1 / (v + pooled.heterogeneity.tau2) for v in BCG_V]
    mean = sum(w * y for w, y in zip(random, BCG_Y, strict=True)) / sum(random)
    assert pooled.estimate == pytest.approx(mean, rel=1e-12)
    assert pooled.se == pytest.approx(math.sqrt(1 / sum(random)), rel=1e-12)
    assert pooled.prediction is not None


def test_mantel_haenszel_risk_difference_with_a_zero_cell() -> None:
    """The RD itself from the counts as they are (0/20 is a risk of 0, not 0.5/21); only
    its variance uses the corrected table, which has one (R's meta, MH.exact = FALSE)."""
    tables = [TwoByTwo(0, 20, 5, 20), TwoByTwo(3, 30, 6, 30)]
    pooled = mantel_haenszel(tables, "risk-difference")
    # Σ (a n2 − c n1)/n ÷ Σ n1 n2/n, uncorrected: (−100/40 − 90/60) / (10 + 15).
    assert pooled.estimate == pytest.approx((-100 / 40 - 90 / 60) / 25, rel=1e-12)
    assert pooled.se > 0
