"""Crossover and factorial records of the 1,023-record sample, and directions its records fix.

tests/fixtures/ctgov-sample-designs.zip holds, unchanged, the sample's 15 crossover and 2
factorial records with results (/work/shared/ctgov-bulk/ctg-studies-sample.zip), and
NCT04327024, whose measure titles state the order of their analyses. Direction examples
from non-inferiority records are read from tests/fixtures/ctgov-sample-margins.zip.
"""

from __future__ import annotations

import copy
import json
import zipfile
from pathlib import Path
from typing import Any

import pytest

from trialcli.importers.ctgov import record_to_study
from trialcli.model import ArmResult, PooledArms, Study
from trialcli.ops.audit import audit_study

FIXTURES = Path(__file__).parent / "fixtures"
DESIGNS = FIXTURES / "ctgov-sample-designs.zip"
MARGINS = FIXTURES / "ctgov-sample-margins.zip"
CROSSOVER = [
    "NCT00203203",
    "NCT00314366",
    "NCT00464568",
    "NCT00508196",
    "NCT00670111",
    "NCT00781508",
    "NCT00800540",
    "NCT01542502",
    "NCT03357731",
    "NCT04111536",
    "NCT04434664",
    "NCT04680273",
    "NCT04757584",
    "NCT05044325",
    "NCT05126836",
]
FACTORIAL = ["NCT00237692", "NCT02589977"]


def record(nct: str, archive: Path = DESIGNS) -> dict[str, Any]:
    with zipfile.ZipFile(archive) as opened:
        data: dict[str, Any] = json.loads(opened.read(f"{nct}.json"))
        return data


def study_of(nct: str, archive: Path = DESIGNS) -> Study:
    return record_to_study(record(nct, archive), "2026-01-01")


def warnings(study: Study) -> list[str]:
    return [w.text() for w in audit_study(study).warnings]


@pytest.mark.parametrize("nct", CROSSOVER + FACTORIAL)
def test_no_warning_is_explained_by_the_design(nct: str) -> None:
    assert warnings(study_of(nct)) == []


def test_a_crossover_keeps_sequences_and_treatments_apart() -> None:
    # LT3 for HFpEF: two randomized sequences of 14; results are about the two treatments.
    study = study_of("NCT04111536")
    kinds = [(a.label, a.kind, a.randomized.value if a.randomized else None) for a in study.arms]
    assert kinds == [
        ("Liothyronine (LT3), Then Placebo", "sequence", 14),
        ("Placebo, Then Liothyronine", "sequence", 14),
        ("Liothyronine (LT3)", "treatment", None),
        ("Placebo", "treatment", None),
    ]
    lt3 = study.arms[2]
    assert lt3.note is not None and "not a randomized sequence" in lt3.note
    # Deaths were filed under the sequence "LT3, Then Placebo" (28 on a 14-person arm).
    deaths = next(f for f in study.safety if f.term.lower().startswith("deaths"))
    assert set(deaths.arms) == {study.arms[2].id, study.arms[3].id}


def test_a_copied_sequence_description_does_not_make_a_treatment_a_sequence() -> None:
    # Cilostazol n-of-1: its result groups carry the sequences' descriptions word for word.
    study = study_of("NCT05126836")
    kinds = {a.label: a.kind for a in study.arms}
    assert kinds == {
        "Cilostazol First (1 Week), Then Placebo (1 Week)": "sequence",
        "Placebo First, Then Cilostazol": "sequence",
        "Cilostazol": "treatment",
        "Placebo": "treatment",
    }
    first = study.endpoints[0]
    cilostazol = next(a.id for a in study.arms if a.label == "Cilostazol")
    assert first.results[cilostazol].N == 23  # both sequences (12 + 13, two missing)


def _planted(study: Study, key: str, people: int) -> Study:
    endpoint = study.endpoints[0]
    results = dict(endpoint.results)
    results[key] = ArmResult(value=1, N=people)
    endpoints = [endpoint.model_copy(update={"results": results}), *study.endpoints[1:]]
    return study.model_copy(update={"endpoints": endpoints})


def test_an_over_count_in_a_treatment_warns_naming_it() -> None:
    data = copy.deepcopy(record("NCT04111536"))
    measure = data["resultsSection"]["outcomeMeasuresModule"]["outcomeMeasures"][0]
    measure["denoms"][0]["counts"][0]["value"] = "40"  # Liothyronine (LT3): 40 of 28 randomized
    (warning,) = warnings(record_to_study(data, "2026-01-01"))
    assert ", Liothyronine (LT3): 40 [ctgov] counted vs 28 [ctgov] randomized in the study" in (
        warning
    )
    assert "(a treatment of the crossover): 12 more" in warning


def test_an_over_count_in_a_sequence_warns_naming_it() -> None:
    study = study_of("NCT04111536")
    sequence = study.arms[1]
    (warning,) = warnings(_planted(study, sequence.id, 20))
    assert "Placebo, Then Liothyronine: 20 [ctgov] counted vs 14 [ctgov] randomized" in warning


def test_an_over_count_in_a_pooled_level_warns_naming_it() -> None:
    # A factorial level pooled from two cells of NCT00237692 (147 + 148 randomized).
    study = study_of("NCT00237692")
    level = PooledArms(
        id="behavioral-level",
        label="Behavioral intervention (pooled)",
        arms=[study.arms[1].id, study.arms[3].id],
        n=400,
    )
    planted = study.model_copy(update={"pooled_arms": [level]})
    (warning,) = warnings(planted)
    assert warning.startswith("Behavioral intervention (pooled): n=400")
    assert "= 295 randomized: 105 more than were randomized" in warning


def test_one_treatment_spelt_two_ways_is_one_group() -> None:
    data = copy.deepcopy(record("NCT05126836"))
    measures = data["resultsSection"]["outcomeMeasuresModule"]["outcomeMeasures"]
    measures[1]["groups"][0]["title"] = "Cilostazole"
    study = record_to_study(data, "2026-01-01")
    assert [a.label for a in study.arms if a.kind == "treatment"] == ["Cilostazol", "Placebo"]


# --- direction from the record's own words and figures ---------------------------------


def test_a_measure_title_states_the_order() -> None:
    study = study_of("NCT04327024")
    found = [
        (c.direction, c.direction_basis, study.group_label(c.arms[0]))
        for e in study.endpoints
        for c in e.comparisons
        if c.direction_basis == "title"
    ]
    assert len(found) == 3
    assert all(d == "stated" and label.startswith("Verinurad") for d, _, label in found)


def test_a_comment_states_the_order() -> None:
    # "The difference in success rate between treatment groups (gepotidacin - nitrofurantoin)"
    found = [c for e in study_of("NCT04187144", MARGINS).endpoints for c in e.comparisons]
    (comparison,) = [c for c in found if c.direction_basis == "comment"]
    assert comparison.estimate == 14.6
    assert (comparison.direction, comparison.direction_basis) == ("stated", "comment")
    assert comparison.arms == ("gepotidacin", "nitrofurantoin")


def test_counts_fix_a_ratio_the_roles_would_reverse() -> None:
    # Fentanyl 33/52 vs remifentanil 17/54: crude ratio 2.02, for a risk ratio of 1.9.
    study = study_of("NCT02349152", MARGINS)
    (ratio,) = [c for e in study.endpoints for c in e.comparisons if c.measure == "risk-ratio"]
    assert (ratio.estimate, ratio.direction, ratio.direction_basis) == (1.9, "inferred", "figures")
    assert ratio.arms == ("fentanyl-group", "remifentanil-group")
    assert ratio.note is not None
    assert (
        "arm roles would give the other order; the figures fix it "
        "(crude ratio 33/52 vs 17/54 = 2.02, for 1.9)"
    ) in ratio.note


def test_words_that_disagree_with_the_arithmetic_say_so() -> None:
    # "Least Square Means Difference (T vs C)" 37.19, where C − T = −34.96 − (−72.16).
    study = study_of("NCT03387813", MARGINS)
    found = [
        c
        for e in study.endpoints
        for c in e.comparisons
        if c.note and "the record's words give this order, its figures the other" in c.note
    ]
    assert len(found) == 4
    first = found[0]
    assert (first.estimate, first.direction, first.direction_basis) == (37.19, "stated", "stated")
    assert first.note is not None
    assert "its figures the other (-34.96 − (-72.16) = 37.19)" in first.note


def test_a_one_sided_p_value_is_kept_as_one_sided() -> None:
    # "t-test, 1 sided": the p-value is one-sided, its CI two-sided; the audit halves alpha.
    study = study_of("NCT03387813", MARGINS)
    kccq = next(
        c
        for e in study.endpoints
        for c in e.comparisons
        if c.estimate == -1.35 and c.measure == "mean-difference"
    )
    assert kccq.p_sides == "one-sided"
    two_sided = next(
        c for e in study_of("NCT04434664").endpoints for c in e.comparisons if c.p_value
    )
    assert (two_sided.p_value, two_sided.p_sides) == ("0.017", None)


def test_a_study_that_randomized_no_one_says_enrolled(tmp_path: Path) -> None:
    from typer.testing import CliRunner

    from trialcli.cli import app

    runner = CliRunner()
    study = tmp_path / "single.yaml"
    record = FIXTURES / "ctgov-wide" / "NCT00381238.json"  # single group, non-randomized
    assert runner.invoke(app, ["import", str(record), "-o", str(study)]).exit_code == 0
    shown = runner.invoke(app, ["show", str(study)])
    assert "N: 33 enrolled [1]" in shown.stdout
    assert "randomized" not in shown.stdout.split("N:", 1)[1].splitlines()[0]
    flow = runner.invoke(app, ["flow", str(study)])
    assert "Enrolled 33 [1]" in flow.stdout
    assert "Randomized 33" not in flow.stdout


def _factorial_level(people: str) -> Study:
    """NCT00237692 (2×2: behavioural and medication-management interventions) with its first
    measure's second group reported as the behavioural level: Arm 2 + Arm 4."""
    data = copy.deepcopy(record("NCT00237692"))
    measure = data["resultsSection"]["outcomeMeasuresModule"]["outcomeMeasures"][0]
    group = measure["groups"][1]
    group["title"] = "Behavioral"
    for count in measure["denoms"][0]["counts"]:
        if count["groupId"] == group["id"]:
            count["value"] = people
    return record_to_study(data, "2026-01-01")


def test_a_factorial_level_is_a_pooled_group_of_its_cells() -> None:
    study = _factorial_level("290")
    (level,) = study.pooled_arms
    assert (
        level.label == "Arm 2 - Nurse Behavioral Int + Arm 4 - Combined Behavioral and Med Mgmt Int"
    )
    assert [study.arm(a).randomized.value for a in level.arms] == [148, 147]  # type: ignore[union-attr]
    assert level.note is not None and "One factor's level of the factorial design" in level.note
    assert level.id in study.endpoints[0].results
    assert warnings(study) == []


def test_an_over_count_in_a_factorial_level_warns_naming_it() -> None:
    (warning,) = warnings(_factorial_level("400"))
    assert (
        "Arm 2 - Nurse Behavioral Int + Arm 4 - Combined Behavioral and Med Mgmt Int: "
        "400 [ctgov] counted vs 148 [ctgov] + 147 = 295 randomized in its arms (a pooled group)"
        ": 105 more"
    ) in warning
