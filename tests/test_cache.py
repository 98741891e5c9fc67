"""The cache of checked studies: used when files are unchanged, never trusted otherwise.

conftest points XDG_CACHE_HOME at a fresh folder for every test. Files written by a test
are dated a minute back: a file changed a moment ago is deliberately not cached.
"""

from __future__ import annotations

import gc
import json
import os
import subprocess
import sys
import time
from pathlib import Path
from typing import Any

import pytest
from typer.testing import CliRunner

import trialcli.catalog
import trialcli.checking
import trialcli.loader
from trialcli import __version__
from trialcli.cache import StudyCache, _tag_written, cache_root
from trialcli.catalog import Catalog, bundled_dir
from trialcli.checking import check_paths
from trialcli.cli import app
from trialcli.loader import load_study

ROOT = Path(__file__).resolve().parent.parent


def settled(path: Path, age: float = 60.0) -> Path:
    """Date a file back, as if it had been written a while ago."""
    then = time.time() - age
    os.utime(path, (then, then))
    return path


def folder_with(tmp_path: Path, files: dict[str, str]) -> Path:
    folder = tmp_path / "studies"
    folder.mkdir(exist_ok=True)
    for name, text in files.items():
        (folder / name).write_text(text, encoding="utf-8")
        settled(folder / name)
    return folder


def no_parsing(monkeypatch: pytest.MonkeyPatch) -> None:
    """From here on, parsing any study file fails the test."""

    def refuse(text: str, file: str) -> Any:
        raise AssertionError(f"{file} was parsed")

    monkeypatch.setattr(trialcli.loader, "_parse_with_nodes", refuse)


def cache_files(kind: str) -> list[Path]:
    return sorted((cache_root() / kind).glob("*.json"))


def test_cache_lives_in_xdg_cache_home() -> None:
    assert cache_root() == Path(os.environ["XDG_CACHE_HOME"]) / "trialcli"


def test_relative_xdg_cache_home_is_ignored(
    monkeypatch: pytest.MonkeyPatch, tmp_path: Path
) -> None:
    monkeypatch.setenv("XDG_CACHE_HOME", "relative/cache")
    monkeypatch.setenv("HOME", str(tmp_path / "home"))
    assert cache_root() == tmp_path / "home" / ".cache" / "trialcli"


def test_second_list_reads_no_file(
    runner: CliRunner, tmp_path: Path, minimal_text: str, monkeypatch: pytest.MonkeyPatch
) -> None:
    folder = folder_with(tmp_path, {"example.yaml": minimal_text})
    args = ["--data-dir", str(folder), "list", "--format", "csv"]
    first = runner.invoke(app, args)
    assert first.exit_code == 0, first.stderr
    assert len(cache_files("folders")) == 2  # the bundled data and the folder
    no_parsing(monkeypatch)
    second = runner.invoke(app, args)
    assert second.exit_code == 0, second.stderr
    assert second.stdout == first.stdout
    assert "example,EXAMPLE,3,synthetic participants,300,randomized,2,1,0,1,1,2020" in second.stdout


def test_validate_reports_cached_problems_with_the_path_as_given(
    runner: CliRunner, tmp_path: Path, minimal_text: str, monkeypatch: pytest.MonkeyPatch
) -> None:
    folder = folder_with(tmp_path, {"example.yaml": minimal_text.replace("kind: rate", "kind: x")})
    first = runner.invoke(app, ["validate", str(folder)])
    assert first.exit_code == 1
    no_parsing(monkeypatch)
    monkeypatch.chdir(tmp_path)
    second = runner.invoke(app, ["validate", "studies"])
    assert second.exit_code == 1
    assert "studies/example.yaml:31:11: error endpoints[0].kind:" in second.stdout
    assert "1 file checked, 1 with errors" in second.stdout


def test_a_changed_file_is_read_again_even_with_its_old_size_and_time(
    runner: CliRunner, tmp_path: Path, minimal_text: str
) -> None:
    folder = folder_with(tmp_path, {"example.yaml": minimal_text})
    path = folder / "example.yaml"
    args = ["--data-dir", str(folder), "list", "--format", "json"]
    assert runner.invoke(app, args).exit_code == 0
    before = path.stat()
    changed = minimal_text.replace("randomized: 300", "randomized: 301")
    assert len(changed) == len(minimal_text)
    path.write_text(changed, encoding="utf-8")
    os.utime(path, ns=(before.st_atime_ns, before.st_mtime_ns))  # same size, same mtime
    rows = json.loads(runner.invoke(app, args).stdout)
    assert next(r for r in rows if r["id"] == "example")["randomized"] == 301


def test_a_file_changed_a_moment_ago_is_not_cached(
    runner: CliRunner, tmp_path: Path, minimal_text: str, monkeypatch: pytest.MonkeyPatch
) -> None:
    folder = tmp_path / "fresh"
    folder.mkdir()
    (folder / "example.yaml").write_text(minimal_text, encoding="utf-8")
    assert runner.invoke(app, ["validate", str(folder)]).exit_code == 0
    no_parsing(monkeypatch)
    result = runner.invoke(app, ["validate", str(folder)])
    assert result.exit_code == 1  # it had to be parsed again, and parsing now fails
    assert "was parsed" in str(result.exception)


@pytest.mark.parametrize(
    "damage",
    [
        lambda raw: raw[: len(raw) // 2],  # truncated
        lambda raw: raw.replace(b'"randomized":300', b'"randomized":999'),  # still JSON
        lambda raw: b"not json at all",
        lambda raw: b"",
        lambda raw: raw.replace(b'"format": 2', b'"format": 1'),  # an older layout
        lambda raw: raw.replace(b'"code": "', b'"code": "0'),  # other trialcli code
    ],
    ids=["truncated", "edited", "garbage", "empty", "old-format", "other-code"],
)
def test_a_damaged_or_stale_index_is_ignored_and_rebuilt(
    runner: CliRunner,
    tmp_path: Path,
    minimal_text: str,
    monkeypatch: pytest.MonkeyPatch,
    damage: Any,
) -> None:
    folder = folder_with(tmp_path, {"example.yaml": minimal_text})
    args = ["validate", str(folder)]
    assert runner.invoke(app, args).exit_code == 0
    (index,) = cache_files("folders")
    raw = index.read_bytes()
    index.write_bytes(damage(raw))
    calls: list[str] = []
    real = trialcli.loader._parse_with_nodes

    def counting(text: str, file: str) -> Any:
        calls.append(file)
        return real(text, file)

    monkeypatch.setattr(trialcli.loader, "_parse_with_nodes", counting)
    result = runner.invoke(app, args)
    assert result.exit_code == 0
    assert "1 file checked, all valid" in result.stdout
    assert calls == [str(folder / "example.yaml")]
    assert index.read_bytes() == raw  # rebuilt as it was
    rows = runner.invoke(app, ["--data-dir", str(folder), "list", "-f", "csv"]).stdout
    assert "example,EXAMPLE,3,synthetic participants,300," in rows


def test_no_cache_neither_reads_nor_writes(
    runner: CliRunner, tmp_path: Path, minimal_text: str
) -> None:
    folder = folder_with(tmp_path, {"example.yaml": minimal_text})
    result = runner.invoke(app, ["--no-cache", "--data-dir", str(folder), "list"])
    assert result.exit_code == 0
    result = runner.invoke(app, ["--no-cache", "show", "care-ms-ii"])
    assert result.exit_code == 0
    assert not cache_root().exists()


def test_an_unwritable_cache_never_fails_a_command(
    runner: CliRunner, tmp_path: Path, minimal_text: str, monkeypatch: pytest.MonkeyPatch
) -> None:
    blocker = tmp_path / "not-a-folder"
    blocker.write_text("a file where the cache folder should be", encoding="utf-8")
    monkeypatch.setenv("XDG_CACHE_HOME", str(blocker))
    folder = folder_with(tmp_path, {"example.yaml": minimal_text})
    for args in (["list"], ["validate", str(folder)], ["show", "care-ms-ii"]):
        result = runner.invoke(app, ["--data-dir", str(folder), *args])
        assert result.exit_code == 0, (args, result.stderr)
        assert result.stderr == ""


def test_the_file_size_limit_is_part_of_the_key(
    runner: CliRunner, tmp_path: Path, minimal_text: str, monkeypatch: pytest.MonkeyPatch
) -> None:
    folder = folder_with(tmp_path, {"example.yaml": minimal_text})
    monkeypatch.setenv("TRIALCLI_MAX_FILE_BYTES", "100")
    result = runner.invoke(app, ["validate", str(folder)])
    assert "over the 100-byte limit" in result.stdout
    monkeypatch.delenv("TRIALCLI_MAX_FILE_BYTES")
    result = runner.invoke(app, ["validate", str(folder)])
    assert result.exit_code == 0, result.stdout


def test_duplicate_ids_and_misnamed_files_are_still_refused_from_the_cache(
    runner: CliRunner, tmp_path: Path, minimal_text: str, monkeypatch: pytest.MonkeyPatch
) -> None:
    first = folder_with(tmp_path, {"example.yaml": minimal_text, "other.yaml": minimal_text})
    second = tmp_path / "second"
    second.mkdir()
    (second / "example.yaml").write_text(minimal_text, encoding="utf-8")
    settled(second / "example.yaml")
    args = ["--data-dir", str(first), "--data-dir", str(second), "validate"]
    cold = runner.invoke(app, args)
    no_parsing(monkeypatch)
    warm = runner.invoke(app, args)
    assert warm.exit_code == cold.exit_code == 1
    assert warm.stdout == cold.stdout
    assert "study id 'example' is also used by" in warm.stdout
    assert "name the file 'example.yaml'" in warm.stdout


def test_show_from_the_cache_is_the_same_study(
    runner: CliRunner, monkeypatch: pytest.MonkeyPatch
) -> None:
    cold = {sid: runner.invoke(app, ["show", sid]).stdout for sid in ("camms223", "care-ms-ii")}
    assert len(cache_files("studies")) == 2
    no_parsing(monkeypatch)
    for sid, text in cold.items():
        assert runner.invoke(app, ["show", sid]).stdout == text
        assert runner.invoke(app, ["show", sid, "-f", "json"]).exit_code == 0


@pytest.mark.parametrize("path", sorted(bundled_dir().glob("*.yaml")), ids=lambda p: p.stem)
def test_cached_study_keeps_every_number_as_written(path: Path, tmp_path: Path) -> None:
    catalog = Catalog((path.parent,), StudyCache(tmp_path / "c"))
    parsed = load_study(path)
    catalog.load(path.stem)  # parses, then caches
    cached = catalog.load(path.stem)  # validated again from the cache
    assert cached == parsed
    # == compares floats by value; the tagged form also compares decimals (0.10 vs 0.1).
    assert _tag_written(cached.model_dump()) == _tag_written(parsed.model_dump())


def test_show_reports_a_file_that_went_bad_not_its_cached_past(
    runner: CliRunner, tmp_path: Path, minimal_text: str
) -> None:
    folder = folder_with(tmp_path, {"example.yaml": minimal_text})
    args = ["--data-dir", str(folder), "show", "example"]
    assert runner.invoke(app, args).exit_code == 0
    (folder / "example.yaml").write_text(minimal_text.replace("phase: 3", "phase: 9"), "utf-8")
    settled(folder / "example.yaml")
    result = runner.invoke(app, args)
    assert result.exit_code == 1
    assert "phase: write one of" in result.stderr


def test_many_files_are_checked_in_workers_in_order(
    tmp_path: Path, minimal_text: str, monkeypatch: pytest.MonkeyPatch
) -> None:
    names = [f"study-{n}" for n in range(6)]
    files = {f"{n}.yaml": minimal_text.replace("id: example", f"id: {n}") for n in names}
    files["study-3.yaml"] = "id: [unclosed\n"
    folder = folder_with(tmp_path, files)
    alone = check_paths([folder])
    monkeypatch.setattr(trialcli.checking, "PARALLEL_FROM", 2)
    monkeypatch.setattr(trialcli.checking, "_cores", lambda: 2)
    in_workers = check_paths([folder])
    assert in_workers == alone
    assert [c.path.stem for c in in_workers] == names
    assert [c.ok for c in in_workers] == [True, True, True, False, True, True]
    assert in_workers[3].problems[0].line == 2


def test_version_loads_neither_rich_nor_yaml_nor_the_models() -> None:
    code = (
        "import sys\n"
        "from trialcli.cli import app\n"
        "try:\n"
        "    app(['--version'])\n"
        "except SystemExit:\n"
        "    pass\n"
        "heavy = ('rich', 'yaml', 'trialcli.model', 'trialcli.loader', 'trialcli.catalog',\n"
        "         'trialcli.checking')\n"
        "print(sorted(m for m in sys.modules if m.split('.')[0] in heavy or m in heavy))\n"
    )
    result = subprocess.run(
        [sys.executable, "-c", code], capture_output=True, text=True, cwd=ROOT, check=True
    )
    assert result.stdout.splitlines() == [f"trialcli {__version__}", "[]"]


def test_the_cyclic_collector_is_paused_for_a_command_only(
    runner: CliRunner, monkeypatch: pytest.MonkeyPatch
) -> None:
    seen: list[bool] = []
    real = trialcli.checking._check_files

    def spy(*args: Any, **kwargs: Any) -> Any:
        seen.append(gc.isenabled())
        return real(*args, **kwargs)

    monkeypatch.setattr(trialcli.checking, "_check_files", spy)
    assert runner.invoke(app, ["list", "-f", "csv"]).exit_code == 0
    assert seen == [False]
    assert gc.isenabled()


def test_no_home_folder_means_no_cache_not_an_error(
    runner: CliRunner, monkeypatch: pytest.MonkeyPatch
) -> None:
    def no_home() -> Path:
        raise RuntimeError("Could not determine home directory.")

    monkeypatch.delenv("XDG_CACHE_HOME")
    monkeypatch.setattr(Path, "home", staticmethod(no_home))
    result = runner.invoke(app, ["show", "care-ms-ii"])
    assert result.exit_code == 0, result.stderr
    assert "CARE-MS II" in result.stdout


def test_warnings_come_back_from_the_cache_whole(
    runner: CliRunner, tmp_path: Path, minimal_text: str, monkeypatch: pytest.MonkeyPatch
) -> None:
    # A stated 53% beside 104/202 is a consistency warning naming three positions.
    text = minimal_text.replace(
        "      control: {value: 0.4, ci: [0.31, 0.52]}",
        "      control: {value: 0.4, ci: [0.31, 0.52]}\n"
        "  - id: relapsed\n    name: Patients with a relapse\n    level: secondary\n"
        "    kind: proportion\n    results:\n"
        '      control: {n: 104, N: 202, value: 53, unit: "%"}',
    )
    folder = folder_with(tmp_path, {"example.yaml": text})
    args = ["validate", str(folder)]
    cold = runner.invoke(app, args)
    assert "warning" in cold.stdout and "53" in cold.stdout
    no_parsing(monkeypatch)
    warm = runner.invoke(app, args)
    assert warm.stdout == cold.stdout


def test_list_never_reads_the_warnings(
    runner: CliRunner, tmp_path: Path, minimal_text: str, monkeypatch: pytest.MonkeyPatch
) -> None:
    folder = folder_with(tmp_path, {"example.yaml": minimal_text})
    assert runner.invoke(app, ["--data-dir", str(folder), "validate"]).exit_code == 0
    read: list[str] = []
    real = StudyCache._read

    def spy(self: StudyCache, kind: str, key: str, revive: bool = False) -> Any:
        read.append(kind)
        return real(self, kind, key, revive)

    monkeypatch.setattr(StudyCache, "_read", spy)
    no_parsing(monkeypatch)
    assert runner.invoke(app, ["--data-dir", str(folder), "list"]).exit_code == 0
    assert "folders" in read and "warnings" not in read
