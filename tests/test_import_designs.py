"""Each design class, imported from a real record, means what its record says.

Crossover, multi-period, factorial-like pooling, many arms, single arm, observational,
withdrawn without arms: the 17 records in tests/fixtures/ctgov*/ (real API v2 responses,
provenance in /work/shared/ctgov*/PROVENANCE.md). Tests marked "derived" change a copy of a
real record in one stated way.
"""

from __future__ import annotations

import json
import re
from pathlib import Path
from typing import Any

import pytest
from typer.testing import CliRunner

from trialcli.cli import app
from trialcli.importers.ctgov import record_to_study
from trialcli.model import Study
from trialcli.ops.audit import audit_study

FIXTURES = Path(__file__).parent / "fixtures"
RECORDS = sorted([*FIXTURES.glob("ctgov/*.json"), *FIXTURES.glob("ctgov-wide/*.json")])

# The only warnings `validate --strict` raises on the 17 records: each a real disagreement
# between the record's own figures, not one its design explains.
REAL_WARNINGS = {
    # A Cochran-Mantel-Haenszel odds ratio adjusted for smoking, against the crude odds.
    "NCT00602030": "odds ratio 0.72 [1] vs the arms' odds 20.8% [1] / 24.0% [1] = 0.83: 13% apart",
    # The record's 95% CI excludes 0 while its p-value is 0.052.
    "NCT02422186": "the 95% CI −7.16 to −0.03 [1] excludes 0 (no difference), but "
    "p=0.052 [1] is not below 0.05",
    # A logistic-regression odds ratio adjusted for region and MRI/CRP, against crude odds.
    "NCT02552212": "odds ratio 15.231 [1] vs the arms' odds 47.2% [1] / 7.0% [1] "
    "= 11.877: 28% apart",
}


def load(nct: str) -> dict[str, Any]:
    path = next(p for p in RECORDS if p.stem == nct)
    data: dict[str, Any] = json.loads(path.read_text(encoding="utf-8"))
    return data


def imported(data: dict[str, Any]) -> Study:
    return record_to_study(data, "2026-09-25", "file")


def arm(study: Study, label: str) -> Any:
    return next(a for a in study.arms if a.label == label)


@pytest.mark.slow
def test_every_record_imports_validates_shows_and_lists_harms(
    tmp_path: Path, runner: CliRunner
) -> None:
    # One `validate` over all 17 files, then `show` and `ae` of each (the slow part).
    for path in RECORDS:
        result = runner.invoke(
            app, ["import", str(path), "-o", str(tmp_path / f"{path.stem.lower()}.yaml")]
        )
        assert result.exit_code == 0, result.stderr
    files = [str(tmp_path / f"{path.stem.lower()}.yaml") for path in RECORDS]
    checked = runner.invoke(app, ["validate", "--strict", *files])
    assert checked.exit_code == 1  # the three real disagreements below
    warnings = re.findall(r"(nct\d{8})\.yaml:\d+:\d+: warning ([^\n]*)", checked.stdout)
    assert {nct.upper(): text for nct, text in warnings} == {
        nct: next(t for n, t in warnings if n.upper() == nct and expected in t)
        for nct, expected in REAL_WARNINGS.items()
    }
    assert len(warnings) == len(REAL_WARNINGS)
    assert "counted vs" not in checked.stdout  # no count that its design explains
    assert checked.stdout.endswith("17 files checked, all valid; 3 warnings; 3 fail --strict\n")
    for path in RECORDS:
        target = str(tmp_path / f"{path.stem.lower()}.yaml")
        shown = runner.invoke(app, ["show", target])
        assert shown.exit_code == 0, shown.stderr
        assert path.stem in shown.stdout
        harms = runner.invoke(app, ["ae", target])
        assert harms.exit_code == 0, harms.stderr
        assert "adverse events" in harms.stdout.splitlines()[0]


# --- crossover -----------------------------------------------------------------------------


def test_crossover_arms_are_sequences_and_results_are_treatments() -> None:
    study = imported(load("NCT01544998"))
    assert study.design.model == "crossover"
    assert study.design.note is not None and "counts each participant under every" in (
        study.design.note
    )
    sequences = [a for a in study.arms if a.randomized is not None]
    assert [(a.label, a.randomized.value) for a in sequences] == [  # type: ignore[union-attr]
        ("Tadalafil Plus Placebo, Then Tadalafil Plus Nesiritide", 26),
        ("Tadalafil Plus Nesiritide, Then Tadalafil Plus Placebo", 15),
    ]
    assert study.population.randomized is not None and study.population.randomized.value == 41
    assert study.population.note == "Enrollment as registered: 43 (actual)."
    # Results are by treatment: 21 people under each, more than either sequence's 15, which
    # in a crossover is no inconsistency. They are groups of their own, never merged.
    natriuresis = study.endpoints[0]
    assert sorted(r.N or 0 for r in natriuresis.results.values()) == [21, 21]
    assert not set(natriuresis.results) & {a.id for a in sequences}
    (first, *_) = natriuresis.comparisons
    assert study.group_label(first.arms[0]) == "Tadalafil Plus Nesiritide"
    assert (first.direction, first.measure, first.estimate) == ("inferred", "other", None)
    assert first.p_value is not None
    assert audit_study(study).warnings == ()


# --- multi-period ---------------------------------------------------------------------------


def test_multi_period_groups_count_from_the_period_they_entered() -> None:
    study = imported(load("NCT00602030"))
    counts = {a.label: (a.randomized.value, a.randomized.note) for a in study.arms if a.randomized}
    assert counts["Double-blind Phase: Erlotinib + Placebo"] == (
        65,
        "started Double-blind Phase (registry participant flow)",
    )
    assert counts["Double-blind Phase: Erlotinib + Entinostat 10 mg"][0] == 67
    assert counts["Crossover Phase: Erlotinib + Entinostat 10 mg"][0] == 16
    assert counts["Lead-in Phase: Erlotinib + Entinostat 5 mg"][0] == 3
    # 9 started the lead-in, 132 the double-blind phase: no one total is "randomized".
    assert study.population.randomized is None
    assert study.population.note is not None
    assert "9 started the first period of the participant flow (Lead-in Phase)" in (
        study.population.note
    )
    # "Using placebo as reference group": entinostat over placebo, as stated.
    (odds, *_) = [c for e in study.endpoints for c in e.comparisons]
    assert study.group_label(odds.arms[0]) == "Double-blind Phase: Erlotinib + Entinostat 10 mg"
    assert (odds.measure, odds.estimate, odds.direction) == ("odds-ratio", 0.72, "stated")
    assert [w.kind for w in audit_study(study).warnings] == ["ratio-vs-arms"]


def test_open_label_extension_group_is_not_counted_as_randomized_at_zero() -> None:
    study = imported(load("NCT02552212"))
    extension = arm(study, "SFE OL CZP 200 mg Q2W")
    assert extension.randomized.value == 243
    assert (
        extension.randomized.note
        == "started SFE Period (Week 52 - 156) (registry participant flow)"
    )
    assert [w.kind for w in audit_study(study).warnings] == ["ratio-vs-arms"]


# --- many arms, pooled groups ---------------------------------------------------------------


def test_seven_arm_record_maps_each_analysis_to_its_arms() -> None:
    study = imported(load("NCT03429543"))
    assert len([a for a in study.arms if a.randomized]) == 7
    found = [c for e in study.endpoints for c in e.comparisons]
    assert len(found) == 34
    assert all(c.direction == "stated" for c in found)
    assert all("placebo" in study.group_label(c.arms[1]).lower() for c in found)
    risk = [c for c in found if c.measure_name == "Risk Difference (RD)"]
    assert {c.measure for c in risk} == {"risk-difference"}
    assert [(c.estimate, c.ci, c.ci_level) for c in risk] == [
        (-10.0, (-58.7, 43.7), 90),
        (-10.0, (-58.7, 43.7), 90),
    ]


# --- single arm, observational, withdrawn ---------------------------------------------------


def test_single_arm_record_has_one_arm_and_no_comparison() -> None:
    study = imported(load("NCT00381238"))
    assert (study.design.allocation, study.design.comparator) == ("non-randomized", "none")
    (only,) = study.arms
    assert only.randomized is not None and only.randomized.value == 33
    assert [c for e in study.endpoints for c in e.comparisons] == []
    assert audit_study(study).warnings == ()


def test_observational_record_without_results_keeps_its_registration() -> None:
    study = imported(load("NCT03475563"))
    assert study.design.note == "Study type: observational."
    assert study.population.randomized is None
    assert study.population.note == "Enrollment as registered: 100 (estimated)."
    assert "No results posted on ClinicalTrials.gov." in [n.text for n in study.notes]
    mace = [e for e in study.endpoints if e.name.startswith("MACE")]
    assert [e.name for e in mace] == ["MACE (30 days)", "MACE (1 year)"]
    assert all(e.results == {} for e in study.endpoints)


def test_observational_cohort_of_healthy_participants() -> None:
    study = imported(load("NCT05594173"))
    assert study.population.healthy_volunteers is True
    assert study.arms[0].label == "Healthy Participants"


def test_withdrawn_record_without_arms_imports_its_registration() -> None:
    study = imported(load("NCT00260546"))
    assert (study.status, study.arms, study.safety) == ("withdrawn", [], [])
    notes = [n.text for n in study.notes]
    assert "Why stopped (registry): No patients enrolled for 6 months." in notes
    assert "No results posted on ClinicalTrials.gov." in notes
    assert (
        "The record registers no arms. Registered interventions: AV-node ablation (procedure)."
        in notes
    )
    assert study.population.note == "Enrollment as registered: 0 (actual)."
    assert study.population.randomized is None
    assert study.endpoints[0].name == ("Percentage of biventricular stimulated heart cycles")


# --- a real inconsistency is still caught, once ----------------------------------------------


def test_derived_over_count_in_a_parallel_record_warns_once_per_arm() -> None:
    # Derived from NCT02291237 (86 + 86 started): every measure now counts 90 people in
    # the eleclazine group — one cause, repeated in all ten of their rows.
    data = load("NCT02291237")
    for measure in data["resultsSection"]["outcomeMeasuresModule"]["outcomeMeasures"]:
        lists = [measure.get("denoms", [])] + [c.get("denoms", []) for c in measure["classes"]]
        for denom in (d for denoms in lists for d in denoms):
            for count in denom["counts"]:
                if count["groupId"] == "OG000":
                    count["value"] = "90"
    study = imported(data)
    over = [w.text() for w in audit_study(study).warnings if w.kind == "denominator"]
    assert len(over) == 1
    assert over[0].startswith("Change in Peak Oxygen Uptake (VO2)")
    assert over[0].endswith(
        "Eleclazine 30/3/6 mg: 90 [ctgov] counted vs 86 [ctgov] randomized in this arm: 4 more "
        "(and 9 more figures of this arm)"
    )
