"""The study: one file, holding every other part of the format."""

from __future__ import annotations

import functools
import re
from typing import Annotated

from pydantic import BeforeValidator, Field, WithJsonSchema, field_validator, model_validator

from trialcli.model.base import (
    LongText,
    PartialDate,
    Ref,
    ShortText,
    Slug,
    Sourced,
    Statement,
    Strict,
    number_to_text,
)
from trialcli.model.design import Arm, Design, PooledArms, Population
from trialcli.model.flow import Flow
from trialcli.model.kinds import ArmRole, Phase, Status
from trialcli.model.results import Endpoint
from trialcli.model.safety import SafetyFinding
from trialcli.model.sources import Milestone, Note, Reference, Registry, Source


class Study(Strict):
    id: Slug
    acronym: ShortText
    title: LongText
    registry: Registry = Field(default_factory=Registry)
    sponsor: ShortText | None = None
    collaborators: list[ShortText] = Field(default_factory=list)
    phase: (
        Annotated[
            Phase,
            BeforeValidator(number_to_text),
            # `phase: 3` is natural YAML; editors checking against the schema accept it too.
            WithJsonSchema(
                {
                    "anyOf": [
                        {"enum": ["1", "1/2", "2", "2/3", "3", "4", "n/a"]},
                        {"enum": [1, 2, 3, 4]},
                    ]
                }
            ),
        ]
        | None
    ) = None
    status: Status | None = None
    start_date: PartialDate | None = None
    completion_date: PartialDate | None = None
    dates_source: Ref | None = None
    default_source: Ref | None = Field(
        default=None, description="the source of every figure that names none"
    )
    population: Population
    design: Design = Field(default_factory=Design)
    arms: list[Arm] = Field(
        description="empty only for a registration without arms and results (e.g. withdrawn)"
    )
    pooled_arms: list[PooledArms] = Field(default_factory=list)
    endpoints: list[Endpoint] = Field(default_factory=list)
    safety: list[SafetyFinding] = Field(default_factory=list)
    safety_monitoring: LongText | None = None
    limitations: Statement | None = Field(
        default=None,
        description="limitations and caveats, as a source states them (a registry's own section)",
    )
    references: list[Reference] = Field(
        default_factory=list,
        description="publications a source lists about the study; no figure comes from them "
        "unless it names one of `sources`",
    )
    flow: Flow | None = Field(default=None, description="participant flow (CONSORT)")
    notes: list[Note] = Field(default_factory=list)
    milestones: list[Milestone] = Field(default_factory=list)
    sources: list[Source] = Field(min_length=1)

    @field_validator("acronym", "title")
    @classmethod
    def _one_line(cls, value: str) -> str:
        return re.sub(r"\s+", " ", value).strip()

    @model_validator(mode="after")
    def _results_need_arms(self) -> Study:
        has_results = self.safety or any(e.results or e.comparisons for e in self.endpoints)
        if not self.arms and has_results:
            raise ValueError("arms: a study with results needs the arms they belong to")
        return self

    # Convenience views used by operations; nothing here is stored.

    def arm(self, arm_id: str) -> Arm | None:
        return self.arms_by_id.get(arm_id)

    @functools.cached_property
    def arms_by_id(self) -> dict[str, Arm]:
        found: dict[str, Arm] = {}
        for arm in self.arms:
            found.setdefault(arm.id, arm)
        return found

    def group_label(self, group_id: str) -> str:
        """Label of an arm or pooled group, or the id itself when unknown."""
        return self.group_labels.get(group_id, group_id)

    # Indexed once per study: looked up per figure and per warning, a scan of the list
    # each time made `validate` quadratic in sources × warnings.
    @functools.cached_property
    def group_labels(self) -> dict[str, str]:
        groups: list[Arm | PooledArms] = [*self.arms, *self.pooled_arms]
        labels: dict[str, str] = {}
        for group in groups:
            labels.setdefault(group.id, group.label)
        return labels

    @functools.cached_property
    def source_numbers(self) -> dict[str, int]:
        numbers: dict[str, int] = {}
        for number, source in enumerate(self.sources, start=1):
            numbers.setdefault(source.id, number)
        return numbers

    def is_subset(self, group_id: str) -> bool:
        """A group picked out after randomization (rescued, responders, completers): its
        own count, never compared with an arm."""
        arm = self.arm(group_id)
        return arm is not None and arm.kind == "subset"

    def group_role(self, group_id: str) -> ArmRole | None:
        """Role of an arm, or of a pooled group whose arms all share one role."""
        arm = self.arm(group_id)
        if arm is not None:
            return arm.role
        for pooled in self.pooled_arms:
            if pooled.id == group_id:
                roles = {a.role for a in self.arms if a.id in pooled.arms}
                return roles.pop() if len(roles) == 1 else None
        return None

    def source(self, source_id: str | None) -> Source | None:
        return self.sources_by_id.get(source_id) if source_id is not None else None

    @functools.cached_property
    def sources_by_id(self) -> dict[str, Source]:
        found: dict[str, Source] = {}
        for source in self.sources:
            found.setdefault(source.id, source)
        return found

    def cited_source(self, *records: Sourced | None) -> str | None:
        """A figure's source id: its own, else the nearest enclosing record's, else the default."""
        for record in records:
            if record is not None and record.source is not None:
                return record.source
        return self.default_source

    def source_number(self, source_id: str) -> int | None:
        """Where a source stands in `sources`, counting from 1: the `[n]` of `show`."""
        return self.source_numbers.get(source_id)

    @property
    def drugs(self) -> list[str]:
        seen: dict[str, None] = {}
        for arm in self.arms:
            for intervention in arm.interventions:
                seen.setdefault(intervention.drug, None)
        return list(seen)
