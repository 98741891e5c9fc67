"""A figure draws a bounded number of rows and says what it left out (20,000 adverse
events once took matplotlib 5.7 GB for a PNG and 2.5 minutes for an SVG)."""

from __future__ import annotations

from pathlib import Path

import pytest
from typer.testing import CliRunner

from trialcli.cli import app

# Slow (matplotlib draws large figures): left out of `make fast`.
pytestmark = pytest.mark.slow

FIXTURES = Path(__file__).parent / "fixtures"


def many_harms(folder: Path, n: int) -> None:
    text = (FIXTURES / "minimal.yaml").read_text(encoding="utf-8")
    head, tail = text.split("sources:\n")
    harms = "".join(
        f"  - term: Event {i}\n    soc: Nervous system disorders\n    arms:\n"
        f"      drug: {{affected: {i % 200}, at_risk: 200}}\n"
        f"      control: {{affected: {(i * 7) % 100}, at_risk: 100}}\n"
        for i in range(n)
    )
    (folder / "example.yaml").write_text(f"{head}{harms}sources:\n{tail}", encoding="utf-8")


def test_a_dot_plot_of_2000_events_draws_150_and_names_the_rest(tmp_path: Path) -> None:
    pytest.importorskip("matplotlib")
    many_harms(tmp_path, 2000)
    target = tmp_path / "ae.svg"
    result = CliRunner().invoke(
        app, ["--no-cache", "-d", str(tmp_path), "ae", "example", "--export", str(target)]
    )
    assert result.exit_code == 0, result.stderr
    assert (
        "Warning: the figure leaves out 1,851 adverse events: it draws the 150 with the "
        "largest risk differences"
    ) in result.stderr  # 2,001 rows with Headache; 150 drawn
    svg = target.read_text(encoding="utf-8")
    assert "1,851 more adverse events not drawn" in svg
    assert svg.count("Event ") <= 150


@pytest.mark.parametrize("refs", [["care-ms-ii"], ["care-ms-i", "care-ms-ii"]], ids="+".join)
def test_the_ae_dot_plot_keeps_its_labels_in_and_its_legend_off_the_data(
    refs: list[str],
) -> None:
    """Axis titles that do not overlap, no label cut, the legend outside both panels, and
    the arms named in the legend."""
    pytest.importorskip("matplotlib")
    import matplotlib
    from figure_checks import clipped, overlaps, text_boxes

    from trialcli.catalog import Catalog
    from trialcli.figures import STYLE
    from trialcli.figures.safety import safety_figure
    from trialcli.ops.safety import safety_pivot, safety_table

    catalog = Catalog.discover()
    studies = [catalog.load(ref) for ref in refs]
    result = safety_table(studies[0]) if len(studies) == 1 else safety_pivot(studies)
    with matplotlib.rc_context(STYLE):
        figure = safety_figure(result)
        assert clipped(figure) == []
        left, right = figure.axes
        renderer = figure.canvas.get_renderer()  # type: ignore[attr-defined]
        legend = left.get_legend()
        names = [text.get_text() for text in legend.get_texts()]
        if len(refs) == 1:
            assert names == ["Alemtuzumab 12 + 24 mg pooled", "IFN beta-1a (Rebif)"]
        else:
            assert names == [
                "experimental: Alemtuzumab 12 + 24 mg pooled; Alemtuzumab 12 mg",
                "IFN beta-1a (Rebif)",
            ]
        box = legend.get_window_extent(renderer)
        for ax in (left, right):
            assert not box.overlaps(ax.get_window_extent(renderer)), "legend on the data"
        titles = [(t, b) for t, b in text_boxes(figure)
                  if t.startswith(("Participants with", "Risk difference"))]  # fmt: skip
        assert len(titles) == 2 and overlaps(titles) == []
        assert "◀ favours" in titles[1][0] and "▶" in titles[1][0]
