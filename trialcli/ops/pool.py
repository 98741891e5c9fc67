"""`trialcli compare --pool`: one pooled estimate per panel of a forest plot, and what was left out.

A panel already holds one measure (one kind of ratio, or differences in one unit), so a rate
ratio is never pooled with a hazard ratio. Within a panel a study's row is pooled only when:
- it has a confidence interval (the standard error comes from it; a relative reduction
  without a CI has none);
- the order of its groups is known (direction "stated" or "inferred", never "unknown");
- it compares the same thing as the other pooled rows: the same experimental drugs against
  the same kind of comparator (placebo or active), in that order;
- it is the study's only such row (two rows of one study share its comparator group).
Ratios are pooled on the log scale. Everything here is computed by trialcli, never stated by
a source; the statistics live in trialcli.stats.meta.
"""

from __future__ import annotations

import math
from collections import Counter
from collections.abc import Sequence
from dataclasses import dataclass
from typing import Literal

from trialcli.model import Study
from trialcli.ops.compare import ForestPlot, ForestRow, Panel, Scale
from trialcli.stats.meta import (
    METHOD_NAMES,
    BinaryMeasure,
    Pooled,
    TwoByTwo,
    inverse_variance,
    mantel_haenszel,
    se_from_ci,
)

PoolMethod = Literal[
    "fixed",
    "dersimonian-laird",
    "reml",
    "paule-mandel",
    "mantel-haenszel",
    "mantel-haenszel-random",
]
POOL_METHODS: tuple[PoolMethod, ...] = (
    "reml",
    "dersimonian-laird",
    "paule-mandel",
    "fixed",
    "mantel-haenszel",
    "mantel-haenszel-random",  # RevMan's "M-H, random": DL τ² from the MH-centred Q
)
LEVEL = 95.0
MH_MEASURES: dict[str, BinaryMeasure] = {"risk-ratio": "risk-ratio", "odds-ratio": "odds-ratio"}


@dataclass(frozen=True)
class PooledPanel:
    """A panel's pooled estimate, back on the panel's own scale (ratios, not log ratios)."""

    measure: str
    unit: str | None
    scale: Scale
    study_ids: tuple[str, ...]
    acronyms: tuple[str, ...]
    estimate: float
    ci: tuple[float, float]
    prediction: tuple[float, float] | None
    statistics: Pooled  # on the scale pooled: log for ratios
    compares: str  # "alemtuzumab vs active comparator"
    inferred: tuple[str, ...] = ()  # acronyms whose order of groups is inferred, not stated

    @property
    def method_name(self) -> str:
        name = METHOD_NAMES[self.statistics.method]
        return name + (", Hartung–Knapp–Sidik–Jonkman CI" if self.statistics.hksj else "")

    @property
    def tau2_unreliable(self) -> bool:
        """τ² from two studies is too imprecise to read (Cochrane Handbook §10.10.4)."""
        return self.statistics.k == 2 and self.statistics.method != "fixed"


@dataclass(frozen=True)
class NotPooled:
    study_id: str
    acronym: str
    measure: str
    text: str  # the row as drawn, `0.26 (0.16–0.41)`
    reason: str


@dataclass(frozen=True)
class PoolResult:
    code: str
    method: PoolMethod
    hksj: bool
    panels: tuple[PooledPanel, ...]
    not_pooled: tuple[NotPooled, ...]


def pool_plot(
    plot: ForestPlot,
    studies: Sequence[Study],
    method_name: str = "reml",
    hksj: bool = False,
) -> PoolResult:
    """Pool each panel of `plot`; `method_name` is one of POOL_METHODS."""
    method = next((m for m in POOL_METHODS if m == method_name), None)
    if method is None:
        raise ValueError(f"unknown pooling method {method_name!r}")
    by_id = {s.id: s for s in studies}
    panels: list[PooledPanel] = []
    not_pooled: list[NotPooled] = []
    for panel in plot.panels:
        others: list[str] = [p.measure for p in plot.panels if p.measure != panel.measure]
        pooled, skipped = _pool_panel(panel, others, by_id, method, hksj)
        not_pooled += skipped
        if pooled is not None:
            panels.append(pooled)
    return PoolResult(plot.code, method, hksj, tuple(panels), tuple(not_pooled))


def compares(study: Study, row: ForestRow) -> str:
    """`alemtuzumab vs active comparator`: what a row's estimate is of, for matching rows."""
    experimental, comparator = row.arms
    role = study.group_role(comparator)
    kind = {"placebo": "placebo", "active-comparator": "active comparator"}.get(
        role or "", "a comparator of unknown kind"
    )
    return f"{' + '.join(_drugs(study, experimental)) or experimental} vs {kind}"


def _drugs(study: Study, group_id: str) -> list[str]:
    pooled = next((p for p in study.pooled_arms if p.id == group_id), None)
    members = pooled.arms if pooled else [group_id]
    return sorted(
        {i.drug.casefold() for arm in study.arms if arm.id in members for i in arm.interventions}
    )


def _pool_panel(
    panel: Panel, others: list[str], studies: dict[str, Study], method: PoolMethod, hksj: bool
) -> tuple[PooledPanel | None, list[NotPooled]]:
    skipped: list[NotPooled] = []

    def skip(row: ForestRow, reason: str) -> None:
        skipped.append(NotPooled(row.study_id, row.acronym, row.measure, row.text, reason))

    candidates: list[tuple[ForestRow, str]] = []
    for row in panel.rows:
        if row.ci is None:
            what = "a relative reduction" if row.converted_from is not None else "an estimate"
            skip(row, f"{what} without a CI: no standard error to weight it by")
        elif row.one_sided:
            skip(row, "a one-sided CI: its standard error is not read as from a two-sided one")
        elif not row.ci[0] < row.ci[1]:
            # Valid as reported (a rounded interval), but a standard error of 0 would give
            # the study all the weight; inverse variance cannot weight it.
            skip(row, "a CI of zero width: a standard error of 0 cannot be weighted")
        elif row.direction == "unknown":
            skip(row, "which group is compared with which is unknown (direction: unknown)")
        else:
            candidates.append((row, compares(studies[row.study_id], row)))
    if candidates:
        usual, _ = Counter(what for _, what in candidates).most_common(1)[0]
        kept = []
        for row, what in candidates:
            if what != usual:
                skip(row, f"compares {what}; the pooled rows compare {usual}")
            else:
                kept.append(row)
        per_study = Counter(row.study_id for row in kept)
        candidates = []
        for row in kept:
            if per_study[row.study_id] > 1:
                skip(row, "one of several comparisons in this study sharing a comparator group")
            else:
                candidates.append((row, usual))
    rows = [row for row, _ in candidates]
    if len(rows) < 2:
        for row in rows:
            skip(row, _alone_reason(panel, others))
        return None, skipped
    if method == "mantel-haenszel" or method == "mantel-haenszel-random":
        counted = [(row, _counts(studies[row.study_id], row)) for row in rows]
        if panel.measure not in MH_MEASURES or any(t is None for _, t in counted):
            for row in rows:
                skip(row, "Mantel–Haenszel pools risk or odds ratios from n/N in both arms")
            return None, skipped
        tables: list[TwoByTwo] = []
        rows = []
        for row, table in counted:
            assert table is not None
            if table.events_experimental == 0 and table.events_comparator == 0:
                skip(row, "no events in either arm: no information on a ratio")
            else:
                rows.append(row)
                tables.append(table)
        if len(rows) < 2:
            for row in rows:
                skip(row, "the only study with events that can be pooled; pooling needs two")
            return None, skipped
        random = method == "mantel-haenszel-random"
        statistics = mantel_haenszel(tables, MH_MEASURES[panel.measure], LEVEL, random)
    else:
        log = panel.scale == "log"
        effects = [math.log(r.estimate) if log else r.estimate for r in rows]
        variances = [_se(r, log) ** 2 for r in rows]
        statistics = inverse_variance(effects, variances, method, LEVEL, hksj)
    back = math.exp if panel.scale == "log" else float
    prediction = statistics.prediction
    return (
        PooledPanel(
            measure=panel.measure,
            unit=panel.unit,
            scale=panel.scale,
            study_ids=tuple(r.study_id for r in rows),
            acronyms=tuple(r.acronym for r in rows),
            estimate=back(statistics.estimate),
            ci=(back(statistics.ci[0]), back(statistics.ci[1])),
            prediction=(back(prediction[0]), back(prediction[1])) if prediction else None,
            statistics=statistics,
            compares=candidates[0][1],
            inferred=tuple(r.acronym for r in rows if r.direction == "inferred"),
        ),
        skipped,
    )


def _alone_reason(panel: Panel, others: list[str]) -> str:
    name = panel.measure.replace("-", " ")
    if panel.unit:
        name += f" in {panel.unit}"
    names = sorted({o.replace("-", " ") + "s" for o in others})
    if names:
        return f"the only {name} that can be pooled; it is never pooled with {' or '.join(names)}"
    return f"the only {name} that can be pooled; pooling needs two"


def _se(row: ForestRow, log: bool) -> float:
    assert row.ci is not None
    return se_from_ci(row.ci[0], row.ci[1], row.ci_level, log=log)


def _counts(study: Study, row: ForestRow) -> TwoByTwo | None:
    endpoint = next((e for e in study.endpoints if e.id == row.endpoint_id), None)
    if endpoint is None:
        return None
    results = [endpoint.results.get(group) for group in row.arms]
    if any(r is None or r.n is None or not r.N for r in results):
        return None
    (a, b) = results
    assert a is not None and b is not None and a.N and b.N and a.n is not None
    assert b.n is not None
    return TwoByTwo(a.n, a.N, b.n, b.N)
