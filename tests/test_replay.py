"""Piped pages replayed from the cache print the very bytes the command computes.

Each command runs three times: with the cache (recording), with it again (replayed, with
loading a study made to fail) and with --no-cache; all three outputs must be the same.
"""

from __future__ import annotations

import os
import shutil
import time
from pathlib import Path
from typing import Any

import pytest
from typer.testing import CliRunner

import trialcli.catalog
import trialcli.cli.replay
import trialcli.loader
from trialcli.cache import cache_root
from trialcli.catalog import bundled_dir
from trialcli.cli import app

COMMANDS = [
    ["show", "care-ms-ii"],
    ["show", "care-ms-ii", "--full"],
    ["show", "care-ms-ii", "-s", "safety", "-s", "arms"],
    ["show", "care-ms-ii", "-f", "json"],
    ["show", "care-ms-ii", "-f", "csv"],
    ["show", "care-ms-ii", "-f", "markdown"],
    ["show", "care-ms-ii", "-f", "html"],
    ["ae", "care-ms-ii"],
    ["ae", "care-ms-ii", "--serious", "-f", "csv"],
    ["ae", "care-ms-ii", "care-ms-i", "-f", "json"],
    ["network", "-e", "relapse-proportion", "--better", "lower"],
    ["network", "care-ms-i", "care-ms-ii", "-e", "relapse-proportion", "-f", "csv"],
    ["review", str(Path(__file__).parent / "fixtures" / "revman" / "CD011381StatsDataOnly.rm5")],
]


def _refuse(*_: Any, **__: Any) -> Any:
    raise AssertionError("a study was loaded although its page was recorded")


def _pages() -> list[Path]:
    return sorted((cache_root() / "pages").glob("*.json"))


@pytest.mark.parametrize("args", COMMANDS, ids=lambda a: " ".join(a)[:60])
def test_a_replayed_page_is_the_computed_page(
    args: list[str], runner: CliRunner, monkeypatch: pytest.MonkeyPatch
) -> None:
    first = runner.invoke(app, args)
    assert first.exit_code == 0, first.output
    assert len(_pages()) == 1
    with monkeypatch.context() as patched:
        patched.setattr(trialcli.catalog.Catalog, "load", _refuse)
        patched.setattr(trialcli.cli.replay._Page, "record", _refuse)  # computed again
        again = runner.invoke(app, args)
    uncached = runner.invoke(app, ["--no-cache", *args])
    assert again.exit_code == uncached.exit_code == 0
    assert again.stdout_bytes == first.stdout_bytes == uncached.stdout_bytes
    assert first.stdout_bytes.strip()


def _settled(path: Path) -> None:
    then = time.time() - 60
    os.utime(path, (then, then))


def test_a_changed_study_is_drawn_again(
    tmp_path: Path, runner: CliRunner, monkeypatch: pytest.MonkeyPatch
) -> None:
    folder = tmp_path / "studies"
    folder.mkdir()
    study = folder / "copy.yaml"
    text = (bundled_dir() / "care-ms-ii.yaml").read_text(encoding="utf-8")
    study.write_text(text.replace("id: care-ms-ii", "id: copy", 1), encoding="utf-8")
    _settled(study)
    _settled(folder)
    args = ["--data-dir", str(folder), "show", "copy", "-f", "json"]
    first = runner.invoke(app, args)
    assert first.exit_code == 0, first.output
    assert '"id": "copy"' in first.stdout
    study.write_text(text.replace("id: care-ms-ii", "id: copy", 1) + "\n", encoding="utf-8")
    _settled(study)  # the same time as before, but another size: another stamp
    with monkeypatch.context() as patched:
        patched.setattr(trialcli.catalog.Catalog, "load", _refuse)
        with pytest.raises(AssertionError, match="was loaded"):
            runner.invoke(app, args, catch_exceptions=False)


def test_a_study_changed_a_moment_ago_is_not_recorded(tmp_path: Path, runner: CliRunner) -> None:
    folder = tmp_path / "studies"
    folder.mkdir()
    shutil.copy(bundled_dir() / "care-ms-ii.yaml", folder / "care-ms-ii-copy.yaml")
    path = folder / "care-ms-ii-copy.yaml"
    path.write_text(
        path.read_text(encoding="utf-8").replace("id: care-ms-ii", "id: care-ms-ii-copy", 1),
        encoding="utf-8",
    )
    result = runner.invoke(app, ["show", str(path), "-f", "json"])
    assert result.exit_code == 0, result.output
    assert _pages() == []


def test_an_acronym_or_an_export_is_never_replayed(runner: CliRunner, tmp_path: Path) -> None:
    assert runner.invoke(app, ["show", "CARE-MS II", "-f", "json"]).exit_code == 0
    figure = tmp_path / "ae.svg"
    assert runner.invoke(app, ["ae", "care-ms-ii", "--export", str(figure)]).exit_code == 0
    assert figure.exists()
    assert _pages() == []


def test_an_import_leaves_the_cache_warm_with_what_parsing_finds(
    tmp_path: Path, runner: CliRunner, monkeypatch: pytest.MonkeyPatch
) -> None:
    into = tmp_path / "catalog"
    zipped = Path(__file__).parent / "fixtures" / "ctgov-bulk-slice.zip"
    done = runner.invoke(app, ["import", str(zipped), "--into", str(into)])
    assert done.exit_code == 0, done.output
    commands = [["list", "-f", "csv"], ["list", "--wide"], ["validate", str(into)]]
    with monkeypatch.context() as patched:
        patched.setattr(trialcli.loader, "_parse_with_nodes", _refuse_parse)
        warm = [runner.invoke(app, ["--data-dir", str(into), *args]) for args in commands]
    cold = [runner.invoke(app, ["--no-cache", "--data-dir", str(into), *a]) for a in commands]
    for args, first, second in zip(commands, warm, cold, strict=True):
        assert first.exit_code == second.exit_code, args
        assert first.stdout_bytes == second.stdout_bytes, args
    assert warm[0].stdout.count("\n") == 44  # header, 3 bundled and 40 imported studies
    assert warm[2].stdout.splitlines()[-1] == "40 files checked, all valid"


def _refuse_parse(text: str, file: str) -> Any:
    if "/catalog/" in file or file.startswith("nct"):
        raise AssertionError(f"{file} was parsed although the import cached it")
    return _PARSE(text, file)


_PARSE = trialcli.loader._parse_with_nodes


def test_a_catalog_read_whole_keeps_its_studies_in_the_cache(
    runner: CliRunner, monkeypatch: pytest.MonkeyPatch
) -> None:
    """`network` over the catalog (Catalog.entries) parses each file once; the next run,
    not replayed, reads the studies from the cache and prints the same bytes."""
    args = ["network", "-e", "relapse-proportion", "--better", "lower"]
    monkeypatch.setattr(trialcli.cli.replay._Page, "find", classmethod(lambda *a, **k: None))
    first = runner.invoke(app, args)
    with monkeypatch.context() as patched:
        patched.setattr(trialcli.catalog.Catalog, "check", _refuse)
        again = runner.invoke(app, args)
    uncached = runner.invoke(app, ["--no-cache", *args])
    assert first.exit_code == again.exit_code == uncached.exit_code == 0, again.output
    assert again.stdout_bytes == first.stdout_bytes == uncached.stdout_bytes
    assert "2 studies" in again.stdout


def test_the_command_finds_its_study_in_the_listing_the_replay_key_took(
    runner: CliRunner, monkeypatch: pytest.MonkeyPatch
) -> None:
    listings: list[int] = []
    files = trialcli.catalog.Catalog.files

    def counted(self: trialcli.catalog.Catalog) -> list[Path]:
        listings.append(self.listed is None)  # listed again, or the listing handed on
        return files(self)

    monkeypatch.setattr(trialcli.catalog.Catalog, "files", counted)
    first = runner.invoke(app, ["ae", "care-ms-ii", "-f", "csv"])
    assert first.exit_code == 0, first.output
    assert sum(listings) == 1  # listed once, for the replay's key and the command
    uncached = runner.invoke(app, ["--no-cache", "ae", "care-ms-ii", "-f", "csv"])
    assert first.stdout_bytes == uncached.stdout_bytes
