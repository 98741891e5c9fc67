"""Property tests: whatever a file holds, the loader answers with trialcli's own errors."""

from __future__ import annotations

import copy
import io
from pathlib import Path
from typing import Any

import pytest
import yaml
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from rich.cells import cell_len

from trialcli.catalog import Catalog
from trialcli.errors import StudyFileError
from trialcli.loader import PLACEHOLDER, check_study, validate_data
from trialcli.model import Study
from trialcli.ops.audit import audit_study
from trialcli.ops.page import build_page
from trialcli.render.console import make_console
from trialcli.render.study import render_study

FIXTURE = Path(__file__).parent / "fixtures" / "minimal.yaml"
MINIMAL: dict[str, Any] = yaml.safe_load(FIXTURE.read_text(encoding="utf-8"))
QUICK = settings(
    max_examples=600, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture]
)


def load_text(text: str) -> None:
    """Run the loader on `text`; only a StudyFileError or a result may come out."""
    from trialcli.loader import parse_yaml

    try:
        data = parse_yaml(text, "generated.yaml")
    except StudyFileError as error:
        assert error.problems and all(p.file == "generated.yaml" for p in error.problems)
        return
    study, problems = validate_data(data, text, "generated.yaml")
    assert study is not None or problems


@QUICK
@given(st.text(max_size=300))
def test_arbitrary_text_never_escapes_the_loader(text: str) -> None:
    load_text(text)


scalars = st.one_of(
    st.none(),
    st.booleans(),
    st.integers(min_value=-(10**12), max_value=10**12),
    st.floats(allow_nan=False, allow_infinity=False),
    st.text(max_size=20),
)
documents = st.recursive(
    scalars,
    lambda inner: st.one_of(
        st.lists(inner, max_size=4), st.dictionaries(st.text(max_size=8), inner, max_size=4)
    ),
    max_leaves=25,
)


@pytest.mark.slow
@QUICK
@given(documents)
def test_arbitrary_yaml_documents_never_escape_the_loader(document: Any) -> None:
    load_text(yaml.safe_dump(document, allow_unicode=True))


def paths(data: Any, prefix: tuple[Any, ...] = ()) -> list[tuple[Any, ...]]:
    found = [prefix] if prefix else []
    if isinstance(data, dict):
        for key, value in data.items():
            found += paths(value, (*prefix, key))
    elif isinstance(data, list):
        for index, value in enumerate(data):
            found += paths(value, (*prefix, index))
    return found


MINIMAL_PATHS = paths(MINIMAL)


@pytest.mark.slow
@QUICK
@given(st.sampled_from(MINIMAL_PATHS), documents)
def test_any_field_with_any_value_gives_located_problems_or_a_study(
    path: tuple[Any, ...], value: Any
) -> None:
    data = copy.deepcopy(MINIMAL)
    target = data
    for step in path[:-1]:
        target = target[step]
    target[path[-1]] = value
    text = yaml.safe_dump(data, allow_unicode=True, sort_keys=False)
    study, problems = validate_data(yaml.safe_load(text), text, "mutated.yaml")
    if study is None:
        assert problems
    for problem in problems:
        assert problem.line is not None, problem


printable = st.text(
    alphabet=st.characters(blacklist_categories=["Cs"]), min_size=1, max_size=40
).filter(lambda s: s.strip() and not PLACEHOLDER.match(s))  # "<0>" is an unfilled placeholder


@pytest.mark.slow
@settings(max_examples=300, deadline=None)
@given(
    title=printable,
    label=printable,
    value=st.floats(min_value=0, max_value=50, allow_nan=False),
    affected=st.integers(min_value=0, max_value=200),
)
def test_valid_studies_round_trip_and_render_safely(
    title: str, label: str, value: float, affected: int
) -> None:
    data = copy.deepcopy(MINIMAL)
    data["title"] = title
    data["arms"][0]["label"] = label
    data["endpoints"][0]["results"]["drug"] = {"value": value}
    data["safety"][0]["arms"]["drug"]["affected"] = affected
    text = yaml.safe_dump(data, allow_unicode=True, sort_keys=False)
    study, problems = validate_data(yaml.safe_load(text), text, "generated.yaml")
    assert study is not None and not problems

    again = yaml.safe_dump(study.model_dump(mode="json", exclude_none=True), allow_unicode=True)
    assert Study.model_validate(yaml.safe_load(again)) == study

    buffer = io.StringIO()
    render_study(build_page(study, audit_study(study)), make_console(buffer, width=80))
    out = buffer.getvalue()
    assert "\x1b" not in out and "\u202e" not in out
    assert max(cell_len(line) for line in out.splitlines()) <= 80


@settings(max_examples=5, deadline=None)
@given(st.sampled_from(["camms223", "care-ms-i", "care-ms-ii"]))
def test_bundled_studies_round_trip(study_id: str) -> None:
    study = Catalog.discover().load(study_id)
    text = yaml.safe_dump(study.model_dump(mode="json", exclude_none=True), allow_unicode=True)
    assert Study.model_validate(yaml.safe_load(text)) == study


def test_check_study_reads_files(tmp_path: Path) -> None:
    path = tmp_path / "example.yaml"
    path.write_text(FIXTURE.read_text(encoding="utf-8"), encoding="utf-8")
    study, problems = check_study(path)
    assert study is not None and problems == []
