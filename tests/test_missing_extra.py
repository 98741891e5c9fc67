"""Without the figures extra, `--export x.png` says which extra to install: one line, exit 1."""

from __future__ import annotations

import sys
from pathlib import Path

import pytest
from typer.testing import CliRunner

from trialcli.cli import app

MESSAGE = "Error: --export needs matplotlib: pip install 'trialcli[figures]'\n"


@pytest.mark.parametrize(
    "args",
    [
        ["ae", "care-ms-ii"],
        ["flow", "care-ms-i"],
        ["compare", "care-ms-i", "care-ms-ii", "-e", "annualized-relapse-rate"],
    ],
    ids=lambda args: args[0],
)
def test_export_without_matplotlib_names_the_extra(
    runner: CliRunner, tmp_path: Path, monkeypatch: pytest.MonkeyPatch, args: list[str]
) -> None:
    monkeypatch.setitem(sys.modules, "matplotlib", None)  # `import matplotlib` fails
    target = tmp_path / "x.png"
    result = runner.invoke(app, [*args, "--export", str(target)])
    assert result.exit_code == 1
    assert result.exception is None or isinstance(result.exception, SystemExit)
    assert result.stderr == MESSAGE
    assert not target.exists()
