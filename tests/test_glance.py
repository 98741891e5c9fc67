"""`show`: the first screen answers "what did this trial find, and what were the harms?"

The facts below are what the seed article (/work/shared/sources/000_*.txt, the National MS
Society's report of the CARE-MS II press release) states about each trial, written as the
bundled data holds them; the first screen must keep every one within 45 lines at 80 columns.
"""

from __future__ import annotations

import io
import json
import re
import zipfile
from collections.abc import Callable
from pathlib import Path

import pytest
from typer.testing import CliRunner

from trialcli.catalog import Catalog
from trialcli.cli import app
from trialcli.importers.ctgov import read_record, record_to_study
from trialcli.ops.audit import audit_study
from trialcli.ops.glance import glance
from trialcli.ops.page import Page, build_page
from trialcli.render.console import make_console
from trialcli.render.glance import glance_plain, render_glance
from trialcli.render.lines import Line, plain_width, rich_text, wrap
from trialcli.writer import study_yaml

FIXTURES = Path(__file__).parent / "fixtures"
Write = Callable[..., Path]

# Phrases (whitespace-normalised, so wrapping does not matter) the seed article states.
SEED_FACTS = {
    "care-ms-ii": [
        "N: 840 randomized",  # "involved 840 people"
        "RRMS, relapsed on prior therapy",  # "experienced relapse while on a prior therapy"
        "IFN beta-1a (Rebif)",  # compared to Rebif
        "over 2 years",  # "a two-year study"
        "✔ met Annualized relapse rate",  # met two primary endpoints…
        "✔ met Sustained accumulation of disability",
        "relative reduction 49% [24]",  # relapse rate reduced by 49%
        "relative reduction 42% [24]",  # disability worsening reduced by 42%
        "Thyroid disorders: alem-any ~16% [24]",  # ~16% autoimmune thyroid problems
        "Immune thrombocytopenic purpura: alem-any ~1% [24]",  # ~1% developed ITP
        "Infusion-associated reactions",  # reactions associated with infusions
        "Upper respiratory tract infection",  # the most common infections…
        "Urinary tract infection",
        "Sinusitis",
        "Herpes simplex infection",
        "It met 2 of its 2 primary endpoints.",
    ],
    "care-ms-i": [
        "N: 581 randomized",  # "in 581 people"
        "Early RRMS",  # "early relapsing-remitting MS"
        "IFN beta-1a (Rebif)",
        "over 2 years",  # "the two-year CARE-MS-I phase III trial"
        "✔ met Relapse rate (annualized)",  # met one of two primary endpoints
        "relative reduction 55% [17]",  # "reducing relapse rates by 55%"
        "✘ not met Sustained accumulation of disability",  # did not slow progression
        "It met 1 of its 2 primary endpoints.",
    ],
    "camms223": [
        "phase 2",  # "an earlier phase II study"
        "N: 334 randomized",  # "334 subjects"
        "alem12 Alemtuzumab 12 mg",  # two dose levels
        "alem24 Alemtuzumab 24 mg",
        "ifn IFN beta-1a (Rebif)",  # … with Rebif
        "relative reduction 74% [16]",  # 74% reduction in the risk of relapse
        "relative reduction 71% [16]",  # 71% reduction in sustained worsening
        "alem-any 1 death [16]",  # ITP, "one of which was fatal"
        "Immune thrombocytopenic purpura",
    ],
}


def show(runner: CliRunner, *args: str) -> str:
    result = runner.invoke(app, ["show", *args])
    assert result.exit_code == 0, result.stderr
    return result.stdout


@pytest.mark.parametrize("study", sorted(SEED_FACTS))
def test_first_screen_fits_45_lines_and_keeps_the_seed_facts(runner: CliRunner, study: str) -> None:
    out = show(runner, study)
    lines = out.splitlines()
    assert len(lines) <= 45
    assert max(len(line) for line in lines) <= 80
    flat = " ".join(out.split())
    missing = [fact for fact in SEED_FACTS[study] if fact not in flat]
    assert not missing
    assert lines[-1].startswith("More: ") and "--full" in lines[-1]


@pytest.mark.parametrize("study", sorted(SEED_FACTS))
def test_full_keeps_everything_the_old_page_showed(runner: CliRunner, study: str) -> None:
    # The whole page as `show` printed it before the first screen existed (80 columns).
    before = (FIXTURES / "show-before" / f"{study}.txt").read_text(encoding="utf-8")
    full = show(runner, study, "--full")
    # Words, not lines: arm ids and endpoint codes were added, so some cells wrap anew;
    # a URL once folded across lines is now whole, so its pieces are substrings.
    missing = sorted({word for word in before.split() if word not in full})
    assert not missing
    assert len(full.splitlines()) > 300


def test_first_screen_names_what_ae_and_compare_take(runner: CliRunner) -> None:
    flat = " ".join(show(runner, "care-ms-ii").split())
    # arm ids, pooled groups with their members, endpoint codes
    assert "Arms: alem12 Alemtuzumab 12 mg · alem24 Alemtuzumab 24 mg (exploratory)" in flat
    # pooled groups in words: two groups of the same arms are two different claims
    assert "alem-pooled 12 + 24 mg pooled · alem-any dose not stated" in flat
    assert "Annualized relapse rate annualized-relapse-rate" in flat
    assert "ifn 0.52 (0.41–0.66) relapses per year [9] · alem12 0.26 (0.21–0.33)" in flat
    # the effect with its CI and p, and the computed difference of harms, labelled
    assert "rate ratio 0.51 (0.39–0.65), p<0.0001 [9]" in flat
    assert "ifn 10/202 (5%) vs alem-pooled 100/596 (17%) [10] +11.8 pp" in flat
    # how the harms are ranked, on the heading, without costing a harm its place at 80
    assert "7 of 12 shown; serious, +pp (computed), commonest" in flat
    assert "⚠ 2 figures disagree (2 recorded on purpose) — see --section checks" in flat
    full = show(runner, "care-ms-ii", "--full")
    assert "experimental · alem12" in full
    assert "annualized-relapse-rate ·" in full


def test_first_screen_cites_only_its_own_sources(runner: CliRunner) -> None:
    out = show(runner, "care-ms-ii")
    sources = out.split("Sources:", 1)[1]
    cited = {int(n) for n in re.findall(r"\[(\d+)\]", out.split("Sources:")[0])}
    listed = {int(n) for n in re.findall(r"\[(\d+)\]", sources)}
    assert listed == cited
    assert 9 in listed and 24 in listed and 1 not in listed  # [1] cites only the design


def test_sections_print_only_those_parts(runner: CliRunner) -> None:
    out = show(runner, "care-ms-i", "--section", "checks", "--section", "arms")
    titles = [line.split(" ─")[0] for line in out.splitlines() if "───" in line and " ─" in line]
    assert titles == ["Arms", "Consistency checks"]  # the page's order, not the asked one
    assert "⚠1" in out and "Primary endpoints" not in out
    sources = show(runner, "care-ms-ii", "-s", "sources")
    # A URL is never folded: the longest is whole on a line of its own.
    long_url = (
        "https://www.nationalmssociety.org/About-the-Society/News/"
        "Positive-Results-Announced-from-Second-Phase-III-S"
    )
    assert any(line.strip().startswith(long_url) for line in sources.splitlines())


def test_unknown_section_is_a_usage_error(runner: CliRunner) -> None:
    result = runner.invoke(app, ["show", "care-ms-i", "--section", "harm"])
    assert result.exit_code == 2
    assert "'harm' is not one of" in result.stderr


def test_machine_formats_ignore_the_first_screen(runner: CliRunner) -> None:
    data = show(runner, "care-ms-ii", "-f", "json")
    assert "Patients with new or enlarging T2 lesions" in data  # not on the first screen
    assert "gadolinium" in show(runner, "care-ms-ii", "-f", "markdown")


def test_harms_claim_the_room_serious_first_then_the_largest_excess() -> None:
    study = Catalog.discover([], None).load("care-ms-ii")
    page = glance(study, audit_study(study))
    assert [h.term for h in page.summary_harms] == [
        "Any adverse event",
        "Discontinuation due to an adverse event",
        "Death",
    ]
    # Terms with a serious finding first, by excess: infections +12.2, thyroid +11.8, ITP
    assert [h.term for h in page.harms] == [
        "Infections",
        "Thyroid disorders",
        "Immune thrombocytopenic purpura",
        "Infusion-associated reactions",  # no comparator figure: ranked by its 92%
    ]
    assert [h.term for h in page.named_harms][:2] == [
        "Upper respiratory tract infection",
        "Urinary tract infection",
    ]
    assert [h.term for h in page.lesser_harms] == ["Malignancy"]  # −0.2 points
    assert [e.id for e in page.primary] == ["arr", "sad"]
    assert page.warnings == 2 and page.acknowledged == 2


@pytest.mark.parametrize("record", ["NCT02422186.json", "NCT00806624.json"])
def test_imported_record_fits_60_lines(runner: CliRunner, tmp_path: Path, record: str) -> None:
    study = record_to_study(read_record(FIXTURES / "ctgov" / record), "2026-09-25", "file")
    path = tmp_path / f"{study.id}.yaml"
    path.write_text(study_yaml(study, []), encoding="utf-8")
    out = show(runner, str(path))
    lines = out.splitlines()
    assert len(lines) <= 60
    assert "Primary endpoints" in out and lines[-1].startswith("More: ")


def test_a_registry_list_of_1764_harms_is_counted_past_twenty_names(
    runner: CliRunner, tmp_path: Path
) -> None:
    # SELECT (NCT03574597, verbatim from the bulk sample): 1,764 adverse-event terms. The
    # first screen names 20 of those it leaves out, counts the rest and says where all are.
    with zipfile.ZipFile(FIXTURES / "ctgov-sample-long-harms.zip") as archive:
        record = json.loads(archive.read("NCT03574597.json"))
    study = record_to_study(record, "2026-12-08", "file")
    path = tmp_path / f"{study.id}.yaml"
    path.write_text(study_yaml(study, []), encoding="utf-8")
    out = show(runner, str(path))
    lines = out.splitlines()
    assert len(lines) <= 45
    flat = " ".join(out.split())
    shown = int(re.search(r"(\d+) of 1764 shown", flat).group(1))  # type: ignore[union-attr]
    hidden = re.search(
        r"Not shown at this width: (.*?) and (\d+) more \(--section harms lists all 1764\)", flat
    )
    assert hidden is not None, flat
    assert len(hidden.group(1).split(", ")) == 20
    assert shown + 20 + int(hidden.group(2)) == 1764
    assert "Decreased appetite" in hidden.group(1)  # the next by rank, named
    listed = show(runner, str(path), "--section", "harms")
    assert "Ureterolithiasis" in listed and "Decreased appetite" in " ".join(listed.split())


def test_links_on_a_terminal_carry_no_control_codes_from_the_file(
    runner: CliRunner, write: Write, minimal_text: str, monkeypatch: pytest.MonkeyPatch
) -> None:
    # A URL may not hold spaces, but nothing in its pattern refuses an escape character.
    text = minimal_text.replace(
        "    citation: Synthetic source for tests",
        '    citation: Synthetic source for tests\n    url: "https://example.org/\\e]8;;https://evil.example\\a"',
    )
    monkeypatch.setenv("FORCE_COLOR", "1")
    for args in ([], ["--section", "sources"]):
        out = show(runner, str(write(text)), *args)
        assert "\x07" not in out and "evil.example\x1b" not in out
        assert "\x1b]8;" in out  # still a link, to the cleaned address


def test_a_section_the_study_lacks_says_so(
    runner: CliRunner, minimal_text: str, write: Write
) -> None:
    out = show(runner, str(write(minimal_text)), "--section", "notes")
    assert out == "Notes and milestones: none in this study\n"


def _pages() -> list[tuple[str, Page]]:
    catalog = Catalog.discover([], None)
    pages = []
    for name in sorted(SEED_FACTS):
        study = catalog.load(name)
        pages.append((name, build_page(study, audit_study(study))))
    for record in ("NCT02422186.json", "NCT00806624.json"):
        study = record_to_study(read_record(FIXTURES / "ctgov" / record), "2026-09-25", "file")
        pages.append((record, build_page(study, audit_study(study))))
    return pages


@pytest.mark.parametrize("width", [80, 50])
def test_piped_first_screen_is_what_rich_prints_without_colour(width: int) -> None:
    for name, page in _pages():
        buffer = io.StringIO()
        render_glance(page, make_console(file=buffer, width=width))
        assert glance_plain(page, width) == buffer.getvalue(), name


def test_wrapped_lines_hang_under_their_text() -> None:
    top = Line("Infections: ifn 134/202 (66%) vs alem-pooled 468/596 (79%) [10] +12.2 pp")
    assert [line.plain for line in wrap(top, 40)] == [
        "Infections: ifn 134/202 (66%) vs",
        "  alem-pooled 468/596 (79%) [10] +12.2",
        "  pp",
    ]
    inner = Line("    ifn 0.52 (0.41–0.66) relapses per year [9]", style="dim")
    assert [line.plain for line in wrap(inner, 30)] == [
        "    ifn 0.52 (0.41–0.66)",
        "    relapses per year [9]",
    ]
    assert [line.style for line in wrap(inner, 30)] == ["dim", "dim"]  # the line's own style
    # A styled part keeps its style on whichever line it lands, and only there.
    arm = Line("  ").append("ifn", "dim").append(" 0.52 (0.41–0.66) relapses per year [9] · ")
    arm.append("alem12", "dim").append(" 0.26")
    first, second = wrap(arm, 50)
    assert [first.plain[a:b] for a, b, _ in first.styles] == ["ifn"]
    assert [second.plain[a:b] for a, b, _ in second.styles] == ["alem12"]
    assert rich_text(second).spans[0].style == "dim"
    # A word wider than the line is folded, never cut; nothing is lost.
    long = Line("see https://clinicaltrials.gov/study/NCT00548405")
    pieces = [line.plain for line in wrap(long, 20)]
    assert all(len(p) <= 20 for p in pieces)
    assert "".join(p.strip() for p in pieces) == "seehttps://clinicaltrials.gov/study/NCT00548405"


def test_first_screen_hangs_continuation_lines(runner: CliRunner) -> None:
    lines = show(runner, "care-ms-ii").splitlines()
    population = lines.index(next(line for line in lines if line.startswith("Population:")))
    assert lines[population + 1] == "  therapy [3]"
    results = next(i for i, line in enumerate(lines) if line.startswith("  ifn 0.52"))
    assert lines[results + 1] == "  per year [9]"


def test_piped_output_is_plain_unless_a_terminal_is_forced(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    monkeypatch.setattr("sys.stdout", io.StringIO())
    assert plain_width({"COLUMNS": "50"}) == 50
    assert plain_width({"COLUMNS": "50", "FORCE_COLOR": "1"}) is None
    assert plain_width({"COLUMNS": "50", "TTY_COMPATIBLE": "1"}) is None
