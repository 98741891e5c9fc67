"""`network`: which treatment works best, from every catalog study of one endpoint.

Builds the network from study files — nodes are treatments, a study's arms its contrasts —
and fits it with stats/network.py. What a node is: the arm's `treatment:` when the file
says it, else its first intervention's drug, normalised (case, spacing, hyphens, salt
names) and kept apart by brand ("interferon beta-1a (Rebif)" is not "(Avonex)") and, with
`by_dose`, by dose. Two arms of one study on the same node (two doses) are combined, and
the result says so.
"""

from __future__ import annotations

import math
import re
from collections.abc import Sequence
from dataclasses import dataclass

from trialcli.model import Arm, Better, Endpoint, Study
from trialcli.ops.keys import DEFAULT_MEASURE, NetworkMeasure
from trialcli.stats import z_for
from trialcli.stats.network import (
    Contrast,
    Events,
    Excluded,
    Model,
    Network,
    NetworkError,
    Split,
    StudyArms,
    Tau2Method,
    arms_from_events,
    fit_network,
    p_scores,
    splits,
)

MEASURE_WORDS = {NetworkMeasure.odds_ratio: "odds ratio", NetworkMeasure.risk_ratio: "risk ratio"}
SINGLE_TRIAL_SMALL = 100  # participants: below this, one trial is flagged as small

_SALTS = frozenset(
    {
        "hydrochloride",
        "hcl",
        "sodium",
        "potassium",
        "calcium",
        "magnesium",
        "mesylate",
        "maleate",
        "tartrate",
        "besylate",
        "sulfate",
        "sulphate",
        "citrate",
        "phosphate",
    }
)


@dataclass(frozen=True)
class Node:
    key: str
    label: str


@dataclass(frozen=True)
class Included:
    study: str  # id
    acronym: str
    treatments: tuple[str, ...]
    participants: int
    follow_up: str | None
    condition: str


@dataclass(frozen=True)
class NetworkReport:
    code: str
    endpoint: str
    measure: NetworkMeasure
    better: Better | None
    level: float
    network: Network
    p_scores: dict[str, float] | None
    splits: tuple[Split, ...]
    included: tuple[Included, ...]
    excluded: tuple[Excluded, ...]
    combined: tuple[str, ...]
    warnings: tuple[str, ...]
    participants: dict[str, int]
    trials: dict[str, int]
    edges: dict[tuple[str, str], int]

    def ci(self, contrast: Contrast) -> tuple[float, float, float]:
        """Estimate and CI on the measure's own (ratio) scale."""
        low, high = contrast.ci(z_for(self.level))
        return math.exp(contrast.estimate), math.exp(low), math.exp(high)


def node_key(name: str) -> str:
    """What two spellings of one treatment share: case, spacing, hyphens and salts aside."""
    words = re.split(r"[\s\-_/]+", name.casefold().strip())
    return " ".join(w for w in words if w and w not in _SALTS)


def node(arm: Arm, by_dose: bool) -> Node:
    if arm.treatment:
        return Node(node_key(arm.treatment), arm.treatment)
    first = arm.interventions[0]
    label = first.drug
    if first.brand and first.brand.casefold() not in label.casefold():
        label = f"{label} ({first.brand})"
    if by_dose and first.dose:
        label = f"{label} {first.dose}"
    return Node(node_key(label), label)


def _endpoint(study: Study, code: str) -> Endpoint | None:
    for endpoint in study.endpoints:
        if endpoint.code == code or endpoint.id == code:
            return endpoint
    return None


def build_network(
    studies: Sequence[Study],
    code: str,
    *,
    reference: str | None = None,
    measure: NetworkMeasure = DEFAULT_MEASURE,
    model: Model = "random",
    method: Tau2Method = "reml",
    better: Better | None = None,
    by_dose: bool = False,
    level: float = 95,
) -> NetworkReport:
    """Raises NetworkError when no network can be fitted (no data, disconnected)."""
    spellings: dict[str, dict[str, int]] = {}
    gathered: list[tuple[Study, Endpoint, dict[str, list[int]]]] = []
    excluded: list[Excluded] = []
    combined: list[str] = []
    comparator_arms: dict[str, int] = {}
    for study in studies:
        endpoint = _endpoint(study, code)
        if endpoint is None:
            continue
        counts: dict[str, list[int]] = {}
        arm_labels: dict[str, list[str]] = {}
        for arm in study.arms:
            result = endpoint.results.get(arm.id)
            # A subset picked out after randomization is part of an arm, never a node.
            if result is None or result.n is None or not result.N or arm.kind == "subset":
                continue
            n = node(arm, by_dose)
            seen = spellings.setdefault(n.key, {})
            seen[n.label] = seen.get(n.label, 0) + 1
            total = counts.setdefault(n.key, [0, 0])
            total[0] += int(result.n)
            total[1] += int(result.N)
            arm_labels.setdefault(n.key, []).append(arm.label)
            if arm.role in ("placebo", "active-comparator"):
                comparator_arms[n.key] = comparator_arms.get(n.key, 0) + 1
        combined += [
            f"{study.acronym}: {' and '.join(names)} combined as one treatment"
            for names in arm_labels.values()
            if len(names) > 1
        ]
        if len(counts) < 2:
            reason = "fewer than two treatments with events/total for this endpoint"
            excluded.append(Excluded(study.acronym, reason))
            continue
        gathered.append((study, endpoint, counts))
    if not gathered:
        raise NetworkError(f"no study has per-arm events/total for endpoint '{code}'")
    # A node prints as the spelling most files use.
    name_of = {key: max(seen, key=lambda s: (seen[s], s)) for key, seen in spellings.items()}
    fitted: list[StudyArms] = []
    included: list[Included] = []
    participants: dict[str, int] = {}
    for study, endpoint, counts in gathered:
        events = [Events(name_of[key], e, t) for key, (e, t) in counts.items()]
        arms = arms_from_events(study.acronym, events, measure.value)
        if isinstance(arms, Excluded):
            excluded.append(arms)
            continue
        fitted.append(arms)
        for e in events:
            participants[e.treatment] = participants.get(e.treatment, 0) + e.total
        included.append(
            Included(
                study.id,
                study.acronym,
                tuple(e.treatment for e in events),
                sum(e.total for e in events),
                endpoint.time_frame,
                study.population.condition,
            )
        )
    if not fitted:
        raise NetworkError(f"no study of endpoint '{code}' says anything about a ratio")
    names = {a.treatment for s in fitted for a in s.arms}
    comparators = {name_of[k]: c for k, c in comparator_arms.items()}
    chosen = _reference(reference, names, fitted, comparators)
    network = fit_network(fitted, chosen, model=model, method=method)
    trials: dict[str, int] = {}
    edges: dict[tuple[str, str], int] = {}
    for inc in included:
        for i, a in enumerate(inc.treatments):
            trials[a] = trials.get(a, 0) + 1
            for b in inc.treatments[i + 1 :]:
                pair = (min(a, b), max(a, b))
                edges[pair] = edges.get(pair, 0) + 1
    endpoint_names = [endpoint.name for _, endpoint, _ in gathered]
    return NetworkReport(
        code=code,
        endpoint=max(set(endpoint_names), key=endpoint_names.count),
        measure=measure,
        better=better,
        level=level,
        network=network,
        p_scores=p_scores(network, better) if better else None,
        splits=tuple(splits(network)),
        included=tuple(included),
        excluded=tuple(excluded),
        combined=tuple(combined),
        warnings=tuple(_warnings(included, trials, participants)),
        participants=participants,
        trials=trials,
        edges=edges,
    )


def _reference(
    wanted: str | None,
    names: set[str],
    studies: Sequence[StudyArms],
    comparators: dict[str, int],
) -> str:
    """The user's reference as the files write it (matched by its normalised name); else
    placebo; else the treatment most studies have, comparator arms breaking a tie."""
    by_key = {node_key(n): n for n in names}
    if wanted is not None:
        if node_key(wanted) in by_key:
            return by_key[node_key(wanted)]
        raise NetworkError(
            f"no treatment named '{wanted}' in this network; its treatments are "
            + ", ".join(sorted(names))
        )
    if "placebo" in by_key:
        return by_key["placebo"]

    def weight(name: str) -> tuple[int, int]:
        trials = sum(name in {a.treatment for a in s.arms} for s in studies)
        return trials, comparators.get(name, 0)

    return max(sorted(names), key=weight)


def _warnings(
    included: Sequence[Included], trials: dict[str, int], participants: dict[str, int]
) -> list[str]:
    """What a methodologist checks before believing a network: never silent."""
    out = []
    if len(trials) == 2:
        out.append(
            "two treatments only: this is a pairwise meta-analysis (compare --pool shows its "
            "forest plot); ranking two treatments says no more than their comparison"
        )
    if len(included) < 5:
        out.append(f"τ² from {len(included)} studies is too imprecise to rely on")
    for treatment in sorted(trials):
        if trials[treatment] == 1:
            size = participants[treatment]
            small = " (a small trial)" if size < SINGLE_TRIAL_SMALL else ""
            out.append(f"{treatment} rests on one trial{small}: {size} participants on it")
    follow_ups: dict[str, list[str]] = {}
    for inc in included:
        follow_ups.setdefault(inc.follow_up or "follow-up not stated", []).append(inc.acronym)
    if len(follow_ups) > 1:
        out.append(
            "the studies measure this endpoint over different follow-ups: "
            + "; ".join(f"{f} ({', '.join(s)})" for f, s in sorted(follow_ups.items()))
        )
    conditions: dict[str, list[str]] = {}
    for inc in included:
        conditions.setdefault(inc.condition, []).append(inc.acronym)
    if len(conditions) > 1:
        out.append(
            "the studies enrolled different conditions: "
            + "; ".join(f"{c} ({', '.join(s)})" for c, s in sorted(conditions.items()))
        )
    return out
