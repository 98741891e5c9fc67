"""`ae --min-diff X`: findings at least X percentage points from the comparator; the ones
no filter can judge are named with their figures, never silently dropped."""

from __future__ import annotations

import csv
import io

import pytest
from typer.testing import CliRunner

from trialcli.catalog import Catalog
from trialcli.cli import app
from trialcli.ops.safety import Filters, safety_table


def terms(study: str, filters: Filters) -> list[tuple[str, bool]]:
    table = safety_table(Catalog.discover([], None).load(study), filters)
    return [(row.finding.term, row.serious) for row in table.rows]


def test_min_diff_keeps_both_directions() -> None:
    # CARE-MS I (alemtuzumab vs IFN): infections +21.8 pp, thyroid +11.7 pp; no finding
    # is 10 points less frequent, so --min-diff 5 adds none the other way.
    assert sorted(terms("care-ms-i", Filters(min_diff=10))) == [
        ("Infections", False),
        ("Thyroid disorders", False),
    ]
    # CAMMS223: discontinuation is a summary item, so the findings are all excesses;
    # Malignancy's +1.9 points (percentages only) passes 1.9 as printed and fails 2.
    assert ("Malignancy", False) in terms("camms223", Filters(min_diff=1.9))
    assert ("Malignancy", False) not in terms("camms223", Filters(min_diff=2))


def test_min_diff_either_way_includes_fewer_on_the_experimental_arm() -> None:
    # CARE-MS II malignancy: 5/596 (0.8%) vs 2/202 (1%): −0.2 points, kept at 0.1 either
    # way, dropped with --excess.
    assert ("Malignancy", False) in terms("care-ms-ii", Filters(min_diff=0.1))
    assert ("Malignancy", False) not in terms("care-ms-ii", Filters(min_diff=0.1, excess=True))


def test_unjudged_findings_are_named_with_their_figures(runner: CliRunner) -> None:
    result = runner.invoke(app, ["ae", "care-ms-ii", "--min-diff", "10", "--excess"])
    assert result.exit_code == 0, result.stderr
    flat = " ".join(result.stdout.split())
    assert "Showing: more frequent than on the comparator; at least 10 percentage points" in flat
    assert "2 findings shown" in flat  # infections +12.2, thyroid +11.8
    assert "Summary (not filtered: context for the findings below)" in flat
    block = flat.split("Not judged by the filters: a figure they need is not reported", 1)[1]
    assert "Thyroid disorders not judged: no comparator" in block
    assert (
        "Infusion-associated reactions not judged: no comparator Injury, poisoning and "
        "procedural complications figure Alemtuzumab 12 + 24 mg pooled: 549/596 (92%) [10]"
    ) in block


def test_pivot_names_unjudged_findings_per_study(runner: CliRunner) -> None:
    result = runner.invoke(app, ["ae", "care-ms-i", "care-ms-ii", "--min-diff", "10", "-f", "csv"])
    rows = list(csv.DictReader(io.StringIO(result.stdout)))
    unjudged = {r["term"]: r for r in rows if r["filter"].startswith("not judged")}
    infusion = unjudged["Infusion-associated reactions"]
    assert infusion["care-ms-i"].startswith("338/376 (90%) vs not reported")
    assert infusion["filter"] == "not judged: no comparator figure"
    assert unjudged["Infections"]["care-ms-i"].startswith("not reported vs 46%")
    assert unjudged["Infections"]["filter"] == "not judged: no experimental arm figure"
    kept = [r["term"] for r in rows if r["filter"] == "kept"]
    assert kept == ["Thyroid disorders", "Infections"]
    table = " ".join(
        runner.invoke(app, ["ae", "care-ms-i", "care-ms-ii", "--min-diff", "10"]).stdout.split()
    )
    assert "Not judged by the filters: a figure they need is not reported" in table
    assert "Not judged (" not in table


@pytest.mark.parametrize("value", ["-1", "101", "ten"])
def test_min_diff_out_of_range_is_a_usage_error(runner: CliRunner, value: str) -> None:
    result = runner.invoke(app, ["ae", "care-ms-ii", "--min-diff", value])
    assert result.exit_code == 2
