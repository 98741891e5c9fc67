"""Adverse events: the summary rows, then each serious and non-serious term, per set of groups."""

from __future__ import annotations

import re
from typing import Any, Literal

from trialcli.importers.ctgov.group_titles import words_of
from trialcli.importers.ctgov.groups import Groups
from trialcli.importers.ctgov.values import (
    LONG,
    count_of,
    dicts,
    fit,
    one_line,
    text_of,
    value_at,
)
from trialcli.model import ArmSafety, Note, SafetyFinding


def safety_of(results: dict[str, Any], groups: Groups, notes: list[Note]) -> list[SafetyFinding]:
    """Adverse-event findings; the module's description and threshold go to `notes`."""
    module = value_at(results, "adverseEventsModule") or {}
    event_groups = dicts(module.get("eventGroups"))
    if not event_groups:
        return []
    # Groups that are the same arm at different times (double-blind phase, follow-up)
    # go to separate sets: one finding per set, never one merged count.
    sets: list[dict[str, str]] = []
    titles: dict[str, str] = {}
    siblings = [text_of(g.get("title")) or "" for g in event_groups]
    for group in event_groups:
        gid = text_of(group.get("id")) or ""
        titles[gid] = text_of(group.get("title")) or gid
        at_risk = [count_of(group.get(f"{k}NumAtRisk")) for k in ("deaths", "serious", "other")]
        people = max((n for n in at_risk if n is not None), default=None)
        key = groups.group_key(group, "adverse events", set(), people, siblings)
        target = next((s for s in sets if key not in s.values()), None)
        if target is None:
            target = {}
            sets.append(target)
        target[gid] = key
    time_frame = text_of(module.get("timeFrame"))
    threshold = text_of(module.get("frequencyThreshold"))
    whom = counted_whom(text_of(module.get("description")))
    labels = []
    for members in sets:
        own_titles = all(
            words_of(titles[g]) == words_of(groups.title_of(key)) for g, key in members.items()
        )
        parts = (
            [] if own_titles and len(sets) == 1 else [group_titles([titles[g] for g in members])]
        )
        if time_frame:
            parts.append(f"time frame: {time_frame}")
        parts += whom
        labels.append(one_line("; ".join(parts)))
    _note_adverse_events(module, threshold, time_frame, notes)
    findings: list[SafetyFinding] = []
    by_id = {text_of(g.get("id")) or "": g for g in event_groups}
    for members, population in zip(sets, labels, strict=True):
        findings += summary_rows(by_id, members, population, threshold)
    for serious, events in (
        (True, module.get("seriousEvents")),
        (False, module.get("otherEvents")),
    ):
        for event in dicts(events):
            for members, population in zip(sets, labels, strict=True):
                finding = event_finding(event, serious, members, population)
                if finding is not None:
                    findings.append(finding)
    return findings


# A sentence of the module's description saying its people include more than one part of
# the study ("Population includes both Main Study and Anti-TNF Failure Sub-study").
_INCLUDES = re.compile(
    r"\b(population|participants|subjects|patients)\b.*\b(includes?|including)\b", re.IGNORECASE
)
_PARTS = re.compile(
    r"\b(both|sub-?stud(y|ies)|lead-?in|run-?in|extension|cohorts?|parts?)\b", re.IGNORECASE
)


def counted_whom(description: str | None) -> list[str]:
    """The sentences of the adverse-event description saying its people include several
    parts of the study: kept with each finding, whose counts they explain."""
    sentences = re.split(r"(?<=[.;])\s+", description or "")
    return [
        one_line(s.rstrip(".;"), 200) or s
        for s in sentences
        if _INCLUDES.search(s) and _PARTS.search(s)
    ]


def _note_adverse_events(
    module: dict[str, Any], threshold: str | None, time_frame: str | None, notes: list[Note]
) -> None:
    parts = []
    description = text_of(module.get("description"))
    if description:
        parts.append(description)
    if time_frame:
        parts.append(f"Time frame: {time_frame}.")
    if threshold:
        parts.append(
            f"Non-serious adverse events are listed only when they reach {threshold}% in a "
            "group (the record's frequency threshold): an absent term is not a zero."
        )
    if parts:
        text = "Adverse events (registry): " + " ".join(parts)
        notes.append(Note(text=fit(text, LONG) or text))


def summary_rows(
    groups: dict[str, dict[str, Any]],
    members: dict[str, str],
    population: str | None,
    threshold: str | None,
) -> list[SafetyFinding]:
    rows: list[SafetyFinding] = []
    kinds: list[tuple[str, str, Literal["death", "serious-adverse-event"] | None, bool | None]] = [
        ("deaths", "Deaths (all causes)", "death", None),
        # The summary kind already says "serious"; the flag would only repeat it.
        ("serious", "Serious adverse events (any)", "serious-adverse-event", None),
        ("other", "Non-serious adverse events (any, above the reporting threshold)", None, False),
    ]
    for prefix, term, summary, serious in kinds:
        arms = {}
        for gid, key in members.items():
            group = groups.get(gid, {})
            affected = count_of(group.get(f"{prefix}NumAffected"))
            at_risk = count_of(group.get(f"{prefix}NumAtRisk"))
            if affected is None and at_risk is None:
                continue
            if affected is not None and at_risk is not None and affected > at_risk:
                arms[key] = ArmSafety(
                    note=f"{affected} affected of {at_risk} at risk, as registered"
                )
            else:
                arms[key] = ArmSafety(affected=affected, at_risk=at_risk)
        if not arms:
            continue
        note = None
        if prefix == "other" and threshold:
            note = f"People with any non-serious adverse event reaching the {threshold}% threshold."
        rows.append(
            SafetyFinding(
                term=term,
                summary=summary,
                serious=serious,
                arms=arms,
                population=population,
                note=note,
            )
        )
    return rows


def event_finding(
    event: dict[str, Any], serious: bool, members: dict[str, str], population: str | None
) -> SafetyFinding | None:
    term = one_line(text_of(event.get("term")))
    if term is None:
        return None
    arms = {}
    for stats in dicts(event.get("stats")):
        key = members.get(text_of(stats.get("groupId")) or "")
        if key is None:
            continue
        affected, at_risk = count_of(stats.get("numAffected")), count_of(stats.get("numAtRisk"))
        events = count_of(stats.get("numEvents"))
        # Events are worth a word only when some people had more than one.
        note = f"{events} events" if events is not None and events != affected else None
        if affected is not None and at_risk is not None and affected > at_risk:
            note = f"{affected} affected of {at_risk} at risk, as registered"
            affected = at_risk = None
        if affected is None and at_risk is None and note is None:
            continue
        arms[key] = ArmSafety(affected=affected, at_risk=at_risk, note=note)
    if not arms:
        return None
    details = [text_of(event.get("sourceVocabulary")), text_of(event.get("notes"))]
    assessment = text_of(event.get("assessmentType"))
    if assessment:
        details.append(assessment.replace("NON_", "non-").replace("_", " ").lower())
    return SafetyFinding(
        term=term,
        soc=one_line(text_of(event.get("organSystem"))),
        serious=serious,
        arms=arms,
        population=population,
        note=fit("; ".join(d for d in details if d), LONG) or None,
    )


def group_titles(titles: list[str]) -> str:
    """Group titles with their shared "Phase:" prefix said once."""
    prefixes = {t.split(":", 1)[0] for t in titles if ":" in t}
    if len(prefixes) == 1 and all(":" in t for t in titles) and len(titles) > 1:
        prefix = prefixes.pop()
        return f"{prefix}: " + "; ".join(t.split(":", 1)[1].strip() for t in titles)
    return "; ".join(titles)
