"""Non-inferiority and equivalence margins of the 1,023-record sample, each as a number.

tests/fixtures/ctgov-sample-margins.zip holds, unchanged, the 17 members of
/work/shared/ctgov-bulk/ctg-studies-sample.zip with a non-inferiority or equivalence analysis:
78 analyses, 62 of them not "legacy" (the issue's count). `MARGINS` lists what each record
states and what the study file keeps; `NO_MARGIN` says why the others keep none.
"""

from __future__ import annotations

import json
import zipfile
from pathlib import Path

import pytest
from typer.testing import CliRunner

from trialcli.cli import app
from trialcli.formatting import comparison_text
from trialcli.importers.ctgov import margins, record_to_study
from trialcli.model import Comparison, Study

SAMPLE = Path(__file__).parent / "fixtures" / "ctgov-sample-margins.zip"

# nct → each kept margin (lower, upper, side stated) with how many comparisons carry it,
# and the record's words that state it.
MARGINS: dict[str, tuple[dict[tuple[float, float | None, bool], int], str]] = {
    "NCT00379769": ({(1.2, None, True): 1}, "Non-inferiority margin of 1.2"),
    "NCT01064687": ({(0.4, None, False): 4}, "A non-inferiority margin of 0.4% was used."),
    "NCT01126580": ({(0.4, None, False): 4}, "A non-inferiority margin of 0.4% was used."),
    "NCT01648582": ({(0.4, None, False): 4}, "pre-defined non-inferiority margin of 0.4%"),
    "NCT01473420": ({(-0.5, 0.5, True): 2}, "An equivalence margin of +/- 0.5"),
    "NCT01720446": ({(1.8, None, True): 1}, "upper limit of the two-sided 95% CI ... below 1.8"),
    "NCT01986881": ({(1.3, None, True): 3}, "the non-inferiority margin is a hazard ratio of 1.3"),
    "NCT02465515": ({(1.3, None, True): 1}, "the null margin of 1.3"),
    "NCT02879305": (
        {(1.25, None, True): 1, (-0.75, None, True): 2, (-15.0, None, True): 2},
        "margin of 1.25; lower limit ... greater than -0.75 g/dL; margin of -15%",
    ),
    "NCT03029208": (
        {(-0.75, None, True): 2, (-15.0, None, True): 1},
        "margin of -0.75 g/dL; margin of -15%",
    ),
    # ln(HR) within ±0.2877: kept as the hazard ratios exp(±0.2877).
    "NCT03387813": ({(0.75, 1.3334, True): 2}, "ln(HR) is > -0.2877 and ... < 0.2877"),
}
# nct → (non-inferiority/equivalence comparisons, why none keeps a margin)
NO_MARGIN: dict[str, tuple[int, str]] = {
    "NCT00773175": (14, "stated relative to the other arm (≥85% of the intravenous volume)"),
    "NCT01149421": (12, "no margin stated (only 'if non-inferiority was confirmed')"),
    "NCT02349152": (8, "no margin stated (a power calculation)"),
    "NCT04187144": (1, "a Z-statistic boundary (2.098), not a margin on the estimate's scale"),
    # Analyses that are not two-group comparisons: kept in words.
    "NCT01270139": (0, "legacy analyses with no estimate or groups to compare"),
    "NCT01626079": (0, "a one-group Kaplan-Meier estimate, no comparison"),
}


def studies() -> dict[str, Study]:
    with zipfile.ZipFile(SAMPLE) as archive:
        return {
            name[:-5]: record_to_study(json.loads(archive.read(name)), "2026-01-01")
            for name in archive.namelist()
        }


STUDIES = studies()


def ni_comparisons(study: Study) -> list[Comparison]:
    return [c for e in study.endpoints for c in e.comparisons if c.test != "superiority"]


def test_the_fixture_is_every_non_inferiority_record_of_the_sample() -> None:
    assert set(STUDIES) == set(MARGINS) | set(NO_MARGIN)
    registered = 0
    with zipfile.ZipFile(SAMPLE) as archive:
        for name in archive.namelist():
            record = json.loads(archive.read(name))
            measures = record["resultsSection"]["outcomeMeasuresModule"]["outcomeMeasures"]
            registered += sum(
                1
                for m in measures
                for a in m.get("analyses", [])
                if a.get("nonInferiorityType", "").startswith(("NON_INFERIORITY", "EQUIVALENCE"))
                and not a["nonInferiorityType"].endswith("LEGACY")
            )
    assert registered == 62


@pytest.mark.parametrize("nct", sorted(MARGINS))
def test_every_stated_margin_is_a_number(nct: str) -> None:
    expected, _words = MARGINS[nct]
    kept: dict[tuple[float, float | None, bool], int] = {}
    for c in ni_comparisons(STUDIES[nct]):
        assert c.margin is not None, c.note
        key = (c.margin, c.margin_upper, c.margin_side_stated)
        kept[key] = kept.get(key, 0) + 1
    assert kept == expected


@pytest.mark.parametrize("nct", sorted(NO_MARGIN))
def test_analyses_that_state_no_margin_keep_none(nct: str) -> None:
    count, _why = NO_MARGIN[nct]
    found = ni_comparisons(STUDIES[nct])
    assert len(found) == count
    assert all(c.margin is None and c.margin_upper is None for c in found)


def test_a_relative_margin_says_it_stays_in_words() -> None:
    first = ni_comparisons(STUDIES["NCT00773175"])[0]
    assert first.note is not None
    assert "the margin is stated in words only (not on the estimate's scale)" in first.note
    assert "≥85% of the volume infused intravenously" in first.note


def test_the_effect_prints_its_test_and_margin() -> None:
    (semaglutide,) = ni_comparisons(STUDIES["NCT01720446"])
    assert comparison_text(semaglutide).startswith(
        "hazard ratio 0.74 (0.58–0.95) (non-inferiority, margin 1.8), p"
    )
    equivalence = ni_comparisons(STUDIES["NCT03387813"])[0]
    assert "(equivalence, margins 0.75 to 1.3334)" in comparison_text(equivalence)
    assert equivalence.note is not None
    assert "equivalence limits stated on the log scale (-0.2877 to 0.2877)" in equivalence.note
    unsigned = ni_comparisons(STUDIES["NCT01064687"])[0]
    assert "(non-inferiority, margin 0.4 (side not stated))" in comparison_text(unsigned)


def test_the_record_words_are_kept_whole() -> None:
    # NCT01720446's comparison note runs past 500 characters; its margin sentence is last.
    (semaglutide,) = ni_comparisons(STUDIES["NCT01720446"])
    assert semaglutide.note is not None
    assert len(semaglutide.note) > 500
    assert "was less than 2.5% (or equivalent to 5% for a two-sided test)." in semaglutide.note


def test_show_shortens_the_words_and_says_the_file_holds_them(tmp_path: Path) -> None:
    runner = CliRunner()
    record = tmp_path / "NCT01720446.json"
    with zipfile.ZipFile(SAMPLE) as archive:
        record.write_bytes(archive.read("NCT01720446.json"))
    study = tmp_path / "sustain.yaml"
    assert runner.invoke(app, ["import", str(record), "-o", str(study)]).exit_code == 0
    shown = runner.invoke(app, ["show", str(study), "--full"], env={"COLUMNS": "200"})
    assert shown.exit_code == 0, shown.output
    assert "(whole in the study file)" in shown.stdout
    assert "non-inferiority, margin 1.8" in shown.stdout


@pytest.mark.parametrize(
    ("words", "null", "ratio", "expected"),
    [
        # The margins that a 500-character cut lost, and those left in words.
        ("The upper bound of the 95% CI for the HR is strictly below 1.8.", 1, True, (1.8, None)),
        ("A 0.4% margin of noninferiority was used.", 0, False, (0.4, None)),
        ("The non-inferiority limit of −1.75 was prespecified.", 0, False, (-1.75, None)),
        ("Lower limit of the 95% CI above -10% shows non-inferiority.", 0, False, (-10, None)),
        ("The upper limit of the CI must stay below a margin of 0.4.", 0, False, (0.4, None)),
    ],
)
def test_non_inferiority_words(
    words: str, null: float, ratio: bool, expected: tuple[float, None]
) -> None:
    found = margins.non_inferiority(words, null, ratio)
    assert found is not None
    assert (found.lower, found.upper) == expected


@pytest.mark.parametrize(
    ("words", "expected"),
    [
        ("Bioequivalence if the 90% CI of the ratio falls within 0.8 to 1.25.", (0.8, 1.25)),
        ("Equivalence margins of 80% to 125% for the ratio.", (0.8, 1.25)),
    ],
)
def test_equivalence_words(words: str, expected: tuple[float, float]) -> None:
    found = margins.equivalence(words, 1, True)
    assert found is not None
    assert (found.lower, found.upper) == expected


def test_a_confidence_level_is_never_a_margin() -> None:
    assert margins.non_inferiority("Margin for the 95% CI was not prespecified.", 0, False) is None
    assert margins.non_inferiority("margin of 15% on a hazard ratio", 1, True) is None
