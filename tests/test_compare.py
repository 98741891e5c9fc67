"""`trialcli compare`: forest plot rows, panels per measure, conversion, and the export."""

from __future__ import annotations

import csv
import io
import json
import xml.etree.ElementTree as ET
from collections.abc import Callable
from pathlib import Path

import pytest
from hypothesis import given
from hypothesis import strategies as st
from typer.testing import CliRunner

from trialcli.catalog import Catalog
from trialcli.cli import app
from trialcli.model import Study
from trialcli.ops.compare import (
    ForestPlot,
    ForestRow,
    Panel,
    compare_studies,
    linear_axis,
    log_axis,
    uses_drug,
)
from trialcli.render.forest_text import axis_lines, plot_line, position

Write = Callable[..., Path]
ARR = "annualized-relapse-rate"

# The minimal fixture's comparison, replaced by a relative reduction only.
REDUCTION_ONLY = """\
      - measure: relative-reduction
        estimate: 49
        ci: [31, 62]
        arms: [drug, control]
"""


@pytest.fixture(scope="module")
def alemtuzumab() -> list[Study]:
    catalog = Catalog.discover()
    return [e.study for e in catalog.entries() if e.study and uses_drug(e.study, "alemtuzumab")]


def with_comparison(minimal_text: str, comparison: str) -> str:
    start = minimal_text.index("      - measure: rate-ratio")
    end = minimal_text.index("safety:")
    return minimal_text[:start] + comparison + minimal_text[end:]


def load(path: Path) -> Study:
    return Catalog.discover().load(str(path))


# --- the operation --------------------------------------------------------------------


def test_each_study_is_one_row_and_measures_stay_apart(alemtuzumab: list[Study]) -> None:
    plot = compare_studies(alemtuzumab, ARR)
    assert [(p.measure, [r.acronym for r in p.rows]) for p in plot.panels] == [
        ("rate-ratio", ["CARE-MS I", "CARE-MS II"]),
        ("hazard-ratio", ["CAMMS223"]),
    ]
    texts = {r.acronym: (r.text, r.groups, r.n_experimental, r.n_comparator) for r in plot.rows}
    assert texts == {
        "CARE-MS I": ("0.45 (0.32–0.63)", "Alemtuzumab 12 mg vs IFN beta-1a (Rebif)", 376, 187),
        "CARE-MS II": ("0.51 (0.39–0.65)", "Alemtuzumab 12 mg vs IFN beta-1a (Rebif)", 426, 202),
        "CAMMS223": (
            "0.26 (0.16–0.41)",
            "Alemtuzumab 12 + 24 mg pooled vs IFN beta-1a (Rebif)",
            223,
            111,
        ),
    }
    assert all(r.converted_from is None for r in plot.rows)
    # Ratio panels share one log axis so their rows can be read against each other.
    assert {(p.low, p.high) for p in plot.panels} == {(0.1, 2.0)}


def test_relative_reductions_beside_a_ratio_are_listed_not_drawn(
    alemtuzumab: list[Study],
) -> None:
    plot = compare_studies(alemtuzumab, ARR)
    reasons = {(n.acronym, n.what, n.groups): n.reason for n in plot.not_drawn}
    assert reasons[
        (
            "CARE-MS II",
            "relative reduction 49%, p<0.0001",
            "Alemtuzumab 12 mg vs IFN beta-1a (Rebif)",
        )
    ] == ("the study reports the ratio itself, drawn instead")
    # CAMMS223's 69% is for the 12 mg arm alone, where only a pooled hazard ratio exists.
    assert reasons[
        ("CAMMS223", "relative reduction 69%, p<0.0001", "Alemtuzumab 12 mg vs IFN beta-1a (Rebif)")
    ].startswith("not converted: the study reports a hazard ratio for other groups")
    assert len(plot.not_drawn) == 7


def test_studies_without_the_endpoint_are_named(alemtuzumab: list[Study]) -> None:
    plot = compare_studies(alemtuzumab, "sustained-disability-improvement")
    assert plot.without_endpoint == ("CAMMS223",)
    assert [r.text for r in plot.rows] == ["0.87", "2.57"]  # no CI: drawn as points


def test_a_lone_relative_reduction_is_converted_and_marked(write: Write, minimal_text: str) -> None:
    study = load(write(with_comparison(minimal_text, REDUCTION_ONLY)))
    plot = compare_studies([study], ARR)
    (row,) = plot.rows
    assert row.measure == "rate-ratio"  # a rate endpoint: the reduction is of its rate ratio
    assert row.converted_from == 49
    # 1 − 0.49 = 0.51; the interval flips: 1 − 0.62 = 0.38, 1 − 0.31 = 0.69
    assert row.text == "0.51 (0.38–0.69)"
    assert plot.not_drawn == ()


def test_a_relative_reduction_of_a_continuous_endpoint_is_not_converted(
    write: Write, minimal_text: str
) -> None:
    text = with_comparison(minimal_text, REDUCTION_ONLY).replace("kind: rate", "kind: continuous")
    plot = compare_studies([load(write(text))], ARR)
    assert plot.rows == ()
    (item,) = plot.not_drawn
    assert item.reason == "a continuous endpoint has no ratio to convert to"


def test_differences_get_a_linear_panel_per_unit(write: Write, minimal_text: str) -> None:
    text = with_comparison(
        minimal_text,
        "      - {measure: difference, estimate: -0.4, ci: [-0.6, -0.2], unit: EDSS points,"
        " arms: [drug, control]}\n",
    )
    plot = compare_studies([load(write(text))], ARR)
    (panel,) = plot.panels
    assert (panel.scale, panel.unit, panel.no_effect) == ("linear", "EDSS points", 0.0)
    assert (panel.low, panel.high) == (-0.6, 0.0)


def test_log_axis() -> None:
    assert log_axis([0.45, 0.32, 0.63]) == (0.2, 2.0, (0.2, 0.5, 1.0, 2.0))
    assert log_axis([2.57]) == (0.5, 5.0, (0.5, 1.0, 2.0, 5.0))
    low, high, ticks = log_axis([0.003, 40])
    assert low <= 0.003 / 1.1 and high >= 40 * 1.1 and 1.0 in ticks


def test_linear_axis() -> None:
    assert linear_axis([-0.17, 0.24]) == (-0.2, 0.3, (-0.2, -0.1, 0.0, 0.1, 0.2, 0.3))
    assert linear_axis([3, 12]) == (0.0, 15.0, (0.0, 5.0, 10.0, 15.0))


# --- drawing --------------------------------------------------------------------------


def panel_of(rows: tuple[ForestRow, ...], scale: str = "log") -> Panel:
    low, high, ticks = log_axis([v for r in rows for v in (r.estimate, *(r.ci or ()))])
    return Panel("rate-ratio", None, "log", low, high, ticks, rows)


def test_position_on_a_log_scale() -> None:
    # 0.1 to 10 over 21 columns: 1 sits exactly in the middle, 0.1 and 10 at the ends.
    assert position(1, 0.1, 10, "log", 21) == 10
    assert position(0.1, 0.1, 10, "log", 21) == 0
    assert position(10, 0.1, 10, "log", 21) == 20
    assert position(0.01, 0.1, 10, "log", 21) == 0  # off the axis: clamped
    assert position(0, -1, 1, "linear", 21) == 10


def test_plot_line_draws_interval_estimate_and_no_effect(alemtuzumab: list[Study]) -> None:
    plot = compare_studies(alemtuzumab, ARR)
    panel = plot.panels[0]
    line = plot_line(panel.rows[1], panel, 31)  # CARE-MS II: 0.51 (0.39–0.65)
    assert len(line) == 31
    assert line.count("■") == 1
    assert line[position(1, panel.low, panel.high, "log", 31)] == "│"
    left, right = line.index("─"), line.rindex("─")
    assert left < line.index("■") < right
    assert right < line.index("│")  # the interval stays below 1


@given(
    st.floats(min_value=0.02, max_value=50),
    st.floats(min_value=0.01, max_value=2),
    st.integers(min_value=11, max_value=120),
)
def test_plot_line_properties(estimate: float, spread: float, width: int) -> None:
    row = ForestRow(
        "x", "X", "e", "a vs b", None, 1, 1, "rate-ratio", None, estimate,
        (estimate / (1 + spread), estimate * (1 + spread)), 95, None, False, None, None,
    )  # fmt: skip
    panel = panel_of((row,))
    line = plot_line(row, panel, width)
    assert len(line) == width
    assert line.count("■") == 1
    zero = position(1, panel.low, panel.high, "log", width)
    assert line[zero] in {"│", "┼", "■"}
    # the interval is one unbroken run around the estimate
    drawn = [i for i, c in enumerate(line) if c in "─┼■"]
    assert drawn == list(range(drawn[0], drawn[-1] + 1))


def test_axis_labels_never_overlap(alemtuzumab: list[Study]) -> None:
    panel = compare_studies(alemtuzumab, ARR).panels[0]
    for width in (11, 20, 31, 60):
        rule, labels = axis_lines(panel, width)
        assert len(rule) == len(labels) == width
        assert "1" in labels.split()  # the line of no effect is always labelled
        assert rule.count("┴") == len(labels.split())


# --- the command ----------------------------------------------------------------------


def run(runner: CliRunner, *args: str) -> tuple[int, str, str]:
    result = runner.invoke(app, ["compare", *args])
    return result.exit_code, result.stdout, result.stderr


def test_cli_drug_plot(runner: CliRunner) -> None:
    code, out, err = run(runner, "--drug", "alemtuzumab", "--endpoint", ARR)
    assert code == 0, err
    lines = out.splitlines()
    assert max(len(line) for line in lines) <= 80
    for acronym, numbers in (
        ("CAMMS223", "0.26 (0.16–0.41)"),
        ("CARE-MS I ", "0.45 (0.32–0.63)"),
        ("CARE-MS II", "0.51 (0.39–0.65)"),
    ):
        (row,) = [line for line in lines if line.startswith(acronym) and "■" in line]
        assert row.rstrip().endswith(numbers)
        assert "■" in row and ("│" in row or "┼" in row)  # estimate and line of no effect
    assert "Rate ratio (experimental ÷ comparator), log scale" in out
    assert "Hazard ratio (experimental ÷ comparator), log scale" in out
    assert "nothing is pooled unless you add --pool" in out


def test_cli_no_effect_line_runs_down_each_panel(runner: CliRunner) -> None:
    _, out, _ = run(runner, "--drug", "alemtuzumab", "-e", ARR)
    lines = out.split("log scale\n")[1].split("\n\n")[0].splitlines()[1:]
    panel = lines[: next(i for i, line in enumerate(lines) if "┴" in line)]  # above the axis
    columns = {next(i for i, c in enumerate(line) if c in "│┼") for line in panel}
    assert len(columns) == 1  # one straight vertical line


def test_cli_explicit_studies_keep_their_order(runner: CliRunner) -> None:
    _, out, _ = run(runner, "care-ms-ii", "care-ms-i", "-e", ARR)
    assert out.index("CARE-MS II ") < out.index("CARE-MS I ")
    assert "CAMMS223" not in out


def test_cli_converted_row_is_labelled(runner: CliRunner, write: Write, minimal_text: str) -> None:
    text = with_comparison(minimal_text, REDUCTION_ONLY.replace("        ci: [31, 62]\n", ""))
    code, out, err = run(runner, str(write(text)), "-e", ARR)
    assert code == 0, err
    (row,) = [line for line in out.splitlines() if line.startswith("EXAMPLE") and "│" in line]
    assert "○" in row and "■" not in row and "─" not in row  # a point: there is no CI
    assert row.rstrip().endswith("0.51")
    assert "no CI reported" in out and "converted from a" in out and "49% reduction" in out
    assert "○ ratio computed by trialcli from a relative reduction   │ no effect" in out
    assert "■" not in out and "confidence interval" not in out


def test_cli_formats_give_the_numeric_column(runner: CliRunner) -> None:
    args = ("--drug", "alemtuzumab", "-e", ARR)
    data = json.loads(run(runner, *args, "--format", "json")[1])
    assert data["pooled_estimate"] is None
    drawn = [r for r in data["rows"] if r["drawn"]]
    assert [
        (r["study"], r["measure"], r["estimate"], r["ci_lower"], r["ci_upper"]) for r in drawn
    ] == [
        ("care-ms-i", "rate-ratio", 0.45, 0.32, 0.63),
        ("care-ms-ii", "rate-ratio", 0.51, 0.39, 0.65),
        ("camms223", "hazard-ratio", 0.26, 0.16, 0.41),
    ]
    assert drawn[1]["text"] == "0.51 (0.39–0.65)"
    rows = list(csv.DictReader(io.StringIO(run(runner, *args, "--format", "csv")[1])))
    assert [r["text"] for r in rows if r["drawn"] == "true"] == [
        "0.45 (0.32–0.63)",
        "0.51 (0.39–0.65)",
        "0.26 (0.16–0.41)",
    ]
    skipped = [r for r in rows if r["drawn"] == "false"]
    assert skipped and all(r["reason"] for r in skipped)
    markdown = run(runner, *args, "--format", "markdown")[1]
    assert "| care-ms-ii | CARE-MS II | Annualized relapse rate | rate-ratio |" in markdown
    assert "| 0.51 (0.39–0.65) |" in markdown


@pytest.mark.slow
def test_cli_export_svg(runner: CliRunner, tmp_path: Path) -> None:
    target = tmp_path / "plot.svg"
    code, out, err = run(runner, "--drug", "alemtuzumab", "-e", ARR, "--export", str(target))
    assert code == 0, err
    assert err == f"Wrote {target}\n"
    root = ET.parse(target).getroot()
    assert root.tag == "{http://www.w3.org/2000/svg}svg"
    shown = " ".join(t.text or "" for t in root.iter("{http://www.w3.org/2000/svg}text"))
    shown = shown.replace("\xa0", " ")
    for numbers in ("0.26 (0.16–0.41)", "0.45 (0.32–0.63)", "0.51 (0.39–0.65)"):
        assert numbers in shown and numbers in out  # the file holds what the screen shows
    assert [p.name for p in tmp_path.iterdir()] == ["plot.svg"]  # no temporary file left


def test_cli_export_refuses_to_overwrite(runner: CliRunner, tmp_path: Path) -> None:
    target = tmp_path / "plot.svg"
    target.write_text("mine", encoding="utf-8")
    code, out, err = run(runner, "--drug", "alemtuzumab", "-e", ARR, "--export", str(target))
    assert code == 1
    assert err == f"Error: '{target}' already exists; use --force to replace it\n"
    assert out == ""
    assert target.read_text(encoding="utf-8") == "mine"
    code, _, _ = run(runner, "--drug", "alemtuzumab", "-e", ARR, "--export", str(target), "--force")
    assert code == 0
    assert ET.parse(target).getroot().tag.endswith("svg")


def test_cli_export_html(runner: CliRunner, tmp_path: Path) -> None:
    target = tmp_path / "plot.html"
    assert run(runner, "care-ms-ii", "-e", ARR, "--export", str(target))[0] == 0
    html = target.read_text(encoding="utf-8")
    assert html.startswith("<!DOCTYPE html>") and "0.51 (0.39–0.65)" in html


@pytest.mark.parametrize(
    ("args", "message"),
    [
        (["--export", "plot.txt"], "--export draws .svg, .png or .pdf figures, not 'plot.txt'"),
        (
            ["--export", "x.svg", "-f", "json"],
            "--export writes the plot; use it with --format table",
        ),
    ],
)
def test_cli_export_mistakes(
    runner: CliRunner,
    tmp_path: Path,
    monkeypatch: pytest.MonkeyPatch,
    args: list[str],
    message: str,
) -> None:
    monkeypatch.chdir(tmp_path)
    code, _, err = run(runner, "care-ms-ii", "-e", ARR, *args)
    assert code == 1
    assert err == f"Error: {message}\n"
    assert list(tmp_path.iterdir()) == []


@pytest.mark.parametrize(
    ("args", "message"),
    [
        (["-e", ARR], "name the studies to compare, or give --drug NAME"),
        (
            ["--drug", "natalizumab", "-e", ARR],
            "no study in the catalog has an arm on 'natalizumab'",
        ),
        (
            ["care-ms-ii", "-e", "walking-speed"],
            "no endpoint with code 'walking-speed' in these studies; "
            "their codes: annualized-relapse-rate,",
        ),
    ],
)
def test_cli_mistakes(runner: CliRunner, args: list[str], message: str) -> None:
    code, out, err = run(runner, *args)
    assert code == 1
    assert err.startswith(f"Error: {message}")
    assert out == ""


def test_missing_endpoint_option_is_a_usage_error(runner: CliRunner) -> None:
    assert run(runner, "care-ms-ii")[0] == 2


def test_forest_plot_rows_are_every_panel(alemtuzumab: list[Study]) -> None:
    plot: ForestPlot = compare_studies(alemtuzumab, ARR)
    assert len(plot.rows) == sum(len(p.rows) for p in plot.panels) == 3


def test_cli_drug_skips_a_broken_file_with_a_warning(
    runner: CliRunner, write: Write, minimal_text: str
) -> None:
    folder = write("id: broken\n", "broken.yaml").parent
    write(minimal_text.replace("drug: drug a", "drug: alemtuzumab"), "example.yaml")
    result = runner.invoke(
        app, ["--data-dir", str(folder), "compare", "--drug", "alemtuzumab", "-e", ARR]
    )
    assert result.exit_code == 0, result.stderr
    assert result.stderr.startswith(f"Warning: skipped {folder / 'broken.yaml'}: ")
    rows = [line.split()[0] for line in result.stdout.splitlines() if "■" in line[1:]]
    # The rate ratios by start date (EXAMPLE has none, so last), then the hazard ratio.
    assert rows == ["CARE-MS", "CARE-MS", "EXAMPLE", "CAMMS223"]
