"""Where studies come from: the bundled data, TRIALCLI_PATH, --data-dir, explicit paths.

A catalog file is named after its study id (`care-ms-ii.yaml` holds `id: care-ms-ii`), so
looking a study up by id reads one file, not the whole catalog.

Checking many files (`list`, `validate`) takes what it can from the cache (trialcli.cache)
and parses the rest, on every core when there are many. The YAML loader and the models are
imported only when a file has to be parsed.
"""

from __future__ import annotations

import difflib
import os
import re
import stat
import sys
from collections.abc import Callable, Iterable, Mapping, Sequence
from dataclasses import asdict, dataclass, field
from pathlib import Path
from typing import TYPE_CHECKING, Any

from trialcli.cache import Stamp, StudyCache, stamp_of
from trialcli.errors import Position, Problem, StudyFileError, TrialcliError
from trialcli.files import ensure_readable
from trialcli.ops.summary import ListRow, list_row

if TYPE_CHECKING:
    from trialcli.model import Study

PATH_ENV = "TRIALCLI_PATH"
# Where a study file is taken, this reads one from standard input.
STDIN = "-"
SUFFIXES = (".yaml", ".yml")
# Fewer files than this are parsed in this process: starting workers would cost more.
PARALLEL_FROM = 64

# Called with (files done, files to do) while files are parsed.
Progress = Callable[[int, int], None]


def bundled_dir() -> Path:
    """The studies shipped with trialcli: inside the wheel, or `data/` in a checkout."""
    package = Path(__file__).resolve().parent
    installed = package / "data"
    return installed if installed.is_dir() else package.parent / "data"


@dataclass(frozen=True)
class Entry:
    """A study that loaded, or the problems of a file that did not."""

    path: Path
    study: Study | None
    problems: tuple[Problem, ...]

    @property
    def ok(self) -> bool:
        return self.study is not None and not any(p.severity == "error" for p in self.problems)


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


@dataclass(frozen=True)
class Catalog:
    folders: tuple[Path, ...]
    cache: StudyCache | None = None
    # The status of each file `files` found, so that checking it needs no second stat.
    # Keyed by the path as text: hashing Path objects costs more than the stat saved.
    _statuses: dict[str, os.stat_result] = field(default_factory=dict, compare=False, repr=False)

    @classmethod
    def discover(cls, data_dirs: Sequence[Path] = (), cache: StudyCache | None = None) -> Catalog:
        """Bundled studies, then each folder on TRIALCLI_PATH, then each --data-dir."""
        env = [Path(p) for p in os.environ.get(PATH_ENV, "").split(os.pathsep) if p.strip()]
        named = [(folder, f"{PATH_ENV} names '{folder}', which") for folder in env]
        named += [(folder, f"--data-dir '{folder}'") for folder in data_dirs]
        folders = [bundled_dir()]
        # A folder named twice (or through a symbolic link) is read once.
        seen = {_identity(os.stat(folders[0]))}
        for folder, name in named:
            try:
                status: os.stat_result | None = os.stat(folder)
            except (FileNotFoundError, NotADirectoryError):
                status = None
            except OSError as error:  # a parent that cannot be searched, a name too long
                raise TrialcliError(f"{name} cannot be used: {error.strerror}") from None
            if status is None or not stat.S_ISDIR(status.st_mode):
                raise TrialcliError(f"{name} is not a folder")
            if _identity(status) not in seen:
                seen.add(_identity(status))
                folders.append(folder)
        return cls(tuple(folders), cache)

    def files(self) -> list[Path]:
        """Each study file once, by folder; one reached twice (a link) counts once.

        Entries that are not folders are kept even when they cannot be read (a loop of
        symbolic links, a FIFO): reading them reports why, and the others still work.
        """
        found: list[Path] = []
        seen: set[tuple[int, int]] = set()
        for folder in self.folders:
            try:
                with os.scandir(folder) as listing:
                    entries = [
                        entry
                        for entry in listing
                        if os.path.splitext(entry.name)[1] in SUFFIXES and not _is_dir(entry)
                    ]
            except OSError as error:
                raise TrialcliError(f"cannot read folder '{folder}': {error.strerror}") from None
            for entry in sorted(entries, key=lambda e: os.path.normcase(e.name)):
                status = _entry_status(entry)
                if status is None:
                    found.append(folder / entry.name)
                elif _identity(status) not in seen:
                    seen.add(_identity(status))
                    path = folder / entry.name
                    self._statuses[str(path)] = status
                    found.append(path)
        return found

    def ids(self) -> dict[str, list[Path]]:
        index: dict[str, list[Path]] = {}
        for path in self.files():
            index.setdefault(path.stem, []).append(path)
        return index

    def resolve(self, ref: str) -> Path:
        """The file for a study id, acronym or registry id (`CARE-MS II`, `care-ms-ii`,
        `NCT00548405`), or a path to a study file."""
        if ref.lower().endswith(".json"):
            raise TrialcliError(
                f"'{ref}' is JSON, not a study file. A ClinicalTrials.gov record becomes one "
                f"with: trialcli import {ref} -o {Path(ref).stem.lower()}.yaml"
            )
        if ref.endswith(SUFFIXES) or os.sep in ref or (os.altsep and os.altsep in ref):
            return Path(ref)
        index = self.ids()
        paths = index.get(ref) or self._named(ref, index)
        if not paths:
            message = f"no study '{ref}'."
            guess = suggest(ref, index)
            message += (
                f" Did you mean '{guess}'?" if guess else " 'trialcli list' shows the studies."
            )
            raise TrialcliError(message)
        if len(paths) > 1:
            raise TrialcliError(
                f"two files have the study id '{ref}': {paths[0]} and {paths[1]}; "
                "rename or remove one"
            )
        return paths[0]

    def _named(self, ref: str, index: dict[str, list[Path]]) -> list[Path]:
        """The files a study is known by, other than its exact id: the id written loosely
        (any case, spaces for hyphens), then the acronym or the ClinicalTrials.gov id."""
        key = _loose(ref)
        ids = [study_id for study_id in index if _loose(study_id) == key]
        if len(ids) == 1:
            return index[ids[0]]
        if len(ids) > 1:
            raise TrialcliError(f"'{ref}' could be any of {', '.join(ids)}; give the exact id")
        # Only now are the studies read (their list rows, from the cache when unchanged).
        rows = [c.row for c in self.checked(warnings=False) if c.ok and c.row is not None]
        found = [r.id for r in rows if _loose(r.acronym) == key or _loose(r.nct or "") == key]
        if len(found) > 1:
            raise TrialcliError(f"'{ref}' could be any of {', '.join(found)}; give the id")
        return index[found[0]] if found else []

    def load(self, ref: str) -> Study:
        """The study with this id (or in this file, or piped in as `-`), from the cache
        when it is unchanged."""
        if ref == STDIN:
            return _piped_study()
        path = self.resolve(ref)
        in_catalog = _real(path.parent) in {_real(f) for f in self.folders}
        stamp = _stamp(path)
        if self.cache is not None and stamp is not None:
            study = _revalidated(self.cache.study_data(_real(path), stamp))
            if study is not None and (not in_catalog or study.id == path.stem):
                return study
        if in_catalog:
            entry = self.check(path)
            if not entry.ok or entry.study is None:
                raise StudyFileError(list(entry.problems))
            study = entry.study
        else:
            from trialcli.loader import load_study

            study = load_study(path)
        if self.cache is not None and stamp is not None:
            self.cache.save_study(_real(path), stamp, study)
        return study

    def check(self, path: Path) -> Entry:
        """Validate one catalog file, including that its id matches its name."""
        from trialcli.loader import check_study

        try:
            study, problems = check_study(path)
        except StudyFileError as error:
            return Entry(path, None, tuple(error.problems))
        if study is not None:
            problems = [*problems, *_name_problems(path, study.id)]
        return Entry(path, study, tuple(problems))

    def entries(self) -> list[Entry]:
        """Every catalog file, checked; files sharing an id are reported, not loaded."""
        unique, shared = self._by_id()
        result = [Entry(p, None, problems) for p, problems in shared]
        result += [self.check(path) for path in unique]
        return sorted(result, key=lambda e: e.path.stem)

    def checked(self, progress: Progress | None = None, *, warnings: bool = True) -> list[Checked]:
        """Like `entries`, without the studies: what `list` and `validate` need, cached.

        `warnings=False` (for `list`) skips reading the cached consistency warnings.
        """
        unique, shared = self._by_id()
        result = [Checked(p, None, None, problems) for p, problems in shared]
        found = _check_files(
            unique, self.cache, progress, self.folders, warnings=warnings, known=self._statuses
        )
        result += [_with_name_rule(c) for c in found]
        return sorted(result, key=lambda c: c.path.stem)

    def _by_id(self) -> tuple[list[Path], list[tuple[Path, tuple[Problem, ...]]]]:
        """Files with an id of their own, and files sharing one with why they are refused."""
        unique: list[Path] = []
        shared: list[tuple[Path, tuple[Problem, ...]]] = []
        for study_id, paths in self.ids().items():
            if len(paths) > 1:
                names = " and ".join(str(p) for p in paths)
                problem = f"study id '{study_id}' is also used by {names}"
                shared += [(p, (Problem(str(p), problem),)) for p in paths]
            else:
                unique.append(paths[0])
        return unique, shared


def _real(path: Path) -> Path:
    # Path.resolve raises on a loop of symbolic links; reading the file will report it.
    return Path(os.path.realpath(path))


def _identity(status: os.stat_result) -> tuple[int, int]:
    return (status.st_dev, status.st_ino)


def _is_dir(entry: os.DirEntry[str]) -> bool:
    try:
        return entry.is_dir()
    except OSError:
        return False


def _entry_status(entry: os.DirEntry[str]) -> os.stat_result | None:
    """The status of the file an entry reaches; None when it reaches none."""
    try:
        return entry.stat()
    except OSError:
        return None


def check_paths(
    paths: Iterable[Path], cache: StudyCache | None = None, progress: Progress | None = None
) -> list[Checked]:
    """Explicit files, or every study file in explicit folders, in the order given.

    A file that cannot be read is an error for the whole request (StudyFileError), as it
    is for `show`: it was named, so it is not skipped.
    """
    given = [(path, _is_folder(path)) for path in paths]
    for path, is_dir in given:
        if not is_dir and str(path) != STDIN:
            ensure_readable(path)
    files = iter(
        _check_files([p for p, is_dir in given if not is_dir and str(p) != STDIN], cache, progress)
    )
    result: list[Checked] = []
    for path, is_dir in given:
        if str(path) == STDIN:
            result.append(_checked_piped())
        elif is_dir:
            found = Catalog((path,), cache).checked(progress)
            if not found:  # "0 files checked, all valid" would pass a mistyped folder
                raise TrialcliError(f"no study files ({', '.join(SUFFIXES)}) found in '{path}'")
            result.extend(found)
        else:
            result.append(next(files))
    return result


def _name_problems(path: Path, study_id: str) -> list[Problem]:
    if study_id == path.stem:
        return []
    message = (
        f"study id '{study_id}' does not match the file name; "
        f"name the file '{study_id}{path.suffix}'"
    )
    return [Problem(str(path), message, field="id")]


def _with_name_rule(checked: Checked) -> Checked:
    if checked.study_id is None:
        return checked
    extra = _name_problems(checked.path, checked.study_id)
    return Checked(checked.path, checked.study_id, checked.row, (*checked.problems, *extra))


def _loose(text: str) -> str:
    """A name as people type it: `CARE-MS II`, `care ms ii` and `care-ms-ii` are one."""
    return re.sub(r"[^0-9a-z]", "", text.lower())


def _piped_study() -> Study:
    from trialcli.loader import load_text, read_stdin

    _refuse_terminal()
    return load_text(read_stdin())


def _checked_piped() -> Checked:
    """A study file piped in, checked as `validate` checks a file (never cached)."""
    from trialcli.loader import STDIN_NAME, check_text, read_stdin

    _refuse_terminal()
    try:
        study, problems = check_text(read_stdin(), audit=True)
    except StudyFileError as error:
        study, problems = None, error.problems
    ok = study is not None and not any(p.severity == "error" for p in problems)
    row = list_row(study) if study is not None and ok else None
    return Checked(Path(STDIN_NAME), study.id if study else None, row, tuple(problems))


def _refuse_terminal() -> None:
    if sys.stdin is None or sys.stdin.isatty():
        raise TrialcliError("'-' reads a study file from standard input; pipe one in")


def _is_folder(path: Path) -> bool:
    """A folder; anything that cannot be looked at is a file, whose reading says why."""
    try:
        return stat.S_ISDIR(os.stat(path).st_mode)
    except OSError:
        return False


def _stamp(path: Path) -> Stamp | None:
    try:
        return stamp_of(path.stat())
    except OSError:
        return None


def _revalidated(data: dict[str, Any] | None) -> Study | None:
    """A cached study validated again; None when it no longer validates."""
    if data is None:
        return None
    from pydantic import ValidationError

    from trialcli.model import Study

    try:
        return Study.model_validate(data)
    except ValidationError:
        return None


# --- checking many files --------------------------------------------------------------


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
    stamps = [_stamp(p) if s is None else stamp_of(s) for p, s in zip(paths, statuses, strict=True)]
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
    from trialcli.loader import check_study
    from trialcli.ops.summary import list_row

    try:
        # With the consistency audit: its warnings are cached with the other problems.
        study, problems = check_study(Path(path), audit=True)
    except StudyFileError as error:
        study, problems = None, error.problems
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


_ROMAN = {
    "i": 1,
    "ii": 2,
    "iii": 3,
    "iv": 4,
    "v": 5,
    "vi": 6,
    "vii": 7,
    "viii": 8,
    "ix": 9,
    "x": 10,
}


def suggest(ref: str, known: Iterable[str]) -> str | None:
    """The closest known id; a trailing number (arabic or roman) is matched by nearness."""

    def split(ident: str) -> tuple[str, int | None]:
        match = re.fullmatch(r"(.*?)[-_]?(\d+|[ivx]+)", ident.lower())
        if match:
            number = match.group(2)
            value = int(number) if number.isdigit() else _ROMAN.get(number)
            if value is not None:
                return match.group(1), value
        return ident.lower(), None

    stem, number = split(ref)
    best: tuple[float, float, str] | None = None
    for candidate in known:
        other_stem, other_number = split(candidate)
        similarity = difflib.SequenceMatcher(None, stem, other_stem).ratio()
        if number is not None and other_number is not None:
            distance = float(abs(number - other_number))
        else:
            similarity = difflib.SequenceMatcher(None, ref.lower(), candidate.lower()).ratio()
            distance = 0.0
        score = (similarity, -distance, candidate)
        if similarity >= 0.6 and (best is None or score[:2] > best[:2]):
            best = score
    return best[2] if best else None
