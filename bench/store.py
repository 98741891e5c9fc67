"""`import ZIP --into-store` on a synthetic bulk ZIP, against the least work, in one run.

    PYTHONPATH=. python bench/store.py [--records 100000] [--workers 2]

Builds a ZIP of N records in a temporary folder (bench/make_bulk_zip.py: the sample's
1,023 records repeated under new ids, never committed), then measures, one after the other:

- the import, through trialcli's own code (`bulk.run_store`, every core): wall and CPU
  time, peak memory of this process and of the largest worker (resource.getrusage), the
  store's size;
- the baseline, the least work an import of these records can do: read each member,
  `json.loads` it and insert its raw JSON into one SQLite table, in one transaction, in
  this process;
- `list --store S --search Q` for a few queries: the query alone (median of 5) and the
  whole command as a new process (median of 3);
- what compressing the records costs and saves (zlib levels 0, 1, 3, 6, 9 over the
  first 1,023 stored records).
"""

from __future__ import annotations

import argparse
import json
import os
import resource
import sqlite3
import statistics
import subprocess
import sys
import tempfile
import time
import zipfile
import zlib
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent))
sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from make_bulk_zip import main as make_zip

from trialcli import store
from trialcli.importers import bulk
from trialcli.ops.stored import entry

SAMPLE = Path("/work/shared/ctgov-bulk/ctg-studies-sample.zip")  # the brief's shared data
COMMAND = (sys.executable, "-m", "trialcli", "list")
QUERIES = ('"heart failure"', "semaglutide", "dapagliflozin OR empagliflozin", "NCT90000042")


def _cpu() -> float:
    own = resource.getrusage(resource.RUSAGE_SELF)
    kids = resource.getrusage(resource.RUSAGE_CHILDREN)
    return own.ru_utime + own.ru_stime + kids.ru_utime + kids.ru_stime


def baseline(source: Path, target: Path) -> tuple[float, float, int]:
    """json.loads and an insert of the raw JSON per record: wall, CPU, records."""
    started, cpu = time.perf_counter(), time.process_time()
    db = sqlite3.connect(target, isolation_level=None)
    db.execute("CREATE TABLE records (id TEXT PRIMARY KEY, record TEXT)")
    db.execute("BEGIN")
    count = 0
    with zipfile.ZipFile(source) as archive:
        for member in archive.infolist():
            body = archive.read(member)
            record = json.loads(body)
            nct = record["protocolSection"]["identificationModule"]["nctId"]
            db.execute("INSERT INTO records VALUES (?, ?)", (nct, body.decode("utf-8")))
            count += 1
    db.execute("COMMIT")
    db.close()
    return time.perf_counter() - started, time.process_time() - cpu, count


def searches(path: Path) -> None:
    for query in QUERIES:
        times = []
        for _ in range(5):
            t = time.perf_counter()
            found = store.rows(path, query)
            times.append(time.perf_counter() - t)
        whole = []
        for _ in range(3):
            t = time.perf_counter()
            subprocess.run(
                [*COMMAND, "--store", str(path), "--search", query, "--format", "csv"],
                check=True,
                stdout=subprocess.DEVNULL,
            )
            whole.append(time.perf_counter() - t)
        print(
            f"search {query}: {len(found):,} rows, query {statistics.median(times) * 1000:.1f} ms,"
            f" whole 'list --search' process {statistics.median(whole) * 1000:.0f} ms"
        )


def compression(path: Path) -> None:
    db = sqlite3.connect(path)
    texts = [zlib.decompress(t) for (t,) in db.execute("SELECT record FROM records LIMIT 1023")]
    db.close()
    raw = sum(len(t) for t in texts)
    print(f"records (first {len(texts):,}): {raw / 1e6:.1f} MB of JSON")
    for level in (0, 1, 3, 6, 9):
        t = time.perf_counter()
        size = sum(len(zlib.compress(text, level)) for text in texts)
        spent = (time.perf_counter() - t) / len(texts) * 1000
        ratio = size / raw
        print(f"  zlib level {level}: {size / 1e6:.1f} MB ({ratio:.2f}), {spent:.2f} ms a file")


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--records", type=int, default=100_000)
    parser.add_argument("--workers", type=int, default=len(os.sched_getaffinity(0)))
    parser.add_argument("--sample", type=Path, default=SAMPLE)
    args = parser.parse_args()
    with tempfile.TemporaryDirectory(prefix="trialcli-store-bench-") as folder:
        source, target = Path(folder) / "bulk.zip", Path(folder) / "store.sqlite"
        make_zip(str(args.sample), str(args.records), str(source))
        print(f"ZIP: {source.stat().st_size / 1e6:.0f} MB; load average {os.getloadavg()}")
        started, cpu = time.perf_counter(), _cpu()
        summary = bulk.run_store(bulk.plan([str(source)]), target, entry, workers=args.workers)
        wall, spent = time.perf_counter() - started, _cpu() - cpu
        own = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024
        kids = resource.getrusage(resource.RUSAGE_CHILDREN).ru_maxrss / 1024
        print(f"import: {dict(summary.counts)}; load average {os.getloadavg()}")
        print(
            f"import: {wall:.1f} s wall, {spent:.1f} s CPU ({args.workers} workers), "
            f"{wall / summary.total * 1000:.1f} ms wall a record; peak memory {own:.0f} MB "
            f"this process, {kids:.0f} MB the largest worker"
        )
        print(f"store: {target.stat().st_size / 1e6:.1f} MB")
        base_wall, base_cpu, count = baseline(source, Path(folder) / "baseline.sqlite")
        print(
            f"baseline: {count:,} records, {base_wall:.1f} s wall, {base_cpu:.1f} s CPU; "
            f"import / baseline: {wall / base_wall:.1f}x wall, {spent / base_cpu:.1f}x CPU; "
            f"baseline store {(Path(folder) / 'baseline.sqlite').stat().st_size / 1e6:.0f} MB"
        )
        searches(target)
        compression(target)
        print(f"load average at the end {os.getloadavg()}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
