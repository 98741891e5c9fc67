"""`list` filters, search and sort, over the cached list rows (no study file is read again).

Every filter keeps a study only when what it asks is known: a study with no start date is
not "since 2010", and a study with no phase is not "phase 3". Text is compared case- and
accent-insensitively ("Sjogren" finds "Sjögren").
"""

from __future__ import annotations

import unicodedata
from collections.abc import Sequence
from dataclasses import dataclass
from functools import cache

from trialcli.errors import ExitCode, TrialcliError
from trialcli.ops.summary import ListRow

SORTABLE = (
    "id",
    "acronym",
    "phase",
    "randomized",
    "arms",
    "primary_met",
    "latest_source_year",
    "start_year",
    "status",
    "title",
)


class FilterError(TrialcliError):
    exit_code = ExitCode.USAGE


@dataclass(frozen=True)
class Filters:
    drug: str | None = None
    condition: str | None = None
    phase: str | None = None
    status: str | None = None
    has_results: bool | None = None
    since: int | None = None
    search: str | None = None
    sort: str | None = None
    limit: int | None = None

    def __post_init__(self) -> None:
        if self.sort is not None and self.sort not in SORTABLE:
            raise FilterError(f"cannot sort by '{self.sort}'; choose one of {', '.join(SORTABLE)}")
        if self.limit is not None and self.limit < 0:
            raise FilterError("--limit must be 0 or more")


@cache
def folded(text: str) -> str:
    """`text` without case or accents: what a search compares."""
    decomposed = unicodedata.normalize("NFKD", text)
    return "".join(c for c in decomposed if not unicodedata.combining(c)).casefold()


def select(rows: Sequence[ListRow], filters: Filters) -> list[ListRow]:
    """The rows every given filter keeps, sorted and cut as asked."""
    drug = folded(filters.drug) if filters.drug else None
    condition = folded(filters.condition) if filters.condition else None
    words = folded(filters.search).split() if filters.search else []
    phase = filters.phase.lower() if filters.phase else None
    status = filters.status.lower() if filters.status else None

    def keep(row: ListRow) -> bool:
        if drug is not None and drug not in folded(row.interventions):
            return False
        if condition is not None and condition not in folded(row.condition):
            return False
        if phase is not None and (row.phase or "").lower() != phase:
            return False
        if status is not None and (row.status or "").lower() != status:
            return False
        if filters.has_results is not None and row.has_results != filters.has_results:
            return False
        if filters.since is not None and (row.start_year is None or row.start_year < filters.since):
            return False
        if words:
            text = folded(f"{row.title}\n{row.acronym}\n{row.condition}\n{row.interventions}")
            return all(word in text for word in words)
        return True

    kept = [row for row in rows if keep(row)]
    if filters.sort is not None:
        kept = _sorted(kept, filters.sort)
    return kept if filters.limit is None else kept[: filters.limit]


def _sorted(rows: list[ListRow], field: str) -> list[ListRow]:
    """Ascending; what is not reported goes last, never counted as the smallest."""
    known = [r for r in rows if getattr(r, field) is not None]
    unknown = [r for r in rows if getattr(r, field) is None]
    if field in ("acronym", "title", "status", "phase"):
        known.sort(key=lambda r: folded(str(getattr(r, field))))
    else:
        known.sort(key=lambda r: getattr(r, field))
    return known + unknown
