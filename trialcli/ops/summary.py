"""What `list` and `show` say about a study: verdicts, catalog rows, the plain summary."""

from __future__ import annotations

from dataclasses import dataclass
from typing import TYPE_CHECKING, Literal

from trialcli.formatting import effect_text, p_text

if TYPE_CHECKING:
    from trialcli.model import Comparison, Endpoint, Study

VerdictState = Literal["met", "not-met", "disputed", "not-stated", "not-tested"]


@dataclass(frozen=True)
class Verdict:
    state: VerdictState
    basis: str

    @property
    def label(self) -> str:
        return {
            "met": "met",
            "not-met": "not met",
            "disputed": "sources disagree",
            "not-stated": "no verdict stated",
            "not-tested": "not tested",
        }[self.state]


def endpoint_verdict(endpoint: Endpoint) -> Verdict:
    """Whether the endpoint was met, as its sources state it; disagreement is kept visible."""
    if not endpoint.comparisons:
        return Verdict("not-tested", "no comparison between arms is reported")
    stated = [c for c in endpoint.comparisons if c.met is not None]
    if not stated:
        return Verdict("not-stated", "no source states whether it was met")
    outcomes = {c.met for c in stated}
    if len(outcomes) > 1:
        return Verdict("disputed", "; ".join(_basis(c) for c in stated))
    state: VerdictState = "met" if outcomes == {True} else "not-met"
    return Verdict(state, _basis(stated[0]))


def _basis(comparison: Comparison) -> str:
    return comparison.basis or "as stated by the source"


def primary_endpoints(study: Study) -> list[Endpoint]:
    return [e for e in study.endpoints if e.level == "primary"]


@dataclass(frozen=True)
class ListRow:
    id: str
    acronym: str
    phase: str | None
    population: str
    randomized: int | None
    arms: int
    primary_met: int
    primary_total: int
    latest_source_year: int | None

    @property
    def primary_text(self) -> str:
        return f"{self.primary_met}/{self.primary_total}" if self.primary_total else "none"


def list_row(study: Study) -> ListRow:
    primaries = primary_endpoints(study)
    years = [int(s.date[:4]) for s in study.sources if s.date]
    randomized = study.population.randomized
    return ListRow(
        id=study.id,
        acronym=study.acronym,
        phase=study.phase,
        population=study.population.description,
        randomized=randomized.value if randomized else None,
        arms=len(study.arms),
        primary_met=sum(1 for e in primaries if endpoint_verdict(e).state == "met"),
        primary_total=len(primaries),
        latest_source_year=max(years) if years else None,
    )


def headline(endpoint: Endpoint) -> str | None:
    """The endpoint's first reported effect, as `relative reduction 49% (p<0.0001)`."""
    for comparison in endpoint.comparisons:
        if comparison.estimate is None:
            continue
        text = effect_text(comparison)
        p = p_text(comparison.p_value)
        return f"{text}, {p}" if p else text
    return None


def plain_summary(study: Study) -> str:
    """A short paragraph in plain words, built from the data alone."""
    design = study.design
    kind = " ".join(
        part
        for part in (
            f"phase {study.phase}" if study.phase and study.phase != "n/a" else None,
            design.masking,
            design.allocation,
        )
        if part
    )
    randomized = study.population.randomized
    who = f"{randomized.value} people" if randomized else "people"
    arms = _join([a.label for a in study.arms])
    duration = f" over {design.duration}" if design.duration else ""
    condition = study.population.condition
    if condition[:2].istitle():  # "Relapsing-remitting …" reads mid-sentence in lower case
        condition = condition[0].lower() + condition[1:]
    sentences = [
        f"{study.acronym} was a {kind or 'clinical'} trial that assigned {who} with "
        f"{condition} ({study.population.description}) to {arms}{duration}."
    ]
    primaries = primary_endpoints(study)
    if primaries:
        parts = []
        for endpoint in primaries:
            verdict = endpoint_verdict(endpoint)
            effect = headline(endpoint)
            parts.append(f"{endpoint.name}: {verdict.label}" + (f" ({effect})" if effect else ""))
        met = sum(1 for e in primaries if endpoint_verdict(e).state == "met")
        sentences.append(
            f"It met {met} of its {len(primaries)} primary endpoints — " + "; ".join(parts) + "."
        )
    harms = list(dict.fromkeys(f.term.lower() for f in study.safety if f.summary is None))
    if harms:
        named = _join(harms[:5])
        sentences.append(
            f"Harms reported include {named}; see the safety table for who and how often."
        )
    if study.safety_monitoring:
        sentences.append("A safety monitoring programme was in place.")
    return " ".join(sentences)


def _join(items: list[str]) -> str:
    if len(items) <= 1:
        return "".join(items)
    return ", ".join(items[:-1]) + " and " + items[-1]
