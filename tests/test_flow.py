"""`trialcli flow`: participant flow from study files and registry records, sums that add up
or a visible ⚠, the audit's warning, and a diagram that fits 80 columns."""

from __future__ import annotations

import io
import json
from pathlib import Path
from typing import Any

import pytest
from typer.testing import CliRunner

from trialcli.cli import app
from trialcli.importers.ctgov.flow_section import flow_section
from trialcli.model import Arm, Flow, Intervention, Population, Source, Study
from trialcli.ops.audit import audit_study
from trialcli.ops.flow import study_flow
from trialcli.render.console import make_console
from trialcli.render.flow import flow_json, flow_markdown, render_flow
from trialcli.writer import study_yaml

FIXTURES = Path(__file__).parent / "fixtures"
RECORDS = sorted([*FIXTURES.glob("ctgov/*.json"), *FIXTURES.glob("ctgov-wide/*.json")])
WITHOUT_FLOW = {"NCT00260546", "NCT03475563"}  # no participantFlowModule in these records


def record(name: str) -> dict[str, Any]:
    path = next(p for p in RECORDS if p.stem == name)
    data: dict[str, Any] = json.loads(path.read_text(encoding="utf-8"))
    return data


def group_ids(data: dict[str, Any]) -> dict[str, str]:
    """Each flow group as an arm of its own id (the importer maps them to its arms)."""
    module = data.get("resultsSection", {}).get("participantFlowModule", {})
    return {g["id"]: g["id"] for g in module.get("groups", [])}


def registry_study(data: dict[str, Any]) -> Study:
    groups = group_ids(data)
    titles = {
        g["id"]: g["title"] for g in data["resultsSection"]["participantFlowModule"]["groups"]
    }
    return Study(
        id="registry",
        acronym=data["protocolSection"]["identificationModule"]["nctId"],
        title="A registry record's flow",
        population=Population(condition="any", description="as registered"),
        arms=[
            Arm(id=g, label=titles[g][:80], role="other", interventions=[Intervention(drug="x")])
            for g in groups
        ],
        sources=[Source(id="ctgov", citation="ClinicalTrials.gov results record", kind="registry")],
        flow=flow_section(data, groups, "ctgov"),
    )


def text_of(result: Any, width: int = 80) -> str:
    out = io.StringIO()
    render_flow(result, make_console(out, width=width))
    return out.getvalue()


# --- the registry's participantFlowModule -------------------------------------------------


def test_every_record_with_a_flow_reads_and_adds_up() -> None:
    read = 0
    for path in RECORDS:
        data = json.loads(path.read_text(encoding="utf-8"))
        flow = flow_section(data, group_ids(data), "ctgov")
        if path.stem in WITHOUT_FLOW:
            assert flow is None
            continue
        assert flow is not None, path.stem
        result = study_flow(registry_study(data))
        assert result.sums, path.stem
        assert result.warnings == (), [s.text for s in result.warnings]
        assert all(n.source == "ctgov" for n in result.numbers())
        read += 1
    assert read == 15


def test_a_three_arm_record_gives_its_numbers_and_reasons() -> None:
    flow = flow_section(record("NCT00806624"), {"FG000": "low", "FG001": "high"}, "r1")
    assert flow is not None and flow.source == "r1"
    (period,) = flow.periods
    assert period.title == "Overall Study"
    # FG002 (warfarin) has no arm here, so it is left out rather than guessed.
    assert {k: c.value for k, c in period.started.items()} == {"low": 79, "high": 80}
    assert {k: c.value for k, c in period.completed.items()} == {"low": 70, "high": 68}
    assert {k: c.value for k, c in period.not_completed.items()} == {"low": 9, "high": 12}
    reasons = {r.reason: {k: c.value for k, c in r.arms.items()} for r in period.reasons}
    assert reasons["Adverse Event"] == {"low": 2, "high": 8}
    assert reasons["Death"] == {"low": 0, "high": 1}
    assert sum(r["high"] for r in reasons.values()) == 12


def test_multi_period_record_keeps_each_period_and_its_own_milestones() -> None:
    result = study_flow(registry_study(record("NCT02422186")))
    assert [p.title for p in result.periods] == [
        "Double-blind Induction Phase (4 Weeks)",
        "Follow-up Phase (2 Weeks)",
    ]
    first = result.periods[0].arms[0]
    labels = [label for label, _ in first.milestones]
    assert labels == ["Full Analysis Set (FAS)", "Safety Analysis Set"]
    text = text_of(result)
    assert "Follow-up: Double-blind Induction Phase (4 Weeks)" in text
    assert "Follow-up: Follow-up Phase (2 Weeks)" in text


def test_a_blank_or_odd_count_is_not_reported_never_zero() -> None:
    data = {
        "resultsSection": {
            "participantFlowModule": {
                "periods": [
                    {
                        "title": "Overall Study",
                        "milestones": [
                            {
                                "type": "STARTED",
                                "achievements": [
                                    {"groupId": "FG000", "numSubjects": "12"},
                                    {"groupId": "FG001", "numSubjects": ""},
                                    {"groupId": "FG002", "numSubjects": "²"},
                                ],
                            }
                        ],
                    }
                ]
            }
        }
    }
    flow = flow_section(data, {"FG000": "a", "FG001": "b", "FG002": "c"}, "r")
    assert flow is not None
    assert {k: c.value for k, c in flow.periods[0].started.items()} == {"a": 12}
    assert flow_section({"resultsSection": {}}, {}, "r") is None
    assert flow_section({}, {}, "r") is None


def test_seven_arms_wrap_within_80_columns(runner: CliRunner, tmp_path: Path) -> None:
    study = registry_study(record("NCT03429543"))
    assert len(study.arms) == 7
    text = text_of(study_flow(study))
    assert max(len(line) for line in text.splitlines()) <= 80
    assert text.count("Started") == text.count("Allocated") == text.count("Analysed") == 7
    # Three boxes a row, so three rows of boxes for each stage but enrolment (one box).
    tops = [line for line in text.splitlines() if line.startswith("╭")]
    assert len(tops) == 1 + 3 * 3
    assert [line.count("╭") for line in tops[1:4]] == [3, 3, 1]
    # The same study as a file, through the command.
    path = tmp_path / "seven.yaml"
    path.write_text(study_yaml(study), encoding="utf-8")
    result = runner.invoke(app, ["flow", str(path), "--format", "json"])
    assert result.exit_code == 0, result.stderr
    shown = json.loads(result.stdout)
    assert len(shown["periods"][0]["arms"]) == 7
    assert all(s["adds_up"] for s in shown["computed"]["sums"])


# --- the bundled studies --------------------------------------------------------------------


def test_care_ms_i_completion_and_reasons_from_the_results_record(runner: CliRunner) -> None:
    result = runner.invoke(app, ["flow", "care-ms-i"])
    assert result.exit_code == 0, result.stderr
    text = result.stdout
    for line in (
        "Randomized 581 [2]",
        "Allocated 386 [1]",
        "Allocated 195 [1]",
        "Completed 367 [3]",
        "Completed 173 [3]",
        "Not completed 19 [3]",
        "Not completed 22 [3]",
        "Adverse Event 5 [3]",
        "(other reasons not listed)",
        "Analysed 376 [1]",
        "Assessed for eligibility not reported",
        "[3] ClinicalTrials.gov results record NCT00530348 (CARE-MS I)",
    ):
        assert line in text
    assert "⚠" not in text
    assert max(len(line) for line in text.splitlines()) <= 80


def test_a_study_without_flow_says_not_reported(runner: CliRunner) -> None:
    result = runner.invoke(app, ["flow", "care-ms-ii", "--format", "json"])
    assert result.exit_code == 0, result.stderr
    shown = json.loads(result.stdout)
    assert shown["flow_reported"] is False
    assert shown["periods"] == []
    assert shown["enrolment"]["assessed"] is None
    assert shown["enrolment"]["randomized"]["value"] == 840
    table = runner.invoke(app, ["flow", "care-ms-ii"]).stdout
    assert "Follow-up: not reported" in table


def test_markdown_and_json_carry_the_same_numbers(runner: CliRunner) -> None:
    markdown = runner.invoke(app, ["flow", "care-ms-i", "--format", "markdown"]).stdout
    assert "## Follow-up: Overall Study" in markdown
    assert "- Completed 367 \\[3\\]" in markdown
    assert "  - Death 1 \\[3\\]" in markdown
    shown = json.loads(runner.invoke(app, ["flow", "care-ms-i", "-f", "json"]).stdout)
    alem = shown["periods"][0]["arms"][0]
    assert alem["arm"] == "alem12"
    assert alem["completed"] == {"value": 367, "source": "r6"}
    assert alem["all_reasons_listed"] is False
    assert {r["reason"]: r["value"] for r in alem["reasons"]} == {"Adverse Event": 1, "Death": 1}
    csv = runner.invoke(app, ["flow", "care-ms-i", "-f", "csv"]).stdout.splitlines()
    assert csv[0] == "study,stage,period,arm,what,value,source"
    assert "care-ms-i,follow-up,Overall Study,ifn,not completed: Adverse Event,5,r6" in csv
    assert "care-ms-i,enrolment,,,assessed,," in csv  # not reported: empty, never 0


# --- sums that do not add up ------------------------------------------------------------------

BROKEN_FLOW = """\
flow:
  assessed: 400
  excluded: 90
  exclusion_reasons:
    - {reason: Did not meet criteria, count: 60}
    - {reason: Declined, count: 30}
  periods:
    - title: Overall Study
      started: {drug: 200, control: 100}
      completed: {drug: 180, control: 95}
      not_completed: {drug: 19, control: 5}
      reasons:
        - reason: Adverse Event
          arms: {drug: 10, control: 2}
        - reason: Withdrawal by Subject
          arms: {drug: 9, control: 3}
sources:"""


def test_sums_that_do_not_add_up_are_marked_and_audited(
    runner: CliRunner, write: Any, minimal_text: str
) -> None:
    path = write(minimal_text.replace("sources:", BROKEN_FLOW, 1))
    table = runner.invoke(app, ["flow", str(path)])
    assert table.exit_code == 0, table.stderr
    assert table.stdout.count("⚠ does not add up") == 2
    assert max(len(line) for line in table.stdout.splitlines()) <= 80
    # control: 100 = 95 + 5 and its reasons 2 + 3 = 5; the drug arm's do not add up.
    markdown = runner.invoke(app, ["flow", str(path), "-f", "markdown"]).stdout
    assert "- **⚠ does not add up: assessed 400 ≠ excluded 90 + randomized 300 = 390**" in markdown
    assert "**⚠ does not add up: started 200 ≠ completed 180 + not completed 19 = 199**" in markdown
    assert markdown.count("⚠") == 2
    validate = runner.invoke(app, ["validate", str(path), "--strict"])
    assert validate.exit_code == 1
    assert "warning flow.periods[0].started.drug" in validate.stdout
    assert "Overall Study, Drug A: started 200 [1] vs completed 180 [1]" in validate.stdout


def test_the_audit_lists_flow_sums_as_checks(minimal_text: str) -> None:
    import yaml

    data = yaml.safe_load(minimal_text.replace("sources:", BROKEN_FLOW, 1))
    study = Study.model_validate(data)
    checks = [c for c in audit_study(study).checks if c.kind == "flow"]
    assert len(checks) == 6  # enrolment ×2, per arm: started and reasons ×2
    assert [c.ok for c in checks].count(False) == 2
    assert isinstance(study.flow, Flow)


def test_an_unknown_arm_in_the_flow_is_an_error(
    runner: CliRunner, write: Any, minimal_text: str
) -> None:
    text = minimal_text.replace(
        "sources:", "flow:\n  periods:\n    - title: P\n      started: {placebo: 3}\nsources:", 1
    )
    result = runner.invoke(app, ["validate", str(write(text))])
    assert result.exit_code == 1
    assert "no arm or pooled group with id 'placebo'" in result.stdout


@pytest.mark.parametrize("name", ["NCT00602030", "NCT02552212"])
def test_markdown_of_a_wide_multi_period_record(name: str) -> None:
    result = study_flow(registry_study(record(name)))
    markdown = flow_markdown(result)
    for period in result.periods:
        assert f"## Follow-up: {period.title}" in markdown.replace("\\", "")
    shown = flow_json(result)
    assert len(shown["periods"]) == len(result.periods) >= 2
