"""What imported comparisons mean: which way they run, what they measure, what they test.

The 17 records in tests/fixtures/ctgov*/ are real, verbatim API v2 responses (provenance in
/work/shared/ctgov*/PROVENANCE.md). Every expectation below was read off those files;
tests marked "derived" change a copy of a real record in one stated way.
"""

from __future__ import annotations

import copy
import json
import re
from pathlib import Path
from typing import Any

import pytest

from trialcli.formatting import comparison_text
from trialcli.importers.ctgov import record_to_study
from trialcli.importers.ctgov.analyses import MEASURES, measure_of
from trialcli.importers.ctgov.direction import Side, direction, side
from trialcli.model import Comparison, Study, null_effect
from trialcli.ops.audit import audit_study

FIXTURES = Path(__file__).parent / "fixtures"
RECORDS = sorted([*FIXTURES.glob("ctgov/*.json"), *FIXTURES.glob("ctgov-wide/*.json")])
ANALYSIS_TEXTS = ("estimateComment", "paramType", "groupDescription", "statisticalComment")


def load(nct: str) -> dict[str, Any]:
    path = next(p for p in RECORDS if p.stem == nct)
    data: dict[str, Any] = json.loads(path.read_text(encoding="utf-8"))
    return data


def imported(data: dict[str, Any]) -> Study:
    return record_to_study(data, "2026-09-25", "file")


def comparisons(study: Study) -> list[Comparison]:
    return [c for e in study.endpoints for c in e.comparisons]


def label(study: Study, arm_id: str) -> str:
    return study.group_label(arm_id)


# --- measures: every paramType in the 17 records, and the words the table must know ---------

PARAM_TYPES = {
    # as written in the 17 records
    "Mean Difference (Final Values)": "mean-difference",
    "Mean Difference (Net)": "mean-difference",
    "Rate difference (percentage)": "risk-difference",
    "Odds Ratio (OR)": "odds-ratio",
    "Difference": "difference",
    "LS Mean Difference(Eleclazine - Placebo)": "ls-mean-difference",
    "Least square mean ratio": "ls-mean-ratio",
    "Hazard Ratio (HR)": "hazard-ratio",
    "Adjusted Odds Ratio": "odds-ratio",
    "Median Difference (Net)": "median-difference",
    "Risk Difference (RD)": "risk-difference",
    "Adjusted mean difference": "mean-difference",
    "difference in percentages": "risk-difference",
    "Risk Ratio (RR)": "risk-ratio",
    "difference in percentage": "risk-difference",
    "Difference of Least Square (LS) Means": "ls-mean-difference",
    "Least Square (LS) Mean Difference": "ls-mean-difference",
    # registry wordings the records above do not use
    "Adjusted geometric mean ratio": "geometric-mean-ratio",
    "Ratio of Geometric Means": "geometric-mean-ratio",
    "Rate Ratio": "rate-ratio",
    "Relative Risk": "risk-ratio",
    "Win Ratio": "win-ratio",
    "Slope": "slope-difference",
    "LS Mean Ratio": "ls-mean-ratio",
}


@pytest.mark.parametrize(("param", "measure"), PARAM_TYPES.items())
def test_each_registry_param_type_is_a_measure(param: str, measure: str) -> None:
    assert measure_of(param) == measure


def test_every_param_type_in_the_records_is_in_the_table() -> None:
    found = {
        a["paramType"]
        for path in RECORDS
        for m in json.loads(path.read_text(encoding="utf-8"))
        .get("resultsSection", {})
        .get("outcomeMeasuresModule", {})
        .get("outcomeMeasures", [])
        for a in m.get("analyses", [])
        if a.get("paramType")
    }
    assert found <= set(PARAM_TYPES), found - set(PARAM_TYPES)


def test_measures_have_their_null_and_an_unknown_one_none() -> None:
    assert {m: null_effect(m) for _, m in MEASURES} | {"other": null_effect("other")} == {
        "hazard-ratio": 1.0,
        "win-ratio": 1.0,
        "odds-ratio": 1.0,
        "rate-ratio": 1.0,
        "risk-ratio": 1.0,
        "geometric-mean-ratio": 1.0,
        "ls-mean-ratio": 1.0,
        "slope-difference": 0.0,
        "risk-difference": 0.0,
        "median-difference": 0.0,
        "ls-mean-difference": 0.0,
        "mean-difference": 0.0,
        "difference": 0.0,
        "other": None,
    }
    assert null_effect("ls-mean-ratio", "%") == 100.0  # bioequivalence writes 91.52 for 0.9152


def test_unknown_param_type_keeps_its_words_as_other() -> None:
    data = load("NCT02291237")
    analysis = data["resultsSection"]["outcomeMeasuresModule"]["outcomeMeasures"][0]["analyses"][0]
    analysis["paramType"] = "Ratio of AUCs"  # derived: a measure the table does not know
    (first, *_) = comparisons(imported(data))
    assert (first.measure, first.measure_name, first.estimate) == ("other", "Ratio of AUCs", -0.55)
    assert comparison_text(first) == "Ratio of AUCs −0.55 (−1.87 to 0.78), p=0.416"


# --- direction: every analysis of the 17 records against its own words ---------------------

# The directional phrases the 17 records use, and which arm each names first: the label
# of the arm that must come first (A in "A vs B").
STATED = [
    (re.compile(r"\[Treatment\] - Placebo|\[treatment\]-\[placebo\]", re.I), "not placebo"),
    (re.compile(r"CZP/(?:Placebo|PBO)"), "not placebo"),
    (re.compile(r"Eleclazine - Placebo"), "not placebo"),
    (re.compile(r"placebo as reference group"), "not placebo"),
    (re.compile(r"pooled versus placebo"), "not placebo"),
    (re.compile(r"sildenafil 20 mg against"), "Sildenafil 20 mg"),
]


RANK = {"experimental": 0, "active-comparator": 1, "placebo": 2}


def two_sided_analyses(data: dict[str, Any]) -> list[dict[str, Any]]:
    """Analyses of two groups, or of several that their words say were combined."""
    measures = data.get("resultsSection", {}).get("outcomeMeasuresModule", {})
    return [
        a
        for m in measures.get("outcomeMeasures", [])
        for a in m.get("analyses", [])
        if len(a.get("groupIds", [])) == 2
        or re.search(r"combin|pool", " ".join(a.get(k, "") for k in ANALYSIS_TEXTS), re.I)
    ]


@pytest.mark.parametrize("path", RECORDS, ids=[p.stem for p in RECORDS])
def test_each_comparison_runs_the_way_its_record_says(path: Path) -> None:
    data = json.loads(path.read_text(encoding="utf-8"))
    study = imported(data)
    analyses = two_sided_analyses(data)
    found = comparisons(study)
    assert len(found) == len(analyses)
    outcome_titles = {
        g["id"]: g["title"]
        for m in data.get("resultsSection", {})
        .get("outcomeMeasuresModule", {})
        .get("outcomeMeasures", [])
        for g in m.get("groups", [])
    }
    for analysis, comparison in zip(analyses, found, strict=True):
        words = " ".join(analysis.get(k, "") for k in ANALYSIS_TEXTS).replace("\\", "")
        first, second = (label(study, a) for a in comparison.arms)
        stated = next((who for pattern, who in STATED if pattern.search(words)), None)
        if stated == "not placebo":
            assert comparison.direction == "stated", words
            assert "placebo" not in first.lower() and "placebo" in second.lower(), words
        elif stated is not None:
            assert comparison.direction == "stated", words
            assert first == stated, words
        elif comparison.direction_basis == "figures":
            # The record's own figures fix the order: A − B or a crude ratio, in the note.
            assert comparison.note is not None
            assert "order from " in comparison.note or "the figures fix it" in comparison.note
        elif comparison.direction == "inferred":
            # By role: the placebo, sham or comparator side comes second; groups without
            # a registered role by the placebo their title names, or the reference
            # product their description names (bioequivalence).
            ranks = [RANK.get(study.group_role(a) or "other") for a in comparison.arms]
            by_role = None not in ranks and ranks[0] < ranks[1]  # type: ignore[operator]
            by_title = "placebo" in second.lower() and "placebo" not in first.lower()
            assert by_role or by_title or (first, second) == ("Treatment A", "Treatment B")
        elif len(analysis["groupIds"]) > 2:
            pass  # pooled groups: test_pooled_analyses_of_a_two_by_two_record
        else:
            # Never the bare groupIds order as "stated": unknown keeps it, and says so.
            assert comparison.direction == "unknown", words
            group_order = [outcome_titles[g] for g in analysis["groupIds"]]
            assert [first, second] == [
                next(a.label for a in study.arms if a.label in t or t in a.label)
                for t in group_order
            ]


def test_direction_counts_over_the_17_records() -> None:
    counts: dict[tuple[str, str | None], int] = {}
    for path in RECORDS:
        for comparison in comparisons(imported(json.loads(path.read_text(encoding="utf-8")))):
            key = (comparison.direction, comparison.direction_basis)
            counts[key] = counts.get(key, 0) + 1
    # 15 orders fixed by the record's figures (A − B, or a crude ratio of counts); two
    # of them were unknown, 13 came from arm roles.
    assert counts == {
        ("stated", "stated"): 60,
        ("inferred", "figures"): 15,
        ("inferred", "roles"): 41,
        ("unknown", None): 5,
    }


def test_pooled_analyses_of_a_two_by_two_record() -> None:
    # TIME: stem cells or placebo, at day 3 or day 7; analyses pool the days. "Day 3 Stem
    # Cell Arm and Day 7 Stem Cell Arm were combined and compared to the combination of
    # Day 3 Placebo and Day 7 Placebo arms."
    study = imported(load("NCT00684021"))
    stem, placebo = study.pooled_arms
    assert (stem.label, placebo.label) == (
        "Day 3 Stem Cell Arm + Day 7 Stem Cell Arm",
        "Day 3 Placebo Arm + Day 7 Placebo Arm",
    )
    assert [study.arm(a).role for a in stem.arms] == ["active-comparator"] * 2  # type: ignore[union-attr]
    found = comparisons(study)
    assert all(c.arms == (stem.id, placebo.id) for c in found)
    assert [c.direction for c in found] == ["inferred", *["stated"] * 4, "inferred", "inferred"]
    assert (found[1].measure, found[1].estimate, found[1].ci) == (
        "mean-difference",
        -2.6,
        (-12.2, 6.9),
    )
    # Analyses of the four groups that do not say they were combined stay in words.
    notes = {e.id: e.note or "" for e in study.endpoints}
    assert (
        "Registry analysis of Day 3 Stem Cell Arm, Day 3 Placebo Arm, Day 7 Stem Cell Arm, "
        "Day 7 Placebo Arm: Risk Ratio (RR) 0.96, 95% CI 0.42 to 2.23, p 0.93, Fisher Exact."
    ) in notes["secondary-1"]


def test_stated_direction_turns_a_placebo_first_record_around() -> None:
    # DINAMO lists Placebo first in every analysis; its words say "[Treatment] - Placebo".
    study = imported(load("NCT03429543"))
    first = comparisons(study)[0]
    assert label(study, first.arms[0]).startswith("Linagliptin 5 mg")
    assert label(study, first.arms[1]).startswith("Placebo")
    assert (first.measure, first.estimate, first.direction) == ("mean-difference", -0.34, "stated")
    assert first.unit == "percentage points"  # HbA1c, a percentage


def test_stated_ratio_direction_makes_the_odds_ratio_agree_with_its_arms() -> None:
    # "Odds ratio: CZP/Placebo": 15.231 is CZP over placebo. Read in the groupIds order
    # the audit found it 17,989% away from the arms' odds; read right it is 28% away.
    study = imported(load("NCT02552212"))
    first = comparisons(study)[0]
    assert (label(study, first.arms[0]), first.estimate) == ("CZP 200 mg Q2W (FAS)", 15.231)
    (warning,) = audit_study(study).warnings
    assert "odds ratio 15.231 [ctgov] vs the arms' odds 47.2% [ctgov] / 7.0% [ctgov]" in (
        warning.text()
    )
    assert "= 11.877: 28% apart" in warning.text()


SIDES = {
    "drug": side(["Drug X 10 mg"], (), "experimental", None, None),
    "placebo": side(["Placebo"], (), "placebo", None, None),
    "comparator": side(["Warfarin"], (), "active-comparator", None, None),
    "dose": side(["Drug X 20 mg"], (), "experimental", None, None),
}


@pytest.mark.parametrize(
    ("text", "a", "b", "expected"),
    [
        ("Drug X vs. Placebo", "placebo", "drug", (True, "stated")),
        ("Placebo versus Drug X", "drug", "placebo", (True, "stated")),
        ("[Drug X]/[Placebo]", "placebo", "drug", (True, "stated")),
        ("ratio Drug X/placebo", "drug", "placebo", (False, "stated")),
        ("Drug X − Placebo", "placebo", "drug", (True, "stated")),
        ("Drug X minus Placebo", "placebo", "drug", (True, "stated")),
        ("Placebo minus active treatment", "drug", "placebo", (True, "stated")),
        ("20 mg compared with 10 mg", "drug", "dose", (True, "stated")),
        ("using placebo as reference group", "placebo", "drug", (True, "stated")),
        ("ANCOVA with baseline as covariate", "placebo", "drug", (True, "inferred")),
        ("ANCOVA with baseline as covariate", "comparator", "drug", (True, "inferred")),
        ("ANCOVA with baseline as covariate", "dose", "drug", (False, "unknown")),
        ("and/or DU-176b 30/60 mg", "dose", "drug", (False, "unknown")),
    ],
)
def test_direction_table(text: str, a: str, b: str, expected: tuple[bool, str]) -> None:
    one: Side = SIDES[a]
    order = direction([text], one, SIDES[b])
    assert (order.swap, order.how) == expected


def test_show_says_how_the_direction_is_known() -> None:
    study = imported(load("NCT00806624"))
    texts = [comparison_text(c) for c in study.endpoints[0].comparisons]
    # 20.3 − 23.8 = −3.5: the record's figures fix the order the analysis left unsaid.
    assert texts[0] == (
        "risk difference −3.5 (−16.2 to 9.4) percentage points"
        " (direction inferred from the record's figures)"
    )
    assert texts[1].endswith("percentage points (direction inferred from the record's figures)")
    stated = comparisons(imported(load("NCT02291237")))[0]
    assert comparison_text(stated) == (
        "least-squares mean difference −0.55 (−1.87 to 0.78) mL/kg/min, p=0.416"
    )


# --- tests: superiority, non-inferiority, equivalence, one-sided intervals ------------------


def test_bioequivalence_is_an_equivalence_test_on_a_percent_ratio() -> None:
    study = imported(load("NCT03031496"))
    found = comparisons(study)
    tests = [(c.test, c.measure, c.estimate, c.ci, c.ci_level, c.ci_sides, c.unit) for c in found]
    assert tests[0] == (
        "equivalence",
        "ls-mean-ratio",
        91.52,
        (87.77, 95.43),
        90,
        "two-sided",
        "%",
    )
    assert [t[0] for t in tests] == ["equivalence"] * 5 + ["superiority"]  # the 6th: OTHER
    # The record states no 80–125% limits: none are invented, and no verdict is drawn.
    assert all(c.margin is None and c.margin_upper is None for c in found)
    assert all(c.direction == "inferred" for c in found)  # test product before reference
    assert label(study, found[0].arms[0]) == "Treatment A"
    assert study.population.healthy_volunteers is True
    assert comparison_text(found[0]) == (
        "least-squares mean ratio 91.52% (87.77–95.43) [90% CI] (equivalence, margins not reported)"
        " (direction inferred from arm roles)"
    )


def test_derived_equivalence_margins_as_stated_and_the_audit_judges_them() -> None:
    data = load("NCT03031496")
    measures = data["resultsSection"]["outcomeMeasuresModule"]["outcomeMeasures"]
    for measure in measures:
        for analysis in measure.get("analyses", []):
            analysis["nonInferiorityComment"] = "Equivalence margins of 80% to 125%."
    study = imported(data)
    cmax = next(c for c in comparisons(study) if c.estimate == 82.86)
    assert (cmax.margin, cmax.margin_upper) == (80, 125)
    # Say the source called Cmax equivalent: its 90% CI 77.37–88.74 is not inside 80–125.
    endpoints = [
        e.model_copy(
            update={
                "comparisons": [
                    c.model_copy(update={"met": True}) if c is cmax else c for c in e.comparisons
                ]
            }
        )
        for e in study.endpoints
    ]
    checked = audit_study(study.model_copy(update={"endpoints": endpoints}))
    (verdict,) = [c for c in checked.checks if c.kind == "met"]
    assert not verdict.ok
    assert verdict.text().endswith(
        "stated as met [ctgov], but the 90% CI 77.37–88.74 [ctgov] is not wholly inside the "
        "equivalence margins 80–125 (equivalence test)"
    )


def test_non_inferiority_margin_on_no_known_scale_stays_in_words() -> None:
    study = imported(load("NCT00382863"))
    (ni,) = [c for c in comparisons(study) if c.test == "non-inferiority"]
    assert ni.margin is None
    assert ni.note is not None
    assert "margin as registered: margin of 7.5% (the measure has no known scale)" in ni.note
    assert "test registered as non-inferiority or equivalence; read as non-inferiority" in ni.note


def test_derived_signed_non_inferiority_margin_is_kept() -> None:
    data = load("NCT02291237")
    analysis = data["resultsSection"]["outcomeMeasuresModule"]["outcomeMeasures"][0]["analyses"][0]
    analysis["nonInferiorityType"] = "NON_INFERIORITY"
    analysis["nonInferiorityComment"] = "Non-inferiority margin of -1.5 mL/kg/min."
    first = comparisons(imported(data))[0]
    assert (first.test, first.margin, first.ci) == ("non-inferiority", -1.5, (-1.87, 0.78))


def test_one_sided_interval_with_one_limit_stays_a_note() -> None:
    # The Williams trend test: a one-sided 97.5% lower limit only.
    study = imported(load("NCT00430716"))
    williams = comparisons(study)[0]
    assert (williams.estimate, williams.ci, williams.ci_sides) == (24.15, None, None)
    assert williams.note is not None
    assert "one-sided 97.5% CI as registered: 3.37 to ?" in williams.note


def test_derived_one_sided_interval_is_kept_and_not_read_as_two_sided() -> None:
    data = copy.deepcopy(load("NCT02291237"))
    analysis = data["resultsSection"]["outcomeMeasuresModule"]["outcomeMeasures"][0]["analyses"][0]
    analysis.update({"ciNumSides": "ONE_SIDED", "ciPctValue": "97.5", "pValue": "0.6"})
    study = imported(data)
    first = comparisons(study)[0]
    assert (first.ci, first.ci_level, first.ci_sides) == ((-1.87, 0.78), 97.5, "one-sided")
    assert "[one-sided 97.5% CI]" in comparison_text(first)
    # A one-sided interval is not held against a p-value as if it were two-sided.
    checks = audit_study(study).checks
    prefix = ("endpoints", 0, "comparisons", 0)
    assert not [
        c for c in checks for f in c.figures for loc in f.locs if loc[: len(prefix)] == prefix
    ]
    assert [c for c in checks if c.kind == "p-value-vs-ci"]  # the other analyses still are


# --- whom it counts -----------------------------------------------------------------------


def test_enrollment_stays_enrollment_and_started_comes_from_the_flow() -> None:
    study = imported(load("NCT00382863"))  # enrolled 220, 96 + 114 started
    randomized = study.population.randomized
    assert randomized is not None and randomized.value == 210
    assert randomized.note == "started Overall Study (registry participant flow)"
    assert study.population.note == "Enrollment as registered: 220 (actual)."
    assert [a.randomized.value for a in study.arms if a.randomized] == [96, 114]
    assert not [c for c in audit_study(study).warnings if c.kind == "arm-sizes"]


def test_analysed_counts_come_from_each_measures_denominators() -> None:
    study = imported(load("NCT02291237"))
    vo2 = study.endpoints[0]
    assert sorted(r.N for r in vo2.results.values() if r.N is not None) == [68, 73]


def test_derived_large_odds_ratio_is_not_read_as_percent() -> None:
    # Only a ratio of means is written in percent: an odds ratio of 12.5 stays 12.5.
    data = load("NCT02552212")
    analysis = data["resultsSection"]["outcomeMeasuresModule"]["outcomeMeasures"][0]["analyses"][0]
    analysis.update({"paramValue": "12.5", "ciLowerLimit": "10.5", "ciUpperLimit": "15.0"})
    first = comparisons(imported(data))[0]
    assert (first.measure, first.estimate, first.unit) == ("odds-ratio", 12.5, None)


def test_numbers_print_with_the_decimals_the_record_gave() -> None:
    # TIME writes "-4.7" with limits "-13.7" and "3.67": none is padded to the others.
    study = imported(load("NCT00684021"))
    (lvesv,) = [c for e in study.endpoints for c in e.comparisons if c.estimate == -4.7]
    assert comparison_text(lvesv).startswith("mean difference −4.7 (−13.7 to 3.67) mL, p=0.272")


def test_no_verdict_is_invented_for_any_comparison_of_the_17_records() -> None:
    # The registry states no "met": every verdict stays unknown, never "not met".
    for path in RECORDS:
        study = imported(json.loads(path.read_text(encoding="utf-8")))
        assert {c.met for c in comparisons(study)} <= {None}, path.stem


def test_analyses_the_record_does_not_tie_to_one_row_stand_apart() -> None:
    # NCT00430716: WHO functional class at week 12 is reported as 6 rows (class changes),
    # and its analyses name no row. Held beside row 1's counts, the audit would check an
    # odds ratio against figures it is not of; apart, it checks nothing it cannot.
    study = imported(load("NCT00430716"))
    by_id = {e.id: e for e in study.endpoints}
    analyses = by_id["secondary-3"]
    assert analyses.name.endswith("— analyses") and not analyses.results
    assert analyses.comparisons and all(c.measure == "odds-ratio" for c in analyses.comparisons)
    assert "does not tie them to one of its 6 rows" in (analyses.note or "")
    rows = [by_id[f"secondary-3.{i}"] for i in range(1, 7)]
    assert all(r.results and not r.comparisons for r in rows)
    touched = {
        loc[1]
        for check in audit_study(study).checks
        if not check.ok
        for figure in check.figures
        for loc in figure.locs
    }
    assert not touched & {study.endpoints.index(e) for e in (analyses, *rows)}
