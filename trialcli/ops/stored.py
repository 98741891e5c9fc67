"""What a store (trialcli.store) keeps of one imported study: its file, list row and words."""

from __future__ import annotations

from dataclasses import asdict
from typing import TYPE_CHECKING

from trialcli.ops.summary import list_row
from trialcli.store import Entry

if TYPE_CHECKING:
    from trialcli.model import Study


def entry(study: Study, text: str) -> Entry:
    """The study, its file's text and the words `list --search --store` finds it by."""
    row = list_row(study)
    arms = "; ".join(arm.label for arm in study.arms)
    endpoints = "; ".join(endpoint.name for endpoint in study.endpoints)
    words = (study.id, row.title, row.condition, row.interventions, arms, endpoints)
    return Entry(study.id, row.nct, row.acronym, text, asdict(row), words)
