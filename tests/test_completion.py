"""Shell completion, asked for as bash, zsh and fish ask for it (`_TRIALCLI_COMPLETE`)."""

from __future__ import annotations

import re
from pathlib import Path

import pytest
import typer
import typer.main
from app_commands import visible_commands
from typer.testing import CliRunner

from trialcli.cli import app
from trialcli.completion import study_ids


def complete_bash(runner: CliRunner, line: str) -> list[str]:
    """What bash offers for the last word of `line` (a trailing space: a new word)."""
    words = line.split()
    cword = len(words) if line.endswith(" ") else len(words) - 1
    env = {"_TRIALCLI_COMPLETE": "complete_bash", "COMP_WORDS": line, "COMP_CWORD": str(cword)}
    result = runner.invoke(app, [], env=env, prog_name="trialcli")
    assert result.exit_code == 0, result.output
    return result.stdout.split()


def test_commands_are_completed(runner: CliRunner) -> None:
    # Every command the app lists, read from the app (tests/app_commands.py): a new one is
    # offered, or this fails; the hidden alias is not offered.
    offered = complete_bash(runner, "trialcli ")
    assert offered == visible_commands()
    assert {"list", "show", "sof", "flow", "export", "network", "review"} <= set(offered)
    assert "adverse-events" not in offered


def test_options_are_completed(runner: CliRunner) -> None:
    assert complete_bash(runner, "trialcli ae care-ms-ii --s") == ["--serious", "--soc", "--sort"]


def test_study_ids_are_completed(runner: CliRunner) -> None:
    assert complete_bash(runner, "trialcli show care") == ["care-ms-i", "care-ms-ii"]
    assert complete_bash(runner, "trialcli diff care-ms-i c") == [
        "camms223",
        "care-ms-i",
        "care-ms-ii",
    ]


def test_arm_ids_come_from_the_study_named(runner: CliRunner) -> None:
    assert complete_bash(runner, "trialcli ae care-ms-ii --arm ") == [
        "alem-any",
        "alem-pooled",
        "alem12",
        "alem24",
        "ifn",
    ]
    assert complete_bash(runner, "trialcli ae care-ms-i --arm ") == ["alem12", "ifn"]


def test_an_unknown_study_offers_no_arms_and_no_error(runner: CliRunner) -> None:
    assert complete_bash(runner, "trialcli ae no-such-study --arm ") == []


def test_endpoint_codes_come_from_the_studies_named(runner: CliRunner) -> None:
    assert complete_bash(runner, "trialcli compare camms223 -e r") == ["relapse-free"]
    everywhere = complete_bash(runner, "trialcli compare -e ")
    assert {"annualized-relapse-rate", "sustained-disability-worsening"} <= set(everywhere)


def test_sort_values_are_completed(runner: CliRunner) -> None:
    assert complete_bash(runner, "trialcli ae care-ms-ii --sort ") == [
        "soc",
        "incidence",
        "difference",
        "term",
    ]


def test_zsh_and_fish_get_the_same_values(runner: CliRunner) -> None:
    line = "trialcli ae care-ms-i --arm "
    outputs = {}
    for shell in ("zsh", "fish"):
        env = {
            "_TRIALCLI_COMPLETE": f"complete_{shell}",
            "_TYPER_COMPLETE_ARGS": line,
            "_TYPER_COMPLETE_FISH_ACTION": "get-args",
        }
        result = runner.invoke(app, [], env=env, prog_name="trialcli")
        assert result.exit_code == 0, result.output
        outputs[shell] = result.stdout
    assert re.findall(r'"([^"]+)"', outputs["zsh"]) == ["alem12", "ifn"]
    assert outputs["fish"].split() == ["alem12", "ifn"]


@pytest.mark.parametrize("shell", ["bash", "zsh", "fish"])
def test_each_shell_has_a_completion_script(runner: CliRunner, shell: str) -> None:
    result = runner.invoke(
        app, [], env={"_TRIALCLI_COMPLETE": f"source_{shell}"}, prog_name="trialcli"
    )
    assert result.exit_code == 0
    assert "_TRIALCLI_COMPLETE" in result.stdout
    assert f"complete_{shell}" in result.stdout


def test_a_study_file_named_like_a_command_is_never_offered_raw(
    runner: CliRunner, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """bash inserts what is offered verbatim: `$(touch PWNED)` would run on Enter."""
    hostile = "$(touch PWNED).yaml"
    (tmp_path / hostile).write_text("id: x\n", encoding="utf-8")
    (tmp_path / "fine.yaml").write_text("id: fine\n", encoding="utf-8")
    offered = complete_bash(runner, f"trialcli -d {tmp_path} show ")
    assert "$(touch" not in " ".join(offered)
    assert "fine" in offered
    monkeypatch.chdir(tmp_path)
    paths = study_ids(typer.Context(typer.main.get_command(app)), "./")
    assert paths == ["'$(touch PWNED).yaml'", "fine.yaml"]
    assert not (tmp_path / "PWNED").exists()
