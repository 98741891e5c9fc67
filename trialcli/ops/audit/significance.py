"""A comparison's CI against its p-value and its stated verdict ("met")."""

from __future__ import annotations

import re
from collections.abc import Iterator
from decimal import Decimal

from trialcli.formatting import MEASURE_NAMES, interval, number
from trialcli.model import Comparison, Study, null_effect
from trialcli.ops.audit.core import (
    EPSILON,
    Check,
    Part,
    Placed,
    arms_text,
    placed_comparisons,
    tolerance,
)
from trialcli.ops.audit.explained import bayesian, quoted


def p_range(p_value: str, alpha: float) -> tuple[float, float] | None:
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
    found = p_range(p_value, alpha)
    if found is None:
        return None
    low, high = found
    if p_value.upper() == "NS" or low >= alpha - EPSILON:
        return False
    # "p<0.05" and "p≤0.05" both read as significant at 0.05.
    if high <= alpha + EPSILON and p_value[:1] in {"<", "≤"}:
        return True
    if high < alpha - EPSILON:
        return True
    return None


def alpha_of(comparison: Comparison) -> float:
    """The p-value's threshold for the CI's level: half of it for a one-sided p-value."""
    alpha = 1 - comparison.ci_level / 100
    return alpha / 2 if comparison.p_sides == "one-sided" else alpha


def _null(comparison: Comparison) -> float | None:
    return null_effect(comparison.measure, comparison.unit)


def _excludes(ci: tuple[float, float], reference: float) -> bool | None:
    """Whether the CI lies wholly on one side of `reference`; None when a limit printed
    next to it could stand for either side."""
    lower, upper = ci
    low_tol, high_tol = tolerance(lower), tolerance(upper)
    if lower - low_tol > reference or upper + high_tol < reference:
        return True
    if lower + low_tol < reference < upper - high_tol:
        return False
    return None


def _inside_margin(ci: tuple[float, float], margin: float, null: float) -> bool | None:
    """Non-inferiority: whether the CI lies wholly on no-difference's side of the margin."""
    lower, upper = ci
    if margin > null:
        tol = tolerance(upper)
        return True if upper + tol < margin else False if upper - tol > margin else None
    if margin < null:
        tol = tolerance(lower)
        return True if lower - tol > margin else False if lower + tol < margin else None
    return None


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
    low_tol, high_tol = tolerance(lower), tolerance(upper)
    if lower - low_tol > low and upper + high_tol < high:
        return True
    if lower + low_tol < low or upper - high_tol > high:
        return False
    return None


def _ci_words(placed: Placed, verdict: bool) -> tuple[Part, ...]:
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


def _p_words(placed: Placed, significant: bool) -> tuple[Part, ...]:
    one_sided = placed.comparison.p_sides == "one-sided"
    alpha = number(alpha_of(placed.comparison), 3 if one_sided else 2)
    below = f" is below {alpha}" if significant else f" is not below {alpha}"
    return (placed.p(), below + (" (one-sided)" if one_sided else ""))


def p_values_vs_intervals(study: Study) -> Iterator[Check]:
    """Which side of no difference (or of the margin) the CI lies on, against the p-value."""
    for placed in placed_comparisons(study):
        comparison = placed.comparison
        if comparison.p_value is None:
            continue
        from_ci = _ci_verdict(comparison)
        from_p = _significant(comparison.p_value, alpha_of(comparison))
        if from_ci is None or from_p is None:
            continue
        ok = from_ci == from_p
        parts: tuple[Part, ...] = (
            f"{placed.context}{MEASURE_NAMES[comparison.measure]}: ",
            *_ci_words(placed, from_ci),
            " and " if ok else ", but ",
            *_p_words(placed, from_p),
        )
        posterior = None if ok else bayesian(comparison)
        if posterior is not None:
            # The record's own words: the figure in the p-value field is no p-value.
            parts += (
                f"; the record's analysis is Bayesian ({quoted(posterior)}): its figure "
                "is a posterior probability, not a p-value",
            )
        yield Check("p-value-vs-ci", parts, ok or posterior is not None)


def verdicts(study: Study) -> Iterator[Check]:
    """ "Met" as stated, against what the CI and p-value imply for the test type."""
    for placed in placed_comparisons(study):
        comparison = placed.comparison
        if comparison.met is None:
            continue
        evidence: list[tuple[bool, tuple[Part, ...]]] = []
        from_ci = _ci_verdict(comparison)
        if from_ci is not None:
            evidence.append((from_ci, _ci_words(placed, from_ci)))
        from_p = (
            _significant(comparison.p_value, alpha_of(comparison)) if comparison.p_value else None
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
                f"{placed.context}{arms_text(study, comparison.arms)}: stated as ",
                placed.met(),
                ", and " if ok else ", but ",
                *said,
                tail,
            ),
            ok,
        )
