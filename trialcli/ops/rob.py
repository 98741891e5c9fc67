"""The reviewer's RoB 2 judgements as robvis lays them out: a traffic light and a summary.

The traffic light has a row per study and a column per RoB 2 domain (D1–D5) and the overall
judgement; the summary gives, per domain, the share judged low, some concerns or high: of
participants, each study weighted by the participants it randomised in all its arms, when
every judged study states them (robvis's `weighted = TRUE`, with the study's size as its
weight), else of studies, each counted once; the result says which. Every judgement is the
reviewer's, read from the judgements file: trialcli makes none.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass

from trialcli.model import Study
from trialcli.ops.judgements import ROB2_DOMAINS, Judgements, Risk

RISKS: tuple[Risk, ...] = ("low", "some-concerns", "high")
# robvis's symbols, so that a judgement reads without its colour (and in greyscale).
SYMBOLS: dict[Risk, str] = {"low": "+", "some-concerns": "−", "high": "×"}
WORDS: dict[Risk, str] = {"low": "Low", "some-concerns": "Some concerns", "high": "High"}
# RoB 2's domains as the tool names them (Sterne et al. 2019, BMJ 366:l4898).
DOMAIN_NAMES: dict[str, str] = {
    "randomization": "Bias arising from the randomization process",
    "deviations": "Bias due to deviations from intended interventions",
    "missing_data": "Bias due to missing outcome data",
    "measurement": "Bias in measurement of the outcome",
    "selection": "Bias in selection of the reported result",
    "overall": "Overall risk of bias",
}
COLUMNS = (*ROB2_DOMAINS, "overall")
LABELS = ("D1", "D2", "D3", "D4", "D5", "Overall")


@dataclass(frozen=True)
class RobRow:
    study_id: str
    acronym: str
    judgements: tuple[Risk, ...]  # in COLUMNS order: D1–D5, then overall
    source: str
    participants: int | None  # randomised (the study's count, else its arms'); None if unstated


@dataclass(frozen=True)
class TrafficLight:
    rows: tuple[RobRow, ...]
    file: str  # the judgements file, as named on the command line
    not_judged: tuple[str, ...]  # acronyms of studies the file has no judgement for
    weighted: bool  # shares weighted by participants randomised
    shares: tuple[dict[Risk, float], ...]  # per column (COLUMNS order), percentages

    @property
    def share(self) -> str:
        """What a bar's length is a share of: participants when weighted, else studies."""
        return "share of participants" if self.weighted else "share of studies"

    @property
    def weighting(self) -> str:
        if self.weighted:
            return "each study weighted by the participants it randomised, all arms"
        return "each study counted once (not every study states its participants)"


def _participants(study: Study) -> int | None:
    """Randomised: the study's count, else its arms' summed (None if an arm's is unstated)."""
    if study.population.randomized is not None:
        return study.population.randomized.value
    counts = [arm.randomized.value if arm.randomized else None for arm in study.arms]
    if not counts or any(c is None for c in counts):
        return None
    return sum(c for c in counts if c is not None)


def traffic_light(studies: Sequence[Study], judgements: Judgements, file: str) -> TrafficLight:
    """The chosen studies the file judges, in the order given, and the summary shares."""
    rows = tuple(
        RobRow(
            study.id,
            study.acronym,
            tuple(getattr(judgements.studies[study.id], name) for name in COLUMNS),
            judgements.studies[study.id].source,
            _participants(study),
        )
        for study in studies
        if study.id in judgements.studies
    )
    not_judged = tuple(s.acronym for s in studies if s.id not in judgements.studies)
    weighted = bool(rows) and all(row.participants for row in rows)
    weights = [float(row.participants or 0) if weighted else 1.0 for row in rows]
    total = sum(weights)
    shares = tuple(
        {
            risk: (
                100
                * sum(w for row, w in zip(rows, weights, strict=True) if row.judgements[i] == risk)
                / total
                if total
                else 0.0
            )
            for risk in RISKS
        }
        for i in range(len(COLUMNS))
    )
    return TrafficLight(rows, file, not_judged, weighted, shares)
