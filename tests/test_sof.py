"""`trialcli sof`: absolute effects per 1,000 by the handbook's formulas, and the table's rows
agreeing with what `show` computes from the same arms."""

from __future__ import annotations

import csv
import io
import json
import math
from pathlib import Path

import pytest
from typer.testing import CliRunner

from trialcli.catalog import Catalog
from trialcli.cli import app
from trialcli.model import Certainty, Study
from trialcli.ops.effects import absolute_effects
from trialcli.ops.sof import MAX_OUTCOMES, NOT_ASSESSED, summary_of_findings
from trialcli.stats import odds_ratio
from trialcli.stats.absolute import per_thousand, risk_with_intervention


@pytest.fixture(scope="module")
def bundled() -> dict[str, Study]:
    catalog = Catalog.discover()
    return {ref: catalog.load(ref) for ref in ("camms223", "care-ms-i", "care-ms-ii")}


def test_risk_ratio_matches_the_handbook_worked_example() -> None:
    """Cochrane Handbook v5.1 §11.5.5: a risk ratio of 0.75 takes a comparator risk of 80%
    to 60% (20 points fewer) and one of 20% to 15% (5 points fewer)."""
    assert per_thousand(risk_with_intervention(0.80, 0.75, "risk-ratio")) == 600
    assert per_thousand(risk_with_intervention(0.20, 0.75, "risk-ratio")) == 150


def test_odds_ratio_formula_inverts_the_odds_ratio() -> None:
    # The handbook's OR formula must give back the risk whose odds ratio went in.
    for comparator, intervention in [(0.515, 0.345), (0.2, 0.05), (0.9, 0.99)]:
        ratio = odds_ratio(intervention, comparator)
        assert math.isclose(
            risk_with_intervention(comparator, ratio, "odds-ratio"), intervention, rel_tol=1e-12
        )


def test_hazard_ratio_formula_is_proportional_hazards() -> None:
    # S_intervention = S_comparator ** HR; HR 1 changes nothing; a small risk behaves like RR.
    assert math.isclose(risk_with_intervention(0.211, 1.0, "hazard-ratio"), 0.211)
    assert math.isclose(
        1 - risk_with_intervention(0.3, 0.5, "hazard-ratio"), math.sqrt(0.7), rel_tol=1e-12
    )
    assert per_thousand(risk_with_intervention(0.001, 0.5, "hazard-ratio")) == 1
    with pytest.raises(ValueError):
        risk_with_intervention(1.2, 0.5, "risk-ratio")


def test_care_ms_ii_rows_match_what_show_computes(bundled: dict[str, Study]) -> None:
    study = bundled["care-ms-ii"]
    table = summary_of_findings([study])
    rows = {row.outcome: row for row in table.rows}
    assert len(table.rows) == MAX_OUTCOMES
    assert [row.level for row in table.rows[:2]] == ["primary", "primary"]
    # Relapse rate: the reported rate ratio, and 0.52/year for IFN = 520 per 1,000 patient-years.
    arr = rows["Annualized relapse rate"]
    assert arr.relative is not None
    assert (arr.relative.estimate, arr.relative.ci, arr.relative.how) == (
        0.51,
        (0.39, 0.65),
        "as reported",
    )
    assert (arr.comparator, arr.intervention, arr.difference) == (520, 265, -255)
    assert arr.intervention_ci == (203, 338)
    assert arr.participants == 426 + 202
    # Patients with a relapse: no ratio reported; RR from n/N, and the difference per 1,000
    # equals show's risk difference (147/426 − 104/202 = −17.0 points).
    relapse = rows["Patients with a relapse"]
    shown = next(e for e in absolute_effects(study) if e.endpoint == "relapse-proportion")
    assert relapse.difference == round(10 * shown.difference) == -170
    assert relapse.comparator == 515 and relapse.comparator_basis == "104/202"
    assert relapse.relative is not None and relapse.relative.how.startswith("computed")
    # Disability: HR 0.58 (0.38–0.87) from a 21.1% comparator risk, by 1 − (1 − ACR)^HR.
    disability = rows["Sustained accumulation of disability (6-month confirmed)"]
    assert disability.comparator == 211
    assert disability.intervention == round(1000 * (1 - (1 - 0.211) ** 0.58))
    assert all(row.certainty == NOT_ASSESSED for row in table.rows)
    assert len(table.left_out) == 3


def test_several_studies_pool_and_say_what_they_left_out(bundled: dict[str, Study]) -> None:
    table = summary_of_findings(list(bundled.values()), ["annualized-relapse-rate"])
    [row] = table.rows
    assert row.studies == ("CARE-MS I", "CARE-MS II")
    assert row.relative is not None and row.relative.how.startswith("pooled by trialcli")
    assert round(row.relative.estimate, 2) == 0.49
    assert any("CAMMS223 not pooled" in c for c in row.comments)
    relapse = summary_of_findings(list(bundled.values()), ["relapse-proportion"]).rows[0]
    assert relapse.relative is not None and "REML" in relapse.relative.how
    assert relapse.comparator_basis == f"{75 + 104}/{187 + 202}"


def test_certainty_shows_only_a_recorded_rating_with_its_source(
    bundled: dict[str, Study],
) -> None:
    study = bundled["care-ms-ii"]
    source = study.sources[0]
    endpoints = [
        e.model_copy(update={"certainty": Certainty(rating="moderate", source=source.id)})
        if e.id == "arr"
        else e
        for e in study.endpoints
    ]
    rated = study.model_copy(update={"endpoints": endpoints})
    rows = {r.outcome: r for r in summary_of_findings([rated]).rows}
    assert rows["Annualized relapse rate"].certainty.startswith("moderate (GRADE; ")
    assert source.citation in rows["Annualized relapse rate"].certainty
    assert rows["Patients with a relapse"].certainty == NOT_ASSESSED


def test_cli_sof_formats(runner: CliRunner) -> None:
    table = runner.invoke(app, ["sof", "care-ms-ii"])
    assert table.exit_code == 0, table.output
    lines = table.output.splitlines()
    assert any("520 per 1,000" in line and "Rate ratio 0.51" in line for line in lines)
    assert "(0.39–0.65)" in table.output and "255 fewer (317 to" in table.output
    assert "…" not in table.output  # nothing cut off at 80 columns
    assert max(len(line) for line in table.output.splitlines()) <= 80
    markdown = runner.invoke(app, ["sof", "care-ms-ii", "-e", "arr", "-f", "markdown"]).output
    assert "| Annualized relapse rate | primary |" in markdown
    rows = list(
        csv.DictReader(io.StringIO(runner.invoke(app, ["sof", "care-ms-ii", "-f", "csv"]).output))
    )
    assert rows[0]["relative_effect"] == "Rate ratio 0.51 (0.39–0.65)"
    data = json.loads(runner.invoke(app, ["sof", "care-ms-ii", "-f", "json"]).output)
    assert data["outcomes"][0]["comparator"] == 520
    page = runner.invoke(app, ["sof", "care-ms-ii", "-f", "html"]).output
    assert page.startswith('<table class="summary-of-findings">')
    assert "<td>HR 0.58 (0.38–0.87)</td>" in page
    missing = runner.invoke(app, ["sof", "care-ms-ii", "-e", "nope"])
    assert missing.exit_code == 1
    assert "Error: no endpoint 'nope'" in missing.output


def test_harms_are_outcomes_with_the_same_arithmetic() -> None:
    from trialcli.catalog import Catalog
    from trialcli.ops.sof import summary_of_findings

    catalog = Catalog.discover()
    studies = [catalog.load(ref) for ref in ("care-ms-i", "care-ms-ii")]
    [row] = summary_of_findings(studies, ["thyroid disorders"]).rows
    # CARE-MS II counts thyroid disorders only in its 12 + 24 mg pooled group (596 people):
    # several doses together are not one dose's risk, so its counts stay out, said so.
    assert row.level == "harm" and row.studies == ("CARE-MS I",)
    assert any(
        c.startswith("CARE-MS II left out: its counts are of Alemtuzumab 12 + 24 mg pooled")
        for c in row.comments
    )
    assert row.time_frame == "2 years"  # the study's follow-up: a harm has none of its own
    assert row.relative is not None and row.relative.measure == "risk-ratio"
    assert row.relative.how == "computed by trialcli from n/N (Katz log)"
    # Comparator: 12/187 with a thyroid disorder on IFN beta-1a in CARE-MS I.
    assert row.comparator_basis == "12/187" and row.comparator == 64
    assert row.participants == 376 + 187
    # The difference comes from the unrounded risks: 1000 × (12/187 × RR − 12/187).
    risk = 12 / 187
    assert row.difference == round(1000 * (risk * row.relative.estimate - risk))
    [serious] = summary_of_findings(studies, ["serious immune thrombocytopenic purpura"]).rows
    assert serious.outcome == "Immune thrombocytopenic purpura (serious)"
    assert any("0.5 added to every cell" in c for c in serious.comments)


def test_an_outcome_whose_arms_have_figures_is_never_not_reported() -> None:
    from trialcli.catalog import Catalog
    from trialcli.ops.sof import summary_of_findings

    study = Catalog.discover().load("care-ms-ii")
    [row] = summary_of_findings([study], ["relapse-free"]).rows
    assert (row.comparator, row.intervention, row.difference) == (467, 654, 187)


def test_a_pooled_row_states_its_heterogeneity() -> None:
    from trialcli.catalog import Catalog
    from trialcli.ops.sof import summary_of_findings

    catalog = Catalog.discover()
    studies = [catalog.load(ref) for ref in ("care-ms-i", "care-ms-ii")]
    [row] = summary_of_findings(studies, ["annualized-relapse-rate"]).rows
    assert any(
        c.startswith("heterogeneity: I² 0%, τ² 0.000 (2 studies; Q 0.33") for c in row.comments
    )


def test_two_full_arms_give_no_risk_ratio() -> None:
    from trialcli.stats import risk_ratio

    assert risk_ratio(20, 20, 30, 30) is None


JUDGEMENTS = Path(__file__).parent / "fixtures" / "judgements-example.yaml"


def test_certainty_comes_only_from_the_reviewers_judgements(tmp_path: Path) -> None:
    from typer.testing import CliRunner

    from trialcli.cli import app

    runner = CliRunner()
    base = ["sof", "care-ms-i", "care-ms-ii", "-e", "arr", "-f", "json"]
    plain = json.loads(runner.invoke(app, base).output)
    assert plain["outcomes"][0]["certainty"] == "not assessed" and plain["header"] is None
    judged = json.loads(runner.invoke(app, [*base, "--judgements", str(JUDGEMENTS)]).output)
    [row] = judged["outcomes"]
    assert row["certainty"] == "⊕⊕⊕◯ moderate"
    assert "certainty: risk of bias (serious): example: open-label treatment" in row["comments"]
    assert judged["header"]["intervention"] == "Alemtuzumab 12 mg"
    assert judged["risk_of_bias"][0].startswith("CARE-MS I: overall some-concerns")
    text = runner.invoke(app, [*base[:-2], "--judgements", str(JUDGEMENTS)]).output
    assert "Population: Adults with relapsing–remitting multiple sclerosis" in text
    # Every domain filled in but no certainty stated: trialcli does not count them up.
    stripped = JUDGEMENTS.read_text(encoding="utf-8").replace("    certainty: moderate\n", "")
    (tmp_path / "j.yaml").write_text(stripped, encoding="utf-8")
    undecided = json.loads(
        runner.invoke(app, [*base, "--judgements", str(tmp_path / "j.yaml")]).output
    )
    assert undecided["outcomes"][0]["certainty"] == "not assessed"
    (tmp_path / "bad.yaml").write_text("outcomes: {arr: {certainty: great}}\n", encoding="utf-8")
    bad = runner.invoke(app, [*base, "--judgements", str(tmp_path / "bad.yaml")])
    assert bad.exit_code == 1 and "outcomes.arr" in bad.output and "Traceback" not in bad.output


ALEMTUZUMAB = ("camms223", "care-ms-i", "care-ms-ii")


@pytest.mark.parametrize("fmt", ["text", "csv", "json", "markdown", "html"])
def test_the_order_the_studies_are_named_in_changes_nothing(runner: CliRunner, fmt: str) -> None:
    """Review H1: a row's follow-up came from the first study named (36 months for a pool of
    CARE-MS I and II, both 2 years)."""
    outputs = {
        runner.invoke(app, ["sof", *order, "--judgements", str(JUDGEMENTS), "-f", fmt]).output
        for order in (ALEMTUZUMAB, ALEMTUZUMAB[::-1], ("care-ms-i", "camms223", "care-ms-ii"))
    }
    assert len(outputs) == 1


def test_a_rows_follow_up_and_name_come_from_the_studies_it_rests_on(
    bundled: dict[str, Study],
) -> None:
    rows = {
        row.code: row for row in summary_of_findings([bundled[ref] for ref in ALEMTUZUMAB]).rows
    }
    arr = rows["annualized-relapse-rate"]
    assert arr.studies == ("CARE-MS I", "CARE-MS II") and arr.time_frame == "2 years"
    assert rows["sustained-disability-worsening"].time_frame == "2 years"
    # Not pooled, three studies: each follow-up named with its studies, never one label.
    assert rows["edss-change"].time_frame == "2 years (CARE-MS I, CARE-MS II); 36 months (CAMMS223)"
    # A row of several studies is titled from its code, not one source's own title.
    free = rows["relapse-free"]
    assert free.outcome == "Proportion relapse-free at the end of follow-up"
    assert "12-mg" not in free.outcome
    assert rows["sustained-disability-improvement"].outcome == (
        "6-month sustained reduction in disability"
    )


def test_a_row_of_several_studies_with_figures_is_not_pooled_never_not_reported(
    runner: CliRunner, bundled: dict[str, Study]
) -> None:
    """Review H2: relapse-free in three studies printed "not reported" beside footnotes giving
    each arm's percentage (issue 23: "relapse-free 77.6% vs 58.7%")."""
    from trialcli.ops.sof import NOT_POOLED

    studies = [bundled[ref] for ref in ALEMTUZUMAB]
    rows = {row.code: row for row in summary_of_findings(studies).rows}
    for code in ("relapse-free", "edss-change", "sustained-disability-improvement"):
        row = rows[code]
        assert row.relative is None and row.not_pooled == NOT_POOLED, code
        assert len(row.studies) >= 2
    free = rows["relapse-free"]
    assert (
        "CARE-MS I, 2 years: IFN beta-1a (Rebif) 58.7% (51.1–65.5) vs Alemtuzumab 12 mg "
        "77.6% (72.9–81.6) (as reported)" in free.comments
    )
    assert (
        "CAMMS223, 36 months: IFN beta-1a (Rebif) 52% vs Alemtuzumab 12 mg 77% (as reported)"
        in (free.comments)
    )
    # The compared arms as analysed: 376 + 187, 426 + 202, and CAMMS223 112 + 111.
    assert free.participants == 376 + 187 + 426 + 202 + 112 + 111
    edss = rows["edss-change"]
    assert any(
        c.startswith("CAMMS223, 36 months: IFN beta-1a (Rebif) 0.38 EDSS") for c in edss.comments
    )
    out = runner.invoke(app, ["sof", *ALEMTUZUMAB, "-e", "relapse-free", "-f", "csv"]).output
    [record] = list(csv.DictReader(io.StringIO(out)))
    assert "not reported" not in (record["risk_with_comparator"], record["relative_effect"])
    assert record["relative_effect"] == record["risk_with_comparator"] == NOT_POOLED


def test_one_pooling_method_for_the_whole_table_stated(
    runner: CliRunner, bundled: dict[str, Study]
) -> None:
    """Review M2: "Patients with a relapse" was Mantel–Haenszel (fixed) beside REML rows."""
    table = summary_of_findings([bundled[ref] for ref in ALEMTUZUMAB])
    pooled = [r for r in table.rows if r.relative and r.relative.how.startswith("pooled")]
    assert len(pooled) >= 3 and table.method == "random effects, REML"
    assert all(f"({table.method})" in r.relative.how or f"; {table.method})" in r.relative.how
               for r in pooled if r.relative)  # fmt: skip
    # The n/N pool equals metafor's rma(measure="RR", method="REML") (pinned, script beside).
    pinned = json.loads((Path(__file__).parent / "reference" / "sof_relapse_proportion.json")
                        .read_text(encoding="utf-8"))  # fmt: skip
    [relapse] = [r for r in table.rows if r.code == "relapse-proportion"]
    assert relapse.relative is not None and relapse.relative.ci is not None
    assert relapse.relative.estimate == pytest.approx(pinned["rr"], abs=1e-8)
    assert relapse.relative.ci == pytest.approx(tuple(pinned["ci"]), abs=1e-8)
    assert any("compare --pool does not show this pool" in c for c in relapse.comments)
    assert any(c.startswith("heterogeneity: I² ") for c in relapse.comments)
    text = runner.invoke(app, ["sof", *ALEMTUZUMAB]).output
    assert "Every pooled row: random effects, REML" in text and "Mantel" not in text
    data = json.loads(runner.invoke(app, ["sof", *ALEMTUZUMAB, "-f", "json"]).output)
    assert data["pooling_method"] == "random effects, REML"


def test_the_judgements_file_never_fails_silently(runner: CliRunner, tmp_path: Path) -> None:
    """Review M3: a typo in an outcome code or study id, and a certainty its own domains do
    not allow, are named on stderr; trialcli still shows the file's certainty (never grades)."""
    base = ["sof", *ALEMTUZUMAB, "-e", "annualized-relapse-rate", "--judgements"]
    clean_run = runner.invoke(app, [*base, str(JUDGEMENTS)])
    assert clean_run.exit_code == 0 and "Warning" not in clean_run.stderr
    text = JUDGEMENTS.read_text(encoding="utf-8")
    typo = tmp_path / "typo.yaml"
    typo.write_text(
        text.replace("  annualized-relapse-rate:", "  annualized-relapse-rat:").replace(
            "  care-ms-i:", "  care-ms-1:"
        ),
        encoding="utf-8",
    )
    result = runner.invoke(app, [*base, str(typo)])
    assert result.exit_code == 0
    unmatched = "judgements for 'annualized-relapse-rat' match no outcome of these studies"
    assert f"Warning: {typo}: {unmatched}" in result.stderr
    assert f"Warning: {typo}: study 'care-ms-1' is not among the studies nor in the catalog" in (
        result.stderr
    )
    assert "Warning" not in result.stdout
    high = tmp_path / "high.yaml"
    high.write_text(
        text.replace("certainty: moderate", "certainty: high").replace(
            'judgement: serious, reason: "example: open',
            'judgement: very serious, reason: "example: open',
        ),
        encoding="utf-8",
    )
    result = runner.invoke(app, [*base, str(high)])
    assert (
        f"Warning: {high}: the certainty 'high' for 'annualized-relapse-rate' does not follow "
        "its own domains (risk of bias very serious → at most low)"
    ) in result.stderr
    assert "⊕⊕⊕⊕" in result.stdout  # the file's own certainty, shown as it is
    # Each certainty names where it is from, in json and csv (review M3).
    data = json.loads(runner.invoke(app, [*base, str(JUDGEMENTS), "-f", "json"]).stdout)
    assert data["outcomes"][0]["certainty_source"] == str(JUDGEMENTS)
    out = runner.invoke(app, [*base[:-1], "-e", "edss-change", "--judgements", str(JUDGEMENTS),
                              "-f", "csv"]).stdout  # fmt: skip
    records = {r["outcome"]: r for r in csv.DictReader(io.StringIO(out))}
    assert records["Annualized relapse rate (relapses per patient-year)"][
        "certainty_source"
    ] == str(JUDGEMENTS)
    assert records["Mean change in EDSS"]["certainty"] == "not assessed"
    assert records["Mean change in EDSS"]["certainty_source"] == ""
