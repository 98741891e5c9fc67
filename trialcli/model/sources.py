"""Where the figures come from, and what is said of the study in words over time."""

from __future__ import annotations

from typing import Annotated

from pydantic import Field

from trialcli.model.base import URL_PATTERN, LongText, PartialDate, Ref, ShortText, Sourced, Strict
from trialcli.model.kinds import MilestoneStatus, ReferenceKind, SourceKind


class Source(Strict):
    id: Ref
    citation: LongText
    publisher: ShortText | None = None
    date: PartialDate | None = None
    url: Annotated[str, Field(pattern=URL_PATTERN, max_length=2000)] | None = None
    retrieved: PartialDate | None = Field(default=None, description="when the URL was read")
    kind: SourceKind | None = None
    secondary: bool = Field(
        default=False,
        description="true when the source reports another's figures (review, mirror, news)",
    )
    note: LongText | None = None


class Reference(Strict):
    """A publication a source lists about the study (a registry's "results references")."""

    citation: LongText
    pmid: Annotated[str, Field(pattern=r"^\d{1,9}$")] | None = Field(
        default=None, description="PubMed id"
    )
    kind: ReferenceKind = Field(
        description="result: it reports this study's results; background; derived: linked by "
        "a database through the registry number"
    )
    source: Ref | None = Field(default=None, description="who lists it; inherited when absent")


class Registry(Strict):
    nct: Annotated[str, Field(pattern=r"^NCT\d{8}$")] | None = None
    eudract: Annotated[str, Field(pattern=r"^\d{4}-\d{6}-\d{2}$")] | None = None
    sponsor_code: ShortText | None = None
    other: list[ShortText] = Field(default_factory=list, description="e.g. ISRCTN, ANZCTR ids")


class Note(Sourced):
    date: PartialDate | None = None
    text: LongText


class Milestone(Sourced):
    date: PartialDate | None = None
    event: LongText
    status: MilestoneStatus = "achieved"
