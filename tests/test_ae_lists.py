"""`ae` says what its list of harms is, keeps unfiltered context labelled, and never drops
a finding it cannot judge, a difference it selects on or a death's cause."""

from __future__ import annotations

import csv
import io
import json
from collections.abc import Callable
from pathlib import Path

import pytest
from typer.testing import CliRunner

from trialcli.catalog import Catalog
from trialcli.cli import app
from trialcli.importers.ctgov import record_to_study
from trialcli.ops.safety import Filters, harms_scope, safety_table

FIXTURES = Path(__file__).parent / "fixtures"


def ae(runner: CliRunner, *args: str) -> str:
    result = runner.invoke(app, ["ae", *args])
    assert result.exit_code == 0, result.stderr
    return result.stdout


def flat(text: str) -> str:
    return " ".join(text.split())


def test_a_short_filtered_list_says_it_is_the_sources_selection_and_where_the_rest_is(
    runner: CliRunner,
) -> None:
    out = flat(ae(runner, "care-ms-ii", "--min-diff", "5", "--excess"))
    assert (
        "Harms listed: the sources' selection: 12 terms from the tables they cite, not every "
        "adverse event; the full list: https://clinicaltrials.gov/study/NCT00548405?tab=results"
    ) in out
    assert "2 findings shown" in out


def test_an_imported_records_list_is_the_registrys_with_its_threshold() -> None:
    data = json.loads((FIXTURES / "ctgov" / "NCT02422186.json").read_text(encoding="utf-8"))
    scope = harms_scope(record_to_study(data, "2026-09-25", "file"))
    assert scope.text == (
        "the registry's list: every serious adverse event, and other adverse events at ≥ 5% "
        "in a group"
    )
    assert scope.full_list == "https://clinicaltrials.gov/study/NCT02422186?tab=results"


def test_the_summary_under_a_filter_is_labelled_as_unfiltered_context(runner: CliRunner) -> None:
    out = flat(ae(runner, "care-ms-i", "--min-diff", "5", "--excess"))
    # Discontinuation is −4.6 pp: shown, but as context, not as a finding that passed.
    assert "Summary (not filtered: context for the findings below)" in out
    assert "−4.6 pp" in out
    assert "Summary (not filtered" not in flat(ae(runner, "care-ms-i"))
    rows = list(
        csv.DictReader(io.StringIO(ae(runner, "care-ms-i", "--min-diff", "5", "-f", "csv")))
    )
    summary = {r["term"]: r["filter"] for r in rows if r["section"] == "summary"}
    assert summary["Discontinuation due to an adverse event"] == "not filtered: context"


def test_infusion_reactions_stay_rows_that_say_why_no_difference_exists(
    runner: CliRunner, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("COLUMNS", "200")
    out = ae(runner, "care-ms-i", "--min-diff", "5")
    line = next(x for x in out.splitlines() if x.startswith("Infusion-associated reactions"))
    assert "Alemtuzumab 12 mg: 338/376 (90%)" in line
    assert "not judged: no comparator figure" in line
    table = safety_table(Catalog.discover().load("care-ms-i"), Filters(min_diff=5))
    assert [(row.finding.term, why) for row, why in table.unjudged][:1] == [
        ("Infusion-associated reactions", "no comparator figure")
    ]


def test_the_pivot_shows_the_difference_it_selects_on_and_each_deaths_cause(
    runner: CliRunner, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("COLUMNS", "200")
    out = ae(runner, "care-ms-i", "care-ms-ii", "--min-diff", "10")
    assert "68/376 (18%) vs 12/187 (6%): +11.7 pp" in out
    assert "100/596 (17%) vs 10/202 (5%): +11.8 pp" in out
    assert "CARE-MS I: Harms listed: the sources' selection" in out
    rows = csv.DictReader(io.StringIO(ae(runner, "care-ms-i", "care-ms-ii", "-f", "csv")))
    deaths = next(r for r in rows if r["term"] == "Deaths")
    assert "1 death (motor accident) vs not reported" in deaths["care-ms-i"]
    assert deaths["care-ms-ii"].startswith(
        "2 deaths (motor vehicle accident; aspiration pneumonia) vs not reported"
    )


def test_ae_across_studies_prints_as_one_html_page(runner: CliRunner) -> None:
    page = ae(runner, "care-ms-i", "care-ms-ii", "camms223", "-f", "html")
    assert page.startswith("<!DOCTYPE html>") and page.endswith("</html>\n")
    assert "<h1>Adverse events across 3 studies</h1>" in page
    assert "CARE-MS II: Harms listed: the sources&#x27; selection: 12 terms" in page
    assert "100/596 (17%) vs 10/202 (5%): +11.8 pp" in page
    assert "<td>summary</td><td></td><td>Any adverse event</td>" in page
    assert "@media print" in page
    one = ae(runner, "care-ms-ii", "--min-diff", "5", "-f", "html")
    assert "<h1>CARE-MS II: adverse events</h1>" in one
    assert "<td>not filtered: context</td>" in one


def test_html_escapes_file_text(
    runner: CliRunner, write: Callable[..., Path], minimal_text: str
) -> None:
    hostile = minimal_text.replace("term: Headache", "term: <script>alert(1)</script>")
    page = ae(runner, str(write(hostile)), "-f", "html")
    assert "<script>" not in page and "&lt;script&gt;" in page
