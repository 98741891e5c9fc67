"""Statistical analyses: which way each comparison runs, what it measures, what it tests.

What a registry `paramType` measures is read from the table `MEASURES`; the kind of test
from `TESTS`; the direction by `direction.direction`. Nothing is guessed: a measure the
table does not know is kept as "other" in the record's own words, and a margin is kept as
a number only when the record states it with its side of no difference.
"""

from __future__ import annotations

import re
from typing import Any

from trialcli.formatting import number
from trialcli.importers.ctgov import adjustment, arithmetic, direction, margins
from trialcli.importers.ctgov.groups import Group, Groups
from trialcli.importers.ctgov.values import (
    LONG,
    dicts,
    figure,
    is_percent,
    one_line,
    text_of,
    unit_words,
)
from trialcli.model import (
    DIFFERENCE_MEASURES,
    P_VALUE_PATTERN,
    RATIO_MEASURES,
    Comparison,
    Measure,
    Sides,
    Test,
    null_effect,
)

# paramType (lowercase) → measure; the first pattern that matches wins.
_MEASURE_WORDS: tuple[tuple[str, Measure], ...] = (
    (r"hazard", "hazard-ratio"),
    (r"win ratio", "win-ratio"),
    (r"odds", "odds-ratio"),
    (r"rate ratio|ratio of rates", "rate-ratio"),
    (r"risk ratio|relative risk|ratio of (?:risks|proportions)", "risk-ratio"),
    (r"geometric.*ratio|ratio of geometric", "geometric-mean-ratio"),
    (r"\b(?:least[ -]squares?|ls)\b.*ratio|ratio of (?:least[ -]squares?|ls)", "ls-mean-ratio"),
    (r"slope", "slope-difference"),
    (
        r"(?:risk|rate|proportion) difference|difference in (?:percentages?|proportions?"
        r"|rates?|risks?)",
        "risk-difference",
    ),
    (r"median difference|difference in medians", "median-difference"),
    (
        r"\b(?:least[ -]squares?|ls)\b.*difference|difference (?:of|in|between) "
        r"(?:least[ -]squares?|ls)\b",
        "ls-mean-difference",
    ),
    (r"mean difference|difference (?:of|in|between) means", "mean-difference"),
    (r"difference", "difference"),
)
MEASURES = tuple((re.compile(pattern), measure) for pattern, measure in _MEASURE_WORDS)

# nonInferiorityType → the test; the "or" types are settled by the analysis's words.
TESTS: dict[str, Test | None] = {
    "SUPERIORITY": "superiority",
    "SUPERIORITY_OR_OTHER": "superiority",
    "SUPERIORITY_OR_OTHER_LEGACY": "superiority",
    "OTHER": "superiority",
    "NON_INFERIORITY": "non-inferiority",
    "EQUIVALENCE": "equivalence",
    "NON_INFERIORITY_OR_EQUIVALENCE": None,
    "NON_INFERIORITY_OR_EQUIVALENCE_LEGACY": None,
}
_NON_INFERIORITY = re.compile(r"non-?inferior", re.IGNORECASE)
_EQUIVALENCE = re.compile(r"equivalen", re.IGNORECASE)
_SIDES: dict[str, Sides] = {
    "ONE_SIDED": "one-sided",
    "TWO_SIDED": "two-sided",
}
_TEXTS = (
    "nonInferiorityComment",
    "groupDescription",
    "statisticalComment",
    "estimateComment",
    "pValueComment",
)
# A ratio of means whose estimate and limits all exceed this is written in percent
# (bioequivalence reports 91.52 for a ratio of 0.9152).
_PERCENT_RATIO_FLOOR = 10
# "1-sided p-value", "One sided p-value", "t-test, 1 sided", "p-value is one-sided"
_ONE_SIDED_P = re.compile(
    r"\b(?:1|one)[- ]?sided\s+(?:p\b|test)|p[- ]?values?\s+(?:is|are|was|were)\s+"
    r"(?:1|one)[- ]?sided|^\s*[\w\s-]*\btest,\s*(?:1|one)[- ]?sided",
    re.IGNORECASE,
)
_RATIOS_OF_MEANS = frozenset({"geometric-mean-ratio", "ls-mean-ratio"})
# Where an analysis says what its model adjusts for, in the order they are read.
_MODEL_TEXTS = (
    "statisticalComment",
    "statisticalMethod",
    "groupDescription",
    "estimateComment",
    "pValueComment",
    "otherAnalysisDescription",
)


def measure_of(param: str | None) -> Measure | None:
    text = (param or "").lower()
    return next((measure for pattern, measure in MEASURES if pattern.search(text)), None)


def comparisons_of(
    measure: dict[str, Any],
    keys: dict[str, str],
    groups: Groups,
    unit: str | None,
    counts_people: bool,
) -> tuple[list[Comparison], list[str]]:
    """The measure's two-group analyses as comparisons; any other analysis in words."""
    comparisons: list[Comparison] = []
    notes: list[str] = []
    outcome_groups = {text_of(g.get("id")) or "": g for g in dicts(measure.get("groups"))}
    title = text_of(measure.get("title"))
    figures = arithmetic.group_figures(measure)
    for analysis in dicts(measure.get("analyses")):
        ids = [text_of(g) or "" for g in analysis.get("groupIds") or []]
        named = [keys.get(i) for i in ids]
        arms = [g for g in named if g is not None]
        texts = [text_of(analysis.get(field)) for field in direction.DIRECTION_FIELDS]
        members = [
            _side(outcome_groups.get(i, {}), groups.by_key(key))
            for i, key in zip(ids, named, strict=True)
            if key is not None
        ]
        fixed = None
        if len(named) == 2 and len(arms) == 2 and arms[0] != arms[1]:
            pair = (arms[0], arms[1])
            sides = (members[0], members[1])
            fixed = arithmetic.order(
                measure_of(text_of(analysis.get("paramType"))),
                text_of(analysis.get("paramValue")),
                figures.get(ids[0]),
                figures.get(ids[1]),
            )
        elif (pooled := _pooled(texts, arms, members, groups)) is not None:
            pair, sides = pooled
        else:
            labels = ", ".join(groups.title_of(key) for key in arms)
            notes.append(
                f"Registry analysis of {labels or 'unnamed groups'}: {analysis_words(analysis)}."
            )
            continue
        order = direction.direction(
            texts,
            sides[0],
            sides[1],
            comments=[text_of(analysis.get(field)) for field in direction.COMMENT_FIELDS],
            title=title,
            figures=fixed,
        )
        ordered = (pair[1], pair[0]) if order.swap else pair
        comparisons.append(comparison_of(analysis, ordered, order, unit, counts_people))
    return comparisons, notes


_POOLED = re.compile(r"\bcombin|\bpool", re.IGNORECASE)


def _pooled(
    texts: list[str | None],
    arms: list[str],
    members: list[direction.Side],
    groups: Groups,
) -> tuple[tuple[str, str], tuple[direction.Side, direction.Side]] | None:
    """An analysis of several groups that its words say were combined, placebo against the
    rest (a factorial record's "stem cell arms combined vs placebo arms combined"): two
    pooled groups of arms; None for any other shape."""
    if (
        len(arms) < 3
        or len(set(arms)) != len(arms)
        or not any(t and _POOLED.search(t) for t in texts)
    ):
        return None
    active = [(a, m) for a, m in zip(arms, members, strict=True) if not m.placebo_like]
    placebo = [(a, m) for a, m in zip(arms, members, strict=True) if m.placebo_like]
    if not active or not placebo:
        return None
    keys: list[str] = []
    sides: list[direction.Side] = []
    for part in (active, placebo):
        ranks = {m.rank for _, m in part}
        keys.append(groups.pooled([a for a, _ in part]) if len(part) > 1 else part[0][0])
        sides.append(
            direction.Side(
                " ".join(m.titles for _, m in part),
                " ".join(m.drugs for _, m in part),
                ranks.pop() if len(ranks) == 1 else None,
                part is placebo,
            )
        )
    return (keys[0], keys[1]), (sides[0], sides[1])


def _side(outcome_group: dict[str, Any], arm: Group | None) -> direction.Side:
    titles = [t for t in (text_of(outcome_group.get("title")),) if t]
    if arm is not None:
        titles.append(arm.title)
    return direction.side(
        titles,
        arm.drugs if arm else (),
        arm.role if arm else None,
        arm.kind if arm else None,
        text_of(outcome_group.get("description")) or (arm.description if arm else None),
    )


def analysis_words(analysis: dict[str, Any]) -> str:
    """An analysis in words, for the ones that do not fit a two-arm comparison."""
    parts = []
    param, value = text_of(analysis.get("paramType")), text_of(analysis.get("paramValue"))
    if param or value:
        parts.append(" ".join(p for p in (param, value) if p))
    low, high = text_of(analysis.get("ciLowerLimit")), text_of(analysis.get("ciUpperLimit"))
    if low or high:
        level = text_of(analysis.get("ciPctValue"))
        parts.append(f"{level + '% ' if level else ''}CI {low or '?'} to {high or '?'}")
    p_value = text_of(analysis.get("pValue"))
    if p_value:
        parts.append(f"p {p_value}")
    method = text_of(analysis.get("statisticalMethod"))
    if method:
        parts.append(method)
    return ", ".join(parts) or "no figures given"


def comparison_of(
    analysis: dict[str, Any],
    arms: tuple[str, str],
    order: direction.Order,
    unit: str | None,
    counts_people: bool,
) -> Comparison:
    param = text_of(analysis.get("paramType"))
    measure = measure_of(param)
    estimate = figure(analysis.get("paramValue"))
    notes: list[str] = []
    method = text_of(analysis.get("statisticalMethod"))
    if method:
        notes.append(method)
    if estimate is None and analysis.get("pValue") is not None:
        notes.insert(0, "p-value only; the record gives no estimate")
    level = figure(analysis.get("ciPctValue"))
    low_text, high_text = (
        text_of(analysis.get("ciLowerLimit")),
        text_of(analysis.get("ciUpperLimit")),
    )
    low, high = figure(low_text), figure(high_text)
    sides = _SIDES.get(text_of(analysis.get("ciNumSides")) or "")
    ci: tuple[float, float] | None = None
    if low_text or high_text:
        if (
            estimate is not None
            and low is not None
            and high is not None
            and level is not None
            and 0 < level < 100
            and low <= estimate <= high
        ):
            ci = (low, high)
        else:
            stated = f"{level:g}% CI" if level is not None else "CI (level not stated)"
            what = f"{sides} " if sides else ""
            notes.append(f"{what}{stated} as registered: {low_text or '?'} to {high_text or '?'}")
    shown_unit = None
    if measure in _RATIOS_OF_MEANS and estimate is not None:
        if all(v > _PERCENT_RATIO_FLOOR for v in (estimate, *(ci or ()))):
            shown_unit = "%"
            notes.append(
                f"a ratio written in percent (100 = no difference): {number(estimate)}"
                f" and its limits are all above {_PERCENT_RATIO_FLOOR}"
            )
    elif measure in DIFFERENCE_MEASURES and estimate is not None and unit and not counts_people:
        shown_unit = "percentage points" if is_percent(unit) else unit_words(unit)
    p_text = text_of(analysis.get("pValue"))
    p_value = None
    if p_text is not None:
        compact = p_text.replace(" ", "")
        if re.fullmatch(P_VALUE_PATTERN, compact):
            p_value = compact
        else:
            notes.append(f"p-value as registered: {p_text}")
    p_words = [text_of(analysis.get(k)) for k in ("pValueComment", "statisticalMethod")]
    one_sided_p = p_value is not None and any(w and _ONE_SIDED_P.search(w) for w in p_words)
    test, kept, test_notes = _test(analysis, measure, shown_unit)
    notes += test_notes
    if order.note:
        notes.append(order.note)
    spread = _estimate_spread(analysis)
    if spread:
        notes.append(spread)
    for key in (
        "estimateComment",
        "pValueComment",
        "groupDescription",
        "nonInferiorityComment",
        "statisticalComment",
        "otherAnalysisDescription",
    ):
        comment = text_of(analysis.get(key))
        if comment:
            notes.append(comment)
    model_texts = [text_of(analysis.get(key)) for key in _MODEL_TEXTS]
    return Comparison(
        measure=measure or "other",
        measure_name=one_line(param),
        estimate=estimate,
        unit=shown_unit,
        ci=ci,
        ci_level=level if ci is not None and level is not None else 95,
        ci_sides=sides if ci is not None else None,
        p_value=p_value,
        p_sides="one-sided" if one_sided_p else None,
        arms=arms,
        adjusted_for=adjustment.adjusted_for(model_texts),
        stratified_by=adjustment.stratified_by(model_texts),
        direction=order.how,
        direction_basis=order.basis,
        test=test,
        margin=kept[0],
        margin_upper=kept[1],
        margin_side_stated=kept[2],
        note=one_line("; ".join(notes), LONG),
    )


def _estimate_spread(analysis: dict[str, Any]) -> str | None:
    """The estimate's own dispersion ("… standard error of mean 0.12"), in words: it was
    dropped before, and no reader computes with it."""
    kind, value = text_of(analysis.get("dispersionType")), text_of(analysis.get("dispersionValue"))
    if not value:
        return None
    words = (kind or "dispersion").replace("_", " ").lower()
    return f"dispersion of the estimate: {words} {value}"


def _test(
    analysis: dict[str, Any], measure: Measure | None, unit: str | None
) -> tuple[Test, tuple[float | None, float | None, bool], list[str]]:
    """The test, its margins (only as stated, with their side), and notes on what is not kept."""
    registered = text_of(analysis.get("nonInferiorityType")) or ""
    words = " ".join(t for key in _TEXTS if (t := text_of(analysis.get(key))))
    notes: list[str] = []
    test = TESTS.get(registered, "superiority")
    if test is None:
        # "Non-inferiority or equivalence": the analysis's words settle which.
        test = (
            "equivalence"
            if _EQUIVALENCE.search(words) and not _NON_INFERIORITY.search(words)
            else "non-inferiority"
        )
        notes.append(f"test registered as non-inferiority or equivalence; read as {test}")
    elif registered and registered not in {"SUPERIORITY", "NON_INFERIORITY", "EQUIVALENCE"}:
        notes.append(f"test type as registered: {registered.replace('_', ' ').lower()}")
    null = null_effect(measure or "other", unit)
    if test == "superiority":
        return test, (None, None, True), notes
    if null is None:
        if (stated := margins.phrase(words)) is not None:
            notes.append(f"margin as registered: {stated} (the measure has no known scale)")
        return test, (None, None, True), notes
    ratio = measure in RATIO_MEASURES
    found = (
        margins.equivalence(words, null, ratio)
        if test == "equivalence"
        else margins.non_inferiority(words, null, ratio)
    )
    if found is None:
        if test == "non-inferiority" and margins.stated_in_words(words):
            notes.append("the margin is stated in words only (not on the estimate's scale)")
        return test, (None, None, True), notes
    if found.note:
        notes.append(found.note)
    if not found.side_stated:
        notes.append("the margin's side of no difference is not stated")
    return test, (found.lower, found.upper, found.side_stated), notes
