"""Result groups are filed under an arm only when they are that arm (issue 21, items 1-3).

Real records of the 1,023-record sample (/work/shared/ctgov-bulk/ctg-studies-sample.zip):
NCT00379769 and NCT01970865 in tests/fixtures/ctgov-sample-groups.zip, the others in
ctgov-sample-explained.zip, unchanged except where a test alters one group to show a rule.
A group whose words name a population, a union of arms, or another study period is a group
of its own (or a pooled group of the arms), with its own count, never one arm's.
"""

from __future__ import annotations

import copy
from pathlib import Path
from typing import Any

from records import member, study_of

from trialcli.model import Study
from trialcli.ops.audit import audit_study

FIXTURES = Path(__file__).parent / "fixtures"
GROUPS = FIXTURES / "ctgov-sample-groups.zip"
EXPLAINED = FIXTURES / "ctgov-sample-explained.zip"


def record(nct: str, archive: Path = EXPLAINED) -> dict[str, Any]:
    return member(archive, nct)


def over_counts(study: Study) -> list[str]:
    return [w.text() for w in audit_study(study).warnings if w.kind == "denominator"]


def measures(data: dict[str, Any]) -> list[dict[str, Any]]:
    found: list[dict[str, Any]] = data["resultsSection"]["outcomeMeasuresModule"]["outcomeMeasures"]
    return found


def arm_titled(study: Study, label: str) -> str:
    return next(a.id for a in study.arms if a.label == label)


# --- a population the arms' words exclude, an analysis set, another period --------------


def test_a_group_naming_what_an_arm_negates_is_not_that_arm() -> None:
    # NCT00267098: "Subjects With a CRT-P Implant Attempt" (561) is not "No Implant Attempt".
    study = study_of(record("NCT00267098"))
    found = [e for e in study.endpoints if e.name.startswith("CRT-P and CRT-D System")]
    no_attempt = arm_titled(study, "No Implant Attempt")
    attempt = arm_titled(study, "Subjects With a CRT-P Implant Attempt")
    assert found and all(no_attempt not in e.results for e in found)
    assert {e.results[attempt].N for e in found} == {561}
    arm = next(a for a in study.arms if a.id == attempt)
    assert arm.randomized is None and arm.note is not None
    assert "not one of the study's arms" in arm.note
    assert not [w for w in over_counts(study) if "No Implant Attempt" in w]


def test_an_analysis_set_is_its_own_group() -> None:
    # NCT01970865: the one PK group 'Phase 2 and Japan LIC PK Analysis Set' (19 at day -7)
    # was filed under the 3-person Japan lead-in cohort.
    study = study_of(record("NCT01970865", GROUPS))
    pk = arm_titled(study, "Phase 2 and Japan LIC PK Analysis Set")
    japan = arm_titled(study, "Japan Lead-In Cohort (LIC)")
    cmax = next(e for e in study.endpoints if e.name.endswith("(Phase 2) — Day -7"))
    assert cmax.results[pk].N == 19 and japan not in cmax.results
    note = next(a.note for a in study.arms if a.id == pk)
    assert note is not None
    assert "an analysis set or population ('Analysis Set'), not a randomized arm" in note
    assert not [w for w in over_counts(study) if "Japan Lead-In" in w]


def test_a_group_of_another_study_period_is_not_the_arm_of_this_one() -> None:
    # NCT02874794: 'Open-Label Phase Sacubitril/Valsartan' (454) beside the double-blind arm
    # of 232, whose own adverse-event group counts 231.
    study = study_of(record("NCT02874794"))
    double_blind = arm_titled(study, "Sacubitril/Valsartan (Double-Blind Phase)")
    open_label = arm_titled(study, "Open-Label Phase Sacubitril/Valsartan")
    deaths = [f for f in study.safety if f.term == "Deaths (all causes)"]
    assert {k: a.at_risk for f in deaths for k, a in f.arms.items()}[open_label] == 454
    assert [f.arms[double_blind].at_risk for f in deaths if double_blind in f.arms] == [231]
    note = next(a.note for a in study.arms if a.id == open_label)
    assert note is not None and "a study period ('open label') none of the arms is of" in note
    # The one over-count left is the record's own: 233 in the full analysis set of 232.
    (warning,) = over_counts(study)
    assert ": 233 [ctgov] counted vs 232 [ctgov] randomized in this arm: 1 more" in warning


# --- a union of randomized arms is a pooled group ----------------------------------------


def test_a_combined_group_is_a_pooled_group_of_its_arms() -> None:
    # NCT00379769 (RECORD): 'Combined RSG' 2,220 = 1,117 + 1,103 randomized to RSG on
    # background metformin or sulfonylurea; 'Combined MET/SU' 2,227 = 1,105 + 1,122.
    study = study_of(record("NCT00379769", GROUPS))
    pooled = {p.label: p for p in study.pooled_arms}
    rsg, control = pooled["Combined RSG"], pooled["Combined MET/SU"]
    assert [study.group_label(a) for a in rsg.arms] == [
        "RSG in Addition to Background MET",
        "RSG in Addition to Background SU",
    ]
    assert [study.group_label(a) for a in control.arms] == [
        "SU in Addition to Background MET",
        "MET in Addition to Background SU",
    ]
    assert rsg.note is not None and "the union of these randomized arms" in rsg.note
    first = study.endpoints[0]
    assert {k: r.N for k, r in first.results.items()} == {rsg.id: 2220, control.id: 2227}
    # The observational follow-up's own groups stay theirs.
    follow_up = arm_titled(study, "Combined RSG: Observational Follow-up")
    assert any(follow_up in e.results for e in study.endpoints)
    assert over_counts(study) == []


def test_an_over_count_in_a_combined_group_warns_naming_it() -> None:
    study = study_of(record("NCT00379769", GROUPS))
    rsg = next(p for p in study.pooled_arms if p.label == "Combined RSG")
    first = study.endpoints[0]
    results = {**first.results, rsg.id: first.results[rsg.id].model_copy(update={"N": 2300})}
    planted = study.model_copy(
        update={"endpoints": [first.model_copy(update={"results": results}), *study.endpoints[1:]]}
    )
    (warning,) = over_counts(planted)
    assert warning.startswith("Number of Participants With Cardiovascular Death")
    assert ", Combined RSG: 2,300 [ctgov] counted vs 1,117 [ctgov] + 1,103 = 2,220" in warning
    assert warning.endswith(": 80 more")


def test_a_combined_group_counting_more_than_its_arms_is_its_own_group() -> None:
    # The record's 'Combined RSG' given 2,300, more than the 2,220 randomized to its arms: not
    # their union, so its own group (with its own count), never theirs.
    data = copy.deepcopy(record("NCT00379769", GROUPS))
    for denom in measures(data)[0]["denoms"]:
        for count in denom["counts"]:
            if count["groupId"] == "OG000":
                count["value"] = "2300"
    study = study_of(data)
    assert [p.label for p in study.pooled_arms] == ["Combined MET/SU", "Combined RSG"]
    own = arm_titled(study, "Combined RSG")
    assert study.endpoints[0].results[own].N == 2300


# --- a lead-in, and the record's words about whom harms count -----------------------------


def test_a_lead_in_is_not_counted_as_randomized() -> None:
    # NCT02509156: 6 started the open-label lead-in in Allo-MSCs, 14 and 17 the randomized
    # phase: the arm's randomized are the 14, the study's the 31.
    study = study_of(record("NCT02509156"))
    allo = next(a for a in study.arms if a.label == "Allo-MSCs")
    assert allo.randomized is not None and allo.randomized.value == 14
    assert allo.randomized.note == "started Randomized Phase (registry participant flow)"
    assert study.population.randomized is not None
    assert study.population.randomized.value == 31
    # "include open label lead-in participants (n=6)": the arm's 14 and the lead-in's 6.
    texts = [c.text() for c in audit_study(study).checks if c.ok]
    assert (
        "Subjects Who Fail to Complete Follow-up, Allo-MSCs: 20 [ctgov] counted vs 14 [ctgov] "
        "randomized in this arm: 6 more, which the record explains: it counts the 6 + 14 = 20 "
        "who started 'Open-Label Lead-In Phase' and 'Randomized Phase' in this group"
    ) in texts


def test_the_harms_description_of_whom_they_count_is_kept_and_read() -> None:
    # NCT00559585: 'Population includes both Main Study and Anti-TNF Failure Sub-study':
    # 731 IV abatacept at risk = 721 of the main study + 10 of the sub-study.
    study = study_of(record("NCT00559585"))
    assert study.safety[0].population is not None
    assert "Population includes both Main Study and Anti-TNF Failure Sub-study" in (
        study.safety[0].population
    )
    texts = [c.text() for c in audit_study(study).checks if c.ok]
    assert any(
        "Intravenous (IV) Abatacept: 731 [ctgov] counted vs 721 [ctgov] randomized" in t
        and "721 + 10 = 731 who started" in t
        for t in texts
    )
    assert not [w for w in over_counts(study) if "Intravenous (IV)" in w]


def test_harms_beyond_what_the_description_explains_still_warn() -> None:
    data = copy.deepcopy(record("NCT00559585"))
    groups = data["resultsSection"]["adverseEventsModule"]["eventGroups"]
    iv = next(g for g in groups if g["title"] == "IV Abatacept")
    iv["seriousNumAtRisk"] = 740  # 9 more than the 721 + 10 the description names
    (warning,) = [w for w in over_counts(study_of(data)) if "Intravenous (IV)" in w]
    assert "740 [ctgov] counted vs 721 [ctgov] randomized in this arm: 19 more" in warning


# --- one treatment spelt two ways (item 3) ------------------------------------------------


def _misspelt(description: str | None, people: int | None = None) -> Study:
    # NCT02874794's first measure, its enalapril group spelt 'Enalaprill' (one letter more).
    data = copy.deepcopy(record("NCT02874794"))
    first = measures(data)[0]
    group = first["groups"][0]
    assert group["title"] == "Enalapril (Double-Blind Phase)"
    group["title"] = "Enalaprill (Double-Blind Phase)"
    if description is None:
        group.pop("description", None)
    else:
        group["description"] = description
    if people is not None:
        for denom in first["denoms"]:
            for count in denom["counts"]:
                if count["groupId"] == group["id"]:
                    count["value"] = str(people)
    return study_of(data)


def test_one_letter_of_spelling_is_the_same_arm_when_the_rest_agrees() -> None:
    study = _misspelt(None)
    enalapril = arm_titled(study, "Enalapril (Double-Blind Phase)")
    assert study.endpoints[0].results[enalapril].N == 233
    assert not [a for a in study.arms if a.label.startswith("Enalaprill")]


def test_one_letter_of_spelling_is_not_enough_when_the_rest_disagrees() -> None:
    # Another drug in the description, or more people than started the arm: its own group.
    for study in (
        _misspelt("Captopril 25 mg, oral, tablet, three times daily."),
        _misspelt(None, 300),
    ):
        enalapril = arm_titled(study, "Enalapril (Double-Blind Phase)")
        assert enalapril not in study.endpoints[0].results
        assert [a.label for a in study.arms if a.label.startswith("Enalaprill")] == [
            "Enalaprill (Double-Blind Phase)"
        ]
