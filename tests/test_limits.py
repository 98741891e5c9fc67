"""Numbers a study file may hold but no exporter can store are refused at validation."""

from __future__ import annotations

from pathlib import Path

from typer.testing import CliRunner

from trialcli.cli import app

FIXTURES = Path(__file__).parent / "fixtures"


def test_a_count_above_the_64_bit_limit_is_refused_at_validation_not_half_exported(
    tmp_path: Path,
) -> None:
    text = (FIXTURES / "minimal.yaml").read_text(encoding="utf-8")
    folder = tmp_path / "studies"
    folder.mkdir()
    huge = text.replace("affected: 50, at_risk: 200", f"affected: 50, at_risk: {2**63}")
    (folder / "example.yaml").write_text(huge, encoding="utf-8")
    result = CliRunner().invoke(app, ["--no-cache", "validate", str(folder / "example.yaml")])
    assert result.exit_code == 1
    assert (
        "safety[0].arms.drug.at_risk: write a number at most 9223372036854775807, "
        "got 9223372036854775808"
    ) in result.stdout
    exported = CliRunner().invoke(
        app, ["--no-cache", "-d", str(folder), "export", str(tmp_path / "out.db")]
    )
    assert exported.exit_code == 0 and exported.exception is None  # never a crash
    assert "Warning: left out" in exported.stderr and "example.yaml" in exported.stderr


def test_the_largest_64_bit_count_still_validates(tmp_path: Path) -> None:
    text = (FIXTURES / "minimal.yaml").read_text(encoding="utf-8")
    edge = text.replace("affected: 50, at_risk: 200", f"affected: 50, at_risk: {2**63 - 1}")
    (tmp_path / "example.yaml").write_text(edge, encoding="utf-8")
    result = CliRunner().invoke(app, ["--no-cache", "validate", str(tmp_path / "example.yaml")])
    assert result.exit_code == 0, result.stdout


def test_pool_lists_a_zero_width_ci_as_not_pooled_instead_of_crashing(tmp_path: Path) -> None:
    """CARE-MS I's rate ratio 0.45 (0.32–0.63) reported rounded to 0.45 (0.45–0.45)."""
    data = Path(__file__).parent.parent / "data"
    text = (data / "care-ms-i.yaml").read_text(encoding="utf-8")
    assert text.count("ci: [0.32, 0.63]") == 1
    text = text.replace("ci: [0.32, 0.63]", "ci: [0.45, 0.45]")
    text = text.replace("\nid: care-ms-i\n", "\nid: care-ms-i-rounded\n")
    text = text.replace("\nacronym: CARE-MS I\n", "\nacronym: ROUNDED\n")
    (tmp_path / "care-ms-i-rounded.yaml").write_text(text, encoding="utf-8")
    pooled = ["compare", "--drug", "alemtuzumab", "-e", "annualized-relapse-rate", "--pool"]
    result = CliRunner().invoke(app, ["--no-cache", "-d", str(tmp_path), *pooled])
    assert result.exit_code == 0, result.exception
    assert "ROUNDED: rate ratio 0.45 (0.45–0.45) — a CI of zero width" in result.stdout
