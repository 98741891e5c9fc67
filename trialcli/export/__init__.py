"""`trialcli export`: the catalog as relational tables, for SQL engines and data frames."""

from __future__ import annotations

from collections.abc import Iterator, Sequence
from dataclasses import dataclass, field
from pathlib import Path

from trialcli.export.schema import TABLES, Rows, file_rows
from trialcli.parallel import Progress, cores, ordered_map

# Fewer files than this are parsed here: starting worker processes would cost more.
PARALLEL_FROM = 32


@dataclass
class Exported:
    studies: int = 0
    rows: dict[str, int] = field(default_factory=lambda: {t.name: 0 for t in TABLES})
    # (file, why it was left out): a file that does not validate is named, never half-exported.
    left_out: list[str] = field(default_factory=list)


def catalog_rows(
    paths: Sequence[Path], exported: Exported, progress: Progress | None = None
) -> Iterator[Rows]:
    """Each study's rows, in the order of `paths`, counted into `exported` as they pass."""
    names = [str(p) for p in paths]
    workers = cores()
    found = (
        ordered_map(file_rows, names, workers, batch=32)
        if workers > 1 and len(names) >= PARALLEL_FROM
        else iter(file_rows(names))
    )
    for done, rows in enumerate(found, start=1):
        if isinstance(rows, str):
            exported.left_out.append(rows)
        else:
            exported.studies += 1
            for name, table_rows in rows.items():
                exported.rows[name] += len(table_rows)
            yield rows
        if progress is not None:
            progress(done, len(names))
