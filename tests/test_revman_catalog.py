"""The studies of a real Cochrane review (CD011381, the MS network review) as a catalog:
imported once, then read by `compare --pool`, `diff`, `show`, `ae` and `list`.

`compare --pool --method mantel-haenszel-random` is RevMan's own "M-H, random" and must give
the review's published results: alemtuzumab vs interferon beta-1a (Rebif), relapses over 24
months RR 0.50 (0.39–0.65), τ² 0.036; over 12 months RR 0.46 (0.39–0.55)."""

from __future__ import annotations

import json
from pathlib import Path

import pytest
from typer.testing import CliRunner

from trialcli.cli import app
from trialcli.importers.revman.reader import read_review
from trialcli.importers.revman.studies import same_trial
from trialcli.loader import load_study
from trialcli.ops.review import check_review

MS = Path(__file__).parent / "fixtures" / "revman" / "CD011381StatsDataOnly.rm5"
ALEMTUZUMAB_VS_REBIF = ["camms223-2008", "care-ms-i-2012", "care-ms-ii-2012"]


@pytest.fixture(scope="module")
def ms(tmp_path_factory: pytest.TempPathFactory) -> tuple[Path, str]:
    """The review imported into a folder, and what the import reported."""
    into = tmp_path_factory.mktemp("ms")
    result = CliRunner().invoke(app, ["import", str(MS), "--into", str(into)])
    assert result.exit_code == 0, result.output
    return into, result.stderr


def run(into: Path, *args: str) -> tuple[int, str]:
    result = CliRunner().invoke(app, ["-d", str(into), *args])
    return result.exit_code, result.output


def pooled(into: Path, endpoint: str) -> dict[str, object]:
    code, out = run(
        into,
        "compare",
        *ALEMTUZUMAB_VS_REBIF,
        "-e",
        endpoint,
        "--pool",
        "--method",
        "mantel-haenszel-random",
        "-f",
        "json",
    )
    assert code == 0, out
    data = json.loads(out)
    (estimate,) = data["pooled_estimate"]
    assert isinstance(estimate, dict)
    return estimate


def test_each_study_carries_the_reviews_own_estimate(ms: tuple[Path, str]) -> None:
    care = load_study(ms[0] / "care-ms-ii-2012.yaml")
    relapses = next(e for e in care.endpoints if e.code == "relapses-over-24-months")
    (comparison,) = relapses.comparisons
    # RevMan's EFFECT_SIZE 0.5926 (0.5101–0.6883) for 170/436 vs 101/231, group 1 first.
    assert (comparison.measure, comparison.estimate, comparison.ci) == (
        "risk-ratio",
        0.5926,
        (0.5101, 0.6883),
    )
    assert comparison.arms == ("alemtuzumab-12-mg", "interferon-beta-1a-rebif-44-g")
    assert comparison.direction == "stated" and comparison.source == "review"
    assert comparison.note is not None and comparison.note.startswith("analysis CMP-001.02.18")
    # The review's N, the same in every analysis, is the arm's number analysed.
    arms = {a.id: a for a in care.arms}
    count = arms["alemtuzumab-12-mg"].analysed
    assert count is not None and (count.value, count.source) == (436, "review")


def test_compare_pool_reproduces_the_review_over_24_months(ms: tuple[Path, str]) -> None:
    result = pooled(ms[0], "relapses-over-24-months")
    assert result["method"] == "mantel-haenszel-random"
    assert result["studies"] == ALEMTUZUMAB_VS_REBIF
    estimate, ci = result["estimate"], result["ci"]
    assert isinstance(estimate, float) and isinstance(ci, dict)
    assert (round(estimate, 2), round(ci["lower"], 2), round(ci["upper"], 2)) == (0.50, 0.39, 0.65)
    heterogeneity = result["heterogeneity"]
    assert isinstance(heterogeneity, dict)
    assert round(heterogeneity["tau2"], 3) == 0.036
    # And exactly what `review` recomputes for the review's analysis CMP-001.02.18.
    checked = {c.analysis.id: c for c in check_review(read_review(MS))}
    same = checked["CMP-001.02.18"].computed
    assert same is not None and same.ci is not None
    assert estimate == pytest.approx(same.estimate, rel=1e-12)
    assert heterogeneity["tau2"] == pytest.approx(same.tau2, rel=1e-12)
    assert heterogeneity["q"] == pytest.approx(same.q, rel=1e-12)


def test_compare_pool_reproduces_the_review_over_12_months(ms: tuple[Path, str]) -> None:
    result = pooled(ms[0], "relapses-over-12-months")
    estimate, ci, heterogeneity = result["estimate"], result["ci"], result["heterogeneity"]
    assert isinstance(ci, dict) and isinstance(heterogeneity, dict)
    # The review states RR 0.4618 (0.3893–0.5479), τ² 0.00239, I² 8.85%, Q 2.194.
    assert estimate == pytest.approx(0.461822, rel=2e-4)
    assert (ci["lower"], ci["upper"]) == pytest.approx((0.389273, 0.547891), rel=2e-4)
    assert heterogeneity["tau2"] == pytest.approx(0.00238883, rel=1e-3)
    assert heterogeneity["q"] == pytest.approx(2.194169, rel=2e-4)
    assert heterogeneity["i2_percent"] == pytest.approx(8.8493, abs=1e-3)


def test_compare_pool_as_a_table_says_what_it_pooled(ms: tuple[Path, str]) -> None:
    code, out = run(
        ms[0],
        "compare",
        *ALEMTUZUMAB_VS_REBIF,
        "-e",
        "relapses-over-24-months",
        "--pool",
        "--method",
        "mantel-haenszel-random",
    )
    assert code == 0, out
    text = " ".join(out.split())
    assert "Risk ratio, alemtuzumab vs active comparator: 0.50 (0.39–0.65), 95% CI" in text
    assert "random effects, DerSimonian–Laird from the Mantel–Haenszel Q" in text
    assert "τ² = 0.0360" in text
    assert "computed by trialcli from the studies' n/N by Mantel–Haenszel" in text
    assert all(len(line) <= 80 for line in out.splitlines())


def test_inverse_variance_from_the_cis_is_a_different_method(ms: tuple[Path, str]) -> None:
    """DerSimonian–Laird from the studies' CIs centres Q on the inverse-variance mean: not
    the review's method, and its τ² is not the review's 0.036."""
    code, out = run(
        ms[0],
        "compare",
        *ALEMTUZUMAB_VS_REBIF,
        "-e",
        "relapses-over-24-months",
        "--pool",
        "--method",
        "dersimonian-laird",
        "-f",
        "json",
    )
    assert code == 0, out
    (result,) = json.loads(out)["pooled_estimate"]
    assert result["method"] == "dersimonian-laird"
    assert round(result["heterogeneity"]["q"], 2) == 6.68
    assert round(result["heterogeneity"]["tau2"], 3) == 0.035
    review = pooled(ms[0], "relapses-over-24-months")["heterogeneity"]
    assert isinstance(review, dict)
    assert round(review["q"], 2) == 6.87  # Q about the Mantel–Haenszel estimate


def test_a_catalog_study_is_linked_never_merged(ms: tuple[Path, str]) -> None:
    into, report = ms
    assert (
        "CARE-MS II 2012 is also in the catalog as care-ms-ii: not merged; the file records "
        "the link ('trialcli diff care-ms-ii care-ms-ii-2012')" in report
    )
    care = load_study(into / "care-ms-ii-2012.yaml")
    (note,) = care.notes
    assert "The catalog also holds this trial as care-ms-ii (CARE-MS II" in note.text
    assert "trialcli did not merge them" in note.text
    # A review study the catalog does not hold has no such note.
    assert load_study(into / "freedoms-2010.yaml").notes == []
    # The bundled file is untouched: its own 426 analysed.
    bundled = load_study(Path(__file__).parent.parent / "data" / "care-ms-ii.yaml")
    count = next(a for a in bundled.arms if a.id == "alem12").analysed
    assert count is not None and count.value == 426


def test_same_trial_needs_the_acronym_and_the_year() -> None:
    bundled = load_study(Path(__file__).parent.parent / "data" / "care-ms-ii.yaml")
    assert same_trial("CARE-MS II 2012", "2012", bundled)
    assert same_trial("care-ms ii 2012", "2012", bundled)
    assert not same_trial("CARE-MS II 2012", "2009", bundled)
    assert not same_trial("CARE-MS I 2012", "2012", bundled)
    assert not same_trial("CARE-MS II 2012", None, bundled)


def test_diff_sets_the_reviews_count_beside_the_curated_one(ms: tuple[Path, str]) -> None:
    code, out = run(ms[0], "diff", "care-ms-ii", "care-ms-ii-2012", "--full")
    assert code == 0, out
    lines = out.splitlines()
    start = next(i for i, line in enumerate(lines) if line.startswith("≠ Alemtuzumab 12 mg"))
    analysed = next(i for i in range(start, len(lines)) if "Analysed" in lines[i])
    row = " ".join(" ".join(lines[analysed : analysed + 4]).split())
    assert row.startswith("≠ Analysed 426 [")
    assert "436 [" in row and "426 → 436 (+10)" in row


def test_diffs_first_screen_shows_the_analysed_counts_that_differ(ms: tuple[Path, str]) -> None:
    code, out = run(ms[0], "diff", "care-ms-ii", "care-ms-ii-2012")
    assert code == 0, out
    flat = " ".join(out.split())
    assert "≠ N analysed Alemtuzumab 12 mg 426;" in flat
    assert "Alemtuzumab 12 mg 436;" in flat
    # The review names no primary endpoint: one side only is not "no verdict differs".
    assert "No verdict differs among the 0 primary endpoints both report; 2 primary" in flat
    assert "No primary endpoint's verdict differs." not in flat


def test_show_an_imported_study(ms: tuple[Path, str]) -> None:
    code, out = run(ms[0], "show", "care-ms-ii-2012")
    assert code == 0, out
    text = " ".join(out.split())
    assert text.startswith("CARE-MS II 2012")
    # a key secondary endpoint shows the arms' own figures before the effect (issue 20)
    assert (
        "Relapses over 24 months relapses-over-24-months: alemtuzumab-12-mg 170/436 [1] vs "
        "interferon-beta-1a-rebif-44-g 152/231 [1]; risk ratio 0.5926 (0.5101–0.6883)"
    ) in text
    assert "16/436 (3.7%, computed)" in text


def test_ae_lists_the_reviews_adverse_event_outcomes(ms: tuple[Path, str]) -> None:
    code, out = run(ms[0], "ae", "advance-2014", "-f", "json")
    assert code == 0, out
    data = json.loads(out)
    text = json.dumps(data, ensure_ascii=False)
    assert "Serious adverse events" in text
    assert "Treatment discontinuation due to AEs over 12 months" in text
    study = load_study(ms[0] / "advance-2014.yaml")
    serious = next(f for f in study.safety if f.summary == "serious-adverse-event")
    assert serious.serious is True
    assert {(a.affected, a.at_risk) for a in serious.arms.values()} == {(25, 512), (25, 500)}
    # The sore-throat review has no adverse-event outcome: no safety findings.
    from trialcli.importers.revman.studies import review_studies

    files, _ = review_studies(read_review(MS.with_name("CD000023StatsDataOnly.rm5")))
    assert all(f["safety"] == [] for f in files)


def test_list_by_condition_finds_the_reviews_studies(ms: tuple[Path, str]) -> None:
    code, out = run(ms[0], "list", "--condition", "relapsing-remitting", "-f", "json")
    assert code == 0, out
    ids = {row["id"] for row in json.loads(out)}
    assert {"care-ms-ii-2012", "freedoms-2010", "affirm-2006"} <= ids
    # The review's 38 beside the 3 bundled MS trials.
    assert {p.stem for p in ms[0].glob("*.yaml")} <= ids
    assert len(ids) == 41


def test_the_worked_example_of_docs_revman_is_what_trialcli_prints(ms: tuple[Path, str]) -> None:
    doc = (Path(__file__).parent.parent / "docs" / "revman.md").read_text(encoding="utf-8")
    marker = "<!-- revman-example: trialcli "
    start = doc.index(marker) + len(marker)
    args = doc[start : doc.index(" -->", start)].split()
    block = doc[doc.index("```\n", start) + 4 :]
    block = block[: block.index("```")]
    lines = block.splitlines()
    assert lines[0] == "$ trialcli " + " ".join(args)
    assert args[:2] == ["-d", "ms"]
    code, out = run(ms[0], *args[2:])
    assert code == 0, out
    printed = out.splitlines()
    # Each run of lines between "…" is in the output, in order, as one run.
    runs: list[list[str]] = [[]]
    for line in lines[1:]:
        if line == "…":
            runs.append([])
        else:
            runs[-1].append(line)
    position = 0
    for run_lines in (r for r in runs if r):
        found = next(
            (
                i
                for i in range(position, len(printed))
                if printed[i : i + len(run_lines)] == run_lines
            ),
            None,
        )
        assert found is not None, f"not printed (in this order): {run_lines}"
        position = found + len(run_lines)
