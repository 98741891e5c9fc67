"""The format's promises the validator enforces (issue 17): every figure names a source,
every number is finite, a reason says why, and one failure kind has one exit code."""

from __future__ import annotations

import os
import sys
from collections.abc import Callable
from pathlib import Path

import pytest
from typer.testing import CliRunner

from trialcli.cli import app
from trialcli.crosscheck import NO_SOURCE
from trialcli.errors import Problem
from trialcli.loader import check_study
from trialcli.model import Study
from trialcli.ops.safety import Filters, safety_table
from trialcli.skeleton import skeleton
from trialcli.writer import study_yaml

Write = Callable[..., Path]


def _errors(path: Path) -> list[Problem]:
    _, problems = check_study(path)
    return [p for p in problems if p.severity == "error"]


# --- rule 1: every figure names its source ---------------------------------------------


def test_a_figure_without_any_source_is_an_error_at_its_line(
    write: Write, minimal_text: str
) -> None:
    path = write(minimal_text.replace("default_source: s1\n", ""))
    errors = _errors(path)
    lines = path.read_text("utf-8").splitlines()
    by_field = {p.field: p for p in errors}
    # The randomized count, each arm result, the comparison and each safety arm.
    assert set(by_field) == {
        "population.randomized",
        "arms[0].randomized",
        "arms[1].randomized",
        "endpoints[0].results.drug",
        "endpoints[0].results.control",
        "endpoints[0].comparisons[0]",
        "safety[0].arms.drug",
        "safety[0].arms.control",
    }
    for problem in errors:
        assert problem.message == (
            "this figure names no source; add `source:` (an id from `sources:`) or "
            "`default_source:`"
        )
        assert problem.line is not None
    assert lines[by_field["population.randomized"].line - 1].strip() == "randomized: 300"
    assert "drug: {value: 0.2" in lines[by_field["endpoints[0].results.drug"].line - 1]


def test_an_inherited_source_resolves_a_figure(write: Write, minimal_text: str) -> None:
    text = minimal_text.replace("default_source: s1\n", "").replace(
        "  randomized: 300\n", "  randomized: 300\n  source: s1\n"
    )
    # The endpoint and the safety finding name s1; their arms' figures inherit it.
    text = text.replace("    level: primary\n", "    level: primary\n    source: s1\n")
    text = text.replace("    soc: Nervous", "    source: s1\n    soc: Nervous")
    text = text.replace("    randomized: 200\n", "    randomized: {value: 200, source: s1}\n")
    text = text.replace("    randomized: 100\n", "    randomized: {value: 100, source: s1}\n")
    assert _errors(write(text)) == []


def test_validate_strict_fails_and_show_refuses_a_file_without_sources(
    runner: CliRunner, write: Write, minimal_text: str
) -> None:
    path = write(minimal_text.replace("default_source: s1\n", ""))
    result = runner.invoke(app, ["validate", "--strict", str(path)])
    assert result.exit_code == 1
    assert "names no source" in result.stdout
    shown = runner.invoke(app, ["show", str(path)])
    assert shown.exit_code == 1
    assert shown.stderr.startswith(f"Error: {path} has 8 problems:")


def test_a_filled_skeleton_validates_because_its_default_source_covers_every_figure(
    tmp_path: Path,
) -> None:
    from test_authoring import fill

    path = tmp_path / "my-trial.yaml"
    path.write_text(fill(skeleton("my-trial")), "utf-8")
    assert _errors(path) == []
    # The same file without its default source: every figure is an error of its own.
    path.write_text(fill(skeleton("my-trial")).replace("default_source: s1", ""), "utf-8")
    errors = _errors(path)
    assert sorted(p.field or "" for p in errors) == [
        "endpoints[0].comparisons[0]",
        "endpoints[0].results.drug-a",
        "endpoints[0].results.pbo",
        "population.randomized",
        "safety[0].arms.drug-a",
        "safety[0].arms.pbo",
    ]
    assert {p.message for p in errors} == {NO_SOURCE}


def test_an_imported_record_reads_back_with_its_default_source(tmp_path: Path) -> None:
    from trialcli.importers import ctgov

    record = ctgov.read_record(Path(__file__).parent / "fixtures" / "ctgov" / _a_record())
    study = ctgov.record_to_study(record, "2026-01-01", "file")
    assert study.default_source is not None
    path = tmp_path / f"{study.id}.yaml"
    path.write_text(study_yaml(study, []), "utf-8")
    assert _errors(path) == []


def _a_record() -> str:
    return sorted(p.name for p in (Path(__file__).parent / "fixtures" / "ctgov").glob("*.json"))[0]


# --- rule 2: numbers are finite ---------------------------------------------------------


@pytest.mark.parametrize(
    ("old", "new", "field"),
    [
        ("drug: {value: 0.2,", "drug: {value: .inf,", "endpoints[0].results.drug.value"),
        ("drug: {value: 0.2,", "drug: {value: -.inf,", "endpoints[0].results.drug.value"),
        ("estimate: 0.5", "estimate: .nan", "endpoints[0].comparisons[0].estimate"),
        ("ci: [0.36, 0.69]", "ci: [0.36, .inf]", "endpoints[0].comparisons[0].ci[1]"),
    ],
)
def test_infinite_and_nan_values_are_refused_with_field_and_line(
    write: Write, minimal_text: str, old: str, new: str, field: str
) -> None:
    path = write(minimal_text.replace(old, new, 1))
    errors = _errors(path)
    assert [p.field for p in errors] == [field]
    (problem,) = errors
    assert problem.message.startswith("must be a finite number")
    line = path.read_text("utf-8").splitlines()[problem.line - 1]  # type: ignore[operator]
    assert new.split()[-1].strip("]") in line


def test_show_never_prints_inf_or_nan(runner: CliRunner, write: Write, minimal_text: str) -> None:
    path = write(minimal_text.replace("estimate: 0.5", "estimate: .nan"))
    result = runner.invoke(app, ["show", str(path)])
    assert result.exit_code == 1
    assert "must be a finite number" in result.stderr
    assert "lies outside" not in result.stderr


# --- rule 3: reasons are right ----------------------------------------------------------


def test_zero_at_risk_says_no_one_was_at_risk(write: Write, minimal_text: str) -> None:
    text = minimal_text.replace(
        "drug: {affected: 50, at_risk: 200}", "drug: {affected: 0, at_risk: 0}"
    )
    study = Study.model_validate(_load(write(text)))
    (row,) = safety_table(study, Filters()).rows
    assert row.difference.kind == "none"
    assert row.difference.reason == "no one was at risk on Drug A"


def test_unreported_counts_keep_their_reason(write: Write, minimal_text: str) -> None:
    text = minimal_text.replace("drug: {affected: 50, at_risk: 200}", "drug: {deaths: 1}")
    study = Study.model_validate(_load(write(text)))
    (row,) = safety_table(study, Filters()).rows
    assert row.difference.reason == "counts or percentages not reported"


def _load(path: Path) -> object:
    from trialcli.loader import parse_yaml

    return parse_yaml(path.read_text("utf-8"), str(path))


# --- rule 4: one exit code per failure kind ---------------------------------------------


def _commands(path: Path) -> list[list[str]]:
    return [
        ["validate", str(path)],
        ["show", str(path)],
        ["ae", str(path)],
        ["diff", str(path), str(path)],
    ]


def test_an_unreadable_file_is_the_same_error_everywhere(
    runner: CliRunner, write: Write, minimal_text: str, monkeypatch: pytest.MonkeyPatch
) -> None:
    path = write(minimal_text)

    def refuse(self: Path, *args: object, **kwargs: object) -> None:
        raise PermissionError(13, "Permission denied")

    # As an unprivileged user sees it; tests may run as root, where chmod 000 reads anyway.
    real_access = os.access
    monkeypatch.setattr(
        os, "access", lambda p, mode, **kw: False if str(p) == str(path) else real_access(p, mode)
    )
    monkeypatch.setattr(Path, "open", refuse)
    real_open = os.open

    def refuse_os(target: object, *args: object, **kwargs: object) -> int:
        if str(target) == str(path):
            raise PermissionError(13, "Permission denied")
        return real_open(target, *args, **kwargs)  # type: ignore[arg-type]

    monkeypatch.setattr(os, "open", refuse_os)  # files are opened without blocking
    for command in _commands(path):
        result = runner.invoke(app, command)
        assert (result.exit_code, result.stderr) == (1, f"Error: {path}: permission denied\n"), (
            command
        )
        assert "Usage:" not in result.output


def test_a_missing_file_is_the_same_error_everywhere(runner: CliRunner, tmp_path: Path) -> None:
    path = tmp_path / "missing.yaml"
    for command in _commands(path):
        result = runner.invoke(app, command)
        assert (result.exit_code, result.stderr) == (1, f"Error: {path}: no such file\n"), command


@pytest.mark.skipif(not sys.platform.startswith("linux"), reason="needs /proc")
def test_a_file_that_fails_to_read_is_the_same_error_everywhere(runner: CliRunner) -> None:
    path = Path("/proc/self/mem")  # opens, then every read fails with EIO
    for command in _commands(path):
        result = runner.invoke(app, command)
        assert result.exit_code == 1, command
        assert result.stderr == f"Error: {path}: Input/output error\n", command


def test_readme_names_exit_code_1_for_a_file_that_cannot_be_read() -> None:
    commands = (Path(__file__).parent.parent / "docs" / "commands.md").read_text("utf-8")
    section = commands.split("## Exit codes", 1)[1].split("\n#", 1)[0]
    assert "| 1 | a problem with the data or the request" in section
    assert "a file that cannot be read" in section.split("| 2 |")[0]
