"""`trialcli compare --pool`: a pooled estimate per measure from study rows, and what was not.

Pooling takes the studies' rows (trialcli.ops.compare.ForestRow: one study's estimate of one
comparison), never a drawing. Rows are pooled within one measure (one kind of ratio, or
differences in one unit), so a rate ratio is never pooled with a hazard ratio. A row is
pooled only when:
- it has a confidence interval (the standard error comes from it; a relative reduction
  without a CI has none);
- the order of its groups is known (direction "stated" or "inferred", never "unknown");
- it compares the same thing as the other pooled rows: the same experimental drugs against
  the same kind of comparator (placebo or active), in that order;
- it is the study's only such row (two rows of one study share its comparator group);
- its follow-up is that of the other pooled rows, unless `allow_mixed_follow_up`.
- its experimental group is one dose, not several doses counted together, unless
  `allow_pooled_doses` (then it is named).
Ratios are pooled on the log scale. Everything here is computed by trialcli, never stated by
a source; the statistics live in trialcli.stats.meta.
"""

from __future__ import annotations

import math
from collections import Counter
from collections.abc import Sequence
from dataclasses import dataclass, replace
from typing import Literal

from trialcli.model import RATIO_MEASURES, Study
from trialcli.ops.compare import ForestRow, Scale
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
# metafor's method names, accepted beside trialcli's own.
METHOD_ALIASES: dict[str, PoolMethod] = {
    "dl": "dersimonian-laird",
    "pm": "paule-mandel",
    "fe": "fixed",
    "mh": "mantel-haenszel",
}
FIXED_METHODS = frozenset({"fixed", "mantel-haenszel"})
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
    rows: tuple[ForestRow, ...] = ()  # the rows pooled, in the order of study_ids
    follow_ups: tuple[str, ...] = ()  # each pooled row's follow-up ("not reported" if none)
    corrected: tuple[str, ...] = ()  # acronyms whose 2×2 table got the 0.5 correction
    pooled_doses: tuple[str, ...] = ()  # `CAMMS223 12 mg/day + 24 mg/day` (allow_pooled_doses)

    @property
    def method_name(self) -> str:
        name = METHOD_NAMES[self.statistics.method]
        if self.statistics.hksj_adhoc:
            return name + ", Hartung–Knapp–Sidik–Jonkman CI (ad hoc: never narrower)"
        return name + (", Hartung–Knapp–Sidik–Jonkman CI" if self.statistics.hksj else "")

    @property
    def mixed_follow_up(self) -> bool:
        return len(set(self.follow_ups)) > 1

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
class PoolOptions:
    """How to pool: the method, its CI, and whether follow-ups may differ."""

    method: PoolMethod = "reml"
    hksj: bool = False
    hksj_adhoc: bool = False  # Hartung–Knapp floored at the standard interval's width
    allow_mixed_follow_up: bool = False
    allow_pooled_doses: bool = False  # a group of several doses pooled with one dose's rows


@dataclass(frozen=True)
class PoolResult:
    code: str
    method: PoolMethod
    hksj: bool
    panels: tuple[PooledPanel, ...]
    not_pooled: tuple[NotPooled, ...]
    options: PoolOptions = PoolOptions()


def pool_method(name: str) -> PoolMethod:
    """A method by trialcli's name or metafor's (`dl`, `reml`, `pm`, `fe`, `mh`)."""
    method = METHOD_ALIASES.get(name) or next((m for m in POOL_METHODS if m == name), None)
    if method is None:
        raise ValueError(f"unknown pooling method {name!r}")
    return method


def check_options(options: PoolOptions) -> None:
    """Hartung–Knapp adjusts an inverse-variance random-effects CI, and nothing else."""
    if not (options.hksj or options.hksj_adhoc):
        return
    if options.method in FIXED_METHODS:
        raise ValueError(
            f"--hksj adjusts a random-effects CI; {METHOD_NAMES[options.method]} has no τ² "
            "to adjust for (choose --method reml, pm or dl)"
        )
    if options.method == "mantel-haenszel-random":
        raise ValueError(
            "--hksj adjusts an inverse-variance random-effects CI; RevMan's M-H random "
            "model has none (choose --method reml, pm or dl)"
        )


def _key(row: ForestRow) -> tuple[str, str | None]:
    return row.measure, None if row.measure in RATIO_MEASURES else row.unit


def measure_groups(rows: Sequence[ForestRow]) -> list[tuple[str, str | None, list[ForestRow]]]:
    """Rows by endpoint and (measure, unit): ratios in RATIO_MEASURES, then differences.

    Rows of different endpoint codes are never pooled together (a hazard ratio for
    disability with one for relapse); rows chosen as STUDY:ID, without a code, are the
    user's own pairing and form one group.
    """
    order: dict[str, int] = {m: i for i, m in enumerate(RATIO_MEASURES)}
    keys = sorted(
        dict.fromkeys((r.code, *_key(r)) for r in rows),
        key=lambda k: order.get(k[1], len(order)),
    )
    return [(m, u, [r for r in rows if (r.code, *_key(r)) == (c, m, u)]) for c, m, u in keys]


def pool_rows(
    rows: Sequence[ForestRow],
    studies: Sequence[Study],
    code: str,
    options: PoolOptions = PoolOptions(),
) -> PoolResult:
    """Pool the study rows of each measure; `code` names the endpoint they are of."""
    check_options(options)
    by_id = {s.id: s for s in studies}
    panels: list[PooledPanel] = []
    not_pooled: list[NotPooled] = []
    groups = measure_groups(rows)
    for measure, unit, members in groups:
        code_of = members[0].code
        others = [m for m, _, group in groups if m != measure and group[0].code == code_of]
        pooled, skipped = _pool_group(measure, unit, members, others, by_id, options)
        not_pooled += skipped
        if pooled is not None:
            panels.append(pooled)
    return PoolResult(code, options.method, options.hksj, tuple(panels), tuple(not_pooled), options)


def pool_selected(
    measure: str,
    unit: str | None,
    rows: Sequence[ForestRow],
    studies: Sequence[Study],
    options: PoolOptions,
) -> PooledPanel | None:
    """Rows already chosen for pooling (a sensitivity analysis's subset); None if < 2 pool."""
    pooled, _ = _pool_group(measure, unit, list(rows), [], {s.id: s for s in studies}, options)
    return pooled


def follow_up(row: ForestRow) -> str:
    return row.time_frame or "follow-up not reported"


def compares(study: Study, row: ForestRow) -> str:
    """`alemtuzumab vs active comparator`: what a row's estimate is of, for matching rows."""
    experimental, comparator = row.arms
    role = study.group_role(comparator)
    kind = {"placebo": "placebo", "active-comparator": "active comparator"}.get(
        role or "", "a comparator of unknown kind"
    )
    doses = pooled_doses(study, experimental)
    pooled = f" ({doses} pooled)" if doses else ""
    return f"{' + '.join(_drugs(study, experimental)) or experimental}{pooled} vs {kind}"


def pooled_doses(study: Study, group_id: str) -> str | None:
    """`12 mg/day + 24 mg/day` when the group counts arms given different doses together.

    Such a row is not the estimate of any one dose: it is never pooled with one dose's
    rows as if it were the usual dose's (CAMMS223's 12 + 24 mg arms beside CARE-MS's 12 mg).
    """
    pooled = next((p for p in study.pooled_arms if p.id == group_id), None)
    if pooled is None:
        return None
    doses = {
        i.dose or "dose not stated"
        for arm in study.arms
        if arm.id in pooled.arms
        for i in arm.interventions
    }
    distinct = sorted(doses, key=lambda d: (len(d), d))
    return " + ".join(distinct) if len(distinct) > 1 else None


def _one_dose(what: str) -> str:
    """`alemtuzumab vs placebo` from `alemtuzumab (12 mg/day + 24 mg/day pooled) vs placebo`."""
    head, pooled, tail = what.partition(" pooled) vs ")
    return f"{head.rsplit(' (', 1)[0]} vs {tail}" if pooled else what


def _drugs(study: Study, group_id: str) -> list[str]:
    pooled = next((p for p in study.pooled_arms if p.id == group_id), None)
    members = pooled.arms if pooled else [group_id]
    return sorted(
        {i.drug.casefold() for arm in study.arms if arm.id in members for i in arm.interventions}
    )


def _pool_group(
    measure: str,
    unit: str | None,
    members: list[ForestRow],
    others: list[str],
    studies: dict[str, Study],
    options: PoolOptions,
) -> tuple[PooledPanel | None, list[NotPooled]]:
    skipped: list[NotPooled] = []
    method = options.method
    scale: Scale = "log" if measure in RATIO_MEASURES else "linear"

    skipped_rows: list[ForestRow] = []

    def skip(row: ForestRow, reason: str) -> None:
        skipped.append(NotPooled(row.study_id, row.acronym, row.measure, row.text, reason))
        skipped_rows.append(row)

    candidates: list[tuple[ForestRow, str]] = []
    for row in members:
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
            what = compares(studies[row.study_id], row)
            if options.allow_pooled_doses:
                what = _one_dose(what)
            candidates.append((row, what))
    if candidates:
        # The most frequent kind of comparison, one dose's before pooled doses' (a tie of one
        # study each must not make the pooled-doses row the one kept).
        kinds = Counter(what for _, what in candidates)
        usual = min(kinds, key=lambda what: ("pooled) vs " in what, -kinds[what]))
        kept = []
        for row, what in candidates:
            if what != usual and "pooled) vs " in what:
                skip(
                    row,
                    f"compares {what}: not one dose's estimate, so not pooled with rows that "
                    f"compare {usual} (the study reports no poolable estimate of one dose here; "
                    "--allow-pooled-doses pools it, named)",
                )
            elif what != usual:
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
    if candidates and not options.allow_mixed_follow_up:
        common, _ = Counter(follow_up(row) for row, _ in candidates).most_common(1)[0]
        # Every reason: a row already left out (pooled doses, no CI) at another follow-up
        # says that too, so that one --allow-… flag does not reveal a second reason.
        for i, row in enumerate(skipped_rows):
            if follow_up(row) != common:
                skipped[i] = replace(
                    skipped[i],
                    reason=f"{skipped[i].reason}; and follow-up {follow_up(row)}, where the "
                    f"pooled rows are at {common} (--allow-mixed-follow-up pools across "
                    "time frames)",
                )
        kept_rows = []
        for row, what in candidates:
            if follow_up(row) != common:
                skip(
                    row,
                    f"follow-up {follow_up(row)}; the pooled rows are at {common} "
                    "(--allow-mixed-follow-up pools across time frames)",
                )
            else:
                kept_rows.append((row, what))
        candidates = kept_rows
    rows = [row for row, _ in candidates]
    if len(rows) < 2:
        for row in rows:
            skip(row, _alone_reason(measure, unit, others))
        return None, skipped
    corrected: tuple[str, ...] = ()
    if method == "mantel-haenszel" or method == "mantel-haenszel-random":
        counted = [(row, _counts(studies[row.study_id], row)) for row in rows]
        if measure not in MH_MEASURES or any(t is None for _, t in counted):
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
        statistics = mantel_haenszel(tables, MH_MEASURES[measure], LEVEL, random)
        corrected = tuple(
            r.acronym for r, t in zip(rows, tables, strict=True) if t.corrected() != t
        )
    else:
        log = scale == "log"
        effects = [math.log(r.estimate) if log else r.estimate for r in rows]
        variances = [_se(r, log) ** 2 for r in rows]
        statistics = inverse_variance(
            effects, variances, method, LEVEL, options.hksj, options.hksj_adhoc
        )
    back = math.exp if scale == "log" else float
    prediction = statistics.prediction
    return (
        PooledPanel(
            measure=measure,
            unit=unit,
            scale=scale,
            study_ids=tuple(r.study_id for r in rows),
            acronyms=tuple(r.acronym for r in rows),
            estimate=back(statistics.estimate),
            ci=(back(statistics.ci[0]), back(statistics.ci[1])),
            prediction=(back(prediction[0]), back(prediction[1])) if prediction else None,
            statistics=statistics,
            compares=candidates[0][1],
            inferred=tuple(r.acronym for r in rows if r.direction == "inferred"),
            rows=tuple(rows),
            follow_ups=tuple(follow_up(r) for r in rows),
            corrected=corrected,
            pooled_doses=tuple(
                f"{r.acronym} {doses}"
                for r in rows
                if (doses := pooled_doses(studies[r.study_id], r.arms[0]))
            ),
        ),
        skipped,
    )


def _alone_reason(measure: str, unit: str | None, others: list[str]) -> str:
    name = measure.replace("-", " ")
    if unit:
        name += f" in {unit}"
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
