"""Hostile conditions: work that grew with the square of a file's size (issue 16, items 1–3,
17, 18), numbers the plot could not draw, folders with no study in them.

The studies are synthetic (tests/fixtures/minimal.yaml, repeated or edited); their numbers
describe no real trial. Sizes are large enough that quadratic work shows in the counts;
the time and memory figures are measured outside the tests (see the issue's closing note).
"""

from __future__ import annotations

import json
import math
from collections.abc import Callable
from pathlib import Path
from typing import Any

import pytest
import yaml
from typer.testing import CliRunner

from trialcli.cli import app
from trialcli.loader import Locator, load_study, validate_data
from trialcli.ops.audit import Audit, Check, audit_study
from trialcli.ops.page import build_page
from trialcli.render.console import make_console
from trialcli.render.study import render_study

Write = Callable[..., Path]

SECOND_SOURCE = """  - id: s2
    citation: A second synthetic source
    date: "2021-01-02"
"""


def _two_sources(text: str) -> str:
    return text.rstrip("\n") + "\n" + SECOND_SOURCE


def repeated_harm(minimal: str, sources: list[str]) -> str:
    """One harm stated once by each of `sources`; s2 counts one more in the drug arm."""
    head, rest = minimal.split("safety:\n", 1)
    findings = "".join(
        f"  - term: Headache\n    source: {source}\n    arms:\n"
        f"      drug: {{affected: {51 if source == 's2' else 50}, at_risk: 200}}\n"
        "      control: {affected: 10, at_risk: 100}\n"
        for source in sources
    )
    return _two_sources(head + "safety:\n" + findings + "sources:" + rest.split("sources:", 1)[1])


def taking_turns(n: int) -> list[str]:
    return [f"s{1 + i % 2}" for i in range(n)]


def repeated_endpoint(minimal: str, n: int) -> str:
    """One endpoint (one code, one time frame) stated n times, the sources taking turns."""
    head, rest = minimal.split("endpoints:\n", 1)
    endpoints = "".join(
        f"  - id: arr-{i}\n    name: Annualized relapse rate\n    code: annualized-relapse-rate\n"
        f"    source: s{1 + i % 2}\n    level: primary\n    kind: rate\n"
        "    results: {drug: {value: 0.2}, control: {value: 0.4}}\n    comparisons:\n"
        "      - {measure: rate-ratio, estimate: 0.5, ci: [0.36, 0.69], arms: [drug, control]}\n"
        "      - {measure: relative-reduction, estimate: 50, arms: [drug, control]}\n"
        for i in range(n)
    )
    return _two_sources(head + "endpoints:\n" + endpoints + "safety:" + rest.split("safety:", 1)[1])


def of_kind(audit: Audit, kind: str) -> list[Check]:
    return [c for c in audit.checks if c.kind == kind]


def statements(checks: list[Check]) -> set[tuple[Any, ...]]:
    """The records (field path up to the arm or comparison) the checks set against others."""
    return {loc[:-1] for check in checks for figure in check.figures for loc in figure.locs}


# --- item 1: the audit is near-linear in repeated items -----------------------------------


def test_a_harm_repeated_by_two_sources_is_compared_once_per_statement(
    write: Write, minimal_text: str
) -> None:
    n = 300
    audit = audit_study(load_study(write(repeated_harm(minimal_text, taking_turns(n)))))
    checks = of_kind(audit, "sources-disagree")
    # Each statement once against the first by the other source: 2 arms × (n − 1), where
    # every pair across sources made 2 × 150 × 150 = 45,000.
    assert len(checks) == 2 * (n - 1)
    # Every statement in every arm is still set against another source's.
    arms = {(a, b, c, d) for a, b, c, d in statements(checks)}
    assert arms == {("safety", i, "arms", arm) for i in range(n) for arm in ("drug", "control")}
    drug = [c for c in checks if "Headache, Drug A" in c.text()]
    # 50/200 (s1) against 51/200 (s2): the sources disagree, said once per s2 statement
    # and once more for the first s1 statement's partner.
    assert {c.ok for c in drug} == {False}
    assert "50/200 = 25.0% [s1] vs 51/200 = 25.5% [s2]: 0.5 points apart" in drug[0].text()
    control = [c for c in checks if "Headache, Control" in c.text()]
    assert {c.ok for c in control} == {True}


def test_an_endpoint_repeated_under_one_code_is_compared_once_per_statement(
    write: Write, minimal_text: str
) -> None:
    n = 120
    audit = audit_study(load_study(write(repeated_endpoint(minimal_text, n))))
    reductions = of_kind(audit, "relative-reduction")
    # Each relative reduction against its own source's rate ratio, once: not n × n.
    assert len(reductions) == n
    assert all(c.ok for c in reductions)
    assert all(
        "relative reduction 50% [s1] vs rate ratio 0.5 [s1]" in c.text() for c in reductions[::2]
    )
    disagree = of_kind(audit, "sources-disagree")
    # Estimates, CIs and results across sources: a few per statement, not per pair.
    assert len(disagree) < 10 * n
    assert all(c.ok for c in disagree)
    compared = statements(disagree)
    for i in range(n):
        assert ("endpoints", i, "comparisons", 0) in compared
        assert ("endpoints", i, "comparisons", 1) in compared
        assert ("endpoints", i, "results", "drug") in compared


def test_the_audit_still_compares_three_sources_stating_one_harm(
    write: Write, minimal_text: str
) -> None:
    # s1 and s3 agree; s2 is the odd one out, and is named against the first statement.
    text = repeated_harm(minimal_text, ["s1", "s2", "s3"])
    text += '  - id: s3\n    citation: A third synthetic source\n    date: "2022-01-02"\n'
    audit = audit_study(load_study(write(text)))
    drug = [c.text() for c in of_kind(audit, "sources-disagree") if "Drug A" in c.text()]
    assert drug == [
        "Headache, Drug A: 50/200 = 25.0% [s1] vs 51/200 = 25.5% [s2]: 0.5 points apart",
        "Headache, Drug A: 50/200 = 25.0% [s1] vs 50/200 = 25.0% [s3]: the same within rounding",
    ]


def test_list_reads_a_catalog_holding_a_repeated_harm(
    runner: CliRunner, tmp_path: Path, minimal_text: str
) -> None:
    (tmp_path / "example.yaml").write_text(
        repeated_harm(minimal_text, taking_turns(400)), encoding="utf-8"
    )
    result = runner.invoke(app, ["--no-cache", "--data-dir", str(tmp_path), "list", "-f", "csv"])
    assert result.exit_code == 0, result.output
    assert "\nexample,EXAMPLE," in result.stdout
    assert "camms223" in result.stdout  # the bundled studies are still listed


# --- item 2: show marks every figure from one index ---------------------------------------


def many_harm_warnings(minimal: str, n: int) -> str:
    """n harms, each stating a percentage its counts do not give (50/200 is not 40%)."""
    head, rest = minimal.split("safety:\n", 1)
    findings = "".join(
        f"  - term: Harm {i}\n    arms:\n      drug: {{affected: 50, at_risk: 200, pct: 40}}\n"
        for i in range(n)
    )
    return head + "safety:\n" + findings + "sources:" + rest.split("sources:", 1)[1]


def test_show_looks_at_each_warning_a_bounded_number_of_times(
    write: Write, minimal_text: str, monkeypatch: pytest.MonkeyPatch
) -> None:
    n = 200
    study = load_study(write(many_harm_warnings(minimal_text, n)))
    audit = audit_study(study)
    assert len(audit.warnings) == n
    looked = 0
    figures = Check.figures

    def counted(check: Check) -> tuple[Any, ...]:
        nonlocal looked
        looked += 1
        return figures.fget(check)  # type: ignore[attr-defined,no-any-return]

    monkeypatch.setattr(Check, "figures", property(counted))
    console = make_console(record=True)
    render_study(build_page(study, audit), console)
    # Marking each of the n harms used to scan all n warnings: n × n looks.
    assert looked < 10 * n
    page = console.export_text()
    assert "⚠1" in page and f"⚠{n}" in page


def test_marks_are_the_warnings_under_a_field_path(write: Write, minimal_text: str) -> None:
    audit = audit_study(load_study(write(many_harm_warnings(minimal_text, 3))))
    assert audit.marks(("safety", 1)) == [2]
    assert audit.marks(("safety", 1, "arms", "drug", "pct")) == [2]
    assert audit.marks(("safety",)) == [1, 2, 3]
    assert audit.marks(("safety", 7)) == []
    assert audit.marks(("endpoints",)) == []


# --- item 3: the problem locator indexes each mapping once -------------------------------


class _CountingPairs(list):  # type: ignore[type-arg]
    """A mapping node's (key, value) pairs that count how often they are scanned."""

    scans = 0

    def __iter__(self):  # type: ignore[no-untyped-def]
        type(self).scans += 1
        return super().__iter__()


def test_unknown_keys_are_located_by_one_scan_of_their_mapping(minimal_text: str) -> None:
    n = 2_000
    text = minimal_text.replace(
        "phase: 3\n", "phase: 3\n" + "".join(f"zz{i}: 1\n" for i in range(n))
    )
    root = yaml.compose(text, Loader=yaml.SafeLoader)
    assert isinstance(root, yaml.MappingNode)
    root.value = _CountingPairs(root.value)
    _CountingPairs.scans = 0
    data = yaml.safe_load(text)
    _, problems = validate_data(data, text, "hostile.yaml", nodes=root)
    assert len(problems) == n
    # Line 5 of the fixture is "phase: 3": the unknown keys follow it, one a line.
    assert [(p.line, p.column) for p in problems[:2]] == [(6, 1), (7, 1)]
    assert problems[-1].message == f"unknown field 'zz{n - 1}'"
    assert problems[-1].line == 5 + n
    # Scanning the top mapping for each problem made the locator quadratic (10 s here).
    assert _CountingPairs.scans <= 2


def test_the_locator_finds_keys_and_values(minimal_text: str) -> None:
    located = Locator(minimal_text)
    assert located.position(("arms", 1, "label")) == (21, 12)
    assert located.position(("arms", 1, "label"), at_key=True) == (21, 5)
    assert located.position(("arms", 9, "label")) == (13, 3)  # the nearest that exists


# --- item 17: the plot never crashes on numbers it cannot draw ---------------------------


def with_rate_ratio(minimal: str, study_id: str, estimate: str, ci: str) -> str:
    text = minimal.replace("id: example", f"id: {study_id}", 1)
    text = text.replace("estimate: 0.5\n", f"estimate: {estimate}\n", 1)
    return text.replace("ci: [0.36, 0.69]", f"ci: {ci}", 1)


def strict_json(text: str) -> Any:
    """JSON as the standard has it: no Infinity or NaN."""

    def refuse(constant: str) -> None:
        raise AssertionError(f"{constant} is not JSON")

    return json.loads(text, parse_constant=refuse)


@pytest.mark.parametrize("fmt", ["table", "json", "csv", "markdown"])
def test_compare_refuses_an_infinite_interval_at_its_line(
    runner: CliRunner, tmp_path: Path, minimal_text: str, fmt: str
) -> None:
    # Non-finite numbers are refused where they are read (issue 17), so compare never sees them.
    path = tmp_path / "wide.yaml"
    path.write_text(with_rate_ratio(minimal_text, "wide", "0.5", "[-.inf, .inf]"))
    result = runner.invoke(
        app, ["--no-cache", "compare", str(path), "-e", "annualized-relapse-rate", "-f", fmt]
    )
    assert result.exit_code == 1
    assert "Traceback" not in result.output
    assert "ci[0]: must be a finite number, got -inf" in result.output
    assert "ci[1]: must be a finite number, got inf" in result.output


def test_compare_drug_still_draws_the_catalog_beside_an_infinite_interval(
    runner: CliRunner, tmp_path: Path, minimal_text: str
) -> None:
    (tmp_path / "wide.yaml").write_text(
        with_rate_ratio(minimal_text, "wide", "0.5", "[-.inf, .inf]")
    )
    (tmp_path / "example.yaml").write_text(minimal_text)
    result = runner.invoke(
        app,
        [
            "--no-cache",
            "-d",
            str(tmp_path),
            "compare",
            "--drug",
            "drug a",
            "-e",
            "annualized-relapse-rate",
            "-f",
            "json",
        ],
    )
    assert result.exit_code == 0, result.output
    plot = strict_json(result.stdout)
    assert [(r["study"], r["estimate"], r["drawn"]) for r in plot["rows"]] == [
        ("example", 0.5, True)
    ]
    assert "wide.yaml" in result.stderr


def test_a_ratio_near_the_largest_float_is_listed_and_its_interval_runs_off_the_axis(
    runner: CliRunner, tmp_path: Path, minimal_text: str
) -> None:
    (tmp_path / "huge.yaml").write_text(
        with_rate_ratio(minimal_text, "huge", "1.0e+308", "[1.0e+307, 1.7e+308]")
    )
    (tmp_path / "wide.yaml").write_text(
        with_rate_ratio(minimal_text, "wide", "0.5", "[1.0e-308, 1.7e+308]")
    )
    result = runner.invoke(
        app,
        [
            "--no-cache",
            "-d",
            str(tmp_path),
            "compare",
            "huge",
            "wide",
            "-e",
            "annualized-relapse-rate",
        ],
    )
    assert result.exit_code == 0, result.output
    page = " ".join(result.stdout.split())
    # The estimate is past what an axis can show: listed, with its numbers in full.
    assert "rate ratio 1e+308 (1e+307–1.7e+308)" in page
    assert "a ratio beyond 0.000001 to 1,000,000 cannot be drawn" in page
    # The interval is drawn to both ends of the axis, with arrows: it runs beyond them.
    (line,) = [x for x in result.stdout.splitlines() if x.startswith("EXAMPLE ")]
    assert line.endswith("0.5 (1e−308 to 1.7e+308)")
    assert "◀" in line and "▶" in line


def test_position_is_clamped_for_any_number() -> None:
    from trialcli.render.forest_text import position

    for value in (-math.inf, -1e308, 0.0, 5e-324, 1e308, math.inf):
        assert 0 <= position(value, 0.1, 10.0, "log", 40) <= 39
        assert 0 <= position(value, -2.0, 2.0, "linear", 40) <= 39


def test_numbers_far_from_one_print_as_themselves() -> None:
    from trialcli.formatting import number

    assert number(1e308) == "1e+308"
    assert number(1e-320) == "1e−320"  # not "0"
    assert number(0.04, 1) == "0.0"  # rounding asked for is still rounding


# --- item 18: a folder with no study files is an error ------------------------------------


@pytest.mark.parametrize("name", ["empty", "x.yaml"])
def test_validate_a_folder_without_study_files_fails(
    runner: CliRunner, tmp_path: Path, name: str
) -> None:
    folder = tmp_path / name
    folder.mkdir()
    (folder / "notes.txt").write_text("not a study")
    result = runner.invoke(app, ["--no-cache", "validate", str(folder)])
    assert result.exit_code == 1
    assert result.stdout == ""
    assert result.stderr == f"Error: no study files (.yaml, .yml) found in '{folder}'\n"
