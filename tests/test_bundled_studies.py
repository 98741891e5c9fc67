"""The three bundled alemtuzumab studies say what their sources say."""

from __future__ import annotations

import json

import pytest
from typer.testing import CliRunner

from trialcli.catalog import Catalog, bundled_dir
from trialcli.cli import app
from trialcli.ops.summary import endpoint_verdict


@pytest.fixture
def wide(monkeypatch: pytest.MonkeyPatch) -> None:
    # One line per table cell, so each phrase can be asserted whole.
    monkeypatch.setenv("COLUMNS", "220")


def show(runner: CliRunner, study: str) -> str:
    result = runner.invoke(app, ["show", study, "--full"])
    assert result.exit_code == 0, result.stderr
    return result.stdout


def test_catalog_validates(runner: CliRunner) -> None:
    result = runner.invoke(app, ["validate"])
    assert result.exit_code == 0, result.stdout
    assert "3 files checked, all valid" in result.stdout


def test_catalog_passes_strict_and_every_warning_is_a_recorded_disagreement(
    runner: CliRunner,
) -> None:
    result = runner.invoke(app, ["validate", "--strict", "--format", "json"])
    assert result.exit_code == 0, result.stdout
    warnings = [p for p in json.loads(result.stdout)["problems"] if p["severity"] == "warning"]
    assert all(p["acknowledged"] for p in warnings)
    # The disagreements the data records on purpose: published-facts discrepancies 10, 11
    # and 12, the CARE-MS II brain-volume p-value, CAMMS223's IFN SAD (26.2% in the NEJM
    # abstract, 24% in the 12-mg-only review table) and CARE-MS II's any adverse event
    # (the review prints 99% for 587/596). A new warning fails here until it is fixed or
    # recorded.
    found = {(p["file"].rsplit("/", 1)[-1], p["check"], p["field"]) for p in warnings}
    assert found == {
        ("camms223.yaml", "sources-disagree", "endpoints[0].results.ifn.value"),
        ("care-ms-i.yaml", "sources-disagree", "endpoints[4].results.ifn.value"),
        ("care-ms-i.yaml", "sources-disagree", "endpoints[7].results.ifn.value"),
        ("care-ms-i.yaml", "sources-disagree", "endpoints[7].results.alem12.value"),
        ("care-ms-i.yaml", "sources-disagree", "safety[6].arms.ifn.affected"),
        ("care-ms-ii.yaml", "sources-disagree", "endpoints[9].comparisons[0].p_value"),
        ("care-ms-ii.yaml", "percentage", "safety[0].arms.alem-pooled.pct"),
    }


@pytest.mark.usefixtures("wide")
def test_show_computes_absolute_effects_and_lists_disagreements(runner: CliRunner) -> None:
    out = show(runner, "care-ms-ii")
    # Relapse-free at 2 years, 65.4% vs 46.7%; relapsing 147/426 vs 104/202; ARR 0.26 vs 0.52.
    # (The Effect column wraps even when wide; tests/test_effects.py checks the whole text.)
    assert "computed: +18.7 percentage points" in out
    assert "computed: −17.0 percentage points (95% CI −25.1 to" in out
    assert "computed: −0.26 relapses per year" in out
    assert "59 consistency checks computed from the figures above; 2 disagree" in out
    # The review's printed 99% is kept, and flagged against its own n/N on purpose.
    assert "Alemtuzumab 12 + 24 mg pooled: 587/596 (99%) [10] ⚠1" in out
    assert (
        "⚠1  Any adverse event, Alemtuzumab 12 + 24 mg pooled: 99% [10] vs 587/596 [10] = 98.5%"
        in out
    )
    # NICE's n=1,046 counts a population it does not name: a sourced note, not a count.
    assert '• NICE TA312 describes the trial as "CARE-MS II (n=1,046)"; the population' in out
    assert "also reported" not in out


def test_list_shows_the_three(runner: CliRunner) -> None:
    rows = json.loads(runner.invoke(app, ["list", "--format", "json"]).stdout)
    summary = {
        r["id"]: (r["phase"], r["randomized"], r["primary_met"], r["primary_total"]) for r in rows
    }
    assert summary == {
        "camms223": ("2", 334, 2, 2),
        "care-ms-i": ("3", 581, 1, 2),
        "care-ms-ii": ("3", 840, 2, 2),
    }


@pytest.mark.usefixtures("wide")
def test_show_care_ms_ii(runner: CliRunner) -> None:
    out = show(runner, "care-ms-ii")
    assert "Randomized   840 [" in out
    assert (
        "alemtuzumab 12 mg/day intravenous 5 consecutive days at month 0; "
        "3 consecutive days at month 12" in out
    )
    assert "interferon beta-1a (Rebif) 44 µg subcutaneous three times weekly" in out
    assert "relative reduction 49%" in out
    assert "relative reduction 42%" in out
    assert "rate ratio 0.51 (0.39–0.65), p<0.0001" in out
    assert "hazard ratio 0.58 (0.38–0.87), p=0.0084" in out
    assert out.count("✔ met") == 2
    assert "Alemtuzumab, dose not stated: ~16% [" in out
    assert "Alemtuzumab, dose not stated: ~1% [" in out
    assert "Positive Results Announced from Second Phase III" in out
    assert "https://www.nationalmssociety.org/" in out


@pytest.mark.usefixtures("wide")
def test_show_care_ms_i(runner: CliRunner) -> None:
    out = show(runner, "care-ms-i")
    assert "Randomized   581 [" in out
    assert "relative reduction 55%" in out
    assert "rate ratio 0.45 (0.32–0.63), p<0.0001" in out
    assert "hazard ratio 0.70 (0.40–1.23), p=0.22" in out
    assert out.count("✔ met") == 1
    assert out.count("✘ not met") == 1


@pytest.mark.usefixtures("wide")
def test_show_camms223(runner: CliRunner) -> None:
    out = show(runner, "camms223")
    assert "Randomized   334 [" in out
    assert "relative reduction 74%" in out
    assert "relative reduction 71%" in out
    assert "hazard ratio 0.26 (0.16–0.41), p<0.001" in out
    assert "Alemtuzumab 12 + 24 mg pooled: 0.10 relapses per year" in out  # 0.10, not 0.1
    assert "2005-09" in out  # the dosing suspension after ITP


def test_primary_verdicts_match_the_sources() -> None:
    catalog = Catalog.discover()
    verdicts = {
        study: {
            e.code: endpoint_verdict(e).state
            for e in catalog.load(study).endpoints
            if e.level == "primary"
        }
        for study in ("camms223", "care-ms-i", "care-ms-ii")
    }
    assert verdicts == {
        "camms223": {"annualized-relapse-rate": "met", "sustained-disability-worsening": "met"},
        "care-ms-i": {
            "annualized-relapse-rate": "met",
            "sustained-disability-worsening": "not-met",
        },
        "care-ms-ii": {"annualized-relapse-rate": "met", "sustained-disability-worsening": "met"},
    }


def test_every_figure_has_a_source() -> None:
    for entry in Catalog.discover().entries():
        study = entry.study
        assert study is not None
        assert study.default_source is not None, f"{study.id} has no default source"
        for source in study.sources:
            assert source.url or source.citation


def test_no_from_memory_figures_shipped() -> None:
    # published-facts.md marks these [from-memory-unconfirmed]: they must never appear.
    care_ms_ii = Catalog.discover().load("care-ms-ii")
    assert all(arm.randomized is None for arm in care_ms_ii.arms)
    relapse = next(e for e in care_ms_ii.endpoints if e.code == "relapse-proportion")
    assert relapse.results["ifn"].value is None  # the printed "53%" is wrong: 104/202 = 51.5%
    assert relapse.results["ifn"].n == 104 and relapse.results["ifn"].N == 202
    # Neither the wrong printed percentage nor our own arithmetic ships in the file's text.
    text = (bundled_dir() / "care-ms-ii.yaml").read_text(encoding="utf-8")
    assert "53%" not in text and "51.5" not in text


@pytest.mark.usefixtures("wide")
def test_eligibility_and_baseline_items_each_get_a_line(runner: CliRunner) -> None:
    lines = [line.strip() for line in show(runner, "care-ms-i").splitlines()]
    assert "≥2 relapses in the prior 24 months, ≥1 in the prior 12 months [8]" in lines
    # Age is the Lancet paper's [1], not the review's [8] that gives EDSS and onset.
    assert "Eligibility  age 18–50 years [1]" in lines
    assert "prior treatment None (steroids allowed) [1]" in lines
    assert "IFN / alemtuzumab: EDSS 2.0 / 2.0 [8]" in lines


def test_camms223_keeps_pooled_and_12mg_disability_apart() -> None:
    # published-facts trap 1: the NEJM SAD figures pool both doses; the review's 8% vs 24%
    # is the 12-mg arm alone, so it is a separate record and not a third primary endpoint.
    study = Catalog.discover().load("camms223")
    sad = {e.id: e for e in study.endpoints if e.code == "sustained-disability-worsening"}
    assert {arm: r.value for arm, r in sad["sad"].results.items()} == {
        "ifn": 26.2,
        "alem-pooled": 9.0,
    }
    assert {arm: r.value for arm, r in sad["sad-12mg"].results.items()} == {
        "ifn": 24,
        "alem12": 8,
    }
    assert [(c.estimate, c.arms) for c in sad["sad-12mg"].comparisons] == [(75, ("alem12", "ifn"))]
    assert [e.id for e in study.endpoints if e.level == "primary"] == ["sad", "arr"]
