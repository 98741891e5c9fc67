"""Checks that span fields: ids resolve, figures have a source, intervals contain their
estimates, counts fit.

Each check returns (field path, message); the loader turns paths into file:line:column.
These are hard errors: a file that fails them says something impossible.
"""

from __future__ import annotations

from collections.abc import Iterator, Sequence

from trialcli.model import (
    Arm,
    ArmResult,
    Comparison,
    Count,
    Endpoint,
    PooledArms,
    Source,
    Sourced,
    Study,
)

Loc = tuple[int | str, ...]
Found = tuple[Loc, str]


def cross_check(study: Study) -> list[Found]:
    return [
        *_unique_ids(study),
        *_references(study),
        *_figures_without_source(study),
        *_intervals(study),
        *_counts(study),
    ]


def _unique_ids(study: Study) -> Iterator[Found]:
    kinds: dict[str, list[tuple[str, Sequence[Arm | PooledArms | Endpoint | Source]]]] = {
        "arm or pooled group": [("arms", study.arms), ("pooled_arms", study.pooled_arms)],
        "endpoint": [("endpoints", study.endpoints)],
        "source": [("sources", study.sources)],
    }
    for what, lists in kinds.items():
        seen: set[str] = set()
        for field, items in lists:
            for index, item in enumerate(items):
                if item.id in seen:
                    yield (field, index, "id"), f"{what} id '{item.id}' is used more than once"
                seen.add(item.id)


def _references(study: Study) -> Iterator[Found]:
    arm_ids = {a.id for a in study.arms}
    group_ids = arm_ids | {p.id for p in study.pooled_arms}
    source_ids = {s.id for s in study.sources}

    def arm(ref: str, loc: Loc) -> Iterator[Found]:
        if ref not in group_ids:
            yield (
                loc,
                f"no arm or pooled group with id '{ref}' (known: {', '.join(sorted(group_ids))})",
            )

    for loc, record in _sourced_records(study):
        if record.source is not None and record.source not in source_ids:
            yield (*loc, "source"), f"no source with id '{record.source}'"
    for ref_field in ("default_source", "dates_source"):
        ref = getattr(study, ref_field)
        if ref is not None and ref not in source_ids:
            yield (ref_field,), f"no source with id '{ref}'"
    for i, pooled in enumerate(study.pooled_arms):
        for j, member in enumerate(pooled.arms):
            if member not in arm_ids:
                yield ("pooled_arms", i, "arms", j), f"no arm with id '{member}'"
    for i, endpoint in enumerate(study.endpoints):
        for key in endpoint.results:
            yield from arm(key, ("endpoints", i, "results", key))
        for j, comparison in enumerate(endpoint.comparisons):
            for k, ref in enumerate(comparison.arms):
                yield from arm(ref, ("endpoints", i, "comparisons", j, "arms", k))
    for i, finding in enumerate(study.safety):
        for key in finding.arms:
            yield from arm(key, ("safety", i, "arms", key))
    for loc, _, _ in flow_counts(study):
        if loc[-2] in ("started", "completed", "not_completed", "arms"):
            yield from arm(str(loc[-1]), loc)


NO_SOURCE = (
    "this figure names no source; add `source:` (an id from `sources:`) or `default_source:`"
)


def _figures_without_source(study: Study) -> Iterator[Found]:
    """Every record holding a figure whose source is neither its own, inherited nor the default.

    Without this a file with no source at all validates and `show` drops every `[n]`.
    """
    if study.default_source is not None:
        return  # every figure resolves, at the latest to the default
    for loc, record, parents in _figure_records(study):
        if study.cited_source(record, *parents) is None:
            yield loc, NO_SOURCE


def _figure_records(study: Study) -> Iterator[tuple[Loc, Sourced, tuple[Sourced, ...]]]:
    """Each record that holds a number, with the records it inherits a source from."""
    population = study.population
    for field in ("randomized", "analysed"):
        count = getattr(population, field)
        if count is not None:
            yield ("population", field), count, (population,)
            for j, other in enumerate(count.also_reported):
                yield ("population", field, "also_reported", j), other, (count, population)
    eligibility = population.eligibility
    if eligibility is not None:
        for field in ("age", "edss"):
            bounds = getattr(eligibility, field)
            if bounds is not None and (bounds.min is not None or bounds.max is not None):
                yield ("population", "eligibility", field), bounds, (eligibility, population)
    for i, arm in enumerate(study.arms):
        for field in ("randomized", "analysed"):
            count = getattr(arm, field)
            if count is not None:
                yield ("arms", i, field), count, (arm,)
                for j, other in enumerate(count.also_reported):
                    yield ("arms", i, field, "also_reported", j), other, (count, arm)
    for i, pooled in enumerate(study.pooled_arms):
        if pooled.n is not None:
            yield ("pooled_arms", i), pooled, ()
    for i, endpoint in enumerate(study.endpoints):
        for key, result in endpoint.results.items():
            if _any_set(result, "value", "ci", "n", "N"):
                yield ("endpoints", i, "results", key), result, (endpoint,)
        for j, comparison in enumerate(endpoint.comparisons):
            if _any_set(comparison, "estimate", "ci", "p_value", "margin"):
                yield ("endpoints", i, "comparisons", j), comparison, (endpoint,)
    for i, finding in enumerate(study.safety):
        for key, value in finding.arms.items():
            if _any_set(value, "affected", "at_risk", "pct", "deaths"):
                yield ("safety", i, "arms", key), value, (finding,)
    yield from flow_counts(study)


def flow_counts(study: Study) -> Iterator[tuple[Loc, Count, tuple[Sourced, ...]]]:
    """Every count of the participant flow, with the records it inherits a source from."""
    flow = study.flow
    if flow is None:
        return
    for field in ("assessed", "excluded"):
        count = getattr(flow, field)
        if count is not None:
            yield ("flow", field), count, (flow,)
    for i, excluded in enumerate(flow.exclusion_reasons):
        yield ("flow", "exclusion_reasons", i, "count"), excluded.count, (excluded, flow)
    for p, period in enumerate(flow.periods):
        at: Loc = ("flow", "periods", p)
        for field in ("started", "completed", "not_completed"):
            for key, count in getattr(period, field).items():
                yield (*at, field, key), count, (period, flow)
        for m, milestone in enumerate(period.milestones):
            for key, count in milestone.arms.items():
                yield (*at, "milestones", m, "arms", key), count, (milestone, period, flow)
        for r, reason in enumerate(period.reasons):
            for key, count in reason.arms.items():
                yield (*at, "reasons", r, "arms", key), count, (reason, period, flow)


def _any_set(record: Sourced, *fields: str) -> bool:
    return any(getattr(record, field) is not None for field in fields)


def _sourced_records(study: Study) -> Iterator[tuple[Loc, Sourced]]:
    yield ("population",), study.population
    eligibility = study.population.eligibility
    if eligibility:
        yield ("population", "eligibility"), eligibility
        for i, criterion in enumerate(eligibility.criteria):
            yield ("population", "eligibility", "criteria", i), criterion
    for i, line in enumerate(study.population.baseline):
        yield ("population", "baseline", i), line
    for field in ("randomized", "analysed"):
        count = getattr(study.population, field)
        if count is not None:
            yield from _count_records(("population", field), count)
    yield ("design",), study.design
    for i, amendment in enumerate(study.design.amendments):
        yield ("design", "amendments", i), amendment
    for i, arm in enumerate(study.arms):
        yield ("arms", i), arm
        for field in ("randomized", "analysed"):
            count = getattr(arm, field)
            if count is not None:
                yield from _count_records(("arms", i, field), count)
    for i, pooled in enumerate(study.pooled_arms):
        yield ("pooled_arms", i), pooled
    for i, endpoint in enumerate(study.endpoints):
        yield ("endpoints", i), endpoint
        for key, result in endpoint.results.items():
            yield ("endpoints", i, "results", key), result
        for j, comparison in enumerate(endpoint.comparisons):
            yield ("endpoints", i, "comparisons", j), comparison
    for i, finding in enumerate(study.safety):
        yield ("safety", i), finding
        for key, value in finding.arms.items():
            yield ("safety", i, "arms", key), value
    for i, note in enumerate(study.notes):
        yield ("notes", i), note
    for i, milestone in enumerate(study.milestones):
        yield ("milestones", i), milestone
    flow = study.flow
    if flow is not None:
        yield ("flow",), flow
        for i, excluded in enumerate(flow.exclusion_reasons):
            yield ("flow", "exclusion_reasons", i), excluded
        for p, period in enumerate(flow.periods):
            yield ("flow", "periods", p), period
            for field in ("milestones", "reasons"):
                for j, item in enumerate(getattr(period, field)):
                    yield ("flow", "periods", p, field, j), item
        for loc, count, _ in flow_counts(study):
            yield from _count_records(loc, count)


def _count_records(loc: Loc, count: Count) -> Iterator[tuple[Loc, Sourced]]:
    yield loc, count
    for j, other in enumerate(count.also_reported):
        yield (*loc, "also_reported", j), other


def _intervals(study: Study) -> Iterator[Found]:
    for i, endpoint in enumerate(study.endpoints):
        for key, result in endpoint.results.items():
            yield from _interval(("endpoints", i, "results", key), result)
        for j, comparison in enumerate(endpoint.comparisons):
            yield from _interval(("endpoints", i, "comparisons", j), comparison)


def _interval(loc: Loc, record: ArmResult | Comparison) -> Iterator[Found]:
    if record.ci is None:
        return
    lower, upper = record.ci
    if lower > upper:
        yield (*loc, "ci"), f"confidence interval is reversed: lower {lower:g} > upper {upper:g}"
        return
    value = record.value if isinstance(record, ArmResult) else record.estimate
    field = "value" if isinstance(record, ArmResult) else "estimate"
    if value is not None and not lower <= value <= upper:
        yield (
            (*loc, field),
            f"{value:g} lies outside its confidence interval {lower:g} to {upper:g}",
        )


def _over_100(endpoint: Endpoint, loc: Loc, result: ArmResult) -> Iterator[Found]:
    """A proportion of people in percent is at most 100 (a percent change need not be)."""
    if endpoint.kind != "proportion" or (result.unit or "").strip() != "%":
        return
    for field, value in (("value", result.value), ("ci", result.ci[1] if result.ci else None)):
        if value is not None and value > 100:
            yield (
                (*loc, field),
                f"{value:g}% of people is more than 100% (a proportion endpoint)",
            )


def _counts(study: Study) -> Iterator[Found]:
    randomized = study.population.randomized
    total = randomized.value if randomized else None
    arm_sum = 0
    for i, arm in enumerate(study.arms):
        if arm.randomized is not None:
            arm_sum += arm.randomized.value
            if arm.analysed is not None and arm.analysed.value > arm.randomized.value:
                yield (
                    ("arms", i, "analysed"),
                    f"{arm.analysed.value} analysed is more than the "
                    f"{arm.randomized.value} randomized to this arm",
                )
    if total is not None and arm_sum > total:
        yield (
            ("population", "randomized"),
            f"the arms' randomized counts add up to {arm_sum}, more than the {total} randomized",
        )
    analysed = study.population.analysed
    if total is not None and analysed is not None and analysed.value > total:
        yield (
            ("population", "analysed"),
            f"{analysed.value} analysed is more than the {total} randomized",
        )
    for i, endpoint in enumerate(study.endpoints):
        for key, result in endpoint.results.items():
            if result.n is not None and result.N is not None and result.n > result.N:
                yield (
                    ("endpoints", i, "results", key, "n"),
                    f"{result.n} people with the event is more than the {result.N} counted",
                )
            yield from _over_100(endpoint, ("endpoints", i, "results", key), result)
    for i, finding in enumerate(study.safety):
        for key, value in finding.arms.items():
            if (
                value.affected is not None
                and value.at_risk is not None
                and value.affected > value.at_risk
            ):
                yield (
                    ("safety", i, "arms", key, "affected"),
                    f"{value.affected} affected is more than the {value.at_risk} at risk",
                )
