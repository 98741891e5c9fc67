"""One meaning on every surface (issue 20): every fact `show` says, with its qualifiers, in
every format.

The page model (trialcli.ops.page) holds each fact once with what makes it the claim it is:
the group in words, serious or not, population, time frame, how the direction is known, the
test, computed or stated, and the source as the page numbers it. This walks every fact of
the 3 bundled studies and the 17 registry records and checks that json, csv, markdown (the
very tables of `show --full`), html and the terminal each carry each qualifier.
"""

from __future__ import annotations

import csv
import html
import io
import json
import re
from pathlib import Path

import pytest

from trialcli.catalog import Catalog
from trialcli.importers.ctgov import read_record, record_to_study
from trialcli.ops.audit import audit_study
from trialcli.ops.page import QUALIFIERS, Fact, Page, build_page
from trialcli.render import html as html_render
from trialcli.render.document import study_markdown
from trialcli.render.export import FACT_COLUMNS, fact_records, study_json
from trialcli.render.tabular import to_csv

FIXTURES = Path(__file__).parent / "fixtures"
BUNDLED = ("camms223", "care-ms-i", "care-ms-ii")
RECORDS = sorted([*FIXTURES.glob("ctgov/*.json"), *FIXTURES.glob("ctgov-wide/*.json")])
NAMES = [*BUNDLED, *(p.stem for p in RECORDS)]
_PAGES: dict[str, Page] = {}


def page_of(name: str) -> Page:
    if name not in _PAGES:
        if name in BUNDLED:
            study = Catalog.discover([], None).load(name)
        else:
            path = next(p for p in RECORDS if p.stem == name)
            study = record_to_study(read_record(path), "2026-09-25", "file")
        _PAGES[name] = build_page(study, audit_study(study))
    return _PAGES[name]


def test_the_walk_covers_every_kind_of_fact_and_qualifier() -> None:
    assert len(NAMES) == 20
    facts = [f for name in NAMES for f in page_of(name).facts]
    kinds = {f.kind for f in facts}
    assert kinds == {"result", "comparison", "effect", "harm", "harm-difference"}
    assert any(f.serious for f in facts)
    assert {f.direction for f in facts} >= {"stated", "inferred", "unknown"}
    tests = {f.test.split(" ")[0] for f in facts if f.test}
    assert tests == {"superiority", "non-inferiority", "equivalence"}
    assert any(f.time_frame for f in facts) and any(f.population for f in facts)
    assert any(f.computed for f in facts) and any(f.source for f in facts)


def test_the_group_is_said_in_words() -> None:
    facts = page_of("care-ms-ii").facts
    groups = {f.group_ids: f.group for f in facts if f.kind == "harm"}
    assert groups["alem12"] == "Alemtuzumab 12 mg"
    assert groups["alem-pooled"] == "Alemtuzumab 12 + 24 mg pooled"
    assert groups["alem-any"] == "Alemtuzumab, dose not stated"
    serious = [f for f in facts if f.kind == "harm" and f.serious]
    assert {f.subject for f in serious} == {
        "Thyroid disorders",
        "Immune thrombocytopenic purpura",
        "Infections",
    }
    numbers = {f.source for f in facts}
    assert 10 in numbers and None in numbers  # [10]; computed facts have no source


@pytest.mark.parametrize("name", NAMES)
def test_json_carries_every_fact_with_its_qualifiers(name: str) -> None:
    page = page_of(name)
    facts = json.loads(study_json(page))["page"]["facts"]
    assert len(facts) == len(page.facts)
    for fact, record in zip(page.facts, facts, strict=True):
        for key in (*QUALIFIERS, "text", "subject", "kind"):
            assert record[key] == getattr(fact, key), (fact, key)
        assert record["qualifiers"] == fact.qualifier_words


def _csv_value(value: object) -> str:
    if value is None:
        return ""
    if isinstance(value, bool):
        return "true" if value else "false"
    return str(value)


@pytest.mark.parametrize("name", NAMES)
def test_csv_carries_every_fact_with_its_qualifiers(name: str) -> None:
    page = page_of(name)
    rows = list(csv.DictReader(io.StringIO(to_csv(fact_records(page), FACT_COLUMNS))))
    assert len(rows) == len(page.facts)
    for fact, row in zip(page.facts, rows, strict=True):
        for key in (*QUALIFIERS, "text", "subject"):
            if key in {"text", "subject", "group", "population", "time_frame"}:
                continue  # text the csv writer may neutralise (a leading = or +)
            assert row[key] == _csv_value(getattr(fact, key)), (fact, key)
        assert fact.text.lstrip("=+-@") in row["text"]
        assert fact.group.lstrip("=+-@") in row["group"]


def _unescaped(markdown: str) -> str:
    return re.sub(r"\\([\\`*_\[\]<>|#+\-=])", r"\1", markdown)


def _section_rows(document: str, title: str) -> list[str]:
    """The body rows of the first table under `## title`."""
    part = document.split(f"\n## {title}\n", 1)[1].split("\n## ", 1)[0]
    rows = [line for line in part.splitlines() if line.startswith("| ")]
    return [_unescaped(" ".join(row.split())) for row in rows[1:]]


def _carried(fact: Fact, shown: str, several: bool, serious: str = "(serious)") -> list[str]:
    """The qualifiers of `fact` that `shown` (one row of a table, flattened) lacks."""
    flat = " ".join(shown.split())
    wanted = [" ".join(fact.text.split())]
    if fact.source is not None:
        wanted.append(f"[{fact.source}]")
    if several or fact.kind == "result":
        wanted.append(fact.group)
    if fact.test and fact.test != "superiority":
        wanted.append(fact.test)
    if fact.direction in {"inferred", "unknown"} and fact.kind == "comparison":
        wanted.append(f"direction {fact.direction}")
    if fact.time_frame:
        wanted.append(" ".join(fact.time_frame.split()))
    if fact.serious:
        wanted.append(serious)
    if fact.fatal:
        wanted.append(f"{fact.fatal} fatal")
    if fact.computed:
        wanted.append("computed")
    return [w for w in wanted if w not in flat]


@pytest.mark.parametrize("name", NAMES)
def test_markdown_rows_carry_every_qualifier(name: str) -> None:
    """The markdown is built from the tables `show --full` prints: each endpoint's row and
    each finding's row carry each of their facts with its qualifiers."""
    page = page_of(name)
    study = page.study
    document = study_markdown(page)
    several = len(study.arms) + len(study.pooled_arms) > 2
    if study.endpoints:
        rows = _section_rows(document, "Endpoints")
        assert len(rows) == len(study.endpoints)
        for endpoint, row in zip(study.endpoints, rows, strict=True):
            for fact in page.endpoint_facts(endpoint.id):
                assert not _carried(fact, row, several), (fact, _carried(fact, row, several))
    if study.safety:
        rows = _section_rows(document, "Safety")
        assert len(rows) == len(page.harms)
        for harm, row in zip(page.harms, rows, strict=True):
            for fact in (*harm.figures, *harm.differences):
                missing = _carried(fact, row, True)
                assert not missing, (fact, missing)


def _without_figures(monkeypatch: pytest.MonkeyPatch) -> None:
    """Figures are drawings of the same facts; the walk reads the text."""
    monkeypatch.setattr(html_render, "_figures", lambda page: [])


@pytest.mark.parametrize("name", NAMES)
def test_html_carries_every_fact_with_its_qualifiers(
    name: str, monkeypatch: pytest.MonkeyPatch
) -> None:
    _without_figures(monkeypatch)
    page = page_of(name)
    document = html_render.study_html(page)
    text = html.unescape(re.sub(r"\s+", " ", re.sub(r"<[^>]+>", " ", document)))
    flat = " ".join(text.split())
    for harm in page.harms:
        # The finding's rows, from its spanning cell to the next one.
        head = '<th scope="rowgroup"'
        start = document.index(head, document.index("<h2>Harms</h2>"))
        groups = document[start:].split(head)[1:]
        rows = groups[harm.index]
        assert ("<strong>serious</strong>" in rows.split("</th>", 1)[0]) is harm.serious
        shown = html.unescape(re.sub(r"<[^>]+>", " ", rows))
        for fact in (*harm.figures, *harm.differences):
            missing = _carried(fact, shown, True, serious="serious")
            assert not missing, (fact, missing)
    for fact in page.facts:
        if fact.kind in {"harm", "harm-difference"}:
            continue
        assert " ".join(fact.text.split()) in flat, fact
        assert fact.group in flat
        if fact.source is not None:
            assert f'<a href="#source-{fact.source}">[{fact.source}]</a>' in document
        if fact.test and fact.test != "superiority":
            assert fact.test in flat
        if fact.time_frame:
            assert " ".join(fact.time_frame.split()) in flat


@pytest.mark.parametrize("name", BUNDLED)
def test_the_terminal_page_carries_every_fact(
    name: str, runner: object, monkeypatch: pytest.MonkeyPatch
) -> None:
    from typer.testing import CliRunner

    from trialcli.cli import app

    monkeypatch.setenv("COLUMNS", "1000")  # one line per cell line
    result = CliRunner().invoke(app, ["show", name, "--full"])
    assert result.exit_code == 0
    flat = " ".join(result.stdout.split())
    for fact in page_of(name).facts:
        assert " ".join(fact.text.split()) in flat, fact
        assert fact.group in flat, fact
        if fact.source is not None:
            assert f"[{fact.source}]" in flat
        if fact.time_frame:
            assert fact.time_frame in flat


# --- the plain words count measures, not rows ---------------------------------------------


def test_plain_words_count_measures_not_result_rows() -> None:
    page = page_of("NCT03031496")  # 2 primary measures, imported as 6 result rows
    assert page.primaries.total == 2 and page.primaries.rows == 6
    assert "its 2 primary endpoints (6 result rows)" in page.summary_brief
    assert "6 primary endpoints" not in page.summary
    data = json.loads(study_json(page))
    assert data["computed"]["primary_measures"] == 2
    assert data["computed"]["plain_summary"] == page.summary
    # a curated study: one endpoint, one measure
    assert "It met 2 of its 2 primary endpoints." in page_of("care-ms-ii").summary_brief


# --- NNT only for proportions of people ----------------------------------------------------


@pytest.mark.parametrize(
    ("name", "title"),
    [
        ("NCT00323037", "Change From Baseline in Left Ventricular Ejection Fraction"),
        ("NCT00382863", "Change in Ejection Fraction"),
        ("NCT03429543", "Change in HbA1c (%)"),
    ],
)
def test_a_mean_of_percentages_is_continuous_and_has_no_nnt(name: str, title: str) -> None:
    page = page_of(name)
    endpoints = [e for e in page.study.endpoints if e.name.startswith(title)]
    assert endpoints
    assert all(e.kind == "continuous" for e in endpoints)
    ids = {e.id for e in endpoints}
    assert not [f for f in page.facts if f.kind == "effect" and f.subject_id in ids]
    # a percentage of participants keeps its NNT
    assert any("NNT" in f.text for f in page_of("NCT02552212").facts if f.kind == "effect")
