"""The README stays true: its commands are the ones CI runs, its output is real."""

from __future__ import annotations

import re
from pathlib import Path

import pytest
from typer.testing import CliRunner

from trialcli.cli import app

ROOT = Path(__file__).resolve().parent.parent
README = (ROOT / "README.md").read_text(encoding="utf-8")


def shell_blocks() -> list[str]:
    return re.findall(r"```sh\n(.*?)```", README, flags=re.S)


def test_quickstart_is_exactly_two_commands() -> None:
    quickstart = README.split("## Quickstart", 1)[1].split("\n## ", 1)[0]
    commands = [
        line
        for block in re.findall(r"```sh\n(.*?)```", quickstart, flags=re.S)
        for line in block.splitlines()
        if line.strip()
    ]
    assert len(commands) == 2
    assert commands[0].endswith("trialcli show care-ms-ii")
    assert commands[1].endswith("python -m pytest")


def test_ci_runs_the_readme_test_command_verbatim() -> None:
    quickstart = README.split("## Quickstart", 1)[1].split("\n## ", 1)[0]
    test_command = re.findall(r"```sh\n(.*?)```", quickstart, flags=re.S)[1].strip()
    ci = (ROOT / ".ci" / "run").read_text(encoding="utf-8").splitlines()
    assert test_command in ci


@pytest.mark.parametrize(
    "command", ["list", "show", "validate", "ae", "diff", "compare", "schema", "new", "import"]
)
def test_every_command_is_documented(command: str) -> None:
    assert f"`trialcli {command}" in README


def test_list_output_in_readme_is_real(runner: CliRunner) -> None:
    block = README.split("<!-- list-output", 1)[1].split("```\n", 1)[1].split("```", 1)[0]
    actual = runner.invoke(app, ["list"]).stdout
    assert block.rstrip() == "\n".join(line.rstrip() for line in actual.splitlines())


def test_show_excerpt_in_readme_is_real(runner: CliRunner) -> None:
    section = README.split("### `trialcli show care-ms-ii`", 1)[1]
    block = section.split("```\n", 1)[1].split("```", 1)[0]
    actual = {
        line.rstrip() for line in runner.invoke(app, ["show", "care-ms-ii"]).stdout.splitlines()
    }
    shown = [line.rstrip() for line in block.splitlines() if line.strip() not in {"", "…"}]
    missing = [line for line in shown if line not in actual]
    assert not missing


def test_validate_warnings_in_readme_are_real(
    runner: CliRunner, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.chdir(ROOT / "tests" / "fixtures")
    section = README.split("$ trialcli validate --strict inconsistent.yaml\n", 1)[1]
    block = section.split("```", 1)[0]
    result = runner.invoke(app, ["validate", "--strict", "inconsistent.yaml"])
    assert result.exit_code == 1
    assert block.rstrip() == result.stdout.rstrip()


def test_bundled_validate_summary_in_readme_is_real(runner: CliRunner) -> None:
    summary = runner.invoke(app, ["validate", "--strict"]).stdout.splitlines()[-1]
    assert f"(`{summary}`)" in " ".join(README.split())


def test_format_example_in_readme_validates(tmp_path: Path, runner: CliRunner) -> None:
    example = README.split("```yaml\n", 1)[1].split("```", 1)[0]
    path = tmp_path / "care-ms-ii.yaml"
    path.write_text(example, encoding="utf-8")
    result = runner.invoke(app, ["validate", str(path)])
    assert result.exit_code == 0, result.stdout


@pytest.mark.parametrize("marker", ["<!-- ae-output", "<!-- ae-pivot-output"])
def test_ae_excerpts_in_readme_are_real(runner: CliRunner, marker: str) -> None:
    block = README.split(marker, 1)[1].split("```\n", 1)[1].split("```", 1)[0]
    command, *shown = block.splitlines()
    args = command.removeprefix("$ trialcli ").split()
    actual = {line.rstrip() for line in runner.invoke(app, args).stdout.splitlines()}
    missing = [line for line in shown if line.strip() not in {"", "…"} and line not in actual]
    assert not missing


@pytest.mark.parametrize(
    ("marker", "args"),
    [
        ("diff-output", ["diff", "care-ms-i", "care-ms-ii", "--changed-only"]),
        (
            "compare-output",
            ["compare", "--drug", "alemtuzumab", "--endpoint", "annualized-relapse-rate"],
        ),
    ],
)
def test_diff_and_compare_excerpts_in_readme_are_real(
    runner: CliRunner, marker: str, args: list[str]
) -> None:
    block = README.split(f"<!-- {marker}", 1)[1].split("```\n", 1)[1].split("```", 1)[0]
    command, *shown = block.splitlines()
    assert command == "$ trialcli " + " ".join(args)
    actual = [line.rstrip() for line in runner.invoke(app, args).stdout.splitlines()]
    excerpt = [line.rstrip() for line in shown if line.strip() != "…"]
    assert excerpt, "the README block is empty"
    missing = [line for line in excerpt if line not in actual]
    assert not missing
    # shown in the order the command prints them
    positions = [actual.index(line) for line in excerpt if excerpt.count(line) == 1]
    assert positions == sorted(positions)


def test_import_excerpt_in_readme_is_real(
    runner: CliRunner, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    section = README.split("### `trialcli import`", 1)[1].split("\n### ", 1)[0]
    transcript, excerpt = (b for b in re.findall(r"```\n(.*?)```", section, flags=re.S)[:2])
    monkeypatch.chdir(tmp_path)
    record = ROOT / "tests" / "fixtures" / "ctgov" / "NCT02422186.json"
    result = runner.invoke(app, ["import", str(record), "-o", "nct02422186.yaml"])
    assert result.exit_code == 0, result.stderr
    lines = transcript.splitlines()
    assert lines[1] == result.stderr.rstrip("\n")
    head = (tmp_path / "nct02422186.yaml").read_text(encoding="utf-8").splitlines()[:5]
    assert lines[3:] == head
    shown = {
        line.rstrip()
        for line in runner.invoke(app, ["show", "nct02422186.yaml"]).stdout.splitlines()
    }
    missing = [line.rstrip() for line in excerpt.splitlines() if line.rstrip() not in shown]
    assert not missing


def test_new_transcript_in_readme_is_real(
    runner: CliRunner, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    section = README.split("### `trialcli new`", 1)[1].split("\n### ", 1)[0]
    transcript = re.findall(r"```\n(.*?)```", section, flags=re.S)[0].splitlines()
    monkeypatch.chdir(tmp_path)
    created = runner.invoke(app, ["new", "my-trial"])
    assert transcript[1] == created.stderr.rstrip("\n")
    checked = runner.invoke(app, ["validate", "my-trial.yaml"]).stdout.splitlines()
    assert transcript[3:5] == checked[:2]
    assert transcript[-1] == checked[-1]
