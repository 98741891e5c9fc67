"""What `show` says about one study, computed once: every fact with the words that make it true.

A figure without "serious", without "12 + 24 mg pooled", without its direction or its time
frame is a different claim. So each fact carries its qualifiers: the group it counts (in
words, as the study file labels it: "Alemtuzumab 12 mg", "Alemtuzumab 12 + 24 mg pooled",
"Alemtuzumab, dose not stated"), serious or not, population, time frame, how the direction
of a comparison is known, the test (superiority, non-inferiority with its margin,
equivalence), whether trialcli computed it, and its source as the page numbers it (`[n]`).

Every format of `show` renders a `Page` and nothing else: the first screen, `--full`,
`--section`, json, csv, markdown and html (and its figures). Pure: no Rich, no I/O.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass, replace
from functools import cached_property
from typing import Literal, TypedDict

from trialcli.formatting import (
    COMPUTED,
    DIRECTION_WORDS,
    comparison_text,
    points_text,
    result_text,
    safety_text,
    source_mark,
    spread_text,
    test_words,
)
from trialcli.model import ArmResult, Comparison, Endpoint, SafetyFinding, Study
from trialcli.ops.audit import Audit, Check
from trialcli.ops.compare import ForestPlot, Selection, compare_studies
from trialcli.ops.effects import AbsoluteEffect, NotComputed, absolute_effects, not_computed
from trialcli.ops.flow import FlowResult, study_flow
from trialcli.ops.glance import HARMS_ORDER, Glance, glance
from trialcli.ops.keys import SafetySort
from trialcli.ops.safety import (
    Filters,
    HarmsScope,
    SafetyRow,
    SafetyTable,
    finding_rows,
    harms_scope,
    safety_table,
)
from trialcli.ops.summary import (
    PrimaryCount,
    Verdict,
    count_primary_measures,
    endpoint_verdict,
    plain_summary,
)

FactKind = Literal["result", "comparison", "effect", "harm", "harm-difference"]

# The qualifiers every format carries for a fact (the cross-format test walks these).
QUALIFIERS = (
    "group",
    "serious",
    "population",
    "time_frame",
    "direction",
    "test",
    "computed",
    "source",
)


@dataclass(frozen=True)
class Fact:
    """One figure on the page, with what makes it the claim it is."""

    kind: FactKind
    subject_id: str  # the endpoint's id, or `safety-N` (N: the finding's place, from 0)
    subject: str  # the endpoint's name or the harm's term
    level: str | None  # primary, secondary…; None for a harm
    group: str  # words: "Alemtuzumab 12 mg", "Alemtuzumab 12 mg vs IFN beta-1a (Rebif)"
    group_ids: str  # "alem12", "alem12 vs ifn"
    serious: bool | None  # a harm: True when only serious events count; None elsewhere
    population: str | None
    time_frame: str | None
    direction: str | None  # a comparison: stated, inferred or unknown
    test: str | None  # "superiority", "non-inferiority (margin 1.3)", "equivalence (…)"
    computed: bool  # trialcli's arithmetic, not the source's
    source: int | None  # the `[n]` of the page's numbered source list
    source_id: str | None
    text: str  # the figure in the words every format prints
    measure: str | None = None
    value: float | None = None
    unit: str | None = None
    ci_lower: float | None = None
    ci_upper: float | None = None
    ci_level: float | None = None
    n: int | None = None
    N: int | None = None
    p_value: str | None = None
    approximate: bool = False
    met: bool | None = None
    verdict: str | None = None
    fatal: int | None = None  # a harm's deaths, beside people affected (`6 (2.8%), 1 fatal`)
    statistic: str | None = None  # a result: mean, median, least-squares-mean, …
    spread: str | None = None  # a result's spread in words: "SD 1.1", "IQR 8–15"
    adjusted_for: str | None = None  # a comparison's covariates, in its source's words
    stratified_by: str | None = None
    harm_rank: int | None = None  # a harm's place in the first screen's order (HARMS_ORDER)

    @property
    def mark(self) -> str:
        return f" {source_mark(self.source)}" if self.source is not None else ""

    @property
    def qualifier_words(self) -> str:
        """The qualifiers in words, as every format prints them beside the figure."""
        parts = [self.group]
        if self.serious:
            parts.append("serious")
        if self.fatal:
            parts.append(f"{self.fatal} fatal")
        if self.direction and DIRECTION_WORDS[self.direction]:
            parts.append(DIRECTION_WORDS[self.direction])
        if self.test and self.test != "superiority":
            parts.append(self.test)
        if self.adjusted_for:
            parts.append(f"adjusted for {self.adjusted_for}")
        if self.stratified_by:
            parts.append(f"stratified by {self.stratified_by}")
        if self.computed:
            parts.append(COMPUTED)
        return "; ".join(parts)


@dataclass(frozen=True)
class NumberedSource:
    number: int
    id: str
    citation: str
    url: str | None


@dataclass(frozen=True)
class Warning:
    number: int
    text: str  # every figure followed by its `[n]` in the page's source list
    acknowledged: bool


@dataclass(frozen=True)
class HarmRow:
    """One finding as the harms table of a document lists it."""

    index: int
    term: str
    serious: bool
    summary: bool
    population: str | None
    figures: tuple[Fact, ...]  # one per group, each naming its group in words
    differences: tuple[Fact, ...]  # computed, experimental − comparator
    rank: int | None = None  # its term's place in HARMS_ORDER; None for a summary item


@dataclass(frozen=True)
class RankedHarm:
    """One term in the first screen's order (HARMS_ORDER), with what ranked it."""

    rank: int
    term: str
    findings: tuple[int, ...]  # the findings' places in the file (`safety-N`)
    serious: bool  # serious or fatal
    excess_points: float | None  # the largest excess over the comparator (computed)
    highest_incidence: float | None  # percent, the highest of its rows


@dataclass(frozen=True)
class HarmsOrder:
    rule: str
    ranked: tuple[RankedHarm, ...]


@dataclass(frozen=True)
class Figure:
    """One forest plot per endpoint: its title is the endpoint's name, never a selector."""

    title: str
    plot: ForestPlot


@dataclass(frozen=True)
class Page:
    study: Study
    audit: Audit
    effects: tuple[AbsoluteEffect, ...]
    not_computed: tuple[NotComputed, ...]  # groups no effect is computed with, and why
    facts: tuple[Fact, ...]
    sources: tuple[NumberedSource, ...]
    primaries: PrimaryCount  # counted as measures, as the plain words count them
    summary: str
    summary_brief: str
    warnings: tuple[Warning, ...]
    harms: tuple[HarmRow, ...]
    glance: Glance
    verdicts: dict[str, Verdict]  # by endpoint id, as the sources state them
    harms_listed: HarmsScope  # what the list of harms is, and where the whole list lives
    harms_order: HarmsOrder  # how the harms are ranked, and each term's rank

    # What only the document draws (its figures), computed when first asked for.
    @cached_property
    def safety(self) -> SafetyTable:
        return safety_table(self.study, Filters(), SafetySort.difference)

    @cached_property
    def flow(self) -> FlowResult:
        return study_flow(self.study)

    @cached_property
    def forests(self) -> tuple[Figure, ...]:
        return tuple(_forests(self.study))

    def endpoint_facts(self, endpoint_id: str) -> list[Fact]:
        return [f for f in self.facts if f.subject_id == endpoint_id]

    def endpoint_name(self, endpoint_id: str) -> str:
        return next((e.name for e in self.study.endpoints if e.id == endpoint_id), endpoint_id)


def build_page(study: Study, audit: Audit) -> Page:
    numbers = study.source_numbers
    effects = tuple(absolute_effects(study))
    refused = tuple(not_computed(study))
    facts: list[Fact] = []
    for endpoint in study.endpoints:
        mine = [e for e in effects if e.endpoint == endpoint.id]
        facts += _endpoint_facts(study, endpoint, mine)
        facts += [_refused(study, endpoint, r) for r in refused if r.endpoint == endpoint.id]
    # Each finding's pairs of arms, worked out once for the whole page and the first screen.
    rows = [finding_rows(study, i, f) for i, f in enumerate(study.safety)]
    first_screen = glance(study, audit, safety_rows=rows)
    ranks = first_screen.ranks()
    harms = tuple(_harm_row(study, i, f, rows[i], ranks.get(i)) for i, f in enumerate(study.safety))
    for harm in harms:
        facts += [*harm.figures, *harm.differences]
    return Page(
        study=study,
        audit=audit,
        effects=effects,
        not_computed=refused,
        facts=tuple(facts),
        sources=tuple(
            NumberedSource(n, s.id, s.citation, s.url)
            for n, s in enumerate(study.sources, start=1)
            if numbers.get(s.id) == n
        ),
        primaries=count_primary_measures(study),
        summary=plain_summary(study),
        summary_brief=plain_summary(study, brief=True),
        warnings=tuple(_warning(study, n, w) for n, w in enumerate(audit.warnings, start=1)),
        harms=harms,
        glance=first_screen,
        verdicts={e.id: endpoint_verdict(e) for e in study.endpoints},
        harms_listed=harms_scope(study),
        harms_order=_harms_order(first_screen),
    )


def _harms_order(first_screen: Glance) -> HarmsOrder:
    ranked = []
    for rank, harm in enumerate(first_screen.ranked, start=1):
        excess = harm.largest_difference
        incidences = [r.incidence for r in harm.rows if r.incidence is not None]
        ranked.append(
            RankedHarm(
                rank=rank,
                term=harm.term,
                findings=tuple(i for i, _ in harm.findings),
                serious=harm.serious or harm.fatal,
                excess_points=None if excess is None else round(excess, 4),
                highest_incidence=round(max(incidences), 4) if incidences else None,
            )
        )
    return HarmsOrder(HARMS_ORDER, tuple(ranked))


def _number(study: Study, source: str | None) -> int | None:
    return study.source_number(source) if source else None


def _endpoint_facts(study: Study, endpoint: Endpoint, effects: list[AbsoluteEffect]) -> list[Fact]:
    verdict = endpoint_verdict(endpoint).state
    common = {
        "subject_id": endpoint.id,
        "subject": endpoint.name,
        "level": endpoint.level,
        "serious": None,
        "time_frame": endpoint.time_frame,
        "verdict": verdict,
    }
    facts = []
    for key, result in endpoint.results.items():
        facts.append(
            Fact(
                kind="result",
                group=study.group_label(key),
                group_ids=key,
                population=endpoint.population,
                direction=None,
                test=None,
                n=result.n,
                N=result.N,
                statistic=result.statistic,
                spread=spread_text(result) or None,
                **_as_stated(study, endpoint, result, result_text(result), result.value),
                **common,  # type: ignore[arg-type]
            )
        )
    for comparison in endpoint.comparisons:
        first, second = comparison.arms
        text = comparison_text(comparison)
        facts.append(
            Fact(
                kind="comparison",
                group=f"{study.group_label(first)} vs {study.group_label(second)}",
                group_ids=f"{first} vs {second}",
                population=comparison.population or endpoint.population,
                direction=comparison.direction,
                test=test_words(comparison),
                measure=comparison.measure,
                p_value=comparison.p_value,
                met=comparison.met,
                adjusted_for=comparison.adjusted_for,
                stratified_by=comparison.stratified_by,
                **_as_stated(study, endpoint, comparison, text, comparison.estimate),
                **common,  # type: ignore[arg-type]
            )
        )
    for effect in effects:
        first, second = effect.arms
        lower, upper = effect.ci or (None, None)
        # Computed from the arms' own figures: the direction is the arms' order as compared.
        stated = [c for c in endpoint.comparisons if c.arms == effect.arms]
        facts.append(
            Fact(
                kind="effect",
                group=f"{study.group_label(first)} vs {study.group_label(second)}",
                group_ids=f"{first} vs {second}",
                population=endpoint.population,
                direction=stated[0].direction if stated else "inferred",
                test=None,
                computed=True,
                source=None,
                source_id=None,
                text=effect.text,
                measure=effect.measure,
                value=round(effect.difference, 4),
                unit=effect.unit,
                ci_lower=lower,
                ci_upper=upper,
                ci_level=effect.ci_level,
                approximate=effect.approximate,
                **common,  # type: ignore[arg-type]
            )
        )
    return facts


def _refused(study: Study, endpoint: Endpoint, refused: NotComputed) -> Fact:
    """Where an effect would be computed: which groups it is not computed with, and why."""
    return Fact(
        kind="effect",
        subject_id=endpoint.id,
        subject=endpoint.name,
        level=endpoint.level,
        group=" and ".join(study.group_label(g) for g in refused.groups),
        group_ids=" and ".join(refused.groups),
        serious=None,
        population=endpoint.population,
        time_frame=endpoint.time_frame,
        direction=None,
        test=None,
        computed=True,
        source=None,
        source_id=None,
        text=refused.text(study.group_labels),
        verdict=endpoint_verdict(endpoint).state,
    )


class _Stated(TypedDict):
    computed: bool
    source: int | None
    source_id: str | None
    text: str
    value: float | None
    unit: str | None
    ci_lower: float | None
    ci_upper: float | None
    ci_level: float | None
    approximate: bool


def _as_stated(
    study: Study,
    endpoint: Endpoint,
    figure: ArmResult | Comparison,
    text: str,
    value: float | None,
) -> _Stated:
    """What an arm's result and a comparison say alike: a figure as its source states it,
    with its interval and the source the page numbers."""
    source = study.cited_source(figure, endpoint)
    lower, upper = figure.ci or (None, None)
    return _Stated(
        computed=False,
        source=_number(study, source),
        source_id=source,
        text=text,
        value=value,
        unit=figure.unit,
        ci_lower=lower,
        ci_upper=upper,
        ci_level=figure.ci_level if figure.ci else None,
        approximate=figure.approximate,
    )


def _harm_row(
    study: Study,
    index: int,
    finding: SafetyFinding,
    rows: Sequence[SafetyRow],
    rank: int | None,
) -> HarmRow:
    common = {
        "harm_rank": rank,
        "subject_id": f"safety-{index}",
        "subject": finding.term,
        "level": None,
        "serious": bool(finding.serious),
        "population": finding.population,
        "time_frame": None,
        "test": None,
    }
    figures = []
    for key, value in finding.arms.items():
        source = study.cited_source(value, finding)
        text = safety_text(value)
        fatal = value.deaths if value.affected is not None or value.pct is not None else None
        figures.append(
            Fact(
                kind="harm",
                group=study.group_label(key),
                group_ids=key,
                direction=None,
                computed=False,
                source=_number(study, source),
                source_id=source,
                text=text,
                value=value.pct,
                unit="%" if value.pct is not None else None,
                n=value.affected,
                N=value.at_risk,
                approximate=value.approximate,
                fatal=fatal or None,
                **common,  # type: ignore[arg-type]
            )
        )
    differences = []
    for row in rows:
        points = row.difference.points
        if points is None or row.experimental is None or row.comparator is None:
            continue
        lower, upper = row.difference.ci or (None, None)
        ours, theirs = row.experimental.group, row.comparator.group
        differences.append(
            Fact(
                kind="harm-difference",
                group=f"{study.group_label(ours)} vs {study.group_label(theirs)}",
                group_ids=f"{ours} vs {theirs}",
                direction=None,  # experimental minus comparator, by definition
                computed=True,
                source=None,
                source_id=None,
                text=points_text(points, row.difference.ci),
                measure="risk-difference",
                value=round(points, 4),
                unit="percentage points",
                ci_lower=lower,
                ci_upper=upper,
                approximate=row.difference.approximate,
                **common,  # type: ignore[arg-type]
            )
        )
    return HarmRow(
        index=index,
        term=finding.term,
        serious=bool(finding.serious),
        summary=finding.summary is not None,
        population=finding.population,
        figures=tuple(figures),
        differences=tuple(differences),
        rank=rank,
    )


def _warning(study: Study, number_: int, check: Check) -> Warning:
    def label(source: str | None) -> str:
        found = _number(study, source)
        return f" {source_mark(found)}" if found is not None else ""

    return Warning(number_, check.text(label), check.acknowledged is not None)


def _forests(study: Study) -> list[Figure]:
    figures = []
    for endpoint in study.endpoints:
        if not endpoint.comparisons:
            continue
        plot = compare_studies([study], Selection((), ((study.id, endpoint.id),)))
        if plot.panels:
            figures.append(Figure(endpoint.name, replace(plot, code=endpoint.name)))
    return figures
