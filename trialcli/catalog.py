"""Where studies come from: the bundled data, TRIALCLI_PATH, --data-dir, explicit paths.

A catalog file is named after its study id (`care-ms-ii.yaml` holds `id: care-ms-ii`), so
looking a study up by id reads one file, not the whole catalog.
"""

from __future__ import annotations

import difflib
import os
import re
from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from pathlib import Path

from trialcli.errors import Problem, StudyFileError, TrialcliError
from trialcli.loader import check_study, load_study
from trialcli.model import Study

PATH_ENV = "TRIALCLI_PATH"
SUFFIXES = (".yaml", ".yml")


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

    @property
    def unacknowledged(self) -> tuple[Problem, ...]:
        """Warnings that fail `validate --strict`: not recorded as disagreements on purpose."""
        return tuple(p for p in self.problems if p.severity == "warning" and p.acknowledged is None)


@dataclass(frozen=True)
class Catalog:
    folders: tuple[Path, ...]

    @classmethod
    def discover(cls, data_dirs: Sequence[Path] = ()) -> Catalog:
        """Bundled studies, then each folder on TRIALCLI_PATH, then each --data-dir."""
        env = [Path(p) for p in os.environ.get(PATH_ENV, "").split(os.pathsep) if p.strip()]
        for folder in env:
            if not folder.is_dir():
                raise TrialcliError(f"{PATH_ENV} names '{folder}', which is not a folder")
        for folder in data_dirs:
            if not folder.is_dir():
                raise TrialcliError(f"--data-dir '{folder}' is not a folder")
        return cls((bundled_dir(), *env, *data_dirs))

    def files(self) -> list[Path]:
        found: list[Path] = []
        for folder in self.folders:
            try:
                found.extend(
                    sorted(p for p in folder.iterdir() if p.suffix in SUFFIXES and p.is_file())
                )
            except OSError as error:
                raise TrialcliError(f"cannot read folder '{folder}': {error.strerror}") from None
        return found

    def ids(self) -> dict[str, list[Path]]:
        index: dict[str, list[Path]] = {}
        for path in self.files():
            index.setdefault(path.stem, []).append(path)
        return index

    def resolve(self, ref: str) -> Path:
        """The file for a study id or a path to a study file."""
        if ref.endswith(SUFFIXES) or os.sep in ref or (os.altsep and os.altsep in ref):
            return Path(ref)
        index = self.ids()
        paths = index.get(ref)
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

    def load(self, ref: str) -> Study:
        path = self.resolve(ref)
        if path.parent.resolve() in {f.resolve() for f in self.folders}:
            entry = self.check(path)
            if not entry.ok or entry.study is None:
                raise StudyFileError(list(entry.problems))
            return entry.study
        return load_study(path)

    def check(self, path: Path, *, audit: bool = False) -> Entry:
        """Validate one catalog file, including that its id matches its name; with
        `audit`, consistency warnings too."""
        try:
            study, problems = check_study(path, audit=audit)
        except StudyFileError as error:
            return Entry(path, None, tuple(error.problems))
        if study is not None and study.id != path.stem:
            problems = [
                *problems,
                Problem(
                    str(path),
                    f"study id '{study.id}' does not match the file name; "
                    f"name the file '{study.id}{path.suffix}'",
                    field="id",
                ),
            ]
        return Entry(path, study, tuple(problems))

    def entries(self, *, audit: bool = False) -> list[Entry]:
        """Every catalog file, checked; files sharing an id are reported, not loaded."""
        result: list[Entry] = []
        for study_id, paths in self.ids().items():
            if len(paths) > 1:
                names = " and ".join(str(p) for p in paths)
                result.extend(
                    Entry(
                        p,
                        None,
                        (Problem(str(p), f"study id '{study_id}' is also used by {names}"),),
                    )
                    for p in paths
                )
            else:
                result.append(self.check(paths[0], audit=audit))
        return sorted(result, key=lambda e: e.path.stem)


def check_paths(paths: Iterable[Path], *, audit: bool = False) -> list[Entry]:
    """Explicit files, or every study file in explicit folders."""
    result: list[Entry] = []
    for path in paths:
        if path.is_dir():
            result.extend(Catalog((path,)).entries(audit=audit))
            continue
        try:
            study, problems = check_study(path, audit=audit)
            result.append(Entry(path, study, tuple(problems)))
        except StudyFileError as error:
            result.append(Entry(path, None, tuple(error.problems)))
    return result


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
