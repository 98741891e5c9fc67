"""What goes on the first screen of `show`, and in which order it claims the room.

Pure: it picks and orders records, it draws nothing. `render/study.py` lays the candidates
out in this order for as long as they fit the page (only it knows how lines wrap);
`--full` and `--section` bypass the choosing altogether.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass

from trialcli.formatting import NOT_REPORTED, safety_text
from trialcli.model import ArmSafety, Endpoint, SafetyFinding, Study
from trialcli.ops.audit import Audit
from trialcli.ops.safety import SafetyRow, finding_rows, term_key
from trialcli.ops.summary import primary_endpoints

# Lines the first screen may take (issue 12: the bundled studies in 45 at 80 columns).
PAGE_LINES = 45

# How the harms are ranked, in full (json, --full, documents) and as the first screen's
# heading says it, longest first: the renderer takes the longest that fits on one line.
HARMS_ORDER = (
    "serious or fatal first, then the largest excess over the comparator in percentage "
    "points (computed), then the most frequent; a harm with no comparator figure ranks by "
    "its own frequency; then those named without figures (in the file's order), then those "
    "no more frequent than on the comparator; the summary items (any adverse event, "
    "deaths…) come before, unranked"
)
HARMS_ORDER_WORDS = (
    "serious first, then largest excess, then most frequent (pp: computed difference)",
    "serious first, then largest +pp, then commonest (pp: computed difference)",
    "serious first, then +pp (computed), then commonest",
    "serious, +pp (computed), commonest",
    "serious, +pp, commonest",
)


@dataclass(frozen=True)
class Harm:
    """One term (e.g. every `Thyroid disorders` finding), each finding with its figures."""

    term: str
    findings: tuple[tuple[int, SafetyFinding], ...]
    rows: tuple[SafetyRow, ...]

    @property
    def serious(self) -> bool:
        return any(f.serious for _, f in self.findings)

    @property
    def fatal(self) -> bool:
        return any(v.deaths for _, f in self.findings for v in f.arms.values())

    @property
    def largest_difference(self) -> float | None:
        """The largest excess over the comparator, in percentage points (computed)."""
        known = [r.difference.points for r in self.rows if r.difference.points is not None]
        return max(known) if known else None

    @property
    def has_figures(self) -> bool:
        """False when the sources name the harm without a figure for any arm."""
        return any(shows_figure(v) for _, f in self.findings for v in f.arms.values())


def shows_figure(value: ArmSafety) -> bool:
    return safety_text(value) != NOT_REPORTED


@dataclass(frozen=True)
class Glance:
    """One study's first screen: candidates in the order they claim the room."""

    study: Study
    primary: tuple[Endpoint, ...]
    summary_harms: tuple[Harm, ...]
    harms: tuple[Harm, ...]
    named_harms: tuple[Harm, ...]
    lesser_harms: tuple[Harm, ...]
    secondary: tuple[Endpoint, ...]
    other_endpoints: int
    warnings: int
    acknowledged: int
    checks: int
    lines: int = PAGE_LINES

    @property
    def ranked(self) -> tuple[Harm, ...]:
        """Every harm but the summary items, in rank order (rank 1 first): the order the
        first screen gives them the room in."""
        return (*self.harms, *self.named_harms, *self.lesser_harms)

    def ranks(self) -> dict[int, int]:
        """Each finding's (by its place in the file) harm's rank, from 1; summary items
        have none."""
        return {i: rank for rank, h in enumerate(self.ranked, start=1) for i, _ in h.findings}


def _harms(
    study: Study, rows: Sequence[Sequence[SafetyRow]] | None = None
) -> tuple[list[Harm], list[Harm]]:
    """Summary items (any AE, deaths…) one by one; other findings grouped by term.
    `rows`: each finding's `finding_rows`, when already worked out."""
    if rows is None:
        rows = [finding_rows(study, i, f) for i, f in enumerate(study.safety)]
    summary: list[Harm] = []
    groups: dict[str, list[tuple[int, SafetyFinding]]] = {}
    for index, finding in enumerate(study.safety):
        if finding.summary is not None:
            summary.append(_harm([(index, finding)], rows))
        else:
            groups.setdefault(term_key(finding.term), []).append((index, finding))
    return summary, [_harm(found, rows) for found in groups.values()]


def _harm(found: list[tuple[int, SafetyFinding]], rows: Sequence[Sequence[SafetyRow]]) -> Harm:
    return Harm(
        term=found[0][1].term,
        findings=tuple(found),
        rows=tuple(row for i, _ in found for row in rows[i]),
    )


def _harm_order(harm: Harm) -> tuple[bool, float, float]:
    """HARMS_ORDER: serious or fatal first, then the largest excess over the comparator,
    then the most frequent (a registry's serious events are often 1 vs 0 people, the same
    excess for dozens of terms: the commoner ones come first, not the alphabet's). A harm
    no comparator figure exists for ranks by its highest incidence (92% of infusion
    reactions outranks an excess of 0.2 points); ties keep the file's order (stable)."""
    incidences = [r.incidence for r in harm.rows if r.incidence is not None]
    frequency = max(incidences, default=None)
    excess = harm.largest_difference
    if excess is None:
        excess = frequency
    return (
        not (harm.serious or harm.fatal),
        -(excess if excess is not None else -100.0),
        -(frequency if frequency is not None else -1.0),
    )


def _lesser(harm: Harm) -> bool:
    """Neither serious nor fatal, and no more frequent than on the comparator."""
    excess = harm.largest_difference
    return not (harm.serious or harm.fatal) and excess is not None and excess <= 0


def glance(
    study: Study,
    audit: Audit,
    lines: int = PAGE_LINES,
    *,
    safety_rows: Sequence[Sequence[SafetyRow]] | None = None,
) -> Glance:
    """The first screen's candidates: primary endpoints, then the harms (summary items,
    serious ones, the largest excesses, those named without figures, those no more frequent
    than on the comparator), then the secondary endpoints compared between arms."""
    primary = primary_endpoints(study)
    summary, harms = _harms(study, safety_rows)
    ordered = sorted(harms, key=_harm_order)
    secondary = [
        e
        for e in study.endpoints
        if e.level != "primary" and any(c.estimate is not None or c.p_value for c in e.comparisons)
    ]
    warnings = audit.warnings
    return Glance(
        study=study,
        primary=tuple(primary),
        summary_harms=tuple(summary),
        harms=tuple(h for h in ordered if h.has_figures and not _lesser(h)),
        named_harms=tuple(h for h in ordered if not h.has_figures),
        lesser_harms=tuple(h for h in ordered if h.has_figures and _lesser(h)),
        secondary=tuple(secondary),
        other_endpoints=len(study.endpoints) - len(primary) - len(secondary),
        warnings=len(warnings),
        acknowledged=sum(1 for w in warnings if w.acknowledged),
        checks=len(audit.checks),
        lines=lines,
    )
