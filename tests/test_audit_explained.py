"""The audit reads a record's own explanations before it warns, and still checks every group.

tests/fixtures/ctgov-sample-explained.zip holds, unchanged, five records of the 1,023-record
sample (/work/shared/ctgov-bulk/ctg-studies-sample.zip) whose warnings their own words or
flow explain: an as-treated "Safety Population" milestone (NCT01342952), a later open-label
period (NCT00559585), a lead-in and a randomized phase counted together (NCT02509156), a
Bayesian analysis whose "p-value" is a posterior probability (NCT00267098), and two causes
of over-count in one arm (NCT02874794). Two more come from ctgov-sample-margins.zip.
Each explanation is also planted away, or exceeded, to show that the check still warns.
"""

from __future__ import annotations

import copy
import json
import zipfile
from pathlib import Path
from typing import Any

from records import member, study_of

from trialcli.model import ArmResult, Study
from trialcli.ops.audit import Check, audit_study

FIXTURES = Path(__file__).parent / "fixtures"
EXPLAINED = FIXTURES / "ctgov-sample-explained.zip"
MARGINS = FIXTURES / "ctgov-sample-margins.zip"
DESIGNS = FIXTURES / "ctgov-sample-designs.zip"


def record(nct: str, archive: Path = EXPLAINED) -> dict[str, Any]:
    return member(archive, nct)


def warned(study: Study, kind: str) -> list[str]:
    return [w.text() for w in audit_study(study).warnings if w.kind == kind]


def explained(study: Study, kind: str) -> list[Check]:
    return [
        c for c in audit_study(study).checks if c.kind == kind and c.ok and "record" in c.text()
    ]


def measure(data: dict[str, Any], title: str) -> dict[str, Any]:
    measures = data["resultsSection"]["outcomeMeasuresModule"]["outcomeMeasures"]
    found: dict[str, Any] = next(m for m in measures if m["title"].startswith(title))
    return found


def set_denominator(found: dict[str, Any], group: str, value: int) -> None:
    for denom in found["denoms"]:
        for count in denom["counts"]:
            if count["groupId"] == group:
                count["value"] = str(value)


# --- who a figure counts, in the record's words and flow ---------------------------------


def test_an_as_treated_safety_population_milestone_explains_a_dose_groups_count() -> None:
    # NCT01342952: the flow's "Safety Population" files people by the highest dose received:
    # 6 and 12 in the 7.5 mg and 10 mg groups, which started with 5 each.
    study = study_of(record("NCT01342952"))
    assert warned(study, "denominator") == []
    texts = [c.text() for c in explained(study, "denominator")]
    assert any(
        t.endswith(
            "Ambrisentan 10 mg (ITT): 12 [ctgov] counted vs 5 [ctgov] randomized in this arm: "
            "7 more, which the record explains: it is within the 12 in this group in the flow's "
            "'Safety Population' (people counted by the treatment they received)"
        )
        for t in texts
    )


def test_an_over_count_beyond_the_safety_population_still_warns_naming_the_group() -> None:
    data = copy.deepcopy(record("NCT01342952"))
    title = "Number of Participants With Non-serious Treatment-emergent"
    set_denominator(measure(data, title), "OG003", 13)  # 13 of the 12 treated with 10 mg
    (warning,) = warned(study_of(data), "denominator")
    assert "Ambrisentan 10 mg (ITT): 13 [ctgov] counted vs 5 [ctgov] randomized" in warning


def test_a_measure_of_a_later_period_counts_that_periods_people() -> None:
    # NCT00559585: 1,373 started the open-label long-term period on SC abatacept (the IV
    # group switched to it); 736 were randomized to SC.
    study = study_of(record("NCT00559585"))
    texts = [c.text() for c in explained(study, "denominator")]
    assert any(
        t.startswith("Open-Label LT Period: Number of Participants With Death")
        and t.endswith(
            "Subcutaneous (SC) Abatacept: 1,373 [ctgov] counted vs 736 [ctgov] randomized in "
            "this arm: 637 more, which the record explains: it counts the 1,373 who started "
            "'Open Label LT Period Main + Sub-Study' in this group"
        )
        for t in texts
    )
    assert not [w for w in warned(study, "denominator") if "Subcutaneous" in w]


def test_an_over_count_beyond_the_named_period_still_warns() -> None:
    data = copy.deepcopy(record("NCT00559585"))
    set_denominator(
        measure(data, "Open-Label LT Period: Number of Participants With Death"), "OG000", 1400
    )
    over = [w for w in warned(study_of(data), "denominator") if "Subcutaneous" in w]
    assert over == [
        "Open-Label LT Period: Number of Participants With Death As Outcome, Serious Adverse "
        "Events (SAEs), Treatment-related SAEs, SAEs Leading to Discontinuation, Adverse Events "
        "(AEs), Treatment-related AEs, or AEs Leading to Discontinuation — Death, Subcutaneous "
        "(SC) Abatacept: 1,400 [ctgov] counted vs 736 [ctgov] randomized in this arm: 664 more"
        " (and 5 more figures of this arm)"
    ]


def test_a_population_naming_two_periods_counts_the_people_of_both() -> None:
    # NCT02509156: "include open label lead-in participants (n=6) as well as randomized
    # subjects (n=31)": 6 + 14 in the Allo-MSCs group (14 randomized, the lead-in's 6 not).
    study = study_of(record("NCT02509156"))
    texts = [c.text() for c in explained(study, "denominator")]
    assert (
        "Proportion of Major Adverse Cardiac Events (MACE), Allo-MSCs: 20 [ctgov] counted vs "
        "14 [ctgov] randomized in this arm: 6 more, which the record explains: it counts the "
        "6 + 14 = 20 who started 'Open-Label Lead-In Phase' and 'Randomized Phase' in this group"
    ) in texts
    # The harms count the same 20 without saying so: within the lead-in and randomized phase.
    assert any(
        t.startswith("Serious adverse events (any), Allo-MSCs: 20 [ctgov] counted vs 14")
        and t.endswith(
            "it is within the 6 + 14 = 20 who started 'Open-Label Lead-In Phase' and "
            "'Randomized Phase' in this group"
        )
        for t in texts
    )
    assert warned(study, "denominator") == []


def test_an_over_count_beyond_the_lead_in_and_randomized_phase_still_warns() -> None:
    data = copy.deepcopy(record("NCT02509156"))
    set_denominator(measure(data, "Subjects Who Fail to Complete Follow-up"), "OG000", 21)
    (warning,) = warned(study_of(data), "denominator")
    assert warning.startswith("Subjects Who Fail to Complete Follow-up, Allo-MSCs: 21 [ctgov]")
    assert warning.endswith("randomized in this arm: 7 more")


def test_each_cause_of_an_over_count_in_one_arm_warns_on_its_own() -> None:
    # NCT02874794, its open-label phase's harms group retitled as the double-blind arm (the
    # record's own title files it elsewhere): 454 of that arm's 232 in every harm, and one
    # measure's 233 in its full analysis set, are two causes and two warnings.
    data = copy.deepcopy(record("NCT02874794"))
    groups = data["resultsSection"]["adverseEventsModule"]["eventGroups"]
    groups[2]["title"] = "Sacubitril/Valsartan (Double-Blind Phase)"
    over = warned(study_of(data), "denominator")
    assert len(over) == 2
    assert any(
        ": 233 [ctgov] counted vs 232 [ctgov] randomized in this arm: 1 more" in w for w in over
    )
    assert any(
        ": 454 [ctgov] counted vs 232 [ctgov] randomized in this arm: 222 more" in w for w in over
    )
    assert all("Sacubitril/Valsartan (Double-Blind Phase)" in w for w in over)


def test_a_planted_over_count_is_not_hidden_inside_an_existing_one() -> None:
    with zipfile.ZipFile(DESIGNS) as opened:
        study = study_of(json.loads(opened.read("NCT04111536.json")))
    sequence = study.arms[1].id
    endpoints = list(study.endpoints)
    for index, people in ((0, 20), (1, 18)):
        results = {**endpoints[index].results, sequence: ArmResult(value=1, N=people)}
        endpoints[index] = endpoints[index].model_copy(update={"results": results})
    over = warned(study.model_copy(update={"endpoints": endpoints}), "denominator")
    assert len(over) == 2
    assert all("Placebo, Then Liothyronine: " in w for w in over)
    assert {w.split(": ")[-1] for w in over} == {"6 more", "4 more"}


# --- what an analysis is, in the record's words -------------------------------------------


def test_a_bayesian_posterior_probability_is_not_read_as_a_p_value() -> None:
    # NCT00267098 (BLOCK HF): "a p-value was not used. Instead, a posterior probability …
    # A probability ≥0.95 was significant": 0.999 beside a credible interval excluding 1.
    study = study_of(record("NCT00267098"))
    assert warned(study, "p-value-vs-ci") == []
    (first, *_) = explained(study, "p-value-vs-ci")
    assert first.text().endswith(
        "p=0.9990 [ctgov] is not below 0.05; the record's analysis is Bayesian ('BLOCK HF is a "
        "Bayesian study'): its figure is a posterior probability, not a p-value"
    )
    # Without those words the same figures warn: the words, not the numbers, explain them.
    endpoints = [
        e.model_copy(
            update={"comparisons": [c.model_copy(update={"note": None}) for c in e.comparisons]}
        )
        for e in study.endpoints
    ]
    assert len(warned(study.model_copy(update={"endpoints": endpoints}), "p-value-vs-ci")) == 4


def test_a_ratio_whose_order_the_record_leaves_open_is_checked_both_ways() -> None:
    # NCT03387813: heart-failure hospitalizations after vs before implantation, as two groups
    # of one arm; the record does not say which is the numerator (0.415 / 0.643 = 0.65).
    study = study_of(record("NCT03387813", MARGINS))
    assert warned(study, "ratio-vs-arms") == []
    endpoint = next(e for e in study.endpoints if "[Treatment Group]" in e.name)
    checks = [
        c
        for c in audit_study(study).checks
        if c.kind == "ratio-vs-arms" and endpoint.name in c.text()
    ]
    (check,) = checks
    assert "hazard ratio 0.65 [ctgov] vs the arms' 0.415 [ctgov] / 0.643 [ctgov] = 0.65" in (
        check.text()
    )
    assert check.text().endswith("the record does not say which is the numerator")
    # An order the file states is checked as stated.
    index = study.endpoints.index(endpoint)
    stated = endpoint.comparisons[0].model_copy(update={"direction": "stated"})
    endpoints = list(study.endpoints)
    endpoints[index] = endpoint.model_copy(update={"comparisons": [stated]})
    fixed = warned(study.model_copy(update={"endpoints": endpoints}), "ratio-vs-arms")
    assert len(fixed) == 1 and "0.643 [ctgov] / 0.415 [ctgov] = 1.55: 58% apart" in fixed[0]


def test_a_stated_adjusted_analysis_is_named_in_its_warning() -> None:
    # NCT01986881: an adjusted odds ratio 2.49 beside crude odds of 1.97 still warns (the
    # record does not say why they differ), naming the adjustment the record states.
    study = study_of(record("NCT01986881", MARGINS))
    adjusted = [w for w in warned(study, "ratio-vs-arms") if "odds ratio 2.49" in w]
    (warning,) = adjusted
    assert warning.endswith(
        "more than the 10% beyond rounding that adjusted models may explain; the record states "
        "an adjusted analysis ('Adjusted Odds Ratio Relative to Placebo')"
    )
