"""The participant flow: who started each group, and what happened in each period."""

from __future__ import annotations

from typing import Any

from trialcli.importers.ctgov.flow_section import flow_section
from trialcli.importers.ctgov.groups import Group, Groups
from trialcli.importers.ctgov.protocol import SOURCE_ID
from trialcli.importers.ctgov.values import LONG, count_of, dicts, fit, text_of, value_at
from trialcli.model import Flow, Note, lead_in_title


def build_arms(results: dict[str, Any], groups: Groups) -> None:
    """The study's arms: the flow's groups, else the registered arms, else the first groups."""
    flow = value_at(results, "participantFlowModule") or {}
    flow_groups = dicts(flow.get("groups"))
    if flow_groups:
        entered = entry_counts(flow)
        for group in flow_groups:
            title = text_of(group.get("title")) or text_of(group.get("id")) or "group"
            sole = len(flow_groups) == 1
            arm = groups.linked(title, text_of(group.get("description")), sole=sole)
            arm.started, arm.started_in = entered.get(text_of(group.get("id")) or "", (None, None))
            groups.arms.append(arm)
        first = first_period(results)
        for arm in groups.arms:
            arm.first = first is not None and arm.started_in == first[1]
        groups.mark_sequences()
    elif groups.registered:
        for registered in groups.registered:
            arm = Group(
                title=registered.title,
                drugs=registered.drugs,
                key=groups.new_key(registered.title),
                description=registered.description,
                role=registered.role,
                kind=registered.kind,
            )
            groups.arms.append(arm)
    else:
        # Neither a participant flow nor registered arms: the first groups reported.
        for measure in [
            *dicts(value_at(results, "outcomeMeasuresModule", "outcomeMeasures")),
            {"groups": value_at(results, "adverseEventsModule", "eventGroups")},
        ]:
            for group in dicts(measure.get("groups")):
                title = text_of(group.get("title")) or text_of(group.get("id")) or "group"
                groups.arms.append(groups.linked(title, text_of(group.get("description"))))
            if groups.arms:
                break


def flow_of(record: dict[str, Any], groups: Groups) -> Flow | None:
    """The record's participant flow as a study file's `flow:`, its groups as the arms
    `build_arms` made of them (one arm per flow group, in order)."""
    results = value_at(record, "resultsSection") or {}
    flow_groups = dicts(value_at(results, "participantFlowModule", "groups"))
    if not flow_groups or len(flow_groups) != len(groups.arms):
        return None
    arm_of_group = {
        text_of(group.get("id")) or "": arm.key
        for group, arm in zip(flow_groups, groups.arms, strict=True)
    }
    return flow_section(record, arm_of_group, SOURCE_ID)


def note_flow(results: dict[str, Any], notes: list[Note]) -> None:
    """The participant flow, period by period, as notes."""
    flow = value_at(results, "participantFlowModule") or {}
    titles = {
        text_of(g.get("id")): text_of(g.get("title")) or "?" for g in dicts(flow.get("groups"))
    }
    for period in dicts(flow.get("periods")):
        parts = []
        for milestone in dicts(period.get("milestones")):
            what = (text_of(milestone.get("type")) or "?").lower()
            parts.append(f"{what}: {people_in(titles, milestone.get('achievements'))}")
        for withdrawal in dicts(period.get("dropWithdraws")):
            why = text_of(withdrawal.get("type")) or "reason not given"
            parts.append(f"left ({why}): {people_in(titles, withdrawal.get('reasons'))}")
        if parts:
            title = text_of(period.get("title")) or "period"
            text = f"Participant flow (registry), {title} — " + " | ".join(parts)
            notes.append(Note(text=fit(text, LONG) or text))


def first_period(results: dict[str, Any]) -> tuple[int, str] | None:
    """How many started the flow's first period, and its title; None without a flow."""
    flow = value_at(results, "participantFlowModule") or {}
    periods = dicts(flow.get("periods"))
    if not periods:
        return None
    period = next((p for p in periods if not _lead_in(p, periods)), periods[0])
    counts = _started(period)
    if not counts:
        return None
    return sum(counts.values()), text_of(period.get("title")) or "the first period"


# endpoints ---------------------------------------------------------------------


def people_in(titles: dict[str | None, str], entries: Any) -> str:
    """ "Group A 72; Group B 66" from a list of {groupId, numSubjects}."""
    return "; ".join(
        f"{titles.get(text_of(e.get('groupId')), '?')} {text_of(e.get('numSubjects')) or '?'}"
        for e in dicts(entries)
    )


def entry_counts(flow: dict[str, Any]) -> dict[str, tuple[int, str]]:
    """Each group's STARTED count in the period it entered: the first period where any of
    it started. Groups of later periods (open-label extension, crossover phase) start at 0
    in the first period; their people are counted where they began."""
    entered: dict[str, tuple[int, str]] = {}
    periods = dicts(flow.get("periods"))
    for number, period in enumerate(periods, start=1):
        if _lead_in(period, periods):
            continue
        title = text_of(period.get("title")) or f"period {number}"
        for group, count in _started(period).items():
            if group not in entered or (entered[group][0] == 0 and count > 0):
                entered[group] = (count, title)
    return entered


def _lead_in(period: dict[str, Any], periods: list[dict[str, Any]]) -> bool:
    """A first period titled as a lead-in or run-in whose groups all start again in the
    next (randomized) period: those who started the lead-in are not the arms' randomized.
    A lead-in with groups of its own (none of them in the next period) stays their entry."""
    if len(periods) < 2 or period is not periods[0]:
        return False
    if not lead_in_title(text_of(period.get("title"))):
        return False
    here, after = _started(period), _started(periods[1])
    entered = [g for g, n in here.items() if n > 0]
    return bool(entered) and all(after.get(g, 0) > 0 for g in entered)


def _started(period: dict[str, Any]) -> dict[str, int]:
    for milestone in dicts(period.get("milestones")):
        if (text_of(milestone.get("type")) or "").upper() == "STARTED":
            return {
                text_of(a.get("groupId")) or "": count
                for a in dicts(milestone.get("achievements"))
                if (count := count_of(a.get("numSubjects"))) is not None
            }
    return {}
