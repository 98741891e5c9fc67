"""Verdicts and plain words: unknown is never "not met", and the words come from the record."""

from __future__ import annotations

import csv
import io
import json
from pathlib import Path

import pytest
from typer.testing import CliRunner

from trialcli.cli import app
from trialcli.importers.ctgov import record_to_study
from trialcli.loader import load_study
from trialcli.model import ArmSafety, SafetyFinding, Study
from trialcli.ops.summary import count_primaries, harms_named, list_row, plain_summary
from trialcli.writer import study_yaml

FIXTURES = Path(__file__).parent / "fixtures"


def imported(nct: str) -> Study:
    path = next(FIXTURES.glob(f"ctgov*/{nct}.json"))
    record = json.loads(path.read_text(encoding="utf-8"))
    return record_to_study(record, "2026-09-25", "file")


def flat(text: str) -> str:
    return " ".join(text.split())


@pytest.fixture(scope="module")
def safety_counts() -> Study:
    # Open-label rosiglitazone extension: its 4 primary outcomes are numbers of people with
    # adverse events in one arm; nothing was compared, so nothing was met or missed.
    return imported("NCT00381238")


def test_untested_safety_counts_are_not_counted_as_not_met(safety_counts: Study) -> None:
    count = count_primaries(safety_counts)
    assert (count.total, count.stated, count.met, count.not_met) == (4, 0, 0, 0)
    row = list_row(safety_counts)
    assert row.primary_met is None and row.primary_not_met is None
    assert row.primary_text == "–/4"
    summary = flat(plain_summary(safety_counts))
    # one registry measure of 4 rows is one endpoint, its rows counted apart
    assert "No verdict is stated for its primary endpoint (4 result rows)" in summary
    assert "Number of Participants With Adverse Events (AE's) — SAEs: not tested" in summary
    assert "It met 0" not in summary and "not met" not in summary


def test_an_analysis_without_a_stated_verdict_is_unknown() -> None:
    # TRANSFORM-3: two MADRS analyses with estimates and p-values, no verdict in the record.
    study = imported("NCT02422186")
    assert list_row(study).primary_text == "–/2"
    summary = flat(plain_summary(study))
    assert "No verdict is stated for its 2 primary endpoints" in summary
    assert (
        "no verdict stated (least-squares mean difference −3.6 (−7.20 to 0.07) units on a "
        "scale, p=0.059)"
    ) in summary


def test_some_stated_some_not(minimal_text: str, tmp_path: Path) -> None:
    path = tmp_path / "example.yaml"
    path.write_text(minimal_text, encoding="utf-8")
    study = load_study(path)
    relapse = study.endpoints[0]
    unstated = relapse.model_copy(
        update={
            "id": "edss",
            "name": "Disability worsening",
            "code": None,
            "comparisons": [
                c.model_copy(update={"met": None, "basis": None}) for c in relapse.comparisons
            ],
        }
    )
    missed = relapse.model_copy(
        update={
            "id": "mri",
            "name": "New lesions",
            "code": None,
            "comparisons": [c.model_copy(update={"met": False}) for c in relapse.comparisons],
        }
    )
    study = study.model_copy(update={"endpoints": [relapse, unstated, missed]})
    row = list_row(study)
    assert (row.primary_met, row.primary_not_met, row.primary_stated) == (1, 1, 2)
    assert row.primary_text == "1/3 (1 unstated)"
    summary = flat(plain_summary(study))
    assert (
        "It met 1 of the 2 primary endpoints with a stated verdict (1 of 3 have none) — "
        "Annualized relapse rate: met" in summary
    )
    assert "Disability worsening: no verdict stated" in summary
    assert "New lesions: not met" in summary


def test_bundled_studies_keep_their_verdicts(runner: CliRunner) -> None:
    result = runner.invoke(app, ["list", "--format", "json"])
    assert result.exit_code == 0, result.stderr
    rows = {r["id"]: r for r in json.loads(result.stdout)}
    got = {
        key: (r["primary_met"], r["primary_not_met"], r["primary_stated"], r["primary_total"])
        for key, r in rows.items()
    }
    # CARE-MS I met relapse rate and missed disability (HR 0.70, 0.40-1.23).
    assert got == {"camms223": (2, 0, 2, 2), "care-ms-i": (1, 1, 2, 2), "care-ms-ii": (2, 0, 2, 2)}
    table = runner.invoke(app, ["list"]).stdout
    assert "1/2" in table and "–/" not in table


def test_list_formats_carry_the_unknown(
    runner: CliRunner, safety_counts: Study, tmp_path: Path
) -> None:
    (tmp_path / "nct00381238.yaml").write_text(study_yaml(safety_counts), encoding="utf-8")
    args = ["--data-dir", str(tmp_path), "list"]
    table = runner.invoke(app, args)
    assert table.exit_code == 0, table.stderr
    line = next(x for x in table.stdout.splitlines() if x.startswith("nct00381238"))
    assert "–/4" in line and "0/4" not in line

    record = next(
        r
        for r in json.loads(runner.invoke(app, [*args, "-f", "json"]).stdout)
        if r["id"] == "nct00381238"
    )
    assert record["primary_met"] is None and record["primary_not_met"] is None
    assert (record["primary_stated"], record["primary_total"]) == (0, 4)

    rows = csv.DictReader(io.StringIO(runner.invoke(app, [*args, "-f", "csv"]).stdout))
    row = next(r for r in rows if r["id"] == "nct00381238")
    assert (row["primary_met"], row["primary_stated"], row["primary_total"]) == ("", "0", "4")

    markdown = runner.invoke(app, [*args, "-f", "markdown"]).stdout
    line = next(x for x in markdown.splitlines() if x.startswith("| nct00381238 "))
    assert "| not reported | not reported | 0 | 4 |" in line


def test_show_json_says_how_many_verdicts_are_stated(
    runner: CliRunner, safety_counts: Study, tmp_path: Path
) -> None:
    path = tmp_path / "nct00381238.yaml"
    path.write_text(study_yaml(safety_counts), encoding="utf-8")
    computed = json.loads(runner.invoke(app, ["show", str(path), "-f", "json"]).stdout)["computed"]
    assert computed["primary_endpoints_met"] is None
    assert (computed["primary_endpoints_stated"], computed["primary_endpoints"]) == (0, 4)
    assert {v["state"] for v in computed["verdicts"].values()} == {"not-tested"}


# --- plain words ----------------------------------------------------------------------


def test_healthy_volunteers_are_not_people_with_the_condition() -> None:
    # NIH chewing study: 20 healthy participants, registered under the condition dysphagia
    # (the record says healthyVolunteers: true).
    study = imported("NCT05594173")
    population = study.population.model_copy(update={"healthy_volunteers": True})
    summary = flat(plain_summary(study.model_copy(update={"population": population})))
    assert "assigned 20 healthy volunteers (participants aged 18 to 60 years" in summary
    assert "The condition studied is dysphagia." in summary
    assert "people with" not in summary


def test_conditions_read_as_the_record_writes_them() -> None:
    # "Atrial Fibrillation; Stroke": both kept in the record's case, joined in words.
    assert "people with Atrial Fibrillation and Stroke (" in plain_summary(imported("NCT00806624"))
    assert "people with Alzheimer's Disease (" in plain_summary(imported("NCT00381238"))
    # One plain condition reads mid-sentence in lower case, as for the bundled studies
    # (here a study of healthy volunteers, so it is the condition studied, not theirs).
    assert "The condition studied is dysphagia." in plain_summary(imported("NCT05594173"))


def test_harms_named_only_when_someone_had_them() -> None:
    # C-axSpA reports its safety set twice (double-blind, then open-label extension). In the
    # double-blind set, cholecystectomy is 0 of 158 and 0 of 159: a harm nobody had there.
    study = imported("NCT02552212")
    double_blind = next(
        f.population
        for f in study.safety
        if f.term == "Cholecystectomy" and f.arms["placebo"].at_risk == 158
    )
    findings = [f for f in study.safety if f.population == double_blind]
    named = harms_named(study.model_copy(update={"safety": findings}))
    had = [
        f.term.lower()
        for f in findings
        if f.summary is None and any((a.affected or 0) > 0 for a in f.arms.values())
    ]
    assert "cholecystectomy" not in named
    assert named == list(dict.fromkeys(had))
    assert len(named) < len({f.term for f in findings if f.summary is None})


def test_zero_is_not_a_harm_but_unknown_is_not_zero(minimal_text: str, tmp_path: Path) -> None:
    path = tmp_path / "example.yaml"
    path.write_text(minimal_text, encoding="utf-8")
    study = load_study(path)
    nobody = SafetyFinding(
        term="Non-serious adverse events",
        arms={"drug": ArmSafety(affected=0, at_risk=311), "control": ArmSafety(affected=0)},
    )
    unknown = SafetyFinding(term="Thyroid disorders", arms={"drug": ArmSafety(note="frequent")})
    someone = SafetyFinding(term="Rash", arms={"drug": ArmSafety(pct=2.5)})
    study = study.model_copy(update={"safety": [nobody, unknown, someone]})
    assert harms_named(study) == ["thyroid disorders", "rash"]
    summary = plain_summary(study)
    assert "Harms reported include thyroid disorders and rash;" in summary
    assert "non-serious" not in summary


def test_no_harm_sentence_when_nobody_had_one(minimal_text: str, tmp_path: Path) -> None:
    path = tmp_path / "example.yaml"
    path.write_text(minimal_text, encoding="utf-8")
    study = load_study(path)
    zero = SafetyFinding(term="Headache", arms={"drug": ArmSafety(affected=0, at_risk=200)})
    assert "Harms" not in plain_summary(study.model_copy(update={"safety": [zero]}))
