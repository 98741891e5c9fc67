"""`list` filters and search, over the 40 real studies imported from the bulk-download slice.

The slice (3 of its records are registrations without arms) is described in
tests/test_bulk_import.py; every id, condition and drug asserted here was read off the
imported records.
"""

from __future__ import annotations

import csv
import io
import json
from dataclasses import replace
from pathlib import Path

import pytest
from typer.testing import CliRunner

from trialcli.cli import app
from trialcli.importers import bulk
from trialcli.loader import load_study
from trialcli.ops.listing import FilterError, Filters, folded, select
from trialcli.ops.summary import ListRow, list_row

SLICE = Path(__file__).parent / "fixtures" / "ctgov-bulk-slice.zip"


@pytest.fixture(scope="module")
def catalog(tmp_path_factory: pytest.TempPathFactory) -> Path:
    folder = tmp_path_factory.mktemp("catalog")
    bulk.run(bulk.plan([str(SLICE)]), folder)
    return folder


@pytest.fixture(scope="module")
def rows(catalog: Path) -> list[ListRow]:
    return [list_row(load_study(p)) for p in sorted(catalog.glob("*.yaml"))]


def ids(rows: list[ListRow]) -> list[str]:
    return [r.id for r in rows]


def test_search_finds_studies_by_condition_and_by_drug_in_any_case(rows: list[ListRow]) -> None:
    assert ids(select(rows, Filters(search="KETONE ester"))) == ["nct05159570", "nct05236335"]
    # "HFpEF" in a title (ANTHEM-HFpEF, KETO-HFpEF) or an acronym (HFpEF-BB), any case.
    hfpef = ids(select(rows, Filters(search="hfpef")))
    assert hfpef == ["nct03163030", "nct05174351", "nct05236335"]
    # Every word must be found, in any of the fields.
    assert ids(select(rows, Filters(search="marfan losartan"))) == ["nct00723801"]
    assert select(rows, Filters(search="marfan ketone")) == []


def test_search_ignores_accents_both_ways() -> None:
    study = ListRow("sjogren", "SJÖ", None, "adults", None, 1, None, None, 0, 0, None)
    row = replace(study, title="Hydroxychloroquine in Sjögren's syndrome", condition="Sjögren")
    assert select([row], Filters(search="sjogren")) == [row]
    assert select([replace(row, title="Sjogren")], Filters(search="SJÖGREN")) == [
        replace(row, title="Sjogren")
    ]
    assert folded("Ëffort") == "effort"


def test_filters_combine(rows: list[ListRow]) -> None:
    drug = select(rows, Filters(drug="placebo", condition="heart failure"))
    assert ids(drug) == ["nct00982033", "nct01542502", "nct02779634", "nct05159570",
                         "nct05236335", "nct06391710"]  # fmt: skip
    assert ids(select(rows, Filters(drug="placebo", phase="2", status="active"))) == ["nct06391710"]
    with_results = select(rows, Filters(condition="heart failure", has_results=True))
    assert ids(with_results) == ["nct00679549", "nct00781508", "nct00982033", "nct01542502",
                                 "nct04336995"]  # fmt: skip
    assert all(r.has_results for r in with_results)
    assert ids(select(rows, Filters(since=2024))) == ["nct06391710", "nct06724653"]


def test_sort_and_limit(rows: list[ListRow]) -> None:
    oldest = select(rows, Filters(sort="start_year", limit=3))
    # Two of the oldest are registrations without arms, which import too.
    assert [r.start_year for r in oldest] == [2002, 2002, 2006]
    by_size = select(rows, Filters(sort="randomized", limit=14))
    # Not reported goes last, never counted as the smallest. (Randomized is the flow's
    # STARTED count: records without results report enrollment only, which is not it.)
    assert [r.randomized for r in by_size] == [
        0, 10, 12, 14, 16, 20, 22, 38, 40, 43, 52, 150, None, None
    ]  # fmt: skip
    assert select(rows, Filters(limit=0)) == []


def test_a_wrong_sort_or_limit_is_a_usage_error() -> None:
    with pytest.raises(FilterError, match="cannot sort by 'size'; choose one of id"):
        Filters(sort="size")
    with pytest.raises(FilterError, match="--limit must be 0 or more"):
        Filters(limit=-1)


def test_json_and_csv_carry_the_same_rows(catalog: Path) -> None:
    args = ["--data-dir", str(catalog), "list", "--condition", "heart failure", "--since", "2016"]
    records = json.loads(CliRunner().invoke(app, [*args, "--wide", "-f", "json"]).stdout)
    table = CliRunner().invoke(app, [*args, "--sort", "id"])
    found = CliRunner().invoke(app, [*args, "-f", "csv"]).stdout
    rows = list(csv.DictReader(io.StringIO(found)))
    assert [r["id"] for r in rows] == [r["id"] for r in records]
    assert len(records) == 10
    assert table.stdout.rstrip().endswith("10 studies")
    first = next(r for r in records if r["id"] == "nct06391710")
    assert first["condition"] == "Heart Failure With Preserved Ejection Fraction"
    assert first["interventions"] == "HRS9531; Placebo"
    assert first["status"] == "active" and first["start_year"] == 2024
    assert first["has_results"] is False
    assert "condition" not in rows[0], "without --wide, the columns stay as they were"


def test_the_table_shows_condition_and_interventions_when_wide(
    catalog: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    args = ["--data-dir", str(catalog), "list", "--drug", "HRS9531"]
    narrow = CliRunner().invoke(app, args).stdout
    assert "Interventions" not in narrow
    assert max(len(line) for line in narrow.splitlines()) <= 80
    monkeypatch.setenv("COLUMNS", "140")
    wide = CliRunner().invoke(app, args, env={"COLUMNS": "140", "TERMINAL_WIDTH": "140"}).stdout
    assert "Interventions" in wide and "HRS9531; Placebo" in wide
    forced = CliRunner().invoke(app, [*args, "--wide"]).stdout
    assert "Interventions" in forced and "HRS9531;" in forced


def test_a_wrong_sort_on_the_command_line_exits_2(catalog: Path) -> None:
    result = CliRunner().invoke(app, ["--data-dir", str(catalog), "list", "--sort", "size"])
    assert result.exit_code == 2
    assert result.stderr.startswith("Error: cannot sort by 'size'; choose one of id, acronym")
