"""What a store (trialcli.store) keeps of one imported study, and its file made on demand."""

from __future__ import annotations

from dataclasses import asdict
from pathlib import Path
from typing import TYPE_CHECKING

from trialcli.ops.summary import list_row
from trialcli.store import Entry, Record

if TYPE_CHECKING:
    from trialcli.model import Study


def entry(study: Study, record: Record) -> Entry:
    """The study's record, list row and the words `list --search --store` finds it by."""
    row = list_row(study)
    arms = "; ".join(arm.label for arm in study.arms)
    endpoints = "; ".join(endpoint.name for endpoint in study.endpoints)
    words = (study.id, row.title, row.condition, row.interventions, arms, endpoints)
    return Entry(study.id, row.nct, row.acronym, record, asdict(row), words)


def study_file(path: Path, ref: str) -> tuple[Study, str]:
    """The study `ref` names in the store and its file's text, converted from its record,
    written and checked to read back as `import --into` does it (the same bytes)."""
    from trialcli.importers import ctgov
    from trialcli.importers.ctgov.fetch import load_json
    from trialcli.importers.study_file import study_file as convert
    from trialcli.store import record as stored_record

    kept = stored_record(path, ref)
    how: ctgov.Retrieval = "fetched" if kept.how == "fetched" else "file"
    return convert(load_json(kept.body, f"the stored record of {ref}"), kept.retrieved, how)
