"""`trialcli network` from study files: the metafor-pinned networks, the bundled trials,
every format, and the messages a methodologist expects."""

from __future__ import annotations

import csv
import json
import math
from collections import defaultdict
from pathlib import Path

import pytest
from typer.testing import CliRunner

from trialcli.cli import app

FIXTURES = Path(__file__).parent / "fixtures" / "network"
REFERENCE = json.loads((FIXTURES / "reference.json").read_text(encoding="utf-8"))

STUDY = """\
# Hasselblad (1998), study {study}, as metafor's dat.hasselblad1998 gives it.
id: hasselblad-{study}
acronym: {authors} {year}
title: Smoking cessation counselling, study {study} of Hasselblad (1998)
status: completed
default_source: h
population:
  condition: smoking cessation
  description: smokers
arms:
{arms}
endpoints:
  - id: quit
    name: Quit smoking
    code: smoking-cessation
    level: primary
    kind: proportion
    time_frame: 6 to 12 months
    results:
{results}
sources:
  - id: h
    citation: "Hasselblad V (1998), Med Decis Making 18:37-43; metafor's dat.hasselblad1998"
"""


def write_hasselblad(folder: Path) -> Path:
    arms: dict[str, list[dict[str, str]]] = defaultdict(list)
    with (FIXTURES / "hasselblad1998.csv").open(encoding="utf-8") as f:
        for row in csv.DictReader(f):
            arms[row["study"]].append(row)
    folder.mkdir()
    for study, rows in arms.items():
        arm_text = "\n".join(
            f"  - id: {r['trt'].replace('_', '-')}\n    label: {r['trt']}\n"
            f"    role: {'placebo' if r['trt'] == 'no_contact' else 'experimental'}\n"
            f"    interventions:\n      - drug: {r['trt']}"
            for r in rows
        )
        results = "\n".join(
            f"      {r['trt'].replace('_', '-')}: {{n: {r['xi']}, N: {r['ni']}}}" for r in rows
        )
        text = STUDY.format(
            study=study,
            authors=rows[0]["authors"].replace(" et al.", ""),
            year=rows[0]["year"],
            arms=arm_text,
            results=results,
        )
        (folder / f"hasselblad-{study}.yaml").write_text(text, encoding="utf-8")
    return folder


@pytest.fixture
def smoking(tmp_path: Path) -> Path:
    return write_hasselblad(tmp_path / "smoking")


def run(runner: CliRunner, *args: str) -> tuple[int, str]:
    result = runner.invoke(app, list(args))
    return result.exit_code, result.output


def test_json_equals_metafor_from_study_files(runner: CliRunner, smoking: Path) -> None:
    code, out = run(
        runner, "-d", str(smoking), "network", "-e", "smoking-cessation",
        "--reference", "no_contact", "--better", "higher", "-f", "json",
    )  # fmt: skip
    assert code == 0, out
    data = json.loads(out)
    assert data["reference"] == "no_contact"
    assert data["measure"] == "odds-ratio"
    assert data["model"] == "random"
    assert data["tau2"] == pytest.approx(REFERENCE["hasselblad1998"]["tau2_reml"], abs=5e-5)
    z = 1.959963984540054
    expected = {(r["treatment"], r["vs"]): r for r in REFERENCE["hasselblad1998"]["random_reml"]}
    assert len(data["league"]) == 12
    for row in data["league"]:
        ref = expected[(row["treatment"], row["vs"])]
        assert math.log(row["estimate"]) == pytest.approx(ref["log_estimate"], abs=5e-5)
        low, high = row["ci"]
        assert math.log(low) == pytest.approx(ref["log_estimate"] - z * ref["se"], abs=1e-4)
        assert math.log(high) == pytest.approx(ref["log_estimate"] + z * ref["se"], abs=1e-4)
    assert {e["vs"] for e in data["effects"]} == {"no_contact"}
    assert data["q_total"]["q"] == pytest.approx(REFERENCE["hasselblad1998"]["q_total"], abs=1e-4)
    assert data["q_inconsistency"]["df"] == 7
    assert data["q_inconsistency"]["q"] == pytest.approx(15.2203, abs=1e-4)
    scores = data["p_scores"]
    assert max(scores, key=scores.get) == "grp_counseling"
    assert "not the probability of being best" in data["p_score_caveat"]
    assert data["computed"].startswith("Computed by trialcli")


def test_table_reads_answer_first_and_fits_80_columns(runner: CliRunner, smoking: Path) -> None:
    code, out = run(
        runner, "-d", str(smoking), "network", "-e", "smoking-cessation",
        "--reference", "no_contact", "--better", "higher",
    )  # fmt: skip
    assert code == 0, out
    lines = out.splitlines()
    assert lines[0] == "Network meta-analysis: Quit smoking (smoking-cessation)"
    assert lines[1].startswith("24 studies · 4 treatments · ")
    assert all(len(line) <= 80 for line in lines)
    # Ranked: group counselling first, no contact (the reference) last.
    assert "│ grp_counseling │ 2.38 (1.15–4.94)    │      6 │   555 │    0.85 │" in lines
    assert "│ no_contact     │ reference           │     19 │ 7,231 │    0.04 │" in lines
    assert "Between designs (inconsistency): Q = 15.22 (df 7), p = 0.033" in out
    assert "Ranked by P-score (more events better)" in out
    assert "not the probability of being best" in out.replace("\n", " ")
    assert "self_help rests on" not in out  # four treatments, each in several trials
    assert "Computed by trialcli" in out


def test_csv_and_markdown_carry_every_pair_with_its_measure(
    runner: CliRunner, smoking: Path
) -> None:
    base = ("-d", str(smoking), "network", "-e", "smoking-cessation", "--reference", "no_contact")
    code, out = run(runner, *base, "-f", "csv")
    assert code == 0, out
    rows = list(csv.DictReader(out.splitlines()))
    assert len(rows) == 12
    assert {r["measure"] for r in rows} == {"odds-ratio"}
    assert {r["model"] for r in rows} == {"random"}
    code, out = run(runner, *base, "-f", "markdown")
    assert code == 0
    assert out.startswith("| treatment | vs | measure |")


def test_common_effect_and_dl(runner: CliRunner, smoking: Path) -> None:
    base = ("-d", str(smoking), "network", "-e", "smoking-cessation", "--reference", "no_contact")
    code, out = run(runner, *base, "--model", "common", "-f", "json")
    assert code == 0
    data = json.loads(out)
    assert data["tau2"] == 0 and data["tau2_method"] is None
    ind = next(e for e in data["effects"] if e["treatment"] == "ind_counseling")
    expected = next(
        r
        for r in REFERENCE["hasselblad1998"]["common"]
        if (r["treatment"], r["vs"]) == ("ind_counseling", "no_contact")
    )
    assert math.log(ind["estimate"]) == pytest.approx(expected["log_estimate"], abs=5e-5)
    code, out = run(runner, *base, "--method", "dl", "-f", "json")
    assert code == 0 and json.loads(out)["tau2_method"] == "dl"


def test_bundled_trials_two_arms_of_one_drug_are_combined_and_said(runner: CliRunner) -> None:
    code, out = run(runner, "network", "-e", "relapse-proportion", "--better", "lower")
    assert code == 0, out
    assert "interferon beta-1a (Rebif)" in out
    assert "2 studies · 2 treatments" in out
    assert "Between designs (inconsistency): no test" in out
    assert "Computed by trialcli" in out


def test_reference_by_the_files_spelling_and_unknown_reference(
    runner: CliRunner, smoking: Path
) -> None:
    base = ("-d", str(smoking), "network", "-e", "smoking-cessation")
    code, out = run(runner, *base, "--reference", "Self-Help", "-f", "json")
    assert code == 0 and json.loads(out)["reference"] == "self_help"
    code, out = run(runner, *base, "--reference", "acupuncture")
    assert code == 1
    assert "no treatment named 'acupuncture'" in out
    assert "Traceback" not in out


def test_missing_endpoint_and_disconnected_network(runner: CliRunner, smoking: Path) -> None:
    code, out = run(runner, "-d", str(smoking), "network", "-e", "no-such-endpoint")
    assert code == 1 and "no study has per-arm events/total" in out
    island = (smoking / "hasselblad-1.yaml").read_text(encoding="utf-8")
    island = island.replace("hasselblad-1", "island").replace(
        "drug: ind_counseling", "drug: hypnosis"
    )
    island = island.replace("drug: no_contact", "drug: acupuncture")
    (smoking / "island.yaml").write_text(island, encoding="utf-8")
    code, out = run(runner, "-d", str(smoking), "network", "-e", "smoking-cessation")
    assert code == 1
    assert "the network is disconnected: its parts are" in out
    assert "acupuncture, hypnosis" in out.replace("\n", " ")
    assert "Traceback" not in out


def test_export_draws_the_graph_and_the_forest(
    runner: CliRunner, smoking: Path, tmp_path: Path
) -> None:
    pytest.importorskip("matplotlib")
    target = tmp_path / "network.svg"
    code, out = run(
        runner, "-d", str(smoking), "network", "-e", "smoking-cessation",
        "--reference", "no_contact", "--export", str(target),
    )  # fmt: skip
    assert code == 0, out
    svg = target.read_text(encoding="utf-8")
    for words in ("grp_counseling", "2.38 (1.15–4.94)", "Odds ratio vs no_contact (log scale)",
                  "edge width ∝ trials", "Computed by trialcli"):  # fmt: skip
        assert words in svg, words
    code, out = run(runner, "-d", str(smoking), "network", "-e", "smoking-cessation",
                    "--export", str(target))  # fmt: skip
    assert code == 1 and "exists" in out


MS_REVIEW = Path(__file__).parent / "fixtures" / "revman" / "CD011381StatsDataOnly.rm5"


def test_the_ms_network_from_the_cochrane_review(runner: CliRunner, tmp_path: Path) -> None:
    """The worked example of docs/network.md: relapses over 24 months, risk ratios, from the
    39 trials of Cochrane review CD011381 imported as study files."""
    into = tmp_path / "ms"
    assert runner.invoke(app, ["import", str(MS_REVIEW), "--into", str(into)]).exit_code == 0
    code, out = run(
        runner, "-d", str(into), "network", "-e", "relapses-over-24-months",
        "--measure", "risk-ratio", "--better", "lower", "-f", "json",
    )  # fmt: skip
    assert code == 0, out
    data = json.loads(out)
    assert (len(data["studies"]), len(data["treatments"]), data["reference"]) == (26, 15, "placebo")
    league = {(e["treatment"], e["vs"]): e for e in data["league"]}

    def printed(a: str, b: str) -> str:
        e = league[(a, b)]
        return f"{e['estimate']:.2f} ({e['ci'][0]:.2f}–{e['ci'][1]:.2f})"

    assert printed("alemtuzumab", "placebo") == "0.46 (0.39–0.55)"
    assert printed("natalizumab", "placebo") == "0.56 (0.47–0.66)"
    assert printed("fingolimod", "placebo") == "0.72 (0.64–0.81)"
    assert printed("alemtuzumab", "natalizumab") == "0.83 (0.65–1.06)"
    assert printed("alemtuzumab", "fingolimod") == "0.64 (0.52–0.79)"
    assert printed("natalizumab", "fingolimod") == "0.77 (0.63–0.95)"
    assert round(data["tau2"], 4) == 0.0034
    inconsistency = data["q_inconsistency"]
    assert (round(inconsistency["q"], 2), inconsistency["df"]) == (15.41, 8)
    assert round(data["p_scores"]["alemtuzumab"], 2) == 0.96
    assert "natalizumab rests on one trial: 627 participants on it" in data["warnings"]
