"""`trialcli diff A B` on one screen: the differences that matter first.

Design, population, N and arms; each primary endpoint's verdict and effect side by side;
the harms whose excess over the comparator differs most between the two; and the verdicts
that changed. Pure: `render/diff.py` draws it; `--full` gives the row-by-row `StudyDiff`.
"""

from __future__ import annotations

from dataclasses import dataclass

from trialcli.formatting import comparison_text, number, points_text, result_text, signed
from trialcli.model import Endpoint, Study
from trialcli.ops.diff import match_groups
from trialcli.ops.harm_terms import same_harms
from trialcli.ops.safety import SafetyRow, finding_rows
from trialcli.ops.sources import SourceRef, cite, source_ref
from trialcli.ops.summary import Verdict, endpoint_verdict

# How many harms the screen shows; the rest are counted.
HARMS_SHOWN = 6


@dataclass(frozen=True)
class Pair:
    """One line of the screen: what A says and what B says (None: not reported)."""

    label: str
    a: str | None
    b: str | None

    @property
    def same(self) -> bool:
        return self.a == self.b


@dataclass(frozen=True)
class Stated:
    """A headline figure as a source states it (`relative reduction 55%`), with its source."""

    text: str
    source: SourceRef | None


@dataclass(frozen=True)
class EndpointSide:
    name: str
    verdict: Verdict
    effect: str | None
    source: SourceRef | None
    # The same arms' relative reductions (`55%`) as the sources state them, beside the ratio.
    stated: tuple[Stated, ...] = ()
    # The arms' own figures behind the effect: `Alemtuzumab 12 mg 8.0%; IFN 11.1%`.
    arms: tuple[Stated, ...] = ()


@dataclass(frozen=True)
class EndpointPair:
    """A primary endpoint (in either study), matched by its code."""

    code: str
    a: EndpointSide | None
    b: EndpointSide | None

    @property
    def verdict_changed(self) -> bool:
        return (
            self.a is not None
            and self.b is not None
            and self.a.verdict.state != self.b.verdict.state
        )


@dataclass(frozen=True)
class HarmSide:
    text: str  # `+11.7 pp (68/376 vs 12/187)`, computed
    points: float
    source: SourceRef | None
    group: str  # whom it counts: `Alemtuzumab 12 + 24 mg pooled vs IFN beta-1a (Rebif)`
    groups: tuple[str, str]  # the experimental and comparator ids


@dataclass(frozen=True)
class HarmPair:
    term: str
    serious: bool
    a: HarmSide
    b: HarmSide
    groups_differ: bool  # the two sides count different arms or pooled groups

    @property
    def gap(self) -> float:
        return abs(self.a.points - self.b.points)


@dataclass(frozen=True)
class DiffGlance:
    a_label: str
    b_label: str
    facts: tuple[Pair, ...]
    endpoints: tuple[EndpointPair, ...]
    harms: tuple[HarmPair, ...]
    other_harms: int  # matched harms with a difference on both sides, not shown

    @property
    def changed_verdicts(self) -> tuple[EndpointPair, ...]:
        return tuple(e for e in self.endpoints if e.verdict_changed)


def _design(study: Study) -> str | None:
    design = study.design
    parts = [
        f"phase {study.phase}" if study.phase else None,
        design.allocation,
        design.masking,
        design.model,
        design.duration,
        f"{design.comparator} comparator" if design.comparator else None,
    ]
    return ", ".join(p for p in parts if p) or None


def _arms(study: Study) -> str:
    parts = []
    for arm in study.arms:
        n = f" n={arm.randomized.value:,}" if arm.randomized is not None else ""
        parts.append(f"{arm.label} ({arm.role.replace('-', ' ')}){n}")
    return "; ".join(parts)


def _analysed(study: Study) -> str | None:
    # Per arm: a review's 436 vs the curated 426 is a disagreement to see before --full.
    parts = [f"{arm.label} {arm.analysed.value:,}" for arm in study.arms if arm.analysed]
    return "; ".join(parts) or None


def _facts(a: Study, b: Study) -> list[Pair]:
    def randomized(study: Study) -> str | None:
        count = study.population.randomized
        return f"{count.value:,}" if count is not None else None

    def population(study: Study) -> str:
        return f"{study.population.condition}; {study.population.description}"

    n_a, n_b = a.population.randomized, b.population.randomized
    n = Pair("N randomized", randomized(a), randomized(b))
    if n_a is not None and n_b is not None and n_a.value != n_b.value:
        # B minus A, computed, as the row-by-row view writes it.
        n = Pair(n.label, n.a, f"{n.b} ({n_b.value - n_a.value:+,} vs A)")
    return [
        Pair("Design", _design(a), _design(b)),
        Pair("Population", population(a), population(b)),
        n,
        Pair("Arms", _arms(a), _arms(b)),
        # Where a file has no randomized count (a review's), its analysed counts are the
        # counts to set side by side; otherwise they wait for --full.
        *([Pair("N analysed", _analysed(a), _analysed(b))] if n_a is None or n_b is None else []),
    ]


def _endpoint_side(study: Study, endpoints: list[Endpoint]) -> EndpointSide | None:
    if not endpoints:
        return None
    endpoint = endpoints[0]
    # The first comparison with an estimate, as `list` and the plain summary report it.
    stated = [c for c in endpoint.comparisons if c.estimate is not None] or endpoint.comparisons
    first = stated[0] if stated else None
    if first is None:
        return EndpointSide(endpoint.name, endpoint_verdict(endpoint), None, None)
    headlines = [
        Stated(f"{number(c.estimate)}%", cite(study, c, e))
        for e in endpoints
        for c in e.comparisons
        if c.measure == "relative-reduction" and c.estimate is not None and c.arms == first.arms
    ]
    arms = [
        Stated(f"{study.group_label(key)} {result_text(result)}", cite(study, result, endpoint))
        for key in first.arms
        if (result := endpoint.results.get(key)) is not None
    ]
    return EndpointSide(
        name=endpoint.name,
        verdict=endpoint_verdict(endpoint),
        effect=comparison_text(first),
        source=cite(study, first, endpoint),
        stated=tuple(dict.fromkeys(headlines)),
        arms=tuple(arms),
    )


def _endpoints(a: Study, b: Study) -> list[EndpointPair]:
    def primaries(study: Study) -> dict[str, list[Endpoint]]:
        found: dict[str, list[Endpoint]] = {}
        for e in study.endpoints:
            if e.level == "primary":
                found.setdefault(e.code or e.id, []).append(e)
        return found

    in_a, in_b = primaries(a), primaries(b)
    return [
        EndpointPair(
            code, _endpoint_side(a, in_a.get(code, [])), _endpoint_side(b, in_b.get(code, []))
        )
        for code in dict.fromkeys([*in_a, *in_b])
    ]


def _excesses(study: Study) -> list[tuple[SafetyRow, HarmSide]]:
    """Each finding's computable differences from the comparator, those from counts first."""
    rows: list[SafetyRow] = [
        row
        for i, finding in enumerate(study.safety)
        if finding.summary is None
        for row in finding_rows(study, i, finding)
    ]
    rows.sort(key=lambda r: r.difference.kind != "counts")  # stable: counts first
    found = []
    for row in rows:
        points = row.difference.points
        if points is None or row.experimental is None or row.comparator is None:
            continue
        counts = row.experimental.counts, row.comparator.counts
        if counts[0] and counts[1]:
            shown = (
                points_text(points)
                + f" ({counts[0][0]}/{counts[0][1]} vs {counts[1][0]}/{counts[1][1]})"
            )
        else:
            shown = f"{signed(points, row.difference.places)} pp (percentages only)"
        side = HarmSide(
            shown,
            points,
            source_ref(study, row.experimental.source),
            f"{row.experimental.label} vs {row.comparator.label}",
            (row.experimental.group, row.comparator.group),
        )
        found.append((row, side))
    return found


def _harms(a: Study, b: Study) -> list[HarmPair]:
    """Harms both studies report, matched as `ae` matches them: each side's first
    computable difference."""
    sides = [("a", row, side) for row, side in _excesses(a)]
    sides += [("b", row, side) for row, side in _excesses(b)]
    same = {(slot.a, slot.b) for slot in match_groups(a, b).items}
    pairs = []
    for group in same_harms(sides, lambda x: (x[1].finding.term, x[1].finding.code, x[1].serious)):
        in_a = next((x for x in group if x[0] == "a"), None)
        in_b = next((x for x in group if x[0] == "b"), None)
        if in_a is None or in_b is None:
            continue
        (_, row, side_a), side_b = in_a, in_b[2]
        differ = any(p not in same for p in zip(side_a.groups, side_b.groups, strict=True))
        pairs.append(HarmPair(row.finding.term, row.serious, side_a, side_b, differ))
    # Figures equal to a tenth of a point do not differ.
    return sorted((p for p in pairs if p.gap >= 0.05), key=lambda p: -p.gap)


def diff_glance(a: Study, b: Study, a_label: str, b_label: str) -> DiffGlance:
    harms = _harms(a, b)
    return DiffGlance(
        a_label=a_label,
        b_label=b_label,
        facts=tuple(_facts(a, b)),
        endpoints=tuple(_endpoints(a, b)),
        harms=tuple(harms[:HARMS_SHOWN]),
        other_harms=max(len(harms) - HARMS_SHOWN, 0),
    )
