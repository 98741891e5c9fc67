"""What `list` and `show` say about a study: verdicts, catalog rows, the plain summary."""

from __future__ import annotations

import re
from dataclasses import dataclass
from typing import TYPE_CHECKING, Literal

from trialcli.formatting import effect_text, intake_word, p_text, test_text

if TYPE_CHECKING:
    from trialcli.model import Comparison, Endpoint, SafetyFinding, Study

VerdictState = Literal["met", "not-met", "disputed", "not-stated", "not-tested"]
# A verdict some source states; "not-stated" and "not-tested" are unknown, never "not met".
STATED: frozenset[VerdictState] = frozenset({"met", "not-met", "disputed"})


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
class PrimaryCount:
    """How many primary endpoints were met, not met, or have no verdict stated."""

    total: int
    stated: int  # met, not met or disputed, as a source states it
    met: int
    not_met: int
    rows: int = 0  # result rows, when a measure of several rows counts once in `total`

    @property
    def unstated(self) -> int:
        return self.total - self.stated


def count_primaries(study: Study) -> PrimaryCount:
    states = [endpoint_verdict(e).state for e in primary_endpoints(study)]
    return PrimaryCount(
        total=len(states),
        stated=sum(1 for s in states if s in STATED),
        met=states.count("met"),
        not_met=states.count("not-met"),
    )


_ROW_ID = re.compile(r"^(?P<measure>.+)\.\d+$")


def measure_of(endpoint: Endpoint) -> str:
    """The measure an endpoint is a row of: a registry measure of several rows is imported
    as endpoints `primary-1.1`, `primary-1.2`… named `<measure> — <row>`; else its own id."""
    match = _ROW_ID.match(endpoint.id)
    if match and " — " in endpoint.name:
        return match["measure"]
    return endpoint.id


def count_primary_measures(study: Study) -> PrimaryCount:
    """Primary endpoints counted as measures: a measure of several rows counts once, met
    when every row with a stated verdict is met, not met when every one is not, and
    stated-but-mixed (neither) when its rows differ."""
    rows = primary_endpoints(study)
    by_measure: dict[str, set[VerdictState]] = {}
    for endpoint in rows:
        by_measure.setdefault(measure_of(endpoint), set()).add(endpoint_verdict(endpoint).state)
    stated = [states & STATED for states in by_measure.values()]
    return PrimaryCount(
        total=len(by_measure),
        stated=sum(1 for s in stated if s),
        met=sum(1 for s in stated if s == {"met"}),
        not_met=sum(1 for s in stated if s == {"not-met"}),
        rows=len(rows) if len(rows) != len(by_measure) else 0,
    )


@dataclass(frozen=True)
class ListRow:
    id: str
    acronym: str
    phase: str | None
    population: str
    randomized: int | None
    arms: int
    primary_met: int | None  # None when no primary endpoint has a stated verdict
    primary_not_met: int | None
    primary_stated: int
    primary_total: int
    latest_source_year: int | None
    # Not a list column: lets `show NCT…` find the study from the cached rows.
    nct: str | None = None
    # What `list` filters and searches on, kept in the cached row so no file is read again.
    title: str = ""
    condition: str = ""
    interventions: str = ""  # each drug once, "; "-separated, in file order
    status: str | None = None
    has_results: bool = False  # some endpoint result, comparison or safety finding
    start_year: int | None = None
    # What `randomized` counts: "randomized", or "enrolled" where no one was randomized.
    intake: str = "randomized"

    @property
    def primary_text(self) -> str:
        """`1/2` when every verdict is stated, `–/2` when none is: unknown is not 0."""
        if not self.primary_total:
            return "none"
        if self.primary_met is None:
            return f"–/{self.primary_total}"
        text = f"{self.primary_met}/{self.primary_total}"
        unstated = self.primary_total - self.primary_stated
        return f"{text} ({unstated} unstated)" if unstated else text

    @property
    def population_brief(self) -> str:
        """Who was studied, for a table without a Condition column: the condition where the
        description only repeats the registered ages (an imported record's `…, as
        registered`, written by importers/ctgov/protocol.py)."""
        if self.population.endswith(", as registered") and self.condition:
            return self.condition
        return self.population


def has_results(study: Study) -> bool:
    """Some endpoint result, comparison or safety finding: what `list --has-results` keeps."""
    return bool(study.safety) or any(e.results or e.comparisons for e in study.endpoints)


def list_row(study: Study) -> ListRow:
    primaries = count_primaries(study)
    years = [int(s.date[:4]) for s in study.sources if s.date]
    randomized = study.population.randomized
    return ListRow(
        id=study.id,
        acronym=study.acronym,
        phase=study.phase,
        population=study.population.description,
        randomized=randomized.value if randomized else None,
        intake=intake_word(study.design),
        arms=len(study.arms),
        primary_met=primaries.met if primaries.stated else None,
        primary_not_met=primaries.not_met if primaries.stated else None,
        primary_stated=primaries.stated,
        primary_total=primaries.total,
        latest_source_year=max(years) if years else None,
        nct=study.registry.nct,
        title=study.title,
        condition=study.population.condition,
        interventions="; ".join(study.drugs),
        status=study.status,
        has_results=has_results(study),
        start_year=int(study.start_date[:4]) if study.start_date else None,
    )


def headline(endpoint: Endpoint) -> str | None:
    """The endpoint's first reported effect, as `relative reduction 49% (p<0.0001)`."""
    for comparison in endpoint.comparisons:
        if comparison.estimate is None:
            continue
        text = effect_text(comparison)
        test = test_text(comparison)
        text = f"{text} ({test})" if test else text
        p = p_text(comparison.p_value)
        return f"{text}, {p}" if p else text
    return None


# A brief summary names at most this many arms, else counts them.
BRIEF_ARMS = 4


def plain_summary(study: Study, *, brief: bool = False) -> str:
    """A short paragraph in plain words, built from the data alone.

    `brief`: who, what and how many endpoints were met, for a page that shows the rest.
    Endpoints are counted as measures (`count_primary_measures`), never as result rows.
    """
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
    population = study.population
    randomized = population.randomized
    count = f"{randomized.value} " if randomized else ""
    labels = [a.label for a in study.arms]
    arms = f"{len(labels)} arms" if brief and len(labels) > BRIEF_ARMS else _join(labels)
    duration = f" over {design.duration}" if design.duration else ""
    condition = _conditions(population.condition)
    # Healthy volunteers do not have the condition a trial studies (a vaccine, a new drug).
    if population.healthy_volunteers:
        who, studied = f"{count}healthy volunteers", f" The condition studied is {condition}."
    else:
        who, studied = f"{count}people with {condition}", ""
    sentences = [
        f"{study.acronym} was a {kind or 'clinical'} trial that assigned {who} "
        f"({population.description}) to {arms}{duration}.{studied}"
    ]
    primaries = primary_endpoints(study)
    if primaries:
        parts = []
        for endpoint in primaries:
            verdict = endpoint_verdict(endpoint)
            effect = headline(endpoint)
            parts.append(f"{endpoint.name}: {verdict.label}" + (f" ({effect})" if effect else ""))
        sentences.append(
            _verdict_sentence(count_primary_measures(study))
            + ("." if brief else " — " + "; ".join(parts) + ".")
        )
    if brief:
        return " ".join(sentences)
    harms = harms_named(study)
    if harms:
        named = _join(harms[:5])
        sentences.append(
            f"Harms reported include {named}; see the safety table for who and how often."
        )
    if study.safety_monitoring:
        sentences.append("A safety monitoring programme was in place.")
    return " ".join(sentences)


def harms_named(study: Study) -> list[str]:
    """The harms the summary may name: findings someone had, each term once, in file order."""
    return list(dict.fromkeys(f.term.lower() for f in study.safety if _someone_had(f)))


def _someone_had(finding: SafetyFinding) -> bool:
    """A harm someone had: a count above 0 in some arm, or no count at all (unknown is not 0).

    A finding whose every reported count is 0 is a harm nobody had; summary rows (any
    adverse event, deaths) are not harms by name.
    """
    if finding.summary is not None:
        return False
    counts = [
        value
        for arm in finding.arms.values()
        for value in (arm.affected, arm.pct, arm.deaths)
        if value is not None
    ]
    return not counts or any(value > 0 for value in counts)


def _conditions(text: str) -> str:
    """`Relapsing-remitting multiple sclerosis`, lower-cased to read mid-sentence.

    Conditions in Title Case (`Atrial Fibrillation; Stroke`), with an eponym
    (`Alzheimer's disease`) or an abbreviation (`Nr-axSpA`) are kept as written, all
    of them, so that one list is not half lower-cased.
    """
    conditions = [c for c in text.split("; ") if c]

    def plain(condition: str) -> bool:
        first, *rest = condition.split() or [""]
        return (
            first[:1].isupper()
            and first[1:] == first[1:].lower()
            and not any(mark in first for mark in "'’")
            and not any(word[:1].isupper() for word in rest)
        )

    if conditions and all(plain(c) for c in conditions):
        conditions = [c[0].lower() + c[1:] for c in conditions]
    return _join(conditions)


def _verdict_sentence(count: PrimaryCount) -> str:
    """How many primary endpoints were met, never counting an unstated verdict as not met."""
    total = count.total
    rows = f" ({count.rows} result rows)" if count.rows else ""
    endpoints = "primary endpoint" if total == 1 else f"{total} primary endpoints"
    if count.stated == total:
        return f"It met {count.met} of its {total} primary endpoints{rows}"
    if not count.stated:
        return f"No verdict is stated for its {endpoints}{rows}"
    return (
        f"It met {count.met} of the {count.stated} primary endpoints with a stated verdict "
        f"({count.unstated} of {total} have none){rows}"
    )


def _join(items: list[str]) -> str:
    if len(items) <= 1:
        return "".join(items)
    return ", ".join(items[:-1]) + " and " + items[-1]
