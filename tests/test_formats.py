"""`show` and `validate` in every --format say the same numbers and words as the table."""

from __future__ import annotations

import csv
import io
import json
from collections.abc import Callable
from pathlib import Path

import pytest
from typer.testing import CliRunner

from trialcli.cli import app
from trialcli.formats import OutputFormat

Write = Callable[..., Path]
BUNDLED = ["camms223", "care-ms-i", "care-ms-ii"]


def run(runner: CliRunner, *args: str) -> str:
    result = runner.invoke(app, list(args))
    assert result.exit_code == 0, result.stderr
    return result.stdout


def csv_rows(text: str) -> list[dict[str, str]]:
    return list(csv.DictReader(io.StringIO(text)))


def printed(value: str, lower: str, upper: str, unit: str) -> str:
    """How the table prints an estimate and its interval (typographic minus, 'to' if negative)."""
    value, lower, upper = (v.replace("-", "−") for v in (value, lower, upper))
    value += "%" if unit == "%" else ""
    if "−" in lower + upper:
        return f"{value} ({lower} to {upper})"
    return f"{value} ({lower}–{upper})"


@pytest.mark.parametrize("study", BUNDLED)
def test_show_csv_says_what_the_table_says(
    runner: CliRunner, monkeypatch: pytest.MonkeyPatch, study: str
) -> None:
    monkeypatch.setenv("COLUMNS", "250")  # one line per table cell
    table = run(runner, "show", study, "--full")
    rows = csv_rows(run(runner, "show", study, "--format", "csv"))
    assert rows, "every bundled study has endpoint results"
    document = run(runner, "show", study, "--format", "markdown")
    for row in rows:
        assert row["study"] == study
        if row["kind"] in {"effect", "harm-difference"}:  # long: a table cell wraps them
            assert row["text"].replace("<", "\\<") in document, row
        else:
            assert row["text"] in table, row
        if row["value"] and row["ci_lower"] and row["computed"] == "false":
            assert (
                printed(row["value"], row["ci_lower"], row["ci_upper"], row["unit"]) in row["text"]
            )
        if row["n"] and row["N"]:
            assert row["text"].startswith(f"{row['n']}/{row['N']}")
        if row["p_value"]:
            p = "not significant" if row["p_value"] == "NS" else row["p_value"]
            assert p in row["text"]


def test_show_csv_keeps_printed_precision_and_inherited_sources(runner: CliRunner) -> None:
    rows = csv_rows(run(runner, "show", "camms223", "-f", "csv"))
    pooled = [r for r in rows if r["group_ids"] == "alem-pooled" and r["value"] == "0.10"]
    assert pooled, "0.10 stays 0.10, as the source printed it"
    care = csv_rows(run(runner, "show", "care-ms-ii", "-f", "csv"))
    ratio = next(r for r in care if r["measure"] == "rate-ratio")
    assert ratio["value"] == "0.51"
    assert (ratio["ci_lower"], ratio["ci_upper"], ratio["ci_level"]) == ("0.39", "0.65", "95")
    assert ratio["p_value"] == "<0.0001"
    assert ratio["met"] == "true" and ratio["verdict"] == "met"
    assert ratio["group_ids"] == "alem12 vs ifn"
    assert (ratio["source_id"], ratio["source"]) == ("p1", "9")  # the page's [9]
    edss = next(r for r in care if r["subject_id"] == "edss-change" and r["group_ids"] == "alem12")
    assert (edss["value"], edss["ci_lower"], edss["ci_upper"]) == ("-0.17", "-0.29", "-0.05")


@pytest.mark.parametrize("study", BUNDLED)
def test_show_json_numbers_equal_the_csv(runner: CliRunner, study: str) -> None:
    data = json.loads(run(runner, "show", study, "--format", "json"))
    assert data["shape_version"] == 3
    endpoints = {e["id"]: e for e in data["study"]["endpoints"]}
    for row in csv_rows(run(runner, "show", study, "--format", "csv")):
        if row["kind"] not in {"result", "comparison"}:
            continue
        endpoint = endpoints[row["subject_id"]]
        if row["kind"] == "result":
            record = endpoint["results"][row["group_ids"]]
            value = record.get("value")
        else:
            record = next(
                c
                for c in endpoint["comparisons"]
                if " vs ".join(c["arms"]) == row["group_ids"]
                and c["measure"] == row["measure"]
                and str(c.get("p_value", "")) == row["p_value"]
                and (c.get("estimate") is None) == (row["value"] == "")
                and (row["value"] == "" or float(row["value"]) == c["estimate"])
            )
            value = record.get("estimate")
        assert (float(row["value"]) if row["value"] else None) == value
        if row["ci_lower"]:
            assert [float(row["ci_lower"]), float(row["ci_upper"])] == record["ci"]


def test_show_markdown_is_a_document_with_the_same_figures(
    runner: CliRunner, monkeypatch: pytest.MonkeyPatch
) -> None:
    document = run(runner, "show", "care-ms-ii", "--format", "markdown")
    lines = document.splitlines()
    assert lines[0] == "# CARE-MS II · phase 3"
    for heading in ("## Population and design", "## Arms", "## Endpoints", "## Sources"):
        assert heading in lines
    assert "| Endpoint | Verdict | Result by arm | Effect |" in lines
    assert "- **Randomized**: 840 \\[24\\]" in document
    for row in csv_rows(run(runner, "show", "care-ms-ii", "-f", "csv")):
        assert row["text"].replace("<", "\\<") in document
    assert "<https://www.nationalmssociety.org/" in document
    # Every table row has as many cells as its header.
    tables = [line for line in lines if line.startswith("| ")]
    assert all(line.count(" | ") in {2, 3, 4} for line in tables)


def test_markdown_cannot_smuggle_links_or_html(
    runner: CliRunner, write: Write, minimal_text: str
) -> None:
    text = minimal_text.replace(
        "title: A synthetic two-arm study used by the test suite",
        'title: "[click](javascript:alert(1)) <script>x</script> | pipe"',
    ).replace("label: Drug A", 'label: "**bold** _it_"')
    document = run(runner, "show", str(write(text)), "-f", "markdown")
    assert "*\\[click\\](javascript:alert(1)) \\<script\\>x\\</script\\> \\| pipe*" in document
    assert "\\*\\*bold\\*\\* \\_it\\_" in document
    assert "<script>" not in document and "[click]" not in document


def test_validate_formats_agree(runner: CliRunner, write: Write, minimal_text: str) -> None:
    good = write(minimal_text, name="good.yaml")
    bad = write(minimal_text.replace("kind: rate", "kind: speed"), name="bad.yaml")
    args = ["validate", str(good), str(bad)]
    table = runner.invoke(app, args)
    assert table.exit_code == 1
    assert f"{bad}:31:11: error endpoints[0].kind: write one of 'rate'" in table.stdout

    as_json = runner.invoke(app, [*args, "--format", "json"])
    as_csv = runner.invoke(app, [*args, "--format", "csv"])
    as_markdown = runner.invoke(app, [*args, "--format", "markdown"])
    assert as_json.exit_code == as_csv.exit_code == as_markdown.exit_code == 1

    (problem,) = json.loads(as_json.stdout)["problems"]
    (row,) = csv_rows(as_csv.stdout)
    assert row == {key: str(problem[key]) for key in row}
    assert problem["check"] is None and problem["related"] == []  # an error, not a warning
    assert row["message"] in table.stdout
    assert (row["line"], row["column"], row["field"]) == ("31", "11", "endpoints[0].kind")
    header, _rule, line = as_markdown.stdout.splitlines()
    assert header == "| file | line | column | field | severity | message |"
    assert line.startswith(f"| {bad} | 31 | 11 | endpoints[0].kind | error | write one of")


def test_validate_markdown_leaves_a_whole_file_problem_blank(
    runner: CliRunner, write: Write
) -> None:
    result = runner.invoke(app, ["validate", str(write("")), "-f", "markdown"])
    expected = "|  |  |  | error | file is empty; expected a study (a mapping of fields) |"
    assert result.stdout.splitlines()[2].endswith(expected)


@pytest.mark.parametrize("output", [f.value for f in OutputFormat])
def test_every_format_works_for_show_and_validate(runner: CliRunner, output: str) -> None:
    assert run(runner, "show", "camms223", "--format", output).strip()
    assert run(runner, "validate", "--format", output).strip()


@pytest.mark.parametrize("direction", ["stated", "inferred", "unknown"])
def test_show_csv_carries_a_comparisons_direction_in_its_own_column(
    runner: CliRunner, write: Callable[..., Path], minimal_text: str, direction: str
) -> None:
    # Before, the direction was only words inside `text` ("(direction inferred from arm
    # roles)"): a program reading the numbers could not tell A vs B from B vs A.
    text = minimal_text.replace(
        "        arms: [drug, control]\n",
        f"        arms: [drug, control]\n        direction: {direction}\n",
        1,
    )
    result = runner.invoke(app, ["show", str(write(text)), "-f", "csv"])
    assert result.exit_code == 0, result.output
    rows = list(csv.DictReader(io.StringIO(result.stdout)))
    [comparison] = [r for r in rows if r["kind"] == "comparison"]
    assert comparison["group_ids"] == "drug vs control"
    assert comparison["direction"] == direction
    assert {r["direction"] for r in rows if r["kind"] == "result"} == {""}
    if direction != "stated":
        assert f"(direction {direction}" in comparison["text"]
