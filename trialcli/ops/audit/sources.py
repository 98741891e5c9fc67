"""The same figure stated by two sources."""

from __future__ import annotations

from collections.abc import Iterator

from trialcli.crosscheck import Loc
from trialcli.formatting import MEASURE_NAMES, decimals, number
from trialcli.model import ArmSafety, Count, Sourced, Study
from trialcli.ops.audit.core import (
    EPSILON,
    Check,
    Placed,
    Record,
    Value,
    apart_words,
    arms_text,
    count_figure,
    endpoint_groups,
    finding_name,
    placed_comparisons,
    printed_value,
    record_of,
    source_pairs,
    tolerance,
    within,
)
from trialcli.ops.audit.significance import alpha_of, p_range
from trialcli.ops.harm_terms import term_key
from trialcli.stats import percentage


def sources_disagree(study: Study) -> Iterator[Check]:
    yield from _counts_disagree(study)
    for group in endpoint_groups(study):
        yield from _comparisons_disagree(study, placed_comparisons(study, group))
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
            also = record_of(study, (*loc, "also_reported", j), other).says(
                f"{other.value:,}", "value"
            )
            gap = abs(other.value - count.value)
            yield Check(
                "sources-disagree",
                (
                    f"{what}: ",
                    count_figure(study, loc, count, parent),
                    " vs ",
                    also,
                    f": {gap:,} apart" if gap else ": the same",
                ),
                gap == 0,
            )


def _agree(context: str, one: Value, two: Value, places: int, unit: str = "") -> Check:
    """Whether two stated values can stand for the same number, and how far apart they are."""
    apart = abs(one.value - two.value)
    allowed = one.tolerance + two.tolerance
    ok = within(apart, allowed)
    words = ": the same within rounding"
    if not ok:
        words = f": {apart_words(apart, allowed, places)}{f' {unit}' if unit else ''} apart"
        if allowed:
            words += f", more than the {number(allowed)} their rounding allows"
    return Check("sources-disagree", (context, one.figure, " vs ", two.figure, words), ok)


def _comparison_pairs(placed: list[Placed]) -> list[tuple[int, int]]:
    """Comparisons of the same arms and test stated by two sources, paired by
    `source_pairs` among all of them and among those of one measure (so that two
    sources' relative reductions meet, as do their ratios)."""
    together: dict[tuple[object, ...], list[int]] = {}
    for k, one in enumerate(placed):
        c = one.comparison
        together.setdefault((c.arms, c.test), []).append(k)
        together.setdefault((c.arms, c.test, c.measure), []).append(k)
    pairs: set[tuple[int, int]] = set()
    for indexes in together.values():
        found = source_pairs([placed[k].record.source for k in indexes])
        pairs.update((indexes[a], indexes[b]) for a, b in found)
    return sorted(pairs)


def _comparisons_disagree(study: Study, placed: list[Placed]) -> Iterator[Check]:
    for a, b in _comparison_pairs(placed):
        first, second = placed[a], placed[b]
        one, two = first.comparison, second.comparison
        context = f"{first.context}{arms_text(study, one.arms)}: "
        same_measure = one.measure == two.measure
        if same_measure and one.estimate is not None and two.estimate is not None:
            yield _agree(
                f"{context}{MEASURE_NAMES[one.measure]} ",
                Value(one.estimate, tolerance(one.estimate, one.approximate), first.estimate()),
                Value(two.estimate, tolerance(two.estimate, two.approximate), second.estimate()),
                max(decimals(one.estimate), decimals(two.estimate)),
            )
        if same_measure and one.ci is not None and two.ci is not None:
            ok = all(
                within(abs(x - y), tolerance(x) + tolerance(y))
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
            range_one = p_range(one.p_value, alpha_of(one))
            range_two = p_range(two.p_value, alpha_of(two))
            if range_one is not None and range_two is not None:
                low, high = sorted((range_one, range_two))
                gap = high[0] - low[1]  # how far apart the values they stand for are
                ok = gap <= EPSILON
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
    stated: dict[tuple[str, str | None], list[tuple[int, Record]]] = {}
    for i in group:
        endpoint = study.endpoints[i]
        for key, result in endpoint.results.items():
            if result.value is not None:
                record = record_of(study, ("endpoints", i, "results", key), result, endpoint)
                stated.setdefault((key, result.unit), []).append((i, record))
    pairs = [
        (*items[a], *items[b], key)
        for (key, _), items in stated.items()
        for a, b in source_pairs([record.source for _, record in items])
    ]
    for i, record_one, k, record_two, key in sorted(pairs, key=lambda pair: (pair[0], pair[2])):
        first, second = study.endpoints[i], study.endpoints[k]
        one, two = first.results[key], second.results[key]
        assert one.value is not None and two.value is not None
        percent = one.unit == "%"
        unit = "%" if percent else ""
        yield _agree(
            f"{first.name}, {study.group_label(key)}: ",
            printed_value(record_one, one.value, one.approximate, "value", unit),
            printed_value(record_two, two.value, two.approximate, "value", unit),
            max(decimals(one.value), decimals(two.value)),
            "points" if percent else "",
        )


def _safety_percent(record: Record, arm: ArmSafety) -> Value | None:
    """A harm's frequency in percent: exactly from counts where there are counts."""
    if arm.affected is not None and arm.at_risk:
        value = percentage(arm.affected, arm.at_risk)
        shown = f"{arm.affected:,}/{arm.at_risk:,} = {number(value, 1)}%"
        return Value(value, 0.0, record.says(shown, "affected", "at_risk"))
    if arm.pct is None:
        return None
    return printed_value(record, arm.pct, arm.approximate, "pct", "%")


def _safety_disagrees(study: Study) -> Iterator[Check]:
    """The same harm in the same arm or group, reported by two sources."""
    # Per harm and arm, the findings that state it (their denominators set which can be
    # compared: different ones are different figures; an unstated one may be either).
    stated: dict[tuple[str, bool | None, str | None, str], list[tuple[int, Record]]] = {}
    for i, finding in enumerate(study.safety):
        term = term_key(finding.term)  # the same harm as `ae` and `diff` see it
        for key, arm in finding.arms.items():
            record = record_of(study, ("safety", i, "arms", key), arm, finding)
            stated.setdefault((term, finding.serious, finding.summary, key), []).append((i, record))
    pairs = [
        (*items[a], *items[b], key)
        for (*_, key), items in stated.items()
        for a, b in source_pairs(
            [record.source for _, record in items],
            [study.safety[i].arms[key].at_risk for i, _ in items],
        )
    ]
    for i, record_one, k, record_two, key in sorted(pairs, key=lambda pair: (pair[0], pair[2])):
        first, second = study.safety[i], study.safety[k]
        one, two = first.arms[key], second.arms[key]
        context = f"{finding_name(first)}, {study.group_label(key)}: "
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
                Value(a, 0.0, record_one.says(f"{a:,}", field)),
                Value(b, 0.0, record_two.says(f"{b:,}", field)),
                0,
            )
