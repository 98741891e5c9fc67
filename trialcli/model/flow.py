"""Participant flow (CONSORT): who was assessed, allocated, followed up and analysed."""

from __future__ import annotations

import re
from typing import Annotated

from pydantic import Field

from trialcli.model.base import Count, LongText, Ref, ShortText, Sourced

ArmCounts = Annotated[
    dict[Ref, Count],
    Field(description="people per arm, keyed by arm id; an arm left out is not reported"),
]


# A period before randomization whose people are not the randomized arms'.
_LEAD_IN = re.compile(r"\b(lead|run)[- ]?in\b", re.IGNORECASE)


def lead_in_title(title: str | None) -> bool:
    """Whether a flow period's title names a lead-in or run-in ("Open-Label Lead-In Phase")."""
    return bool(_LEAD_IN.search(title or ""))


class ExclusionReason(Sourced):
    reason: ShortText
    count: Count


class FlowMilestone(Sourced):
    """A milestone other than started/completed that the source counts, e.g. "Treated"."""

    label: ShortText
    arms: ArmCounts = Field(default_factory=dict)


class DropoutReason(Sourced):
    reason: ShortText = Field(description='why people did not complete, e.g. "Adverse Event"')
    arms: ArmCounts = Field(default_factory=dict)


class FlowPeriod(Sourced):
    title: ShortText = Field(description='e.g. "Overall Study", "Double-blind phase"')
    started: ArmCounts = Field(default_factory=dict)
    milestones: list[FlowMilestone] = Field(default_factory=list)
    completed: ArmCounts = Field(default_factory=dict)
    not_completed: ArmCounts = Field(default_factory=dict)
    reasons: list[DropoutReason] = Field(default_factory=list)
    all_reasons: bool = Field(
        default=True,
        description="false when the source names only some reasons for not completing",
    )
    note: LongText | None = None


class Flow(Sourced):
    """Participant flow: who was assessed, allocated, followed up and analysed."""

    assessed: Count | None = Field(default=None, description="assessed for eligibility")
    excluded: Count | None = Field(default=None, description="excluded before randomization")
    exclusion_reasons: list[ExclusionReason] = Field(default_factory=list)
    periods: list[FlowPeriod] = Field(default_factory=list)
    note: LongText | None = None
