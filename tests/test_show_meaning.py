"""What people were misled by (issue 20), each as it now reads: the HTML report, the first
screen, and `compare`. Every test here failed before the page model."""

from __future__ import annotations

import csv
import html
import io
import json
import re
import shutil
import subprocess
from pathlib import Path

import pytest
from typer.testing import CliRunner

from trialcli.catalog import Catalog
from trialcli.cli import app

FIXTURES = Path(__file__).parent / "fixtures"
CHROMIUM = shutil.which("chromium") or (
    "/usr/bin/chromium" if Path("/usr/bin/chromium").exists() else None
)
BUNDLED = ("camms223", "care-ms-i", "care-ms-ii")


def run(runner: CliRunner, *args: str) -> str:
    result = runner.invoke(app, list(args))
    assert result.exit_code == 0, result.stderr
    return result.stdout


@pytest.fixture(scope="module")
def report() -> str:
    result = CliRunner().invoke(app, ["show", "care-ms-ii", "-f", "html"])
    assert result.exit_code == 0
    return result.stdout


def _section(document: str, title: str) -> str:
    return document.split(f"<h2>{title}</h2>", 1)[1].split("<h2>", 1)[0]


def _text(fragment: str) -> str:
    spaced = re.sub(r"<(br|/li|/td|/th|/p)\b[^>]*>", " ", fragment)
    return " ".join(html.unescape(re.sub(r"<[^>]+>", "", spaced)).split())


# --- the HTML report -----------------------------------------------------------------------


def test_html_harms_say_serious_and_the_group_each_row_counts(report: str) -> None:
    harms = _section(report, "Harms")
    groups = harms.split('<th scope="rowgroup"')[1:]
    thyroid = [g for g in groups if "Thyroid disorders" in g.split("</th>", 1)[0]]
    assert len(thyroid) == 4  # dose not stated, pooled vs IFN, 12 mg, serious
    serious = [g for g in thyroid if "<strong>serious</strong>" in g.split("</th>", 1)[0]]
    assert len(serious) == 1
    shown = _text(serious[0])
    assert "Alemtuzumab 12 + 24 mg pooled 4/596 (0.7%) [10]" in shown
    assert "IFN beta-1a (Rebif) 0/202 (0.0%, computed) [10]" in shown
    # 17% of any thyroid disorder sits in another row group, not beside the serious 0.7%
    assert "100/596 (17%)" not in shown
    dose_unknown = _text(thyroid[0])
    assert "Alemtuzumab, dose not stated ~16% [24]" in dose_unknown


def test_html_figures_one_endpoint_each_titled_by_name(report: str) -> None:
    figures = report.split("<figure>")[1:]
    worsening = [f for f in figures if "0.58 (0.38–0.87)" in f]
    improvement = [f for f in figures if ">2.57<" in f or "2.57 (" in f]
    assert len(worsening) == 1 and len(improvement) == 1
    assert worsening[0] is not improvement[0]  # never one panel with identical labels
    assert (
        "<figcaption>Sustained accumulation of disability (6-month confirmed): comparisons as "
        "reported</figcaption>" in worsening[0]
    )
    assert "6-month sustained reduction in disability" in improvement[0]
    assert "care-ms-ii:" not in report  # no internal selector as a title


def test_html_warnings_cite_the_numbers_of_its_source_list(report: str) -> None:
    warnings = _section(report, "Consistency warnings")
    cited = set(re.findall(r"\[([^\]]+)\]", _text(warnings)))
    listed = set(re.findall(r'<li id="source-(\d+)"', report))
    assert cited and cited <= listed
    assert "[p2]" not in report and "[p6]" not in report
    assert '99% <a href="#source-10">[10]</a> vs 587/596' in warnings


def test_html_absolute_differences_name_endpoints_by_name() -> None:
    result = CliRunner().invoke(app, ["show", "care-ms-i", "-f", "html"])
    part = result.stdout.split("<h3>Absolute differences", 1)[1].split("</ul>", 1)[0]
    items = re.findall(r"<li>(.*?)</li>", part)
    assert items
    names = {e.name for e in Catalog.discover([], None).load("care-ms-i").endpoints}
    ids = {e.id for e in Catalog.discover([], None).load("care-ms-i").endpoints}
    for item in items:
        shown = _text(item)
        assert any(shown.startswith(html.unescape(n)) for n in names), shown
        assert not any(shown.startswith(f"{i}:") for i in ids)
    assert any(_text(i).startswith("Patients with a relapse (Alemtuzumab 12 mg vs") for i in items)


def test_html_answer_comes_first(report: str) -> None:
    answer = report.split('<section class="answer">', 1)[1].split("</section>", 1)[0]
    shown = _text(answer)
    assert report.index("What it found") < report.index("<h2>Design and arms</h2>")
    for words in (
        "Annualized relapse rate, 2 years: met",
        "Alemtuzumab 12 mg vs IFN beta-1a (Rebif): rate ratio 0.51 (0.39–0.65), p<0.0001 [9]",
        "serious Thyroid disorders",
        "Alemtuzumab 12 + 24 mg pooled: 4/596 (0.7%) [10]",
    ):
        assert words in shown, words
    assert len(shown) < 3000  # one screen of answer; the rest below


@pytest.mark.skipif(CHROMIUM is None, reason="headless Chromium is not installed (CI installs it)")
def test_html_prints_on_few_pages_with_the_answer_on_the_first(report: str, tmp_path: Path) -> None:
    assert CHROMIUM is not None
    target = tmp_path / "care-ms-ii.html"
    target.write_text(report, encoding="utf-8")
    pdf = tmp_path / "care-ms-ii.pdf"
    subprocess.run(
        [
            CHROMIUM,
            "--headless",
            "--no-sandbox",
            "--disable-gpu",
            "--no-first-run",
            "--no-pdf-header-footer",
            f"--print-to-pdf={pdf}",
            target.as_uri(),
        ],
        capture_output=True,
        timeout=120,
        check=True,
    )
    pages = len(re.findall(rb"/Type\s*/Page[^s]", pdf.read_bytes()))
    assert 1 <= pages <= 8  # 11 before


# --- the first screen ----------------------------------------------------------------------


@pytest.mark.parametrize("width", ["80", "60", "50"])
@pytest.mark.parametrize("study", BUNDLED)
def test_first_screen_never_drops_a_harm_silently(
    runner: CliRunner, monkeypatch: pytest.MonkeyPatch, study: str, width: str
) -> None:
    monkeypatch.setenv("COLUMNS", width)
    out = run(runner, "show", study)
    flat = " ".join(out.split())
    terms = {f.term for f in Catalog.discover([], None).load(study).safety}
    missing = [t for t in terms if t not in flat]
    assert not missing
    # What the list is, wherever it is listed: here the sources' selection, not every event.
    assert "Harms: the sources' selection" in flat
    if "Not shown at this width:" in flat:
        assert re.search(r"Harms: the sources' selection, \d+ of \d+ shown", flat)
        assert "(--section harms)" in flat


def test_first_screen_at_60_columns_names_the_harms_it_leaves_out(
    runner: CliRunner, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("COLUMNS", "60")
    flat = " ".join(run(runner, "show", "care-ms-ii").split())
    hidden = flat.split("Not shown at this width: ", 1)[1].split(" (--section harms)")[0]
    assert "Malignancy" in hidden and "Thyroid disorders" in hidden
    assert re.search(r"Harms: the sources' selection, (\d+) of 12 shown", flat)


def test_first_screen_says_what_each_pooled_group_is(runner: CliRunner) -> None:
    flat = " ".join(run(runner, "show", "care-ms-ii").split())
    assert "alem-pooled 12 + 24 mg pooled · alem-any dose not stated" in flat
    assert "alem-any = alem12+alem24" not in flat


def test_section_harms_is_the_safety_part(
    runner: CliRunner, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("COLUMNS", "200")
    harms = run(runner, "show", "care-ms-ii", "--section", "harms")
    assert harms == run(runner, "show", "care-ms-ii", "--section", "safety")
    assert "Thyroid disorders (serious)" in harms


def test_key_secondary_endpoint_shows_the_arms_figures(runner: CliRunner) -> None:
    flat = " ".join(run(runner, "show", "care-ms-i").split())
    assert (
        "Relapse-free at 2 years (Kaplan–Meier) relapse-free: ifn 58.7% (51.1–65.5) [6] vs "
        "alem12 77.6% (72.9–81.6) [6]; p<0.0001 [6]"
    ) in flat
    assert "Key secondary endpoints (1 of 9 shown; all: --section endpoints)" in flat


# --- compare: follow-up and test in every format --------------------------------------------


def test_compare_rows_carry_follow_up_and_test_in_every_format(runner: CliRunner) -> None:
    args = ["compare", "care-ms-i", "care-ms-ii", "-e", "annualized-relapse-rate"]
    lines = run(runner, *args).splitlines()
    # Each drawn row: its test beside the estimate, its follow-up under the study's name.
    assert sum(line.rstrip().endswith("│         superiority") for line in lines) == 2
    assert sum(line.startswith("2 years ") for line in lines) == 2
    rows = json.loads(run(runner, *args, "-f", "json"))["rows"]
    assert rows and all(r["time_frame"] == "2 years" for r in rows)
    assert all(r["test"] == "superiority" for r in rows if r["drawn"])
    table = list(csv.DictReader(io.StringIO(run(runner, *args, "-f", "csv"))))
    assert {r["time_frame"] for r in table} == {"2 years"}
    assert {r["test"] for r in table if r["drawn"] == "true"} == {"superiority"}
    markdown = run(runner, *args, "-f", "markdown")
    assert "| time_frame | test |" in markdown
    assert "| 2 years | superiority |" in markdown


def test_compare_names_an_equivalence_test(runner: CliRunner, tmp_path: Path) -> None:
    target = tmp_path / "nct03031496.yaml"
    record = FIXTURES / "ctgov-wide" / "NCT03031496.json"
    assert runner.invoke(app, ["import", str(record), "-o", str(target)]).exit_code == 0
    args = ["-d", str(tmp_path), "compare", "nct03031496", "-e", "nct03031496:primary-1"]
    flat = " ".join(run(runner, *args).split())
    assert "equivalence (margin not reported)" in flat
    rows = json.loads(run(runner, *args, "-f", "json"))["rows"]
    assert {r["test"] for r in rows if r["measure"]} == {"equivalence (margin not reported)"}


# --- a partial list of harms says it is partial ---------------------------------------------


def test_every_list_of_harms_says_what_it_is(runner: CliRunner, report: str) -> None:
    listed = "the sources' selection: 12 terms from the tables they cite, not every adverse event"
    full = "https://clinicaltrials.gov/study/NCT00548405?tab=results"
    assert f"Harms listed: {listed}" in _text(_section(report, "Harms"))
    assert f'<a href="{full}">' in _section(report, "Harms")
    data = json.loads(run(runner, "show", "care-ms-ii", "-f", "json"))
    assert data["page"]["harms_listed"] == {
        "text": listed,
        "full_list": full,
        "kind": "the sources' selection",
    }
    first_screen = " ".join(run(runner, "show", "care-ms-ii").split())
    assert "Harms: the sources' selection, " in first_screen
    flat = " ".join(run(runner, "show", "care-ms-ii", "--section", "harms").split())
    assert f"Harms listed: {listed}; the full list: {full}" in flat
    assert f"Harms listed: {listed}" in run(runner, "show", "care-ms-ii", "-f", "markdown")
