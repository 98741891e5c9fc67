"""Participant flow as CONSORT draws it: enrolment, allocation, follow-up, analysis.

Plain data for the renderers. Every number keeps the source it cites; a number the file
does not give is None ("not reported"), never 0. Where the source's totals do not add up
(started ≠ completed + not completed, not completed ≠ the sum of its reasons, assessed ≠
excluded + randomized), the sum is kept as a `FlowSum` that is not `ok`: the diagram shows
a ⚠ next to it and the consistency audit lists it as a warning.
"""

from __future__ import annotations

from collections.abc import Iterator
from dataclasses import dataclass, replace

from trialcli.crosscheck import Loc
from trialcli.formatting import intake_word
from trialcli.model import Count, FlowPeriod, Sourced, Study


@dataclass(frozen=True)
class Number:
    """A count as the file states it, with its source id and where it is written."""

    value: int
    source: str | None
    loc: Loc


@dataclass(frozen=True)
class FlowSum:
    """A stated total against the sum of the parts the source gives for it."""

    context: str  # e.g. "Overall Study, Placebo"
    total_name: str  # e.g. "started"
    total: Number
    part_names: tuple[str, ...]
    parts: tuple[Number, ...]
    # True when the parts are all there is (an equality), false when only some are listed.
    complete: bool

    @property
    def added(self) -> int:
        return sum(part.value for part in self.parts)

    @property
    def ok(self) -> bool:
        if self.complete:
            return self.added == self.total.value
        return self.added <= self.total.value

    @property
    def text(self) -> str:
        """The sum in words, e.g. "started 79 ≠ completed 70 + not completed 8 = 78"."""
        parts = " + ".join(
            f"{n} {p.value:,}" for n, p in zip(self.part_names, self.parts, strict=True)
        )
        relation = ("=" if self.ok else "≠") if self.complete else ("≥" if self.ok else "<")
        return f"{self.total_name} {self.total.value:,} {relation} {parts} = {self.added:,}"


@dataclass(frozen=True)
class ArmStage:
    """One arm in one period of follow-up."""

    arm_id: str
    label: str
    started: Number | None
    milestones: tuple[tuple[str, Number | None], ...]
    completed: Number | None
    not_completed: Number | None
    reasons: tuple[tuple[str, Number], ...]
    all_reasons: bool
    sums: tuple[FlowSum, ...]


@dataclass(frozen=True)
class PeriodFlow:
    title: str
    arms: tuple[ArmStage, ...]


@dataclass(frozen=True)
class ByMeasure:
    """An arm's analysed count as its outcome measures give it (each one's `N`), when the
    file states none: one figure, or the range of them where measures differ."""

    low: int
    high: int
    measures: int  # how many of the arm's results give a denominator
    sources: tuple[str, ...]  # the sources those results cite


@dataclass(frozen=True)
class ArmCount:
    arm_id: str
    label: str
    count: Number | None
    by_measure: ByMeasure | None = None  # only where `count` is None: never over a stated one


@dataclass(frozen=True)
class CitedSource:
    number: int  # its [n] in `show`
    id: str
    citation: str
    url: str | None


@dataclass(frozen=True)
class FlowResult:
    study_id: str
    acronym: str
    reported: bool  # false: the file has no `flow:` section
    assessed: Number | None
    excluded: Number | None
    exclusion_reasons: tuple[tuple[str, Number], ...]
    randomized: Number | None
    allocated: tuple[ArmCount, ...]
    periods: tuple[PeriodFlow, ...]
    analysed: tuple[ArmCount, ...]
    sums: tuple[FlowSum, ...]  # every sum, periods' included
    note: str | None
    sources: tuple[CitedSource, ...] = ()  # the sources its numbers cite, in `show` order
    intake: str = "randomized"  # or "enrolled": formatting.intake_word

    @property
    def warnings(self) -> tuple[FlowSum, ...]:
        return tuple(s for s in self.sums if not s.ok)

    def numbers(self) -> Iterator[Number]:
        """Every count the diagram shows."""
        for one in (self.assessed, self.excluded, self.randomized):
            if one is not None:
                yield one
        yield from (n for _, n in self.exclusion_reasons)
        for arm in (*self.allocated, *self.analysed):
            if arm.count is not None:
                yield arm.count
        for period in self.periods:
            for stage in period.arms:
                every = (stage.started, stage.completed, stage.not_completed)
                yield from (n for n in every if n is not None)
                yield from (n for _, n in stage.milestones if n is not None)
                yield from (n for _, n in stage.reasons)


def _number(study: Study, loc: Loc, count: Count | None, *parents: Sourced) -> Number | None:
    if count is None:
        return None
    return Number(count.value, study.cited_source(count, *parents), loc)


def _analysed(study: Study, arm: ArmCount) -> ArmCount:
    """A stated analysed count wins; without one, the denominators the arm's results give
    (a registry's measures each state theirs). None stays None: nothing is invented."""
    if arm.count is not None:
        return arm
    found = [
        (result.N, study.cited_source(result, endpoint))
        for endpoint in study.endpoints
        if (result := endpoint.results.get(arm.arm_id)) is not None and result.N is not None
    ]
    if not found:
        return arm
    values = [n for n, _ in found]
    sources = tuple(dict.fromkeys(s for _, s in found if s is not None))
    return replace(arm, by_measure=ByMeasure(min(values), max(values), len(values), sources))


def study_flow(study: Study) -> FlowResult:
    result = _flow(study)
    cited = {n.source for n in result.numbers()}
    cited |= {s for a in result.analysed if a.by_measure for s in a.by_measure.sources}
    sources = tuple(
        CitedSource(i, s.id, s.citation, s.url)
        for i, s in enumerate(study.sources, start=1)
        if s.id in cited
    )
    return replace(result, sources=sources)


def _flow(study: Study) -> FlowResult:
    flow = study.flow
    population = study.population
    randomized = _number(study, ("population", "randomized"), population.randomized, population)
    allocated = tuple(
        ArmCount(a.id, a.label, _number(study, ("arms", i, "randomized"), a.randomized, a))
        for i, a in enumerate(study.arms)
    )
    analysed = tuple(
        _analysed(
            study, ArmCount(a.id, a.label, _number(study, ("arms", i, "analysed"), a.analysed, a))
        )
        for i, a in enumerate(study.arms)
    )
    if flow is None:
        return FlowResult(
            study.id,
            study.acronym,
            False,
            None,
            None,
            (),
            randomized,
            allocated,
            (),
            analysed,
            (),
            None,
            intake=intake_word(study.design),
        )
    assessed = _number(study, ("flow", "assessed"), flow.assessed, flow)
    excluded = _number(study, ("flow", "excluded"), flow.excluded, flow)
    reasons = tuple(
        (
            r.reason,
            Number(
                r.count.value,
                study.cited_source(r.count, r, flow),
                ("flow", "exclusion_reasons", i, "count"),
            ),
        )
        for i, r in enumerate(flow.exclusion_reasons)
    )
    sums: list[FlowSum] = []
    if assessed is not None and excluded is not None and randomized is not None:
        sums.append(
            FlowSum(
                "Enrolment",
                "assessed",
                assessed,
                ("excluded", "randomized"),
                (excluded, randomized),
                True,
            )
        )
    if excluded is not None and reasons:
        sums.append(
            FlowSum(
                "Enrolment",
                "excluded",
                excluded,
                tuple(r for r, _ in reasons),
                tuple(n for _, n in reasons),
                True,
            )
        )
    periods = tuple(_period(study, p, period) for p, period in enumerate(flow.periods))
    for period in periods:
        for arm in period.arms:
            sums += arm.sums
    return FlowResult(
        study.id,
        study.acronym,
        True,
        assessed,
        excluded,
        reasons,
        randomized,
        allocated,
        periods,
        analysed,
        tuple(sums),
        flow.note,
        intake=intake_word(study.design),
    )


def _period_arm_ids(study: Study, period: FlowPeriod) -> list[str]:
    """The study's arms first, in order, then any other group the period counts."""
    keys: dict[str, None] = {}
    every = [period.started, period.completed, period.not_completed]
    every += [m.arms for m in period.milestones] + [r.arms for r in period.reasons]
    for counts in every:
        keys.update(dict.fromkeys(counts))
    ordered = [a.id for a in study.arms if a.id in keys]
    return ordered + [k for k in keys if k not in ordered]


def _period(study: Study, p: int, period: FlowPeriod) -> PeriodFlow:
    flow = study.flow
    assert flow is not None
    at: Loc = ("flow", "periods", p)
    arms: list[ArmStage] = []
    for key in _period_arm_ids(study, period):

        def stated(loc: Loc, count: Count | None, *parents: Sourced) -> Number | None:
            return _number(study, (*at, *loc), count, *parents, period, flow)

        started, completed, not_completed = (
            stated((field, key), getattr(period, field).get(key))
            for field in ("started", "completed", "not_completed")
        )
        milestones = tuple(
            (m.label, stated(("milestones", j, "arms", key), m.arms.get(key), m))
            for j, m in enumerate(period.milestones)
        )
        given = (
            (r.reason, stated(("reasons", j, "arms", key), r.arms.get(key), r))
            for j, r in enumerate(period.reasons)
        )
        reasons = tuple((reason, n) for reason, n in given if n is not None)
        label = study.group_label(key)
        context = f"{period.title}, {label}"
        sums = list(_arm_sums(context, started, completed, not_completed))
        if not_completed is not None and reasons:
            sums.append(
                FlowSum(
                    context,
                    "not completed",
                    not_completed,
                    tuple(r for r, _ in reasons),
                    tuple(n for _, n in reasons),
                    period.all_reasons,
                )
            )
        arms.append(
            ArmStage(
                key,
                label,
                started,
                milestones,
                completed,
                not_completed,
                reasons,
                period.all_reasons,
                tuple(sums),
            )
        )
    return PeriodFlow(period.title, tuple(arms))


def _arm_sums(
    context: str, started: Number | None, completed: Number | None, not_completed: Number | None
) -> Iterator[FlowSum]:
    if started is not None and completed is not None and not_completed is not None:
        yield FlowSum(
            context,
            "started",
            started,
            ("completed", "not completed"),
            (completed, not_completed),
            True,
        )
    elif started is not None and completed is not None:
        # Without the number who did not complete, at least no more can complete than started.
        yield FlowSum(context, "started", started, ("completed",), (completed,), False)
