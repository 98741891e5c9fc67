"""The whole record as one study: each module read by its own part of the package."""

from __future__ import annotations

from typing import Any, Literal

from pydantic import ValidationError

from trialcli import __version__
from trialcli.importers.ctgov.baseline import baseline_counts, baseline_of
from trialcli.importers.ctgov.fetch import NCT_ID
from trialcli.importers.ctgov.flow import build_arms, first_period, flow_of, note_flow
from trialcli.importers.ctgov.groups import Groups
from trialcli.importers.ctgov.outcomes import endpoints_of
from trialcli.importers.ctgov.protocol import (
    SOURCE_ID,
    STATUS,
    STUDY_URL,
    design_of,
    milestones_of,
    phase_of,
    population_of,
    registry_of,
    source_of,
)
from trialcli.importers.ctgov.safety import safety_of
from trialcli.importers.ctgov.values import (
    LONG,
    RecordError,
    date_of,
    dicts,
    fit,
    join_words,
    one_line,
    text_of,
    value_at,
)
from trialcli.model import Arm, Count, Note, Reference, Statement, Study

Retrieval = Literal["fetched", "file"]


def record_version(record: dict[str, Any]) -> str | None:
    """The record's version date: the best date a saved file gives of when it was read."""
    return date_of(value_at(record, "derivedSection", "miscInfoModule", "versionHolder"))


def header_lines(study: Study, how: Retrieval) -> list[str]:
    """The comment that opens an imported study file."""
    source = study.source(SOURCE_ID)
    nct = study.registry.nct or study.id
    retrieved = source.retrieved if source else None
    if how == "fetched":
        when = f"retrieved {retrieved}"
    else:
        when = f"record version of {retrieved}" if retrieved else "date of retrieval unknown"
    return [
        f"{study.acronym}: imported by trialcli {__version__} from ClinicalTrials.gov record "
        f"{nct},",
        f"{when}: {STUDY_URL.format(nct=nct)}",
        "Check it before relying on it: each endpoint's kind is inferred from the measure's",
        "parameter type and unit, and result groups are matched to registered arms by title and",
        "drug names (each arm's note says how). What the record does not give is absent, never 0.",
        "A comparison's direction is the record's own words where it states one, else inferred",
        "from arm roles or unknown (each says which).",
    ]


def record_to_study(
    record: dict[str, Any], retrieved: str | None, how: Retrieval = "fetched"
) -> Study:
    """The study a record describes; `retrieved` is when the record was read (YYYY-MM-DD)."""
    nct = text_of(value_at(record, "protocolSection", "identificationModule", "nctId")) or ""
    if not NCT_ID.match(nct):
        raise RecordError("the record has no valid NCT id (identificationModule.nctId)")
    try:
        return _study(record, nct.upper(), retrieved, how)
    except ValidationError as error:
        first = error.errors()[0]
        where = ".".join(str(part) for part in first["loc"])
        raise RecordError(
            f"cannot map {nct}: {where}: {first['msg']} (please report this record)"
        ) from None


def _study(record: dict[str, Any], nct: str, retrieved: str | None, how: Retrieval) -> Study:
    protocol: dict[str, Any] = record.get("protocolSection") or {}
    results = record.get("resultsSection")
    results = results if isinstance(results, dict) else {}
    identification = value_at(protocol, "identificationModule") or {}
    status = value_at(protocol, "statusModule") or {}
    brief = text_of(identification.get("briefTitle"))
    title = text_of(identification.get("officialTitle")) or brief or nct
    groups = Groups(protocol)
    flow_notes: list[Note] = []
    build_arms(results, groups)
    note_flow(results, flow_notes)
    endpoints = endpoints_of(protocol, results, groups)
    safety = safety_of(results, groups, flow_notes)
    population = population_of(
        protocol,
        first_period(results),
        sum(g.started or 0 for g in groups.arms),
        baseline_of(results),
    )
    summary = text_of(value_at(protocol, "descriptionModule", "briefSummary"))
    notes = [Note(text=fit(f"Brief summary (registry): {summary}", LONG) or "")] if summary else []
    notes += _registration_notes(protocol, status, results, bool(groups.arms))
    references, others = _references(protocol)
    if others:
        notes.append(Note(text=f"The record also lists {others}; not kept in this file."))
    arms, at_baseline, unmatched = _at_baseline(groups, baseline_counts(results))
    if at_baseline is not None:
        population = population.model_copy(update={"at_baseline": at_baseline})
    if unmatched:
        notes.append(
            Note(
                text=fit(
                    "Baseline characteristics also count groups that are not arms: "
                    + "; ".join(f"{title} {count:,}" for title, count in unmatched)
                    + ".",
                    LONG,
                )
                or "",
            )
        )
    caveats = value_at(results, "moreInfoModule", "limitationsAndCaveats", "description")
    limitations = text_of(caveats)
    completion = value_at(status, "completionDateStruct") or {}
    completed = text_of(completion.get("type")) in {None, "ACTUAL"}
    sponsors = value_at(protocol, "sponsorCollaboratorsModule") or {}
    return Study(
        id=nct.lower(),
        acronym=one_line(text_of(identification.get("acronym")), 80) or nct,
        title=fit(title, LONG) or nct,
        registry=registry_of(nct, identification),
        sponsor=one_line(text_of(value_at(sponsors, "leadSponsor", "name"))),
        collaborators=[
            name
            for c in dicts(value_at(sponsors, "collaborators"))
            if (name := one_line(text_of(c.get("name"))))
        ],
        phase=phase_of(protocol),
        status=STATUS.get(text_of(status.get("overallStatus")) or ""),
        start_date=date_of(value_at(status, "startDateStruct", "date")),
        completion_date=date_of(completion.get("date")) if completed else None,
        dates_source=SOURCE_ID,
        default_source=SOURCE_ID,
        population=population,
        design=design_of(protocol, groups),
        arms=arms,
        pooled_arms=list(groups.pooled_groups.values()),
        endpoints=endpoints,
        safety=safety,
        limitations=Statement(text=fit(limitations, LONG) or "") if limitations else None,
        references=references,
        flow=flow_of(record, groups),
        notes=[*notes, *flow_notes],
        milestones=milestones_of(nct, status),
        sources=[source_of(record, nct, retrieved, how == "fetched")],
    )


_REFERENCE_KINDS = {"RESULT": "result", "BACKGROUND": "background", "DERIVED": "derived"}


def _references(protocol: dict[str, Any]) -> tuple[list[Reference], str]:
    """The references the record says report the study's results; the others counted."""
    kept: list[Reference] = []
    others: dict[str, int] = {}
    for reference in dicts(value_at(protocol, "referencesModule", "references")):
        kind = _REFERENCE_KINDS.get(text_of(reference.get("type")) or "", "background")
        citation = fit(text_of(reference.get("citation")), LONG)
        if kind != "result" or citation is None:
            others[kind] = others.get(kind, 0) + 1
            continue
        pmid = text_of(reference.get("pmid"))
        kept.append(
            Reference(
                citation=citation,
                pmid=pmid if pmid and pmid.isdigit() and len(pmid) <= 9 else None,
                kind="result",
            )
        )
    words = [
        f"{count} {kind} reference{'s' if count != 1 else ''}" for kind, count in others.items()
    ]
    return kept, join_words(words)


def _at_baseline(
    groups: Groups, counts: list[tuple[str, int]]
) -> tuple[list[Arm], Count | None, list[tuple[str, int]]]:
    """The arms with the people their baseline characteristics describe (a baseline group
    is an arm's only when their titles are the same), the total, and groups left over."""

    def same(title: str) -> str:
        return " ".join(title.lower().split())

    built = groups.all()
    titles = [same(g.title) for g in built]
    total: Count | None = None
    arms = [groups.arm(g) for g in built]
    unmatched = []
    for title, count in counts:
        where = [i for i, t in enumerate(titles) if t == same(title)]
        if len(where) == 1 and sum(same(t) == same(title) for t, _ in counts) == 1:
            update = {"at_baseline": Count(value=count, note="baseline characteristics (registry)")}
            arms[where[0]] = arms[where[0]].model_copy(update=update)
        elif same(title) == "total" and total is None:
            total = Count(value=count, note="baseline characteristics (registry)")
        else:
            unmatched.append((title, count))
    return arms, total, unmatched


def _registration_notes(
    protocol: dict[str, Any], status: dict[str, Any], results: dict[str, Any], has_arms: bool
) -> list[Note]:
    """What a record without results still says: why it stopped, that no results were
    posted, and the interventions it registered when it registered no arms."""
    notes = []
    why = text_of(status.get("whyStopped"))
    if why:
        notes.append(f"Why stopped (registry): {why}")
    if not results:
        notes.append("No results posted on ClinicalTrials.gov.")
    if not has_arms:
        interventions = [
            f"{name} ({kind.replace('_', ' ').lower()})" if kind else name
            for i in dicts(value_at(protocol, "armsInterventionsModule", "interventions"))
            if (name := text_of(i.get("name")))
            for kind in [text_of(i.get("type"))]
        ]
        registered = "; ".join(interventions) if interventions else "none"
        notes.append(f"The record registers no arms. Registered interventions: {registered}.")
    return [Note(text=fit(text, LONG) or text) for text in notes]
