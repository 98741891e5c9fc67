"""The consistency audit: do a study's figures agree with each other and across sources?

Each check sets figures the file states against each other, or against what trialcli
computes from them, allowing for the rounding the source printed. A check that fails
is a warning, never an error: the figures are possible, only inconsistent. Every check
names each figure it involves by its field path and source, so the loader can point at
the line where each is written.

A figure whose record carries `disagreement:` is a disagreement the data records on
purpose: the check still fails and is still listed, but counts as acknowledged.
"""

from __future__ import annotations

import math
import re
from collections.abc import Callable, Hashable, Iterator, Sequence
from dataclasses import dataclass
from decimal import Decimal
from functools import cached_property
from typing import Literal

from trialcli.crosscheck import Loc
from trialcli.formatting import MEASURE_NAMES, decimals, interval, number, p_text
from trialcli.model import (
    RATIO_MEASURES,
    ArmResult,
    ArmSafety,
    Comparison,
    Count,
    Endpoint,
    PooledArms,
    SafetyFinding,
    Sourced,
    Study,
    null_effect,
)
from trialcli.ops.harm_terms import term_key
from trialcli.stats import (
    odds_ratio,
    percentage,
    ratio_from_relative_reduction,
    relative_reduction_from_ratio,
    rounding_tolerance,
)

CheckKind = Literal[
    "percentage",
    "relative-reduction",
    "ratio-vs-arms",
    "p-value-vs-ci",
    "met",
    "arm-sizes",
    "denominator",
    "sources-disagree",
    "flow",
]

# How far a model-based ratio may sit from the ratio of the arms' raw values (beyond
# rounding): adjusted models (covariates, negative binomial, Cox) move estimates a little.
ADJUSTED_MODEL_MARGIN = 0.10
# Float noise at rounding boundaries: 0.5 apart must count as within ±0.5.
_EPSILON = 1e-9


@dataclass(frozen=True)
class Stated:
    """A figure as the file states it: what it says, who said it, where it is written.

    One figure may be written as several numbers (104/202, a CI's two limits), so it
    has one field path per number.
    """

    shown: str
    source: str | None
    locs: tuple[Loc, ...]
    disagreement: str | None = None


Part = str | Stated


@dataclass(frozen=True)
class Check:
    """One comparison the audit computed; `ok` false makes it a warning."""

    kind: CheckKind
    parts: tuple[Part, ...]
    ok: bool

    @property
    def figures(self) -> tuple[Stated, ...]:
        return tuple(dict.fromkeys(p for p in self.parts if isinstance(p, Stated)))

    @property
    def acknowledged(self) -> str | None:
        """Why the data records this disagreement on purpose, if it does."""
        return next((f.disagreement for f in self.figures if f.disagreement), None)

    def text(self, label: Callable[[str | None], str] | None = None) -> str:
        """The message, each figure followed by `label(its source id)`: by default the
        id in brackets, as in the study file (`53% [p1]`)."""
        mark = label or _source_id
        return "".join(p if isinstance(p, str) else p.shown + mark(p.source) for p in self.parts)


def _source_id(source: str | None) -> str:
    return f" [{source}]" if source else ""


@dataclass(frozen=True)
class Audit:
    checks: tuple[Check, ...]

    @cached_property
    def warnings(self) -> tuple[Check, ...]:
        return tuple(c for c in self.checks if not c.ok)

    def marks(self, prefix: Loc) -> list[int]:
        """Numbers (from 1, in `warnings` order) of the warnings on figures under `prefix`."""
        return list(self._marks_under.get(prefix, ()))

    @cached_property
    def _marks_under(self) -> dict[Loc, list[int]]:
        """Every field path prefix of a warned figure, with the numbers of its warnings:
        built once, so that marking every figure of a page stays linear in the warnings."""
        under: dict[Loc, list[int]] = {}
        for mark, warning in enumerate(self.warnings, start=1):
            for figure in warning.figures:
                for loc in figure.locs:
                    for length in range(len(loc) + 1):
                        numbers = under.setdefault(loc[:length], [])
                        if not numbers or numbers[-1] != mark:
                            numbers.append(mark)
        return under


def audit_study(study: Study) -> Audit:
    return Audit(
        (
            *_percentages(study),
            *_reductions_vs_ratios(study),
            *_ratios_vs_arms(study),
            *_p_values_vs_intervals(study),
            *_verdicts(study),
            *_arm_sizes(study),
            *_denominators(study),
            *_sources_disagree(study),
            *_flow_sums(study),
        )
    )


# --- arithmetic of printed numbers ------------------------------------------------------


def _tolerance(value: float, approximate: bool = False) -> float:
    """What a printed number may stand for: ±half its last place; a whole place if "~"."""
    half = rounding_tolerance(decimals(value))
    return 2 * half if approximate else half


def _within(apart: float, allowed: float) -> bool:
    return apart <= allowed + _EPSILON


def _apart(apart: float, allowed: float, places: int) -> str:
    """`apart` to `places` decimals, or more where a failing check would read as equal to
    (or less than) what rounding allows."""
    for shown_places in range(places, places + 4):
        if _within(apart, allowed) or round(apart, shown_places) > allowed + _EPSILON:
            return number(apart, shown_places)
    return number(apart, places + 4)


def _p_range(p_value: str, alpha: float) -> tuple[float, float] | None:
    """The values a printed p-value stands for: "<0.001" is [0, 0.001], "0.22" is
    [0.215, 0.225], "NS" is [alpha, 1]."""
    if p_value.upper() == "NS":
        return alpha, 1.0
    match = re.fullmatch(r"(<=|>=|<|>|=|≤|≥)?\s*(.+)", p_value)
    if match is None:
        return None
    operator, digits = match.group(1) or "=", match.group(2)
    value = float(digits)
    if operator in {"<", "<=", "≤"}:
        return 0.0, value
    if operator in {">", ">=", "≥"}:
        return value, 1.0
    exponent = Decimal(digits).as_tuple().exponent
    half = 0.5 * 10.0 ** int(exponent) if isinstance(exponent, int) else 0.0
    return max(0.0, value - half), min(1.0, value + half)


def _significant(p_value: str, alpha: float) -> bool | None:
    """Whether p is below alpha; None when the printed value cannot tell ("=0.05")."""
    found = _p_range(p_value, alpha)
    if found is None:
        return None
    low, high = found
    if p_value.upper() == "NS" or low >= alpha - _EPSILON:
        return False
    # "p<0.05" and "p≤0.05" both read as significant at 0.05.
    if high <= alpha + _EPSILON and p_value[:1] in {"<", "≤"}:
        return True
    if high < alpha - _EPSILON:
        return True
    return None


def _alpha(comparison: Comparison) -> float:
    """The p-value's threshold for the CI's level: half of it for a one-sided p-value."""
    alpha = 1 - comparison.ci_level / 100
    return alpha / 2 if comparison.p_sides == "one-sided" else alpha


def _null(comparison: Comparison) -> float | None:
    return null_effect(comparison.measure, comparison.unit)


def _excludes(ci: tuple[float, float], reference: float) -> bool | None:
    """Whether the CI lies wholly on one side of `reference`; None when a limit printed
    next to it could stand for either side."""
    lower, upper = ci
    low_tol, high_tol = _tolerance(lower), _tolerance(upper)
    if lower - low_tol > reference or upper + high_tol < reference:
        return True
    if lower + low_tol < reference < upper - high_tol:
        return False
    return None


def _inside_margin(ci: tuple[float, float], margin: float, null: float) -> bool | None:
    """Non-inferiority: whether the CI lies wholly on no-difference's side of the margin."""
    lower, upper = ci
    if margin > null:
        tol = _tolerance(upper)
        return True if upper + tol < margin else False if upper - tol > margin else None
    if margin < null:
        tol = _tolerance(lower)
        return True if lower - tol > margin else False if lower + tol < margin else None
    return None


# --- building blocks --------------------------------------------------------------------


@dataclass(frozen=True)
class _Record:
    """A record that states figures: its field path, the source it cites, and the
    disagreement it records, if any."""

    loc: Loc
    source: str | None
    disagreement: str | None = None

    def says(self, shown: str, *fields: str) -> Stated:
        """A figure written in `fields` of this record (a CI is its two limits)."""
        locs: list[Loc] = []
        for field in fields:
            if field == "ci":
                locs += [(*self.loc, "ci", 0), (*self.loc, "ci", 1)]
            else:
                locs.append((*self.loc, field))
        return Stated(shown, self.source, tuple(locs), self.disagreement)


def _record(study: Study, loc: Loc, record: Sourced, *parents: Sourced | None) -> _Record:
    return _Record(loc, study.cited_source(record, *parents), getattr(record, "disagreement", None))


@dataclass(frozen=True)
class _Value:
    """A stated number, how far its printed rounding lets it move, and the figure itself."""

    value: float
    tolerance: float
    figure: Stated


def _printed(
    record: _Record, value: float, approximate: bool, field: str, unit: str = ""
) -> _Value:
    approx = "~" if approximate else ""
    shown = f"{approx}{number(value)}{unit}"
    return _Value(value, _tolerance(value, approximate), record.says(shown, field))


def _finding_name(finding: SafetyFinding) -> str:
    return f"{finding.term} (serious)" if finding.serious else finding.term


def _arms_text(study: Study, arms: tuple[str, str]) -> str:
    return f"{study.group_label(arms[0])} vs {study.group_label(arms[1])}"


def _endpoint_groups(study: Study) -> list[list[int]]:
    """Endpoints sharing a code and time frame are one endpoint reported by several
    sources (e.g. `sdi-p5` and `sdi-p6`); any other endpoint stands alone."""
    groups: dict[tuple[str, ...], list[int]] = {}
    for i, endpoint in enumerate(study.endpoints):
        frame = " ".join((endpoint.time_frame or "").lower().split())
        key = ("code", endpoint.code, frame) if endpoint.code else ("id", endpoint.id)
        groups.setdefault(key, []).append(i)
    return list(groups.values())


_EVERY = object()  # in `_source_pairs`, the key of all items whatever their class


def _source_pairs(
    sources: Sequence[str | None], classes: Sequence[Hashable] | None = None
) -> list[tuple[int, int]]:
    """Which of several statements of one figure to set against each other: each one
    against the first statement by another source (of a class it can be compared with;
    class None compares with any). Pairs are in file order, each once, at most n − 1 of
    them: comparing all pairs made a file repeating one figure quadratic in time and memory.
    """
    kinds: Sequence[Hashable] = classes if classes is not None else [None] * len(sources)
    # For each class, and for all items: the first item, and the first by another source.
    firsts: dict[object, list[int]] = {}
    for i, (source, kind) in enumerate(zip(sources, kinds, strict=True)):
        for key in (_EVERY, kind):
            found = firsts.setdefault(key, [])
            if not found or (len(found) == 1 and sources[found[0]] != source):
                found.append(i)
    pairs: dict[tuple[int, int], None] = {}
    for i, (source, kind) in enumerate(zip(sources, kinds, strict=True)):
        candidates = [
            k
            for key in ((_EVERY,) if kind is None else (kind, None))
            for k in firsts.get(key, ())
            if k != i and sources[k] != source
        ]
        if candidates:
            k = min(candidates)
            pairs[(min(i, k), max(i, k))] = None
    return sorted(pairs)


@dataclass(frozen=True)
class _Placed:
    """A comparison with its endpoint (and that endpoint's index) and its record."""

    index: int
    endpoint: Endpoint
    comparison: Comparison
    record: _Record

    @property
    def context(self) -> str:
        return f"{self.endpoint.name}, "

    def estimate(self) -> Stated:
        c = self.comparison
        assert c.estimate is not None
        suffix = "%" if c.measure == "relative-reduction" else ""
        approx = "~" if c.approximate else ""
        return self.record.says(f"{approx}{number(c.estimate)}{suffix}", "estimate")

    def ci(self) -> Stated:
        c = self.comparison
        assert c.ci is not None
        return self.record.says(f"{number(c.ci_level)}% CI {interval(c.ci)}", "ci")

    def p(self) -> Stated:
        assert self.comparison.p_value is not None
        return self.record.says(p_text(self.comparison.p_value), "p_value")

    def met(self) -> Stated:
        return self.record.says("met" if self.comparison.met else "not met", "met")


def _placed(study: Study, group: Sequence[int] | None = None) -> list[_Placed]:
    indexes = range(len(study.endpoints)) if group is None else group
    return [
        _Placed(
            i,
            study.endpoints[i],
            comparison,
            _record(study, ("endpoints", i, "comparisons", j), comparison, study.endpoints[i]),
        )
        for i in indexes
        for j, comparison in enumerate(study.endpoints[i].comparisons)
    ]


def _count(study: Study, loc: Loc, count: Count, parent: Sourced) -> Stated:
    return _record(study, loc, count, parent).says(f"{count.value:,}", "value")


# --- a figure against itself: percentages, ratios, CIs, verdicts -------------------------


def _percentages(study: Study) -> Iterator[Check]:
    """A stated percentage against its own n/N."""
    for i, endpoint in enumerate(study.endpoints):
        # Kaplan–Meier percentages account for censoring: they are not n/N.
        if endpoint.kind == "time-to-event":
            continue
        for key, result in endpoint.results.items():
            if result.unit != "%" or result.value is None or result.n is None or not result.N:
                continue
            record = _record(study, ("endpoints", i, "results", key), result, endpoint)
            yield _percentage(
                f"{endpoint.name}, {study.group_label(key)}: ",
                _printed(record, result.value, result.approximate, "value", "%"),
                record.says(f"{result.n:,}/{result.N:,}", "n", "N"),
                percentage(result.n, result.N),
            )
    for i, finding in enumerate(study.safety):
        for key, arm in finding.arms.items():
            if arm.pct is not None and arm.affected is not None and arm.at_risk:
                record = _record(study, ("safety", i, "arms", key), arm, finding)
                yield _percentage(
                    f"{_finding_name(finding)}, {study.group_label(key)}: ",
                    _printed(record, arm.pct, arm.approximate, "pct", "%"),
                    record.says(f"{arm.affected:,}/{arm.at_risk:,}", "affected", "at_risk"),
                    percentage(arm.affected, arm.at_risk),
                )


def _percentage(context: str, stated: _Value, counts: Stated, computed: float) -> Check:
    places = decimals(stated.value) + 1
    apart = abs(stated.value - computed)
    ok = _within(apart, stated.tolerance)
    return Check(
        "percentage",
        (
            context,
            stated.figure,
            " vs ",
            counts,
            f" = {number(computed, places)}%: {_apart(apart, stated.tolerance, places)} "
            "points apart, " + _rounding_words(ok, f"±{number(stated.tolerance)}"),
        ),
        ok,
    )


def _rounding_words(ok: bool, allowed: str) -> str:
    return f"{'within' if ok else 'more than'} the {allowed} rounding allows"


def _reductions_vs_ratios(study: Study) -> Iterator[Check]:
    """A stated relative reduction against a stated ratio for the same arms: against each
    kind of ratio once, the one the reduction's own source states, else the first stated
    (setting every reduction against every ratio was quadratic in repeated endpoints)."""
    for group in _endpoint_groups(study):
        placed = [p for p in _placed(study, group) if p.comparison.estimate is not None]
        ratios: dict[tuple[object, ...], int] = {}
        for k, ratio in enumerate(placed):
            two = ratio.comparison
            if two.measure in RATIO_MEASURES:
                ratios.setdefault((two.arms, two.test, two.measure), k)
                ratios.setdefault((two.arms, two.test, two.measure, ratio.record.source), k)
        for rr in placed:
            if rr.comparison.measure != "relative-reduction":
                continue
            same = (rr.comparison.arms, rr.comparison.test)
            picked = {
                ratios.get((*same, measure, rr.record.source), ratios.get((*same, measure)))
                for measure in RATIO_MEASURES
            }
            for k in sorted(k for k in picked if k is not None):
                yield _reduction_vs_ratio(study, rr, placed[k])


def _reduction_vs_ratio(study: Study, rr: _Placed, ratio: _Placed) -> Check:
    one, two = rr.comparison, ratio.comparison
    assert one.estimate is not None and two.estimate is not None
    implied = relative_reduction_from_ratio(two.estimate)
    places = max(decimals(one.estimate), decimals(two.estimate) - 2, 0)
    allowed = _tolerance(one.estimate, one.approximate) + 100 * _tolerance(
        two.estimate, two.approximate
    )
    apart = abs(one.estimate - implied)
    ok = _within(apart, allowed)
    change = "reduction" if implied >= 0 else "increase"
    return Check(
        "relative-reduction",
        (
            f"{rr.context}{_arms_text(study, one.arms)}: relative reduction ",
            rr.estimate(),
            f" vs {MEASURE_NAMES[two.measure]} ",
            ratio.estimate(),
            f", a {number(abs(implied), places)}% {change}: "
            f"{_apart(apart, allowed, places)} points apart, "
            + _rounding_words(ok, f"±{number(allowed)}"),
        ),
        ok,
    )


# Which stated effects can be set against the arms' own values, by endpoint kind.
# Hazard ratios of relapses are compared with the ratio of relapse rates; a relative
# reduction of a proportion might be of the event or of its absence, so only rates.
_RATIO_FROM_ARMS: dict[str, frozenset[str]] = {
    "rate": frozenset({"rate-ratio", "hazard-ratio", "relative-reduction"}),
    "proportion": frozenset({"risk-ratio", "odds-ratio"}),
}


def _arm_value(study: Study, endpoint: Endpoint, loc: Loc, result: ArmResult) -> _Value | None:
    """An arm's rate, or its proportion as a fraction (exact from n/N when reported)."""
    record = _record(study, loc, result, endpoint)
    if endpoint.kind == "rate":
        if result.value is None:
            return None
        return _printed(record, result.value, result.approximate, "value")
    if result.n is not None and result.N:
        return _Value(result.n / result.N, 0.0, record.says(f"{result.n:,}/{result.N:,}", "n", "N"))
    if result.value is None or result.unit != "%":
        return None
    stated = _printed(record, result.value, result.approximate, "value", "%")
    return _Value(stated.value / 100, stated.tolerance / 100, stated.figure)


def _ratio_range(measure: str, a: _Value, b: _Value) -> tuple[float, float, float] | None:
    """The ratio of two arm values and the range their rounding allows."""
    if measure == "odds-ratio":
        if not (0 < a.value < 1 and 0 < b.value < 1):
            return None

        def clamp(p: float) -> float:
            return min(max(p, 1e-12), 1 - 1e-12)

        return (
            odds_ratio(a.value, b.value),
            odds_ratio(clamp(a.value - a.tolerance), clamp(b.value + b.tolerance)),
            odds_ratio(clamp(a.value + a.tolerance), clamp(b.value - b.tolerance)),
        )
    if b.value <= 0:
        return None
    low = max(a.value - a.tolerance, 0.0) / (b.value + b.tolerance)
    high = (a.value + a.tolerance) / (b.value - b.tolerance) if b.value > b.tolerance else math.inf
    return a.value / b.value, low, high


def _ratios_vs_arms(study: Study) -> Iterator[Check]:
    """A stated ratio (or relative reduction) against the ratio of the arms' values."""
    for placed in _placed(study):
        endpoint, comparison = placed.endpoint, placed.comparison
        if (
            comparison.measure not in _RATIO_FROM_ARMS.get(endpoint.kind, frozenset())
            or comparison.estimate is None
            or not set(comparison.arms) <= endpoint.results.keys()
        ):
            continue
        results = [endpoint.results[key] for key in comparison.arms]
        if endpoint.kind == "rate" and results[0].unit != results[1].unit:
            continue
        a, b = (
            _arm_value(study, endpoint, ("endpoints", placed.index, "results", key), result)
            for key, result in zip(comparison.arms, results, strict=True)
        )
        if a is None or b is None:
            continue
        computed = _ratio_range(comparison.measure, a, b)
        if computed is not None:
            yield _ratio_check(study, placed, a.figure, b.figure, computed)


def _ratio_check(
    study: Study, placed: _Placed, arm_a: Stated, arm_b: Stated, computed: tuple[float, ...]
) -> Check:
    comparison = placed.comparison
    assert comparison.estimate is not None
    value, low, high = computed
    if comparison.measure == "relative-reduction":
        stated = ratio_from_relative_reduction(comparison.estimate)
        tol = _tolerance(comparison.estimate, comparison.approximate) / 100
        places = max(decimals(comparison.estimate) + 2, 2)
        head: tuple[Part, ...] = (
            "relative reduction ",
            placed.estimate(),
            f" (a ratio of {number(stated, places)})",
        )
    else:
        stated = comparison.estimate
        tol = _tolerance(stated, comparison.approximate)
        places = max(decimals(stated), 2)
        head = (f"{MEASURE_NAMES[comparison.measure]} ", placed.estimate())
    margin = 1 + ADJUSTED_MODEL_MARGIN
    ok = stated + tol >= low / margin - _EPSILON and stated - tol <= high * margin + _EPSILON
    apart = abs(stated - value) / value * 100 if value else math.inf
    odds = "odds " if comparison.measure == "odds-ratio" else ""
    allowance = f"{number(ADJUSTED_MODEL_MARGIN * 100)}% beyond rounding"
    return Check(
        "ratio-vs-arms",
        (
            f"{placed.context}{_arms_text(study, comparison.arms)}: ",
            *head,
            f" vs the arms' {odds}",
            arm_a,
            " / ",
            arm_b,
            f" = {number(value, places)}: {number(apart, 0)}% apart"
            + (
                f"; adjusted models may differ by up to {allowance}"
                if ok
                else f", more than the {allowance} that adjusted models may explain"
            ),
        ),
        ok,
    )


def _ci_verdict(comparison: Comparison) -> bool | None:
    """What the CI says: significant (superiority), non-inferior (with a margin) or
    equivalent (inside both margins). A one-sided interval, or a measure with no known
    null, says nothing here."""
    null = _null(comparison)
    if comparison.ci is None or comparison.ci_sides == "one-sided" or null is None:
        return None
    if comparison.test == "equivalence":
        if comparison.margin is None or comparison.margin_upper is None:
            return None
        return _inside_bounds(comparison.ci, comparison.margin, comparison.margin_upper)
    if comparison.test == "non-inferiority":
        if comparison.margin is None or not comparison.margin_side_stated:
            return None
        return _inside_margin(comparison.ci, comparison.margin, null)
    return _excludes(comparison.ci, null)


def _inside_bounds(ci: tuple[float, float], low: float, high: float) -> bool | None:
    """Equivalence: whether the CI lies wholly between the two margins."""
    lower, upper = ci
    low_tol, high_tol = _tolerance(lower), _tolerance(upper)
    if lower - low_tol > low and upper + high_tol < high:
        return True
    if lower + low_tol < low or upper - high_tol > high:
        return False
    return None


def _ci_words(placed: _Placed, verdict: bool) -> tuple[Part, ...]:
    comparison = placed.comparison
    if comparison.test == "equivalence" and comparison.margin_upper is not None:
        assert comparison.margin is not None
        where = "inside" if verdict else "not wholly inside"
        bounds = interval((comparison.margin, comparison.margin_upper))
        words = f" is {where} the equivalence margins {bounds}"
    elif comparison.test == "non-inferiority" and comparison.margin is not None:
        where = "inside" if verdict else "not wholly inside"
        words = f" is {where} the non-inferiority margin {number(comparison.margin)}"
    else:
        null = _null(comparison)
        assert null is not None
        words = f" {'excludes' if verdict else 'includes'} {number(null)} (no difference)"
    return ("the ", placed.ci(), words)


def _p_words(placed: _Placed, significant: bool) -> tuple[Part, ...]:
    one_sided = placed.comparison.p_sides == "one-sided"
    alpha = number(_alpha(placed.comparison), 3 if one_sided else 2)
    below = f" is below {alpha}" if significant else f" is not below {alpha}"
    return (placed.p(), below + (" (one-sided)" if one_sided else ""))


def _p_values_vs_intervals(study: Study) -> Iterator[Check]:
    """Which side of no difference (or of the margin) the CI lies on, against the p-value."""
    for placed in _placed(study):
        comparison = placed.comparison
        if comparison.p_value is None:
            continue
        from_ci = _ci_verdict(comparison)
        from_p = _significant(comparison.p_value, _alpha(comparison))
        if from_ci is None or from_p is None:
            continue
        ok = from_ci == from_p
        yield Check(
            "p-value-vs-ci",
            (
                f"{placed.context}{MEASURE_NAMES[comparison.measure]}: ",
                *_ci_words(placed, from_ci),
                " and " if ok else ", but ",
                *_p_words(placed, from_p),
            ),
            ok,
        )


def _verdicts(study: Study) -> Iterator[Check]:
    """ "Met" as stated, against what the CI and p-value imply for the test type."""
    for placed in _placed(study):
        comparison = placed.comparison
        if comparison.met is None:
            continue
        evidence: list[tuple[bool, tuple[Part, ...]]] = []
        from_ci = _ci_verdict(comparison)
        if from_ci is not None:
            evidence.append((from_ci, _ci_words(placed, from_ci)))
        from_p = (
            _significant(comparison.p_value, _alpha(comparison)) if comparison.p_value else None
        )
        if from_p is not None:
            evidence.append((from_p, _p_words(placed, from_p)))
        if not evidence:
            continue
        ok = all(implied == comparison.met for implied, _ in evidence)
        said: list[Part] = []
        for k, (_, words) in enumerate(evidence):
            said.extend((" and " if k else "", *words))
        tail = f" ({comparison.test} test)"
        if not ok and not comparison.met and comparison.test == "superiority":
            tail += (
                "; a significant result is not met when it favours the comparator, "
                "and the data do not record which direction is better"
            )
        yield Check(
            "met",
            (
                f"{placed.context}{_arms_text(study, comparison.arms)}: stated as ",
                placed.met(),
                ", and " if ok else ", but ",
                *said,
                tail,
            ),
            ok,
        )


# --- counts of people -----------------------------------------------------------------------


def _arm_sizes(study: Study) -> Iterator[Check]:
    """The arms against the number randomized and analysed; pooled groups against their arms."""
    population = study.population
    for field in ("randomized", "analysed"):
        total: Count | None = getattr(population, field)
        known = [
            (i, arm, getattr(arm, field))
            for i, arm in enumerate(study.arms)
            if getattr(arm, field) is not None
        ]
        if total is None or not known:
            continue
        every = len(known) == len(study.arms)
        arm_sum = sum(count.value for _, _, count in known)
        if field == "randomized" and arm_sum > total.value:
            continue  # already an error (crosscheck.py)
        ok = arm_sum == total.value if every else arm_sum <= total.value
        parts: list[Part] = [f"{field.capitalize()}: the arms' "]
        for k, (i, arm, count) in enumerate(known):
            parts += [" + " if k else "", _count(study, ("arms", i, field), count, arm)]
        parts += [
            f" = {arm_sum:,} vs ",
            _count(study, ("population", field), total, population),
            " in all",
        ]
        if not every:
            parts.append(" (not every arm's count is reported)")
        gap = total.value - arm_sum
        if not ok:
            parts.append(
                f": {gap:,} fewer in the arms" if gap > 0 else f": {-gap:,} more in the arms"
            )
        yield Check("arm-sizes", tuple(parts), ok)
    for i, pooled in enumerate(study.pooled_arms):
        members = [(a, arm) for a, arm in enumerate(study.arms) if arm.id in pooled.arms]
        if pooled.n is None or any(arm.randomized is None for _, arm in members):
            continue
        figures: list[Part] = []
        member_sum = 0
        for k, (a, arm) in enumerate(members):
            assert arm.randomized is not None
            member_sum += arm.randomized.value
            figures += [
                " + " if k else "",
                _count(study, ("arms", a, "randomized"), arm.randomized, arm),
            ]
        ok = pooled.n <= member_sum
        yield Check(
            "arm-sizes",
            (
                f"{pooled.label}: n=",
                _record(study, ("pooled_arms", i), pooled).says(f"{pooled.n:,}", "n"),
                " vs its arms' ",
                *figures,
                f" = {member_sum:,} randomized",
                "" if ok else f": {pooled.n - member_sum:,} more than were randomized",
            ),
            ok,
        )


def _group_size(study: Study, key: str) -> tuple[int, str, Stated] | None:
    """How many people an arm or pooled group holds, in words, and where it is stated."""
    for i, arm in enumerate(study.arms):
        if arm.id == key:
            for field in ("randomized", "analysed"):
                count: Count | None = getattr(arm, field)
                if count is not None:
                    figure = _count(study, ("arms", i, field), count, arm)
                    return count.value, f"{field} in this arm", figure
            if arm.kind == "treatment" and study.population.randomized is not None:
                # A crossover's treatment: at most everyone randomized, whatever the sequence.
                total = study.population.randomized
                figure = _count(study, ("population", "randomized"), total, study.population)
                return total.value, "randomized in the study (a treatment of the crossover)", figure
            return None
    for i, pooled in enumerate(study.pooled_arms):
        if pooled.id == key and pooled.n is not None:
            figure = _record(study, ("pooled_arms", i), pooled).says(f"{pooled.n:,}", "n")
            return pooled.n, "in the pooled group", figure
        if pooled.id == key:
            return _cells(study, pooled)
    return None


def _cells(study: Study, pooled: PooledArms) -> tuple[int, str, Stated] | None:
    """A pooled group with no count of its own: the people randomized to its arms, when each
    arm's count is known (stated as the first arm's, the others named in the words)."""
    members = [(i, a) for i, a in enumerate(study.arms) if a.id in pooled.arms]
    if len(members) != len(pooled.arms) or any(a.randomized is None for _, a in members):
        return None
    counts = [a.randomized for _, a in members if a.randomized is not None]
    total = sum(c.value for c in counts)
    first, arm = members[0]
    assert arm.randomized is not None
    figure = _count(study, ("arms", first, "randomized"), arm.randomized, arm)
    rest = " + ".join(f"{c.value:,}" for c in counts[1:])
    return total, f"+ {rest} = {total:,} randomized in its arms (a pooled group)", figure


def _denominators(study: Study) -> Iterator[Check]:
    """People counted for a figure against the size of its arm or pooled group."""
    counted: list[tuple[str, str, Stated, int]] = []
    for i, endpoint in enumerate(study.endpoints):
        for key, result in endpoint.results.items():
            if result.N is not None:
                record = _record(study, ("endpoints", i, "results", key), result, endpoint)
                counted.append((endpoint.name, key, record.says(f"{result.N:,}", "N"), result.N))
    for i, finding in enumerate(study.safety):
        for key, arm in finding.arms.items():
            if arm.at_risk is not None:
                record = _record(study, ("safety", i, "arms", key), arm, finding)
                figure = record.says(f"{arm.at_risk:,}", "at_risk")
                counted.append((_finding_name(finding), key, figure, arm.at_risk))
    # A figure that counts more people than its arm holds warns once per arm and cause,
    # naming the largest: one cause (say, an analysis population wider than those who
    # started) otherwise repeats in every measure of the record.
    over: dict[tuple[str, str], list[tuple[str, Stated, int, int, Stated]]] = {}
    for name, key, figure, value in counted:
        size = _group_size(study, key)
        if size is None:
            continue
        total, words, stated = size
        if value <= total:
            yield Check(
                "denominator",
                (
                    f"{name}, {study.group_label(key)}: ",
                    figure,
                    " counted vs ",
                    stated,
                    f" {words}",
                ),
                True,
            )
        else:
            over.setdefault((key, words), []).append((name, figure, value, total, stated))
    for (key, words), found in over.items():
        name, figure, value, total, stated = max(found, key=lambda f: f[2] - f[3])
        words += f": {value - total:,} more"
        if words.startswith("analysed"):
            words += " — does it count a different analysis population?"
        others = len(found) - 1
        tail = (
            f" (and {others} more figure{'s' if others > 1 else ''} of this arm)" if others else ""
        )
        yield Check(
            "denominator",
            (
                f"{name}, {study.group_label(key)}: ",
                figure,
                " counted vs ",
                stated,
                f" {words}{tail}",
            ),
            False,
        )


def _flow_sums(study: Study) -> Iterator[Check]:
    """The participant flow's totals against their parts (ops/flow.py does the sums)."""
    from trialcli.ops.flow import Number, study_flow

    if study.flow is None:
        return

    def stated(number: Number) -> Stated:
        return Stated(f"{number.value:,}", number.source, ((*number.loc, "value"),))

    for total in study_flow(study).sums:
        parts: list[Part] = [f"{total.context}: {total.total_name} ", stated(total.total)]
        parts.append(" vs " if total.complete else " vs at least ")
        for k, (name, part) in enumerate(zip(total.part_names, total.parts, strict=True)):
            parts += [" + " if k else "", f"{name} ", stated(part)]
        parts.append(f" = {total.added:,}")
        if not total.ok:
            parts.append(": the source's numbers do not add up")
        yield Check("flow", tuple(parts), total.ok)


# --- the same figure from two sources ------------------------------------------------------


def _sources_disagree(study: Study) -> Iterator[Check]:
    yield from _counts_disagree(study)
    for group in _endpoint_groups(study):
        yield from _comparisons_disagree(study, _placed(study, group))
        yield from _results_disagree(study, group)
    yield from _safety_disagrees(study)


def _counts_disagree(study: Study) -> Iterator[Check]:
    population = study.population
    counts: list[tuple[str, Loc, Count | None, Sourced]] = [
        (
            f"{field.capitalize()} in all",
            ("population", field),
            getattr(population, field),
            population,
        )
        for field in ("randomized", "analysed")
    ]
    counts += [
        (f"{arm.label}, {field}", ("arms", i, field), getattr(arm, field), arm)
        for i, arm in enumerate(study.arms)
        for field in ("randomized", "analysed")
    ]
    for what, loc, count, parent in counts:
        if count is None:
            continue
        for j, other in enumerate(count.also_reported):
            also = _record(study, (*loc, "also_reported", j), other).says(
                f"{other.value:,}", "value"
            )
            gap = abs(other.value - count.value)
            yield Check(
                "sources-disagree",
                (
                    f"{what}: ",
                    _count(study, loc, count, parent),
                    " vs ",
                    also,
                    f": {gap:,} apart" if gap else ": the same",
                ),
                gap == 0,
            )


def _agree(context: str, one: _Value, two: _Value, places: int, unit: str = "") -> Check:
    """Whether two stated values can stand for the same number, and how far apart they are."""
    apart = abs(one.value - two.value)
    allowed = one.tolerance + two.tolerance
    ok = _within(apart, allowed)
    words = ": the same within rounding"
    if not ok:
        words = f": {_apart(apart, allowed, places)}{f' {unit}' if unit else ''} apart"
        if allowed:
            words += f", more than the {number(allowed)} their rounding allows"
    return Check("sources-disagree", (context, one.figure, " vs ", two.figure, words), ok)


def _comparison_pairs(placed: list[_Placed]) -> list[tuple[int, int]]:
    """Comparisons of the same arms and test stated by two sources, paired by
    `_source_pairs` among all of them and among those of one measure (so that two
    sources' relative reductions meet, as do their ratios)."""
    together: dict[tuple[object, ...], list[int]] = {}
    for k, one in enumerate(placed):
        c = one.comparison
        together.setdefault((c.arms, c.test), []).append(k)
        together.setdefault((c.arms, c.test, c.measure), []).append(k)
    pairs: set[tuple[int, int]] = set()
    for indexes in together.values():
        found = _source_pairs([placed[k].record.source for k in indexes])
        pairs.update((indexes[a], indexes[b]) for a, b in found)
    return sorted(pairs)


def _comparisons_disagree(study: Study, placed: list[_Placed]) -> Iterator[Check]:
    for a, b in _comparison_pairs(placed):
        first, second = placed[a], placed[b]
        one, two = first.comparison, second.comparison
        context = f"{first.context}{_arms_text(study, one.arms)}: "
        same_measure = one.measure == two.measure
        if same_measure and one.estimate is not None and two.estimate is not None:
            yield _agree(
                f"{context}{MEASURE_NAMES[one.measure]} ",
                _Value(one.estimate, _tolerance(one.estimate, one.approximate), first.estimate()),
                _Value(two.estimate, _tolerance(two.estimate, two.approximate), second.estimate()),
                max(decimals(one.estimate), decimals(two.estimate)),
            )
        if same_measure and one.ci is not None and two.ci is not None:
            ok = all(
                _within(abs(x - y), _tolerance(x) + _tolerance(y))
                for x, y in zip(one.ci, two.ci, strict=True)
            )
            yield Check(
                "sources-disagree",
                (
                    f"{context}{MEASURE_NAMES[one.measure]} ",
                    first.ci(),
                    " vs ",
                    second.ci(),
                    ": the same within rounding" if ok else ": the limits differ beyond rounding",
                ),
                ok,
            )
        if one.p_value is not None and two.p_value is not None:
            range_one = _p_range(one.p_value, _alpha(one))
            range_two = _p_range(two.p_value, _alpha(two))
            if range_one is not None and range_two is not None:
                low, high = sorted((range_one, range_two))
                gap = high[0] - low[1]  # how far apart the values they stand for are
                ok = gap <= _EPSILON
                words = (
                    ": they can be the same"
                    if ok
                    else f": at least {gap:.2g} apart beyond rounding"
                )
                yield Check("sources-disagree", (context, first.p(), " vs ", second.p(), words), ok)
        if one.met is not None and two.met is not None:
            ok = one.met == two.met
            yield Check(
                "sources-disagree",
                (
                    context,
                    first.met(),
                    " vs ",
                    second.met(),
                    ": the sources agree" if ok else ": the sources disagree on the verdict",
                ),
                ok,
            )


def _results_disagree(study: Study, group: list[int]) -> Iterator[Check]:
    """Per-arm values of one endpoint reported as two endpoints by two sources."""
    stated: dict[tuple[str, str | None], list[tuple[int, _Record]]] = {}
    for i in group:
        endpoint = study.endpoints[i]
        for key, result in endpoint.results.items():
            if result.value is not None:
                record = _record(study, ("endpoints", i, "results", key), result, endpoint)
                stated.setdefault((key, result.unit), []).append((i, record))
    pairs = [
        (*items[a], *items[b], key)
        for (key, _), items in stated.items()
        for a, b in _source_pairs([record.source for _, record in items])
    ]
    for i, record_one, k, record_two, key in sorted(pairs, key=lambda pair: (pair[0], pair[2])):
        first, second = study.endpoints[i], study.endpoints[k]
        one, two = first.results[key], second.results[key]
        assert one.value is not None and two.value is not None
        percent = one.unit == "%"
        unit = "%" if percent else ""
        yield _agree(
            f"{first.name}, {study.group_label(key)}: ",
            _printed(record_one, one.value, one.approximate, "value", unit),
            _printed(record_two, two.value, two.approximate, "value", unit),
            max(decimals(one.value), decimals(two.value)),
            "points" if percent else "",
        )


def _safety_percent(record: _Record, arm: ArmSafety) -> _Value | None:
    """A harm's frequency in percent: exactly from counts where there are counts."""
    if arm.affected is not None and arm.at_risk:
        value = percentage(arm.affected, arm.at_risk)
        shown = f"{arm.affected:,}/{arm.at_risk:,} = {number(value, 1)}%"
        return _Value(value, 0.0, record.says(shown, "affected", "at_risk"))
    if arm.pct is None:
        return None
    return _printed(record, arm.pct, arm.approximate, "pct", "%")


def _safety_disagrees(study: Study) -> Iterator[Check]:
    """The same harm in the same arm or group, reported by two sources."""
    # Per harm and arm, the findings that state it (their denominators set which can be
    # compared: different ones are different figures; an unstated one may be either).
    stated: dict[tuple[str, bool | None, str | None, str], list[tuple[int, _Record]]] = {}
    for i, finding in enumerate(study.safety):
        term = term_key(finding.term)  # the same harm as `ae` and `diff` see it
        for key, arm in finding.arms.items():
            record = _record(study, ("safety", i, "arms", key), arm, finding)
            stated.setdefault((term, finding.serious, finding.summary, key), []).append((i, record))
    pairs = [
        (*items[a], *items[b], key)
        for (*_, key), items in stated.items()
        for a, b in _source_pairs(
            [record.source for _, record in items],
            [study.safety[i].arms[key].at_risk for i, _ in items],
        )
    ]
    for i, record_one, k, record_two, key in sorted(pairs, key=lambda pair: (pair[0], pair[2])):
        first, second = study.safety[i], study.safety[k]
        one, two = first.arms[key], second.arms[key]
        context = f"{_finding_name(first)}, {study.group_label(key)}: "
        pct_one, pct_two = (
            _safety_percent(record_one, one),
            _safety_percent(record_two, two),
        )
        if pct_one is not None and pct_two is not None:
            printed = [v for v in (one.pct, two.pct) if v is not None]
            # One more decimal where a side is computed exactly from counts.
            exact = pct_one.tolerance == 0 or pct_two.tolerance == 0
            places = max((decimals(v) for v in printed), default=0) + exact
            yield _agree(context, pct_one, pct_two, places, "points")
        for field, noun in (("affected", "people affected"), ("deaths", "deaths")):
            a, b = getattr(one, field), getattr(two, field)
            compared = pct_one is not None and pct_two is not None
            if a is None or b is None or (field == "affected" and compared):
                continue  # people affected were compared above, as percentages
            yield _agree(
                f"{context}{noun} ",
                _Value(a, 0.0, record_one.says(f"{a:,}", field)),
                _Value(b, 0.0, record_two.says(f"{b:,}", field)),
                0,
            )
