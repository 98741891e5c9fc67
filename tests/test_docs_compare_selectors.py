"""docs/compare-selectors.md stays true: its outputs are real, its code list is the code's."""

from __future__ import annotations

import re
import shlex
from pathlib import Path

import pytest
from typer.testing import CliRunner

from trialcli.cli import app
from trialcli.endpoint_codes import CODES

ROOT = Path(__file__).parent.parent
DOC = (ROOT / "docs" / "compare-selectors.md").read_text(encoding="utf-8")
FIXTURES = Path(__file__).parent / "fixtures"


@pytest.fixture(scope="module")
def studies(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """The doc's `studies` folder, filled as its readers fill it: with `trialcli import`."""
    folder = tmp_path_factory.mktemp("studies")
    runner = CliRunner()
    for record in ("ctgov/NCT02422186", "ctgov-wide/NCT01206062", "ctgov/NCT00806624"):
        target = folder / f"{Path(record).name.lower()}.yaml"
        result = runner.invoke(app, ["import", str(FIXTURES / f"{record}.json"), "-o", str(target)])
        assert result.exit_code == 0, result.stderr
    return folder


def block(marker: str) -> tuple[list[str], list[str]]:
    """The command of a marked block, as arguments, and the lines shown below it."""
    text = DOC.split(f"<!-- {marker}", 1)[1].split("```\n", 1)[1].split("```", 1)[0]
    command, *shown = text.splitlines()
    assert command.startswith("$ trialcli -d studies ")
    return shlex.split(command.removeprefix("$ trialcli -d studies ")), shown


def output(studies: Path, args: list[str]) -> tuple[int, list[str]]:
    result = CliRunner().invoke(app, ["--data-dir", str(studies), *args])
    return result.exit_code, [
        line.rstrip() for line in (result.stdout + result.stderr).splitlines()
    ]


def test_whole_output_is_exact(studies: Path) -> None:
    args, shown = block("selectors-output")
    code, actual = output(studies, args)
    assert code == 0
    assert actual == shown


@pytest.mark.parametrize("marker", ["mixed-output", "doses-output"])
def test_excerpts_are_real_and_in_order(studies: Path, marker: str) -> None:
    args, shown = block(marker)
    code, actual = output(studies, args)
    assert code == 0
    excerpt = [line for line in shown if line != "…"]
    assert excerpt == actual[: len(excerpt)]


def test_the_error_is_real(studies: Path) -> None:
    args, shown = block("missing-output")
    code, actual = output(studies, args)
    assert code == 1
    assert actual == shown


def test_the_code_list_is_the_modules() -> None:
    table = DOC.split("## Standard endpoint codes", 1)[1]
    rows = re.findall(r"^\| `([a-z0-9-]+)` \| (.+) \|$", table, flags=re.M)
    assert rows == [(c.code, c.meaning) for c in CODES]


def test_the_cli_help_points_here() -> None:
    result = CliRunner().invoke(app, ["compare", "--help"])
    assert "STUDY:ENDPOINT_ID" in result.stdout
    assert "docs/compare-selectors.md" in " ".join(result.stdout.split())
