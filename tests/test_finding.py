"""Finding a study as people name it: id, acronym, registry id, path or standard input."""

from __future__ import annotations

import io
import subprocess
import sys
from pathlib import Path

import pytest
from typer.testing import CliRunner

from trialcli import __version__
from trialcli.arguments import globals_first
from trialcli.catalog import Catalog
from trialcli.cli import app
from trialcli.errors import TrialcliError

ROOT = Path(__file__).resolve().parent.parent


@pytest.mark.parametrize(
    "name",
    [
        "care-ms-ii",
        "CARE-MS II",
        "care ms ii",
        "NCT00548405",
        "nct00548405",
        "data/care-ms-ii.yaml",
    ],
)
def test_a_study_is_found_by_id_acronym_registry_id_or_path(
    name: str, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.chdir(ROOT)
    study = Catalog.discover().load(name)
    assert (study.id, study.acronym, study.registry.nct) == (
        "care-ms-ii",
        "CARE-MS II",
        "NCT00548405",
    )


@pytest.mark.parametrize(
    "command",
    [["show"], ["ae"], ["diff", "care-ms-i"], ["compare", "-e", "annualized-relapse-rate"]],
)
def test_every_command_taking_a_study_takes_its_acronym(
    runner: CliRunner, command: list[str]
) -> None:
    result = runner.invoke(app, [*command, "CAMMS223", "-f", "json"])
    assert result.exit_code == 0, result.output
    assert "camms223" in result.stdout


def test_an_unknown_name_still_suggests_the_nearest_id() -> None:
    with pytest.raises(TrialcliError, match=r"no study 'care-ms-3'\. Did you mean 'care-ms-ii'"):
        Catalog.discover().resolve("care-ms-3")


def test_a_name_two_studies_share_is_refused(tmp_path: Path, minimal_text: str) -> None:
    for study_id in ("care-ms-ii-b", "care-ms-iib"):
        text = minimal_text.replace("id: example", f"id: {study_id}")
        (tmp_path / f"{study_id}.yaml").write_text(text, encoding="utf-8")
    with pytest.raises(TrialcliError, match="could be any of care-ms-ii-b, care-ms-iib"):
        Catalog.discover([tmp_path]).resolve("CARE MS IIB")


@pytest.mark.parametrize("command", ["show", "ae", "diff"])
def test_a_registry_record_says_to_import_it(runner: CliRunner, command: str) -> None:
    record = str(ROOT / "tests" / "fixtures" / "ctgov" / "NCT02422186.json")
    args = [command, record] + (["care-ms-i"] if command == "diff" else [])
    result = runner.invoke(app, args)
    assert result.exit_code == 1
    assert "is JSON, not a study file" in result.stderr
    assert f"trialcli import {record} -o nct02422186.yaml" in result.stderr


@pytest.mark.parametrize(
    "command", [["show"], ["ae"], ["compare", "-e", "annualized-relapse-rate"]]
)
def test_a_dash_reads_the_study_from_standard_input(runner: CliRunner, command: list[str]) -> None:
    text = (ROOT / "data" / "care-ms-i.yaml").read_text(encoding="utf-8")
    result = runner.invoke(app, [*command, "-", "-f", "json"], input=text)
    assert result.exit_code == 0, result.output
    assert '"care-ms-i"' in result.stdout


def test_diff_compares_standard_input_with_a_catalog_study(runner: CliRunner) -> None:
    text = (ROOT / "data" / "care-ms-ii.yaml").read_text(encoding="utf-8")
    result = runner.invoke(app, ["diff", "care-ms-ii", "-", "--exit-code"], input=text)
    assert result.exit_code == 0, result.output


def test_validate_reads_standard_input_and_names_it(runner: CliRunner) -> None:
    text = (ROOT / "data" / "care-ms-ii.yaml").read_text(encoding="utf-8")
    broken = text.replace("randomized:\n", "randomized: lots\n", 1)
    result = runner.invoke(app, ["validate", "-"], input=broken)
    assert result.exit_code == 1
    assert result.stdout.startswith("<stdin>:")


def test_nothing_piped_in_is_an_error_not_an_empty_study(runner: CliRunner) -> None:
    result = runner.invoke(app, ["show", "-"], input="")
    assert result.exit_code == 1
    assert result.stderr == "Error: <stdin>: nothing was piped in; expected a study file\n"


def test_global_options_are_accepted_after_the_command(
    runner: CliRunner, tmp_path: Path, minimal_text: str
) -> None:
    (tmp_path / "example.yaml").write_text(minimal_text, encoding="utf-8")
    for args in (
        ["show", "example", "--data-dir", str(tmp_path), "--no-cache"],
        ["show", "example", "-d", str(tmp_path)],
        ["show", f"--data-dir={tmp_path}", "example"],
        ["--no-cache", "show", "example", "-d", str(tmp_path)],
    ):
        result = runner.invoke(app, [*args, "-f", "json"])
        assert result.exit_code == 0, (args, result.output)
        assert '"id": "example"' in result.stdout


@pytest.mark.parametrize(
    "command",
    [
        "list",
        "validate",
        "ae camms223",
        "diff camms223 camms223",
        "compare camms223 -e relapse-free",
        "schema",
    ],
)
def test_every_command_takes_the_global_options_after_it(
    runner: CliRunner, tmp_path: Path, command: str
) -> None:
    missing = str(tmp_path / "missing")
    result = runner.invoke(app, [*command.split(), "--no-cache", "--data-dir", missing])
    # Only a global option reports this folder; a command option would be "No such option".
    assert result.exit_code == (0 if command == "schema" else 1), result.output
    if command != "schema":
        assert result.stderr == f"Error: --data-dir '{missing}' is not a folder\n"


def test_globals_first_moves_only_global_options() -> None:
    assert globals_first(["show", "x", "--data-dir", "d", "--no-cache", "-f", "json"]) == [
        "--data-dir",
        "d",
        "--no-cache",
        "show",
        "x",
        "-f",
        "json",
    ]
    assert globals_first(["-d", "a", "ae", "x", "-d", "b"]) == ["-d", "a", "-d", "b", "ae", "x"]
    # After `--` everything is an argument.
    assert globals_first(["show", "--", "--no-cache"]) == ["show", "--", "--no-cache"]


def test_a_dash_on_a_terminal_says_to_pipe_a_file(monkeypatch: pytest.MonkeyPatch) -> None:
    class Terminal(io.StringIO):
        def isatty(self) -> bool:
            return True

    monkeypatch.setattr(sys, "stdin", Terminal())
    with pytest.raises(TrialcliError, match="'-' reads a study file from standard input"):
        Catalog.discover().load("-")


def test_version_is_answered_before_the_commands_are_built(runner: CliRunner) -> None:
    script = "from trialcli.cli import app; import typer.main as m; "
    script += "m.get_command = None; app()"  # building the commands would fail
    result = subprocess.run(
        [sys.executable, "-c", script, "--version"], capture_output=True, text=True, check=False
    )
    assert result.returncode == 0, result.stderr
    assert result.stdout == runner.invoke(app, ["--version"]).stdout == f"trialcli {__version__}\n"
