"""`trialcli diff`: rows aligned by meaning, marked by symbol, and the same data for programs."""

from __future__ import annotations

import csv
import io
import json
from collections.abc import Callable
from pathlib import Path

import pytest
from hypothesis import given
from hypothesis import strategies as st
from rich.console import Console
from typer.testing import CliRunner

from trialcli.catalog import Catalog
from trialcli.cli import app
from trialcli.model import Study
from trialcli.ops.diff import (
    Cited,
    DiffRow,
    Side,
    StudyDiff,
    diff_studies,
    mark_words,
    match_groups,
    side_labels,
)
from trialcli.render.diff import render_diff

Write = Callable[..., Path]


@pytest.fixture(scope="module")
def catalog() -> Catalog:
    return Catalog.discover()


def load(catalog: Catalog, ref: str) -> Study:
    return catalog.load(ref)


@pytest.fixture(scope="module")
def care(catalog: Catalog) -> StudyDiff:
    a, b = load(catalog, "care-ms-i"), load(catalog, "care-ms-ii")
    return diff_studies(a, b, *side_labels(a, b, "care-ms-i", "care-ms-ii"))


def find(diff: StudyDiff, field: str, group: str | None = None, code: str | None = None) -> DiffRow:
    rows = [
        row
        for _, g, row in diff.rows()
        if row.field == field
        and (group is None or g.title == group)
        and (code is None or g.code == code)
    ]
    assert len(rows) == 1, [r.field for r in rows]
    return rows[0]


def texts(row_side: object) -> list[str]:
    assert row_side is not None
    return [line.text for line in row_side.lines]  # type: ignore[attr-defined]


# --- the operation --------------------------------------------------------------------


def test_randomized_shows_both_counts_and_the_change(care: StudyDiff) -> None:
    row = find(care, "Randomized", group="")
    assert row.status == "changed"
    assert texts(row.a) == ["581"]
    assert texts(row.b) == ["840"]  # NICE's n=1,046 is a note: what it counts is not stated
    assert row.change is not None
    assert row.change.text == "581 → 840 (+259)"


def test_populations_differ_word_by_word(care: StudyDiff) -> None:
    row = find(care, "Enrolled")
    assert (texts(row.a), texts(row.b)) == (
        ["Early RRMS, previously untreated"],
        ["RRMS, relapsed on prior therapy"],
    )
    assert row.status == "changed"
    assert row.a is not None and row.b is not None
    a_words = [(s.text.strip(), s.changed) for s in row.a.lines[0].words]
    b_words = [(s.text.strip(), s.changed) for s in row.b.lines[0].words]
    assert a_words == [("Early", True), ("RRMS,", False), ("previously untreated", True)]
    assert b_words == [("RRMS,", False), ("relapsed on prior therapy", True)]
    history = find(care, "History")
    assert (texts(history.a), texts(history.b)) == (["treatment naive"], ["previously treated"])


def test_relapse_reduction_keeps_every_source(care: StudyDiff) -> None:
    row = find(
        care,
        "relative reduction: Alemtuzumab 12 mg vs IFN beta-1a (Rebif)",
        code="annualized-relapse-rate",
    )
    assert texts(row.a) == ["54.9%", "55%"]
    assert texts(row.b) == ["49%, p<0.0001"]
    assert row.change is None  # several values a side: no single difference to compute
    # The NMSS figure and review PMC6169984's count alemtuzumab of unstated dose: their own
    # row, only in CARE-MS II.
    other = find(
        care,
        "relative reduction: Alemtuzumab, dose not stated vs IFN beta-1a (Rebif)",
        code="annualized-relapse-rate",
    )
    assert other.status == "only-b"
    assert texts(other.b) == ["49%", "50%"]


def test_rate_ratio_row_is_one_number_each_side(care: StudyDiff) -> None:
    row = find(
        care, "rate ratio: Alemtuzumab 12 mg vs IFN beta-1a (Rebif)", code="annualized-relapse-rate"
    )
    assert texts(row.a) == ["0.45 (0.32–0.63), p<0.0001"]
    assert texts(row.b) == ["0.51 (0.39–0.65), p<0.0001"]
    assert row.change is not None and row.change.text == "0.45 → 0.51 (+0.06)"


def test_disability_verdict_not_met_then_met(care: StudyDiff) -> None:
    group = next(g for s, g, _ in care.rows() if g.code == "sustained-disability-worsening")
    verdict = next(r for r in group.rows if r.field == "Verdict")
    assert verdict.status == "changed"
    assert [line.verdict for line in verdict.a.lines] == ["not-met"]  # type: ignore[union-attr]
    assert [line.verdict for line in verdict.b.lines] == ["met"]  # type: ignore[union-attr]
    relapse = next(g for s, g, _ in care.rows() if g.code == "annualized-relapse-rate")
    assert next(r for r in relapse.rows if r.field == "Verdict").status == "same"


def test_endpoints_are_matched_by_code_not_name(care: StudyDiff) -> None:
    # "Relapse rate (annualized)" and "Annualized relapse rate" share one code.
    row = find(care, "Name", code="annualized-relapse-rate")
    assert texts(row.a) == ["Relapse rate (annualized)"]
    assert texts(row.b) == ["Annualized relapse rate"]
    endpoints = next(s for s in care.sections if s.title == "Endpoints")
    assert endpoints.groups[0].code == "annualized-relapse-rate"  # primary endpoints first
    assert endpoints.groups[1].code == "sustained-disability-worsening"


def test_arms_are_matched_by_role_and_drug(catalog: Catalog) -> None:
    a, b = load(catalog, "care-ms-i"), load(catalog, "care-ms-ii")
    slots = [(s.a, s.b) for s in match_groups(a, b).items]
    assert slots == [
        ("alem12", "alem12"),
        (None, "alem24"),  # placed where CARE-MS II lists it, after the 12 mg arm
        ("ifn", "ifn"),
        (None, "alem-pooled"),
        (None, "alem-any"),
    ]


def test_arms_match_on_meaning_when_ids_differ(
    catalog: Catalog, write: Write, minimal_text: str
) -> None:
    renamed = (
        minimal_text.replace("id: drug\n", "id: experimental\n")
        .replace("drug: {value", "experimental: {value")
        .replace("arms: [drug, control]", "arms: [experimental, control]")
        .replace("      drug: {affected", "      experimental: {affected")
    )
    base = load(catalog, str(write(minimal_text, "a.yaml")))
    other = load(catalog, str(write(renamed, "b.yaml")))
    assert [(s.a, s.b) for s in match_groups(base, other).items] == [
        ("drug", "experimental"),
        ("control", "control"),
    ]
    result = diff_studies(base, other, "a.yaml", "b.yaml")
    assert result.identical is False  # the id differs, so the files are not the same
    assert {row.status for _, g, row in result.rows() if g.title} == {"same"}


def test_safety_findings_are_matched_by_term(care: StudyDiff) -> None:
    row = find(care, "Thyroid disorders (serious)")
    assert texts(row.a) == [
        "IFN beta-1a (Rebif): 0/187 (0.0%, computed); Alemtuzumab 12 mg: 4/376 (1%)"
    ]
    assert texts(row.b) == [
        "IFN beta-1a (Rebif): 0/202 (0.0%, computed); Alemtuzumab 12 + 24 mg pooled: 4/596 (0.7%)"
    ]
    assert find(care, "Sinusitis").status == "only-b"
    assert find(care, "Death: motor accident").status == "only-a"


def test_a_study_against_itself_is_identical(catalog: Catalog) -> None:
    study = load(catalog, "care-ms-ii")
    result = diff_studies(study, study, "A", "B")
    assert result.identical
    assert result.counts["changed"] == result.counts["only-a"] == result.counts["only-b"] == 0
    assert result.counts["same"] > 100


def test_changed_only_drops_same_rows_and_counts_them(care: StudyDiff) -> None:
    shown = care.changed_only()
    assert all(row.status != "same" for _, _, row in shown.rows())
    assert shown.hidden_same == care.counts["same"]
    assert shown.counts["changed"] == care.counts["changed"]


def test_labels_fall_back_to_the_files_for_two_versions(catalog: Catalog) -> None:
    study = load(catalog, "care-ms-ii")
    assert side_labels(study, study, "old.yaml", "new.yaml") == ("old.yaml", "new.yaml")
    assert side_labels(study, study, "x", "x") == ("CARE-MS II (A)", "CARE-MS II (B)")


# --- the command ----------------------------------------------------------------------


def run(runner: CliRunner, *args: str) -> tuple[int, str, str]:
    result = runner.invoke(app, ["diff", *args])
    return result.exit_code, result.stdout, result.stderr


def test_cli_care_ms_i_vs_ii(runner: CliRunner, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("COLUMNS", "200")  # one line per cell, so phrases stay whole
    code, out, err = run(runner, "care-ms-i", "care-ms-ii", "--full")
    assert code == 0, err
    lines = out.splitlines()
    assert "= same  ≠ changed  − only in CARE-MS I  + only in CARE-MS II" in lines[0]
    randomized = next(line for line in lines if line.startswith("≠ Randomized"))
    assert "581 [2]" in randomized and "840 [24]" in randomized
    assert any(line.strip() == "581 → 840 (+259)" for line in lines)
    assert any(
        line.startswith("≠ Enrolled") and "RRMS, relapsed on prior therapy" in line
        for line in lines
    )
    assert any(
        line.startswith("≠ Verdict") and "✘ not met" in line and "✔ met" in line for line in lines
    )
    assert any("54.9% [1]" in line and "49%, p<0.0001 [26]" in line for line in lines)
    counts = json.loads(run(runner, "care-ms-i", "care-ms-ii", "-f", "json")[1])["counts"]
    assert lines[-1] == (
        f"{counts['same']} same · {counts['changed']} changed · "
        f"{counts['only_a']} only in CARE-MS I · {counts['only_b']} only in CARE-MS II"
    )
    assert counts["changed"] > 0 and counts["only_b"] > 0


def test_cli_fits_80_columns(runner: CliRunner) -> None:
    code, out, _ = run(runner, "care-ms-i", "care-ms-ii", "--full")
    assert code == 0
    assert max(len(line) for line in out.splitlines()) <= 80
    assert "581 → 840 (+259)" in out


def test_cli_same_study_exit_code_zero(runner: CliRunner) -> None:
    code, out, _ = run(runner, "care-ms-ii", "care-ms-ii", "--exit-code")
    assert code == 0
    assert out.startswith("No differences: CARE-MS II (A) and CARE-MS II (B) agree")


def test_cli_exit_code_one_when_different(runner: CliRunner) -> None:
    assert run(runner, "care-ms-i", "care-ms-ii", "--exit-code")[0] == 1
    assert run(runner, "care-ms-i", "care-ms-ii")[0] == 0  # without --exit-code: success


def test_cli_changed_only(runner: CliRunner) -> None:
    _, out, _ = run(runner, "care-ms-i", "care-ms-ii", "--changed-only")
    body = out.split("Identity", 1)[1]
    assert not any(line.startswith("= ") for line in body.splitlines())
    assert any(line.startswith("≠ Randomized") for line in body.splitlines())
    counts = json.loads(run(runner, "care-ms-i", "care-ms-ii", "-f", "json")[1])["counts"]
    assert f"{counts['same']} same (hidden)" in out


def test_two_versions_of_one_file(
    runner: CliRunner, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    # Wide enough for the long temporary paths in the header, whichever runner makes them.
    monkeypatch.setenv("COLUMNS", "400")
    original = (Path(__file__).parent.parent / "data" / "care-ms-ii.yaml").read_text("utf-8")
    old = tmp_path / "old" / "care-ms-ii.yaml"
    new = tmp_path / "new" / "care-ms-ii.yaml"
    old.parent.mkdir()
    new.parent.mkdir()
    old.write_text(original, encoding="utf-8")
    changed = original.replace("    value: 840\n", "    value: 842\n", 1).replace(
        "masking: rater- and dose-blinded", "masking: double-blind"
    )
    assert changed.count("842") == 1
    new.write_text(changed, encoding="utf-8")
    code, out, err = run(runner, str(old), str(new), "--changed-only", "--exit-code")
    assert code == 1, err
    assert f"A: {old}" in out and f"B: {new}" in out
    changed_rows = [line for line in out.splitlines() if line.startswith("≠ ")]
    assert [line.split()[1] for line in changed_rows] == ["Randomized", "Masking"]
    assert "840 → 842 (+2)" in out
    assert "0 only in" in out
    data = json.loads(run(runner, str(old), str(new), "--format", "json")[1])
    assert data["counts"]["changed"] == 2
    masking = next(r for r in data["rows"] if r["field"] == "Masking")
    assert masking["a"]["text"] == "rater- and dose-blinded"
    assert masking["b"]["text"] == "double-blind"


def test_a_change_no_row_shows_is_still_a_difference(
    runner: CliRunner, tmp_path: Path, minimal_text: str
) -> None:
    a = tmp_path / "a.yaml"
    b = tmp_path / "b.yaml"
    a.write_text(minimal_text, encoding="utf-8")
    b.write_text(minimal_text.replace("kind: rate", "kind: count"), encoding="utf-8")
    code, out, _ = run(runner, str(a), str(b), "--exit-code")
    assert code == 1
    assert any(line.startswith("≠ Kind") for line in out.splitlines())
    c = tmp_path / "c.yaml"
    c.write_text(minimal_text.replace("soc: Nervous system disorders", "soc: Other"), "utf-8")
    code, out, _ = run(runner, str(a), str(c), "--exit-code")
    assert code == 1
    assert "the files differ in safety" in out


def test_cli_json(runner: CliRunner) -> None:
    code, out, _ = run(runner, "care-ms-i", "care-ms-ii", "--format", "json")
    assert code == 0
    data = json.loads(out)
    assert data["a"] == {"id": "care-ms-i", "label": "CARE-MS I"}
    assert data["identical"] is False
    row = next(r for r in data["rows"] if r["field"] == "Randomized" and r["group"] is None)
    assert row["status"] == "changed"
    assert row["a"]["number"] == 581 and row["b"]["number"] == 840
    assert row["change"] == {
        "from": "581",
        "to": "840",
        "delta": "+259",
        "unit": None,
        "text": "581 → 840 (+259)",
        "computed": True,
    }
    assert row["a"]["values"][0]["source"]["citation"].startswith(
        "ClinicalTrials.gov record NCT00530348"
    )
    verdict = next(
        r
        for r in data["rows"]
        if r["field"] == "Verdict" and r["code"] == "sustained-disability-worsening"
    )
    assert verdict["a"]["values"][0]["verdict"] == "not-met"
    assert verdict["b"]["values"][0]["verdict"] == "met"


def test_cli_markdown_and_csv_say_the_same(runner: CliRunner) -> None:
    _, markdown, _ = run(runner, "care-ms-i", "care-ms-ii", "--format", "markdown")
    header = markdown.splitlines()[0]
    assert header == (
        "| status | section | group | field | A: CARE-MS I | B: CARE-MS II | change | note |"
    )
    assert "| ≠ changed | Population |  | Randomized | 581 [2] (" in markdown
    assert "| 581 → 840 (+259) |" in markdown
    _, text, _ = run(runner, "care-ms-i", "care-ms-ii", "--format", "csv", "--changed-only")
    rows = list(csv.DictReader(io.StringIO(text)))
    randomized = next(r for r in rows if r["field"] == "Randomized" and not r["group"])
    assert randomized["change"] == "581 → 840 (+259)"
    assert randomized["B: CARE-MS II"].startswith("840 [24]")
    assert {r["status"] for r in rows} == {"≠ changed", "− only in A", "+ only in B"}


def test_unknown_study_is_an_error(runner: CliRunner) -> None:
    code, out, err = run(runner, "care-ms-i", "care-ms-3")
    assert code == 1
    assert err == "Error: no study 'care-ms-3'. Did you mean 'care-ms-ii'?\n"
    assert out == ""


# --- the renderer ---------------------------------------------------------------------


def test_symbols_carry_meaning_without_colour(care: StudyDiff) -> None:
    console = Console(file=io.StringIO(), width=80, color_system=None, markup=False)
    render_diff(care.changed_only(), console)
    out = console.file.getvalue()  # type: ignore[attr-defined]
    assert "\x1b" not in out
    first = {line[:2] for line in out.splitlines()}
    assert {"≠ ", "− ", "+ "} <= first


def test_changed_words_are_underlined_and_coloured(care: StudyDiff) -> None:
    console = Console(
        file=io.StringIO(), width=120, color_system="standard", force_terminal=True, markup=False
    )
    render_diff(care, console)
    out = console.file.getvalue()  # type: ignore[attr-defined]
    # bold + underline (1;4) carry the change without colour; red for A, green for B
    assert "\x1b[1;4;31mEarly" in out
    assert "\x1b[1;4;32mrelapsed on prior therapy" in out
    assert "\x1b[1;31m✘ not met" in out


def test_hostile_text_prints_literally(runner: CliRunner, write: Write, minimal_text: str) -> None:
    a = write(minimal_text, "a.yaml")
    hostile = minimal_text.replace(
        "description: synthetic participants", 'description: "[red]x[/] \\e[2J \\u202e"'
    )
    b = write(hostile, "b.yaml")
    code, out, _ = run(runner, str(a), str(b))
    assert code == 0
    assert "[red]x[/]" in out
    assert "\x1b[2J" not in out and "\u202e" not in out


def test_identical_with_changed_only_still_says_no_differences(runner: CliRunner) -> None:
    code, out, _ = run(runner, "care-ms-ii", "care-ms-ii", "--changed-only", "--exit-code")
    assert code == 0
    assert out.startswith("No differences: CARE-MS II (A) and CARE-MS II (B) agree on all")
    data = json.loads(run(runner, "care-ms-ii", "care-ms-ii", "--changed-only", "-f", "json")[1])
    assert data["identical"] is True and data["rows"] == []
    assert data["counts"]["same"] > 100 and data["same_rows_hidden"] is True


WORDS = st.lists(st.sampled_from(["RRMS,", "early", "relapsed", "on", "prior", "12", "mg"]))


@given(WORDS, WORDS)
def test_marked_words_rebuild_the_text_and_agree(a_words: list[str], b_words: list[str]) -> None:
    a = Side((Cited(" ".join(a_words) or "x"),))
    b = Side((Cited(" ".join(b_words) or "y"),))
    marked_a, marked_b = mark_words(a, b)
    for side, marked in ((a, marked_a), (b, marked_b)):
        assert "".join(s.text for s in marked.lines[0].words) == side.lines[0].text
    # the words left unmarked are the same words, in the same order, on both sides
    kept_a = [w for s in marked_a.lines[0].words if not s.changed for w in s.text.split()]
    kept_b = [w for s in marked_b.lines[0].words if not s.changed for w in s.text.split()]
    assert kept_a == kept_b
    if a_words and a_words == b_words:
        assert not any(s.changed for s in marked_a.lines[0].words)
