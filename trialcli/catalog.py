"""Where studies come from: the bundled data, TRIALCLI_PATH, --data-dir, explicit paths.

A catalog file is named after its study id (`care-ms-ii.yaml` holds `id: care-ms-ii`), so
looking a study up by id reads one file, not the whole catalog.

Looking a study up by its acronym or registry id needs every study's names: the catalog
asks `names` for them (trialcli.checking.discover gives it the list rows it checks, cached
and in parallel); without it, it loads each file. Checking many files is
trialcli.checking's. The YAML loader and the models are imported only when a file has to
be parsed.
"""

from __future__ import annotations

import difflib
import os
import re
import stat
import sys
from collections.abc import Callable, Iterable, Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import TYPE_CHECKING, Any

from trialcli.cache import Stamp, StudyCache, stamp_of
from trialcli.errors import Problem, StudyFileError, TrialcliError
from trialcli.settings import PATH_ENV, data_path

if TYPE_CHECKING:
    from trialcli.model import Study

# Where a study file is taken, this reads one from standard input.
STDIN = "-"
SUFFIXES = (".yaml", ".yml")
# (id, acronym, registry id) of every valid study of a catalog: how else a study is known.
Names = Callable[["Catalog"], Iterable[tuple[str, str, "str | None"]]]


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
class Catalog:
    folders: tuple[Path, ...]
    cache: StudyCache | None = None
    names: Names | None = field(default=None, compare=False, repr=False)
    # The status of each file `files` found, so that checking it needs no second stat.
    # Keyed by the path as text: hashing Path objects costs more than the stat saved.
    statuses: dict[str, os.stat_result] = field(default_factory=dict, compare=False, repr=False)
    # The files, when this run has already listed the folders (trialcli.cli.replay did).
    listed: tuple[Path, ...] | None = field(default=None, compare=False, repr=False)

    @classmethod
    def discover(
        cls,
        data_dirs: Sequence[Path] = (),
        cache: StudyCache | None = None,
        names: Names | None = None,
    ) -> Catalog:
        """Bundled studies, then each folder on TRIALCLI_PATH, then each --data-dir."""
        named = [(folder, f"{PATH_ENV} names '{folder}', which") for folder in data_path()]
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
        return cls(tuple(folders), cache, names)

    def files(self) -> list[Path]:
        """Each study file once, by folder; one reached twice (a link) counts once.

        Entries that are not folders are kept even when they cannot be read (a loop of
        symbolic links, a FIFO): reading them reports why, and the others still work.
        """
        if self.listed is not None:
            return list(self.listed)
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
                    self.statuses[str(path)] = status
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
        # Only now are the studies read (their names, from the cache when unchanged).
        known = self.known_names()
        found = [i for i, acronym, nct in known if key in (_loose(acronym), _loose(nct or ""))]
        if len(found) > 1:
            raise TrialcliError(f"'{ref}' could be any of {', '.join(found)}; give the id")
        return index[found[0]] if found else []

    def known_names(self) -> list[tuple[str, str, str | None]]:
        """(id, acronym, registry id) of every valid study: from `names` when given."""
        return list((self.names or _names_of_loaded)(self))

    def load(self, ref: str) -> Study:
        """The study with this id (or in this file, or piped in as `-`), from the cache
        when it is unchanged."""
        if ref == STDIN:
            return _piped_study()
        path = self.resolve(ref)
        in_catalog = _real(path.parent) in {_real(f) for f in self.folders}
        stamped = stamp(path)
        if self.cache is not None and stamped is not None:
            study = _revalidated(self.cache.study_data(_real(path), stamped))
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
        if self.cache is not None and stamped is not None:
            self.cache.save_study(_real(path), stamped, study)
        return study

    def check(self, path: Path) -> Entry:
        """Validate one catalog file, including that its id matches its name."""
        from trialcli.loader import check_study

        try:
            study, problems = check_study(path)
        except StudyFileError as error:
            return Entry(path, None, tuple(error.problems))
        if study is not None:
            problems = [*problems, *name_problems(path, study.id)]
        return Entry(path, study, tuple(problems))

    def entries(self) -> list[Entry]:
        """Every catalog file, checked; files sharing an id are reported, not loaded.

        A valid study comes from the cache when its file is unchanged, as in `load`, and is
        kept there when it was read: a valid catalog file has no problems at all (every
        problem of a file is an error), so the cached study is the whole entry.
        """
        unique, shared = self.by_id()
        result = [Entry(p, None, problems) for p, problems in shared]
        result += [self._entry(path) for path in unique]
        return sorted(result, key=lambda e: e.path.stem)

    def _entry(self, path: Path) -> Entry:
        known = self.statuses.get(str(path))
        stamped = stamp_of(known) if known is not None else stamp(path)
        if self.cache is None or stamped is None:
            return self.check(path)
        study = _revalidated(self.cache.study_data(_real(path), stamped))
        if study is not None and study.id == path.stem:
            return Entry(path, study, ())
        entry = self.check(path)
        if entry.ok and entry.study is not None and not entry.problems:
            self.cache.save_study(_real(path), stamped, entry.study)
        return entry

    def by_id(self) -> tuple[list[Path], list[tuple[Path, tuple[Problem, ...]]]]:
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


def _names_of_loaded(catalog: Catalog) -> list[tuple[str, str, str | None]]:
    """The names of every valid study, each file loaded (no cache, one process)."""
    loaded = [e.study for e in catalog.entries() if e.ok and e.study is not None]
    return [(study.id, study.acronym, study.registry.nct) for study in loaded]


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


def name_problems(path: Path, study_id: str) -> list[Problem]:
    """A catalog file is named after its study id."""
    if study_id == path.stem:
        return []
    message = (
        f"study id '{study_id}' does not match the file name; "
        f"name the file '{study_id}{path.suffix}'"
    )
    return [Problem(str(path), message, field="id")]


def _loose(text: str) -> str:
    """A name as people type it: `CARE-MS II`, `care ms ii` and `care-ms-ii` are one."""
    return re.sub(r"[^0-9a-z]", "", text.lower())


def _piped_study() -> Study:
    from trialcli.loader import load_text

    return load_text(piped_text())


def piped_text() -> str:
    """The study file piped in on standard input (named `-`); a terminal is refused."""
    from trialcli.loader import read_stdin

    if sys.stdin is None or sys.stdin.isatty():
        raise TrialcliError("'-' reads a study file from standard input; pipe one in")
    return read_stdin()


def is_folder(path: Path) -> bool:
    """A folder; anything that cannot be looked at is a file, whose reading says why."""
    try:
        return stat.S_ISDIR(os.stat(path).st_mode)
    except OSError:
        return False


def stamp(path: Path) -> Stamp | None:
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
