"""Checking study files: what `validate` and `list` (and `export`) know about each file.

A file is checked by validating it (trialcli.loader) and then running the consistency
audit (trialcli.ops.audit) on the study, whose warnings are located at the line of every
number they involve. Many files are checked at once: unchanged ones from the cache
(trialcli.cache), the rest parsed, on every core when there are many, each giving its list
row (trialcli.ops.summary) or the reason it has none.

This room sits above the format (loader), the sources (catalog, cache) and the two
operations it runs; none of them imports it.
"""

from __future__ import annotations

import os
import sys
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import asdict, dataclass
from pathlib import Path
from typing import TYPE_CHECKING, Any

from trialcli.cache import StudyCache, stamp_of
from trialcli.catalog import STDIN, SUFFIXES, Catalog, is_folder, name_problems, piped_text, stamp
from trialcli.errors import Position, Problem, StudyFileError, TrialcliError
from trialcli.files import ensure_readable
from trialcli.formatting import cited_mark
from trialcli.ops.audit import Check, audit_study
from trialcli.ops.summary import ListRow, list_row

if TYPE_CHECKING:
    from trialcli.loader import Validation
    from trialcli.model import Study
    from trialcli.parallel import Progress

# The loader (and PyYAML under it) is imported only when a file is parsed: a run served by
# the cache never needs it.

# Fewer files than this are parsed in this process: starting workers would cost more.
PARALLEL_FROM = 64


@dataclass(frozen=True)
class Checked:
    """What `list` and `validate` need about one file: its list row, or why it has none."""

    path: Path
    study_id: str | None
    row: ListRow | None
    problems: tuple[Problem, ...]

    @property
    def ok(self) -> bool:
        return self.row is not None and not any(p.severity == "error" for p in self.problems)

    @property
    def unacknowledged(self) -> tuple[Problem, ...]:
        """Warnings that fail `validate --strict`: not recorded as disagreements on purpose."""
        return tuple(p for p in self.problems if p.severity == "warning" and p.acknowledged is None)


# --- one file ---------------------------------------------------------------------------


def check_file(path: Path) -> tuple[Study | None, list[Problem]]:
    """The study (when it validates) and every problem of the file, with a warning for each
    failed consistency check (see trialcli.ops.audit)."""
    from trialcli.loader import read_text

    return check_text(read_text(path), str(path))


def check_text(text: str, file: str | None = None) -> tuple[Study | None, list[Problem]]:
    """`check_file` for a study file's text (one piped in, when no `file` is named)."""
    from trialcli.loader import STDIN_NAME, validation

    return audited(validation(text, file or STDIN_NAME))


def audited(found: Validation) -> tuple[Study | None, list[Problem]]:
    """A validated file with the audit's warnings added, each at its numbers' lines."""
    study, located = found.study, found.located
    if study is None or located is None:
        return study, found.problems
    warnings = [_warning(check, found, study) for check in audit_study(study).warnings]
    return study, found.adding(warnings)


def _warning(check: Check, found: Validation, study: Study) -> Problem:
    """A failed consistency check, with the line of every number it involves; sources are
    numbered as `show` and `ae` number them (`[n]`)."""
    from trialcli.loader import dotted

    assert found.located is not None
    related = tuple(
        Position(
            dotted(loc),
            *found.located.position(loc),
            source=figure.source,
            source_number=study.source_number(figure.source) if figure.source else None,
        )
        for figure in check.figures
        for loc in figure.locs
    )
    first = related[0]

    def numbered(source: str | None) -> str:
        return cited_mark(study, source)

    return Problem(
        found.file,
        check.text(numbered),
        first.line,
        first.column,
        field=first.field,
        severity="warning",
        related=related,
        check=check.kind,
        acknowledged=check.acknowledged,
    )


# --- a catalog, or the files and folders named ------------------------------------------


def discover(data_dirs: Sequence[Path] = (), cache: StudyCache | None = None) -> Catalog:
    """The catalog (trialcli.catalog.Catalog.discover) that also finds a study by its
    acronym or registry id, from the list rows checked here."""
    return Catalog.discover(data_dirs, cache, names=known_names)


def known_names(catalog: Catalog) -> list[tuple[str, str, str | None]]:
    """(id, acronym, registry id) of every valid study of the catalog."""
    rows = [c.row for c in checked(catalog, warnings=False) if c.ok and c.row is not None]
    return [(row.id, row.acronym, row.nct) for row in rows]


def checked(
    catalog: Catalog, progress: Progress | None = None, *, warnings: bool = True
) -> list[Checked]:
    """Every file of the catalog checked, by id; files sharing an id are reported, not
    checked. `warnings=False` (for `list`) skips reading the cached consistency warnings."""
    unique, shared = catalog.by_id()
    result = [Checked(p, None, None, problems) for p, problems in shared]
    found = _check_files(
        unique,
        catalog.cache,
        progress,
        catalog.folders,
        warnings=warnings,
        known=catalog.statuses,
    )
    result += [_with_name_rule(c) for c in found]
    return sorted(result, key=lambda c: c.path.stem)


def check_paths(
    paths: Iterable[Path], cache: StudyCache | None = None, progress: Progress | None = None
) -> list[Checked]:
    """Explicit files, or every study file in explicit folders, in the order given.

    A file that cannot be read is an error for the whole request (StudyFileError), as it
    is for `show`: it was named, so it is not skipped.
    """
    given = [(path, is_folder(path)) for path in paths]
    for path, folder in given:
        if not folder and str(path) != STDIN:
            ensure_readable(path)
    files = iter(
        _check_files([p for p, folder in given if not folder and str(p) != STDIN], cache, progress)
    )
    result: list[Checked] = []
    for path, folder in given:
        if str(path) == STDIN:
            result.append(_checked_piped())
        elif folder:
            found = checked(Catalog((path,), cache), progress)
            if not found:  # "0 files checked, all valid" would pass a mistyped folder
                raise TrialcliError(f"no study files ({', '.join(SUFFIXES)}) found in '{path}'")
            result.extend(found)
        else:
            result.append(next(files))
    return result


def _with_name_rule(checked: Checked) -> Checked:
    if checked.study_id is None:
        return checked
    extra = name_problems(checked.path, checked.study_id)
    return Checked(checked.path, checked.study_id, checked.row, (*checked.problems, *extra))


def _checked_piped() -> Checked:
    """A study file piped in, checked as `validate` checks a file (never cached)."""
    try:
        study, problems = check_text(piped_text())
    except StudyFileError as error:
        study, problems = None, error.problems
    ok = study is not None and not any(p.severity == "error" for p in problems)
    row = list_row(study) if study is not None and ok else None
    from trialcli.loader import STDIN_NAME

    return Checked(Path(STDIN_NAME), study.id if study else None, row, tuple(problems))


# --- many files -------------------------------------------------------------------------


def _check_files(
    paths: Sequence[Path],
    cache: StudyCache | None,
    progress: Progress | None,
    complete: Iterable[Path] = (),
    *,
    warnings: bool = True,
    known: Mapping[str, os.stat_result] | None = None,
) -> list[Checked]:
    """Each file checked, in order: unchanged files from the cache, the others parsed.

    `complete` names folders all of whose study files are in `paths`; their indexes in
    the cache forget files that are gone. `known` holds statuses already taken.
    """
    known = known or {}
    statuses = [known.get(str(p)) for p in paths]
    stamps = [stamp(p) if s is None else stamp_of(s) for p, s in zip(paths, statuses, strict=True)]
    found: list[Checked | None] = [None] * len(paths)
    if cache is not None:
        found = [
            _from_cache(p, cache.record(p, s, warnings=warnings))
            for p, s in zip(paths, stamps, strict=True)
        ]
    missing = [n for n, checked in enumerate(found) if checked is None]
    parsed = _parse_all([str(paths[n]) for n in missing], progress)
    for number, record in zip(missing, parsed, strict=True):
        found[number] = _from_record(paths[number], record)
        if cache is not None:
            cache.remember(paths[number], stamps[number], record)
    if cache is not None:
        names: dict[Path, set[str]] = {}
        for path in paths:
            names.setdefault(path.parent, set()).add(path.name)
        for folder in complete:
            cache.keep_only(folder, names.get(folder, set()))
        cache.save()
    return [checked for checked in found if checked is not None]


def _parse_all(paths: list[str], progress: Progress | None) -> list[dict[str, Any]]:
    """`_parse` for each path, in order; on every core when there are many."""
    report = progress or (lambda done, total: None)
    workers = _cores()
    if len(paths) >= PARALLEL_FROM and workers > 1:
        from concurrent.futures.process import BrokenProcessPool

        try:
            return _parse_in_workers(paths, workers, report)
        except (BrokenProcessPool, OSError):
            pass  # no worker processes here (a sandbox, a crash): parse in this one
    results: list[dict[str, Any]] = []
    for path in paths:
        results.append(_parse(path))
        report(len(results), len(paths))
    return results


def _parse_in_workers(paths: list[str], workers: int, report: Progress) -> list[dict[str, Any]]:
    import gc
    import multiprocessing
    from concurrent.futures import ProcessPoolExecutor

    # Batches keep the messages between processes few; results come back in order.
    size = max(1, min(64, len(paths) // (workers * 8)))
    batches = [paths[i : i + size] for i in range(0, len(paths), size)]
    # A forked worker would write out whatever this process has buffered.
    sys.stdout.flush()
    sys.stderr.flush()
    context = multiprocessing.get_context("fork") if sys.platform == "linux" else None
    results: list[dict[str, Any]] = []
    # Parsing leaves no cyclic garbage; without the cyclic collector it is 15% faster.
    with ProcessPoolExecutor(workers, mp_context=context, initializer=gc.disable) as pool:
        for batch in [pool.submit(_parse_batch, b) for b in batches]:
            results += batch.result()
            report(len(results), len(paths))
    return results


def _cores() -> int:
    if hasattr(os, "sched_getaffinity"):
        return len(os.sched_getaffinity(0))
    return os.cpu_count() or 1


def _parse_batch(paths: list[str]) -> list[dict[str, Any]]:
    return [_parse(path) for path in paths]


def _parse(path: str) -> dict[str, Any]:
    """One file checked, as plain data that can cross processes and go into the cache."""
    try:
        # With the consistency audit: its warnings are cached with the other problems.
        study, problems = check_file(Path(path))
    except StudyFileError as error:
        study, problems = None, error.problems
    return file_record(study, problems)


def written_record(found: Validation) -> dict[str, Any]:
    """What `list` and `validate` would find in a file an import is writing, from the
    read-back that proves it (run in the import's workers): audited, as `_parse` does."""
    return file_record(*audited(found))


def remember_written(cache: StudyCache, path: Path, text: str, record: Any) -> None:
    """A study file an import has just written, with its `written_record`, kept in the
    cache, so the first `list` after an import parses nothing again."""
    if not isinstance(record, dict):  # not examined: checked here
        record = file_record(*check_text(text, str(path)))
    cache.remember_written(path, text.encode(), record)


def file_record(study: Study | None, problems: Sequence[Problem]) -> dict[str, Any]:
    """What the cache keeps about a checked file (its problems found with the audit)."""
    ok = study is not None and not any(p.severity == "error" for p in problems)
    return {
        "id": study.id if study is not None else None,
        "row": asdict(list_row(study)) if study is not None and ok else None,
        "problems": [{k: v for k, v in asdict(p).items() if k != "file"} for p in problems],
    }


def _from_cache(path: Path, record: dict[str, Any] | None) -> Checked | None:
    """A cached record as a Checked; None (parse again) when it is absent or malformed."""
    if record is None:
        return None
    try:
        return _from_record(path, record)
    except (KeyError, TypeError, ValueError):
        return None


def _from_record(path: Path, record: dict[str, Any]) -> Checked:
    row = record["row"]
    return Checked(
        path,
        record["id"],
        ListRow(**row) if row is not None else None,
        tuple(_problem(path, p) for p in record["problems"]),
    )


def _problem(path: Path, record: dict[str, Any]) -> Problem:
    related = tuple(Position(**position) for position in record.get("related", ()))
    return Problem(str(path), **{**record, "related": related})
