"""`import --into` makes its folder and refuses a file; `list` names an imported condition."""

from __future__ import annotations

import shutil
from pathlib import Path

import pytest
from typer.testing import CliRunner

from trialcli.cli import app

FIXTURES = Path(__file__).parent / "fixtures"


def test_import_into_creates_a_missing_folder(runner: CliRunner, tmp_path: Path) -> None:
    target = tmp_path / "new" / "catalog"
    record = FIXTURES / "ctgov" / "NCT02422186.json"
    result = runner.invoke(app, ["--no-cache", "import", str(record), "--into", str(target)])
    assert result.exit_code == 0, result.stderr
    assert (target / "nct02422186.yaml").is_file()
    assert "1 imported" in result.stdout


def test_import_into_a_file_is_one_line(runner: CliRunner, tmp_path: Path) -> None:
    blocker = tmp_path / "file"
    blocker.write_text("not a folder", encoding="utf-8")
    record = FIXTURES / "ctgov" / "NCT02422186.json"
    result = runner.invoke(app, ["--no-cache", "import", str(record), "--into", str(blocker)])
    assert result.exit_code == 1
    assert result.stderr.startswith("Error: ") and len(result.stderr.splitlines()) == 1


def test_list_at_80_columns_shows_an_imported_records_condition(
    runner: CliRunner, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    folder = tmp_path / "catalog"
    folder.mkdir()
    shutil.copy(FIXTURES / "ctgov" / "NCT00806624.json", folder)
    imported = runner.invoke(
        app, ["--no-cache", "import", str(folder / "NCT00806624.json"), "--into", str(folder)]
    )
    assert imported.exit_code == 0, imported.stderr
    (folder / "NCT00806624.json").unlink()
    monkeypatch.setenv("COLUMNS", "80")
    out = runner.invoke(app, ["--no-cache", "--data-dir", str(folder), "list"]).stdout
    row = out[out.index("nct00806624") :]
    assert "as registered" not in out and "participa" not in out
    assert row.split()[3] == "Atrial"  # Population: "Atrial Fibrillation; Stroke"
    # The records keep the study's own description; the wide table shows both.
    csv = runner.invoke(app, ["--no-cache", "--data-dir", str(folder), "list", "-f", "csv"])
    assert "participants aged 18 to 80 years, as registered" in csv.stdout
