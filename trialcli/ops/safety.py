"""Adverse events: per-arm incidence, differences from the comparator, filters, pivots.

Pure functions over validated studies. Each safety finding becomes one row per pair of an
experimental figure and a comparator figure (usually exactly one pair). Differences are
computed here, never stored: from counts with confidence intervals (`trialcli.stats`), or
from stated percentages without one, and labelled as such.
"""

from __future__ import annotations

import re
from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field
from typing import Literal

from trialcli.errors import TrialcliError
from trialcli.formatting import decimals, role_words
from trialcli.model import ArmSafety, SafetyFinding, SafetySummary, Study
from trialcli.ops.effects import SUBSET_REASON
from trialcli.ops.harm_terms import same_harms
from trialcli.ops.harm_terms import term_key as term_key  # ops/glance.py reads it here
from trialcli.ops.keys import SafetySort
from trialcli.stats import Estimate, percentage, risk_difference, risk_ratio

SUMMARY_KINDS: tuple[SafetySummary, ...] = (
    "any-adverse-event",
    "serious-adverse-event",
    "discontinuation",
    "death",
)
SUMMARY_NAMES: dict[SafetySummary, str] = {
    "any-adverse-event": "Any adverse event",
    "serious-adverse-event": "Serious adverse events",
    "discontinuation": "Discontinuation due to an adverse event",
    "death": "Deaths",
}
COMPARATOR_ROLES = frozenset({"active-comparator", "placebo"})
Section = Literal["summary", "findings"]


@dataclass(frozen=True)
class Filters:
    """Label-style filters; they combine (all must hold) and apply to findings, not the summary.

    `arm` is the exception: it limits the summary block too, since it picks a column.
    """

    min_pct: float | None = None
    # At least this many percentage points from the comparator (more, with `excess`).
    min_diff: float | None = None
    excess: bool = False
    serious: bool = False
    soc: str | None = None
    arm: str | None = None

    @property
    def selects(self) -> bool:
        """A filter that picks findings (not just a column): the summary block is then
        context, not filtered."""
        return (
            self.min_pct is not None
            or self.min_diff is not None
            or self.excess
            or self.serious
            or self.soc is not None
        )


@dataclass(frozen=True)
class HarmsScope:
    """What a study's list of harms is, and where its whole list lives: a list of two
    terms "at least 5 points more" must never read as every adverse event."""

    text: str  # `the sources' selection: 7 terms …` or `the registry's list: …`
    full_list: str | None  # the registry results page, when the study has an NCT id
    kind: str = "the sources' selection"  # or `the registry's list`: for a heading


@dataclass(frozen=True)
class ArmFigure:
    """One arm's (or pooled group's) figure in one finding."""

    group: str
    label: str
    comparator: bool
    value: ArmSafety
    source: str | None

    @property
    def counts(self) -> tuple[int, int] | None:
        """(affected, at risk) when both are known and at risk is not 0."""
        affected, at_risk = self.value.affected, self.value.at_risk
        return (affected, at_risk) if affected is not None and at_risk else None

    @property
    def incidence(self) -> float | None:
        """Percent affected: as stated, else from the counts, else unknown."""
        if self.value.pct is not None:
            return self.value.pct
        return percentage(*self.counts) if self.counts else None

    @property
    def incidence_computed(self) -> bool:
        return self.value.pct is None and self.incidence is not None

    @property
    def deaths(self) -> int:
        return self.value.deaths or 0


DifferenceKind = Literal["counts", "percentages", "none"]


@dataclass(frozen=True)
class Difference:
    """Experimental minus comparator, in percentage points; computed by trialcli.

    `counts`: from n/N, with the Newcombe hybrid score interval and a Katz risk ratio.
    `percentages`: from stated percentages only, so no interval. `none`: `reason` says why.
    """

    kind: DifferenceKind
    points: float | None = None
    ci: tuple[float, float] | None = None
    places: int = 1
    approximate: bool = False
    difference: Estimate | None = None
    ratio: Estimate | None = None
    reason: str | None = None


@dataclass(frozen=True)
class SafetyRow:
    """One pair (experimental, comparator) of one finding, as a row of the table."""

    study: Study
    index: int
    finding: SafetyFinding
    experimental: ArmFigure | None
    comparator: ArmFigure | None
    difference: Difference
    source: str | None

    @property
    def section(self) -> Section:
        return "summary" if self.finding.summary is not None else "findings"

    @property
    def figures(self) -> tuple[ArmFigure, ...]:
        return tuple(f for f in (self.experimental, self.comparator) if f is not None)

    @property
    def serious(self) -> bool:
        return self.finding.serious is True

    @property
    def fatal(self) -> bool:
        return any(f.deaths for f in self.figures)

    @property
    def incidence(self) -> float | None:
        """The highest incidence shown in the row (what --min-pct tests)."""
        known = [f.incidence for f in self.figures if f.incidence is not None]
        return max(known) if known else None

    @property
    def excess(self) -> bool | None:
        """More frequent on the experimental side than on the comparator; None if unknown."""
        if self.experimental is None or self.comparator is None:
            return None
        ours, theirs = self.experimental.incidence, self.comparator.incidence
        if ours is None or theirs is None:
            return None
        return ours > theirs


@dataclass(frozen=True)
class SafetyTable:
    """`trialcli ae STUDY`: the summary block and the findings, filtered and sorted."""

    study: Study
    comparators: tuple[str, ...]
    # Arms whose role is their title's, not the registry's type: "Placebo: placebo by its
    # title (registered as experimental)".
    roles_disputed: tuple[str, ...]
    summary: tuple[SafetyRow, ...]
    not_reported: tuple[SafetySummary, ...]
    rows: tuple[SafetyRow, ...]
    filters: Filters
    sort: SafetySort
    # Findings a filter could not judge (a figure it needs is not reported), with why.
    unjudged: tuple[tuple[SafetyRow, str], ...]
    scope: HarmsScope


@dataclass(frozen=True)
class PivotRow:
    """One term (or summary item) across studies; each cell holds that study's rows."""

    section: Section
    term: str
    soc: str | None
    serious: bool
    cells: dict[str, tuple[SafetyRow, ...]] = field(default_factory=dict)

    @property
    def rows(self) -> list[SafetyRow]:
        return [row for rows in self.cells.values() for row in rows]


@dataclass(frozen=True)
class SafetyPivot:
    """`trialcli ae STUDY STUDY…`: terms as rows, studies as columns."""

    studies: tuple[Study, ...]
    rows: tuple[PivotRow, ...]
    not_reported: tuple[SafetySummary, ...]
    filters: Filters
    sort: SafetySort
    unjudged: tuple[tuple[SafetyRow, str], ...]
    lacking_arm: tuple[str, ...]
    scopes: tuple[HarmsScope, ...]  # one per study, in order
    # The findings of `unjudged` as rows, matched across studies like the others.
    unjudged_rows: tuple[PivotRow, ...] = ()


# --- one study ------------------------------------------------------------------------

# The importer's note on a registry record's adverse events names its frequency threshold.
_THRESHOLD = re.compile(r"^Adverse events \(registry\):.* listed only when they reach (\S+)% ")


def harms_scope(study: Study) -> HarmsScope:
    """The registry's list (all serious, other at ≥ N%) for an imported record; else the
    sources' selection, counted in distinct terms."""
    nct = study.registry.nct
    full = f"https://clinicaltrials.gov/study/{nct}?tab=results" if nct else None
    for note in study.notes:
        found = _THRESHOLD.search(note.text)
        if found:
            text = (
                "the registry's list: every serious adverse event, and other adverse events "
                f"at ≥ {found.group(1)}% in a group"
            )
            return HarmsScope(text, full, "the registry's list")
    terms = len({(term_key(f.term), f.serious) for f in study.safety if f.summary is None})
    text = (
        f"the sources' selection: {terms} term{'' if terms == 1 else 's'} from the tables "
        "they cite, not every adverse event"
    )
    return HarmsScope(text, full)


def group_ids(study: Study) -> list[str]:
    return [*(a.id for a in study.arms), *(p.id for p in study.pooled_arms)]


def is_comparator(study: Study, group: str) -> bool:
    """An arm whose role is active comparator or placebo, or a pool of only such arms."""
    arm = study.arm(group)
    if arm is not None:
        return arm.role in COMPARATOR_ROLES
    pooled = next((p for p in study.pooled_arms if p.id == group), None)
    if pooled is None:
        return False
    members = [study.arm(member) for member in pooled.arms]
    return all(m is not None and m.role in COMPARATOR_ROLES for m in members)


def comparator_labels(study: Study) -> tuple[str, ...]:
    return tuple(a.label for a in study.arms if a.role in COMPARATOR_ROLES)


def difference(experimental: ArmFigure | None, comparator: ArmFigure | None) -> Difference:
    """Experimental minus comparator: from counts when both have them, else percentages."""
    if experimental is None or comparator is None:
        missing = "comparator" if comparator is None else "experimental arm"
        return Difference("none", reason=f"no {missing} figure")
    ours, theirs = experimental.value, comparator.value
    if experimental.counts and comparator.counts:
        estimate = risk_difference(*experimental.counts, *comparator.counts)
        ratio = risk_ratio(*experimental.counts, *comparator.counts)
        return Difference(
            "counts",
            points=100 * estimate.value,
            ci=(100 * estimate.lower, 100 * estimate.upper),
            difference=estimate,
            ratio=ratio,
        )
    first, second = experimental.incidence, comparator.incidence
    if first is None or second is None:
        # 0 of 0 is reported, not missing: nobody in that arm could have the event.
        empty = [f.label for f in (experimental, comparator) if f.value.at_risk == 0]
        if empty:
            return Difference("none", reason=f"no one was at risk on {' or '.join(empty)}")
        return Difference("none", reason="counts or percentages not reported")
    stated = [v for v in (ours.pct, theirs.pct) if v is not None]
    places = max((decimals(v) for v in stated), default=1)
    if experimental.incidence_computed or comparator.incidence_computed:
        places = max(places, 1)
    return Difference(
        "percentages",
        points=first - second,
        places=places,
        approximate=ours.approximate or theirs.approximate,
    )


def _figure(study: Study, finding: SafetyFinding, group: str, value: ArmSafety) -> ArmFigure:
    return ArmFigure(
        group=group,
        label=study.group_label(group),
        comparator=is_comparator(study, group),
        value=value,
        source=study.cited_source(value, finding),
    )


def finding_rows(study: Study, index: int, finding: SafetyFinding) -> list[SafetyRow]:
    """Every experimental figure against every comparator figure (one pair, usually)."""
    figures = [_figure(study, finding, group, value) for group, value in finding.arms.items()]
    # A subset picked out after randomization is shown on its own, never compared.
    subsets = [f for f in figures if study.is_subset(f.group)]
    ours = [f for f in figures if not f.comparator and f not in subsets]
    theirs = [f for f in figures if f.comparator]
    pairs: list[tuple[ArmFigure | None, ArmFigure | None]]
    if ours and theirs:
        pairs = [(e, c) for e in ours for c in theirs]
    elif ours or theirs:
        pairs = [(e, None) for e in ours] + [(None, c) for c in theirs]
    else:
        pairs = [(None, None)]
    source = study.cited_source(finding)
    rows = [SafetyRow(study, index, finding, e, c, difference(e, c), source) for e, c in pairs]
    apart = Difference("none", reason=SUBSET_REASON)
    return rows + [SafetyRow(study, index, finding, s, None, apart, source) for s in subsets]


def _reports_arm(row: SafetyRow, arm: str) -> bool:
    return any(f.group == arm for f in row.figures)


def _unknown_arm(study: Study, arm: str) -> TrialcliError:
    known = ", ".join(sorted(group_ids(study)))
    return TrialcliError(f"{study.id} has no arm or pooled group '{arm}' (known: {known})")


def _keep(row: SafetyRow, filters: Filters) -> bool | str:
    """True to keep, False to drop; a reason when a figure the filter needs is missing
    (the finding is then named as not judged: unknown is not 0)."""
    finding = row.finding
    if filters.serious and not (finding.serious or any(v.deaths for v in finding.arms.values())):
        return False
    if filters.soc is not None and filters.soc.casefold() not in (finding.soc or "").casefold():
        return False
    if filters.min_pct is not None:
        if row.incidence is None:
            return "no percentage reported"
        if row.incidence < filters.min_pct:
            return False
    if filters.excess or filters.min_diff is not None:
        difference = row.difference
        if difference.points is None:
            return difference.reason or "no difference computable"
        if filters.excess and not row.excess:
            return False
        # Judged as printed: a difference shown as +10.0 pp meets "at least 10".
        points = round(difference.points, difference.places)
        if filters.min_diff is not None and abs(points) < filters.min_diff:
            return False
    return True


def _order(rows: Iterable[SafetyRow], sort: SafetySort) -> list[SafetyRow]:
    def by_soc(row: SafetyRow) -> tuple[bool, str]:
        soc = row.finding.soc
        return soc is None, (soc or "").casefold()

    def by_term(row: SafetyRow) -> tuple[str, bool]:
        return term_key(row.finding.term), row.serious

    def descending(value: float | None) -> tuple[bool, float]:
        return value is None, -(value or 0.0)

    listed = sorted(rows, key=lambda r: r.index)  # ties keep the file's order
    if sort is SafetySort.soc:
        return sorted(listed, key=lambda r: (*by_soc(r), *by_term(r)))
    if sort is SafetySort.term:
        return sorted(listed, key=by_term)
    if sort is SafetySort.incidence:
        return sorted(listed, key=lambda r: descending(r.incidence))
    return sorted(listed, key=lambda r: descending(r.difference.points))


def safety_table(
    study: Study,
    filters: Filters | None = None,
    sort: SafetySort = SafetySort.soc,
    *,
    strict_arm: bool = True,
) -> SafetyTable:
    """The study's adverse events. An unknown `filters.arm` is an error when `strict_arm`."""
    filters = filters or Filters()
    if filters.arm is not None and strict_arm and filters.arm not in group_ids(study):
        raise _unknown_arm(study, filters.arm)
    rows = [row for i, f in enumerate(study.safety) for row in finding_rows(study, i, f)]
    # What the sources report, before --arm narrows what is shown.
    reported = {row.finding.summary for row in rows}
    if filters.arm is not None:
        rows = [row for row in rows if _reports_arm(row, filters.arm)]
    summary = sorted(
        (row for row in rows if row.section == "summary"),
        key=lambda r: (SUMMARY_KINDS.index(r.finding.summary or "death"), r.index),
    )
    kept: list[SafetyRow] = []
    unjudged: list[tuple[SafetyRow, str]] = []
    for row in rows:
        if row.section != "findings":
            continue
        keep = _keep(row, filters)
        if isinstance(keep, str):
            unjudged.append((row, keep))
        elif keep:
            kept.append(row)
    return SafetyTable(
        study=study,
        comparators=comparator_labels(study),
        roles_disputed=tuple(
            f"{a.label}: {role_words(a)}" for a in study.arms if a.registered_as is not None
        ),
        summary=tuple(summary),
        not_reported=tuple(k for k in SUMMARY_KINDS if k not in reported),
        rows=tuple(_order(kept, sort)),
        filters=filters,
        sort=sort,
        unjudged=tuple(unjudged),
        scope=harms_scope(study),
    )


# --- several studies ------------------------------------------------------------------


def _harm_keys(row: SafetyRow) -> tuple[str, str | None, bool]:
    return row.finding.term, row.finding.code, row.serious


def _cells(studies: Sequence[Study], rows: Iterable[SafetyRow]) -> dict[str, tuple[SafetyRow, ...]]:
    by_study: dict[str, list[SafetyRow]] = {s.id: [] for s in studies}
    for row in rows:
        by_study[row.study.id].append(row)
    return {key: tuple(value) for key, value in by_study.items()}


def safety_pivot(
    studies: Sequence[Study], filters: Filters | None = None, sort: SafetySort = SafetySort.soc
) -> SafetyPivot:
    """Terms as rows and studies as columns, matched by term (spelling aside) or by code."""
    filters = filters or Filters()
    lacking: tuple[str, ...] = ()
    if filters.arm is not None:
        lacking = tuple(s.id for s in studies if filters.arm not in group_ids(s))
        if len(lacking) == len(studies):
            raise _unknown_arm(studies[0], filters.arm)
    tables = [safety_table(s, filters, sort, strict_arm=False) for s in studies]

    summary_rows: list[PivotRow] = []
    for kind in SUMMARY_KINDS:
        rows = [r for t in tables for r in t.summary if r.finding.summary == kind]
        if rows:
            cells = _cells(studies, rows)
            summary_rows.append(PivotRow("summary", SUMMARY_NAMES[kind], None, False, cells))

    findings = [row for t in tables for row in t.rows]
    unjudged = [row for t in tables for row, _ in t.unjudged]
    return SafetyPivot(
        studies=tuple(studies),
        rows=(*summary_rows, *_order_pivot(_pivot_rows(studies, findings), sort)),
        not_reported=tuple(k for k in SUMMARY_KINDS if all(k in t.not_reported for t in tables)),
        filters=filters,
        sort=sort,
        unjudged=tuple(u for t in tables for u in t.unjudged),
        lacking_arm=lacking,
        scopes=tuple(t.scope for t in tables),
        unjudged_rows=tuple(_order_pivot(_pivot_rows(studies, unjudged), sort)),
    )


def _pivot_rows(studies: Sequence[Study], findings: list[SafetyRow]) -> list[PivotRow]:
    pivot_rows = []
    for group in same_harms(findings, _harm_keys):
        soc = next((r.finding.soc for r in group if r.finding.soc), None)
        first = group[0]
        pivot_rows.append(
            PivotRow("findings", first.finding.term, soc, first.serious, _cells(studies, group))
        )
    return pivot_rows


def _order_pivot(rows: list[PivotRow], sort: SafetySort) -> list[PivotRow]:
    def by_term(row: PivotRow) -> tuple[str, bool]:
        return term_key(row.term), row.serious

    def highest(values: Iterable[float | None]) -> tuple[bool, float]:
        known = [v for v in values if v is not None]
        return not known, -max(known, default=0.0)

    if sort is SafetySort.soc:
        return sorted(rows, key=lambda r: (r.soc is None, (r.soc or "").casefold(), *by_term(r)))
    if sort is SafetySort.term:
        return sorted(rows, key=by_term)
    if sort is SafetySort.incidence:
        return sorted(rows, key=lambda r: highest(x.incidence for x in r.rows))
    return sorted(rows, key=lambda r: highest(x.difference.points for x in r.rows))
