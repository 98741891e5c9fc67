"""Standard endpoint codes: given only where a real record's outcome plainly names one."""

from __future__ import annotations

import json
import re
from collections import Counter
from collections.abc import Iterator
from pathlib import Path

import pytest

from trialcli.endpoint_codes import CODES, standard_code
from trialcli.loader import load_study
from trialcli.model import SLUG_PATTERN

FIXTURES = Path(__file__).parent / "fixtures"
RECORDS = sorted([*FIXTURES.glob("ctgov/*.json"), *FIXTURES.glob("ctgov-wide/*.json")])
DATA = Path(__file__).parent.parent / "data"

Outcome = tuple[str, str, str | None, str | None, str | None]  # nct, title, description, unit, tf


def outcomes() -> Iterator[Outcome]:
    """Every outcome title of the 17 records: posted measures and registered outcomes."""
    for path in RECORDS:
        record = json.loads(path.read_text(encoding="utf-8"))
        nct = path.stem
        results = record.get("resultsSection") or {}
        for m in results.get("outcomeMeasuresModule", {}).get("outcomeMeasures", []):
            yield nct, m["title"], m.get("description"), m.get("unitOfMeasure"), m.get("timeFrame")
        registered = record["protocolSection"].get("outcomesModule", {})
        for kind in ("primaryOutcomes", "secondaryOutcomes", "otherOutcomes"):
            for o in registered.get(kind, []):
                yield nct, o["measure"], o.get("description"), None, o.get("timeFrame")


# Read by hand from the records: every outcome that plainly names a standard endpoint, as
# (record, code, how its title starts); a start listed twice is two outcomes (weeks 12, 24).
EXPECTED = [
    ("NCT00381238", "mmse-change", "Mean Change From Baseline in Mini Mental State Exam"),
    ("NCT00381238", "body-weight-change", "Mean Change From Baseline in Vital Signs- Weight"),
    ("NCT00382863", "kccq-change", "Change in Quality of Life as Measured by Kansas City"),
    ("NCT00382863", "heart-failure-hospitalization", "Heart Failure Hospitalization"),
    ("NCT00382863", "heart-failure-hospitalization", "Heart Failure Hospitalization - Actuarial"),
    ("NCT00382863", "all-cause-hospitalization", "All-Cause Hospitalization"),
    ("NCT00382863", "all-cause-hospitalization", "All-Cause Hospitalization - Actuarial"),
    ("NCT00430716", "six-minute-walk-change", "Change From Baseline in the Total Distance Walked"),
    ("NCT00602030", "objective-response-rate", "Objective Response Rate (ORR)"),
    ("NCT01206062", "all-cause-mortality", "Number of Participants With All-cause Mortality"),
    ("NCT02291237", "peak-vo2-change", "Change in Peak Oxygen Uptake (VO2)"),
    ("NCT02291237", "peak-vo2-change", "Change in Peak Oxygen Uptake (VO2)"),
    ("NCT02291237", "mlhfq-change", "Change in Minnesota Living With Heart Failure"),
    ("NCT02291237", "mlhfq-change", "Change in Minnesota Living With Heart Failure"),
    ("NCT02422186", "madrs-change", "Change From Baseline in Montgomery Asberg"),
    ("NCT02422186", "madrs-change", "Change From Baseline in Montgomery Asberg"),
    ("NCT02552212", "asas40", "Percentage of Subjects With Axial SpondyloArthritis"),
    ("NCT02552212", "asas40", "Percentage of Subjects With Axial SpondyloArthritis"),
    ("NCT02552212", "basfi-change", "Change From Baseline to Week 12 in the Bath Ankylosing"),
    ("NCT02552212", "basfi-change", "Change From Baseline to Week 52 in the Bath Ankylosing"),
    ("NCT02552212", "basdai-change", "Change From Baseline to Week 12 in the Bath Ankylosing"),
    ("NCT02552212", "basdai-change", "Change From Baseline to Week 52 in the Bath Ankylosing"),
    ("NCT03429543", "hba1c-change", "Change in Glycated Haemoglobin (HbA1c) (%)"),
    ("NCT03429543", "hba1c-change", "Change in HbA1c (%)"),
    ("NCT03429543", "fasting-glucose-change", "Change in Fasting Plasma Glucose"),
    ("NCT03429543", "body-weight-change", "Change in Body Weight (kg)"),
    ("NCT03429543", "systolic-bp-change", "Change in Systolic Blood Pressure"),
    ("NCT03429543", "diastolic-bp-change", "Change in Diastolic Blood Pressure"),
]


def test_the_seventeen_records_are_all_here() -> None:
    assert len(RECORDS) == 17


def test_codes_match_exactly_the_outcomes_that_name_them() -> None:
    coded = {
        (nct, code, title)
        for nct, title, description, unit, time_frame in outcomes()
        if (code := standard_code(title, description, unit, time_frame)) is not None
    }

    def start(nct: str, code: str, title: str) -> str:
        # The longest expected start of this title: "… Hospitalization - Actuarial" first.
        starts = [s for n, c, s in EXPECTED if (n, c) == (nct, code) and title.startswith(s)]
        return max(starts, key=len, default=title)

    found = Counter((nct, code, start(nct, code, title)) for nct, code, title in coded)
    assert found == Counter(EXPECTED)
    titles = {(nct, title) for nct, title, *_ in outcomes()}
    assert len(titles) - len(coded) == 153  # every other title gets no code


LOOK_ALIKES = [
    ("NCT00382863", "Responder Analysis - Six (6) Minute Walk (6MW) Distance", "responders"),
    ("NCT00382863", "Responder Analysis - Peak Oxygen Uptake (Peak VO2)", "responders"),
    (
        "NCT00260546",
        "Combined endpoint of worsening of heart failure, NYHA class, 6-minute walking distance",
        "a composite naming its parts",
    ),
    (
        "NCT00602030",
        "4-Month Progression-free Survival (PFS) Rate in the Double-blind Phase",
        "a rate at a landmark, not the time-to-event endpoint",
    ),
    (
        "NCT00602030",
        "Vital Sign Values: Systolic Blood Pressure in the Double-blind Phase",
        "values, not a change",
    ),
    (
        "NCT00381238",
        "Mean Change From Baseline in Vital Signs- Systolic and Diastolic Blood Pressure",
        "both pressures in one outcome",
    ),
    (
        "NCT02422186",
        "Percentage of Participants in Remission (MADRS<=12) at Endpoint",
        "remission, not a change",
    ),
    (
        "NCT03429543",
        "Percentage of Patients Who Achieve HbA1c <7.0% at the End of 26 Weeks",
        "a target reached, not a change",
    ),
    ("NCT00382863", "Number of Participant Deaths", "the cause is not named"),
]


@pytest.mark.parametrize(("nct", "title", "why"), LOOK_ALIKES)
def test_what_only_looks_alike_gets_no_code(nct: str, title: str, why: str) -> None:
    real = [t for n, t, *_ in outcomes() if n == nct and t.startswith(title)]
    assert real, "the title is a real one"
    assert all(standard_code(t, None, None, None) is None for t in real), why


def test_the_unit_refuses_a_survival_rate() -> None:
    assert standard_code("Progression-free Survival", None, "months", None) == (
        "progression-free-survival"
    )
    percent = "percentage of participants"
    assert standard_code("Progression-free Survival", None, percent, None) is None
    assert standard_code("Overall Survival (OS)", None, "Months", "5 years") == "overall-survival"


def test_the_description_never_adds_a_code() -> None:
    # A title that names no endpoint stays uncoded whatever its description says.
    assert standard_code("Efficacy", "Annualized relapse rate at 2 years", None, None) is None


def test_bundled_endpoints_never_get_a_different_code() -> None:
    named = 0
    for path in sorted(DATA.glob("*.yaml")):
        for endpoint in load_study(path).endpoints:
            code = standard_code(endpoint.name, endpoint.definition, None, endpoint.time_frame)
            assert code in {None, endpoint.code}, (path.stem, endpoint.name, code)
            named += code is not None
    assert named == 26  # of 27: "SAD, 12-mg arm only (review)" names it by abbreviation


def test_every_code_is_a_slug_and_listed_once() -> None:
    codes = [c.code for c in CODES]
    assert len(codes) == len(set(codes))
    assert all(re.fullmatch(SLUG_PATTERN, c) for c in codes)
