"""`export` keeps every field a study file states, or names why a field has no column.

The fields the registry importer gained (an arm's statistic and spread, covariates,
strata, an equivalence margin's upper limit, baseline denominators, limitations, the
results references) reach the SQLite and Parquet tables; a field added to the format
later fails the walk below until it is exported or named here with its reason.

Records: NCT01473420 (equivalence margin ±0.5) and NCT03387813 (0.75 to 1.3334) from
tests/fixtures/ctgov-sample-margins.zip, NCT01542502 (interquartile ranges) from
tests/fixtures/ctgov-sample-fields.zip: verbatim members of
/work/shared/ctgov-bulk/ctg-studies-sample.zip. Every figure below was read off them.
"""

from __future__ import annotations

import json
import re
import sqlite3
import zipfile
from pathlib import Path

import pytest
from pydantic import BaseModel
from typer.testing import CliRunner

from trialcli import model
from trialcli.cli import app
from trialcli.export.schema import BY_NAME, TABLES

FIXTURES = Path(__file__).parent / "fixtures"
DOC = Path(__file__).resolve().parent.parent / "docs" / "catalog.md"

# Each model's fields, by the table that holds them. A field is either a column of that
# table (under its own name, or the name given here) or in NOT_EXPORTED with its reason.
COLUMN_OF: dict[str, dict[str, str]] = {
    "Study": {"id": "study_id", "registry": "nct", "limitations": "limitations"},
    "Population": {"description": "population", "condition": "condition"},
    "Design": {"model": "design_model"},
    "Arm": {"id": "group_id", "kind": "crossover_group", "treatment": "network_treatment"},
    "Endpoint": {"id": "endpoint_id"},
    "ArmResult": {"N": "counted", "ci": "ci_lower", "iqr": "iqr_lower", "range": "range_lower"},
    "Comparison": {"arms": "group_id", "ci": "ci_lower"},
    "SafetyFinding": {"arms": "safety_arms"},
    "Reference": {},
}
TABLE_OF = {
    "Study": "studies",
    "Population": "studies",
    "Design": "studies",
    "Arm": "arms",
    "Endpoint": "endpoints",
    "ArmResult": "results",
    "Comparison": "comparisons",
    "SafetyFinding": "safety_findings",
    "Reference": "publications",
}
PROSE = "prose, printed by `show`; a query joins on the study file for it"
NOT_EXPORTED: dict[str, str] = {
    "source": "as source_id, the cited source (its own, else the enclosing record's)",
    "note": PROSE,
    "disagreement": "a recorded disagreement; `validate` reports it in computed_warnings",
    "Study.collaborators": "a list of names; sponsor is the column",
    "Study.dates_source": "as the studies' source of dates; no figure",
    "Study.default_source": "resolved into every source_id column",
    "Study.population": "its fields are columns of studies",
    "Study.design": "its fields are columns of studies",
    "Study.arms": "the arms table",
    "Study.pooled_arms": "the arms table, kind = pooled",
    "Study.endpoints": "the endpoints table",
    "Study.safety": "the safety_findings table",
    "Study.safety_monitoring": PROSE,
    "Study.references": "the publications table",
    "Study.flow": "participant flow: `trialcli flow -f json|csv` (periods, not one row)",
    "Study.notes": PROSE,
    "Study.milestones": "dated events: `show -f json`",
    "Study.sources": "the sources table",
    "Population.treatment_history": PROSE,
    "Population.eligibility": "criteria in words: `show -f json`",
    "Population.analysed_population": PROSE,
    "Population.baseline": "baseline characteristics in words: `show -f json`",
    "Design.allocation_ratio": 'in words ("2:1"); arms\' randomized counts are columns',
    "Design.comparator": "each arm's role is the arms table's role column",
    "Design.amendments": "dated protocol changes in words: `show -f json`",
    "Arm.interventions": "as drugs (each intervention's drug, ; -separated)",
    "Endpoint.definition": PROSE,
    "Endpoint.results": "the results table",
    "Endpoint.comparisons": "the comparisons table",
    "Endpoint.certainty": "a reviewer's judgement: `sof --judgements` prints it",
}


def field_names(cls: type[BaseModel]) -> list[str]:
    return list(cls.model_fields)


@pytest.mark.parametrize("name", sorted(TABLE_OF))
def test_every_field_of_the_format_is_a_column_or_named_here(name: str) -> None:
    columns = set(BY_NAME[TABLE_OF[name]].names)
    cls = getattr(model, name)
    missing = []
    for field in field_names(cls):
        column = COLUMN_OF[name].get(field, field)
        if column in columns or column in BY_NAME:
            continue
        if f"{name}.{field}" in NOT_EXPORTED or field in NOT_EXPORTED:
            continue
        missing.append(field)
    assert missing == [], f"{name}: export these or say why not in NOT_EXPORTED"


def test_the_walk_fails_on_a_field_nobody_exported() -> None:
    class Planted(model.ArmResult):
        tolerance_interval: float | None = None

    columns = set(BY_NAME["results"].names)
    assert "tolerance_interval" in field_names(Planted)
    assert "tolerance_interval" not in columns and "tolerance_interval" not in NOT_EXPORTED


def test_the_document_lists_every_column_of_every_table() -> None:
    text = DOC.read_text(encoding="utf-8")
    for table in TABLES:
        row = re.search(rf"^\| `{table.name}` \| [^|]+ \| ([^|]+) \|", text, re.M)
        assert row is not None, f"docs/catalog.md has no row for {table.name}"
        documented = [re.sub(r" \(.*\)", "", c.strip()) for c in row.group(1).split(",")]
        assert documented == list(table.names), table.name


def member(archive: str, nct: str) -> dict[str, object]:
    with zipfile.ZipFile(FIXTURES / archive) as opened:
        return dict(json.loads(opened.read(f"{nct}.json")))


@pytest.fixture(scope="module")
def database(tmp_path_factory: pytest.TempPathFactory) -> Path:
    folder = tmp_path_factory.mktemp("records")
    for archive, nct in (
        ("ctgov-sample-margins.zip", "NCT01473420"),
        ("ctgov-sample-margins.zip", "NCT03387813"),
        ("ctgov-sample-fields.zip", "NCT01542502"),
    ):
        (folder / f"{nct}.json").write_text(json.dumps(member(archive, nct)), encoding="utf-8")
    catalog = tmp_path_factory.mktemp("catalog")
    runner = CliRunner()
    imported = runner.invoke(app, ["import", str(folder), "--into", str(catalog)])
    assert imported.exit_code == 0, imported.stderr
    target = tmp_path_factory.mktemp("export") / "catalog.db"
    exported = runner.invoke(
        app,
        ["--no-cache", "--data-dir", str(catalog), "export", "--to", "sqlite", str(target)],
    )
    assert exported.exit_code == 0, exported.stderr
    return target


def query(database: Path, sql: str) -> list[tuple[object, ...]]:
    with sqlite3.connect(database) as connection:
        return connection.execute(sql).fetchall()


def test_an_equivalence_margin_keeps_both_limits(database: Path) -> None:
    found = query(
        database,
        "SELECT study_id, margin, margin_upper, margin_side_stated FROM comparisons "
        "WHERE test = 'equivalence' ORDER BY study_id, comparison_no",
    )
    assert ("nct01473420", -0.5, 0.5, 1) in found
    assert ("nct03387813", 0.75, 1.3334, 1) in found


def test_an_arms_statistic_and_spread_are_columns(database: Path) -> None:
    found = query(
        database,
        "SELECT statistic, iqr_lower, iqr_upper FROM results "
        "WHERE study_id = 'nct01542502' AND iqr_lower IS NOT NULL",
    )
    assert found, "NCT01542502 states interquartile ranges"
    assert {statistic for statistic, _, _ in found} == {"median"}
    assert all(low <= high for _, low, high in found)  # type: ignore[operator]


def test_a_spread_the_record_does_not_state_is_null_not_zero(database: Path) -> None:
    found = query(database, "SELECT COUNT(*) FROM results WHERE sd = 0 OR se = 0")
    stated = query(database, "SELECT COUNT(*) FROM results WHERE sd IS NULL AND se IS NULL")
    assert found == [(0,)]
    assert stated[0][0] > 0
