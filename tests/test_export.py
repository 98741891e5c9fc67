"""`trialcli export`: the documented schema and queries, checked against `show` and `ae`.

docs/catalog.md shows five SQL queries with their output on the three bundled studies;
these tests run each one on a fresh export and require the same output, then check that
the numbers equal what `trialcli show` and `trialcli ae` print for the same studies.
"""

from __future__ import annotations

import json
import re
import sqlite3
from pathlib import Path

import pytest
from typer.testing import CliRunner

from trialcli.cli import app
from trialcli.export.schema import TABLES

DOC = Path(__file__).resolve().parent.parent / "docs" / "catalog.md"
QUERIES = re.findall(r"```sql\n(.*?)```\n\n```text\n(.*?)```", DOC.read_text("utf-8"), re.S)


@pytest.fixture(scope="module")
def database(tmp_path_factory: pytest.TempPathFactory) -> Path:
    target = tmp_path_factory.mktemp("export") / "catalog.db"
    result = CliRunner().invoke(app, ["--no-cache", "export", "--to", "sqlite", str(target)])
    assert result.exit_code == 0, result.stderr
    assert result.stderr.startswith(f"Wrote {target}: 3 studies, 12 arms, 27 endpoints")
    return target


def rows(database: Path, query: str) -> list[tuple[object, ...]]:
    with sqlite3.connect(database) as connection:
        return connection.execute(query).fetchall()


def printed(database: Path, query: str) -> str:
    with sqlite3.connect(database) as connection:
        cursor = connection.execute(query)
        lines = [" | ".join(d[0] for d in cursor.description)]
        lines += [" | ".join("NULL" if v is None else str(v) for v in row) for row in cursor]
    return "\n".join(lines) + "\n"


def invoke_json(*args: str) -> object:
    result = CliRunner().invoke(app, [*args, "-f", "json"])
    assert result.exit_code == 0, result.stderr
    return json.loads(result.stdout)


def test_the_documentation_shows_five_queries() -> None:
    assert len(QUERIES) == 5


@pytest.mark.parametrize("number", range(5))
def test_each_documented_query_prints_what_the_document_shows(database: Path, number: int) -> None:
    query, output = QUERIES[number]
    assert printed(database, query) == output


def test_adverse_event_differences_equal_what_ae_prints(database: Path) -> None:
    found = rows(database, QUERIES[0][0])
    # Pooled groups (12 + 24 mg) are found by their members' drugs: before, `drugs` was
    # NULL for them and the query silently kept CARE-MS I alone.
    assert [(r[0], r[1], r[2], r[4]) for r in found] == [
        ("CAMMS223", "Infections", "Alemtuzumab 12 + 24 mg pooled", 19.0),
        ("CARE-MS I", "Infections", "Alemtuzumab 12 mg", 21.8),
        ("CARE-MS II", "Infections", "Alemtuzumab 12 + 24 mg pooled", 12.2),
        ("CAMMS223", "Thyroid disorders", "Alemtuzumab 12 + 24 mg pooled", 19.9),
        ("CARE-MS I", "Thyroid disorders", "Alemtuzumab 12 mg", 11.7),
        ("CARE-MS II", "Thyroid disorders", "Alemtuzumab 12 + 24 mg pooled", 11.8),
    ]
    acronyms = {"CAMMS223": "camms223", "CARE-MS I": "care-ms-i", "CARE-MS II": "care-ms-ii"}
    for acronym, term, arm, _, points, basis in found:
        by_study = invoke_json("ae", acronyms[acronym])
        assert isinstance(by_study, list)
        match = [
            r
            for r in by_study
            if r["term"] == term
            and not r["serious"]
            and r["experimental"] == arm
            and r["computed_difference_pp"] is not None
        ]
        assert [round(r["computed_difference_pp"], 1) for r in match] == [points]
        assert match[0]["computed_difference_basis"].startswith(str(basis))
    printed_by_ae = invoke_json("ae", "care-ms-i")
    assert isinstance(printed_by_ae, list)
    # Every computed difference, not just these two, is the one `ae` computes.
    every = rows(
        database,
        "SELECT f.term, d.computed_points, d.computed_ci_lower, d.computed_ci_upper"
        " FROM safety_differences d JOIN safety_findings f USING (study_id, finding_no)"
        " WHERE d.study_id = 'care-ms-i' AND d.computed_basis = 'counts'",
    )
    # `ae` prints one decimal: the exported figures, so rounded, are what it prints.
    by_ae = {
        (
            r["term"],
            r["computed_difference_pp"],
            r["computed_difference_lower"],
            r["computed_difference_upper"],
        )
        for r in printed_by_ae
        if r["computed_difference_pp"] is not None
    }
    assert len(every) == 9
    for term, points, lower, upper in every:
        assert (term, round(points, 1), round(lower, 1), round(upper, 1)) in by_ae


def test_pooled_groups_carry_their_members_drugs_and_studies_say_if_they_have_results(
    database: Path,
) -> None:
    pooled = rows(
        database, "SELECT study_id, group_id, drugs FROM arms WHERE kind = 'pooled' ORDER BY 1, 2"
    )
    assert ("care-ms-ii", "alem-pooled", "alemtuzumab") in pooled
    assert all(drugs for _, _, drugs in pooled)
    assert rows(database, "SELECT study_id, has_results FROM studies ORDER BY 1") == [
        ("camms223", 1),
        ("care-ms-i", 1),
        ("care-ms-ii", 1),
    ]


def test_primary_verdicts_equal_what_show_prints(database: Path) -> None:
    not_met = rows(database, QUERIES[1][0])
    assert [(r[0], r[1]) for r in not_met] == [("CARE-MS I", "sad")]
    for study in ("camms223", "care-ms-i", "care-ms-ii"):
        shown = invoke_json("show", study)
        assert isinstance(shown, dict)
        verdicts = {k: v["state"] for k, v in shown["computed"]["verdicts"].items()}
        exported = dict(
            rows(
                database,
                f"SELECT endpoint_id, computed_verdict FROM endpoints WHERE study_id = '{study}'",
            )
        )
        assert exported == verdicts
    counts = rows(database, QUERIES[2][0])
    assert ("CARE-MS I", "met", 1) in counts and ("CARE-MS I", "not-met", 1) in counts
    listed = invoke_json("list")
    assert isinstance(listed, list)
    care_ms_i = next(r for r in listed if r["id"] == "care-ms-i")
    assert (care_ms_i["primary_met"], care_ms_i["primary_not_met"]) == (1, 1)


def test_ratio_estimates_and_their_sources_equal_the_study(database: Path) -> None:
    found = rows(database, QUERIES[3][0])
    shown = invoke_json("show", "care-ms-ii")
    assert isinstance(shown, dict)
    sad = next(e for e in shown["study"]["endpoints"] if e["id"] == "sad")
    comparison = sad["comparisons"][0]
    assert ("CARE-MS II", sad["name"], "hazard-ratio", 0.58, 0.38, 0.87, "0.0084", "p1") in found
    assert (comparison["estimate"], comparison["ci"], comparison["p_value"]) == (
        0.58,
        [0.38, 0.87],
        "0.0084",
    )
    citation = rows(
        database, "SELECT citation FROM sources WHERE study_id = 'care-ms-ii' AND source_id = 'p1'"
    )
    p1 = next(source for source in shown["study"]["sources"] if source["id"] == "p1")
    assert citation == [(p1["citation"],)]
    assert p1["citation"].startswith("Fernández 2014, Journal of Inflammation Research")


def test_keys_join_and_unknown_stays_null(database: Path) -> None:
    for table in TABLES:
        if table.name != "studies":
            orphans = rows(
                database,
                f"SELECT count(*) FROM {table.name} WHERE study_id NOT IN"
                " (SELECT study_id FROM studies)",
            )
            assert orphans == [(0,)], table.name
    assert rows(
        database,
        "SELECT count(*) FROM results r LEFT JOIN endpoints e USING (study_id, endpoint_id)"
        " WHERE e.name IS NULL",
    ) == [(0,)]
    # A comparison no source judged has met NULL, never 0.
    assert rows(
        database,
        "SELECT count(*) FROM comparisons c JOIN endpoints e USING (study_id, endpoint_id)"
        " WHERE e.computed_verdict IN ('not-stated', 'not-tested') AND c.met IS NOT NULL",
    ) == [(0,)]


def test_a_filter_exports_only_the_studies_it_keeps(tmp_path: Path) -> None:
    target = tmp_path / "phase2.db"
    result = CliRunner().invoke(app, ["export", str(target), "--phase", "2"])
    assert result.exit_code == 0, result.stderr
    assert rows(target, "SELECT study_id FROM studies") == [("camms223",)]


def test_an_existing_export_is_replaced_only_with_force(tmp_path: Path) -> None:
    target = tmp_path / "catalog.db"
    target.write_text("mine", encoding="utf-8")
    refused = CliRunner().invoke(app, ["export", str(target)])
    assert refused.exit_code == 1
    assert "already exists; use --force to replace it" in refused.stderr
    assert target.read_text(encoding="utf-8") == "mine"
    assert CliRunner().invoke(app, ["export", str(target), "--force"]).exit_code == 0
    assert rows(target, "SELECT count(*) FROM studies") == [(3,)]
    assert sorted(p.name for p in tmp_path.iterdir()) == ["catalog.db"]


def test_parquet_tables_round_trip(database: Path, tmp_path: Path) -> None:
    pq = pytest.importorskip("pyarrow.parquet")
    target = tmp_path / "parquet"
    result = CliRunner().invoke(app, ["--no-cache", "export", "--to", "parquet", str(target)])
    assert result.exit_code == 0, result.stderr
    tables = sorted(f"{t.name}.parquet" for t in TABLES)
    assert sorted(p.name for p in target.iterdir()) == [".trialcli-export", *tables]
    for table in TABLES:
        read = pq.read_table(target / f"{table.name}.parquet")
        assert tuple(read.schema.names) == table.names
        columns = read.to_pydict()
        from_parquet = (
            sorted(map(tuple, zip(*columns.values(), strict=True)), key=repr)
            if read.num_rows
            else []
        )
        from_sqlite = sorted(rows(database, f"SELECT * FROM {table.name}"), key=repr)
        assert from_parquet == from_sqlite, table.name
    again = CliRunner().invoke(app, ["export", "--to", "parquet", str(target)])
    assert again.exit_code == 1 and "use --force" in again.stderr


def test_a_study_id_used_twice_is_left_out_and_named(tmp_path: Path) -> None:
    first = tmp_path / "a"
    first.mkdir()
    bundled = Path(__file__).resolve().parent.parent / "data" / "camms223.yaml"
    (first / "camms223.yaml").write_bytes(bundled.read_bytes())
    target = tmp_path / "catalog.db"
    result = CliRunner().invoke(app, ["--data-dir", str(first), "export", str(target)])
    assert result.exit_code == 0, result.stderr
    assert "Warning: left out " in result.stderr
    assert f"{first / 'camms223.yaml'}: study id 'camms223' is used by 2 files" in result.stderr
    assert rows(target, "SELECT study_id FROM studies ORDER BY 1") == [
        ("care-ms-i",),
        ("care-ms-ii",),
    ]
