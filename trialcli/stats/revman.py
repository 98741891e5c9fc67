"""Pooling as RevMan 5 does it, to check a Cochrane review's own arithmetic.

RevMan's conventions (RevMan 5 statistical algorithms, Deeks & Higgins 2010; Cochrane
Handbook ch. 10), where they differ from trialcli's general pooling (stats/meta.py):

- A study with a zero cell gets 0.5 added to every cell, for its own effect and variance
  and for the Mantel–Haenszel sums; a study with no events (or only events) in both
  groups is not estimable for a ratio and left out (it stays in for a risk difference).
- Beside a Mantel–Haenszel estimate, Cochran's Q is centred on the MH estimate, with the
  studies' inverse-variance weights; τ² is DerSimonian–Laird from that Q; the random-effects
  estimate pools the studies' effects with weights 1/(vᵢ + τ²).
- Peto's odds ratio: Σ(O − E) / ΣV, with Q = Σ(O − E)²/V − (Σ(O − E))²/ΣV.
- The standardised mean difference is Hedges' g with RevMan's variance
  N/(n₁n₂) + g²/(2(N − 3.94)).
- I² = (Q − df)/Q, floored at 0.

A result is on the analysis scale (log for ratios); the caller exponentiates.
"""

from __future__ import annotations

import math
from collections.abc import Sequence
from dataclasses import dataclass

from trialcli.stats import z_for
from trialcli.stats.meta import TwoByTwo, study_effect

_MEASURES = {"RR": "risk-ratio", "OR": "odds-ratio", "RD": "risk-difference"}
RATIO_MEASURES = frozenset({"RR", "OR", "PETO_OR", "HR"})


class NotComputable(ValueError):
    """An analysis trialcli cannot recompute; the message says why."""


@dataclass(frozen=True)
class Result:
    estimate: float  # analysis scale
    se: float
    ci: tuple[float, float]
    tau2: float | None
    q: float | None
    df: int
    i2_percent: float | None
    studies: int


def _finish(
    estimate: float, se: float, q: float | None, df: int, tau2: float | None, k: int
) -> Result:
    spread = z_for(95) * se
    i2 = None if q is None else (max(0.0, 100 * (q - df) / q) if q > 0 and df > 0 else 0.0)
    return Result(estimate, se, (estimate - spread, estimate + spread), tau2, q, df, i2, k)


def _q(effects: Sequence[float], variances: Sequence[float], centre: float) -> float:
    return sum((y - centre) ** 2 / v for y, v in zip(effects, variances, strict=True))


def _dl(q: float, variances: Sequence[float]) -> float:
    weights = [1 / v for v in variances]
    total = sum(weights)
    c = total - sum(w * w for w in weights) / total
    return max(0.0, (q - (len(variances) - 1)) / c) if c > 0 else 0.0


def _random(
    effects: Sequence[float], variances: Sequence[float], tau2: float
) -> tuple[float, float]:
    weights = [1 / (v + tau2) for v in variances]
    total = sum(weights)
    return sum(w * y for w, y in zip(weights, effects, strict=True)) / total, math.sqrt(1 / total)


def inverse_variance(effects: Sequence[float], variances: Sequence[float], random: bool) -> Result:
    if not effects:
        raise NotComputable("no estimable study")
    if any(v <= 0 for v in variances):
        raise NotComputable("a study's variance is zero")
    fixed, fixed_se = _random(effects, variances, 0.0)
    return _around(fixed, fixed_se, effects, variances, random)


def _around(
    centre: float,
    centre_se: float,
    effects: Sequence[float],
    variances: Sequence[float],
    random: bool,
) -> Result:
    """The fixed-effect result (`centre`), or with `random` the DerSimonian–Laird one; Q is
    always centred on the fixed-effect estimate (inverse variance or Mantel–Haenszel)."""
    q = _q(effects, variances, centre)
    df = len(effects) - 1
    if not random:
        return _finish(centre, centre_se, q, df, None, len(effects))
    tau2 = _dl(q, variances)
    estimate, se = _random(effects, variances, tau2)
    return _finish(estimate, se, q, df, tau2, len(effects))


def estimable(tables: Sequence[TwoByTwo], measure: str) -> list[TwoByTwo]:
    """The studies that say something about the measure (RevMan's "not estimable" aside)."""
    if measure == "RD":
        return [t for t in tables if t.total_experimental > 0 and t.total_comparator > 0]
    return [
        t
        for t in tables
        if not (t.events_experimental == 0 and t.events_comparator == 0)
        and not (
            t.events_experimental == t.total_experimental
            and t.events_comparator == t.total_comparator
        )
    ]


def dichotomous(tables: Sequence[TwoByTwo], measure: str, method: str, random: bool) -> Result:
    if measure not in _MEASURES and not (measure in {"OR", "PETO_OR"} and method == "PETO"):
        raise NotComputable(f"the measure {measure!r} is not one RevMan pools from counts")
    rows = estimable(tables, measure)
    if not rows:
        raise NotComputable("no estimable study (no events in either group)")
    if method == "PETO":
        return _peto(rows)
    name = _MEASURES[measure]
    effects, variances = zip(*(study_effect(t, name) for t in rows), strict=True)  # type: ignore[arg-type]
    if method == "IV":
        return inverse_variance(effects, variances, random)
    if method != "MH":
        raise NotComputable(f"the method {method!r} is not one trialcli knows")
    estimate, se = _mantel_haenszel([t.corrected() for t in rows], measure)
    return _around(estimate, se, effects, variances, random)


def _mantel_haenszel(rows: Sequence[TwoByTwo], measure: str) -> tuple[float, float]:
    """Greenland & Robins (1985) variances; log scale for RR and OR."""
    r_sum = s_sum = p_sum = pr = ps_qr = qs = 0.0
    for t in rows:
        a, n1 = t.events_experimental, t.total_experimental
        c, n2 = t.events_comparator, t.total_comparator
        b, d, n = n1 - a, n2 - c, n1 + n2
        if measure == "RR":
            r_sum += a * n2 / n
            s_sum += c * n1 / n
            p_sum += (n1 * n2 * (a + c) - a * c * n) / (n * n)
        elif measure == "OR":
            r, s = a * d / n, b * c / n
            p, q = (a + d) / n, (b + c) / n
            r_sum += r
            s_sum += s
            pr += p * r
            ps_qr += p * s + q * r
            qs += q * s
        else:
            r_sum += (a * n2 - c * n1) / n
            s_sum += n1 * n2 / n
            p_sum += (a * b * n2**3 + c * d * n1**3) / (n1 * n2 * n * n)
    if measure == "RR":
        return math.log(r_sum / s_sum), math.sqrt(p_sum / (r_sum * s_sum))
    if measure == "OR":
        variance = pr / (2 * r_sum**2) + ps_qr / (2 * r_sum * s_sum) + qs / (2 * s_sum**2)
        return math.log(r_sum / s_sum), math.sqrt(variance)
    return r_sum / s_sum, math.sqrt(p_sum / s_sum**2)


def _peto(rows: Sequence[TwoByTwo]) -> Result:
    o_e: list[float] = []
    v: list[float] = []
    for t in rows:
        a, n1 = t.events_experimental, t.total_experimental
        c, n2 = t.events_comparator, t.total_comparator
        n = n1 + n2
        events = a + c
        o_e.append(a - n1 * events / n)
        v.append(n1 * n2 * events * (n - events) / (n * n * (n - 1)))
    total_v = sum(v)
    if total_v <= 0:
        raise NotComputable("Peto's variance is zero")
    estimate = sum(o_e) / total_v
    q = sum(x * x / w for x, w in zip(o_e, v, strict=True) if w > 0) - sum(o_e) ** 2 / total_v
    return _finish(estimate, math.sqrt(1 / total_v), q, len(rows) - 1, None, len(rows))


@dataclass(frozen=True)
class Continuous:
    mean_experimental: float
    sd_experimental: float
    total_experimental: float
    mean_comparator: float
    sd_comparator: float
    total_comparator: float


def continuous_effect(row: Continuous, measure: str) -> tuple[float, float]:
    n1, n2 = row.total_experimental, row.total_comparator
    s1, s2 = row.sd_experimental, row.sd_comparator
    difference = row.mean_experimental - row.mean_comparator
    if measure == "MD":
        return difference, s1 * s1 / n1 + s2 * s2 / n2
    if measure == "SMD":
        n = n1 + n2
        pooled = math.sqrt(((n1 - 1) * s1 * s1 + (n2 - 1) * s2 * s2) / (n - 2))
        g = difference / pooled * (1 - 3 / (4 * n - 9))
        return g, n / (n1 * n2) + g * g / (2 * (n - 3.94))
    raise NotComputable(f"the measure {measure!r} is not one RevMan pools from means")


def continuous(rows: Sequence[Continuous], measure: str, random: bool) -> Result:
    usable = [
        r
        for r in rows
        if r.total_experimental > 0
        and r.total_comparator > 0
        and r.sd_experimental > 0
        and r.sd_comparator > 0
    ]
    if not usable:
        raise NotComputable("no study with both groups' SD and N")
    effects, variances = zip(*(continuous_effect(r, measure) for r in usable), strict=True)
    return inverse_variance(effects, variances, random)
