"""Meta-analysis: pooling study estimates, and how consistent they are.

Pure functions on numbers. Effects are pooled on the scale they are given on: callers pass
log ratios and their standard errors (Cochrane Handbook 6.4, §10.3) and exponentiate the
results. Sources of the formulas:

- inverse-variance fixed effect, DerSimonian–Laird: Cochrane Handbook 6.4, §10.3 and §10.10.4;
  DerSimonian & Laird, Control Clin Trials 1986;7:177–88;
- REML and Paule–Mandel: Viechtbauer, J Educ Behav Stat 2005;30:261–93 (REML fixed-point
  equation, his eq. 11); Paule & Mandel, J Res Natl Bur Stand 1982;87:377–85 (the generalized
  Q set to its expectation k − 1);
- Hartung–Knapp–Sidik–Jonkman: Hartung & Knapp, Stat Med 2001;20:3875–89; IntHout et al.,
  BMC Med Res Methodol 2014;14:25 (no truncation of the scale factor, as metafor's knha);
- I² and its interval: Higgins & Thompson, Stat Med 2002;21:1539–58 (I² = (Q − df)/Q; the
  interval from the one for H, their appendix); the I² of a method's own τ², τ²/(τ² + s²)
  with s² the typical within-study variance (their eq. 9; metafor's I² beside every τ²);
- the ad hoc Hartung–Knapp variant that never narrows the interval: Knapp & Hartung, Stat Med
  2003;22:2693–710; IntHout et al. 2014 (metafor's test="adhoc": the scale factor at least 1);
- prediction interval: Higgins, Thompson & Spiegelhalter, J R Stat Soc A 2009;172:137–59
  (t with k − 2 df; Cochrane Handbook §10.10.4.3);
- Mantel–Haenszel: Cochrane Handbook §10.4.1 and the RevMan statistical algorithms (Deeks &
  Higgins 2010); variances of Greenland & Robins, Biometrics 1985;41:55–68 (RR, RD) and Robins,
  Breslow & Greenland, Biometrics 1986;42:311–23 (OR).

Checked to four decimals against R's metafor and meta (values shipped with statsmodels) and
statsmodels.stats.meta_analysis in tests/test_meta.py.
"""

from __future__ import annotations

import math
from collections.abc import Sequence
from dataclasses import dataclass, replace
from typing import Literal

from trialcli.stats import z_for
from trialcli.stats.distributions import chi2_sf, t_cdf, t_quantile

Method = Literal["fixed", "dersimonian-laird", "reml", "paule-mandel"]
METHOD_NAMES: dict[str, str] = {
    "fixed": "fixed effect, inverse variance",
    "dersimonian-laird": "random effects, DerSimonian–Laird",
    "reml": "random effects, REML",
    "paule-mandel": "random effects, Paule–Mandel",
    "mantel-haenszel": "fixed effect, Mantel–Haenszel",
    "mantel-haenszel-random": "random effects, DerSimonian–Laird from the Mantel–Haenszel Q",
}
BinaryMeasure = Literal["risk-ratio", "odds-ratio", "risk-difference"]
# Added to every cell of a study's 2×2 table when one cell is 0 (Cochrane Handbook §10.4.4.2).
CONTINUITY_CORRECTION = 0.5
_TOLERANCE = 1e-12
_MAX_ITERATIONS = 1000


@dataclass(frozen=True)
class Heterogeneity:
    """Cochran's Q (inverse-variance weights), I² with its interval, τ² and τ."""

    q: float
    df: int
    p: float
    i2: float  # percent
    i2_ci: tuple[float, float] | None  # percent; None where the formula has no value
    tau2: float
    tau: float
    # I² of the method's own τ²: τ²/(τ² + s²), s² the typical within-study variance
    # (metafor's I²). Equal to the Q-based I² for DerSimonian–Laird; None for fixed effect.
    i2_tau2: float | None = None


@dataclass(frozen=True)
class Pooled:
    """A pooled estimate on the scale it was computed on (log for ratios)."""

    estimate: float
    se: float
    ci: tuple[float, float]
    level: float
    method: str  # a key of METHOD_NAMES
    hksj: bool
    k: int
    weights: tuple[float, ...]  # percent of the total, in the order given
    heterogeneity: Heterogeneity
    prediction: tuple[float, float] | None  # None when k < 3 (and for fixed effect)
    hksj_adhoc: bool = False  # the Hartung–Knapp scale factor floored at 1 (never narrower)
    # Plain Hartung–Knapp gave a CI narrower than the standard (z) one for the same τ².
    hksj_narrower: bool = False

    @property
    def test_df(self) -> int | None:
        """The t test's degrees of freedom under Hartung–Knapp (k − 1); None for a z test."""
        return self.k - 1 if self.hksj else None

    @property
    def z(self) -> float:
        """The test statistic of the overall effect: estimate / SE (a t value under HKSJ)."""
        return self.estimate / self.se

    @property
    def p(self) -> float:
        """Two-sided p for no overall effect: normal, or t with k − 1 df under HKSJ."""
        df = self.test_df
        if df is None:
            return math.erfc(abs(self.z) / math.sqrt(2))
        return 2 * (1 - t_cdf(abs(self.z), df))


def se_from_ci(lower: float, upper: float, level: float = 95, log: bool = True) -> float:
    """The standard error a two-sided CI stands for: (upper − lower) / (2 z).

    Ratios are on the log scale (Cochrane Handbook 6.4, §6.3.2).
    """
    if log:
        if lower <= 0 or upper <= 0:
            raise ValueError("a ratio's limits must be positive")
        lower, upper = math.log(lower), math.log(upper)
    if upper <= lower:
        raise ValueError("a CI needs its upper limit above its lower one")
    return (upper - lower) / (2 * z_for(level))


def cochran_q(
    effects: Sequence[float], variances: Sequence[float], centre: float | None = None
) -> float:
    """Σ wᵢ (yᵢ − c)², wᵢ = 1/vᵢ; c is the inverse-variance mean ȳ_FE unless given (beside a
    Mantel–Haenszel estimate, Q is centred on it: RevMan 5; metafor's rma.mh)."""
    weights = [1 / v for v in variances]
    if centre is None:
        centre = sum(w * y for w, y in zip(weights, effects, strict=True)) / sum(weights)
    return sum(w * (y - centre) ** 2 for w, y in zip(weights, effects, strict=True))


def i2_interval(q: float, k: int, level: float = 95) -> tuple[float, float] | None:
    """I² interval in percent from the interval for H (Higgins & Thompson 2002, appendix).

    None for two studies with Q ≤ 2, where the formula's SE (with k − 2 = 0) has no value,
    and when both limits fall at 0 (H's whole interval below 1): "0–0%" is not an interval.
    """
    if k < 2:
        raise ValueError("I² needs at least two studies")
    df = k - 1
    h = math.sqrt(q / df)
    if q > k:
        se_log_h = 0.5 * (math.log(q) - math.log(df)) / (math.sqrt(2 * q) - math.sqrt(2 * k - 3))
    elif k > 2:
        se_log_h = math.sqrt(1 / (2 * (k - 2)) * (1 - 1 / (3 * (k - 2) ** 2)))
    else:
        return None
    z = z_for(level)
    low = max(1.0, math.exp(math.log(h) - z * se_log_h)) if h > 0 else 1.0
    high = max(1.0, math.exp(math.log(h) + z * se_log_h)) if h > 0 else 1.0

    if high <= 1.0:
        return None

    def i2(value: float) -> float:
        return 100 * (value * value - 1) / (value * value)

    return i2(low), i2(high)


def tau2_dersimonian_laird(
    effects: Sequence[float], variances: Sequence[float], q: float | None = None
) -> float:
    """τ² = max(0, (Q − (k − 1)) / (Σw − Σw²/Σw)) (DerSimonian & Laird 1986); Q is Cochran's
    about the inverse-variance mean unless given (RevMan's about a Mantel–Haenszel estimate).
    One study (or studies that are all one) has no spread: τ² 0."""
    weights = [1 / v for v in variances]
    total = sum(weights)
    c = total - sum(w * w for w in weights) / total
    if q is None:
        q = cochran_q(effects, variances)
    return max(0.0, (q - (len(effects) - 1)) / c) if c > 0 else 0.0


def tau2_reml(effects: Sequence[float], variances: Sequence[float]) -> float:
    """REML τ² by Viechtbauer's (2005) fixed-point equation, truncated at 0.

    τ² ← Σ wᵢ²((yᵢ − μ)² − vᵢ) / Σ wᵢ² + 1 / Σ wᵢ, with wᵢ = 1/(vᵢ + τ²), from the DL value.
    """
    tau2 = tau2_dersimonian_laird(effects, variances)
    for _ in range(_MAX_ITERATIONS):
        weights = [1 / (v + tau2) for v in variances]
        total = sum(weights)
        mean = sum(w * y for w, y in zip(weights, effects, strict=True)) / total
        squares = sum(w * w for w in weights)
        updated = (
            sum(
                w * w * ((y - mean) ** 2 - v)
                for w, y, v in zip(weights, effects, variances, strict=True)
            )
            / squares
            + 1 / total
        )
        updated = max(0.0, updated)
        if abs(updated - tau2) < _TOLERANCE:
            return updated
        tau2 = updated
    raise ArithmeticError("REML did not converge")


def tau2_paule_mandel(effects: Sequence[float], variances: Sequence[float]) -> float:
    """The τ² at which the generalized Q equals k − 1 (Paule & Mandel 1982); 0 if none.

    Generalized Q falls as τ² grows, so the root is found by bisection.
    """
    df = len(effects) - 1

    def generalized_q(tau2: float) -> float:
        return cochran_q(effects, [v + tau2 for v in variances])

    if generalized_q(0.0) <= df:
        return 0.0
    low, high = 0.0, 1.0
    while generalized_q(high) > df:
        high *= 2
    for _ in range(_MAX_ITERATIONS):
        middle = (low + high) / 2
        if generalized_q(middle) > df:
            low = middle
        else:
            high = middle
        if high - low < _TOLERANCE * max(1.0, high):
            break
    return (low + high) / 2


_TAU2 = {
    "dersimonian-laird": tau2_dersimonian_laird,
    "reml": tau2_reml,
    "paule-mandel": tau2_paule_mandel,
}


def typical_variance(variances: Sequence[float]) -> float:
    """s² = (k − 1) Σw / ((Σw)² − Σw²), w = 1/v (Higgins & Thompson 2002, eq. 9)."""
    weights = [1 / v for v in variances]
    total = sum(weights)
    return (len(weights) - 1) * total / (total * total - sum(w * w for w in weights))


def i2_from_tau2(tau2: float, variances: Sequence[float]) -> float:
    """I² in percent belonging to a τ²: 100 τ²/(τ² + s²) (metafor's I² for every method)."""
    return 100 * tau2 / (tau2 + typical_variance(variances))


def heterogeneity(
    effects: Sequence[float],
    variances: Sequence[float],
    tau2: float,
    level: float = 95,
    centre: float | None = None,
    random: bool = False,
) -> Heterogeneity:
    """Q about `centre` (else the inverse-variance mean), I² and τ²; of one study, Q 0.

    For a random-effects model (`random`), also the I² of its τ² (metafor's I²).
    """
    k = len(effects)
    q = cochran_q(effects, variances, centre)
    df = k - 1
    return Heterogeneity(
        q=q,
        df=df,
        p=chi2_sf(q, df) if df > 0 else 1.0,
        i2=max(0.0, 100 * (q - df) / q) if q > 0 and df > 0 else 0.0,
        i2_ci=i2_interval(q, k, level) if k > 1 else None,
        tau2=tau2,
        tau=math.sqrt(tau2),
        i2_tau2=i2_from_tau2(tau2, variances) if random and k > 1 else None,
    )


def inverse_variance(
    effects: Sequence[float],
    variances: Sequence[float],
    method: Method = "dersimonian-laird",
    level: float = 95,
    hksj: bool = False,
    hksj_adhoc: bool = False,
) -> Pooled:
    """Pool estimates with weights 1/(vᵢ + τ²); τ² = 0 for the fixed-effect model.

    With `hksj` the CI is μ ± t(k−1) · √(q / Σwᵢ), q = Σwᵢ(yᵢ − μ)² / (k − 1)
    (Hartung–Knapp); with `hksj_adhoc` as well, q is floored at 1, so the interval is never
    narrower than the standard one (metafor's test="adhoc"). Hartung–Knapp is for random
    effects: the fixed-effect model refuses it.
    The prediction interval, for random effects with k ≥ 3, is
    μ ± t(k−2) · √(SE² + τ²) (Higgins et al. 2009), with the Hartung–Knapp SE when `hksj`
    (Partlett & Riley, Stat Med 2017;36:301–17; as R's meta does).
    """
    k = len(effects)
    if k < 2 or len(variances) != k:
        raise ValueError("pooling needs at least two estimates, each with a variance")
    if any(v <= 0 for v in variances):
        raise ValueError("every variance must be positive")
    if (hksj or hksj_adhoc) and method == "fixed":
        raise ValueError("Hartung–Knapp–Sidik–Jonkman is for random effects, not fixed effect")
    hksj = hksj or hksj_adhoc
    tau2 = 0.0 if method == "fixed" else _TAU2[method](effects, variances)
    weights = [1 / (v + tau2) for v in variances]
    total = sum(weights)
    mean = sum(w * y for w, y in zip(weights, effects, strict=True)) / total
    se = math.sqrt(1 / total)
    narrower = False
    if hksj:
        scale = sum(w * (y - mean) ** 2 for w, y in zip(weights, effects, strict=True)) / (k - 1)
        t = t_quantile(0.5 + level / 200, k - 1)
        narrower = t * math.sqrt(scale) < z_for(level)
        if hksj_adhoc:
            scale = max(1.0, scale)
        se = math.sqrt(scale / total)
        spread = t * se
    else:
        spread = z_for(level) * se
    prediction = None
    if method != "fixed" and k >= 3:
        half = t_quantile(0.5 + level / 200, k - 2) * math.sqrt(se * se + tau2)
        prediction = (mean - half, mean + half)
    return Pooled(
        estimate=mean,
        se=se,
        ci=(mean - spread, mean + spread),
        level=level,
        method=method,
        hksj=hksj,
        k=k,
        weights=tuple(100 * w / total for w in weights),
        heterogeneity=heterogeneity(effects, variances, tau2, level, random=method != "fixed"),
        prediction=prediction,
        hksj_adhoc=hksj_adhoc,
        hksj_narrower=narrower,
    )


def subgroup_difference(
    estimates: Sequence[float], standard_errors: Sequence[float]
) -> tuple[float, int, float]:
    """The test for subgroup differences: Q, df and p of the subgroups' pooled estimates.

    Q = Σ wⱼ(μⱼ − μ̄)², wⱼ = 1/SEⱼ², on (subgroups − 1) df (Cochrane Handbook §10.11.3.1;
    RevMan; metafor's fixed-effect model of the subgroup estimates).
    """
    if len(estimates) < 2:
        raise ValueError("a test for subgroup differences needs at least two subgroups")
    q = cochran_q(estimates, [se * se for se in standard_errors])
    df = len(estimates) - 1
    return q, df, chi2_sf(q, df)


@dataclass(frozen=True)
class TwoByTwo:
    """One study's counts: events and people in the experimental and comparator arms."""

    events_experimental: float
    total_experimental: float
    events_comparator: float
    total_comparator: float

    def corrected(self) -> TwoByTwo:
        """With 0.5 added to every cell when one cell is 0, else unchanged."""
        a, n1 = self.events_experimental, self.total_experimental
        c, n2 = self.events_comparator, self.total_comparator
        if min(a, n1 - a, c, n2 - c) > 0:
            return self
        half = CONTINUITY_CORRECTION
        return TwoByTwo(a + half, n1 + 2 * half, c + half, n2 + 2 * half)


def study_effect(table: TwoByTwo, measure: BinaryMeasure) -> tuple[float, float]:
    """One study's log RR, log OR or RD and its variance (Cochrane Handbook §6.4.1.2)."""
    t = table if measure == "risk-difference" else table.corrected()
    a, n1, c, n2 = (
        t.events_experimental,
        t.total_experimental,
        t.events_comparator,
        t.total_comparator,
    )
    b, d = n1 - a, n2 - c
    if measure == "risk-ratio":
        return math.log((a / n1) / (c / n2)), 1 / a - 1 / n1 + 1 / c - 1 / n2
    if measure == "odds-ratio":
        return math.log((a * d) / (b * c)), 1 / a + 1 / b + 1 / c + 1 / d
    p1, p2 = a / n1, c / n2
    return p1 - p2, p1 * (1 - p1) / n1 + p2 * (1 - p2) / n2


def _mantel_haenszel_sums(
    tables: Sequence[TwoByTwo], measure: BinaryMeasure
) -> tuple[float, float, list[float]]:
    """The MH estimate (log for RR and OR), its variance and each study's MH weight."""
    r_sum = s_sum = 0.0
    terms = [0.0, 0.0, 0.0]
    weights: list[float] = []
    for t in tables:
        a, n1, c, n2 = (
            t.events_experimental,
            t.total_experimental,
            t.events_comparator,
            t.total_comparator,
        )
        b, d, n = n1 - a, n2 - c, n1 + n2
        if measure == "odds-ratio":
            r, s = a * d / n, b * c / n
            p, q = (a + d) / n, (b + c) / n
            terms[0] += p * r
            terms[1] += p * s + q * r
            terms[2] += q * s
        elif measure == "risk-ratio":
            r, s = a * n2 / n, c * n1 / n
            terms[0] += (n1 * n2 * (a + c) - a * c * n) / (n * n)
        else:
            r, s = (a * n2 - c * n1) / n, n1 * n2 / n
            terms[0] += (a * b * n2**3 + c * d * n1**3) / (n1 * n2 * n * n)
        weights.append(s)
        r_sum += r
        s_sum += s
    if measure == "odds-ratio":
        variance = (
            terms[0] / (2 * r_sum**2) + terms[1] / (2 * r_sum * s_sum) + terms[2] / (2 * s_sum**2)
        )
        return math.log(r_sum / s_sum), variance, weights
    if measure == "risk-ratio":
        return math.log(r_sum / s_sum), terms[0] / (r_sum * s_sum), weights
    return r_sum / s_sum, terms[0] / s_sum**2, weights


def mantel_haenszel(
    tables: Sequence[TwoByTwo], measure: BinaryMeasure, level: float = 95, random: bool = False
) -> Pooled:
    """Mantel–Haenszel from counts (log scale for RR and OR), as RevMan 5 pools them.

    Studies with no events in either arm carry no information on a ratio and must be left
    out by the caller. A study with a zero cell gets the continuity correction in the sums
    (RevMan 5; R's meta with MH.exact = FALSE); a risk difference is estimated from the
    counts as they are, its variance from the corrected ones. Heterogeneity is Cochran's Q
    of the studies' inverse-variance effects (corrected tables) centred on the MH estimate
    (RevMan 5; metafor's rma.mh: Q 152.5676 for the 13 BCG trials, RR). With `random`,
    RevMan's "M-H, random": DerSimonian–Laird τ² from that Q, and the studies' effects
    pooled with weights 1/(vᵢ + τ²); the prediction interval as inverse_variance's.
    """
    if not tables:
        raise ValueError("pooling needs at least one study")
    corrected = [t.corrected() for t in tables]
    estimate, variance, mh_weights = _mantel_haenszel_sums(corrected, measure)
    if measure == "risk-difference":
        estimate = _mantel_haenszel_sums(tables, measure)[0]
    effects, variances = zip(*(study_effect(t, measure) for t in corrected), strict=True)
    found = heterogeneity(effects, variances, 0.0, level, centre=estimate)
    se = math.sqrt(variance)
    weights = mh_weights
    prediction = None
    if random:
        tau2 = tau2_dersimonian_laird(effects, variances, found.q)
        found = replace(found, tau2=tau2, tau=math.sqrt(tau2))
        weights = [1 / (v + tau2) for v in variances]
        total = sum(weights)
        estimate = sum(w * y for w, y in zip(weights, effects, strict=True)) / total
        se = math.sqrt(1 / total)
        if len(tables) >= 3:
            half = t_quantile(0.5 + level / 200, len(tables) - 2) * math.sqrt(se * se + tau2)
            prediction = (estimate - half, estimate + half)
    spread = z_for(level) * se
    return Pooled(
        estimate=estimate,
        se=se,
        ci=(estimate - spread, estimate + spread),
        level=level,
        method="mantel-haenszel-random" if random else "mantel-haenszel",
        hksj=False,
        k=len(tables),
        weights=tuple(100 * w / sum(weights) for w in weights),
        heterogeneity=found,
        prediction=prediction,
    )
