"""`diff` on imported records: endpoints aligned by meaning, comparisons by direction state."""

from __future__ import annotations

import copy
import json
from pathlib import Path
from typing import Any

import pytest
from typer.testing import CliRunner

from trialcli.cli import app
from trialcli.importers.ctgov import record_to_study
from trialcli.model import Study
from trialcli.ops.diff import StudyDiff, diff_studies
from trialcli.writer import study_yaml

RECORD = Path(__file__).parent / "fixtures" / "ctgov" / "NCT02422186.json"


@pytest.fixture(scope="module")
def record() -> dict[str, Any]:
    data: dict[str, Any] = json.loads(RECORD.read_text(encoding="utf-8"))
    return data


def without_outcome(record: dict[str, Any], index: int) -> tuple[dict[str, Any], str]:
    """A later version of the record with one outcome measure removed, and its title."""
    later = copy.deepcopy(record)
    measures = later["resultsSection"]["outcomeMeasuresModule"]["outcomeMeasures"]
    removed = measures.pop(index)
    return later, removed["title"]


def study(record: dict[str, Any]) -> Study:
    return record_to_study(record, "2026-09-25", "file")


def endpoint_groups(result: StudyDiff) -> dict[str, list[str]]:
    """Each endpoint group's status, by the group's title."""
    groups: dict[str, list[str]] = {}
    for section in result.sections:
        if section.title == "Endpoints":
            for group in section.groups:
                groups.setdefault(group.status, []).append(group.title)
    return groups


@pytest.mark.parametrize(
    "index",
    [
        3,  # remission: every later secondary outcome's id shifts by one
        6,  # the second of three EQ-5D-5L outcomes with nearly the same title
    ],
)
def test_one_removed_outcome_is_one_removal(record: dict[str, Any], index: int) -> None:
    later, title = without_outcome(record, index)
    before, after = study(record), study(later)
    # The importer numbers outcomes in order: the ids after the removed one now name others.
    assert [e.id for e in after.endpoints] == [e.id for e in before.endpoints][:-1]

    result = diff_studies(before, after, "v1", "v2")
    groups = endpoint_groups(result)
    assert groups.get("changed", []) == [] and groups.get("only-b", []) == []
    assert [title.startswith(t[:40]) for t in groups["only-a"]] == [True]
    # 7 endpoints stay; the two MADRS analyses share the code madrs-change the importer
    # gives them, so they are one group.
    assert len(groups["same"]) == 6
    counts = result.counts
    assert counts["changed"] == 0 and counts["only-b"] == 0
    assert counts["only-a"] > 0  # the removed outcome's rows, nothing else


def test_a_reworded_time_frame_is_a_change_not_a_removal(record: dict[str, Any]) -> None:
    later = copy.deepcopy(record)
    remission = later["resultsSection"]["outcomeMeasuresModule"]["outcomeMeasures"][3]
    remission["timeFrame"] = remission["timeFrame"].replace("Day 28", "Day 29")
    result = diff_studies(study(record), study(later), "v1", "v2")
    changed = [
        (group.title, row.field)
        for section, group, row in result.rows()
        if row.status != "same" and section.title == "Endpoints"
    ]
    assert len(changed) == 1
    assert changed[0][0].startswith("Percentage of Participants in Remission (MADRS<=12)")
    assert changed[0][1] == "Time frame"


def test_direction_state_is_shown_and_compared(record: dict[str, Any]) -> None:
    primary = study(record).endpoints[0]
    comparison = primary.comparisons[0]

    def with_direction(direction: str, swap: bool) -> Study:
        arms = comparison.arms[::-1] if swap else comparison.arms
        changed = comparison.model_copy(update={"direction": direction, "arms": arms})
        endpoint = primary.model_copy(update={"comparisons": [changed]})
        return imported.model_copy(update={"endpoints": [endpoint, *imported.endpoints[1:]]})

    imported = study(record)
    # The importer infers this one's order from the arms' roles; as if the record stated it:
    before = with_direction("stated", swap=False)
    stated_text = next(
        row.a.printed
        for _, group, row in diff_studies(before, before, "v1", "v2").rows()
        if group.title == primary.name
        and row.field.startswith("least-squares mean difference:")
        and row.a
    )
    assert "direction" not in stated_text.splitlines()[0]

    inferred = diff_studies(before, with_direction("inferred", swap=False), "v1", "v2")
    row = next(r for _, g, r in inferred.rows() if g.title == primary.name and r.status != "same")
    assert row.status == "changed"
    assert row.b is not None and "(direction inferred from arm roles;" in row.b.printed

    # Unknown direction: the two orders of the same arms are one comparison, not two.
    unknown = diff_studies(
        with_direction("unknown", swap=False), with_direction("unknown", swap=True), "v1", "v2"
    )
    rows = [r for _, g, r in unknown.rows() if g.title == primary.name and "vs" in r.field]
    assert len(rows) == 1
    assert rows[0].a is not None
    assert "direction unknown" in rows[0].a.printed


def test_diff_command_on_two_imported_versions(
    runner: CliRunner, record: dict[str, Any], tmp_path: Path
) -> None:
    later, _ = without_outcome(record, 3)
    paths = []
    for name, data in (("v1", record), ("v2", later)):
        folder = tmp_path / name
        folder.mkdir()
        path = folder / "nct02422186.yaml"
        path.write_text(study_yaml(study(data)), encoding="utf-8")
        paths.append(str(path))
    result = runner.invoke(app, ["diff", *paths, "--changed-only", "--format", "json"])
    assert result.exit_code == 0, result.stderr
    data = json.loads(result.stdout)
    assert data["counts"]["changed"] == 0 and data["counts"]["only_b"] == 0
    groups = {row["group"] for row in data["rows"]}
    assert len(groups) == 1
    assert groups.pop().startswith("Percentage of Participants in Remission (MADRS<=12)")
