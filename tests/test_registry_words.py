"""Issue 21, item 6 ("Words"): what the first screen ranks first, what `flow` says was
analysed, whose role an arm plays, and "enrolled" for a study that randomized no one.

Records: the 17 in tests/fixtures/ctgov*/ (verbatim API v2 responses, provenance in
/work/shared/ctgov*/PROVENANCE.md) and six from the bulk sample
(/work/shared/ctgov-bulk/ctg-studies-sample.zip), copied verbatim into
tests/fixtures/ctgov-sample-words.zip: NCT00338455 (nesiritide vs placebo: five serious
terms at the same excess, 1 of 8 vs 0 of 7), NCT00600938 (CORDELIA: a registered arm titled
"Deferasirox Placebo" that is deferoxamine with a dummy), NCT01405196 (BUTTERFLY: every
arm registered OTHER, one titled "Placebo"), NCT04327024 (AMETHYST: an order from the measure's
title), NCT04187144 (an order from the analysis's comment, another stated) and NCT00119262
(an order the record leaves unknown). Every figure below was read off those files.
"""

from __future__ import annotations

import csv
import io
import json
import zipfile
from pathlib import Path
from typing import Any

import pytest
from typer.testing import CliRunner

from trialcli.catalog import Catalog
from trialcli.cli import app
from trialcli.importers.ctgov import record_to_study
from trialcli.importers.ctgov.groups import says_placebo
from trialcli.model import Study
from trialcli.ops.audit import audit_study
from trialcli.ops.flow import study_flow
from trialcli.ops.glance import HARMS_ORDER
from trialcli.ops.page import build_page
from trialcli.writer import study_yaml

FIXTURES = Path(__file__).parent / "fixtures"
SAMPLE = FIXTURES / "ctgov-sample-words.zip"


def record(nct: str) -> dict[str, Any]:
    for folder in ("ctgov", "ctgov-wide"):
        path = FIXTURES / folder / f"{nct}.json"
        if path.exists():
            return dict(json.loads(path.read_text(encoding="utf-8")))
    with zipfile.ZipFile(SAMPLE) as archive:
        return dict(json.loads(archive.read(f"{nct}.json")))


def imported(nct: str) -> Study:
    return record_to_study(record(nct), "2026-01-01", "file")


def written(tmp_path: Path, study: Study) -> Path:
    path = tmp_path / f"{study.id}.yaml"
    path.write_text(study_yaml(study), encoding="utf-8")
    return path


def run(*args: str, columns: int | None = None) -> str:
    env = {"COLUMNS": str(columns)} if columns else None
    result = CliRunner().invoke(app, list(args), env=env)
    assert result.exit_code == 0, result.output
    return result.stdout


# --- the first screen's harms: serious, then the excess, then the most frequent ----------


def test_equal_excesses_rank_by_frequency_not_by_the_file() -> None:
    study = imported("NCT00338455")
    page = build_page(study, audit_study(study))
    order = [h.term for h in page.glance.harms][:3]
    # Serious: congestive heart failure 3/8 vs 1/7 (+23.2 pp) first; then five terms at
    # 1/8 vs 0/7 (+12.5 pp): dyspnoea, also 1 of 7 on placebo (14.3%), before sepsis,
    # which came first in the file.
    assert order == ["cardiac failure congestive", "dyspnoea", "sepsis"]
    ranked = {r.term: r for r in page.harms_order.ranked}
    assert ranked["dyspnoea"].rank == 2 and ranked["sepsis"].rank == 3
    assert ranked["dyspnoea"].excess_points == ranked["sepsis"].excess_points == 12.5
    assert ranked["dyspnoea"].highest_incidence == pytest.approx(14.2857, abs=1e-4)
    assert ranked["sepsis"].highest_incidence == 12.5


def test_the_rank_and_its_rule_are_in_every_format(tmp_path: Path) -> None:
    path = written(tmp_path, imported("NCT00338455"))
    data = json.loads(run("show", str(path), "-f", "json"))
    order = data["page"]["harms_order"]
    assert order["rule"] == HARMS_ORDER
    assert order["rule"].startswith("serious or fatal first, then the largest excess")
    assert [r["term"] for r in order["ranked"][:2]] == ["cardiac failure congestive", "dyspnoea"]
    # Every harm fact carries its term's rank; no other fact does.
    facts = data["page"]["facts"]
    dyspnoea = [f for f in facts if f["subject"] == "dyspnoea"]
    assert dyspnoea and {f["harm_rank"] for f in dyspnoea} == {2}
    assert all(f["harm_rank"] is None for f in facts if not f["kind"].startswith("harm"))
    rows = list(csv.DictReader(io.StringIO(run("show", str(path), "-f", "csv"))))
    assert {r["harm_rank"] for r in rows if r["subject"] == "dyspnoea"} == {"2"}
    # --full, its Markdown and html give each term's rank beside it, and the rule.
    full = " ".join(run("show", str(path), "--section", "harms", columns=200).split())
    assert "dyspnoea (serious) · rank 2" in full and "sepsis (serious) · rank 3" in full
    assert "Rank (the first screen's order): " + HARMS_ORDER in full
    markdown = " ".join(run("show", str(path), "-f", "markdown").split())
    assert "dyspnoea (serious) · rank 2" in markdown and HARMS_ORDER in markdown
    html = run("show", str(path), "-f", "html")
    assert "dyspnoea <small>· rank 2</small>" in html
    assert "Rank (the first screen's order): serious or fatal first" in html
    # The page in words says the rule, on the heading of the first screen's harms.
    flat = " ".join(run("show", str(path)).split())
    assert "Harms: the registry's list" in flat
    assert "Harms: the registry's list, 7 of 46 shown; serious, +pp (computed), commonest" in flat


@pytest.mark.parametrize(
    ("width", "heading"),
    [
        ("80", "Harms: the sources' selection, 7 of 12 shown; serious, +pp (computed), commonest"),
        (
            "200",
            "Harms: the sources' selection; serious first, then largest excess, then most "
            "frequent (pp: computed difference)",
        ),
    ],
)
def test_the_rule_costs_care_ms_ii_no_harm_at_80_columns(
    monkeypatch: pytest.MonkeyPatch, width: str, heading: str
) -> None:
    monkeypatch.setenv("COLUMNS", width)
    out = run("show", "care-ms-ii")
    assert heading in out.splitlines()  # one line: it takes no harm's room
    assert len(out.splitlines()) <= 45


@pytest.mark.parametrize("width", ["60", "70", "80", "100"])
def test_the_first_screen_never_passes_45_lines(
    monkeypatch: pytest.MonkeyPatch, width: str
) -> None:
    # At 70 columns the heading and the last line both wrap: both are counted.
    monkeypatch.setenv("COLUMNS", width)
    out = run("show", "care-ms-ii")
    assert len(out.splitlines()) <= 45
    study = Catalog.discover([], None).load("care-ms-ii")
    flat = " ".join(out.split())
    assert all(f.term in flat for f in study.safety)  # shown or named, never dropped


# --- flow: analysed, from the measures' own denominators -----------------------------------


def test_flow_gives_the_measures_denominators_when_no_analysed_count_is_stated(
    tmp_path: Path,
) -> None:
    study = imported("NCT02422186")  # TRANSFORM-3: no analysed count, 8 measures give N
    assert all(a.analysed is None for a in study.arms)
    result = study_flow(study)
    esketamine, placebo = result.analysed
    assert esketamine.count is None  # nothing invented as a stated count
    assert esketamine.by_measure is not None and placebo.by_measure is not None
    assert (esketamine.by_measure.low, esketamine.by_measure.high) == (63, 71)
    assert (placebo.by_measure.low, placebo.by_measure.high) == (60, 65)
    assert esketamine.by_measure.measures == 8
    path = written(tmp_path, study)
    out = run("flow", str(path))
    assert "Analysed 63–71 by measure [1]" in out and "Analysed 60–65 by measure [1]" in out
    assert "Analysed not reported" not in out
    markdown = run("flow", str(path), "-f", "markdown")
    assert "Oral AD Plus Intranasal Placebo: analysed 60–65 by measure \\[1\\]" in markdown
    data = json.loads(run("flow", str(path), "-f", "json"))
    first = data["analysis"][0]
    assert first["analysed"] is None
    assert first["analysed_by_measure"] == {
        "low": 63,
        "high": 71,
        "measures": 8,
        "sources": ["ctgov"],
    }
    rows = list(csv.DictReader(io.StringIO(run("flow", str(path), "-f", "csv"))))
    by_measure = {r["what"]: r["value"] for r in rows if r["arm"] == "intranasal-esketamine"}
    assert by_measure["analysed"] == ""
    assert by_measure["analysed by measure: fewest"] == "63"
    assert by_measure["analysed by measure: most"] == "71"


def test_a_stated_analysed_count_wins_over_the_measures() -> None:
    study = Catalog.discover([], None).load("care-ms-ii")
    stated = [a for a in study_flow(study).analysed if a.count is not None]
    assert stated and all(a.by_measure is None for a in stated)


def test_one_measure_gives_one_figure(tmp_path: Path) -> None:
    study = imported("NCT00806624")  # DU-176b: one outcome measure, N 79, 80 and 75
    out = run("flow", str(written(tmp_path, study)), columns=120)
    assert "Analysed 79 in its one measure [1]" in out
    assert "Analysed 75 in its one measure [1]" in out


# --- an arm's role: its own title over the registry's type ---------------------------------


def test_a_placebo_registered_as_experimental_is_a_placebo(tmp_path: Path) -> None:
    study = imported("NCT02291237")  # LIBERTY-HCM: both arms registered EXPERIMENTAL
    placebo = next(a for a in study.arms if a.label == "Placebo")
    assert (placebo.role, placebo.registered_as) == ("placebo", "experimental")
    eleclazine = next(a for a in study.arms if a.label != "Placebo")
    assert (eleclazine.role, eleclazine.registered_as) == ("experimental", None)
    path = written(tmp_path, study)
    ae = run("ae", str(path))
    assert "Comparator: Placebo" in ae
    assert "Role: Placebo: placebo by its title (registered as experimental)" in ae
    assert "No comparator arm" not in ae
    # Serious adverse events 14/86 vs 16/86: a difference now that placebo is the comparator.
    assert "−2.3 pp" in ae
    arms = " ".join(run("show", str(path), "--section", "arms", columns=200).split())
    assert "placebo by its title (registered as experimental) · placebo" in arms
    html = run("show", str(path), "-f", "html")
    assert "<td>Placebo</td><td>placebo by its title (registered as experimental)</td>" in html
    data = json.loads(run("show", str(path), "-f", "json"))
    (shown,) = [a for a in data["study"]["arms"] if a["label"] == "Placebo"]
    assert (shown["role"], shown["registered_as"]) == ("placebo", "experimental")


def test_every_arm_registered_other_keeps_its_placebo() -> None:
    study = imported("NCT01405196")  # BUTTERFLY: four arms, every one typed OTHER
    roles = {a.label: (a.role, a.registered_as) for a in study.arms}
    assert roles["Placebo"] == ("placebo", "other")
    assert roles["PF-04236921 50 mg"] == ("other", None)


def test_a_dummy_named_placebo_is_not_the_placebo() -> None:
    # CORDELIA registers "Deferasirox Placebo" (ACTIVE_COMPARATOR): deferoxamine, with a
    # placebo for the other drug. Its arm's own title is "Deferoxamine (DFO)…".
    study = imported("NCT00600938")
    deferoxamine = next(a for a in study.arms if a.label.startswith("Deferoxamine"))
    assert (deferoxamine.role, deferoxamine.registered_as) == ("active-comparator", None)


@pytest.mark.parametrize(
    ("title", "placebo"),
    [
        ("Placebo", True),  # LIBERTY-HCM, BUTTERFLY
        ("Placebo (Part 1)", True),  # NCT04232345
        ("Cohort A & B: Placebo", True),  # NCT06299826
        ("Placebo Cannabis Edibles (0 mg THC)", True),  # NCT06595576
        ("Deferasirox Placebo", False),  # NCT00600938: a dummy beside deferoxamine
        ("Gepotidacin + Placebo", False),  # NCT05630833
        ("Placebo, Then BH4", False),  # NCT06312748: a crossover's sequence
        ("Salbutamol - Placebo", False),  # NCT01958814
        ("Placebo/BMS-986231/NTG", False),  # NCT03357731
        ("Placebo BID in DB Phase; DTG 50 mg BID in Open-label Phase", False),  # NCT01568892
        ("Arm 5: Placebo + JNJ-56136379 + NA", False),  # NCT03982186
        ("Arm A (chemotherapy and placebo)", False),  # NCT00520975
    ],
)
def test_which_titles_clearly_say_placebo(title: str, placebo: bool) -> None:
    # Titles of arms the sample registers as neither placebo nor sham comparator.
    assert says_placebo(title) is placebo


# --- compare's legend: one sentence for each way an order is known -------------------------


def folder_of(tmp_path: Path, *ncts: str) -> Path:
    for nct in ncts:
        written(tmp_path, imported(nct))
    return tmp_path


def test_each_order_basis_has_its_own_words(tmp_path: Path) -> None:
    folder = folder_of(tmp_path, "NCT04327024", "NCT04187144", "NCT00119262")
    args = ["-d", str(folder), "compare", "-e", "nct04327024:primary-1"]
    args += ["-e", "nct04187144:primary-1", "-e", "nct00119262:secondary-1"]
    out = run(*args)
    flat = " ".join(out.split())
    # AMETHYST's mean difference runs as its measure's title names the groups; the
    # gepotidacin record's first analysis as its comment says, the other as it states; the
    # third record's order is unknown, and listed, not drawn.
    assert "order: title" in out and "order: comment" in out
    for sentence in (
        "order stated: the source says which group is first",
        "order: title — the record's measure title names the groups in this order",
        "order: comment — the record's comment on the analysis names the groups in this order",
        "direction unknown: the source does not say which group is first, so the comparison "
        "is listed, not drawn",
    ):
        assert sentence in flat
    assert "order inferred" not in flat  # no row's order comes from arm roles
    data = json.loads(run(*args, "-f", "json"))
    bases = [(r["acronym"], r["direction"], r["direction_basis"]) for r in data["rows"]]
    assert bases == [
        ("AMETHYST", "stated", "title"),
        ("NCT04187144", "stated", "comment"),
        ("NCT04187144", "stated", "stated"),
        ("NCT00119262", "unknown", "unknown"),
    ]
    rows = list(csv.DictReader(io.StringIO(run(*args, "-f", "csv"))))
    assert [r["direction_basis"] for r in rows] == [b for _, _, b in bases]


def test_an_order_from_the_figures_is_not_called_an_order_from_roles(tmp_path: Path) -> None:
    # DU-176b: two doses and warfarin; the record's risks fix each order (20.3% − 23.8%).
    folder = folder_of(tmp_path, "NCT00806624")
    out = run("-d", str(folder), "compare", "-e", "nct00806624:primary-1")
    flat = " ".join(out.split())
    assert out.count("order: figures") == 4  # three rows and the legend
    assert (
        "order: figures — the record does not state which group is first; its own figures "
        "(A − B, or a crude ratio) match the estimate only in this order"
    ) in flat
    assert "arms' roles" not in flat


def test_roles_figures_and_stated_each_keep_their_sentence(tmp_path: Path) -> None:
    # SPRINT: its primary hazard ratio 0.75 runs intensive vs standard by the crude ratio
    # (243/4,678 vs 319/4,683 = 0.76), which the legend said was "from the arms' roles";
    # its secondary-2 has no counts to tell, and is from roles. CARE-MS II's rate ratio is
    # stated by its source.
    folder = folder_of(tmp_path, "NCT01206062")
    out = run(
        "-d", str(folder), "compare", "care-ms-ii", "-e", "annualized-relapse-rate",
        "-e", "nct01206062:primary-1", "-e", "nct01206062:secondary-2",
    )  # fmt: skip
    flat = " ".join(out.split())
    assert "order stated: the source says which group is first" in flat
    assert "order: figures — the record does not state which group is first" in flat
    assert "order inferred: the source does not state which group is first; trialcli" in flat
    alone = " ".join(run("compare", "care-ms-ii", "-e", "annualized-relapse-rate").split())
    assert "order stated" not in alone  # every row stated: nothing to tell apart


# --- a single-group open-label study enrolled its people: it randomized no one ------------


def test_a_single_group_study_is_enrolled_in_show_flow_and_list(tmp_path: Path) -> None:
    # NCT00381238: an open-label extension, one group of 33 (the "354 randomized"
    # was the same fault on a larger single-group record).
    study = imported("NCT00381238")
    assert study.design is not None and study.design.allocation == "non-randomized"
    written(tmp_path, study)
    flat = " ".join(run("show", str(tmp_path / f"{study.id}.yaml")).split())
    assert "N: 33 enrolled [1]" in flat and "33 randomized" not in flat
    assert "Enrolled 33 [1]" in run("flow", str(tmp_path / f"{study.id}.yaml"))
    listed = run("-d", str(tmp_path), "list", columns=80)
    row = next(line for line in listed.splitlines() if line.startswith(study.id))
    assert " 33 enr. " in row
    assert "enr.: enrolled; the study randomized no one" in listed
    data = json.loads(run("-d", str(tmp_path), "list", "-f", "json"))
    mine = next(r for r in data if r["id"] == study.id)
    assert (mine["randomized"], mine["intake"]) == (33, "enrolled")
    care = next(r for r in data if r["id"] == "care-ms-ii")
    assert (care["randomized"], care["intake"]) == (840, "randomized")
