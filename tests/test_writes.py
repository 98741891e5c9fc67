"""Nothing lost: every command that writes refuses to overwrite, and fails whole."""

from __future__ import annotations

import os
from pathlib import Path

import pytest
from typer.testing import CliRunner

from trialcli.cli import app

# Slow (every command's write interrupted midway): left out of `make fast`.
pytestmark = pytest.mark.slow

RECORD = Path(__file__).parent / "fixtures" / "ctgov" / "NCT00806624.json"
ORIGINAL = "# the user's own work\n"


def writers(target: Path) -> dict[str, list[str]]:
    return {
        "new": ["new", "my-trial", "-o", str(target)],
        "import": ["import", str(RECORD), "-o", str(target)],
        "export": [
            "compare",
            "--drug",
            "alemtuzumab",
            "--endpoint",
            "annualized-relapse-rate",
            "--export",
            str(target),
        ],
    }


def target_for(tmp_path: Path, command: str) -> Path:
    return tmp_path / ("plot.svg" if command == "export" else "study.yaml")


@pytest.mark.parametrize("command", ["new", "import", "export"])
def test_refuses_to_overwrite_without_force(
    runner: CliRunner, tmp_path: Path, command: str
) -> None:
    target = target_for(tmp_path, command)
    target.write_text(ORIGINAL, encoding="utf-8")
    result = runner.invoke(app, writers(target)[command])
    assert result.exit_code == 1
    assert f"Error: '{target}' already exists; use --force to replace it" in result.stderr
    assert target.read_text(encoding="utf-8") == ORIGINAL


@pytest.mark.parametrize("command", ["new", "import", "export"])
def test_a_write_that_fails_midway_leaves_the_original(
    runner: CliRunner, tmp_path: Path, command: str, monkeypatch: pytest.MonkeyPatch
) -> None:
    target = target_for(tmp_path, command)
    target.write_text(ORIGINAL, encoding="utf-8")

    def disk_full(fd: int) -> None:  # the data is written, the flush to disk fails
        raise OSError(28, "No space left on device")

    monkeypatch.setattr(os, "fsync", disk_full)
    result = runner.invoke(app, [*writers(target)[command], "--force"])
    assert result.exit_code == 1
    assert f"Error: cannot write '{target}': No space left on device" in result.stderr
    assert target.read_text(encoding="utf-8") == ORIGINAL
    assert [p.name for p in tmp_path.iterdir()] == [target.name]  # no temporary file left


@pytest.mark.parametrize("command", ["new", "import", "export"])
def test_force_replaces_whole(runner: CliRunner, tmp_path: Path, command: str) -> None:
    target = target_for(tmp_path, command)
    target.write_text(ORIGINAL, encoding="utf-8")
    result = runner.invoke(app, [*writers(target)[command], "--force"])
    assert result.exit_code == 0, result.stderr
    assert target.read_text(encoding="utf-8") != ORIGINAL
    assert [p.name for p in tmp_path.iterdir()] == [target.name]
