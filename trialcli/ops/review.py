"""`review`: every analysis a Cochrane review displays, recomputed beside its own result."""

from __future__ import annotations

import math
from dataclasses import dataclass

from trialcli.importers.revman.reader import Analysis, Review, Stated
from trialcli.stats.meta import TwoByTwo
from trialcli.stats.revman import (
    REVMAN_RATIO_CODES,
    Continuous,
    NotComputable,
    Result,
    continuous,
    dichotomous,
    inverse_variance,
)

# Agreement: estimate and CI to a relative 2·10⁻⁴, τ² to 10⁻³ relative (absolute near 0).
ESTIMATE_TOLERANCE = 2e-4
TAU2_TOLERANCE = 1e-3


@dataclass(frozen=True)
class Figures:
    """On the review's own scale: ratios as ratios, RD as a proportion, MD/SMD as they are."""

    estimate: float | None
    ci: tuple[float, float] | None
    tau2: float | None
    i2_percent: float | None
    q: float | None
    studies: int | None


@dataclass(frozen=True)
class Checked:
    analysis: Analysis
    stated: Figures
    computed: Figures | None
    reason: str | None  # why trialcli could not compute it
    agrees: bool | None  # None: nothing to compare (not computed, or not estimable)
    differences: tuple[str, ...]

    @property
    def status(self) -> str:
        if self.agrees is True:
            return "agrees"
        if self.agrees is False:
            return "differs"
        if not self.analysis.stated.estimable:
            return "not estimable"
        return "not computed"


def _stated(s: Stated) -> Figures:
    return Figures(s.estimate, s.ci, s.tau2, s.i2_percent, s.q, s.studies)


def compute(analysis: Analysis) -> Result:
    a = analysis
    if a.kind == "dichotomous":
        tables = [
            TwoByTwo(r.events[0], r.totals[0], r.events[1], r.totals[1])
            for r in a.rows
            if r.events is not None and r.totals is not None
        ]
        return dichotomous(tables, a.measure, a.method, a.random)
    if a.kind == "continuous":
        rows = [
            Continuous(r.means[0], r.sds[0], r.totals[0], r.means[1], r.sds[1], r.totals[1])
            for r in a.rows
            if r.means is not None and r.sds is not None and r.totals is not None
        ]
        return continuous(rows, a.measure, a.random)
    pairs = [(r.estimate, r.se) for r in a.rows if r.estimate is not None and r.se]
    if not pairs:
        raise NotComputable("no study with an estimate and its SE")
    effects = [e for e, _ in pairs]
    return inverse_variance(effects, [se * se for _, se in pairs], a.random)


def _on_scale(analysis: Analysis, result: Result) -> Figures:
    ratio = analysis.measure in REVMAN_RATIO_CODES or analysis.method == "PETO"
    back = math.exp if ratio else (lambda x: x)
    return Figures(
        back(result.estimate),
        (back(result.ci[0]), back(result.ci[1])),
        result.tau2,
        result.i2_percent,
        result.q,
        result.studies,
    )


def _close(a: float, b: float, relative: float, absolute: float) -> bool:
    return abs(a - b) <= max(relative * max(abs(a), abs(b)), absolute)


def check(analysis: Analysis) -> Checked:
    stated = _stated(analysis.stated)
    try:
        result = compute(analysis)
    except NotComputable as why:
        return Checked(analysis, stated, None, str(why), None, ())
    computed = _on_scale(analysis, result)
    if not analysis.stated.estimable or stated.estimate is None:
        return Checked(analysis, stated, computed, None, None, ())
    differences = []
    if not _close(computed.estimate or 0.0, stated.estimate, ESTIMATE_TOLERANCE, 1e-9):
        differences.append(f"estimate {computed.estimate:.6g} vs stated {stated.estimate:.6g}")
    if stated.ci is not None and computed.ci is not None:
        for side, c, s in zip(("lower", "upper"), computed.ci, stated.ci, strict=True):
            if not _close(c, s, ESTIMATE_TOLERANCE, 1e-9):
                differences.append(f"CI {side} {c:.6g} vs stated {s:.6g}")
    tau2 = analysis.random and stated.tau2 is not None and computed.tau2 is not None
    if tau2 and not _close(computed.tau2 or 0.0, stated.tau2 or 0.0, TAU2_TOLERANCE, 1e-6):
        differences.append(f"τ² {computed.tau2:.6g} vs stated {stated.tau2:.6g}")
    q = stated.q is not None and computed.q is not None and (stated.studies or 0) > 1
    if q and not _close(computed.q or 0.0, stated.q or 0.0, ESTIMATE_TOLERANCE, 1e-6):
        differences.append(f"Q {computed.q:.6g} vs stated {stated.q:.6g}")
    return Checked(analysis, stated, computed, None, not differences, tuple(differences))


def check_review(review: Review) -> list[Checked]:
    return [check(a) for a in review.analyses]
