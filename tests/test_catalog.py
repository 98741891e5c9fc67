"""Where studies come from, and how an id is found."""

from __future__ import annotations

import os
from pathlib import Path

import pytest
from typer.testing import CliRunner

from trialcli.catalog import Catalog, bundled_dir, suggest
from trialcli.cli import app
from trialcli.errors import TrialcliError


def folder_with(tmp_path: Path, name: str, text: str, file: str | None = None) -> Path:
    folder = tmp_path / name
    folder.mkdir()
    (folder / (file or "example.yaml")).write_text(text, encoding="utf-8")
    return folder


def test_bundled_studies_are_found() -> None:
    assert {p.stem for p in bundled_dir().glob("*.yaml")} >= {"camms223"}


@pytest.mark.parametrize(
    ("typed", "meant"),
    [
        ("care-ms-3", "care-ms-ii"),
        ("care-ms-1", "care-ms-i"),
        ("care-ms2", "care-ms-ii"),
        ("camms-223", "camms223"),
        ("caremsii", "care-ms-ii"),
    ],
)
def test_suggest_matches_numbers_by_nearness(typed: str, meant: str) -> None:
    assert suggest(typed, ["camms223", "care-ms-i", "care-ms-ii"]) == meant


def test_suggest_gives_nothing_for_unrelated_words() -> None:
    assert suggest("aspirin", ["camms223", "care-ms-i", "care-ms-ii"]) is None


def test_trialcli_path_adds_folders(
    tmp_path: Path, minimal_text: str, monkeypatch: pytest.MonkeyPatch
) -> None:
    first = folder_with(tmp_path, "a", minimal_text)
    second = tmp_path / "b"
    second.mkdir()
    monkeypatch.setenv("TRIALCLI_PATH", os.pathsep.join([str(first), str(second)]))
    catalog = Catalog.discover()
    assert catalog.folders[1:] == (first, second)
    assert catalog.load("example").acronym == "EXAMPLE"


def test_trialcli_path_naming_a_missing_folder_is_an_error(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("TRIALCLI_PATH", str(tmp_path / "missing"))
    with pytest.raises(TrialcliError, match="which is not a folder"):
        Catalog.discover()


def test_two_files_with_one_id_name_both(tmp_path: Path, minimal_text: str) -> None:
    first = folder_with(tmp_path, "a", minimal_text)
    second = folder_with(tmp_path, "b", minimal_text)
    catalog = Catalog.discover([first, second])
    with pytest.raises(TrialcliError) as caught:
        catalog.load("example")
    message = str(caught.value)
    assert str(first / "example.yaml") in message
    assert str(second / "example.yaml") in message


def test_catalog_file_must_be_named_after_its_id(tmp_path: Path, minimal_text: str) -> None:
    folder = folder_with(tmp_path, "a", minimal_text, file="other.yaml")
    entry = Catalog((folder,)).entries()[0]
    assert not entry.ok
    assert entry.problems[0].message == (
        "study id 'example' does not match the file name; name the file 'example.yaml'"
    )


def test_a_bad_file_does_not_hide_the_good_ones(
    runner: CliRunner, tmp_path: Path, minimal_text: str
) -> None:
    folder = folder_with(tmp_path, "a", minimal_text)
    (folder / "broken.yaml").write_text("id: [unclosed\n", encoding="utf-8")
    result = runner.invoke(app, ["--data-dir", str(folder), "list", "--format", "csv"])
    assert result.exit_code == 0
    assert "example,EXAMPLE,3" in result.stdout
    assert f"Warning: skipped {folder / 'broken.yaml'}" in result.stderr

    result = runner.invoke(app, ["--data-dir", str(folder), "show", "example"])
    assert result.exit_code == 0
    assert "EXAMPLE" in result.stdout

    result = runner.invoke(app, ["validate", str(folder)])
    assert result.exit_code == 1
    assert f"{folder / 'broken.yaml'}:2:1" in result.stdout
