"""`--export FILE.svg|png|pdf`: the forest plot, the adverse-event dot plot and the flow
diagram as files that open anywhere, name what they show, and fetch nothing."""

from __future__ import annotations

import re
import xml.etree.ElementTree as ET
from pathlib import Path

import pytest
from typer.testing import CliRunner

from trialcli.cli import app

# Slow (matplotlib draws every figure): left out of `make fast`.
pytestmark = pytest.mark.slow

pytest.importorskip("matplotlib", reason="figures need the trialcli[figures] extra")

REFERENCE = Path(__file__).parent / "fixtures" / "figures" / "forest-arr.png"
SVG = "{http://www.w3.org/2000/svg}"
ARR = "annualized-relapse-rate"

# (arguments, words every format must carry in its title, words the SVG's text must hold)
FIGURES = {
    "forest": (
        ["compare", "--drug", "alemtuzumab", "-e", ARR, "--pool"],
        "Forest plot: annualized-relapse-rate",
        [
            "CARE-MS I",
            "CARE-MS II",
            "CAMMS223",
            "Rate ratio (experimental ÷ comparator), log scale",
            "Favours experimental",
            "0.45 (0.32–0.63)",
            "0.49 (0.40–0.60)",  # the pooled diamond's row (REML)
            "Pooled, 2 studies",
            "random effects, REML",
        ],
    ),
    "ae": (
        ["ae", "care-ms-ii"],
        "CARE-MS II: adverse events",
        [
            "CARE-MS II: adverse events",
            "Participants with the event (%)",
            "Risk difference, percentage points (95% CI)",
            "favours IFN beta-1a (Rebif)",
            "Thyroid disorders",
            "Infections",
        ],
    ),
    "flow": (
        ["flow", "care-ms-i"],
        "CARE-MS I: participant flow",
        [
            "CARE-MS I: participant flow (CONSORT)",
            "Completed 367 [3]",
            "Not completed 22 [3]",
            "Assessed for eligibility not reported",
            "Analysis",
        ],
    ),
}


def export(runner: CliRunner, kind: str, target: Path, *more: str) -> None:
    args, _, _ = FIGURES[kind]
    result = runner.invoke(app, [*args, "--export", str(target), *more])
    assert result.exit_code == 0, result.stderr
    assert f"Wrote {target}" in result.stderr


def svg_text(path: Path) -> str:
    root = ET.parse(path).getroot()
    assert root.tag == f"{SVG}svg"
    return " ".join(" ".join(t.itertext()) for t in root.iter(f"{SVG}text")).replace("\xa0", " ")


@pytest.mark.parametrize("kind", sorted(FIGURES))
def test_svg_names_what_it_shows_and_fetches_nothing(
    runner: CliRunner, tmp_path: Path, kind: str
) -> None:
    target = tmp_path / f"{kind}.svg"
    export(runner, kind, target)
    text = target.read_text(encoding="utf-8")
    assert 5_000 < len(text) < 400_000
    # Only references inside the file (#id); no stylesheet, font or image from elsewhere.
    assert all(h.startswith("#") for h in re.findall(r'href="([^"]*)"', text))
    assert "@import" not in text and "url(http" not in text and "<image" not in text
    assert "font-family" in text and "DejaVu Sans" in text
    shown = svg_text(target)
    for words in FIGURES[kind][2]:
        assert words in shown, words
    # The figure's own background is white, not transparent or dark.
    assert re.search(r'<g id="patch_1">\s*<path[^>]*style="fill: #ffffff"', text)


@pytest.mark.parametrize("kind", sorted(FIGURES))
def test_png_and_pdf_are_whole_files(runner: CliRunner, tmp_path: Path, kind: str) -> None:
    png, pdf = tmp_path / f"{kind}.png", tmp_path / f"{kind}.pdf"
    export(runner, kind, png)
    export(runner, kind, pdf)
    data = png.read_bytes()
    assert data.startswith(b"\x89PNG\r\n\x1a\n") and 20_000 < len(data) < 2_000_000
    assert FIGURES[kind][1].encode() in data  # its title, in the PNG's text chunk
    document = pdf.read_bytes()
    assert document.startswith(b"%PDF-") and document.rstrip().endswith(b"%%EOF")
    assert 5_000 < len(document) < 2_000_000
    assert b"/FontFile2" in document  # the font travels inside the file
    assert b"/URI" not in document and b"/Launch" not in document
    title = FIGURES[kind][1]
    assert f"/Title ({title})".encode() in document or title.encode("utf-16-be") in document
    assert sorted(p.name for p in tmp_path.iterdir()) == sorted([png.name, pdf.name])


def test_the_forest_plot_png_matches_the_stored_image(runner: CliRunner, tmp_path: Path) -> None:
    from matplotlib.testing.compare import compare_images

    target = tmp_path / "forest.png"
    export(runner, "forest", target)
    # Pinned rcParams and fonts: only anti-aliasing noise may differ between machines.
    assert compare_images(str(REFERENCE), str(target), tol=2) is None


def test_a_figure_is_never_written_over_without_force(runner: CliRunner, tmp_path: Path) -> None:
    target = tmp_path / "flow.pdf"
    target.write_bytes(b"mine")
    args = FIGURES["flow"][0]
    result = runner.invoke(app, [*args, "--export", str(target)])
    assert result.exit_code == 1
    assert f"Error: '{target}' already exists; use --force to replace it" in result.stderr
    assert result.stdout == ""  # refused before anything was drawn
    assert target.read_bytes() == b"mine"
    export(runner, "flow", target, "--force")
    assert target.read_bytes().startswith(b"%PDF-")


@pytest.mark.parametrize(
    ("args", "message"),
    [
        (["flow", "care-ms-i", "--export", "x.jpg"], "--export draws .svg, .png or .pdf"),
    ],
)
def test_export_mistakes_are_errors(
    runner: CliRunner,
    tmp_path: Path,
    monkeypatch: pytest.MonkeyPatch,
    args: list[str],
    message: str,
) -> None:
    monkeypatch.chdir(tmp_path)
    result = runner.invoke(app, args)
    assert result.exit_code == 1
    assert result.stderr.startswith("Error: ") and message in result.stderr
    assert list(tmp_path.iterdir()) == []


def test_text_from_a_file_is_never_mathtext(runner: CliRunner, write, minimal_text: str) -> None:  # type: ignore[no-untyped-def]
    # "$x^2$" would be typeset (or crash the drawing) if matplotlib parsed it.
    path = write(minimal_text.replace("acronym: EXAMPLE", 'acronym: "EX$x^2$AMPLE"'))
    target = path.parent / "ae.svg"
    result = runner.invoke(app, ["ae", str(path), "--export", str(target)])
    assert result.exit_code == 0, result.stderr
    assert "EX$x^2$AMPLE: adverse events" in svg_text(target)


def test_ae_across_studies_draws_one_figure_naming_each_study_and_its_list(
    runner: CliRunner, tmp_path: Path
) -> None:
    target = tmp_path / "ae.svg"
    args = ["ae", "care-ms-i", "care-ms-ii", "--export", str(target)]
    result = runner.invoke(app, args)
    assert result.exit_code == 0, result.stderr
    text = svg_text(target)
    assert "Adverse events across 2 studies" in text
    assert "CARE-MS I: Infections — Alemtuzumab 12 mg" in text
    assert "CARE-MS II: Infections — Alemtuzumab 12 + 24 mg pooled" in text
    assert (
        "CARE-MS II: harms listed: the sources' selection: 12 terms from the tables they cite,"
        " not every adverse event; all: https://clinicaltrials.gov/study/NCT00548405?tab=results"
    ) in text
