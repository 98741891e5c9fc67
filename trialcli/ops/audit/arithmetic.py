"""A figure against its own parts: percentages against n/N, relative reductions
against ratios, ratios against the arms' values."""

from __future__ import annotations

import math
from collections.abc import Iterator

from trialcli.crosscheck import Loc
from trialcli.formatting import MEASURE_NAMES, decimals, number
from trialcli.model import RATIO_MEASURES, ArmResult, Comparison, Endpoint, Study
from trialcli.ops.audit.core import (
    EPSILON,
    Check,
    Part,
    Placed,
    Stated,
    Value,
    apart_words,
    arms_text,
    endpoint_groups,
    finding_name,
    placed_comparisons,
    printed_value,
    record_of,
    tolerance,
    within,
)
from trialcli.ops.audit.explained import adjusted, quoted, subset
from trialcli.stats import (
    odds_ratio,
    percentage,
    ratio_from_relative_reduction,
    relative_reduction_from_ratio,
)

# How far a model-based ratio may sit from the ratio of the arms' raw values (beyond
# rounding): adjusted models (covariates, negative binomial, Cox) move estimates a little.
ADJUSTED_MODEL_MARGIN = 0.10


def percentages(study: Study) -> Iterator[Check]:
    """A stated percentage against its own n/N."""
    for i, endpoint in enumerate(study.endpoints):
        # Kaplan–Meier percentages account for censoring: they are not n/N.
        if endpoint.kind == "time-to-event":
            continue
        for key, result in endpoint.results.items():
            if result.unit != "%" or result.value is None or result.n is None or not result.N:
                continue
            record = record_of(study, ("endpoints", i, "results", key), result, endpoint)
            yield _percentage(
                f"{endpoint.name}, {study.group_label(key)}: ",
                printed_value(record, result.value, result.approximate, "value", "%"),
                record.says(f"{result.n:,}/{result.N:,}", "n", "N"),
                percentage(result.n, result.N),
            )
    for i, finding in enumerate(study.safety):
        for key, arm in finding.arms.items():
            if arm.pct is not None and arm.affected is not None and arm.at_risk:
                record = record_of(study, ("safety", i, "arms", key), arm, finding)
                yield _percentage(
                    f"{finding_name(finding)}, {study.group_label(key)}: ",
                    printed_value(record, arm.pct, arm.approximate, "pct", "%"),
                    record.says(f"{arm.affected:,}/{arm.at_risk:,}", "affected", "at_risk"),
                    percentage(arm.affected, arm.at_risk),
                )


def _percentage(context: str, stated: Value, counts: Stated, computed: float) -> Check:
    places = decimals(stated.value) + 1
    apart = abs(stated.value - computed)
    ok = within(apart, stated.tolerance)
    return Check(
        "percentage",
        (
            context,
            stated.figure,
            " vs ",
            counts,
            f" = {number(computed, places)}%: {apart_words(apart, stated.tolerance, places)} "
            "points apart, " + _rounding_words(ok, f"±{number(stated.tolerance)}"),
        ),
        ok,
    )


def _rounding_words(ok: bool, allowed: str) -> str:
    return f"{'within' if ok else 'more than'} the {allowed} rounding allows"


def reductions_vs_ratios(study: Study) -> Iterator[Check]:
    """A stated relative reduction against a stated ratio for the same arms: against each
    kind of ratio once, the one the reduction's own source states, else the first stated
    (setting every reduction against every ratio was quadratic in repeated endpoints)."""
    for group in endpoint_groups(study):
        placed = [p for p in placed_comparisons(study, group) if p.comparison.estimate is not None]
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


def _reduction_vs_ratio(study: Study, rr: Placed, ratio: Placed) -> Check:
    one, two = rr.comparison, ratio.comparison
    assert one.estimate is not None and two.estimate is not None
    implied = relative_reduction_from_ratio(two.estimate)
    places = max(decimals(one.estimate), decimals(two.estimate) - 2, 0)
    allowed = tolerance(one.estimate, one.approximate) + 100 * tolerance(
        two.estimate, two.approximate
    )
    apart = abs(one.estimate - implied)
    ok = within(apart, allowed)
    change = "reduction" if implied >= 0 else "increase"
    return Check(
        "relative-reduction",
        (
            f"{rr.context}{arms_text(study, one.arms)}: relative reduction ",
            rr.estimate(),
            f" vs {MEASURE_NAMES[two.measure]} ",
            ratio.estimate(),
            f", a {number(abs(implied), places)}% {change}: "
            f"{apart_words(apart, allowed, places)} points apart, "
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


def _arm_value(study: Study, endpoint: Endpoint, loc: Loc, result: ArmResult) -> Value | None:
    """An arm's rate, or its proportion as a fraction (exact from n/N when reported)."""
    record = record_of(study, loc, result, endpoint)
    if endpoint.kind == "rate":
        if result.value is None:
            return None
        return printed_value(record, result.value, result.approximate, "value")
    if result.n is not None and result.N:
        return Value(result.n / result.N, 0.0, record.says(f"{result.n:,}/{result.N:,}", "n", "N"))
    if result.value is None or result.unit != "%":
        return None
    stated = printed_value(record, result.value, result.approximate, "value", "%")
    return Value(stated.value / 100, stated.tolerance / 100, stated.figure)


def _ratio_range(measure: str, a: Value, b: Value) -> tuple[float, float, float] | None:
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


def ratios_vs_arms(study: Study) -> Iterator[Check]:
    """A stated ratio (or relative reduction) against the ratio of the arms' values."""
    for placed in placed_comparisons(study):
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
        if computed is None:
            continue
        check = _ratio_check(study, placed, a.figure, b.figure, computed)
        flipped = _ratio_range(comparison.measure, b, a)
        if not check.ok and comparison.direction == "unknown" and flipped is not None:
            # The record does not say which group is the numerator: the other order is
            # as much the record's as this one.
            other = _ratio_check(study, placed, b.figure, a.figure, flipped)
            if other.ok:
                note = (
                    "; in this order, the reverse of the file's: "
                    "the record does not say which is the numerator"
                )
                check = Check(other.kind, (*other.parts, note), True)
        part = None if check.ok else subset(comparison)
        if part is not None:
            # The arms' figures are of everyone; the analysis, by its own words, of some.
            words = f"; the analysis is of a subset ({quoted(part)}), the arms' figures of all"
            check = Check(check.kind, (*check.parts, words), True)
        yield check


def _ratio_check(
    study: Study, placed: Placed, arm_a: Stated, arm_b: Stated, computed: tuple[float, ...]
) -> Check:
    comparison = placed.comparison
    assert comparison.estimate is not None
    value, low, high = computed
    if comparison.measure == "relative-reduction":
        stated = ratio_from_relative_reduction(comparison.estimate)
        tol = tolerance(comparison.estimate, comparison.approximate) / 100
        places = max(decimals(comparison.estimate) + 2, 2)
        head: tuple[Part, ...] = (
            "relative reduction ",
            placed.estimate(),
            f" (a ratio of {number(stated, places)})",
        )
    else:
        stated = comparison.estimate
        tol = tolerance(stated, comparison.approximate)
        places = max(decimals(stated), 2)
        head = (f"{MEASURE_NAMES[comparison.measure]} ", placed.estimate())
    margin = 1 + ADJUSTED_MODEL_MARGIN
    ok = stated + tol >= low / margin - EPSILON and stated - tol <= high * margin + EPSILON
    apart = abs(stated - value) / value * 100 if value else math.inf
    odds = "odds " if comparison.measure == "odds-ratio" else ""
    allowance = f"{number(ADJUSTED_MODEL_MARGIN * 100)}% beyond rounding"
    return Check(
        "ratio-vs-arms",
        (
            f"{placed.context}{arms_text(study, comparison.arms)}: ",
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
                + _adjustment_words(comparison)
            ),
        ),
        ok,
    )


def _adjustment_words(comparison: Comparison) -> str:
    """What a warning adds when the record states an adjusted estimate: the record's words,
    which tell the reader that adjustment is a cause to weigh, not that it is the cause."""
    words = adjusted(comparison)
    if words is None:
        return ""
    return f"; the record states an adjusted analysis ({quoted(words)})"
