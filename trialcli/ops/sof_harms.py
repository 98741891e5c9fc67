"""Harms as Summary-of-Findings outcomes: `sof -e "thyroid disorders"`.

A safety finding is an outcome like any other: the comparator's risk is its arm's
affected/at risk (summed over studies), the relative effect a risk ratio from the counts
(Katz for one study; across several, their log risk ratios pooled by the table's one
method, SOF_METHOD; 0.5 added to every cell of a table with a zero cell), and the
anticipated risk with the intervention follows from both by the same formula
(trialcli.stats.absolute). `serious <term>` chooses the findings recorded as serious only.
Computed by trialcli, never stated by a source.
"""

from __future__ import annotations

import math
from collections.abc import Sequence
from dataclasses import dataclass

from trialcli.model import SafetyFinding, Study
from trialcli.ops.harm_terms import term_key
from trialcli.ops.pool import pooled_doses
from trialcli.stats import risk_ratio, z_for
from trialcli.stats.meta import (
    METHOD_NAMES,
    Method,
    Pooled,
    TwoByTwo,
    inverse_variance,
    study_effect,
)

COMPARATOR_ROLES = {"placebo", "active-comparator"}
# One pooling method for the whole table (issue 23), compare --pool's default: reported
# ratios and risk ratios from n/N alike.
SOF_METHOD: Method = "reml"


@dataclass(frozen=True)
class Harm:
    """One study's counts for a harm: who was compared with whom, and where it is written."""

    study: Study
    finding: SafetyFinding
    experimental: str
    comparator: str
    table: TwoByTwo


def harm_selector(selector: str) -> tuple[str, bool]:
    """(term key, serious only): `serious infections` → ("infection", True)."""
    words = selector.strip()
    serious = words.casefold().startswith("serious ")
    return term_key(words[8:] if serious else words), serious


def is_harm(studies: Sequence[Study], selector: str) -> bool:
    return any(_harm(study, selector) is not None for study in studies)


def harms(studies: Sequence[Study], selector: str) -> list[Harm]:
    return [h for study in studies if (h := _harm(study, selector)) is not None]


def left_out(studies: Sequence[Study], selector: str) -> list[str]:
    """Why a study that reports the harm is not in its row: its only counts are of a group
    of several doses, which is not one dose's risk (the rule `compare --pool` keeps)."""
    reasons = []
    for study in studies:
        if _harm(study, selector) is not None:
            continue
        doses = [
            f"{study.group_label(g)} ({d})"
            for g in _counted(study, selector)
            if (d := pooled_doses(study, g)) is not None
        ]
        if doses:
            reasons.append(
                f"{study.acronym} left out: its counts are of {', '.join(doses)}, several "
                "doses counted together, not one dose's"
            )
    return reasons


def follow_up(found: Sequence[Harm]) -> str | None:
    """Each study's follow-up (its stated duration; a harm has no time frame of its own),
    named with its studies where they differ: never one label over mixed follow-ups."""
    frames: dict[str, list[str]] = {}
    for h in found:
        frames.setdefault(h.study.design.duration or "follow-up not reported", []).append(
            h.study.acronym
        )
    if len(frames) == 1:
        [frame] = frames
        return None if frame == "follow-up not reported" else frame
    return "; ".join(f"{frame} ({', '.join(names)})" for frame, names in sorted(frames.items()))


def _counted(study: Study, selector: str) -> list[str]:
    key, serious = harm_selector(selector)
    return [
        group
        for finding in study.safety
        if term_key(finding.term) == key and bool(finding.serious) == serious
        for group, value in finding.arms.items()
        if value.affected is not None and value.at_risk and not study.is_subset(group)
    ]


def _harm(study: Study, selector: str) -> Harm | None:
    key, serious = harm_selector(selector)
    for finding in study.safety:
        if term_key(finding.term) != key or bool(finding.serious) != serious:
            continue
        counted = {
            group: value
            for group, value in finding.arms.items()
            if value.affected is not None and value.at_risk and not study.is_subset(group)
        }
        comparators = [g for g in counted if study.group_role(g) in COMPARATOR_ROLES]
        # A group of several doses is not one dose's risk (CAMMS223's 12 + 24 mg).
        others = [g for g in counted if g not in comparators and pooled_doses(study, g) is None]
        if comparators and others:
            e, c = counted[others[0]], counted[comparators[0]]
            assert e.affected is not None and e.at_risk and c.affected is not None and c.at_risk
            table = TwoByTwo(e.affected, e.at_risk, c.affected, c.at_risk)
            return Harm(study, finding, others[0], comparators[0], table)
    return None


def harm_ratio(found: Sequence[Harm]) -> tuple[float, tuple[float, float], str] | None:
    """The risk ratio, its 95% CI and how it was computed; None where not estimable."""
    if len(found) == 1:
        t = found[0].table
        if t.events_experimental == 0 or t.events_comparator == 0:
            t = t.corrected()
            how = "computed by trialcli from n/N (Katz log; 0.5 added to every cell)"
            single = risk_ratio_corrected(t)
        else:
            how = "computed by trialcli from n/N (Katz log)"
            katz = risk_ratio(
                int(t.events_experimental), int(t.total_experimental),
                int(t.events_comparator), int(t.total_comparator),
            )  # fmt: skip
            single = None if katz is None else (katz.value, (katz.lower, katz.upper))
        return None if single is None else (single[0], single[1], how)
    pooled = pooled_risk_ratio([h.table for h in found])
    return None if pooled is None else pooled[:3]


def ratio_informative(t: TwoByTwo) -> bool:
    """False for no events in either arm, or everyone in both: no information on a ratio."""
    none = t.events_experimental == 0 and t.events_comparator == 0
    everyone = t.events_experimental == t.total_experimental and (
        t.events_comparator == t.total_comparator
    )
    return not (none or everyone)


def pooled_risk_ratio(
    tables: Sequence[TwoByTwo],
) -> tuple[float, tuple[float, float], str, Pooled] | None:
    """Several studies' risk ratios from n/N (Katz log, 0.5 added to a table with a zero
    cell), pooled by SOF_METHOD; None unless two tables carry information on a ratio."""
    informative = [t for t in tables if ratio_informative(t)]
    if len(informative) < 2:
        return None
    effects, variances = zip(*(study_effect(t, "risk-ratio") for t in informative), strict=True)
    pooled = inverse_variance(effects, variances, SOF_METHOD)
    how = f"pooled by trialcli from n/N (Katz log risk ratios; {METHOD_NAMES[SOF_METHOD]})"
    ci = (math.exp(pooled.ci[0]), math.exp(pooled.ci[1]))
    return math.exp(pooled.estimate), ci, how, pooled


def risk_ratio_corrected(t: TwoByTwo) -> tuple[float, tuple[float, float]] | None:
    """Katz's log interval on a table already given the continuity correction."""
    a, n1, c, n2 = (
        t.events_experimental,
        t.total_experimental,
        t.events_comparator,
        t.total_comparator,
    )
    if a == n1 and c == n2:
        return None  # both arms 100%: no information on a ratio
    ratio = (a / n1) / (c / n2)
    spread = z_for(95) * math.sqrt(1 / a - 1 / n1 + 1 / c - 1 / n2)
    return ratio, (ratio * math.exp(-spread), ratio * math.exp(spread))
