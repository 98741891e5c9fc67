"""The loader against each kind of bad input: the message, the line, never a traceback."""

from __future__ import annotations

from collections.abc import Callable
from pathlib import Path

import pytest

from trialcli.errors import Problem, StudyFileError
from trialcli.loader import check_study, load_study

Write = Callable[..., Path]


def problems_of(path: Path) -> list[Problem]:
    try:
        study, problems = check_study(path)
    except StudyFileError as error:
        return error.problems
    assert study is None or problems, "expected the file to be refused"
    return problems


def only_problem(path: Path) -> Problem:
    found = problems_of(path)
    assert len(found) == 1, found
    return found[0]


def test_minimal_fixture_loads(write: Write, minimal_text: str) -> None:
    study = load_study(write(minimal_text))
    assert study.id == "example"
    assert study.population.randomized is not None
    assert study.population.randomized.value == 300
    assert study.endpoints[0].comparisons[0].p_value == "<0.001"


def test_syntax_error_gives_its_line(write: Write) -> None:
    problem = only_problem(write("id: x\ntitle: 'unclosed\nacronym: X\n"))
    assert problem.line == 4
    assert "unexpected end of stream" in problem.message or "quoted scalar" in problem.message


def test_bad_indentation_gives_its_line(write: Write) -> None:
    problem = only_problem(write("id: x\nacronym: X\n  title: bad\n"))
    assert problem.line == 3
    assert "mapping values are not allowed" in problem.message


def test_tab_indentation_is_explained(write: Write, minimal_text: str) -> None:
    text = minimal_text.replace("  condition:", "\tcondition:")
    problem = only_problem(write(text))
    assert problem.line == 9
    assert "indent with spaces, not tabs" in problem.message


@pytest.mark.parametrize(
    ("text", "line", "key"),
    [
        ("id: a\nid: b\n", 2, "id"),
        ("population:\n  condition: a\n  condition: b\n", 3, "condition"),
        ("arms:\n  - id: a\n    label: x\n    label: y\n", 4, "label"),
    ],
)
def test_duplicate_keys_are_refused_at_every_level(
    write: Write, text: str, line: int, key: str
) -> None:
    problem = only_problem(write(text))
    assert problem.message == f"duplicate key '{key}'"
    assert problem.line == line


def test_python_tags_are_refused_and_never_run(write: Write, tmp_path: Path) -> None:
    marker = tmp_path / "ran"
    text = f"id: !!python/object/apply:os.system\n  - 'touch {marker}'\n"
    problem = only_problem(write(text))
    assert problem.line == 1
    assert "could not determine a constructor" in problem.message
    assert "python/object/apply:os.system" in problem.message
    assert not marker.exists()


def test_aliases_are_refused(write: Write) -> None:
    text = "a: &x [1, 2]\nb: *x\n"
    problem = only_problem(write(text))
    assert problem.message == "anchors and aliases (&name, *name) are not allowed"
    assert problem.line == 1


def test_empty_file(write: Write) -> None:
    problem = only_problem(write(""))
    assert problem.message == "file is empty; expected a study (a mapping of fields)"


def test_only_comments_counts_as_empty(write: Write) -> None:
    problem = only_problem(write("# nothing here\n"))
    assert "file is empty" in problem.message


def test_list_instead_of_mapping(write: Write) -> None:
    problem = only_problem(write("- id: x\n- id: y\n"))
    assert (
        problem.message == "expected a study (a mapping of fields) at the top level, found a list"
    )
    assert problem.line == 1


def test_wrong_types_are_all_reported_with_lines(write: Write, minimal_text: str) -> None:
    text = minimal_text.replace("randomized: 300", "randomized: lots").replace(
        "value: 0.2,", "value: low,"
    )
    found = problems_of(write(text))
    fields = {p.field: p for p in found}
    assert set(fields) == {"population.randomized", "endpoints[0].results.drug.value"}
    assert fields["population.randomized"].line == 11
    assert "expected a number of people" in fields["population.randomized"].message
    assert fields["endpoints[0].results.drug.value"].line == 33
    assert fields["endpoints[0].results.drug.value"].message == 'write a number, e.g. 45, got "low"'


def test_unknown_arm_id_is_located(write: Write, minimal_text: str) -> None:
    text = minimal_text.replace("arms: [drug, control]", "arms: [drug, placebo]")
    problem = only_problem(write(text))
    assert problem.field == "endpoints[0].comparisons[0].arms[1]"
    assert problem.message.startswith("no arm or pooled group with id 'placebo'")
    assert problem.line == 40


def test_unknown_result_key_is_located(write: Write, minimal_text: str) -> None:
    text = minimal_text.replace("control: {value: 0.4", "contrl: {value: 0.4")
    problem = only_problem(write(text))
    assert problem.field == "endpoints[0].results.contrl"
    assert problem.line == 34


def test_unknown_source_is_refused(write: Write, minimal_text: str) -> None:
    text = minimal_text.replace("default_source: s1", "default_source: s9")
    problem = only_problem(write(text))
    assert problem.message == "no source with id 's9'"
    assert problem.line == 7


@pytest.mark.parametrize(
    ("old", "new", "field", "words"),
    [
        (
            "      drug: {affected: 50, at_risk: 200}",
            "      drug: {affected: 50, pct: 140}",
            "safety[0].arms.drug.pct",
            "write a number at most 100, got 140",
        ),
        (
            "estimate: 0.5",
            "estimate: 0.9",
            "endpoints[0].comparisons[0].estimate",
            "0.9 lies outside its confidence interval 0.36 to 0.69",
        ),
        (
            "ci: [0.36, 0.69]",
            "ci: [0.69, 0.36]",
            "endpoints[0].comparisons[0].ci",
            "confidence interval is reversed",
        ),
        (
            "{affected: 10, at_risk: 100}",
            "{affected: 120, at_risk: 100}",
            "safety[0].arms.control.affected",
            "120 affected is more than the 100 at risk",
        ),
        (
            "    randomized: 200",
            "    randomized: 250",
            "population.randomized",
            "add up to 350, more than the 300 randomized",
        ),
        (
            'p_value: "<0.001"',
            'p_value: "small"',
            "endpoints[0].comparisons[0].p_value",
            'write a p-value as printed, e.g. "<0.0001", "0.22" or "NS", got "small"',
        ),
    ],
)
def test_out_of_range_numbers(
    write: Write, minimal_text: str, old: str, new: str, field: str, words: str
) -> None:
    assert old in minimal_text
    problem = only_problem(write(minimal_text.replace(old, new)))
    assert problem.field == field
    assert words in problem.message
    assert problem.line is not None


def test_unknown_field_suggests_the_right_one(write: Write, minimal_text: str) -> None:
    text = minimal_text.replace("    kind: rate\n", "    kind: rate\n    time_fram: 2 years\n")
    problem = only_problem(write(text))
    assert problem.message == "unknown field 'time_fram'; did you mean 'time_frame'?"
    assert problem.line == 32
    assert problem.column == 5


def test_missing_required_field_points_at_its_parent(write: Write, minimal_text: str) -> None:
    text = minimal_text.replace("    label: Control\n", "")
    problem = only_problem(write(text))
    assert problem.message == "required field 'label' is missing"
    assert problem.field == "arms[1]"
    assert problem.line == 20


def test_id_must_be_a_slug(write: Write, minimal_text: str) -> None:
    problem = only_problem(write(minimal_text.replace("id: example", "id: Bad Id!")))
    assert problem.message.startswith("write a slug")
    assert problem.line == 2


def test_dates_stay_text_and_are_checked(write: Write, minimal_text: str) -> None:
    study = load_study(write(minimal_text))
    assert study.sources[0].date == "2020-01-02"
    problem = only_problem(write(minimal_text.replace('"2020-01-02"', "Jan 2020")))
    assert 'write a date as "YYYY", "YYYY-MM" or "YYYY-MM-DD"' in problem.message


def test_invalid_utf8_is_located(write: Write, tmp_path: Path) -> None:
    path = tmp_path / "bad.yaml"
    path.write_bytes(b"id: x\ntitle: caf\xe9\n")
    problem = only_problem(path)
    assert problem.message == "is not valid UTF-8 text"
    assert (problem.line, problem.column) == (2, 11)


def test_size_limit_is_explained(
    write: Write, minimal_text: str, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("TRIALCLI_MAX_FILE_BYTES", "100")
    problem = only_problem(write(minimal_text))
    assert "over the 100-byte limit" in problem.message
    assert "TRIALCLI_MAX_FILE_BYTES" in problem.message


def test_missing_file_and_folder(tmp_path: Path) -> None:
    assert only_problem(tmp_path / "nope.yaml").message == "no such file"
    assert only_problem(tmp_path).message == "is a folder, not a study file"


def test_all_problems_in_a_file_are_reported(write: Write, minimal_text: str) -> None:
    text = (
        minimal_text.replace("phase: 3", "phase: 7")
        .replace("status: completed", "status: done")
        .replace("role: experimental", "role: hero")
    )
    found = problems_of(write(text))
    assert [p.field for p in found] == ["phase", "status", "arms[0].role"]
    assert [p.line for p in found] == [5, 6, 15]


def test_written_numbers_survive_copying(write: Write, minimal_text: str) -> None:
    import copy
    import pickle

    study = load_study(write(minimal_text.replace("ci: [0.15, 0.27]", "ci: [0.15, 0.20]")))
    upper = study.endpoints[0].results["drug"].ci
    assert upper is not None
    for copied in (copy.deepcopy(upper[1]), pickle.loads(pickle.dumps(upper[1]))):
        assert copied == 0.2
        assert copied.places == 2  # type: ignore[attr-defined]
