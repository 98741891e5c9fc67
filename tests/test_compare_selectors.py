"""`compare -e STUDY:ENDPOINT_ID`: imported studies compared without editing their files."""

from __future__ import annotations

import csv
import io
import json
from pathlib import Path

import pytest
from typer.testing import CliRunner

from trialcli.cli import app
from trialcli.importers.ctgov import record_to_study
from trialcli.model import Comparison, Study
from trialcli.ops.compare import Selection, compare_studies, split_selector
from trialcli.render.console import make_console
from trialcli.render.forest import render_forest
from trialcli.render.forest_text import panel_title
from trialcli.writer import study_yaml

FIXTURES = Path(__file__).parent / "fixtures"


def imported(nct: str) -> Study:
    path = next(FIXTURES.glob(f"ctgov*/{nct}.json"))
    return record_to_study(json.loads(path.read_text(encoding="utf-8")), "2026-09-25", "file")


@pytest.fixture(scope="module")
def folder(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """Three imported studies, written as `trialcli import -o` writes them."""
    folder = tmp_path_factory.mktemp("imported")
    for nct in ("NCT02422186", "NCT01206062", "NCT00806624"):
        study = imported(nct)
        (folder / f"{study.id}.yaml").write_text(study_yaml(study), encoding="utf-8")
    return folder


def run(runner: CliRunner, folder: Path, *args: str) -> tuple[int, str, str]:
    result = runner.invoke(app, ["--data-dir", str(folder), "compare", *args])
    return result.exit_code, result.stdout, result.stderr


@pytest.mark.parametrize(
    ("selector", "parts"),
    [
        ("annualized-relapse-rate", (None, "annualized-relapse-rate")),
        ("care-ms-ii:arr", ("care-ms-ii", "arr")),
        ("nct02422186.yaml:primary-1", ("nct02422186.yaml", "primary-1")),
        # The last colon divides: a path may hold one, an endpoint id never does.
        ("C:/trials/nct02422186.yaml:primary-2", ("C:/trials/nct02422186.yaml", "primary-2")),
    ],
)
def test_split_selector(selector: str, parts: tuple[str | None, str]) -> None:
    assert split_selector(selector) == parts


def test_several_imported_endpoints_side_by_side(runner: CliRunner, folder: Path) -> None:
    # TRANSFORM-3's two MADRS analyses (MMRM, ANCOVA) and SPRINT's primary outcome.
    args = ["-e", "nct02422186:primary-1", "-e", "nct02422186:primary-2"]
    args += ["-e", "nct01206062:primary-1", "--format", "json"]
    code, out, err = run(runner, folder, *args)
    assert code == 0, err
    data = json.loads(out)
    assert data["endpoint"] == "nct02422186:primary-1, nct02422186:primary-2, nct01206062:primary-1"
    drawn = {(r["study"], r["text"]): r for r in data["rows"] if r["drawn"]}
    assert set(drawn) == {
        ("nct02422186", "−3.6 (−7.20 to 0.07)"),
        ("nct02422186", "−3.6 (−7.16 to −0.03)"),
        ("nct01206062", "0.75 (0.64–0.89)"),
    }
    assert drawn[("nct01206062", "0.75 (0.64–0.89)")]["measure"] == "hazard-ratio"
    assert drawn[("nct01206062", "0.75 (0.64–0.89)")]["p_value"] == "<0.001"
    assert {p["measure"] for p in data["panels"]} == {"hazard-ratio", "ls-mean-difference"}


def test_codes_and_selectors_mix(runner: CliRunner, folder: Path) -> None:
    code, out, err = run(
        runner,
        folder,
        "care-ms-ii",
        "-e",
        "annualized-relapse-rate",
        "-e",
        "nct01206062:primary-1",
        "-f",
        "csv",
    )
    assert code == 0, err
    rows = [r for r in csv.DictReader(io.StringIO(out)) if r["drawn"] == "true"]
    assert {(r["acronym"], r["measure"], r["text"]) for r in rows} == {
        ("CARE-MS II", "rate-ratio", "0.51 (0.39–0.65)"),
        ("SPRINT", "hazard-ratio", "0.75 (0.64–0.89)"),
    }


def test_an_endpoint_with_nothing_to_draw_is_listed(runner: CliRunner, folder: Path) -> None:
    # TRANSFORM-3's responder rate: results per arm, no comparison in the record.
    args = ["-e", "nct02422186:secondary-1", "-e", "nct01206062:primary-1"]
    code, out, err = run(runner, folder, *args)
    assert code == 0, err
    text = " ".join(out.split())
    assert "Reported but not drawn:" in text
    assert (
        "• TRANSFORM-3: results for 2 groups [1] (Percentage of Participants Who Achieved "
        ">=50% Reduction From Baseline in MADRS Total Score"
    ) in text
    assert "— no comparison between groups is reported" in text

    records = json.loads(run(runner, folder, *args, "-f", "json")[1])["rows"]
    listed = [r for r in records if not r["drawn"]]
    assert [(r["study"], r["measure"], r["reason"]) for r in listed] == [
        ("nct02422186", None, "no comparison between groups is reported")
    ]
    markdown = run(runner, folder, *args, "-f", "markdown")[1]
    assert "no comparison between groups is reported" in markdown
    rows = list(csv.DictReader(io.StringIO(run(runner, folder, *args, "-f", "csv")[1])))
    assert [r["reason"] for r in rows if r["drawn"] == "false"] == [
        "no comparison between groups is reported"
    ]


def test_a_missing_endpoint_names_the_ones_there_are(runner: CliRunner, folder: Path) -> None:
    code, out, err = run(runner, folder, "-e", "nct02422186:primary-9")
    assert code == 1 and out == ""
    assert err == (
        "Error: nct02422186 has no endpoint 'primary-9'; its endpoints: primary-1, primary-2, "
        "secondary-1, secondary-2, secondary-3, secondary-4, secondary-5, secondary-6\n"
    )


def test_a_code_no_imported_study_has_points_to_selectors(runner: CliRunner, folder: Path) -> None:
    code, _, err = run(runner, folder, "nct02422186", "-e", "annualized-relapse-rate")
    assert code == 1
    assert err == (
        "Error: no endpoint with code 'annualized-relapse-rate' in these studies; their codes: "
        "madrs-change (or choose one endpoint as STUDY:ENDPOINT_ID)\n"
    )


def test_an_unknown_study_in_a_selector_is_an_error(runner: CliRunner, folder: Path) -> None:
    code, _, err = run(runner, folder, "-e", "nct99999999:primary-1")
    assert code == 1 and err.startswith("Error: ")
    assert "nct99999999" in err


# --- direction ------------------------------------------------------------------------


def with_direction(study: Study, direction: str) -> Study:
    endpoint = study.endpoints[0]
    # An order "inferred" here is from the arms' roles (SPRINT's own is from its figures).
    basis = "roles" if direction == "inferred" else None
    update = {"direction": direction, "direction_basis": basis}
    comparisons = [c.model_copy(update=update) for c in endpoint.comparisons]
    changed = endpoint.model_copy(update={"comparisons": comparisons})
    return study.model_copy(update={"endpoints": [changed, *study.endpoints[1:]]})


def test_an_unknown_direction_is_listed_never_drawn() -> None:
    study = with_direction(imported("NCT01206062"), "unknown")
    plot = compare_studies([study], Selection(endpoints=(("nct01206062", "primary-1"),)))
    assert plot.rows == ()
    (item,) = plot.not_drawn
    assert item.what == "hazard ratio 0.75 (0.64–0.89), p<0.001"
    assert item.direction == "unknown"
    assert item.reason.startswith("direction unknown: the source does not say which group")


def test_an_inferred_direction_is_drawn_and_marked() -> None:
    study = with_direction(imported("NCT01206062"), "inferred")
    plot = compare_studies([study], Selection(endpoints=(("nct01206062", "primary-1"),)))
    (row,) = plot.rows
    assert (row.text, row.direction) == ("0.75 (0.64–0.89)", "inferred")
    console = make_console(record=True)
    render_forest(plot, console)
    text = console.export_text()
    assert "order inferred" in text.split("Estimate (CI)", 1)[1].split("┴", 1)[0]
    assert (
        "order inferred: the source does not state which group is first; trialcli inferred it "
        "from the arms' roles"
    ) in " ".join(text.split())


def test_panel_title_names_the_groups_only_when_true() -> None:
    # SPRINT: intensive (experimental) vs standard control; the record states the order.
    sprint = compare_studies(
        [imported("NCT01206062")], Selection(endpoints=(("nct01206062", "primary-1"),))
    )
    assert panel_title(sprint.panels[0]) == ("Hazard ratio (experimental ÷ comparator), log scale")
    # Edoxaban 30 mg vs 60 mg: both experimental, so roles cannot order them, but the
    # record's risks do (20.3 − 23.8 = −3.5): all three rows are drawn, and with two
    # experimental doses in one row the title says only "first group − second".
    doses = compare_studies(
        [imported("NCT00806624")], Selection(endpoints=(("nct00806624", "primary-1"),))
    )
    assert doses.not_drawn == ()
    assert [row.direction for row in doses.rows] == ["inferred"] * 3
    assert panel_title(doses.panels[0]) == (
        "Risk difference (first group − second, as each row names them), percentage points"
    )


def test_a_measure_without_a_known_scale_is_listed() -> None:
    study = imported("NCT01206062")
    endpoint = study.endpoints[0]
    # A measure kept in the record's own words ("other"): no null, no axis; said so.
    other = Comparison.model_construct(
        **{**endpoint.comparisons[0].model_dump(), "measure": "other"}
    )
    changed = endpoint.model_copy(update={"comparisons": [other]})
    study = study.model_copy(update={"endpoints": [changed]})
    plot = compare_studies([study], Selection(endpoints=((study.id, endpoint.id),)))
    assert plot.rows == ()
    (item,) = plot.not_drawn
    assert "0.75 (0.64–0.89), p<0.001" in item.what
    assert item.reason == "a measure with no known scale or null, not drawn"
