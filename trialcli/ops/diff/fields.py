"""The study's own fields, side by side: identity, population, design, notes and sources,
and the fields no row shows.
"""

from __future__ import annotations

from collections.abc import Iterator

from trialcli.formatting import range_text
from trialcli.model import Range, Statement, Study
from trialcli.ops.diff.rows import (
    Cited,
    DiffRow,
    Side,
    count_side,
    field_rows,
    lines_side,
    text_pair,
)
from trialcli.ops.sources import cite, source_ref

# --- identity, population, design -------------------------------------------------------


def identity_rows(a: Study, b: Study) -> Iterator[DiffRow]:
    def dates(study: Study) -> Side | None:
        if not study.start_date and not study.completion_date:
            return None
        text = f"{study.start_date or '?'} to {study.completion_date or '?'}"
        source = source_ref(study, study.dates_source)  # as `show`: only a named source
        return Side((Cited(text, source),))

    def collaborators(study: Study) -> Side | None:
        return lines_side(Cited(c) for c in study.collaborators)

    def other_ids(study: Study) -> Side | None:
        return lines_side(Cited(o) for o in study.registry.other)

    yield from field_rows(
        [
            text_pair(a, b, "Id", lambda s: s.id),
            text_pair(a, b, "Acronym", lambda s: s.acronym),
            text_pair(a, b, "Title", lambda s: s.title),
            text_pair(a, b, "NCT", lambda s: s.registry.nct),
            text_pair(a, b, "EudraCT", lambda s: s.registry.eudract),
            text_pair(a, b, "Sponsor code", lambda s: s.registry.sponsor_code),
            ("Other ids", other_ids(a), other_ids(b)),
            text_pair(a, b, "Sponsor", lambda s: s.sponsor),
            ("Collaborators", collaborators(a), collaborators(b)),
            text_pair(a, b, "Phase", lambda s: s.phase),
            text_pair(a, b, "Status", lambda s: s.status),
            ("Dates", dates(a), dates(b)),
        ]
    )


def population_rows(a: Study, b: Study) -> Iterator[DiffRow]:
    def eligibility(study: Study, name: str) -> str | None:
        rules = study.population.eligibility
        if rules is None:
            return None
        value = getattr(rules, name)
        if isinstance(value, Range):
            return range_text(value.min, value.max, value.unit or "")
        return value.text if isinstance(value, Statement) else None

    def criteria(study: Study) -> Side | None:
        rules = study.population.eligibility
        if rules is None:
            return None
        population = study.population
        return lines_side(Cited(c.text, cite(study, c, rules, population)) for c in rules.criteria)

    def baseline(study: Study) -> Side | None:
        population = study.population
        return lines_side(Cited(s.text, cite(study, s, population)) for s in population.baseline)

    def analysed_population(study: Study) -> Side | None:
        population = study.population
        statement = population.analysed_population
        if statement is None:
            return None
        return Side((Cited(statement.text, cite(study, statement, population)),))

    def eligibility_note(study: Study) -> str | None:
        rules = study.population.eligibility
        return rules.note if rules else None

    def history(study: Study) -> str | None:
        value = study.population.treatment_history
        return value.replace("-", " ") if value else None

    pa, pb = a.population, b.population
    yield from field_rows(
        [
            text_pair(a, b, "Condition", lambda s: s.population.condition),
            text_pair(a, b, "Enrolled", lambda s: s.population.description),
            text_pair(a, b, "History", history),
            text_pair(a, b, "Age", lambda s: eligibility(s, "age")),
            text_pair(a, b, "EDSS", lambda s: eligibility(s, "edss")),
            text_pair(a, b, "Disease duration", lambda s: eligibility(s, "disease_duration")),
            text_pair(a, b, "Prior treatment", lambda s: eligibility(s, "prior_treatment")),
            ("Criteria", criteria(a), criteria(b)),
            text_pair(a, b, "Eligibility note", eligibility_note),
            ("Randomized", count_side(a, pa.randomized, pa), count_side(b, pb.randomized, pb)),
            ("Analysed", count_side(a, pa.analysed, pa), count_side(b, pb.analysed, pb)),
            ("Analysed population", analysed_population(a), analysed_population(b)),
            ("Baseline", baseline(a), baseline(b)),
            text_pair(a, b, "Note", lambda s: s.population.note),
        ]
    )


def design_rows(a: Study, b: Study) -> Iterator[DiffRow]:
    def amendments(study: Study) -> Side | None:
        design = study.design
        return lines_side(
            Cited((f"{m.date}: " if m.date else "") + m.text, cite(study, m, design))
            for m in design.amendments
        )

    yield from field_rows(
        [
            text_pair(a, b, "Allocation", lambda s: s.design.allocation),
            text_pair(a, b, "Masking", lambda s: s.design.masking),
            text_pair(a, b, "Model", lambda s: s.design.model),
            text_pair(a, b, "Allocation ratio", lambda s: s.design.allocation_ratio),
            text_pair(a, b, "Duration", lambda s: s.design.duration),
            text_pair(a, b, "Comparator", lambda s: s.design.comparator),
            ("Amendments", amendments(a), amendments(b)),
            text_pair(a, b, "Note", lambda s: s.design.note),
        ]
    )


# --- notes and sources --------------------------------------------------------------


def notes_rows(a: Study, b: Study) -> Iterator[DiffRow]:
    def notes(study: Study) -> Side | None:
        return lines_side(
            Cited((f"{n.date}: " if n.date else "") + n.text, cite(study, n)) for n in study.notes
        )

    def milestones(study: Study) -> Side | None:
        return lines_side(
            Cited(
                (f"{m.date}: " if m.date else "")
                + m.event
                + (" (planned)" if m.status == "planned" else ""),
                cite(study, m),
            )
            for m in study.milestones
        )

    def sources(study: Study) -> Side | None:
        return lines_side(Cited(" ".join(s.citation.split()), detail=s.url) for s in study.sources)

    yield from field_rows(
        [
            text_pair(a, b, "Safety monitoring", lambda s: s.safety_monitoring),
            ("Notes", notes(a), notes(b)),
            ("Milestones", milestones(a), milestones(b)),
            ("Sources", sources(a), sources(b)),
        ]
    )


def other_fields(a: Study, b: Study) -> DiffRow | None:
    """The files differ only where no row looks (ids, kinds of source): say so, never hide it."""
    dumped_a, dumped_b = a.model_dump(mode="json"), b.model_dump(mode="json")
    names = [name for name in dumped_a if dumped_a[name] != dumped_b.get(name)]
    if not names:
        return None
    text = "the files differ in " + ", ".join(names) + "; see the files for details"
    side = Side((Cited(text),))
    return DiffRow("Fields not shown", side, side, "changed")
