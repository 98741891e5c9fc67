"""Network meta-analysis: every treatment against every other, through common comparators.

A frequentist, contrast-based model (Salanti 2008; Rücker 2012): each study contributes its
arms' contrasts against its own first arm, correlated through that shared arm (the
covariance of two contrasts is the shared arm's variance, Gleser & Olkin 2009, eq. 19.11).
The basic parameters are every treatment against the network's reference; a random-effects
model adds one heterogeneity variance τ² common to every comparison, with the correlation ½
between a multi-arm study's random effects that consistency implies (Higgins & Whitehead
1996) — as metafor's `rma.mv(..., random = ~ comp | study, rho = 1/2)` fits it. τ² by REML
(Fisher scoring, as metafor) or by the multivariate DerSimonian–Laird estimator of Jackson,
White & Riley (2012); the common-effect model has τ² = 0.

Heterogeneity and inconsistency: the common-effect model's Q splits into Q within designs
(studies of the same set of treatments disagreeing) and Q between designs, the
design-by-treatment interaction test of inconsistency (Higgins et al. 2012; Krahn et al.
2013). Ranking by P-scores (Rücker & Schwarzer 2015). Direct against indirect evidence by
back-calculation (Dias et al. 2010, a local check): the network estimate's precision is the
direct estimate's plus the indirect one's. Checked against metafor in
tests/test_network_stats.py (tests/reference/network.R).
"""

from __future__ import annotations

import math
from collections.abc import Sequence
from dataclasses import dataclass
from statistics import NormalDist
from typing import Literal

from trialcli.model.kinds import Better
from trialcli.stats.distributions import chi2_sf

Matrix = list[list[float]]
Model = Literal["random", "common"]
Tau2Method = Literal["reml", "dl"]

_MAX_ITERATIONS = 200
_TOLERANCE = 1e-10
_NORMAL = NormalDist()


class NetworkError(ValueError):
    """A network that cannot be fitted (disconnected, too small, degenerate)."""


@dataclass(frozen=True)
class ArmEstimate:
    """One arm on the analysis scale: log odds, log risk or a mean, with its variance."""

    treatment: str
    estimate: float
    variance: float


@dataclass(frozen=True)
class StudyArms:
    study: str
    arms: tuple[ArmEstimate, ...]

    @property
    def design(self) -> tuple[str, ...]:
        return tuple(sorted(arm.treatment for arm in self.arms))


@dataclass(frozen=True)
class Excluded:
    study: str
    reason: str


@dataclass(frozen=True)
class Events:
    treatment: str
    events: int
    total: int


@dataclass(frozen=True)
class Contrast:
    """`treatment` against `vs` on the analysis scale (log ratios, or differences)."""

    treatment: str
    vs: str
    estimate: float
    se: float

    def ci(self, z: float) -> tuple[float, float]:
        return self.estimate - z * self.se, self.estimate + z * self.se


@dataclass(frozen=True)
class DesignTest:
    q: float
    df: int
    p: float | None


@dataclass(frozen=True)
class Split:
    """Direct against indirect evidence for one pair (back-calculation)."""

    treatment: str
    vs: str
    direct: Contrast
    indirect: Contrast | None
    direct_share: float
    difference: float | None
    p: float | None


@dataclass(frozen=True)
class Network:
    reference: str
    treatments: tuple[str, ...]
    model: Model
    method: Tau2Method | None
    tau2: float
    studies: tuple[StudyArms, ...]
    effects: tuple[Contrast, ...]
    league: tuple[Contrast, ...]
    q_total: DesignTest
    q_within: DesignTest
    q_between: DesignTest

    def contrast(self, treatment: str, vs: str) -> Contrast:
        for c in self.league:
            if c.treatment == treatment and c.vs == vs:
                return c
        raise KeyError((treatment, vs))


# --- arms on the analysis scale ----------------------------------------------------------


def arms_from_events(
    study: str, arms: Sequence[Events], measure: Literal["odds-ratio", "risk-ratio"]
) -> StudyArms | Excluded:
    """Log odds or log risks per arm. A study with a zero cell in any arm gets ½ added to
    every cell of every arm (as netmeta does); one with no events, or only events, in every
    arm says nothing about a ratio and is left out."""
    if all(a.events == 0 for a in arms):
        return Excluded(study, "no events in any arm")
    if all(a.events == a.total for a in arms):
        return Excluded(study, "every participant had the event in every arm")
    correction = 0.5 if any(a.events in (0, a.total) for a in arms) else 0.0
    out: list[ArmEstimate] = []
    for a in arms:
        events, total = a.events + correction, a.total + 2 * correction
        if measure == "odds-ratio":
            out.append(
                ArmEstimate(
                    a.treatment,
                    math.log(events / (total - events)),
                    1 / events + 1 / (total - events),
                )
            )
        else:
            out.append(ArmEstimate(a.treatment, math.log(events / total), 1 / events - 1 / total))
    return StudyArms(study, tuple(out))


# --- small dense linear algebra ----------------------------------------------------------


def _inverse(a: Matrix) -> Matrix:
    """Gauss–Jordan with partial pivoting; the matrices here are covariances (small, SPD)."""
    n = len(a)
    m = [row[:] + [1.0 if i == j else 0.0 for j in range(n)] for i, row in enumerate(a)]
    for col in range(n):
        pivot = max(range(col, n), key=lambda r: abs(m[r][col]))
        if abs(m[pivot][col]) < 1e-14:
            raise NetworkError("the network's equations have no unique solution")
        m[col], m[pivot] = m[pivot], m[col]
        scale = m[col][col]
        m[col] = [v / scale for v in m[col]]
        for r in range(n):
            if r != col and m[r][col] != 0.0:
                f = m[r][col]
                m[r] = [v - f * w for v, w in zip(m[r], m[col], strict=True)]
    return [row[n:] for row in m]


def _log_det(a: Matrix) -> float:
    n = len(a)
    m = [row[:] for row in a]
    total = 0.0
    for col in range(n):
        pivot = max(range(col, n), key=lambda r: abs(m[r][col]))
        m[col], m[pivot] = m[pivot], m[col]
        d = m[col][col]
        if abs(d) < 1e-300:
            raise NetworkError("a covariance matrix is singular")
        total += math.log(abs(d))
        for r in range(col + 1, n):
            f = m[r][col] / d
            if f:
                m[r] = [v - f * w for v, w in zip(m[r], m[col], strict=True)]
    return total


def _mul(a: Matrix, b: Matrix) -> Matrix:
    bt = list(zip(*b, strict=True))
    return [[sum(x * y for x, y in zip(row, col, strict=True)) for col in bt] for row in a]


def _t(a: Matrix) -> Matrix:
    return [list(r) for r in zip(*a, strict=True)]


def _matvec(a: Matrix, v: Sequence[float]) -> list[float]:
    return [sum(x * y for x, y in zip(row, v, strict=True)) for row in a]


def _trace(a: Matrix) -> float:
    return sum(a[i][i] for i in range(len(a)))


def _add(a: Matrix, b: Matrix, scale: float = 1.0) -> Matrix:
    return [
        [x + scale * y for x, y in zip(ra, rb, strict=True)] for ra, rb in zip(a, b, strict=True)
    ]


def _zeros(n: int, m: int) -> Matrix:
    return [[0.0] * m for _ in range(n)]


# --- the model ---------------------------------------------------------------------------


@dataclass(frozen=True)
class _Block:
    """One study: contrasts y (its arms vs its first arm), design rows X, covariance V and
    the structure M of its random effects (1 on the diagonal, ½ off it)."""

    y: list[float]
    x: Matrix
    v: Matrix
    m: Matrix


def _blocks(studies: Sequence[StudyArms], columns: Sequence[str]) -> list[_Block]:
    index = {t: i for i, t in enumerate(columns)}
    out = []
    for s in studies:
        base, rest = s.arms[0], s.arms[1:]
        k = len(rest)
        x = _zeros(k, len(columns))
        for row, arm in enumerate(rest):
            if arm.treatment in index:
                x[row][index[arm.treatment]] += 1.0
            if base.treatment in index:
                x[row][index[base.treatment]] -= 1.0
        v = [
            [base.variance + (arm.variance if i == j else 0.0) for j in range(k)]
            for i, arm in enumerate(rest)
        ]
        m = [[1.0 if i == j else 0.5 for j in range(k)] for i in range(k)]
        out.append(_Block([a.estimate - base.estimate for a in rest], x, v, m))
    return out


@dataclass(frozen=True)
class _Fit:
    beta: list[float]
    cov: Matrix  # (X'WX)^-1
    weights: list[Matrix]  # W_i = (V_i + tau2 M_i)^-1
    residuals: list[list[float]]
    xtwx: Matrix


def _gls(blocks: Sequence[_Block], p: int, tau2: float) -> _Fit:
    weights = [_inverse(_add(b.v, b.m, tau2)) for b in blocks]
    xtwx = _zeros(p, p)
    xtwy = [0.0] * p
    for b, w in zip(blocks, weights, strict=True):
        xtw = _mul(_t(b.x), w)
        xtwx = _add(xtwx, _mul(xtw, b.x))
        wy = _matvec(xtw, b.y)
        xtwy = [s + t for s, t in zip(xtwy, wy, strict=True)]
    cov = _inverse(xtwx)
    beta = _matvec(cov, xtwy)
    residuals = [[yi - fi for yi, fi in zip(b.y, _matvec(b.x, beta), strict=True)] for b in blocks]
    return _Fit(beta, cov, weights, residuals, xtwx)


def _q(fit: _Fit) -> float:
    return sum(
        sum(ri * wri for ri, wri in zip(r, _matvec(w, r), strict=True))
        for r, w in zip(fit.residuals, fit.weights, strict=True)
    )


def _tau2_dl(blocks: Sequence[_Block], p: int) -> float:
    """Jackson, White & Riley (2012): E[Q] = df + τ² tr(P M), solved for τ²."""
    fit = _gls(blocks, p, 0.0)
    df = sum(len(b.y) for b in blocks) - p
    b_mat = _zeros(p, p)
    trace_wm = 0.0
    for b, w in zip(blocks, fit.weights, strict=True):
        wm = _mul(w, b.m)
        trace_wm += _trace(wm)
        xt = _t(b.x)
        b_mat = _add(b_mat, _mul(_mul(xt, _mul(wm, w)), b.x))
    trace_pm = trace_wm - _trace(_mul(fit.cov, b_mat))
    return max(0.0, (_q(fit) - df) / trace_pm) if trace_pm > 0 else 0.0


def _restricted_log_likelihood(blocks: Sequence[_Block], p: int, tau2: float) -> float:
    fit = _gls(blocks, p, tau2)
    log_det = sum(_log_det(_add(b.v, b.m, tau2)) for b in blocks)
    return -0.5 * (log_det + _log_det(fit.xtwx) + _q(fit))


def _tau2_reml(blocks: Sequence[_Block], p: int) -> float:
    """Fisher scoring on the restricted likelihood, from the DL value, with step halving."""
    tau2 = _tau2_dl(blocks, p)
    tau2 = tau2 if tau2 > 0 else 0.01
    ll = _restricted_log_likelihood(blocks, p, tau2)
    for _ in range(_MAX_ITERATIONS):
        fit = _gls(blocks, p, tau2)
        trace_wm = trace_wmwm = score_quad = 0.0
        b_mat = _zeros(p, p)
        c_mat = _zeros(p, p)
        for b, w, r in zip(blocks, fit.weights, fit.residuals, strict=True):
            wm = _mul(w, b.m)
            wmwm = _mul(wm, wm)
            trace_wm += _trace(wm)
            trace_wmwm += _trace(wmwm)
            wr = _matvec(w, r)
            score_quad += sum(a * c for a, c in zip(wr, _matvec(b.m, wr), strict=True))
            xt = _t(b.x)
            b_mat = _add(b_mat, _mul(_mul(xt, _mul(wm, w)), b.x))
            c_mat = _add(c_mat, _mul(_mul(xt, _mul(wmwm, w)), b.x))
        ab = _mul(fit.cov, b_mat)
        trace_pm = trace_wm - _trace(ab)
        trace_pmpm = trace_wmwm - 2 * _trace(_mul(fit.cov, c_mat)) + _trace(_mul(ab, ab))
        score = 0.5 * (score_quad - trace_pm)
        information = 0.5 * trace_pmpm
        if information <= 0:
            break
        step = score / information
        new = max(0.0, tau2 + step)
        new_ll = _restricted_log_likelihood(blocks, p, new)
        halvings = 0
        while new_ll < ll - 1e-12 and halvings < 30:
            step /= 2
            new = max(0.0, tau2 + step)
            new_ll = _restricted_log_likelihood(blocks, p, new)
            halvings += 1
        if abs(new - tau2) < _TOLERANCE:
            return new
        tau2, ll = new, new_ll
    return tau2


def components(studies: Sequence[StudyArms]) -> list[set[str]]:
    """The connected parts of the network: treatments linked by at least one study."""
    parts: list[set[str]] = []
    for s in studies:
        names = {a.treatment for a in s.arms}
        touching = [p for p in parts if p & names]
        merged = names.union(*touching)
        parts = [p for p in parts if not (p & names)] + [merged]
    return sorted(parts, key=lambda p: (-len(p), sorted(p)))


def _design_q(studies: Sequence[StudyArms]) -> DesignTest:
    """Q within designs: each design's studies fitted with that design's own effects."""
    by_design: dict[tuple[str, ...], list[StudyArms]] = {}
    for s in studies:
        by_design.setdefault(s.design, []).append(s)
    q, df = 0.0, 0
    for design, group in by_design.items():
        contrasts = sum(len(s.arms) - 1 for s in group)
        p = len(design) - 1
        if contrasts <= p:
            continue
        ordered = [StudyArms(s.study, _ordered(s.arms, design)) for s in group]
        blocks = _blocks(ordered, design[1:])
        q += _q(_gls(blocks, p, 0.0))
        df += contrasts - p
    return DesignTest(q, df, chi2_sf(q, df) if df > 0 else None)


def _ordered(arms: Sequence[ArmEstimate], order: Sequence[str]) -> tuple[ArmEstimate, ...]:
    rank = {t: i for i, t in enumerate(order)}
    return tuple(sorted(arms, key=lambda a: rank[a.treatment]))


def fit_network(
    studies: Sequence[StudyArms],
    reference: str,
    *,
    model: Model = "random",
    method: Tau2Method = "reml",
) -> Network:
    """Fit the network; raises NetworkError when it is disconnected or cannot be fitted."""
    for s in studies:
        names = [a.treatment for a in s.arms]
        if len(names) < 2 or len(set(names)) != len(names):
            raise NetworkError(f"{s.study}: a study needs two or more arms of different treatments")
    parts = components(studies)
    if not parts:
        raise NetworkError("no study to analyse")
    if len(parts) > 1:
        described = "; ".join(", ".join(sorted(p)) for p in parts)
        raise NetworkError(f"the network is disconnected: its parts are {described}")
    if reference not in parts[0]:
        raise NetworkError(f"no study has the reference treatment {reference!r}")
    treatments = tuple([reference, *sorted(parts[0] - {reference})])
    columns = treatments[1:]
    ordered = [StudyArms(s.study, _ordered(s.arms, treatments)) for s in studies]
    blocks = _blocks(ordered, columns)
    p = len(columns)
    contrasts = sum(len(b.y) for b in blocks)
    common = _gls(blocks, p, 0.0)
    q_total = DesignTest(
        _q(common), contrasts - p, chi2_sf(_q(common), contrasts - p) if contrasts > p else None
    )
    within = _design_q(ordered)
    between_df = q_total.df - within.df
    between_q = max(0.0, q_total.q - within.q)
    q_between = DesignTest(
        between_q, between_df, chi2_sf(between_q, between_df) if between_df > 0 else None
    )
    if model == "common":
        tau2, fit, used = 0.0, common, None
    else:
        tau2 = _tau2_reml(blocks, p) if method == "reml" else _tau2_dl(blocks, p)
        fit, used = _gls(blocks, p, tau2), method
    effects, league = _contrasts(treatments, fit)
    return Network(
        reference=reference,
        treatments=treatments,
        model=model,
        method=used,
        tau2=tau2,
        studies=tuple(ordered),
        effects=effects,
        league=league,
        q_total=q_total,
        q_within=within,
        q_between=q_between,
    )


def _contrasts(
    treatments: Sequence[str], fit: _Fit
) -> tuple[tuple[Contrast, ...], tuple[Contrast, ...]]:
    beta = [0.0, *fit.beta]
    cov = [[0.0] * len(beta)] + [[0.0, *row] for row in fit.cov]
    league = []
    for i, a in enumerate(treatments):
        for j, b in enumerate(treatments):
            if i != j:
                var = cov[i][i] + cov[j][j] - 2 * cov[i][j]
                league.append(Contrast(a, b, beta[i] - beta[j], math.sqrt(max(var, 0.0))))
    effects = tuple(c for c in league if c.vs == treatments[0])
    return effects, tuple(league)


# --- what the fit says -------------------------------------------------------------------


def p_scores(network: Network, better: Better) -> dict[str, float]:
    """Rücker & Schwarzer (2015): the mean, over every other treatment, of the one-sided
    p-value that this treatment is better. Not a probability of being best."""
    scores = {}
    for a in network.treatments:
        total = 0.0
        for b in network.treatments:
            if a != b:
                c = network.contrast(a, b)
                z = c.estimate / c.se if c.se > 0 else 0.0
                total += _NORMAL.cdf(-z if better == "lower" else z)
        scores[a] = total / (len(network.treatments) - 1)
    return scores


def splits(network: Network) -> list[Split]:
    """For each pair some study compares directly: the direct estimate (those studies'
    contrasts pooled with the network's τ²), the indirect one by back-calculation, their
    difference with its p, and the share of the network estimate's precision that is direct."""
    out = []
    for i, a in enumerate(network.treatments):
        for b in network.treatments[i + 1 :]:
            direct = _direct(network, a, b)
            if direct is None:
                continue
            mixed = network.contrast(a, b)
            share = min(1.0, mixed.se**2 / direct.se**2) if direct.se > 0 else 1.0
            indirect = difference = p = None
            if share < 0.999:
                var = 1 / (1 / mixed.se**2 - 1 / direct.se**2)
                est = var * (mixed.estimate / mixed.se**2 - direct.estimate / direct.se**2)
                indirect = Contrast(a, b, est, math.sqrt(var))
                difference = direct.estimate - est
                z = difference / math.sqrt(direct.se**2 + var)
                p = 2 * _NORMAL.cdf(-abs(z))
            out.append(Split(a, b, direct, indirect, share, difference, p))
    return out


def _direct(network: Network, a: str, b: str) -> Contrast | None:
    weights = estimate = 0.0
    for s in network.studies:
        arms = {arm.treatment: arm for arm in s.arms}
        if a in arms and b in arms:
            var = arms[a].variance + arms[b].variance + network.tau2
            weights += 1 / var
            estimate += (arms[a].estimate - arms[b].estimate) / var
    if weights == 0:
        return None
    return Contrast(a, b, estimate / weights, math.sqrt(1 / weights))


def bucher(a_vs_c: Contrast, b_vs_c: Contrast) -> Contrast:
    """Bucher et al. (1997): A vs B through the common comparator C, on the log (or
    difference) scale: d_AB = d_AC − d_BC, with variance the sum of theirs."""
    if a_vs_c.vs != b_vs_c.vs:
        raise NetworkError("an indirect comparison needs a comparator the two share")
    return Contrast(
        a_vs_c.treatment,
        b_vs_c.treatment,
        a_vs_c.estimate - b_vs_c.estimate,
        math.sqrt(a_vs_c.se**2 + b_vs_c.se**2),
    )
