"""Harms: each adverse event or summary row, with each arm's count."""

from __future__ import annotations

from pydantic import Field

from trialcli.model.base import (
    Disagreement,
    LongText,
    NonNegative,
    Percent,
    Ref,
    ShortText,
    Sourced,
)
from trialcli.model.kinds import SafetySummary


class ArmSafety(Sourced):
    affected: NonNegative | None = None
    at_risk: NonNegative | None = None
    pct: Percent | None = Field(default=None, description="percentage as stated")
    approximate: bool = False
    deaths: NonNegative | None = None
    note: ShortText | None = None
    disagreement: Disagreement = None


class SafetyFinding(Sourced):
    term: ShortText
    soc: ShortText | None = Field(default=None, description="organ-system class")
    code: ShortText | None = Field(default=None, description="e.g. a MedDRA preferred-term code")
    summary: SafetySummary | None = Field(
        default=None, description="marks the rows of the summary block"
    )
    serious: bool | None = Field(default=None, description="true when only serious events count")
    arms: dict[Ref, ArmSafety] = Field(default_factory=dict)
    population: ShortText | None = None
    note: LongText | None = None
