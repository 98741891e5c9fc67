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
