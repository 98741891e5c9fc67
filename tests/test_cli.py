"""Every command through CliRunner: exit codes, messages, formats, and hostile text."""

from __future__ import annotations

import csv
import io
import json
from collections.abc import Callable
from pathlib import Path

import pytest
from app_commands import visible_commands
from studies import PROPORTION_ENDPOINT, with_endpoints
from typer.testing import CliRunner

from trialcli import __version__
from trialcli.cli import app

Write = Callable[..., Path]
# Read from the app (tests/app_commands.py): a new command is covered by the help tests.
COMMANDS = visible_commands()


def test_version(runner: CliRunner) -> None:
    result = runner.invoke(app, ["--version"])
    assert result.exit_code == 0
    assert result.stdout == f"trialcli {__version__}\n"


@pytest.mark.parametrize("command", COMMANDS)
def test_every_command_has_help_with_an_example(runner: CliRunner, command: str) -> None:
    result = runner.invoke(app, [command, "--help"])
    assert result.exit_code == 0
    assert f"Example: trialcli {command}" in result.stdout


def test_no_arguments_shows_help(runner: CliRunner) -> None:
    result = runner.invoke(app, [])
    assert "Usage: trialcli" in result.output
    for command in COMMANDS:
        assert command in result.output


def test_unknown_id_suggests_the_nearest(runner: CliRunner) -> None:
    result = runner.invoke(app, ["show", "care-ms-3"])
    assert result.exit_code == 1
    assert result.stderr == "Error: no study 'care-ms-3'. Did you mean 'care-ms-ii'?\n"
    assert result.stdout == ""


def test_unknown_option_is_a_usage_error(runner: CliRunner) -> None:
    result = runner.invoke(app, ["show", "care-ms-ii", "--colour"])
    assert result.exit_code == 2
    assert "Error: No such option: --colour" in result.stderr


def test_bad_format_value_is_a_usage_error(runner: CliRunner) -> None:
    result = runner.invoke(app, ["list", "--format", "xml"])
    assert result.exit_code == 2
    assert "Invalid value for '--format'" in result.stderr


def test_malformed_file_names_file_and_line_without_traceback(
    runner: CliRunner, write: Write
) -> None:
    path = write("id: x\nacronym: [unclosed\n")
    result = runner.invoke(app, ["show", str(path)])
    assert result.exit_code == 1
    assert result.stderr.startswith(f"Error: {path}:3:1: ")
    assert "Traceback" not in result.stderr + result.stdout


def test_several_problems_are_listed_under_one_error(
    runner: CliRunner, write: Write, minimal_text: str
) -> None:
    text = minimal_text.replace("phase: 3", "phase: 9").replace("status: completed", "status: ok")
    path = write(text)
    result = runner.invoke(app, ["show", str(path)])
    assert result.exit_code == 1
    lines = result.stderr.splitlines()
    assert lines[0] == f"Error: {path} has 2 problems:"
    assert lines[1].startswith(f"  {path}:5:8: phase: write one of '1', '1/2'")
    assert lines[2].startswith(f"  {path}:6:9: status: write one of 'not-yet-recruiting'")


def test_python_tag_is_refused_by_show(runner: CliRunner, write: Write, tmp_path: Path) -> None:
    marker = tmp_path / "pwned"
    path = write(f"id: !!python/object/apply:os.system ['touch {marker}']\n")
    result = runner.invoke(app, ["show", str(path)])
    assert result.exit_code == 1
    assert f"Error: {path}:1:5: could not determine a constructor" in result.stderr
    assert not marker.exists()


def test_show_fixture_prints_figures_and_sources(
    runner: CliRunner, write: Write, minimal_text: str, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("COLUMNS", "200")  # one line per cell, so phrases stay whole
    result = runner.invoke(app, ["show", str(write(minimal_text)), "--full"])
    assert result.exit_code == 0, result.stderr
    out = result.stdout
    assert "EXAMPLE  ·  phase 3  ·  completed" in out
    assert "rate ratio 0.5 (0.36–0.69), p<0.001 [1]" in out  # as the file writes it
    assert "✔ met" in out
    assert "50/200 (25.0%, computed) [1]" in out  # the source printed no percentage
    assert "[1]  Synthetic source for tests (2020-01-02)" in out
    assert "It met 1 of its 1 primary endpoints" in " ".join(out.split())


def test_absent_figures_print_as_not_reported(
    runner: CliRunner, write: Write, minimal_text: str
) -> None:
    result = runner.invoke(app, ["show", str(write(minimal_text)), "--full"])
    analysed = next(line for line in result.stdout.splitlines() if line.startswith("Analysed"))
    assert "not reported" in analysed
    assert " 0 " not in analysed


def test_output_fits_80_columns_and_uses_120(
    runner: CliRunner, write: Write, minimal_text: str, monkeypatch: pytest.MonkeyPatch
) -> None:
    path = str(write(minimal_text))
    narrow = runner.invoke(app, ["show", path, "--full"]).stdout
    assert max(len(line) for line in narrow.splitlines()) <= 80
    monkeypatch.setenv("COLUMNS", "120")
    wide = runner.invoke(app, ["show", path, "--full"]).stdout
    assert max(len(line) for line in wide.splitlines()) > 80
    assert max(len(line) for line in wide.splitlines()) <= 120
    assert "Verdict" in wide


def test_piped_output_has_no_escape_codes(
    runner: CliRunner, write: Write, minimal_text: str
) -> None:
    result = runner.invoke(app, ["show", str(write(minimal_text))])
    assert "\x1b" not in result.stdout


def test_no_color_keeps_words_but_drops_colour(
    runner: CliRunner, write: Write, minimal_text: str, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("FORCE_COLOR", "1")
    coloured = runner.invoke(app, ["show", str(write(minimal_text))]).stdout
    assert "\x1b[1;32m✔ met" in coloured
    monkeypatch.setenv("NO_COLOR", "1")
    plain = runner.invoke(app, ["show", str(write(minimal_text))]).stdout
    assert "✔ met" in plain
    assert "\x1b[32m" not in plain and "\x1b[1;32m" not in plain


@pytest.mark.parametrize(
    "hostile",
    [
        "[bold red]pwned[/]",
        "[link=https://evil.example]click[/link]",
        "\x1b[2Jcleared",
        "\x1b]8;;https://evil.example\x07link\x1b]8;;\x07",
        "bidi \u202eevil\u202c text",
    ],
)
def test_text_from_a_file_is_printed_literally(
    runner: CliRunner,
    write: Write,
    minimal_text: str,
    monkeypatch: pytest.MonkeyPatch,
    hostile: str,
) -> None:
    monkeypatch.setenv("FORCE_COLOR", "1")
    quoted = json.dumps(hostile)  # a YAML double-quoted scalar accepts JSON escapes
    text = minimal_text.replace(
        "title: A synthetic two-arm study used by the test suite", f"title: {quoted}"
    ).replace("label: Drug A", f"label: {quoted}")
    result = runner.invoke(app, ["show", str(write(text))])
    assert result.exit_code == 0, result.stderr
    out = result.stdout
    for forbidden in ("\x1b[2J", "\x1b]8;;", "\u202e", "\x07"):
        assert forbidden not in out
    if hostile.startswith("["):
        assert hostile in out


def test_list_formats_agree(runner: CliRunner, write: Write, minimal_text: str) -> None:
    folder = write(minimal_text).parent
    args = ["--data-dir", str(folder), "list"]
    table = runner.invoke(app, args).stdout
    assert "EXAMPLE" in table

    records = json.loads(runner.invoke(app, [*args, "--format", "json"]).stdout)
    example = next(r for r in records if r["id"] == "example")
    assert example == {
        "id": "example",
        "acronym": "EXAMPLE",
        "phase": "3",
        "population": "synthetic participants",
        "randomized": 300,
        "intake": "randomized",
        "arms": 2,
        "primary_met": 1,
        "primary_not_met": 0,
        "primary_stated": 1,
        "primary_total": 1,
        "latest_source_year": 2020,
    }
    rows = list(csv.DictReader(io.StringIO(runner.invoke(app, [*args, "-f", "csv"]).stdout)))
    assert next(r for r in rows if r["id"] == "example")["randomized"] == "300"
    markdown = runner.invoke(app, [*args, "-f", "markdown"]).stdout
    assert markdown.splitlines()[0].startswith("| id | acronym | phase |")
    row = "| example | EXAMPLE | 3 | synthetic participants | 300 | randomized | 2 | 1 | 0 | 1 | 1 "
    row += "| 2020 |"
    assert row in markdown


def test_show_json_marks_computed_values(
    runner: CliRunner, write: Write, minimal_text: str
) -> None:
    result = runner.invoke(app, ["show", str(write(minimal_text)), "--format", "json"])
    data = json.loads(result.stdout)
    assert data["study"]["population"]["randomized"]["value"] == 300
    assert data["computed"]["verdicts"]["relapse"]["state"] == "met"
    assert data["computed"]["primary_endpoints_met"] == 1


def test_validate_exit_codes(runner: CliRunner, write: Write, minimal_text: str) -> None:
    good = write(minimal_text, name="good.yaml")
    result = runner.invoke(app, ["validate", str(good)])
    assert result.exit_code == 0
    assert "1 file checked, all valid" in result.stdout

    bad = write(minimal_text.replace("id: example", "id: example\nid: again"), name="bad.yaml")
    result = runner.invoke(app, ["validate", str(good), str(bad)])
    assert result.exit_code == 1
    assert f"{bad}:3:1: error duplicate key 'id'" in result.stdout
    assert "2 files checked, 1 with errors" in result.stdout


def test_validate_json_diagnostics(runner: CliRunner, write: Write, minimal_text: str) -> None:
    bad = write(minimal_text.replace("kind: rate", "kind: speed"))
    result = runner.invoke(app, ["validate", str(bad), "--format", "json"])
    assert result.exit_code == 1
    data = json.loads(result.stdout)
    assert data["files"] == 1
    (problem,) = data["problems"]
    assert problem["file"] == str(bad)
    assert problem["line"] == 31
    assert problem["column"] == 11
    assert problem["field"] == "endpoints[0].kind"
    assert problem["severity"] == "error"


def relapsed_53(minimal: str, disagreement: str = "") -> str:
    """The minimal study with arms of 426 and 202, and 104 of 202 printed as 53%."""
    minimal = (
        minimal.replace("randomized: 300", "randomized: 628")
        .replace("    randomized: 200", "    randomized: 426")
        .replace("    randomized: 100", "    randomized: 202")
    )
    block = PROPORTION_ENDPOINT.format(control=53)
    if disagreement:
        block = block.replace(
            "        value: 53\n", f"        value: 53\n        disagreement: {disagreement}\n"
        )
    return with_endpoints(minimal, block)


def test_validate_warns_with_every_position_and_strict_fails(
    runner: CliRunner, write: Write, minimal_text: str, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("COLUMNS", "200")
    text = relapsed_53(minimal_text)
    path = write(text)
    lines = text.splitlines()
    line = {key: lines.index(f"        {key}") + 1 for key in ("n: 104", "N: 202", "value: 53")}
    result = runner.invoke(app, ["validate", str(path)])
    assert result.exit_code == 0, result.stdout
    out = result.stdout.splitlines()
    assert out[0] == (
        f"{path}:{line['value: 53']}:16: warning endpoints[0].results.control.value: "
        "Patients with a relapse, Control: 53% [1] vs 104/202 [1] = 51.5%: "
        "1.5 points apart, more than the ±0.5 rounding allows"
    )
    assert out[1:4] == [
        f"    {path}:{line['value: 53']}:16 endpoints[0].results.control.value [1]",
        f"    {path}:{line['n: 104']}:12 endpoints[0].results.control.n [1]",
        f"    {path}:{line['N: 202']}:12 endpoints[0].results.control.N [1]",
    ]
    assert out[-1] == "1 file checked, all valid; 1 warning"

    strict = runner.invoke(app, ["validate", "--strict", str(path)])
    assert strict.exit_code == 1
    assert (
        strict.stdout.splitlines()[-1] == "1 file checked, all valid; 1 warning; 1 fails --strict"
    )


def test_a_recorded_disagreement_is_listed_but_passes_strict(
    runner: CliRunner, write: Write, minimal_text: str, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("COLUMNS", "200")
    path = write(relapsed_53(minimal_text, "the table prints 53%; kept to show it"))
    result = runner.invoke(app, ["validate", "--strict", str(path)])
    assert result.exit_code == 0, result.stdout
    assert "warning endpoints[0].results.control.value" in result.stdout
    assert (
        "    recorded disagreement (does not fail --strict): the table prints 53%; kept to show it"
        in result.stdout
    )
    assert result.stdout.splitlines()[-1] == (
        "1 file checked, all valid; 1 warning, a recorded disagreement"
    )


def test_validate_json_lists_warnings_with_positions(
    runner: CliRunner, write: Write, minimal_text: str
) -> None:
    text = relapsed_53(minimal_text)
    path = write(text)
    result = runner.invoke(app, ["validate", str(path), "--format", "json"])
    assert result.exit_code == 0
    (problem,) = json.loads(result.stdout)["problems"]
    value_line = text.splitlines().index("        value: 53") + 1
    assert problem["severity"] == "warning"
    assert problem["check"] == "percentage"
    assert problem["line"] == value_line
    assert problem["acknowledged"] is None
    assert [(p["field"], p["line"], p["source"]) for p in problem["related"]] == [
        ("endpoints[0].results.control.value", value_line, "s1"),
        ("endpoints[0].results.control.n", value_line - 2, "s1"),
        ("endpoints[0].results.control.N", value_line - 1, "s1"),
    ]


def test_show_marks_figures_with_warnings_and_shows_computed_effects(
    runner: CliRunner, write: Write, minimal_text: str, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("COLUMNS", "200")
    result = runner.invoke(app, ["show", str(write(relapsed_53(minimal_text))), "--full"])
    assert result.exit_code == 0, result.stderr
    out = result.stdout
    assert "Control: 104/202 (53%) [1] ⚠1" in out
    drug = next(line for line in out.splitlines() if "Drug A: 147/426 (35%) [1]" in line)
    assert "⚠" not in drug
    assert "computed: −17.0 percentage points (95% CI −25.1 to −8.7); NNT 6 (4 to 12)" in out
    assert "consistency checks computed from the figures above; 1 disagree:" in out
    assert (
        "⚠1  Patients with a relapse, Control: 53% [1] vs 104/202 [1] = 51.5%: 1.5 points apart"
        in out
    )


def test_show_says_when_every_check_agrees(
    runner: CliRunner, write: Write, minimal_text: str, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("COLUMNS", "200")
    out = runner.invoke(app, ["show", str(write(minimal_text)), "--full"]).stdout
    # rate ratio vs arm rates, p vs CI, met, arm sizes, two denominators
    assert "6 consistency checks computed from the figures above: all agree." in out
    assert "⚠" not in out


def test_show_json_includes_computed_effects_and_checks(
    runner: CliRunner, write: Write, minimal_text: str
) -> None:
    result = runner.invoke(app, ["show", str(write(relapsed_53(minimal_text))), "--format", "json"])
    computed = json.loads(result.stdout)["computed"]
    (effect,) = computed["absolute_effects"]
    assert effect["measure"] == "risk-difference"
    assert effect["difference"] == pytest.approx(-16.9781, abs=1e-4)
    assert effect["from"] == ["147/426", "104/202"]
    failed = [c for c in computed["consistency_checks"] if not c["ok"]]
    assert [(c["check"], c["figures"][0]["fields"]) for c in failed] == [
        ("percentage", ["endpoints[0].results.control.value"])
    ]
