"""`trialcli import SOURCE... --into DIR`: many registry records into one catalog folder.

Sources are NCT ids (fetched), saved record files, folders of them, search-results files
(`{"studies": [...]}`) and the registry's bulk-download ZIP (one `NCTxxxxxxxx.json` per
study). Records are read lazily — a ZIP member only when a worker is ready for it — and
turned into study files on every core; this process alone writes, each file atomically,
so an interrupted run leaves whole files or none. Into a store, each record is converted
for its list row and search words only: its study file is made when asked for.
"""

from __future__ import annotations

import functools
import lzma
import re
import zipfile
import zlib
from collections.abc import Callable, Iterator, Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import TYPE_CHECKING, Any, Literal

from trialcli.errors import TrialcliError
from trialcli.importers.query import Query
from trialcli.importers.query import studies as query_studies
from trialcli.parallel import Progress, ordered_map

if TYPE_CHECKING:
    from trialcli.importers.ctgov.record import Retrieval
    from trialcli.loader import Validation
    from trialcli.model import Study
    from trialcli.store import Entry, Record
    from trialcli.store import Writer as StoreWriter

# What a store keeps of a study and the record it came from (trialcli.ops.stored.entry).
EntryOf = Callable[["Study", "Record"], "Entry"]
# What the CLI learns from each file as it is read back, in the workers (see `run`).
Examine = Callable[["Validation"], Any] | None

# One record is at most 32 MiB (the single-record limit); a search-results page at most 1 GiB.
MAX_RECORD_BYTES = 32 * 1024 * 1024
MAX_PAGE_BYTES = 1024 * 1024 * 1024
# JSON compresses about 10:1; a member claiming far more is a zip bomb, not a record.
MAX_COMPRESSION_RATIO = 200
BATCH = 16
# Record bytes read ahead of the writer, whatever the number of cores.
READ_AHEAD_BYTES = 256 * 1024 * 1024
NCT = re.compile(r"^NCT\d{8}$", re.IGNORECASE)

Outcome = Literal["imported", "updated", "unchanged", "skipped", "failed"]
OUTCOMES: tuple[Outcome, ...] = ("imported", "updated", "unchanged", "skipped", "failed")


@dataclass(frozen=True)
class Item:
    """One thing to read: an NCT id to fetch, a file, or a member of a ZIP."""

    label: str
    nct: str | None = None
    path: Path | None = None
    member: zipfile.ZipInfo | None = None
    query: Query | None = None


@dataclass(frozen=True)
class Job:
    """What a worker needs: the record's bytes, or the id to fetch."""

    label: str
    nct: str | None
    body: bytes | None
    record: dict[str, Any] | None = None  # a study from a page of search results


@dataclass(frozen=True)
class Converted:
    """A worker's answer for one record: the study file's text, or why there is none."""

    label: str
    nct: str | None
    study_id: str | None = None
    text: str | None = None
    reason: str | None = None
    # What `examine` found in the text as read back (see `run`).
    examined: Any = None
    entry: Any = None  # for a store: what `entry_of` made of the study
    updated: str | None = None  # the record's last update, which tells the newer of two


@dataclass
class Summary:
    counts: dict[Outcome, int] = field(default_factory=lambda: dict.fromkeys(OUTCOMES, 0))
    # (NCT id or source, one-line reason), in the order they happened.
    failed: list[tuple[str, str]] = field(default_factory=list)
    skipped: list[tuple[str, str]] = field(default_factory=list)
    # Into a store: a study already there, replaced by a newer record of it.
    replaced: list[tuple[str, str]] = field(default_factory=list)
    interrupted: bool = False

    @property
    def total(self) -> int:
        return sum(self.counts.values())


class Interrupted(Exception):
    """Ctrl-C: the files written so far are whole; `summary` says what they are."""

    def __init__(self, summary: Summary) -> None:
        super().__init__("interrupted")
        self.summary = summary


def plan(sources: Sequence[str], query: Query | None = None) -> list[Item]:
    """Every record the sources name, without reading any of them (a ZIP's directory only).

    A query of the live API counts as one item; its pages are read as the import goes.
    """
    items: list[Item] = [Item(str(query), query=query)] if query else []
    for source in sources:
        path = Path(source)
        if NCT.match(source) and not path.exists():
            items.append(Item(source.upper(), nct=source.upper()))
        elif path.is_dir():
            found = sorted(p for p in path.rglob("*.json") if p.is_file())
            items += [Item(str(p), path=p) for p in found]
        elif path.is_file() and zipfile.is_zipfile(path):
            items += _zip_items(path)
        elif path.is_file():
            items.append(Item(str(path), path=path))
        else:
            raise TrialcliError(f"{source}: no such file or folder, and not an NCT id")
    return items


def _zip_items(path: Path) -> list[Item]:
    try:
        with zipfile.ZipFile(path) as archive:
            members = archive.infolist()
    except (zipfile.BadZipFile, OSError) as error:
        raise TrialcliError(f"{path}: not a readable ZIP ({error})") from None
    return [Item(f"{path}:{m.filename}", path=path, member=m) for m in members if not m.is_dir()]


def run(
    items: Sequence[Item],
    into: Path,
    *,
    force: bool = False,
    workers: int = 1,
    progress: Progress | None = None,
    written: Callable[[Path, str, Any], None] | None = None,
    examine: Callable[[Validation], Any] | None = None,
) -> Summary:
    """Import every item into `into`; failures are counted and named, never fatal.

    `written` hears of each file written, with its text and what `examine` (run in the
    workers, on the read-back that proves each file) found in it: the CLI leaves the
    cache warm without reading any file a second time.
    """
    if not into.is_dir():
        raise TrialcliError(f"'{into}': no such folder (create it first)")
    writer = _Writer(into, force, written)
    _pump(items, writer, workers, progress, None, examine)
    return writer.summary


def run_store(
    items: Sequence[Item],
    store: Path,
    entry_of: EntryOf,
    *,
    workers: int = 1,
    progress: Progress | None = None,
) -> Summary:
    """Import every item into one store (trialcli.store), all of them or, when anything
    stops the run (Ctrl-C, a full disk), none."""
    from trialcli.store import Writer

    sink = _StoreSink(Writer(store))
    try:
        _pump(items, sink, workers, progress, entry_of)
    except BaseException:
        sink.store.abort()
        raise
    sink.store.commit()
    return sink.summary


def _pump(
    items: Sequence[Item],
    writer: _Writer | _StoreSink,
    workers: int,
    progress: Progress | None,
    entry_of: EntryOf | None,
    examine: Examine = None,
) -> None:
    report = progress or (lambda done, total: None)
    total = len(items)
    convert = functools.partial(_convert_batch, entry_of=entry_of, examine=examine)
    try:
        with _Reader() as reader:
            jobs = (job for item in items for job in reader.jobs(item, writer))
            results = (
                ordered_map(convert, jobs, workers, BATCH, _job_bytes, READ_AHEAD_BYTES)
                if workers > 1
                else _convert(jobs, entry_of, examine)
            )
            for converted in results:
                writer.take(converted)
                total = max(total, writer.summary.total)
                report(writer.summary.total, total)
    except KeyboardInterrupt:
        writer.summary.interrupted = True
        raise Interrupted(writer.summary) from None


def _job_bytes(job: Job) -> int:
    # A page's study already parsed weighs about what its text did.
    return len(job.body) if job.body is not None else 64 * 1024


class _Reader:
    """Reads each item's bytes when its turn comes, keeping one ZIP open at a time."""

    def __init__(self) -> None:
        self._zip_path: Path | None = None
        self._zip: zipfile.ZipFile | None = None

    def __enter__(self) -> _Reader:
        return self

    def __exit__(self, *_: object) -> None:
        if self._zip is not None:
            self._zip.close()

    def jobs(self, item: Item, writer: _Counter) -> Iterator[Job]:
        if item.query is not None:
            try:
                for record in query_studies(item.query):
                    yield Job(item.label, _record_nct(record), None, record)
            except TrialcliError as error:
                writer.fail(item.label, str(error))
            return
        if item.nct is not None:
            yield Job(item.label, item.nct, None)
            return
        nct = _nct_of_name(item.member.filename if item.member else str(item.path))
        try:
            body = self._read_member(item) if item.member else self._read_file(item)
        except TrialcliError as error:
            writer.fail(nct or item.label, str(error))
            return
        if body is not None:
            yield Job(item.label, nct, body)
        else:
            writer.skip(item.label, "not a .json record file")

    def _read_file(self, item: Item) -> bytes:
        from trialcli.files import read_bounded

        assert item.path is not None
        return read_bounded(item.path, MAX_PAGE_BYTES, "record file")

    def _read_member(self, item: Item) -> bytes | None:
        member, path = item.member, item.path
        assert member is not None and path is not None
        if not member.filename.lower().endswith(".json"):
            return None
        if member.file_size > MAX_RECORD_BYTES:
            raise TrialcliError(f"{member.file_size:,} bytes is too large for one record")
        if member.file_size > MAX_COMPRESSION_RATIO * max(member.compress_size, 1):
            raise TrialcliError("compressed more than 200:1; refused as a possible zip bomb")
        try:
            if self._zip is None or self._zip_path != path:
                if self._zip is not None:
                    self._zip.close()
                self._zip, self._zip_path = zipfile.ZipFile(path), path
            with self._zip.open(member) as handle:
                # The header's size may lie: never read past the limit.
                body = handle.read(MAX_RECORD_BYTES + 1)
        except (
            zipfile.BadZipFile,
            OSError,
            EOFError,
            RuntimeError,
            NotImplementedError,
            zlib.error,
            lzma.LZMAError,
        ) as error:
            # A corrupt DEFLATE or LZMA stream is this member's failure, never the run's.
            raise TrialcliError(f"cannot read {member.filename} from {path}: {error}") from None
        if len(body) > MAX_RECORD_BYTES:
            raise TrialcliError("too large for one record")
        return body


def _nct_of_name(name: str) -> str | None:
    stem = Path(name).stem.upper()
    return stem if NCT.match(stem) else None


class _Counter:
    """Counts what happened to each record, the failures and skips by name."""

    def __init__(self) -> None:
        self.summary = Summary()

    def fail(self, who: str, reason: str) -> None:
        self.summary.counts["failed"] += 1
        self.summary.failed.append((who, _one_line(reason)))

    def skip(self, who: str, reason: str) -> None:
        self.summary.counts["skipped"] += 1
        self.summary.skipped.append((who, reason))


class _Writer(_Counter):
    """Writes each converted record and counts what happened to it."""

    def __init__(
        self, into: Path, force: bool, written: Callable[[Path, str, Any], None] | None = None
    ) -> None:
        super().__init__()
        self.into = into
        self.force = force
        self.written = written
        self._seen: dict[str, str] = {}

    def take(self, converted: Converted) -> None:
        from trialcli.files import read_bounded, write_atomically

        who = converted.nct or converted.label
        if converted.text is None or converted.study_id is None:
            self.fail(who, converted.reason or "no study")
            return
        if converted.study_id in self._seen:
            self.skip(who, f"the same study as {self._seen[converted.study_id]}")
            return
        self._seen[converted.study_id] = converted.label
        path = self.into / f"{converted.study_id}.yaml"
        outcome: Outcome = "imported"
        if path.exists() or path.is_symlink():
            try:
                # The one bounded reader: a FIFO or a link to /dev/zero there is refused.
                same = read_bounded(path, MAX_RECORD_BYTES, "study file") == converted.text.encode()
            except TrialcliError as error:
                self.fail(who, str(error))
                return
            if same:
                self.summary.counts["unchanged"] += 1
                return
            if not self.force:
                self.skip(who, f"{path.name} exists with other content (--force replaces it)")
                return
            outcome = "updated"
        try:
            write_atomically(path, converted.text, force=self.force)
        except TrialcliError as error:
            self.fail(who, str(error))
            return
        self.summary.counts[outcome] += 1
        if self.written is not None:
            self.written(path, converted.text, converted.examined)


class _StoreSink(_Counter):
    """Puts each converted record into a store; of one study twice, the later update stays."""

    def __init__(self, store: StoreWriter) -> None:
        super().__init__()
        self.store = store

    def take(self, converted: Converted) -> None:
        who = converted.nct or converted.label
        if converted.entry is None:
            self.fail(who, converted.reason or "no study")
            return
        outcome, stored = self.store.put(converted.entry, converted.updated)
        if outcome == "kept":
            self.skip(
                who,
                f"the store holds a newer record (updated {stored}, "
                f"this one {converted.updated or 'not dated'})",
            )
            return
        if outcome == "updated":
            self.summary.replaced.append(
                (
                    who,
                    f"replaced the record updated {stored or 'not dated'} "
                    f"by this one, updated {converted.updated or 'not dated'}",
                )
            )
        self.summary.counts[outcome] += 1


def _one_line(text: str) -> str:
    return " ".join(text.split())


# --- conversion, in this process or in workers -------------------------------------------


def _convert(
    jobs: Iterator[Job], entry_of: EntryOf | None = None, examine: Examine = None
) -> Iterator[Converted]:
    for job in jobs:
        yield from _convert_job(job, entry_of, examine)


def _convert_batch(
    jobs: list[Job], entry_of: EntryOf | None = None, examine: Examine = None
) -> list[Converted]:
    return [converted for job in jobs for converted in _convert_job(job, entry_of, examine)]


def _convert_job(
    job: Job, entry_of: EntryOf | None = None, examine: Examine = None
) -> list[Converted]:
    """Each record in the job as a study file; any failure is this record's alone."""
    import datetime as dt

    from trialcli.importers import ctgov

    try:
        if job.record is not None:
            records: list[Any] = [job.record]
            retrieved: str | None = dt.date.today().isoformat()
            how: ctgov.Retrieval = "fetched"
        elif job.body is None:
            assert job.nct is not None
            records = [ctgov.fetch_record(job.nct)]
            retrieved = dt.date.today().isoformat()
            how = "fetched"
        else:
            (records, page), how, retrieved = _records(job.body), "file", None
    except TrialcliError as error:
        return [Converted(job.label, job.nct, reason=str(error))]
    # A file of one record is stored as it came; a page's or a fetched record, as JSON again.
    alone = job.body if job.body is not None and not page else None
    return [_convert_record(job, r, retrieved, how, entry_of, examine, alone) for r in records]


def _records(body: bytes) -> tuple[list[Any], bool]:
    """The records in a file, and whether it is a search-results page of `studies`."""
    from trialcli.importers.ctgov.fetch import load_json

    data = load_json(body)
    if isinstance(data, dict) and isinstance(data.get("studies"), list):
        return list(data["studies"]), True
    return [data], False


def _convert_record(
    job: Job,
    record: Any,
    retrieved: str | None,
    how: Retrieval,
    entry_of: EntryOf | None,
    examine: Examine = None,
    body: bytes | None = None,
) -> Converted:
    """The record's study file; for a store (`entry_of`), its entry, with no file made."""
    from trialcli.importers import ctgov
    from trialcli.importers.study_file import read_back

    nct = _record_nct(record) or job.nct
    if not isinstance(record, dict) or not isinstance(record.get("protocolSection"), dict):
        reason = "not a ClinicalTrials.gov API v2 study record (no protocolSection)"
        return Converted(job.label, nct, reason=reason)
    try:
        when = retrieved if how == "fetched" else ctgov.record_version(record)
        if entry_of is None:
            study, text, found = read_back(record, when, how)
            examined = examine(found) if examine is not None else None
            nct = study.registry.nct or nct
            return Converted(job.label, nct, study.id, text, examined=examined)
        # The file is written and checked when `show --store` asks (trialcli.ops.stored).
        study = ctgov.record_to_study(record, when, how)
    except TrialcliError as error:
        return Converted(job.label, nct, reason=str(error))
    except Exception as error:  # a record the mapper cannot handle must not stop the others
        reason = f"unexpected {type(error).__name__}: {error} (please report this record)"
        return Converted(job.label, nct, reason=reason)
    import json

    from trialcli.importers.ctgov.values import date_of, value_at
    from trialcli.store import Record

    status = value_at(record, "protocolSection", "statusModule")
    last = value_at(status, "lastUpdatePostDateStruct", "date")
    updated = date_of(last) or ctgov.record_version(record)
    nct = study.registry.nct or nct
    if body is None:
        body = json.dumps(record, ensure_ascii=False).encode("utf-8")
    entry = entry_of(study, Record(body, when, how))
    return Converted(job.label, nct, study.id, entry=entry, updated=updated)


def _record_nct(record: Any) -> str | None:
    try:
        nct = record["protocolSection"]["identificationModule"]["nctId"]
    except (KeyError, TypeError):
        return None
    return nct.upper() if isinstance(nct, str) and NCT.match(nct) else None
