"""The catalog as one SQLite database (Python's own sqlite3), written atomically."""

from __future__ import annotations

import sqlite3
import tempfile
from collections.abc import Iterable
from pathlib import Path

from trialcli.errors import TrialcliError
from trialcli.export.schema import TABLES, Rows, Table


def create_statement(table: Table) -> str:
    columns = ", ".join(f"{name} {kind}" for name, kind in table.columns)
    return f"CREATE TABLE {table.name} ({columns}, PRIMARY KEY ({', '.join(table.key)}))"


def write_sqlite(studies: Iterable[Rows], target: Path | None, *, force: bool = False) -> None:
    """Every study's rows into a new database at `target` (None: standard output), written
    by the one writer: whole or not there at all, never in place of a FIFO or device."""
    from trialcli.files import write_to_stdout, write_with

    def produce(temporary: Path) -> None:
        try:
            _fill(studies, temporary)
        except sqlite3.Error as error:
            raise TrialcliError(f"cannot write '{target or '-'}': {error}") from None

    if target is not None:
        write_with(target, produce, force=force)
        return
    with tempfile.TemporaryDirectory(prefix="trialcli-") as folder:
        path = Path(folder) / "catalog.db"
        produce(path)
        write_to_stdout(path.read_bytes(), binary=True)


def _fill(studies: Iterable[Rows], path: Path) -> None:
    connection = sqlite3.connect(path)
    try:
        # The file becomes the database only when whole (renamed at the end), so the
        # journal that guards a live database is not needed while it is written.
        connection.execute("PRAGMA journal_mode = OFF")
        connection.execute("PRAGMA synchronous = OFF")
        for table in TABLES:
            connection.execute(create_statement(table))
        inserts = {
            t.name: f"INSERT INTO {t.name} VALUES ({', '.join('?' * len(t.columns))})"
            for t in TABLES
        }
        for rows in studies:
            for name, table_rows in rows.items():
                if table_rows:
                    connection.executemany(inserts[name], table_rows)
        connection.commit()
    finally:
        connection.close()
