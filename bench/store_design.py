"""The catalog store issue 26 proposes, measured as a prototype (not trialcli's code).

    python bench/store_design.py ZIP STORE.db [--workers 2]

Reads every member of a bulk-download ZIP as the ZIP holds it (its DEFLATE stream, kept
as the stored record) and, on every core, inflates it, runs `json.loads` and takes the
fields a list row and a search need. This process alone writes them into one SQLite
file (list rows keyed by NCT id; the records in a table of their own, so that a search
never reads them; an FTS5 index over title, acronym, conditions, keywords and
interventions) in one transaction, into a temporary file renamed into place at the end:
whole or nothing. No study YAML is written; that would happen for one study when it is
asked for.

Prints the import's wall and CPU time, peak memory (largest process, and this process
plus its workers), the store's size, and the time of a few searches (in this process, and
as a whole `python -c` process that opens the store and prints the rows).
"""

from __future__ import annotations

import argparse
import json
import os
import resource
import sqlite3
import struct
import subprocess
import sys
import time
import zipfile
import zlib
from collections.abc import Iterator
from multiprocessing import get_context
from pathlib import Path
from typing import Any

SCHEMA = """
CREATE TABLE studies (
    nct TEXT PRIMARY KEY, acronym TEXT, title TEXT, phase TEXT, status TEXT,
    start_year INTEGER, has_results INTEGER, conditions TEXT, interventions TEXT
) WITHOUT ROWID;
CREATE TABLE records (nct TEXT PRIMARY KEY, record BLOB) WITHOUT ROWID;
CREATE VIRTUAL TABLE search USING fts5(
    nct UNINDEXED, title, acronym, conditions, keywords, interventions
);
"""
Row = tuple[Any, ...]


def _row(raw: bytes) -> tuple[Row, Row] | None:
    body = zlib.decompress(raw, -15)  # the member's own DEFLATE stream, kept as it is
    record = json.loads(body)
    protocol = record.get("protocolSection") or {}
    ident = protocol.get("identificationModule") or {}
    nct = ident.get("nctId")
    if not isinstance(nct, str):
        return None
    status = protocol.get("statusModule") or {}
    conditions = protocol.get("conditionsModule") or {}
    arms = protocol.get("armsInterventionsModule") or {}
    phases = (protocol.get("designModule") or {}).get("phases") or []
    start = ((status.get("startDateStruct") or {}).get("date") or "")[:4]
    names = "; ".join(str(i.get("name", "")) for i in arms.get("interventions") or [])
    conds = "; ".join(map(str, conditions.get("conditions") or []))
    title = ident.get("briefTitle") or ident.get("officialTitle") or ""
    acronym = ident.get("acronym") or ""
    row = (
        nct,
        acronym,
        title,
        "/".join(phases),
        status.get("overallStatus"),
        int(start) if start.isdigit() else None,
        int(bool(record.get("hasResults"))),
        conds,
        names,
        raw,
    )
    keywords = "; ".join(map(str, conditions.get("keywords") or []))
    return row, (nct, title, acronym, conds, keywords, names)


def _batch(bodies: list[bytes]) -> list[tuple[Row, Row] | None]:
    return [_row(body) for body in bodies]


def _bodies(path: Path, size: int = 64) -> Iterator[list[bytes]]:
    """Each DEFLATE member's compressed bytes, read past its local header, in batches."""
    with zipfile.ZipFile(path) as archive, open(path, "rb") as handle:
        batch: list[bytes] = []
        for member in archive.infolist():
            if member.filename.endswith(".json") and member.compress_type == zipfile.ZIP_DEFLATED:
                handle.seek(member.header_offset)
                header = handle.read(30)
                name, extra = struct.unpack("<HH", header[26:30])
                handle.seek(member.header_offset + 30 + name + extra)
                batch.append(handle.read(member.compress_size))
                if len(batch) == size:
                    yield batch
                    batch = []
        if batch:
            yield batch


def build(source: Path, target: Path, workers: int) -> int:
    temporary = target.with_name(f".{target.name}.tmp")
    temporary.unlink(missing_ok=True)
    db = sqlite3.connect(temporary)
    db.executescript("PRAGMA journal_mode=OFF; PRAGMA synchronous=OFF;" + SCHEMA)
    count = 0
    with get_context("fork").Pool(workers) as pool:
        for results in pool.imap(_batch, _bodies(source), chunksize=1):
            found = [r for r in results if r is not None]
            db.executemany(
                "INSERT OR REPLACE INTO studies VALUES (?,?,?,?,?,?,?,?,?)",
                [r[:-1] for r, _ in found],
            )
            db.executemany(
                "INSERT OR REPLACE INTO records VALUES (?,?)", [(r[0], r[-1]) for r, _ in found]
            )
            db.executemany("INSERT INTO search VALUES (?,?,?,?,?,?)", [s for _, s in found])
            count += len(found)
    db.execute("INSERT INTO search(search) VALUES ('optimize')")
    db.commit()
    db.close()
    os.replace(temporary, target)
    return count


QUERY = (
    "SELECT s.nct, s.acronym, s.phase, s.title FROM search JOIN studies s USING (nct) "
    "WHERE search MATCH ? {extra} ORDER BY s.nct"
)


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("zip", type=Path)
    parser.add_argument("store", type=Path)
    parser.add_argument("--workers", type=int, default=len(os.sched_getaffinity(0)))
    args = parser.parse_args()
    print(f"load average before: {os.getloadavg()}")
    started, cpu = time.perf_counter(), time.process_time()
    count = build(args.zip, args.store, args.workers)
    wall = time.perf_counter() - started
    own = resource.getrusage(resource.RUSAGE_SELF)
    kids = resource.getrusage(resource.RUSAGE_CHILDREN)
    print(
        f"imported {count} records in {wall:.1f} s wall, "
        f"{own.ru_utime + own.ru_stime + kids.ru_utime + kids.ru_stime:.1f} s CPU "
        f"(this process {time.process_time() - cpu:.1f} s)"
    )
    print(
        f"peak memory: this process {own.ru_maxrss / 1024:.0f} MB, "
        f"largest worker {kids.ru_maxrss / 1024:.0f} MB"
    )
    print(
        f"store: {args.store.stat().st_size / 1e6:.0f} MB; "
        f"ZIP {args.zip.stat().st_size / 1e6:.0f} MB"
    )
    print(f"load average after: {os.getloadavg()}")
    db = sqlite3.connect(args.store)
    for words, extra in [
        ('"heart failure"', ""),
        ('"heart failure"', "AND s.phase = 'PHASE3'"),
        ("care ms", ""),
        ("semaglutide", ""),
    ]:
        times = []
        for _ in range(5):
            t = time.perf_counter()
            rows = db.execute(QUERY.format(extra=extra), (words,)).fetchall()
            times.append(time.perf_counter() - t)
        times.sort()
        code = (
            "import sqlite3,sys;db=sqlite3.connect(sys.argv[1]);"
            f"rows=db.execute({QUERY.format(extra=extra)!r},(sys.argv[2],)).fetchall();"
            "print(len(rows))"
        )
        whole = []
        for _ in range(5):
            t = time.perf_counter()
            subprocess.run(
                [sys.executable, "-c", code, str(args.store), words],
                check=True,
                stdout=subprocess.DEVNULL,
            )
            whole.append(time.perf_counter() - t)
        whole.sort()
        print(
            f"search {words} {extra}: {len(rows)} rows, query {times[2] * 1000:.1f} ms "
            f"(median of 5), whole process {whole[2] * 1000:.0f} ms"
        )
    return 0


if __name__ == "__main__":
    sys.exit(main())
