"""The participant flow of a ClinicalTrials.gov API v2 record, as a study file's `flow:`.

Reads resultsSection.participantFlowModule: its periods, the STARTED / COMPLETED / NOT
COMPLETED milestones (any other milestone, e.g. "Treated", is kept under its own label)
and the reasons for not completing, per group. A pure function: the importer decides
which arm each flow group ("FG000") is and which source the registry record is.
"""

from __future__ import annotations

from typing import Any

from trialcli.model import Count, DropoutReason, Flow, FlowMilestone, FlowPeriod

# The model's limits for short and long text.
_SHORT = 500
_LONG = 5000
_MILESTONE_FIELDS = {
    "STARTED": "started",
    "COMPLETED": "completed",
    "NOT COMPLETED": "not_completed",
}


def flow_section(
    record: dict[str, Any], arm_of_group: dict[str, str], source_id: str
) -> Flow | None:
    """The record's participant flow, every count citing `source_id`; None when it has none.

    A group missing from `arm_of_group` is left out; a count the registry leaves blank
    or writes as anything but a whole number is left out too ("not reported").
    """
    results = record.get("resultsSection")
    module = results.get("participantFlowModule") if isinstance(results, dict) else None
    if not isinstance(module, dict):
        return None
    read = (_period(period, arm_of_group) for period in _dicts(module.get("periods")))
    periods = [period for period in read if period is not None]
    if not periods:
        return None
    details = [
        _text(module.get(key), _LONG) for key in ("recruitmentDetails", "preAssignmentDetails")
    ]
    note = "\n\n".join(d for d in details if d)[:_LONG] or None
    return Flow(source=source_id, periods=periods, note=note)


def _period(period: dict[str, Any], arm_of_group: dict[str, str]) -> FlowPeriod | None:
    counts: dict[str, dict[str, Count]] = {"started": {}, "completed": {}, "not_completed": {}}
    milestones: list[FlowMilestone] = []
    for milestone in _dicts(period.get("milestones")):
        kind = _text(milestone.get("type"), _SHORT)
        if kind is None:
            continue
        arms = _per_arm(milestone.get("achievements"), arm_of_group)
        field = _MILESTONE_FIELDS.get(kind.upper())
        if field is not None:
            counts[field] = arms
        elif arms:
            milestones.append(FlowMilestone(label=kind, arms=arms))
    reasons = []
    for dropped in _dicts(period.get("dropWithdraws")):
        reason = _text(dropped.get("type"), _SHORT)
        arms = _per_arm(dropped.get("reasons"), arm_of_group)
        if reason is not None and arms:
            reasons.append(DropoutReason(reason=reason, arms=arms))
    if not any(counts.values()) and not milestones and not reasons:
        return None
    return FlowPeriod(
        title=_text(period.get("title"), _SHORT) or "Overall Study",
        started=counts["started"],
        milestones=milestones,
        completed=counts["completed"],
        not_completed=counts["not_completed"],
        reasons=reasons,
    )


def _per_arm(values: Any, arm_of_group: dict[str, str]) -> dict[str, Count]:
    arms: dict[str, Count] = {}
    for value in _dicts(values):
        arm = arm_of_group.get(str(value.get("groupId")))
        number = value.get("numSubjects")
        if arm is None or arm in arms:
            continue
        text = str(number).strip() if number is not None else ""
        if text.isascii() and text.isdigit():
            arms[arm] = Count(value=int(text))
    return arms


def _dicts(value: Any) -> list[dict[str, Any]]:
    return [item for item in value if isinstance(item, dict)] if isinstance(value, list) else []


def _text(value: Any, limit: int) -> str | None:
    if not isinstance(value, str):
        return None
    text = " ".join(value.split()) if limit == _SHORT else value.strip()
    return text[:limit] or None
