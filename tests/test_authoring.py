"""Writing study files: the JSON Schema, the `new` skeleton, and safe writes."""

from __future__ import annotations

import json
import os
import re
from collections.abc import Callable
from pathlib import Path

import jsonschema
import pytest
from typer.testing import CliRunner

from trialcli.catalog import bundled_dir
from trialcli.cli import app
from trialcli.errors import TrialcliError
from trialcli.files import write_atomically
from trialcli.loader import parse_yaml

Write = Callable[..., Path]
FIXTURES = Path(__file__).parent / "fixtures"

# What a user would write in place of each placeholder of `trialcli new`.
FILLED = {
    "<ACRONYM>": "MY-TRIAL",
    "<full title, as registered>": "A randomized trial of drug A against placebo",
    "<NCT00000000>": "NCT01234567",
    "<sponsor>": "Example Pharma",
    "<3>": "3",
    "<completed>": "completed",
    "<YYYY-MM>": '"2015-03"',
    "<condition, e.g. relapsing-remitting multiple sclerosis>": "multiple sclerosis",
    "<who was enrolled, e.g. relapsed on prior therapy>": "adults with active disease",
    "<number randomized>": "300",
    "<randomized>": "randomized",
    "<double-blind>": "double-blind",
    "<placebo>": "placebo",
    "<treated>": "drug-a",
    "<Drug A 10 mg>": "Drug A 10 mg",
    "<drug a>": "drug a",
    "<10 mg>": "10 mg",
    "<oral>": "oral",
    "<control>": "pbo",
    "<Placebo>": "Placebo",
    "<primary>": "arr",
    "<Annualized relapse rate>": "Annualized relapse rate",
    "<rate>": "rate",
    "<2 years>": "2 years",
    "<treated value>": "0.20",
    "<lower>": "0.15",
    "<upper>": "0.27",
    "<people with the event>": "40",
    "<people counted>": "100",
    "<rate-ratio>": "rate-ratio",
    "<estimate>": "0.50",
    "<estimate lower>": "0.36",
    "<estimate upper>": "0.69",
    "<p-value>": '"<0.001"',
    "<true or false, as the source states it>": "true",
    "<Headache>": "Headache",
    "<Nervous system disorders>": "Nervous system disorders",
    "<false>": "false",
    "<affected>": "50",
    "<at risk>": "200",
    "<control affected>": "10",
    "<control at risk>": "100",
    "<Author Year, Journal, table or page>": "Doe 2020, Example Journal, Table 2",
    "<YYYY-MM-DD>": '"2020-01-02"',
    "<https://...>": "https://example.org/doe-2020",
    "<journal-article>": "journal-article",
}


def skeleton_text(runner: CliRunner, study_id: str = "my-trial") -> str:
    result = runner.invoke(app, ["new", study_id, "-o", "-"])
    assert result.exit_code == 0, result.stderr
    return result.stdout


def fill(text: str) -> str:
    return re.sub(r"<[^<>\n]+>", lambda m: FILLED[m.group(0)], text)


# --- schema ----------------------------------------------------------------------------


def schema(runner: CliRunner) -> dict[str, object]:
    result = runner.invoke(app, ["schema"])
    assert result.exit_code == 0, result.stderr
    loaded: dict[str, object] = json.loads(result.stdout)
    return loaded


def test_schema_is_a_valid_2020_12_schema_naming_itself(runner: CliRunner) -> None:
    exported = schema(runner)
    jsonschema.Draft202012Validator.check_schema(exported)
    assert exported["$schema"] == "https://json-schema.org/draft/2020-12/schema"
    assert exported["$id"] == "urn:trialcli:study"
    assert exported["title"] == "trialcli study file"
    assert set(exported["required"]) == {  # type: ignore[call-overload]
        "id",
        "acronym",
        "title",
        "population",
        "arms",
        "sources",
    }


@pytest.mark.parametrize(
    "path",
    [*sorted(bundled_dir().glob("*.yaml")), FIXTURES / "minimal.yaml"],
    ids=lambda p: p.name,
)
def test_schema_accepts_every_bundled_study(runner: CliRunner, path: Path) -> None:
    validator = jsonschema.Draft202012Validator(schema(runner))
    data = parse_yaml(path.read_text(encoding="utf-8"), str(path))
    errors = [f"{list(e.absolute_path)}: {e.message}" for e in validator.iter_errors(data)]
    assert errors == []


@pytest.mark.parametrize(
    ("change", "where"),
    [
        (("phase: 3", "phase: 9"), ["phase"]),
        (("kind: rate", "kind: speed"), ["endpoints", 0, "kind"]),
        (("role: experimental", "role: experimental\n    colour: red"), ["arms", 0]),
        (('date: "2020-01-02"', 'date: "2 Jan 2020"'), ["sources", 0, "date"]),
    ],
)
def test_schema_refuses_what_validate_refuses(
    runner: CliRunner, minimal_text: str, change: tuple[str, str], where: list[object]
) -> None:
    validator = jsonschema.Draft202012Validator(schema(runner))
    text = minimal_text.replace(*change)
    errors = list(validator.iter_errors(parse_yaml(text, "x.yaml")))
    assert [list(e.absolute_path) for e in errors] == [where]


# --- new -------------------------------------------------------------------------------


def test_new_skeleton_is_commented_and_refused_until_filled(
    runner: CliRunner, write: Write
) -> None:
    text = skeleton_text(runner)
    assert text.startswith("# A new trialcli study.")
    assert "never write 0 or a guess" in text
    assert "trialcli validate my-trial.yaml" in text
    assert "id: my-trial" in text
    assert not re.search(r":\s+0\b", text), "no zeros stand in for unknowns"

    result = runner.invoke(app, ["validate", str(write(text, name="my-trial.yaml"))])
    assert result.exit_code == 1
    problems = [line for line in result.stdout.splitlines() if ": error " in line]
    placeholders = set(re.findall(r"<[^<>\n]+>", text))
    # Every complaint is about a placeholder, and every placeholder is complained about.
    assert all(" placeholder <" in line for line in problems), problems
    assert {re.search(r"placeholder (<[^>]+>)", line).group(1) for line in problems} == (  # type: ignore[union-attr]
        placeholders
    )
    acronym = next(line for line in problems if "<ACRONYM>" in line)
    assert acronym.split(": error")[0].endswith("my-trial.yaml:12:10")


def test_new_skeleton_validates_once_filled(runner: CliRunner, write: Write) -> None:
    text = skeleton_text(runner)
    assert set(re.findall(r"<[^<>\n]+>", text)) == set(FILLED)
    path = write(fill(text), name="my-trial.yaml")
    result = runner.invoke(app, ["validate", str(path)])
    assert result.exit_code == 0, result.stdout
    shown = runner.invoke(app, ["--data-dir", str(path.parent), "show", "my-trial", "-f", "json"])
    study = json.loads(shown.stdout)["study"]
    assert study["endpoints"][0]["comparisons"][0]["p_value"] == "<0.001"
    treated = study["safety"][0]["arms"]["drug-a"]
    assert (treated["affected"], treated["at_risk"]) == (50, 200)


def test_one_placeholder_left_is_enough_to_fail(runner: CliRunner, write: Write) -> None:
    text = fill(skeleton_text(runner)).replace(
        "title: A randomized trial of drug A against placebo", "title: <full title>"
    )
    result = runner.invoke(app, ["validate", str(write(text))])
    assert result.exit_code == 1
    assert "error title: placeholder <full title> is not filled in" in result.stdout


def test_new_writes_id_yaml_and_refuses_to_overwrite(
    runner: CliRunner, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.chdir(tmp_path)
    result = runner.invoke(app, ["new", "trial-x"])
    assert result.exit_code == 0, result.stderr
    path = tmp_path / "trial-x.yaml"
    assert path.read_text(encoding="utf-8") == skeleton_text(runner, "trial-x")
    assert "Wrote trial-x.yaml" in result.stderr

    path.write_text("my work\n", encoding="utf-8")
    again = runner.invoke(app, ["new", "trial-x"])
    assert again.exit_code == 1
    assert again.stderr == "Error: 'trial-x.yaml' already exists; use --force to replace it\n"
    assert path.read_text(encoding="utf-8") == "my work\n"

    forced = runner.invoke(app, ["new", "trial-x", "--force"])
    assert forced.exit_code == 0
    assert path.read_text(encoding="utf-8").startswith("# A new trialcli study.")
    assert sorted(p.name for p in tmp_path.iterdir()) == ["trial-x.yaml"]  # no temp files


@pytest.mark.parametrize("bad", ["My Trial", "trial_1", "x-", "a--b", "x" * 81])
def test_new_refuses_an_id_that_is_not_a_slug(runner: CliRunner, bad: str) -> None:
    result = runner.invoke(app, ["new", bad, "-o", "-"])
    assert result.exit_code == 1
    assert result.stderr.startswith(f"Error: '{bad}' is not a usable study id")


# --- write_atomically -------------------------------------------------------------------


def test_write_atomically_leaves_the_original_when_writing_fails(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    path = tmp_path / "study.yaml"
    path.write_text("original\n", encoding="utf-8")

    def broken_replace(src: str, dst: str) -> None:
        raise OSError(28, "No space left on device")

    monkeypatch.setattr(os, "replace", broken_replace)
    with pytest.raises(TrialcliError, match="No space left on device"):
        write_atomically(path, "new\n", force=True)
    assert path.read_text(encoding="utf-8") == "original\n"
    assert [p.name for p in tmp_path.iterdir()] == ["study.yaml"]


def test_write_atomically_gives_new_files_ordinary_permissions(tmp_path: Path) -> None:
    umask = os.umask(0o022)
    try:
        write_atomically(tmp_path / "a.yaml", "x\n")
    finally:
        os.umask(umask)
    assert (tmp_path / "a.yaml").stat().st_mode & 0o777 == 0o644


def test_write_atomically_explains_a_missing_folder(tmp_path: Path) -> None:
    with pytest.raises(TrialcliError, match=r"the folder '.*nowhere' does not exist"):
        write_atomically(tmp_path / "nowhere" / "a.yaml", "x\n")
