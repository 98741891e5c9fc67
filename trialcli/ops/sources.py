"""A figure's source, as operations report it: the `[n]` that `show` prints and the citation."""

from __future__ import annotations

from dataclasses import dataclass

from trialcli.formatting import source_mark
from trialcli.model import Sourced, Study


@dataclass(frozen=True)
class SourceRef:
    id: str
    number: int | None  # position in the study's `sources`, as `trialcli show` numbers it
    citation: str

    @property
    def mark(self) -> str:
        return source_mark(self.number)


def cite(study: Study, *records: Sourced | None) -> SourceRef | None:
    """The source of the innermost record that names one, else the study's default."""
    return source_ref(study, study.cited_source(*records))


def source_ref(study: Study, source_id: str | None) -> SourceRef | None:
    if source_id is None:
        return None
    source = study.source(source_id)
    citation = " ".join(source.citation.split()) if source else source_id
    return SourceRef(source_id, study.source_number(source_id), citation)
