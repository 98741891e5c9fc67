"""Counts of people: the arms against the totals, each figure's denominator against
its group, the participant flow's sums."""

from __future__ import annotations

from collections.abc import Iterator
from dataclasses import dataclass

from trialcli.model import Count, PooledArms, Study
from trialcli.ops.audit.core import Check, Part, Stated, count_figure, finding_name, record_of
from trialcli.ops.audit.explained import (
    as_treated,
    later_period,
    lead_in_and_randomized,
    named_periods,
    quoted,
    treated_milestone,
)


def arm_sizes(study: Study) -> Iterator[Check]:
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
            parts += [" + " if k else "", count_figure(study, ("arms", i, field), count, arm)]
        parts += [
            f" = {arm_sum:,} vs ",
            count_figure(study, ("population", field), total, population),
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
                count_figure(study, ("arms", a, "randomized"), arm.randomized, arm),
            ]
        ok = pooled.n <= member_sum
        yield Check(
            "arm-sizes",
            (
                f"{pooled.label}: n=",
                record_of(study, ("pooled_arms", i), pooled).says(f"{pooled.n:,}", "n"),
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
                    figure = count_figure(study, ("arms", i, field), count, arm)
                    return count.value, f"{field} in this arm", figure
            if arm.kind == "treatment" and study.population.randomized is not None:
                # A crossover's treatment: at most everyone randomized, whatever the sequence.
                total = study.population.randomized
                figure = count_figure(study, ("population", "randomized"), total, study.population)
                return total.value, "randomized in the study (a treatment of the crossover)", figure
            return None
    for i, pooled in enumerate(study.pooled_arms):
        if pooled.id == key and pooled.n is not None:
            figure = record_of(study, ("pooled_arms", i), pooled).says(f"{pooled.n:,}", "n")
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
    figure = count_figure(study, ("arms", first, "randomized"), arm.randomized, arm)
    rest = " + ".join(f"{c.value:,}" for c in counts[1:])
    return total, f"+ {rest} = {total:,} randomized in its arms (a pooled group)", figure


@dataclass(frozen=True)
class _Counted:
    """People a figure counts in one group, and the record's words on who they are."""

    name: str
    key: str
    figure: Stated
    value: int
    words: str
    whole: tuple[str, int]  # the endpoint or harm: its groups' counts are read together


def _counted(study: Study) -> list[_Counted]:
    counted: list[_Counted] = []
    for i, endpoint in enumerate(study.endpoints):
        words = " ".join(filter(None, (endpoint.name, endpoint.population, endpoint.time_frame)))
        for key, result in endpoint.results.items():
            if result.N is not None:
                record = record_of(study, ("endpoints", i, "results", key), result, endpoint)
                figure = record.says(f"{result.N:,}", "N")
                counted.append(_Counted(endpoint.name, key, figure, result.N, words, ("e", i)))
    for i, finding in enumerate(study.safety):
        words = " ".join(filter(None, (finding.term, finding.population, finding.note)))
        for key, arm in finding.arms.items():
            if arm.at_risk is not None:
                record = record_of(study, ("safety", i, "arms", key), arm, finding)
                figure = record.says(f"{arm.at_risk:,}", "at_risk")
                name = finding_name(finding)
                counted.append(_Counted(name, key, figure, arm.at_risk, words, ("s", i)))
    return counted


def denominators(study: Study) -> Iterator[Check]:
    """People counted for a figure against the size of its arm or pooled group, unless the
    record's own words say whom the figure counts (see explained.py): then the check passes
    and says which words it read."""
    counted = _counted(study)
    wholes: dict[tuple[str, int], list[_Counted]] = {}
    for item in counted:
        wholes.setdefault(item.whole, []).append(item)
    # A figure that counts more people than its arm holds warns once per arm and count:
    # one cause (say, an analysis population wider than those who started) otherwise
    # repeats in every measure of the record; another count in that arm is another cause.
    over: dict[tuple[str, str, int], list[tuple[_Counted, int, Stated]]] = {}
    for item in counted:
        size = _group_size(study, item.key)
        if size is None:
            continue
        total, words, stated = size
        head: tuple[Part, ...] = (
            f"{item.name}, {study.group_label(item.key)}: ",
            item.figure,
            " counted vs ",
            stated,
            f" {words}",
        )
        if item.value <= total:
            yield Check("denominator", head, True)
            continue
        reason = _explained(study, item, wholes[item.whole])
        if reason is not None:
            more = f": {item.value - total:,} more, which the record explains: {reason}"
            yield Check("denominator", (*head, more), True)
        else:
            over.setdefault((item.key, words, item.value), []).append((item, total, stated))
    for (key, words, value), found in over.items():
        item, total, stated = found[0]
        words += f": {value - total:,} more"
        if words.startswith("analysed"):
            words += " — does it count a different analysis population?"
        others = len(found) - 1
        s = "s" if others > 1 else ""
        tail = f" (and {others} more figure{s} of this arm)" if others else ""
        yield Check(
            "denominator",
            (
                f"{item.name}, {study.group_label(key)}: ",
                item.figure,
                " counted vs ",
                stated,
                f" {words}{tail}",
            ),
            False,
        )


def _explained(study: Study, item: _Counted, whole: list[_Counted]) -> str | None:
    """Why the record says a figure counts more people than its group holds, if it does."""
    period = named_periods(study, item.key, item.words)
    if period is not None and item.value <= period.people:
        return f"it counts the {period.words}"
    later = later_period(study, item.key, item.value)
    if later is not None:
        return f"it is within the {later.words}"
    treated = treated_milestone(study, item.key, item.value)
    if treated is not None:
        return f"it is within the {treated.words}"
    both = lead_in_and_randomized(study, item.key, item.value)
    if both is not None:
        return f"it is within the {both.words}"
    return _as_treated_total(study, item, whole)


def _as_treated_total(study: Study, item: _Counted, whole: list[_Counted]) -> str | None:
    """A measure whose stated population counts people by the treatment they received may
    count in one arm people randomized to another: then its arms together are checked
    against everyone randomized, not each arm against its own."""
    words = as_treated(item.words)
    randomized = study.population.randomized
    arms = {arm.id: arm for arm in study.arms}
    if words is None or randomized is None:
        return None
    if any(arms.get(c.key) is None or arms[c.key].kind == "treatment" for c in whole):
        return None  # pooled groups or a crossover's treatments overlap: no sum to check
    together = sum(c.value for c in whole)
    if together > randomized.value:
        return None
    return (
        f"its population is as treated ({quoted(words)}), so an arm may count people "
        f"randomized to another; its groups together count {together:,} of the "
        f"{randomized.value:,} randomized"
    )


def flow_sums(study: Study) -> Iterator[Check]:
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
