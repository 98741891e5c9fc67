"""A group's title names a part, a cohort or an analysis set by words the rules must read whole.

NCT03332212 (tests/fixtures/ctgov-sample-group-titles.zip, from the 1,023-record sample):
four randomized arms, "Placebo Cohort A" 19, "Placebo Cohort B" 18, "Empagliflozin 10mg
Cohort A" 17, "Empagliflozin 10mg Cohort B" 18. The sample holds no record titling a group
"Cohort A Total", "Cohort No. 1" or "… Population" beside such arms, so each test alters
that record's titles as it says (derived, never a real record's figures changed).
"""

from __future__ import annotations

import json
import zipfile
from pathlib import Path
from typing import Any

from trialcli.importers.ctgov import record_to_study
from trialcli.model import Arm, Study

TITLES = Path(__file__).parent / "fixtures" / "ctgov-sample-group-titles.zip"


def record() -> dict[str, Any]:
    with zipfile.ZipFile(TITLES) as opened:
        data: dict[str, Any] = json.loads(opened.read("NCT03332212.json"))
        return data


def first_measure(data: dict[str, Any]) -> dict[str, Any]:
    found: dict[str, Any] = data["resultsSection"]["outcomeMeasuresModule"]["outcomeMeasures"][0]
    return found


def retitle(data: dict[str, Any], flow: dict[str, str], outcome: dict[str, str]) -> None:
    """Derived: the flow's (and arms') titles and the first measure's group titles, by id."""
    for group in data["resultsSection"]["participantFlowModule"]["groups"]:
        group["title"] = flow.get(group["id"], group["title"])
    for group in first_measure(data)["groups"]:
        group["title"] = outcome.get(group["id"], group["title"])


def study_of(data: dict[str, Any]) -> Study:
    return record_to_study(data, "2026-01-01")


def first_results(study: Study) -> dict[str, int | None]:
    endpoint = next(
        e for e in study.endpoints if e.name.startswith("Change From Baseline to Week 12")
    )
    return {study.group_label(k): r.N for k, r in endpoint.results.items()}


def filed(study: Study) -> list[Arm]:
    """The arms the first measure's groups are filed under."""
    endpoint = next(
        e for e in study.endpoints if e.name.startswith("Change From Baseline to Week 12")
    )
    return [a for a in study.arms if a.id in endpoint.results]


def test_a_cohort_total_is_the_union_of_that_cohort_only() -> None:
    # Derived: 'Placebo Cohort B' (11 analysed) of the first measure retitled 'Cohort A Total'.
    # Dropping the lone letter made it the union of all four arms (11 ≤ 72).
    data = record()
    retitle(data, {}, {"OG001": "Cohort A Total"})
    study = study_of(data)
    pooled = next(p for p in study.pooled_arms if p.label == "Cohort A Total")
    assert sorted(study.group_label(a) for a in pooled.arms) == [
        "Empagliflozin 10mg Cohort A",
        "Placebo Cohort A",
    ]
    assert first_results(study)["Cohort A Total"] == 11


def test_no_before_a_number_is_a_number_not_a_negation() -> None:
    # Derived: the arms titled by number, and the measure's groups 'Cohort No. N'.
    data = record()
    flow = {"FG000": "Placebo Cohort 1", "FG001": "Placebo Cohort 2"}
    flow |= {"FG002": "Empagliflozin 10mg Cohort 1", "FG003": "Empagliflozin 10mg Cohort 2"}
    retitle(
        data,
        flow,
        {f"OG00{i}": t.replace("Cohort", "Cohort No.") for i, t in enumerate(flow.values())},
    )
    study = study_of(data)
    assert first_results(study) == {
        "Placebo Cohort 1": 18,
        "Placebo Cohort 2": 11,
        "Empagliflozin 10mg Cohort 1": 17,
        "Empagliflozin 10mg Cohort 2": 13,
    }
    assert all(a.randomized is not None for a in filed(study))


def test_population_in_the_arms_own_titles_is_not_an_analysis_set() -> None:
    # Derived: arms 'Placebo (Adult Population)' …, the measure's groups 'Adult Population
    # Placebo' …: the same arms, so never groups of their own.
    data = record()
    names = ["Placebo", "Placebo", "Empagliflozin 10mg", "Empagliflozin 10mg"]
    ages = ["Adult", "Pediatric", "Adult", "Pediatric"]
    flow = {
        f"FG00{i}": f"{n} ({a} Population)"
        for i, (n, a) in enumerate(zip(names, ages, strict=True))
    }
    outcome = {
        f"OG00{i}": f"{a} Population {n}" for i, (n, a) in enumerate(zip(names, ages, strict=True))
    }
    retitle(data, flow, outcome)
    study = study_of(data)
    assert first_results(study) == {
        "Placebo (Adult Population)": 18,
        "Placebo (Pediatric Population)": 11,
        "Empagliflozin 10mg (Adult Population)": 17,
        "Empagliflozin 10mg (Pediatric Population)": 13,
    }
    assert all(a.randomized is not None for a in filed(study))


def real(nct: str) -> Study:
    with zipfile.ZipFile(TITLES) as opened:
        return study_of(json.loads(opened.read(f"{nct}.json")))


def test_a_pooled_group_is_never_one_period_arm() -> None:
    # NCT04667104 (unchanged): all 48 people, "Pooled (JNJ-3989 … +PegIFN …)", was filed
    # under the period arm "TP 2: … + PegIFN-alpha2a …".
    study = real("NCT04667104")
    tp2 = next(a for a in study.arms if a.label.startswith("TP 2:"))
    pooled = next(a for a in study.arms if a.label.startswith("Pooled ("))
    assert pooled.id != tp2.id and pooled.role == "other" and pooled.randomized is None
    assert pooled.note is not None and "titled as a union of arms ('pooled')" in pooled.note
    counted = [e for e in study.endpoints if pooled.id in e.results]
    assert counted and all(tp2.id not in e.results for e in counted)


def test_a_sub_studys_groups_are_not_the_overall_studys_arms() -> None:
    # NCT01986881 (unchanged): arms "Ertugliflozin 5 mg (Overall Cardiovascular Study)" 2,752
    # …; the glycemic sub-studies' groups (348, 55, …) were filed under them.
    study = real("NCT01986881")
    overall = {a.id for a in study.arms if "(Overall Cardiovascular Study)" in a.label}
    sub = [a for a in study.arms if "sub-study" in a.label.lower()]
    assert len(overall) == 3 and len(sub) >= 9
    assert all(a.role == "other" and a.randomized is None for a in sub)
    assert all(a.note and "a group of a sub-study" in a.note for a in sub)
    for endpoint in study.endpoints:
        if "Sub-stud" in endpoint.name or "Sub-Stud" in endpoint.name:
            assert not overall & endpoint.results.keys(), endpoint.name


def test_a_sub_study_that_is_an_arm_stays_that_arm() -> None:
    # NCT01970865 (unchanged, tests/fixtures/ctgov-sample-groups.zip): the harms group 'DDI
    # Substudy' (32) is the flow's arm 'Drug-drug Interaction (DDI) Sub-study' (32).
    with zipfile.ZipFile(TITLES.parent / "ctgov-sample-groups.zip") as opened:
        study = study_of(json.loads(opened.read("NCT01970865.json")))
    ddi = next(a for a in study.arms if a.label == "Drug-drug Interaction (DDI) Sub-study")
    assert ddi.randomized is not None and ddi.randomized.value == 32
    assert not [a for a in study.arms if a.label == "DDI Substudy"]
    counted = [f.arms[ddi.id].at_risk for f in study.safety if ddi.id in f.arms]
    assert counted and set(counted) == {32}
