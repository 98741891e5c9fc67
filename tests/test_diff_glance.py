"""`diff A B`: the differences that matter on one screen; `--full` keeps every row."""

from __future__ import annotations

from pathlib import Path

import pytest
from typer.testing import CliRunner

from trialcli.catalog import Catalog
from trialcli.cli import app
from trialcli.ops.diff_glance import diff_glance


def diff(runner: CliRunner, *args: str) -> str:
    result = runner.invoke(app, ["diff", *args])
    assert result.exit_code == 0, result.stderr
    return result.stdout


def test_care_ms_i_vs_ii_fits_60_lines_and_names_the_verdict_change(
    runner: CliRunner, monkeypatch: pytest.MonkeyPatch
) -> None:
    out = diff(runner, "care-ms-i", "care-ms-ii")
    lines = out.splitlines()
    assert len(lines) <= 60
    assert max(len(line) for line in lines) <= 80
    # The summary names the changed verdict and its figures, last but for the hint.
    summary = " ".join(" ".join(lines[-8:]).split())
    assert (
        "1 verdict changed: Sustained accumulation of disability (6-month confirmed): "
        "not met in CARE-MS I, met in CARE-MS II" in summary
    )
    assert "Sources of" not in out and "Milestones" not in out  # only with --full
    monkeypatch.setenv("COLUMNS", "200")  # one line per row, so each side reads whole
    wide = [" ".join(line.split()) for line in diff(runner, "care-ms-i", "care-ms-ii").splitlines()]
    expected = [
        # design, population, N, arms
        "≠ Design phase 3, randomized, rater-blinded, parallel (2 arms), 2 years, active",
        "≠ Population Relapsing-remitting multiple sclerosis; Early RRMS, previously untreated",
        "≠ N randomized 581 840 (+259 vs A)",
        "≠ Arms Alemtuzumab 12 mg (experimental) n=386; IFN beta-1a (Rebif) (active",
        # each primary endpoint: verdict and effect side by side
        "= Verdict, effect ✔ met ✔ met",
        "≠ Verdict, effect ✘ not met ✔ met",
        # the harms that differ most, computed from counts, with their sources
        "≠ Infections +21.8 pp (253/376 vs 85/187) [7] +12.2 pp (468/596 vs 134/202) [10]",
    ]
    missing = [e for e in expected if not any(line.startswith(e) for line in wide)]
    assert not missing


def test_harms_name_each_sides_group_and_mark_when_they_differ(
    runner: CliRunner, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("COLUMNS", "200")
    lines = [
        " ".join(line.split()) for line in diff(runner, "care-ms-i", "care-ms-ii").splitlines()
    ]
    at = lines.index(
        "≠ Infections +21.8 pp (253/376 vs 85/187) [7] +12.2 pp (468/596 vs 134/202) [10]"
    )
    assert lines[at + 1] == (
        "† other groups Alemtuzumab 12 mg vs IFN beta-1a (Rebif) "
        "Alemtuzumab 12 + 24 mg pooled vs IFN beta-1a (Rebif)"
    )
    assert "† the two sides count different arms or pooled groups (under each figure)" in lines


def test_headline_figures_sit_beside_the_ratios_and_a_changed_verdict_shows_its_figures(
    runner: CliRunner, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("COLUMNS", "200")
    lines = [
        " ".join(line.split()) for line in diff(runner, "care-ms-i", "care-ms-ii").splitlines()
    ]
    assert (
        "relative reduction as stated: 54.9% [1]; 55% [17] relative reduction as stated: 49% [26]"
        in lines
    )
    assert (
        "CARE-MS I: Alemtuzumab 12 mg 30 people (8.0% (5.7–11.2)) [6]; "
        "IFN beta-1a (Rebif) 20 people (11.1% (7.3–16.7)) [6]"
    ) in lines
    assert (
        "CARE-MS II: Alemtuzumab 12 mg 54 people (12.7% (9.9–16.3)) [9]; "
        "IFN beta-1a (Rebif) 40 people (21.1% (16.0–27.7)) [9]"
    ) in lines


def test_machine_formats_mark_safety_rows_whose_groups_differ(runner: CliRunner) -> None:
    import csv
    import io
    import json

    rows = json.loads(diff(runner, "care-ms-i", "care-ms-ii", "-f", "json"))["rows"]
    infections = next(r for r in rows if r["field"] == "Infections")
    assert infections["note"] == "the two sides count different arms or pooled groups"
    assert "Alemtuzumab 12 + 24 mg pooled: 468/596" in infections["b"]["text"]
    records = list(
        csv.DictReader(io.StringIO(diff(runner, "care-ms-i", "care-ms-ii", "-f", "csv")))
    )
    assert next(r for r in records if r["field"] == "Infections")["note"] == infections["note"]
    markdown = diff(runner, "care-ms-i", "care-ms-ii", "-f", "markdown")
    line = next(x for x in markdown.splitlines() if "| Infections |" in x)
    assert line.endswith("| the two sides count different arms or pooled groups |")


def test_full_is_the_row_by_row_view(runner: CliRunner) -> None:
    out = diff(runner, "care-ms-i", "care-ms-ii", "--full")
    assert out.startswith("= same  ≠ changed  − only in CARE-MS I  + only in CARE-MS II")
    assert "Sources of CARE-MS I, numbered as 'trialcli show' numbers them:" in out
    assert len(out.splitlines()) > 500


def test_two_versions_of_one_file_keep_the_short_exact_view(
    runner: CliRunner,
    tmp_path: Path,
    minimal_text: str,  # type: ignore[no-untyped-def]
) -> None:
    before, after = tmp_path / "before.yaml", tmp_path / "after.yaml"
    before.write_text(minimal_text, encoding="utf-8")
    after.write_text(
        minimal_text.replace("randomized: 300", "randomized: 301", 1), encoding="utf-8"
    )
    out = diff(runner, str(before), str(after))
    assert "300 → 301 (+1)" in out
    assert "(hidden)" in out  # the same rows are counted, not shown
    assert "the differences that matter first" not in out
    full = diff(runner, str(before), str(after), "--full")
    assert len(full.splitlines()) > len(out.splitlines())


def test_harms_are_ranked_by_how_much_the_excess_differs() -> None:
    catalog = Catalog.discover([], None)
    a, b = catalog.load("care-ms-i"), catalog.load("care-ms-ii")
    page = diff_glance(a, b, "CARE-MS I", "CARE-MS II")
    gaps = [round(h.gap, 1) for h in page.harms]
    assert gaps == sorted(gaps, reverse=True)
    assert page.harms[0].term == "Infections" and gaps[0] == 9.6  # +21.8 vs +12.2
    # ITP (serious) is +0.8 in both: equal figures are not a difference
    assert all(h.term != "Immune thrombocytopenic purpura" for h in page.harms)
    (changed,) = page.changed_verdicts
    assert changed.code == "sustained-disability-worsening"
    assert (changed.a and changed.a.verdict.state, changed.b and changed.b.verdict.state) == (
        "not-met",
        "met",
    )
