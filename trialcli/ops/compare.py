"""`trialcli compare`: one endpoint across studies, as the rows of a forest plot.

Every row is one study's own estimate; pooling is a separate step (ops/pool.py, `--pool`).
Each kind of ratio (rate, hazard, risk, odds) gets its own panel, and differences get one
panel per unit, so different measures are never drawn as if they were one.

A relative reduction is drawn only for a study that reports no ratio for the endpoint: it
is then converted to the ratio it stands for (a 49% reduction is a ratio of 0.51) and
marked as converted. When the study reports a ratio, that measured ratio is drawn, and the
relative reductions are listed as not drawn: the same result twice would look like two.

Endpoints are chosen by selectors: a standard code (`annualized-relapse-rate`), matched in
every study that carries it, or `STUDY:ENDPOINT_ID`, one endpoint of one study (how an
imported study without codes is compared). A chosen endpoint with nothing to draw is
listed with the reason, never dropped: no comparison between arms, no estimate, a measure
that is not drawn beside others, or a comparison whose direction is unknown. A comparison
whose direction is unknown is never drawn: which side of "no effect" favours which arm
would be a guess. One whose direction was inferred from the arms' roles is drawn, marked.
"""

from __future__ import annotations

import math
from collections.abc import Iterable, Sequence
from dataclasses import dataclass, replace
from typing import Literal

from trialcli.formatting import (
    MEASURE_NAMES,
    decimals,
    effect_text,
    number,
    p_text,
    test_words,
    with_interval,
)
from trialcli.model import (
    DIFFERENCE_MEASURES,
    RATIO_MEASURES,
    Comparison,
    Endpoint,
    Measure,
    Study,
    Written,
)
from trialcli.ops.sources import SourceRef, cite
from trialcli.stats import ratio_from_relative_reduction

Scale = Literal["log", "linear"]

# The ratio a relative reduction of each kind of endpoint is a reduction of.
NATURAL_RATIO: dict[str, Measure] = {
    "rate": "rate-ratio",
    "time-to-event": "hazard-ratio",
    "proportion": "risk-ratio",
}
# What an axis 80 columns wide can show: ratios within twelve powers of ten of 1, and
# differences of up to 10^15. An estimate beyond is listed as not drawn; an interval
# running beyond ends in an arrow. (Past these, axis arithmetic overflowed and crashed.)
RATIO_LIMITS = (1e-6, 1e6)
DIFFERENCE_LIMIT = 1e15


@dataclass(frozen=True)
class ForestRow:
    """One study's estimate of one comparison, as drawn."""

    study_id: str
    acronym: str
    endpoint: str
    groups: str  # "Alemtuzumab 12 mg vs IFN beta-1a (Rebif)": whom the estimate compares
    population: str | None  # the comparison's own population text, when it has one
    n_experimental: int | None
    n_comparator: int | None
    measure: Measure
    unit: str | None
    estimate: float
    ci: tuple[float, float] | None
    ci_level: float
    p_value: str | None
    approximate: bool
    converted_from: float | None  # the relative reduction (percent) this ratio is computed from
    source: SourceRef | None
    direction: str = "stated"  # how the order of the groups is known: stated or inferred
    direction_basis: str | None = None  # where from: stated, title, comment, figures, roles
    experimental_first: bool = True  # the first group is an experimental arm, the second not
    # What `--pool` needs to know: which groups in which order.
    endpoint_id: str = ""
    arms: tuple[str, str] = ("", "")
    one_sided: bool = False  # the CI is one-sided as recorded: its width is not 2 × z × SE
    time_frame: str | None = None  # the endpoint's follow-up, as the study file states it
    code: str | None = None  # the endpoint's standard code, when it has one
    better: str | None = None  # "lower" or "higher": which way is better, from the endpoint
    # Events/people in each arm (experimental, comparator) where the endpoint records both.
    counts: tuple[tuple[int, int], tuple[int, int]] | None = None
    test: str = "superiority"  # or `non-inferiority (margin 1.3)`, as formatting.test_words

    @property
    def text(self) -> str:
        """The numeric column: `0.51 (0.39–0.65)`."""
        text = ("~" if self.approximate else "") + with_interval(self.estimate, self.ci)
        if self.ci is not None and self.ci_level != 95:
            text += f" [{number(self.ci_level)}% CI]"
        return text


@dataclass(frozen=True)
class NotDrawn:
    """A chosen endpoint's comparison (or the endpoint itself) that is not on the plot, and why."""

    study_id: str
    acronym: str
    endpoint: str
    measure: Measure | None  # None: the endpoint reports no comparison at all
    groups: str | None
    population: str | None
    n_experimental: int | None
    n_comparator: int | None
    estimate: float | None
    ci: tuple[float, float] | None
    ci_level: float
    p_value: str | None
    what: str  # `relative reduction 49%, p<0.0001`
    reason: str
    source: SourceRef | None
    direction: str | None = None
    direction_basis: str | None = None
    time_frame: str | None = None
    test: str | None = None  # None when no comparison is reported


@dataclass(frozen=True)
class Panel:
    """Rows of one measure on one axis; ratio panels share one log axis."""

    measure: Measure
    unit: str | None
    scale: Scale
    low: float
    high: float
    ticks: tuple[float, ...]
    rows: tuple[ForestRow, ...]

    @property
    def no_effect(self) -> float:
        return 1.0 if self.scale == "log" else 0.0


@dataclass(frozen=True)
class ForestPlot:
    code: str  # the selectors as given: `annualized-relapse-rate`, `nct02422186:primary-1`
    panels: tuple[Panel, ...]
    not_drawn: tuple[NotDrawn, ...]
    without_endpoint: tuple[str, ...]  # acronyms of studies that report no such endpoint

    @property
    def rows(self) -> tuple[ForestRow, ...]:
        return tuple(row for panel in self.panels for row in panel.rows)


def uses_drug(study: Study, name: str) -> bool:
    """Whether any arm gives the drug, by its name or brand, ignoring case."""
    wanted = name.casefold().strip()
    return any(
        wanted in {i.drug.casefold(), (i.brand or "").casefold()}
        for arm in study.arms
        for i in arm.interventions
    )


def endpoint_codes(studies: Iterable[Study]) -> list[str]:
    return sorted({e.code for s in studies for e in s.endpoints if e.code})


@dataclass(frozen=True)
class Selection:
    """Which endpoints to draw: codes in every study, and single endpoints by study id."""

    codes: tuple[str, ...] = ()
    endpoints: tuple[tuple[str, str], ...] = ()  # (study id, endpoint id)

    @property
    def label(self) -> str:
        return ", ".join([*self.codes, *(f"{s}:{e}" for s, e in self.endpoints)])

    def chosen(self, study: Study) -> list[Endpoint]:
        wanted = {e for s, e in self.endpoints if s == study.id}
        return [e for e in study.endpoints if e.code in self.codes or e.id in wanted]


def split_selector(selector: str) -> tuple[str | None, str]:
    """`care-ms-ii:arr` → (`care-ms-ii`, `arr`); a bare code → (None, code).

    The last colon divides: endpoint ids and codes have none, a study's path may.
    """
    study, colon, endpoint = selector.rpartition(":")
    if not colon:
        return None, selector
    return study, endpoint


def missing_endpoints(studies: Sequence[Study], selection: Selection) -> list[str]:
    """What a selection asks for and no study has, each as a message naming what there is."""
    problems = []
    for code in selection.codes:
        if not any(e.code == code for s in studies for e in s.endpoints):
            codes = ", ".join(endpoint_codes(studies)) or "none"
            problems.append(
                f"no endpoint with code '{code}' in these studies; their codes: {codes} "
                "(or choose one endpoint as STUDY:ENDPOINT_ID)"
            )
    by_id = {s.id: s for s in studies}
    for study_id, endpoint_id in selection.endpoints:
        study = by_id[study_id]
        if not any(e.id == endpoint_id for e in study.endpoints):
            ids = ", ".join(e.id for e in study.endpoints) or "none"
            problems.append(f"{study_id} has no endpoint '{endpoint_id}'; its endpoints: {ids}")
    return problems


def compare_studies(studies: Sequence[Study], selection: str | Selection) -> ForestPlot:
    if isinstance(selection, str):
        selection = Selection(codes=(selection,))
    rows: list[ForestRow] = []
    not_drawn: list[NotDrawn] = []
    without: list[str] = []
    for study in studies:
        endpoints = selection.chosen(study)
        if not endpoints:
            without.append(study.acronym)
            continue
        drawn, skipped = _study_rows(study, endpoints)
        rows += drawn
        not_drawn += skipped
    return ForestPlot(selection.label, tuple(_panels(rows)), tuple(not_drawn), tuple(without))


def group_size(study: Study, group_id: str) -> int | None:
    """People in an arm as analysed (else as randomized), or a pooled group's n."""
    arm = study.arm(group_id)
    if arm is not None:
        count = arm.analysed or arm.randomized
        return count.value if count else None
    pooled = next((p for p in study.pooled_arms if p.id == group_id), None)
    return pooled.n if pooled else None


def _groups(study: Study, comparison: Comparison) -> str:
    experimental, comparator = comparison.arms
    return f"{study.group_label(experimental)} vs {study.group_label(comparator)}"


def _study_rows(study: Study, endpoints: list[Endpoint]) -> tuple[list[ForestRow], list[NotDrawn]]:
    pairs = [(e, c) for e in endpoints for c in e.comparisons]
    ratio_arms = {
        c.arms for _, c in pairs if c.measure in RATIO_MEASURES and c.estimate is not None
    }
    ratio_names = sorted(
        {c.measure.replace("-", " ") for _, c in pairs if c.measure in RATIO_MEASURES}
    )
    drawn: list[ForestRow] = []
    skipped: list[NotDrawn] = []

    def skip(endpoint: Endpoint, comparison: Comparison, reason: str) -> None:
        if comparison.estimate is None:
            what = "no estimate"
        elif comparison.measure in MEASURE_NAMES:
            what = effect_text(comparison)
        else:  # a measure this version has no words for: its own name and numbers
            estimate = with_interval(comparison.estimate, comparison.ci)
            what = f"{comparison.measure.replace('-', ' ')} {estimate}"
        p = p_text(comparison.p_value)
        experimental, comparator = comparison.arms
        skipped.append(
            NotDrawn(
                study_id=study.id,
                acronym=study.acronym,
                endpoint=endpoint.name,
                measure=comparison.measure,
                groups=_groups(study, comparison),
                population=comparison.population,
                n_experimental=group_size(study, experimental),
                n_comparator=group_size(study, comparator),
                estimate=comparison.estimate,
                ci=comparison.ci,
                ci_level=comparison.ci_level,
                p_value=comparison.p_value,
                what=f"{what}, {p}" if p else what,
                reason=reason,
                source=cite(study, comparison, endpoint),
                direction=comparison.direction,
                direction_basis=comparison.direction_basis,
                time_frame=endpoint.time_frame,
                test=test_words(comparison),
            )
        )

    for endpoint in endpoints:
        if not endpoint.comparisons:
            skipped.append(_uncompared(study, endpoint))
    for endpoint, comparison in pairs:
        estimate, ci = comparison.estimate, comparison.ci
        if estimate is None:
            skip(endpoint, comparison, "no estimate reported")
        elif not all(math.isfinite(v) for v in (estimate, *(ci or ()))):
            skip(endpoint, comparison, "an infinite or undefined number cannot be drawn")
        elif comparison.measure == "other":
            skip(endpoint, comparison, "a measure with no known scale or null, not drawn")
        elif comparison.measure in RATIO_MEASURES and comparison.unit == "%":
            skip(endpoint, comparison, "a ratio given in percent, not drawn on a ratio axis")
        elif comparison.direction == "unknown":
            skip(
                endpoint,
                comparison,
                "direction unknown: the source does not say which group is first, so the "
                "side of no effect it falls on cannot be read",
            )
        elif comparison.measure != "relative-reduction":
            row = _row(study, endpoint, comparison, comparison.measure, estimate, ci)
            if _drawable(row.measure, row.estimate):
                drawn.append(row)
            else:
                skip(endpoint, comparison, _OFF_AXIS[row.measure in RATIO_MEASURES])
        elif comparison.arms in ratio_arms:
            skip(endpoint, comparison, "the study reports the ratio itself, drawn instead")
        elif ratio_arms:
            skip(
                endpoint,
                comparison,
                f"not converted: the study reports a {' and '.join(ratio_names)} for other "
                "groups, and which ratio this reduction is of is not stated",
            )
        elif endpoint.kind not in NATURAL_RATIO:
            skip(endpoint, comparison, f"a {endpoint.kind} endpoint has no ratio to convert to")
        elif max([estimate, *(ci or ())]) >= 100:
            skip(endpoint, comparison, "a reduction of 100% is a ratio of 0, off a log scale")
        else:
            # A reduction's upper limit is the ratio's lower limit.
            ratio_ci = (_converted(ci[1]), _converted(ci[0])) if ci is not None else None
            natural = NATURAL_RATIO[endpoint.kind]
            row = _row(study, endpoint, comparison, natural, _converted(estimate), ratio_ci)
            if _drawable(natural, row.estimate):
                drawn.append(replace(row, unit=None, converted_from=estimate))
            else:
                skip(endpoint, comparison, _OFF_AXIS[True])
    return drawn, skipped


def _uncompared(study: Study, endpoint: Endpoint) -> NotDrawn:
    """A chosen endpoint with no comparison between arms: listed, so it does not vanish."""
    if endpoint.results:
        count = len(endpoint.results)
        what = f"results for {count} group{'' if count == 1 else 's'}"
        reason = "no comparison between groups is reported"
    else:
        what, reason = "no results", "no results or comparison reported"
    return NotDrawn(
        study_id=study.id,
        acronym=study.acronym,
        endpoint=endpoint.name,
        measure=None,
        groups=None,
        population=endpoint.population,
        n_experimental=None,
        n_comparator=None,
        estimate=None,
        ci=None,
        ci_level=95,
        p_value=None,
        what=what,
        reason=reason,
        source=cite(study, endpoint),
        time_frame=endpoint.time_frame,
    )


_OFF_AXIS = {
    True: f"a ratio beyond {number(RATIO_LIMITS[0], 6)} to {RATIO_LIMITS[1]:,.0f} cannot be drawn",
    False: f"a difference beyond ±10^{math.log10(DIFFERENCE_LIMIT):.0f} cannot be drawn",
}


def _drawable(measure: Measure, value: float) -> bool:
    if measure in RATIO_MEASURES:
        return RATIO_LIMITS[0] <= value <= RATIO_LIMITS[1]
    return abs(value) <= DIFFERENCE_LIMIT


def _converted(pct: float) -> float:
    """The ratio a reduction stands for, to the precision the reduction was printed with."""
    places = decimals(pct) + 2
    return Written(round(ratio_from_relative_reduction(pct), places), places)


def _row(
    study: Study,
    endpoint: Endpoint,
    comparison: Comparison,
    measure: Measure,
    estimate: float,
    ci: tuple[float, float] | None,
) -> ForestRow:
    experimental, comparator = comparison.arms
    return ForestRow(
        study_id=study.id,
        acronym=study.acronym,
        endpoint=endpoint.name,
        groups=_groups(study, comparison),
        population=comparison.population,
        n_experimental=group_size(study, experimental),
        n_comparator=group_size(study, comparator),
        measure=measure,
        unit=comparison.unit,
        estimate=estimate,
        ci=ci,
        ci_level=comparison.ci_level,
        p_value=comparison.p_value,
        approximate=comparison.approximate,
        converted_from=None,
        source=cite(study, comparison, endpoint),
        direction=comparison.direction,
        direction_basis=comparison.direction_basis,
        time_frame=endpoint.time_frame,
        test=test_words(comparison),
        experimental_first=(
            study.group_role(experimental) == "experimental"
            and study.group_role(comparator) != "experimental"
        ),
        endpoint_id=endpoint.id,
        arms=comparison.arms,
        one_sided=comparison.ci_sides == "one-sided",
        code=endpoint.code,
        better=endpoint.better,
        counts=_counts(endpoint, comparison.arms),
    )


def _counts(
    endpoint: Endpoint, arms: tuple[str, str]
) -> tuple[tuple[int, int], tuple[int, int]] | None:
    if endpoint.kind in {"rate", "continuous"}:
        return None
    a, b = (endpoint.results.get(group) for group in arms)
    if a is None or b is None or a.n is None or b.n is None or not a.N or not b.N:
        return None
    return (int(a.n), int(a.N)), (int(b.n), int(b.N))


def _panels(rows: list[ForestRow]) -> list[Panel]:
    ratios = [r for r in rows if r.measure in RATIO_MEASURES]
    panels: list[Panel] = []
    if ratios:
        low, high, ticks = log_axis(_values(ratios))
        for measure in RATIO_MEASURES:
            members = tuple(r for r in ratios if r.measure == measure)
            if members:
                panels.append(Panel(measure, None, "log", low, high, ticks, members))
    differences = [r for r in rows if r.measure in DIFFERENCE_MEASURES]
    for measure, unit in dict.fromkeys((r.measure, r.unit) for r in differences):
        members = tuple(r for r in differences if (r.measure, r.unit) == (measure, unit))
        low, high, ticks = linear_axis(_values(members))
        panels.append(Panel(measure, unit, "linear", low, high, ticks, members))
    return panels


def _values(rows: Iterable[ForestRow]) -> list[float]:
    """What the axis must show: every estimate, and the limits that can be drawn."""
    return [v for r in rows for v in (r.estimate, *(r.ci or ())) if _drawable(r.measure, v)]


def _log_stops(low: float, high: float) -> list[float]:
    """1, 2 and 5 times the powers of ten that cover low..high."""
    first, last = math.floor(math.log10(low)), math.ceil(math.log10(high))
    return [m * 10.0**k for k in range(first, last + 1) for m in (1, 2, 5)]


def log_axis(values: Sequence[float]) -> tuple[float, float, tuple[float, ...]]:
    """A log axis from a 1-2-5 stop below every value to one above, always showing 1."""
    positive = [v for v in values if v > 0] or [1.0]
    smallest, largest = min(*positive, 1.0), max(*positive, 1.0)
    stops = _log_stops(smallest / 1.1, largest * 1.1)
    low = max(s for s in stops if s <= smallest / 1.1)
    high = min(s for s in stops if s >= largest * 1.1)
    return low, high, tuple(s for s in stops if low <= s <= high)


def linear_axis(values: Sequence[float]) -> tuple[float, float, tuple[float, ...]]:
    """A linear axis on round steps (1, 2 or 5 times a power of ten), always showing 0."""
    smallest, largest = min(*values, 0.0), max(*values, 0.0)
    span = largest - smallest or 1.0
    power = 10.0 ** math.floor(math.log10(span / 4))
    step = next(m * power for m in (1, 2, 5, 10) if span / (m * power) <= 5)
    # Rounded to 10 places so that 3 × 0.1 prints as 0.3, not 0.30000000000000004.
    low = round(math.floor(smallest / step + 1e-9) * step, 10)
    high = round(math.ceil(largest / step - 1e-9) * step, 10)
    count = round((high - low) / step)
    return low, high, tuple(round(low + i * step, 10) for i in range(count + 1))
