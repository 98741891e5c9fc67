"""Counts of people: the arms against the totals, each figure's denominator against
its group, the participant flow's sums."""

from __future__ import annotations

from collections.abc import Iterator

from trialcli.model import Count, PooledArms, Study
from trialcli.ops.audit.core import Check, Part, Stated, count_figure, finding_name, record_of


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


def denominators(study: Study) -> Iterator[Check]:
    """People counted for a figure against the size of its arm or pooled group."""
    counted: list[tuple[str, str, Stated, int]] = []
    for i, endpoint in enumerate(study.endpoints):
        for key, result in endpoint.results.items():
            if result.N is not None:
                record = record_of(study, ("endpoints", i, "results", key), result, endpoint)
                counted.append((endpoint.name, key, record.says(f"{result.N:,}", "N"), result.N))
    for i, finding in enumerate(study.safety):
        for key, arm in finding.arms.items():
            if arm.at_risk is not None:
                record = record_of(study, ("safety", i, "arms", key), arm, finding)
                figure = record.says(f"{arm.at_risk:,}", "at_risk")
                counted.append((finding_name(finding), key, figure, arm.at_risk))
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
