"""`sof --judgements FILE --rob-figure OUT`: the reviewer's RoB 2 judgements as robvis draws
them (traffic light and summary), and the traffic-light table in the terminal."""

from __future__ import annotations

import struct
import sys
import xml.etree.ElementTree as ET
from pathlib import Path

import pytest
from figure_checks import clipped
from typer.testing import CliRunner

from trialcli.catalog import Catalog
from trialcli.cli import app
from trialcli.ops.judgements import load_judgements
from trialcli.ops.rob import traffic_light

JUDGEMENTS = Path(__file__).parent / "fixtures" / "judgements-example.yaml"
STUDIES = ["care-ms-i", "care-ms-ii", "camms223"]
SOF = ["sof", *STUDIES, "-e", "arr", "--judgements", str(JUDGEMENTS)]
SVG = "{http://www.w3.org/2000/svg}"


@pytest.fixture
def runner() -> CliRunner:
    return CliRunner()


def light():  # type: ignore[no-untyped-def]
    catalog = Catalog.discover()
    studies = [catalog.load(ref) for ref in STUDIES]
    return traffic_light(studies, load_judgements(JUDGEMENTS), str(JUDGEMENTS))


def test_the_summary_is_weighted_by_participants_randomised() -> None:
    found = light()
    assert [row.acronym for row in found.rows] == ["CARE-MS I", "CARE-MS II", "CAMMS223"]
    # Randomised: CARE-MS I 581, CARE-MS II 840, CAMMS223 113 + 110 + 111 = 334.
    assert [row.participants for row in found.rows] == [581, 840, 334]
    assert found.weighted
    total = 581 + 840 + 334
    overall = found.shares[-1]
    assert overall["high"] == pytest.approx(100 * 334 / total)  # CAMMS223 alone: 19.0%
    assert overall["some-concerns"] == pytest.approx(100 * (581 + 840) / total)
    missing_data = found.shares[2]  # D3: CARE-MS II some concerns
    assert missing_data["low"] == pytest.approx(100 * (581 + 334) / total)  # 52.1%
    assert found.rows[2].judgements == ("low", "high", "low", "some-concerns",
                                        "some-concerns", "high")  # fmt: skip


def test_the_terminal_shows_the_traffic_light_with_symbols_at_80_columns(
    runner: CliRunner,
) -> None:
    result = runner.invoke(app, SOF, env={"COLUMNS": "80"})
    assert result.exit_code == 0, result.output
    lines = result.output.splitlines()
    assert all(len(line) <= 80 for line in lines)
    assert f"the reviewer's judgements from {JUDGEMENTS}" in " ".join(result.output.split())
    [head] = [line for line in lines if line.split()[:2] == ["Study", "D1"]]
    assert head.split() == ["Study", "D1", "D2", "D3", "D4", "D5", "Overall"]
    [camms] = [line for line in lines if line.strip().startswith("CAMMS223 ")]
    assert camms.split()[1:] == ["+", "low", "×", "high", "+", "low", "−", "some", "−", "some",
                                 "×", "high"]  # fmt: skip
    assert "+ low; − some concerns; × high." in result.output
    assert "D1 bias arising from the randomization process" in " ".join(result.output.split())


def test_json_carries_the_traffic_light(runner: CliRunner) -> None:
    import json

    data = json.loads(runner.invoke(app, [*SOF, "-f", "json"]).output)
    table = data["risk_of_bias_traffic_light"]
    assert [s["acronym"] for s in table["studies"]] == ["CAMMS223", "CARE-MS I", "CARE-MS II"]
    assert table["studies"][0]["D2"] == "high" and table["studies"][0]["Overall"] == "high"
    # Review M4: the bars are a share of participants (randomized N, all arms), not studies.
    assert table["summary_share"] == "share of participants"
    assert table["summary_weighting"] == (
        "each study weighted by the participants it randomised, all arms"
    )
    assert table["domains"]["D4"] == "Bias in measurement of the outcome"


def test_the_png_is_a_whole_image_of_the_expected_size(runner: CliRunner, tmp_path: Path) -> None:
    pytest.importorskip("matplotlib")
    target = tmp_path / "rob.png"
    result = runner.invoke(app, [*SOF, "--rob-figure", str(target)])
    assert result.exit_code == 0, result.stderr
    assert f"Wrote {target}" in result.stderr
    data = target.read_bytes()
    assert data.startswith(b"\x89PNG\r\n\x1a\n") and data.endswith(b"IEND\xaeB`\x82")
    width, height = struct.unpack(">II", data[16:24])
    # 9 × (2.9 + 0.42 × (3 studies + 6 columns)) inches at 150 dpi.
    assert (width, height) == (1350, 1002)
    again = runner.invoke(app, [*SOF, "--rob-figure", str(target)])
    assert again.exit_code != 0 and "--force" in again.stderr


def test_the_svg_names_every_study_domain_and_judgement(runner: CliRunner, tmp_path: Path) -> None:
    pytest.importorskip("matplotlib")
    target = tmp_path / "rob.svg"
    assert runner.invoke(app, [*SOF, "--rob-figure", str(target)]).exit_code == 0
    root = ET.parse(target).getroot()
    texts = [" ".join(t.itertext()).replace("\xa0", " ") for t in root.iter(f"{SVG}text")]
    words = " ".join(texts)
    for name in ["CARE-MS I", "CARE-MS II", "CAMMS223", "D1", "D2", "D3", "D4", "D5", "Overall",
                 "Bias arising from the randomization process",
                 "Bias in selection of the reported result", "Low", "Some concerns", "High",
                 f"the reviewer's judgements from {JUDGEMENTS}", "trialcli makes none",
                 "Summary: share of participants per judgement",
                 "each study weighted by the participants it randomised, all arms"]:  # fmt: skip
        assert name in words, name
    # One symbol in every circle: 3 studies × 6 columns, as the judgements say.
    symbols = [t for t in texts if t in {"+", "−", "×"}]
    assert len(symbols) >= 18
    assert "".join(symbols[:18]) == "+×+−−×" + "+−+−+−" + "+−−−+−"  # row by row, by acronym


def test_no_label_of_the_figure_is_cut() -> None:
    pytest.importorskip("matplotlib")
    import matplotlib

    from trialcli.figures import STYLE
    from trialcli.figures.rob import rob_figure

    with matplotlib.rc_context(STYLE):
        assert clipped(rob_figure(light())) == []


def test_mistakes_are_one_line_messages(
    runner: CliRunner, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    no_file = runner.invoke(app, ["sof", *STUDIES, "--rob-figure", str(tmp_path / "x.png")])
    assert no_file.exit_code == 2 and "--judgements" in no_file.output
    wrong = runner.invoke(app, [*SOF, "--rob-figure", str(tmp_path / "x.gif")])
    assert wrong.exit_code == 1
    assert "--rob-figure draws .svg, .png or .pdf figures, not 'x.gif'" in wrong.stderr
    other = runner.invoke(app, ["sof", "care-ms-i", "--judgements", str(JUDGEMENTS)])
    assert other.exit_code == 0  # the table alone: no figure asked for
    unjudged = tmp_path / "j.yaml"
    unjudged.write_text("studies: {}\n", encoding="utf-8")
    none = runner.invoke(
        app,
        ["sof", *STUDIES, "--judgements", str(unjudged), "--rob-figure", str(tmp_path / "y.png")],
    )
    assert none.exit_code == 1 and "judges none of these studies" in none.stderr
    assert not (tmp_path / "y.png").exists()
    monkeypatch.setitem(sys.modules, "matplotlib", None)
    missing = runner.invoke(app, [*SOF, "--rob-figure", str(tmp_path / "z.png")])
    assert missing.exit_code == 1
    assert (
        missing.stderr == "Error: --rob-figure needs matplotlib: pip install 'trialcli[figures]'\n"
    )


def test_at_60_columns_the_traffic_light_keeps_its_symbols(runner: CliRunner) -> None:
    result = runner.invoke(app, SOF, env={"COLUMNS": "60"})
    assert result.exit_code == 0, result.output
    lines = result.output.splitlines()
    assert all(len(line) <= 60 for line in lines)
    [camms] = [line for line in lines if line.strip().startswith("CAMMS223 ")]
    assert camms.split()[1:] == ["+", "×", "+", "−", "−", "×"]
    assert "+ low; − some concerns; × high." in result.output
