"""The catalog as one SQLite database (Python's own sqlite3), written atomically."""

from __future__ import annotations

import contextlib
import os
import sqlite3
import tempfile
from collections.abc import Iterable
from pathlib import Path

from trialcli.errors import TrialcliError
from trialcli.export.schema import TABLES, Rows, Table


def create_statement(table: Table) -> str:
    columns = ", ".join(f"{name} {kind}" for name, kind in table.columns)
    return f"CREATE TABLE {table.name} ({columns}, PRIMARY KEY ({', '.join(table.key)}))"


def write_sqlite(studies: Iterable[Rows], target: Path, *, force: bool = False) -> None:
    """Every study's rows into a new database at `target`: whole, or not there at all."""
    if target.is_dir():
        raise TrialcliError(f"'{target}' is a folder; give a file name such as catalog.db")
    if target.exists() and not force:
        raise TrialcliError(f"'{target}' already exists; use --force to replace it")
    folder = target.parent
    if not folder.is_dir():
        raise TrialcliError(f"cannot write '{target}': the folder '{folder}' does not exist")
    handle, temporary = tempfile.mkstemp(prefix=f".{target.name}.", suffix=".tmp", dir=folder)
    os.close(handle)
    try:
        connection = sqlite3.connect(temporary)
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
        with open(temporary, "rb+") as written:
            os.fsync(written.fileno())
        if target.exists() and not force:
            raise TrialcliError(f"'{target}' already exists; use --force to replace it")
        os.replace(temporary, target)
    except BaseException as error:
        with contextlib.suppress(OSError):
            os.unlink(temporary)
        if isinstance(error, (OSError, sqlite3.Error)):
            raise TrialcliError(f"cannot write '{target}': {error}") from None
        raise
