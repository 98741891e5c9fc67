"""The catalog as Parquet files, one per table, for DuckDB, Spark and data frames.

Needs pyarrow (`pip install 'trialcli[parquet]'`), imported only here. The folder appears
whole or not at all: the files are written into a temporary folder beside it, renamed at
the end.
"""

from __future__ import annotations

import contextlib
import os
import shutil
import tempfile
from collections.abc import Iterable
from pathlib import Path
from typing import Any

from trialcli.errors import TrialcliError
from trialcli.export.schema import TABLES, Rows, Table

# Rows held per table before they are written as one row group.
ROW_GROUP = 50_000


def write_parquet(studies: Iterable[Rows], target: Path, *, force: bool = False) -> None:
    try:
        import pyarrow as pa
        import pyarrow.parquet as pq
    except ImportError:
        raise TrialcliError("--to parquet needs pyarrow: pip install 'trialcli[parquet]'") from None
    if target.exists() and not (force and target.is_dir()):
        what = "a file" if target.is_file() else "there"
        raise TrialcliError(f"'{target}' is already {what}; use --force to replace a folder")
    if not target.parent.is_dir():
        raise TrialcliError(f"cannot write '{target}': the folder '{target.parent}' does not exist")
    kinds = {"TEXT": pa.string(), "INTEGER": pa.int64(), "REAL": pa.float64()}
    schemas = {t.name: pa.schema([(n, kinds[k]) for n, k in t.columns]) for t in TABLES}
    temporary = Path(tempfile.mkdtemp(prefix=f".{target.name}.", dir=target.parent))
    writers: dict[str, Any] = {}
    pending: dict[str, list[tuple[Any, ...]]] = {t.name: [] for t in TABLES}

    def flush(table: Table) -> None:
        rows = pending[table.name]
        arrays = {n: [row[i] for row in rows] for i, n in enumerate(table.names)}
        writers[table.name].write_table(pa.Table.from_pydict(arrays, schema=schemas[table.name]))
        rows.clear()

    try:
        for table in TABLES:
            path = temporary / f"{table.name}.parquet"
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
        _replace_folder(temporary, target)
    except BaseException as error:
        for writer in writers.values():
            with contextlib.suppress(Exception):
                writer.close()
        shutil.rmtree(temporary, ignore_errors=True)
        if isinstance(error, OSError):
            raise TrialcliError(f"cannot write '{target}': {error}") from None
        raise


def _replace_folder(new: Path, target: Path) -> None:
    """`new` becomes `target`; an old `target` (only with --force) is removed after."""
    old = None
    if target.exists():
        old = Path(tempfile.mkdtemp(prefix=f".{target.name}.old.", dir=target.parent))
        os.rmdir(old)
        os.replace(target, old)
    os.replace(new, target)
    if old is not None:
        shutil.rmtree(old, ignore_errors=True)
