"""Cochrane reviews (RevMan 5 files): every displayed analysis recomputed and checked against
the review's own stated result, and hostile or broken files refused with a message.

The three files in tests/fixtures/revman/ are real Cochrane data files (PROVENANCE.md)."""

from __future__ import annotations

import csv
import json
from pathlib import Path

import pytest
from typer.testing import CliRunner

from trialcli.cli import app
from trialcli.importers.revman.reader import ReviewError, parse_review, read_review
from trialcli.ops.review import check_review

FIXTURES = Path(__file__).parent / "fixtures" / "revman"
MS = FIXTURES / "CD011381StatsDataOnly.rm5"
SORE_THROAT = FIXTURES / "CD000023StatsDataOnly.rm5"
FLUORIDE = FIXTURES / "CD007868StatsDataOnly.rm5"


@pytest.mark.parametrize(
    ("path", "displayed", "agree", "not_estimable", "not_pooled"),
    [
        # 115 subgroups (one per pairwise comparison): dichotomous RR, MH, random effects.
        (MS, 115, 115, 0, 0),
        # 41 estimable analyses; 2 with no events in any study, as the review marks them.
        (SORE_THROAT, 43, 41, 2, 0),
        # Continuous MD and SMD (Hedges' g), and RR; one outcome the review does not pool.
        (FLUORIDE, 23, 23, 0, 1),
    ],
)
def test_every_displayed_analysis_is_reproduced(
    path: Path, displayed: int, agree: int, not_estimable: int, not_pooled: int
) -> None:
    review = read_review(path)
    checked = check_review(review)
    assert len(checked) == displayed
    statuses = [c.status for c in checked]
    assert statuses.count("agrees") == agree
    assert statuses.count("not estimable") == not_estimable
    assert statuses.count("differs") == 0
    assert statuses.count("not computed") == 0
    assert len(review.not_displayed) == not_pooled


def test_alemtuzumab_vs_rebif_as_the_review_states_it() -> None:
    checked = {c.analysis.id: c for c in check_review(read_review(MS))}
    twelve = checked["CMP-001.01.19"]
    assert twelve.analysis.name == "Alemtuzumab versus interferon beta-1a (Rebif)"
    assert twelve.analysis.outcome == "Comparisons for relapses over 12 months"
    assert (twelve.analysis.measure, twelve.analysis.method, twelve.analysis.random) == (
        "RR",
        "MH",
        True,
    )
    computed = twelve.computed
    assert computed is not None and computed.ci is not None
    # RR 0.46 (0.39–0.55), τ² 0.0024, I² 8.85%, Q 2.194: Q centred on the MH estimate.
    assert computed.estimate == pytest.approx(0.461822, rel=2e-6)
    assert computed.ci == pytest.approx((0.389273, 0.547891), rel=2e-6)
    assert computed.tau2 == pytest.approx(0.00238883, rel=1e-5)
    assert computed.q == pytest.approx(2.194169, rel=1e-6)
    assert computed.i2_percent == pytest.approx(8.8493, abs=1e-4)
    twenty_four = checked["CMP-001.02.18"].computed
    assert twenty_four is not None and twenty_four.ci is not None
    assert round(twenty_four.estimate or 0, 2) == 0.50
    assert (round(twenty_four.ci[0], 2), round(twenty_four.ci[1], 2)) == (0.39, 0.65)
    assert round(twenty_four.tau2 or 0, 3) == 0.036


def test_standardised_mean_difference_is_hedges_g_as_revman() -> None:
    smd = [c for c in check_review(read_review(FLUORIDE)) if c.analysis.measure == "SMD"]
    assert len(smd) > 5
    assert all(c.status == "agrees" for c in smd)


def run(runner: CliRunner, *args: str) -> tuple[int, str]:
    result = runner.invoke(app, list(args))
    return result.exit_code, result.output


def test_review_command_answer_first(runner: CliRunner) -> None:
    code, out = run(runner, "review", str(MS))
    assert code == 0, out
    lines = out.splitlines()
    assert lines[0].startswith("Immunomodulators and immunosuppressants for relapsing-remitting")
    assert "Cochrane Database of Systematic Reviews 2015, Issue 9 · 39 studies" in out
    summary = " ".join(out.split("\n\n")[0].split())
    assert (
        "115 analyses displayed: 115 reproduced by trialcli (estimate, CI, τ² and Q), 0 differ."
        in summary
    )
    assert all(len(line) <= 80 for line in lines)
    assert "Computed by trialcli" in out
    # No contact details of the authors: none in the file, none printed.
    assert "@" not in out


def test_review_json_shape(runner: CliRunner) -> None:
    code, out = run(runner, "review", str(MS), "-f", "json")
    assert code == 0
    data = json.loads(out)
    first = next(a for a in data["analyses"] if a["id"] == "CMP-001.01.19")
    assert first["name"] == "Alemtuzumab versus interferon beta-1a (Rebif)"
    assert (first["measure"], first["method"], first["model"]) == ("RR", "MH", "random")
    for side in ("computed", "stated"):
        assert set(first[side]) == {"estimate", "ci", "tau2", "i2_percent", "q"}
        assert first[side]["estimate"] == pytest.approx(0.4618, abs=1e-4)
        assert len(first[side]["ci"]) == 2
    assert first["status"] == "agrees"


def test_review_csv_lists_non_estimable_with_their_reason(runner: CliRunner) -> None:
    code, out = run(runner, "review", str(SORE_THROAT), "-f", "csv")
    assert code == 0
    rows = list(csv.DictReader(out.splitlines()))
    assert len(rows) == 43
    blank = [r for r in rows if r["status"] == "not estimable"]
    assert [r["id"] for r in blank] == ["CMP-002.04", "CMP-004.03.02"]
    assert all("no events" in r["differences"] for r in blank)


@pytest.mark.parametrize(
    ("content", "message"),
    [
        (b"", "the file is empty"),
        (b"<?xml version='1.0'?><COCHRANE_REVIEW><COVER_SHEET>", "not well-formed XML"),
        (b"<?xml version='1.0'?><html></html>", "not a RevMan 5 file"),
        (
            b'<?xml version="1.0"?><!DOCTYPE r [<!ENTITY a "aaaa">]><COCHRANE_REVIEW/>',
            "DOCTYPE or entity declaration is refused",
        ),
    ],
)
def test_broken_or_hostile_files_are_one_line_errors(
    runner: CliRunner, tmp_path: Path, content: bytes, message: str
) -> None:
    with pytest.raises(ReviewError, match=message):
        parse_review(content, "x.rm5")
    path = tmp_path / "x.rm5"
    path.write_bytes(content)
    code, out = run(runner, "review", str(path))
    assert code == 1
    assert message in out and "Traceback" not in out
    assert len(out.strip().splitlines()) == 1


def test_a_truncated_real_file_is_an_error(runner: CliRunner, tmp_path: Path) -> None:
    path = tmp_path / "cut.rm5"
    path.write_bytes(MS.read_bytes()[:50_000])
    code, out = run(runner, "review", str(path))
    assert code == 1 and "not well-formed XML" in out


def test_import_the_ms_review_into_a_catalog(runner: CliRunner, tmp_path: Path) -> None:
    into = tmp_path / "ms"
    result = runner.invoke(app, ["import", str(MS), "--into", str(into)])
    assert result.exit_code == 0, result.output
    assert "Wrote 38 study files" in result.stderr
    assert "1 included studies have no data in the review's analyses: CombiRx 2013" in result.stderr
    files = sorted(p.name for p in into.glob("*.yaml"))
    assert len(files) == 38 and "care-ms-ii-2012.yaml" in files
    text = (into / "care-ms-ii-2012.yaml").read_text(encoding="utf-8")
    assert "@" not in text and "EMAIL" not in text
    from trialcli.loader import load_study

    care = load_study(into / "care-ms-ii-2012.yaml")
    arms = {a.id: a for a in care.arms}
    assert set(arms) == {"alemtuzumab-12-mg", "alemtuzumab-24-mg", "interferon-beta-1a-rebif-44-g"}
    rebif = arms["interferon-beta-1a-rebif-44-g"].interventions[0]
    assert (rebif.drug, rebif.brand, rebif.dose) == ("interferon beta-1a", "Rebif", "44 µg")
    relapses = next(e for e in care.endpoints if e.code == "relapses-over-24-months")
    assert relapses.time_frame == "over 24 months"
    assert relapses.kind == "proportion"
    twelve = relapses.results["alemtuzumab-12-mg"]
    # The review counts 436 on alemtuzumab 12 mg (the curated file: 426 analysed).
    assert (twelve.n, twelve.N, twelve.source, twelve.note) == (
        170,
        436,
        "review",
        "analysis CMP-001.02.18",
    )
    # One label, two groups: "Fingolimod" is both doses (854) in the efficacy comparisons.
    freedoms = load_study(into / "freedoms-2010.yaml")
    assert {a.id for a in freedoms.arms} == {
        "fingolimod-n854",
        "placebo",
        "fingolimod-0-5-mg",
        "fingolimod-1-25-mg",
    }
    # Every study validates.
    check = runner.invoke(app, ["-d", str(into), "validate"])
    assert check.exit_code == 0, check.output
    assert "41 files checked, all valid" in check.output
    # A re-run leaves the files alone.
    again = runner.invoke(app, ["import", str(MS), "--into", str(into)])
    assert again.exit_code == 0
    assert "Wrote 0 study files" in again.stderr and "(38 unchanged)" in again.stderr


def test_a_review_imports_only_with_into(runner: CliRunner, tmp_path: Path) -> None:
    result = runner.invoke(app, ["import", str(MS)])
    assert result.exit_code == 2
    assert "a Cochrane review (.rm5) imports alone, with --into DIR" in result.output


def test_population_subgroups_are_endpoints_of_their_own(tmp_path: Path) -> None:
    from trialcli.importers.revman.studies import review_studies

    files, notes = review_studies(read_review(SORE_THROAT))
    assert len(files) == 27 and notes == []
    chapple = next(f for f in files if f["acronym"] == "Chapple 1956")
    names = [e["name"] for e in chapple["endpoints"]]
    assert any(
        n.endswith("— Symptom of sore throat on day 3: GABHS-positive throat swab") for n in names
    )
    assert any(
        n.endswith("— Symptom of sore throat on day 3: GABHS-negative throat swab") for n in names
    )
    assert {a["label"] for a in chapple["arms"]} == {"Antibiotics", "Placebo"}


TINY = """<?xml version="1.0"?><COCHRANE_REVIEW><COVER_SHEET><TITLE>Drug for pain</TITLE>
</COVER_SHEET><STUDIES_AND_REFERENCES><STUDIES><INCLUDED_STUDIES>
<STUDY ID="S1" NAME="A 2000" YEAR="2000"/><STUDY ID="S2" NAME="B 2001" YEAR="2001"/>
</INCLUDED_STUDIES></STUDIES></STUDIES_AND_REFERENCES><ANALYSES_AND_DATA>
<COMPARISON ID="CMP-001"><NAME>Drug versus placebo</NAME>
<DICH_OUTCOME ID="CMP-001.01" EFFECT_MEASURE="RR" METHOD="MH" RANDOM="YES" TOTALS="YES">
<NAME>Pain at 2 weeks</NAME><GROUP_LABEL_1>Drug</GROUP_LABEL_1>
<GROUP_LABEL_2>Placebo</GROUP_LABEL_2>
<DICH_DATA STUDY_ID="S1" EVENTS_1="{e1}" TOTAL_1="{t1}" EVENTS_2="3" TOTAL_2="10"/>
<DICH_DATA STUDY_ID="S2" EVENTS_1="2" TOTAL_1="10" EVENTS_2="3" TOTAL_2="10"/>
</DICH_OUTCOME></COMPARISON></ANALYSES_AND_DATA></COCHRANE_REVIEW>"""


@pytest.mark.parametrize(
    ("e1", "t1", "message"),
    [
        ("-5", "10", "EVENTS_1 -5 is not a number of people out of TOTAL_1 10"),
        ("20", "10", "EVENTS_1 20 is not a number of people out of TOTAL_1 10"),
        ("2.5", "10", "EVENTS_1 2.5 is not a number of people out of TOTAL_1 10"),
        ("nan", "10", "EVENTS_1 'nan' is not a number"),
        ("1", "1e309", "TOTAL_1 '1e309' is not a number"),
        ("1", "1e12", "TOTAL_1 1e+12 is not a number of people"),
        ("1", "abc", "TOTAL_1 'abc' is not a number"),
    ],
)
def test_a_data_row_that_is_not_counts_is_a_one_line_error(
    runner: CliRunner, tmp_path: Path, e1: str, t1: str, message: str
) -> None:
    """Counts that are not counts were pooled (a negative count crashed the MH sums) or
    written as truncated integers (2.5 events became 2); now each is refused, named."""
    path = tmp_path / "bad.rm5"
    path.write_text(TINY.format(e1=e1, t1=t1), encoding="utf-8")
    for args in (["review", str(path)], ["import", str(path), "--into", str(tmp_path / "o")]):
        code, out = run(runner, *args)
        assert code == 1, out
        assert "DICH_DATA of study S1: " + message in out
        assert "Traceback" not in out and len(out.strip().splitlines()) == 1
    assert not (tmp_path / "o").exists()


def test_a_group_of_nobody_is_not_estimable_and_the_rest_pools(tmp_path: Path) -> None:
    review = parse_review(TINY.format(e1="0", t1="0").encode(), "x.rm5")
    (checked,) = check_review(review)
    assert checked.computed is not None and checked.computed.studies == 1
    # The one study left: 2/10 vs 3/10.
    assert checked.computed.estimate == pytest.approx(2 / 3, rel=1e-12)


def test_a_file_over_the_size_limit_is_refused_unread(
    runner: CliRunner, monkeypatch: pytest.MonkeyPatch
) -> None:
    from trialcli.importers.revman import reader

    monkeypatch.setattr(reader, "MAX_REVIEW_BYTES", 10_000)
    code, out = run(runner, "review", str(MS))
    assert code == 1
    assert "is over the 10,000-byte limit" in out and len(out.strip().splitlines()) == 1


def test_a_folder_is_not_a_review(runner: CliRunner, tmp_path: Path) -> None:
    folder = tmp_path / "x.rm5"
    folder.mkdir()
    code, out = run(runner, "review", str(folder))
    assert code == 1 and "is a folder" in out and len(out.strip().splitlines()) == 1


def test_authors_contact_details_are_never_copied(runner: CliRunner, tmp_path: Path) -> None:
    """The shared files had their contact details removed; this one has them put back, as
    Cochrane publishes them, to show that nothing of the cover sheet reaches a study file."""
    text = MS.read_text(encoding="utf-8")
    filled = (
        text.replace("<EMAIL_1 />", "<EMAIL_1>g.author@example.org</EMAIL_1>")
        .replace("<MOBILE_PHONE />", "<MOBILE_PHONE>+39 02 555 0199</MOBILE_PHONE>")
        .replace("<URL />", "<URL>https://author.example.org</URL>")
        .replace("<ADDRESS />", "<ADDRESS><CITY>Milano</CITY><ZIP>20133</ZIP></ADDRESS>")
    )
    assert filled.count("g.author@example.org") >= 5
    path = tmp_path / "CD011381.rm5"
    path.write_text(filled, encoding="utf-8")
    into = tmp_path / "ms"
    result = runner.invoke(app, ["import", str(path), "--into", str(into)])
    assert result.exit_code == 0, result.output
    written = "".join(p.read_text(encoding="utf-8") for p in into.glob("*.yaml"))
    assert len(list(into.glob("*.yaml"))) == 38
    for detail in ("example.org", "555 0199", "Milano", "20133", "Filippini"):
        assert detail not in written and detail not in result.output
    code, out = run(runner, "review", str(path), "-f", "json")
    assert code == 0 and "example.org" not in out and "555 0199" not in out
