"""Pooling as RevMan 5 does it, to check a Cochrane review's own arithmetic.

RevMan's conventions (RevMan 5 statistical algorithms, Deeks & Higgins 2010; Cochrane
Handbook ch. 10), where they differ from trialcli's general pooling (stats/meta.py):

- A study with a zero cell gets 0.5 added to every cell, for its own effect and variance
  and for the Mantel–Haenszel sums; a study with no events (or only events) in both
  groups is not estimable for a ratio and left out (it stays in for a risk difference).
- Beside a Mantel–Haenszel estimate, Cochran's Q is centred on the MH estimate, with the
  studies' inverse-variance weights; τ² is DerSimonian–Laird from that Q; the random-effects
  estimate pools the studies' effects with weights 1/(vᵢ + τ²). Those sums, Q and τ² are
  stats/meta.py's, the one place for them; this module adds what is RevMan's alone.
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

from trialcli.stats import meta, z_for
from trialcli.stats.meta import BinaryMeasure, Pooled, TwoByTwo, study_effect

_MEASURES: dict[str, BinaryMeasure] = {
    "RR": "risk-ratio",
    "OR": "odds-ratio",
    "RD": "risk-difference",
}
REVMAN_RATIO_CODES = frozenset({"RR", "OR", "PETO_OR", "HR"})


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


def _result(pooled: Pooled, random: bool) -> Result:
    found = pooled.heterogeneity
    tau2 = found.tau2 if random else None
    return _finish(pooled.estimate, pooled.se, found.q, found.df, tau2, pooled.k)


def inverse_variance(effects: Sequence[float], variances: Sequence[float], random: bool) -> Result:
    """Inverse variance, fixed or DerSimonian–Laird (stats/meta.py); one study is itself."""
    if not effects:
        raise NotComputable("no estimable study")
    if any(v <= 0 for v in variances):
        raise NotComputable("a study's variance is zero")
    if len(effects) == 1:
        return _finish(effects[0], math.sqrt(variances[0]), 0.0, 0, 0.0 if random else None, 1)
    pooled = meta.inverse_variance(effects, variances, "dersimonian-laird" if random else "fixed")
    return _result(pooled, random)


def estimable(tables: Sequence[TwoByTwo], measure: str) -> list[TwoByTwo]:
    """The studies that say something about the measure (RevMan's "not estimable" aside)."""
    people = [t for t in tables if t.total_experimental > 0 and t.total_comparator > 0]
    if measure == "RD":
        return people
    return [
        t
        for t in people
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
    if method == "IV":
        pairs = [study_effect(t, name) for t in rows]
        return inverse_variance([y for y, _ in pairs], [v for _, v in pairs], random)
    if method != "MH":
        raise NotComputable(f"the method {method!r} is not one trialcli knows")
    return _result(meta.mantel_haenszel(rows, name, random=random), random)


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
