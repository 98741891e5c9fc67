"""A proportion of people cannot exceed 100%: `validate` says so, with the line."""

from __future__ import annotations

from collections.abc import Callable
from pathlib import Path

from typer.testing import CliRunner

from trialcli.cli import app
from trialcli.errors import ExitCode

Write = Callable[..., Path]

PROPORTION = """\
  - id: relapse-free
    name: Relapse-free patients
    level: secondary
    kind: proportion
    results:
      drug: {{value: {drug}, unit: "%"}}
      control: {{value: 60, unit: "%", ci: [50, {upper}]}}
"""


def _file(write: Write, minimal_text: str, drug: float, upper: float) -> Path:
    block = PROPORTION.format(drug=drug, upper=upper)
    return write(minimal_text.replace("endpoints:\n", "endpoints:\n" + block, 1), "pct.yaml")


def test_a_proportion_over_100_percent_is_an_error(
    runner: CliRunner, write: Write, minimal_text: str
) -> None:
    path = _file(write, minimal_text, 126, 70)
    result = runner.invoke(app, ["validate", str(path)])
    assert result.exit_code == ExitCode.ERROR, result.output
    assert "126% of people is more than 100% (a proportion endpoint)" in result.output
    assert "pct.yaml:" in result.output  # located at its line


def test_an_upper_limit_over_100_percent_is_an_error_too(
    runner: CliRunner, write: Write, minimal_text: str
) -> None:
    result = runner.invoke(app, ["validate", str(_file(write, minimal_text, 40, 104))])
    assert result.exit_code == ExitCode.ERROR
    assert "104% of people is more than 100%" in result.output


def test_100_percent_and_a_percent_change_over_100_pass(
    runner: CliRunner, write: Write, minimal_text: str
) -> None:
    assert runner.invoke(app, ["validate", str(_file(write, minimal_text, 100, 70))]).exit_code == 0
    change = minimal_text.replace(
        "endpoints:\n",
        "endpoints:\n" + PROPORTION.format(drug=126, upper=70).replace("proportion", "continuous"),
        1,
    )
    assert runner.invoke(app, ["validate", str(write(change, "change.yaml"))]).exit_code == 0
