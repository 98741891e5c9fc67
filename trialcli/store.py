"""One SQLite file for many imported studies: `import --into-store`, `list --store`, `show --store`.

Each study is kept once, as the registry record it came from (its JSON, zlib-compressed,
with when and how it was retrieved, all its conversion depends on), beside its list row
(JSON) and an FTS5 index over its id, title, conditions, interventions, arms and
endpoints. A study's file is made from the record, written and checked only when asked
for (`show --store`, trialcli.ops.stored). An import writes in one transaction; a new store is
built in a temporary file renamed into place at the end, so an interrupted import leaves
the store as it was, or no store.
"""

from __future__ import annotations

import json
import os
import sqlite3
import stat
import zlib
from dataclasses import dataclass
from pathlib import Path
from typing import Any, Literal

from trialcli.errors import ExitCode, TrialcliError

FORMAT = "trialcli-store 2"
# Level 3 keeps the sample's records at under a tenth of their size in half the time of
# level 6; see bench/README.md.
LEVEL = 3
SCHEMA = """
CREATE TABLE meta (key TEXT PRIMARY KEY, value TEXT NOT NULL);
CREATE TABLE studies (
    n INTEGER PRIMARY KEY, id TEXT NOT NULL UNIQUE, nct TEXT, acronym TEXT,
    updated TEXT, row TEXT NOT NULL
);
CREATE INDEX studies_nct ON studies (nct COLLATE NOCASE);
CREATE INDEX studies_acronym ON studies (acronym COLLATE NOCASE);
-- Kept apart from the rows, so that a search never reads the records.
CREATE TABLE records (
    n INTEGER PRIMARY KEY, record BLOB NOT NULL, retrieved TEXT, how TEXT NOT NULL
);
CREATE VIRTUAL TABLE search USING fts5(
    id, title, conditions, interventions, arms, endpoints,
    tokenize = 'unicode61 remove_diacritics 2'
);
"""
SEARCHED = ("id", "title", "conditions", "interventions", "arms", "endpoints")
_INSERT_SEARCH = f"INSERT INTO search (rowid, {', '.join(SEARCHED)}) VALUES (?, ?, ?, ?, ?, ?, ?)"

Put = Literal["imported", "updated", "unchanged", "kept"]


class StoreError(TrialcliError):
    """A store that cannot be read or written: missing, not a store, corrupt, not permitted."""


class QueryError(TrialcliError):
    """A search FTS5 cannot read."""

    exit_code = ExitCode.USAGE


@dataclass(frozen=True)
class Record:
    """A registry record's JSON and how it was read: what its study file is made from."""

    body: bytes
    retrieved: str | None
    how: str  # "file" or "fetched" (ctgov.Retrieval)


@dataclass(frozen=True)
class Entry:
    """One study as the store keeps it; `search` follows SEARCHED."""

    id: str
    nct: str | None
    acronym: str
    record: Record
    row: dict[str, Any]
    search: tuple[str, ...]


def _unreadable(path: Path, error: sqlite3.Error) -> StoreError:
    return StoreError(f"'{path}': not a readable trialcli store ({error})")


def _connect_read(path: Path) -> sqlite3.Connection:
    if not path.exists():
        raise StoreError(f"'{path}': no such store (create it with 'import ZIP --into-store')")
    if not stat.S_ISREG(path.stat().st_mode):
        # SQLite would wait on a FIFO for ever, and write into a device.
        raise StoreError(f"'{path}' is not a regular file (a device, FIFO or socket)")
    if not os.access(path, os.R_OK):
        raise StoreError(f"'{path}': permission denied")
    try:
        db = sqlite3.connect(f"{path.resolve().as_uri()}?mode=ro", uri=True)
        _check(db, path)
    except sqlite3.Error as error:
        raise _unreadable(path, error) from None
    return db


def _check(db: sqlite3.Connection, path: Path) -> None:
    try:
        found = db.execute("SELECT value FROM meta WHERE key = 'format'").fetchone()
    except sqlite3.OperationalError:
        found = None  # a database, but no meta table: someone else's
    if found is not None and found[0] != FORMAT and str(found[0]).startswith("trialcli-store "):
        raise StoreError(f"'{path}': a store of another trialcli ({found[0]}); import it again")
    if found is None or found[0] != FORMAT:
        raise StoreError(f"'{path}': an SQLite file, but not a trialcli store")


def rows(path: Path, query: str | None = None) -> list[dict[str, Any]]:
    """Every study's list row, by id; with `query`, those FTS5 finds for it."""
    db = _connect_read(path)
    try:
        if query is None:
            found = db.execute("SELECT row FROM studies ORDER BY id").fetchall()
        else:
            sql = (
                "SELECT s.row FROM search JOIN studies s ON s.n = search.rowid "
                "WHERE search MATCH ? ORDER BY s.id"
            )
            try:
                found = db.execute(sql, (query,)).fetchall()
            except sqlite3.OperationalError as error:
                # The store was read a moment ago: what fails now is the query's syntax
                # ("fts5: syntax error", "unterminated string", "no such column: x").
                if "malformed" in str(error):
                    raise
                message = f"--search {query!r}: not a full-text query ({error})"
                raise QueryError(message) from None
        return [json.loads(row) for (row,) in found]
    except sqlite3.Error as error:
        raise _unreadable(path, error) from None
    finally:
        db.close()


def record(path: Path, ref: str) -> Record:
    """The record of the study with this id, NCT id or acronym (any case)."""
    db = _connect_read(path)
    try:
        found = db.execute(
            "SELECT s.id, r.record, r.retrieved, r.how FROM studies s JOIN records r USING (n) "
            "WHERE s.id = ? "
            "COLLATE NOCASE OR s.nct = ? COLLATE NOCASE OR s.acronym = ? COLLATE NOCASE "
            "ORDER BY s.id",
            (ref, ref, ref),
        ).fetchall()
        if not found:
            raise StoreError(f"no study '{ref}' in '{path}' (see 'trialcli list --store')")
        if len(found) > 1:
            names = ", ".join(found_id for found_id, *_ in found[:10])
            raise StoreError(f"'{ref}' names {len(found)} studies in '{path}': {names}")
        _, body, retrieved, how = found[0]
        return Record(zlib.decompress(body), retrieved, how)
    except (sqlite3.Error, zlib.error) as error:
        raise _unreadable(path, sqlite3.Error(str(error))) from None
    finally:
        db.close()


class Writer:
    """Puts entries into a store in one transaction: `commit` keeps them all, `abort` none.

    An existing store is changed in place (SQLite's journal undoes a transaction cut off
    by a crash); a new one is built beside its name and renamed into place on commit.
    """

    def __init__(self, path: Path) -> None:
        self.path = path
        self._temporary: Path | None = None
        try:
            if path.is_dir():
                raise StoreError(f"'{path}' is a folder; a store is one file (e.g. studies.db)")
            if path.exists():
                _connect_read(path).close()  # refuse what is not a store before writing to it
                self.db = sqlite3.connect(path, isolation_level=None)
                self.db.execute("BEGIN IMMEDIATE")
            else:
                self._temporary = path.with_name(f".{path.name}.{os.getpid()}.tmp")
                self._temporary.unlink(missing_ok=True)
                self.db = sqlite3.connect(self._temporary, isolation_level=None)
                self.db.execute("PRAGMA journal_mode = OFF")  # the rename is the commit
                self.db.executescript(SCHEMA)
                self.db.execute("BEGIN")
                self.db.execute("INSERT INTO meta VALUES ('format', ?)", (FORMAT,))
        except sqlite3.Error as error:
            self._discard()
            raise StoreError(f"'{path}': cannot write the store ({error})") from None
        except OSError as error:
            raise StoreError(f"'{path}': cannot write the store ({error.strerror})") from None

    def put(self, entry: Entry, updated: str | None) -> tuple[Put, str | None]:
        """Add or replace the study; a record updated no later than the stored one is kept
        out. Returns what happened and, when the study was there, its stored update date."""
        try:
            return self._put(entry, updated)
        except sqlite3.Error as error:
            raise StoreError(f"'{self.path}': cannot write the store ({error})") from None

    def _put(self, entry: Entry, updated: str | None) -> tuple[Put, str | None]:
        db = self.db
        kept = entry.record
        body = zlib.compress(kept.body, LEVEL)
        row = json.dumps(entry.row, ensure_ascii=False)
        found = db.execute(
            "SELECT s.n, s.updated, r.record, r.retrieved, r.how FROM studies s "
            "JOIN records r USING (n) WHERE s.id = ?",
            (entry.id,),
        ).fetchone()
        if found is not None:
            n, stored, old, retrieved, how = found
            same = old == body or zlib.decompress(old) == kept.body
            if same and (retrieved, how) == (kept.retrieved, kept.how):
                return "unchanged", stored
            if (stored or "") > (updated or ""):
                return "kept", stored
            db.execute(
                "UPDATE studies SET nct = ?, acronym = ?, updated = ?, row = ? WHERE n = ?",
                (entry.nct, entry.acronym, updated, row, n),
            )
            db.execute(
                "UPDATE records SET record = ?, retrieved = ?, how = ? WHERE n = ?",
                (body, kept.retrieved, kept.how, n),
            )
            db.execute("DELETE FROM search WHERE rowid = ?", (n,))
            db.execute(_INSERT_SEARCH, (n, *entry.search))
            return "updated", stored
        cursor = db.execute(
            "INSERT INTO studies (id, nct, acronym, updated, row) VALUES (?, ?, ?, ?, ?)",
            (entry.id, entry.nct, entry.acronym, updated, row),
        )
        n = cursor.lastrowid
        db.execute("INSERT INTO records VALUES (?, ?, ?, ?)", (n, body, kept.retrieved, kept.how))
        db.execute(_INSERT_SEARCH, (n, *entry.search))
        return "imported", None

    def commit(self) -> None:
        try:
            self.db.execute("INSERT INTO search (search) VALUES ('optimize')")
            self.db.execute("COMMIT")
            self.db.close()
            if self._temporary is not None:
                from trialcli.files import publish_new

                publish_new(self._temporary, self.path)
        except sqlite3.Error as error:
            self._discard()
            raise StoreError(f"'{self.path}': cannot write the store ({error})") from None
        except OSError as error:
            self._discard()
            raise StoreError(f"'{self.path}': cannot write the store ({error.strerror})") from None

    def abort(self) -> None:
        """Nothing of this import is kept: the store is as it was, or there is none."""
        self._discard()

    def _discard(self) -> None:
        db = getattr(self, "db", None)
        if db is not None:
            try:
                if db.in_transaction:
                    db.execute("ROLLBACK")
            finally:
                db.close()
        if self._temporary is not None:
            self._temporary.unlink(missing_ok=True)
