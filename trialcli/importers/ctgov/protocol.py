"""The protocol section: identity, status and dates, who could enrol, and the design."""

from __future__ import annotations

import re
from typing import Any

from trialcli.formatting import number
from trialcli.importers.ctgov.groups import Groups
from trialcli.importers.ctgov.values import (
    LONG,
    count_of,
    date_of,
    dicts,
    fit,
    one_line,
    text_of,
    value_at,
)
from trialcli.model import (
    Allocation,
    Comparator,
    Count,
    Design,
    Eligibility,
    Milestone,
    Phase,
    Population,
    Range,
    Registry,
    Source,
    Statement,
    Written,
)

STUDY_URL = "https://clinicaltrials.gov/study/{nct}"
SOURCE_ID = "ctgov"

STATUS: dict[str, Any] = {
    "NOT_YET_RECRUITING": "not-yet-recruiting",
    "RECRUITING": "recruiting",
    "ENROLLING_BY_INVITATION": "recruiting",
    "ACTIVE_NOT_RECRUITING": "active",
    "COMPLETED": "completed",
    "TERMINATED": "terminated",
    "SUSPENDED": "suspended",
    "WITHDRAWN": "withdrawn",
    "UNKNOWN": "unknown",
}
_PHASES: dict[frozenset[str], Phase] = {
    frozenset({"PHASE1"}): "1",
    frozenset({"PHASE1", "PHASE2"}): "1/2",
    frozenset({"PHASE2"}): "2",
    frozenset({"PHASE2", "PHASE3"}): "2/3",
    frozenset({"PHASE3"}): "3",
    frozenset({"PHASE4"}): "4",
    frozenset({"NA"}): "n/a",
}
_MASKING = {
    "NONE": "open label",
    "SINGLE": "single-blind",
    "DOUBLE": "double-blind",
    "TRIPLE": "triple-blind",
    "QUADRUPLE": "quadruple-blind",
}
_ALLOCATION: dict[str, Allocation] = {
    "RANDOMIZED": "randomized",
    "NON_RANDOMIZED": "non-randomized",
}


def registry_of(nct: str, identification: dict[str, Any]) -> Registry:
    eudract: str | None = None
    other: list[str] = []
    for secondary in dicts(identification.get("secondaryIdInfos")):
        ident = text_of(secondary.get("id"))
        kind = text_of(secondary.get("type")) or "OTHER"
        if ident is None:
            continue
        if kind == "EUDRACT_NUMBER" and re.fullmatch(r"\d{4}-\d{6}-\d{2}", ident):
            eudract = eudract or ident
            continue
        domain = text_of(secondary.get("domain"))
        label = {"NIH": "NIH grant", "OTHER_GRANT": "grant", "REGISTRY": "registry id"}.get(
            kind, "other id"
        )
        other.append(one_line(f"{ident} ({label}{', ' + domain if domain else ''})") or ident)
    return Registry(
        nct=nct,
        eudract=eudract,
        sponsor_code=one_line(text_of(value_at(identification, "orgStudyIdInfo", "id"))),
        other=other,
    )


def phase_of(protocol: dict[str, Any]) -> Phase | None:
    phases = {p for p in value_at(protocol, "designModule", "phases") or [] if isinstance(p, str)}
    phases = {"PHASE1" if p == "EARLY_PHASE1" else p for p in phases}
    return _PHASES.get(frozenset(phases))


def source_of(record: dict[str, Any], nct: str, retrieved: str | None, fetched: bool) -> Source:
    identification = value_at(record, "protocolSection", "identificationModule") or {}
    status = value_at(record, "protocolSection", "statusModule") or {}
    brief = text_of(identification.get("briefTitle")) or nct
    version = date_of(value_at(record, "derivedSection", "miscInfoModule", "versionHolder"))
    if fetched:
        note = f"Fetched from the ClinicalTrials.gov API v2 on {retrieved}."
    elif retrieved:
        note = (
            "Imported from a saved API v2 file; 'retrieved' is the record's version date "
            f"(derivedSection.miscInfoModule.versionHolder, {retrieved}), the best "
            "date the file gives of when it was read."
        )
    else:
        note = "Imported from a saved API v2 file that does not say when it was read."
    posted = date_of(value_at(status, "resultsFirstPostDateStruct", "date"))
    if posted:
        note += f" Results first posted {posted}."
    if version and fetched:
        note += f" Record version {version}."
    return Source(
        id=SOURCE_ID,
        citation=fit(f"ClinicalTrials.gov record {nct}: {brief}", LONG) or nct,
        publisher="ClinicalTrials.gov (U.S. National Library of Medicine)",
        date=date_of(value_at(status, "lastUpdatePostDateStruct", "date")),
        url=STUDY_URL.format(nct=nct),
        retrieved=retrieved,
        kind="registry",
        note=note,
    )


def milestones_of(nct: str, status: dict[str, Any]) -> list[Milestone]:
    found: list[Milestone] = []
    for key, event in (
        ("studyFirstPostDateStruct", f"First posted on ClinicalTrials.gov ({nct})"),
        ("startDateStruct", "Study start"),
        ("primaryCompletionDateStruct", "Primary completion"),
        ("completionDateStruct", "Study completion"),
        ("resultsFirstPostDateStruct", "Results first posted on ClinicalTrials.gov"),
        ("lastUpdatePostDateStruct", "Last update posted on ClinicalTrials.gov"),
    ):
        date = date_of(value_at(status, key, "date"))
        if date is None:
            continue
        kind = text_of(value_at(status, key, "type"))
        planned = kind in {"ESTIMATED", "ANTICIPATED"} and key not in {
            "studyFirstPostDateStruct",
            "resultsFirstPostDateStruct",
            "lastUpdatePostDateStruct",
        }
        found.append(Milestone(date=date, event=event, status="planned" if planned else "achieved"))
    return found


# What a design means for whom a result counts.
_MODEL_NOTES = {
    "CROSSOVER": (
        "Crossover: the arms are the sequences people were randomized to; a result reported "
        "by treatment counts each participant under every treatment they received."
    ),
    "FACTORIAL": "Factorial: a result group may pool the cells of several arms.",
}

# population and design ---------------------------------------------------------


def population_of(
    protocol: dict[str, Any],
    started: tuple[int, str] | None,
    arms_started: int,
    baseline: list[Statement],
) -> Population:
    """Who took part. Enrollment stays enrollment (actual or anticipated, in the note);
    the count of people is those who started the participant flow's first period, kept
    only when the arms' own counts (each from the period it entered) add up to no more."""
    conditions = [
        c
        for c in (text_of(x) for x in value_at(protocol, "conditionsModule", "conditions") or [])
        if c
    ]
    eligibility = value_at(protocol, "eligibilityModule") or {}
    enrollment = value_at(protocol, "designModule", "enrollmentInfo") or {}
    count = count_of(enrollment.get("count"))
    notes = []
    if count is not None:
        what = (text_of(enrollment.get("type")) or "actual").lower()
        notes.append(f"Enrollment as registered: {count:,} ({what}).")
    randomized = None
    if started is not None:
        total, period = started
        if arms_started <= total:
            randomized = Count(
                value=total,
                note=one_line(f"started {period} (registry participant flow)"),
            )
        else:
            notes.append(
                f"{total:,} started the first period of the participant flow ({period}); "
                "groups that began in later periods are counted from the period they entered, "
                "so the arms add up to more than that."
            )
    volunteers = eligibility.get("healthyVolunteers")
    return Population(
        condition=one_line("; ".join(conditions)) or "not stated in the registry record",
        description=who_enrolled(eligibility),
        healthy_volunteers=volunteers if isinstance(volunteers, bool) else None,
        eligibility=eligibility_of(eligibility),
        randomized=randomized,
        baseline=baseline,
        note=" ".join(notes) or None,
    )


def design_of(protocol: dict[str, Any], groups: Groups) -> Design:
    design = value_at(protocol, "designModule") or {}
    info = design.get("designInfo") or {}
    masking = value_at(info, "maskingInfo") or {}
    level = text_of(masking.get("masking"))
    who = [
        w.replace("_", " ").lower() for w in masking.get("whoMasked") or [] if isinstance(w, str)
    ]
    masked = _MASKING.get(level or "")
    if masked and who and level != "NONE":
        masked += f" ({', '.join(who)})"
    roles = {a.kind for a in groups.registered}
    comparator: Comparator | None = None
    if "PLACEBO_COMPARATOR" in roles or "SHAM_COMPARATOR" in roles:
        comparator = "placebo"
    elif "ACTIVE_COMPARATOR" in roles:
        comparator = "active"
    elif len(groups.registered) == 1:
        comparator = "none"
    allocation = text_of(info.get("allocation"))
    notes = []
    purpose = text_of(info.get("primaryPurpose"))
    if purpose:
        notes.append(f"Primary purpose: {purpose.replace('_', ' ').lower()}.")
    study_type = text_of(design.get("studyType"))
    if study_type and study_type != "INTERVENTIONAL":
        notes.append(f"Study type: {study_type.replace('_', ' ').lower()}.")
    if "EARLY_PHASE1" in (design.get("phases") or []):
        notes.append("Registered as early phase 1.")
    model = text_of(info.get("interventionModel"))
    if model in _MODEL_NOTES:
        notes.append(_MODEL_NOTES[model])
    return Design(
        allocation=_ALLOCATION.get(allocation or "")
        or ("single-arm" if allocation == "NA" and len(groups.registered) == 1 else None),
        masking=masked,
        model=model.replace("_", " ").lower() if model else None,
        comparator=comparator,
        note=" ".join(notes) or None,
    )


_AGE = re.compile(r"^(\d+(?:\.\d+)?)\s*(year|month|week|day|hour|minute)s?$", re.IGNORECASE)


def age_of(value: Any) -> tuple[float, str] | None:
    text = text_of(value)
    match = _AGE.match(text) if text else None
    if match is None:
        return None
    return Written.from_text(float(match.group(1)), match.group(1)), match.group(2).lower() + "s"


def who_enrolled(eligibility: dict[str, Any]) -> str:
    """Who could enrol, in a few words: "aged 18 to 80 years", "women aged 65 years or older"."""
    low, high = age_of(eligibility.get("minimumAge")), age_of(eligibility.get("maximumAge"))
    if low and high and low[1] == high[1]:
        ages = f"aged {number(low[0])} to {number(high[0])} {low[1]}"
    elif low and high:
        ages = f"aged {number(low[0])} {low[1]} to {number(high[0])} {high[1]}"
    elif low:
        ages = f"aged {number(low[0])} {low[1]} or older"
    elif high:
        ages = f"aged up to {number(high[0])} {high[1]}"
    else:
        ages = "any age"
    sex = {"FEMALE": "female participants", "MALE": "male participants"}.get(
        text_of(eligibility.get("sex")) or "", "participants"
    )
    return f"{sex} {ages}, as registered"


def eligibility_of(eligibility: dict[str, Any]) -> Eligibility | None:
    if not eligibility:
        return None
    low, high = age_of(eligibility.get("minimumAge")), age_of(eligibility.get("maximumAge"))
    in_years = all(a is None or a[1] == "years" for a in (low, high)) and (low or high)
    criteria = [
        Statement(text=t) for t in criteria_lines(text_of(eligibility.get("eligibilityCriteria")))
    ]
    extra = []
    if not in_years and (low or high):
        extra.append(
            "Ages as registered: "
            + " to ".join(
                text_of(eligibility.get(k)) or "any" for k in ("minimumAge", "maximumAge")
            )
        )
    if eligibility.get("healthyVolunteers") is True:
        extra.append("Accepts healthy volunteers.")
    return Eligibility(
        age=Range(min=low[0] if low else None, max=high[0] if high else None, unit="years")
        if in_years
        else None,
        criteria=criteria,
        note=" ".join(extra) or None,
    )


def criteria_lines(text: str | None) -> list[str]:
    """The criteria as separate lines, each marked inclusion or exclusion."""
    if not text:
        return []
    heading = ""
    items: list[str] = []
    for raw in text.splitlines():
        line = raw.strip()
        if not line:
            continue
        lowered = line.lower().rstrip(":")
        if lowered.endswith("inclusion criteria") or lowered.endswith("exclusion criteria"):
            heading = "Inclusion" if "inclusion" in lowered else "Exclusion"
            continue
        bullet = re.match(r"^(?:[*•-]|\d+[.)])\s+", line)
        body = line[bullet.end() :] if bullet else line
        if bullet or not items:
            items.append(f"{heading}: {body}" if heading else body)
        else:
            items[-1] += " " + body
    return [fitted for item in items if (fitted := fit(item, LONG))]
