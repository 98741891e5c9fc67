"""`trialcli sof`: a Summary-of-Findings table (Cochrane Handbook, chapter 14).

One row per outcome, at most seven, primary endpoints first. Each row holds the number of
participants (studies), the relative effect with its CI, and the anticipated absolute effects
per 1,000: the risk with the comparator and the risk with the intervention, computed from
the comparator's risk and the relative effect (trialcli.stats.absolute).

Where the numbers come from, in order of preference:
- the relative effect: the ratio a study reports; across several studies, the pooled
  estimate of `compare --pool` (REML); else a risk ratio computed from n/N (Katz), and
  across several studies those pooled by the same method (one method per table);
- the comparator's risk: its arm's n/N (summed over studies), else its stated percentage;
  for a rate, its stated rate;
- certainty: a reviewer's judgements file, else a rating the study file records, with its
  source; else "not assessed".
Several studies that cannot be pooled are "not pooled (see comments)", each study's own
figures in the comments: never "not reported" where the figures exist.
"""

from __future__ import annotations

import statistics
from collections.abc import Sequence
from dataclasses import dataclass, replace

from trialcli.endpoint_codes import CODES
from trialcli.formatting import MEASURE_NAMES, number, result_text, with_interval
from trialcli.model import RATIO_MEASURES, ArmResult, Comparison, Endpoint, Study
from trialcli.ops.compare import compare_studies, group_size
from trialcli.ops.effects import absolute_effects
from trialcli.ops.judgements import (
    Judgements,
    certainty_reasons,
    certainty_text,
    file_warnings,
    rob2_text,
)
from trialcli.ops.pool import PoolOptions, pool_rows
from trialcli.ops.rob import TrafficLight, traffic_light
from trialcli.ops.sof_harms import (
    SOF_METHOD,
    follow_up,
    harm_ratio,
    harms,
    is_harm,
    left_out,
    pooled_risk_ratio,
    ratio_informative,
)
from trialcli.stats import risk_ratio
from trialcli.stats.absolute import per_thousand, risk_with_intervention
from trialcli.stats.meta import METHOD_NAMES, Pooled, TwoByTwo

MAX_OUTCOMES = 7  # Cochrane Handbook §14.1.4: no more than seven outcomes
LEVEL_ORDER = {"primary": 0, "secondary": 1, "tertiary": 2, "exploratory": 3}
NOT_ASSESSED = "not assessed"
# A row of several studies whose figures exist but were not pooled: never "not reported".
NOT_POOLED = "not pooled (see comments)"


@dataclass(frozen=True)
class Relative:
    measure: str
    estimate: float
    ci: tuple[float, float] | None
    ci_level: float
    how: str  # "as reported", "pooled by trialcli (…)", "computed by trialcli from n/N (Katz)"


@dataclass(frozen=True)
class SofRow:
    outcome: str
    code: str | None
    level: str
    time_frame: str | None
    studies: tuple[str, ...]  # acronyms
    participants: int | None
    groups: str  # "Alemtuzumab 12 mg vs IFN beta-1a (Rebif)"
    relative: Relative | None
    per: str  # "per 1,000" or "per 1,000 patient-years"
    comparator: int | None  # per 1,000
    comparator_basis: str  # "104/202", "46.7%", "0.52 relapses per year"
    intervention: int | None  # per 1,000
    intervention_ci: tuple[int, int] | None
    difference: int | None  # per 1,000, intervention − comparator
    difference_ci: tuple[int, int] | None
    certainty: str
    comments: tuple[str, ...]
    # Each arm's own result as reported (comparator, intervention), shown where no
    # per-1,000 figure can be computed, e.g. for a continuous outcome.
    arm_results: tuple[str, str] | None = None
    # Set (to NOT_POOLED) where the studies' figures exist but no pooled figure was made.
    not_pooled: str | None = None
    certainty_source: str | None = None  # the judgements file, or the source a study cites


@dataclass(frozen=True)
class SofTable:
    studies: tuple[str, ...]
    rows: tuple[SofRow, ...]
    left_out: tuple[str, ...]  # outcomes beyond the seventh
    # GRADEpro's header, from the reviewer's judgements file ("not stated" without one).
    header: tuple[tuple[str, str], ...] = ()
    risk_of_bias: tuple[str, ...] = ()  # each study's RoB 2 judgements, with their source
    traffic_light: TrafficLight | None = None  # the same, laid out as robvis draws them
    method: str | None = None  # every pooled row's, ratios and n/N alike; None if none is
    warnings: tuple[str, ...] = ()  # what in the judgements file matches nothing or disagrees


def summary_of_findings(
    studies: Sequence[Study],
    codes: Sequence[str] = (),
    judgements: Judgements | None = None,
    file: str = "the judgements file",
    known_ids: frozenset[str] = frozenset(),
) -> SofTable:
    """Endpoints by code or id, and harms by term (`-e "thyroid disorders"`), at most seven.

    Certainty comes only from a reviewer's `judgements`; without them, "not assessed".
    A study id in the file that is neither among `studies` nor in `known_ids` (the catalog's)
    is warned about: a typo, where a study merely left out of this table is not.
    The studies are taken in one order (by acronym), so the order they were named in
    changes nothing.
    """
    studies = sorted(studies, key=lambda s: (s.acronym.casefold(), s.id))
    known = {k for s in studies for e in s.endpoints for k in (e.code, e.id) if k}
    harm_terms = [c for c in codes if c not in known and is_harm(studies, c)]
    outcomes = _outcomes(studies, [c for c in codes if c not in harm_terms])
    if harm_terms and len(harm_terms) == len(codes):
        outcomes = []
    rows = [_row(members) for _, members in outcomes]
    rows += [_harm_row(term, studies) for term in harm_terms]
    names = [_outcome_name(members) for _, members in outcomes] + harm_terms
    header: tuple[tuple[str, str], ...] = ()
    judged: tuple[str, ...] = ()
    light = None
    warnings: tuple[str, ...] = ()
    if judgements is not None:
        light = traffic_light(studies, judgements, file)
        # An outcome is judged by its code, else by any of its endpoints' ids.
        aliases = [
            [k for k in (members[0][1].code, *(e.id for _, e in members)) if k]
            for _, members in outcomes
        ] + [[term] for term in harm_terms]
        keys = [next((k for k in ks if k in judgements.outcomes), ks[0]) for ks in aliases]
        rows = [_judged(row, key, judgements, file) for row, key in zip(rows, keys, strict=True)]
        # A key for an outcome left out by -e is not a typo; one no study has is.
        outcomes_known = known | {k for k in judgements.outcomes if is_harm(studies, k)}
        warnings = tuple(
            file_warnings(judgements, outcomes_known, {s.id for s in studies} | known_ids, file)
        )
        header = tuple(
            (name, getattr(judgements, name) or "not stated")
            for name in ("population", "setting", "intervention", "comparison")
        )
        judged = tuple(
            rob2_text(s.acronym, judgements.studies[s.id])
            for s in studies
            if s.id in judgements.studies
        )
    return SofTable(
        tuple(s.acronym for s in studies),
        tuple(rows[:MAX_OUTCOMES]),
        tuple(names[MAX_OUTCOMES:]),
        header,
        judged,
        light if light is not None and light.rows else None,
        METHOD_NAMES[SOF_METHOD]
        if any(r.relative and r.relative.how.startswith("pooled") for r in rows[:MAX_OUTCOMES])
        else None,
        warnings,
    )


def _judged(row: SofRow, key: str, judgements: Judgements, file: str) -> SofRow:
    """The reviewer's certainty, where it is from, and the reasons for each domain rated
    down."""
    grade = judgements.outcomes.get(key)
    reasons = tuple(f"certainty: {reason}" for reason in certainty_reasons(grade))
    return replace(
        row,
        certainty=certainty_text(grade),
        certainty_source=file if grade is not None and grade.certainty is not None else None,
        comments=(*row.comments, *reasons),
    )


def _harm_row(selector: str, studies: Sequence[Study]) -> SofRow:
    found = harms(studies, selector)
    first = found[0]
    ratio = harm_ratio(found)
    events = sum(h.table.events_comparator for h in found)
    people = sum(h.table.total_comparator for h in found)
    risk = events / people
    comments = [f"{h.study.acronym}: {h.finding.population}" for h in found if h.finding.population]
    comments += left_out(studies, selector)
    relative = intervention = difference = None
    intervention_ci = difference_ci = None
    if ratio is not None:
        estimate, ci, how = ratio
        relative = Relative("risk-ratio", estimate, ci, 95, how)
        exact = risk_with_intervention(risk, estimate, "risk-ratio")
        intervention = per_thousand(exact)
        difference = per_thousand(exact - risk)  # from unrounded risks
        low, high = (risk_with_intervention(risk, r, "risk-ratio") for r in ci)
        intervention_ci = (per_thousand(low), per_thousand(high))
        difference_ci = (per_thousand(low - risk), per_thousand(high - risk))
        if len(found) > 1 and (pooled := pooled_risk_ratio([h.table for h in found])):
            comments.append(_heterogeneity(pooled[3]))
    else:
        comments.append("risk ratio not estimable from these counts")
    zero = [h.study.acronym for h in found if h.table.corrected() != h.table]
    if zero and ratio is not None:
        comments.append(
            f"0.5 added to every cell of the 2×2 table (a zero cell): {', '.join(zero)}"
        )
    name = first.finding.term + (" (serious)" if first.finding.serious else "")
    return SofRow(
        outcome=name,
        code=None,
        level="harm",
        time_frame=follow_up(found),
        studies=tuple(h.study.acronym for h in found),
        participants=int(sum(h.table.total_experimental + h.table.total_comparator for h in found)),
        groups=f"{first.study.group_label(first.experimental)} vs "
        f"{first.study.group_label(first.comparator)}",
        relative=relative,
        per="per 1,000",
        comparator=per_thousand(risk),
        comparator_basis=f"{events:,.0f}/{people:,.0f}",
        intervention=intervention,
        intervention_ci=intervention_ci,
        difference=difference,
        difference_ci=difference_ci,
        certainty=NOT_ASSESSED,
        comments=tuple(comments),
    )


Members = list[tuple[Study, Endpoint]]


def _outcomes(studies: Sequence[Study], codes: Sequence[str]) -> list[tuple[str, Members]]:
    """Endpoints matched across studies by code (else each on its own), primaries first."""
    grouped: dict[str, Members] = {}
    for study in studies:
        for endpoint in study.endpoints:
            if codes and endpoint.code not in codes and endpoint.id not in codes:
                continue
            key = endpoint.code or f"{study.id}:{endpoint.id}"
            members = grouped.setdefault(key, [])
            # One endpoint per study and outcome: the first, usually the primary analysis.
            if all(s.id != study.id for s, _ in members):
                members.append((study, endpoint))
    ordered = sorted(
        grouped.items(), key=lambda item: min(LEVEL_ORDER[e.level] for _, e in item[1])
    )
    return ordered


def _row(members: Members) -> SofRow:
    first_study, first = members[0]
    comments: list[str] = []
    relative, used = _relative(first.code, members, comments)
    comparator_risk, basis = _comparator_risk(used, comments)
    per = "per 1,000 patient-years" if first.kind == "rate" else "per 1,000"
    if first.kind == "rate" and used:
        unit = used[0][1].results.get(used[0][2].arms[1], ArmResult()).unit
        if unit and "year" not in unit:
            per = f"per 1,000 ({unit} × 1,000)"
    comparator = intervention = difference = None
    intervention_ci = difference_ci = None
    if relative is not None and comparator_risk is not None:
        comparator = per_thousand(comparator_risk)
        risk = risk_with_intervention(comparator_risk, relative.estimate, relative.measure)
        intervention = per_thousand(risk)
        # Differences from the unrounded risks, not from the rounded per-1,000 figures.
        difference = per_thousand(risk - comparator_risk)
        if relative.ci is not None:
            low, high = (
                risk_with_intervention(comparator_risk, r, relative.measure) for r in relative.ci
            )
            intervention_ci = (per_thousand(low), per_thousand(high))
            difference_ci = (
                per_thousand(low - comparator_risk),
                per_thousand(high - comparator_risk),
            )
    elif comparator_risk is not None:
        comparator = per_thousand(comparator_risk)
    elif len(members) == 1 and (stated := _stated_risks(first)) is not None:
        # No ratio and no counts, but both arms' percentages: the table still shows them.
        risk_c, risk_t, basis = stated
        comparator, intervention = per_thousand(risk_c), per_thousand(risk_t)
        difference = per_thousand(risk_t - risk_c)
        comments.append("per 1,000 from the arms' stated percentages; no relative effect or CI")
    participants = _participants(
        [(s, c.arms) for s, _, c in used] or [(s, _pair(s, e)) for s, e in members]
    )
    not_pooled = None
    if relative is None and comparator is None and len(members) > 1:
        each = [text for s, e in members if (text := _each_study(s, e)) is not None]
        comments.extend(each)
        not_pooled = NOT_POOLED if each else None
    groups = ""
    if used:
        study, _, comparison = used[0]
        experimental, control = comparison.arms
        groups = f"{study.group_label(experimental)} vs {study.group_label(control)}"
    arm_results = None
    if comparator is None and intervention is None and len(members) == 1:
        arm_results = _arm_results(first)
    # What `show` computes from the same arms, beside the table's anticipated effects.
    arms_used = {study.id: comparison.arms for study, _, comparison in used}
    for study, endpoint in members:
        if used and study.id not in arms_used:
            continue
        for effect in absolute_effects(study):
            if effect.endpoint == endpoint.id and effect.arms == arms_used.get(
                study.id, effect.arms
            ):
                comments.append(f"{study.acronym}, from the arms' own values: {effect.text}")
                break
    return SofRow(
        outcome=_outcome_name(members),
        code=first.code,
        level=first.level,
        time_frame=_follow_up(
            [(s, e) for s, e, _ in used] if used else members,
        ),
        studies=tuple(s.acronym for s, _, _ in used)
        if used
        else tuple(s.acronym for s, _ in members),
        participants=participants,
        groups=groups,
        relative=relative,
        per=per,
        comparator=comparator,
        comparator_basis=basis,
        intervention=intervention,
        intervention_ci=intervention_ci,
        difference=difference,
        difference_ci=difference_ci,
        certainty=_certainty(first_study, first),
        certainty_source=_certainty_source(first_study, first),
        comments=tuple(comments),
        arm_results=arm_results,
        not_pooled=not_pooled,
    )


def _outcome_name(members: Members) -> str:
    """The studies' shared name; where their names differ, the standard code's meaning.

    A row of several studies never carries one source's own title ("…, 12-mg arm only").
    """
    names = sorted({e.name for _, e in members})
    if len(names) == 1:
        return names[0]
    code = next((c for c in CODES if c.code == members[0][1].code), None)
    if code is not None:
        return code.meaning[:1].upper() + code.meaning[1:]
    return " / ".join(names)


def _follow_up(rows: Members) -> str | None:
    """The follow-up of the rows the figures rest on; where they differ, each with its studies
    (never one label over mixed follow-ups)."""
    frames: dict[str, list[str]] = {}
    for study, endpoint in rows:
        frames.setdefault(endpoint.time_frame or "follow-up not reported", []).append(study.acronym)
    if len(frames) == 1:
        [frame] = frames
        return None if frame == "follow-up not reported" else frame
    return "; ".join(f"{frame} ({', '.join(names)})" for frame, names in sorted(frames.items()))


def _stated_risks(endpoint: Endpoint) -> tuple[float, float, str] | None:
    """(comparator, intervention) risks as fractions from the arms' stated percentages."""
    if endpoint.kind not in {"proportion", "time-to-event"}:
        return None
    for comparison in endpoint.comparisons or ():
        treated, control = (endpoint.results.get(g) for g in comparison.arms)
        if (
            treated
            and control
            and treated.unit == "%" == control.unit
            and treated.value is not None
            and control.value is not None
        ):
            return control.value / 100, treated.value / 100, f"{number(control.value)}%"
    return None


def _pair(study: Study, endpoint: Endpoint) -> tuple[str, str] | None:
    """The (intervention, comparator) groups of an endpoint: its first comparison with both
    arms' results, else the arms `show` computes an effect between."""
    for comparison in endpoint.comparisons:
        if all(g in endpoint.results for g in comparison.arms):
            return comparison.arms
    for effect in absolute_effects(study):
        if effect.endpoint == endpoint.id:
            return effect.arms
    return None


def _each_study(study: Study, endpoint: Endpoint) -> str | None:
    """One study's own figures for a row that was not pooled, or None if it has none."""
    pair = _pair(study, endpoint)
    parts = []
    if pair is not None:
        treated, control = pair
        parts.append(
            f"{study.group_label(control)} {result_text(endpoint.results[control])} vs "
            f"{study.group_label(treated)} {result_text(endpoint.results[treated])}"
        )
    for c in endpoint.comparisons:
        if c.measure in RATIO_MEASURES and c.estimate is not None:
            name = MEASURE_NAMES.get(c.measure, c.measure)
            parts.append(f"{name} {with_interval(c.estimate, c.ci)}")
            break
    if not parts:
        return None
    frame = f", {endpoint.time_frame}" if endpoint.time_frame else ""
    return f"{study.acronym}{frame}: {'; '.join(parts)} (as reported)"


def _arm_results(endpoint: Endpoint) -> tuple[str, str] | None:
    """The compared arms' results as the source gives them: comparator, then intervention."""
    for comparison in endpoint.comparisons:
        experimental, control = comparison.arms
        if experimental in endpoint.results and control in endpoint.results:
            return (
                result_text(endpoint.results[control]),
                result_text(endpoint.results[experimental]),
            )
    return None


Used = list[tuple[Study, Endpoint, Comparison]]


def _relative(
    code: str | None, members: Members, comments: list[str]
) -> tuple[Relative | None, Used]:
    """The relative effect and the (study, endpoint, comparison) rows it rests on."""
    reported: Used = []
    for study, endpoint in members:
        ratios = [
            c
            for c in endpoint.comparisons
            if c.measure in RATIO_MEASURES and c.estimate is not None
        ]
        ratios.sort(key=lambda c: RATIO_MEASURES.index(c.measure))
        if ratios:
            reported.append((study, endpoint, ratios[0]))
    if len(reported) == 1:
        _, _, c = reported[0]
        assert c.estimate is not None
        return Relative(c.measure, c.estimate, c.ci, c.ci_level, "as reported"), reported
    if len(reported) > 1 and code is not None:
        chosen = [s for s, _ in members]
        options = PoolOptions(method=SOF_METHOD)
        pooled = pool_rows(compare_studies(chosen, code).rows, chosen, code, options)
        if pooled.panels:
            panel = pooled.panels[0]
            used = [r for r in reported if r[0].id in panel.study_ids]
            for item in pooled.not_pooled:
                comments.append(f"{item.acronym} not pooled: {item.reason}")
            comments.append(_heterogeneity(panel.statistics))
            how = f"pooled by trialcli ({panel.method_name})"
            if panel.tau2_unreliable:
                how += "; τ² from two studies is unreliable"
            return Relative(panel.measure, panel.estimate, panel.ci, 95, how), used
        comments.append("the studies' ratios could not be pooled; see compare --pool")
    if len(reported) > 1:
        return None, []
    # No ratio reported: a risk ratio from n/N, Mantel–Haenszel across several studies.
    counted: Used = []
    tables: list[TwoByTwo] = []
    for study, endpoint in members:
        for effect in absolute_effects(study):
            if effect.endpoint != endpoint.id or effect.measure != "risk-difference":
                continue
            a, b = (endpoint.results[k] for k in effect.arms)
            if a.n is None or not a.N or b.n is None or not b.N:
                continue
            counted.append((study, endpoint, Comparison(measure="risk-ratio", arms=effect.arms)))
            tables.append(TwoByTwo(a.n, a.N, b.n, b.N))
            break
    if len(tables) == 1:
        t = tables[0]
        single = risk_ratio(
            int(t.events_experimental),
            int(t.total_experimental),
            int(t.events_comparator),
            int(t.total_comparator),
        )
        if single is None:
            return None, []
        how = f"computed by trialcli from n/N ({single.method})"
        ci = (single.lower, single.upper)
        return Relative("risk-ratio", single.value, ci, single.level, how), counted
    if len(tables) > 1 and (from_counts := pooled_risk_ratio(tables)) is not None:
        estimate, ci, how, statistics = from_counts
        counted = [c for c, t in zip(counted, tables, strict=True) if ratio_informative(t)]
        comments.append(_heterogeneity(statistics))
        # compare draws only the ratios the studies report, so it cannot show this pool.
        comments.append(
            "each study's risk ratio computed by trialcli from n/N, then pooled; no study "
            "reports one, so compare --pool does not show this pool"
        )
        if statistics.k == 2:
            how += "; τ² from two studies is unreliable"
        return Relative("risk-ratio", estimate, ci, 95, how), counted
    return None, []


def _heterogeneity(statistics: Pooled) -> str:
    found = statistics.heterogeneity
    i2 = found.i2 if found.i2_tau2 is None else found.i2_tau2
    return (
        f"heterogeneity: I² {i2:.0f}%, τ² {found.tau2:.3f} ({statistics.k} "
        f"studies; Q {found.q:.2f}, df {found.df}, p {found.p:.3f})"
    )


def _comparator_risk(used: Used, comments: list[str]) -> tuple[float | None, str]:
    """The comparator group's risk (a fraction) or rate, and what it was computed from."""
    results = [e.results.get(c.arms[1]) for _, e, c in used]
    if not used or any(r is None for r in results):
        return None, ""
    arms = [r for r in results if r is not None]
    kind = used[0][1].kind
    if kind != "rate" and all(r.n is not None and r.N for r in arms):
        events = sum(r.n or 0 for r in arms)
        people = sum(r.N or 0 for r in arms)
        return events / people, f"{events:,}/{people:,}"
    if kind == "rate":
        values = [r.value for r in arms if r.value is not None]
        scale = 1.0
    else:
        values = [r.value for r in arms if r.value is not None and r.unit == "%"]
        scale = 100.0
    if len(values) != len(arms):
        return None, ""
    unit = arms[0].unit or ""
    shown = " " + unit if kind == "rate" and unit else unit
    if len(values) == 1:
        return values[0] / scale, f"{number(values[0])}{shown}"
    # Several comparator groups: their median (Cochrane Handbook chapter 14).
    listed = ", ".join(f"{number(v)}{shown}" for v in values)
    comments.append(f"comparator {'rate' if kind == 'rate' else 'risk'}: median of {listed}")
    return statistics.median(values) / scale, f"median of {len(values)} studies"


def _participants(used: Sequence[tuple[Study, tuple[str, str] | None]]) -> int | None:
    total = 0
    for study, arms in used:
        if arms is None:
            return None
        for group in arms:
            size = group_size(study, group)
            if size is None:
                return None
            total += size
    return total


def _certainty_source(study: Study, endpoint: Endpoint) -> str | None:
    rated = endpoint.certainty
    if rated is None:
        return None
    source = study.source(rated.source)
    return source.citation if source else rated.source


def _certainty(study: Study, endpoint: Endpoint) -> str:
    rated = endpoint.certainty
    if rated is None:
        return NOT_ASSESSED
    source = study.source(rated.source)
    cited = source.citation if source else rated.source
    rating = rated.rating.replace("-", " ")
    return f"{rating} ({rated.system}; {cited})"
