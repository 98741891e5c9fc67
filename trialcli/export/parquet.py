"""The catalog as Parquet files, one per table, for DuckDB, Spark and data frames.

Needs pyarrow (`pip install 'trialcli[parquet]'`), imported only here. The folder appears
whole or not at all (files.write_folder), and carries a marker file so that `--force`
replaces only an earlier export.
"""

from __future__ import annotations

import contextlib
from collections.abc import Iterable
from pathlib import Path
from typing import Any

from trialcli.errors import TrialcliError
from trialcli.export.schema import TABLES, Rows, Table

# Rows held per table before they are written as one row group.
ROW_GROUP = 50_000


# What an export's folder holds beside its tables: how `--force` knows it may replace it.
MARKER = "trialcli parquet export\n"


def write_parquet(studies: Iterable[Rows], target: Path, *, force: bool = False) -> None:
    """Every study's rows as one Parquet file per table in the new folder `target`."""
    from trialcli.files import write_folder

    try:
        import pyarrow as pa
        import pyarrow.parquet as pq
    except ImportError:
        raise TrialcliError("--to parquet needs pyarrow: pip install 'trialcli[parquet]'") from None
    kinds = {"TEXT": pa.string(), "INTEGER": pa.int64(), "REAL": pa.float64()}
    schemas = {t.name: pa.schema([(n, kinds[k]) for n, k in t.columns]) for t in TABLES}

    def produce(folder: Path) -> None:
        writers: dict[str, Any] = {}
        pending: dict[str, list[tuple[Any, ...]]] = {t.name: [] for t in TABLES}

        def flush(table: Table) -> None:
            rows = pending[table.name]
            arrays = {n: [row[i] for row in rows] for i, n in enumerate(table.names)}
            batch = pa.Table.from_pydict(arrays, schema=schemas[table.name])
            writers[table.name].write_table(batch)
            rows.clear()

        try:
            for table in TABLES:
                path = folder / f"{table.name}.parquet"
                writers[table.name] = pq.ParquetWriter(path, schemas[table.name])
            for rows in studies:
                for name, table_rows in rows.items():
                    pending[name] += table_rows
                    if len(pending[name]) >= ROW_GROUP:
                        flush(next(t for t in TABLES if t.name == name))
            for table in TABLES:
                if pending[table.name]:
                    flush(table)
                writers[table.name].close()
        finally:  # after a failure: closed, then the folder is removed
            for writer in writers.values():
                with contextlib.suppress(Exception):
                    writer.close()

    write_folder(target, produce, force=force, marker=MARKER)
