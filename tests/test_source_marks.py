"""`[n]` source marks have one spelling (formatting.source_mark) and one numbering (the
study's `sources`, from 1): show, ae, compare, flow and the HTML page number one source the
same way, after the same figure, and list it under that number."""

from __future__ import annotations

import csv
import io
import re
from pathlib import Path

import pytest
from typer.testing import CliRunner

from trialcli.catalog import Catalog
from trialcli.cli import app
from trialcli.formatting import SOURCE_MARKS, cited_mark, source_mark
from trialcli.model import Study

# CARE-MS II's figures, each with the record that cites its source.
RATE_RATIO = "rate ratio 0.51 (0.39–0.65), p<0.0001"  # Coles 2012 via Fernández 2014, Table 3
TOPLINE = "relative reduction 49%, p<0.0001"  # the sponsor's topline announcement
THYROID = "100/596 (17%)"  # thyroid disorders, alemtuzumab pooled (Fernández 2014, Table 4)


@pytest.fixture(scope="module")
def study() -> Study:
    return Catalog.discover([], None).load("care-ms-ii")


def source_of(study: Study, figure: str) -> str:
    """The source id the study file gives for one figure (found by its words)."""
    [endpoint] = [e for e in study.endpoints if e.id == "arr"]
    for comparison in endpoint.comparisons:
        if figure == RATE_RATIO and comparison.measure == "rate-ratio":
            found = study.cited_source(comparison, endpoint)
        elif figure == TOPLINE and comparison.measure == "relative-reduction":
            if comparison.p_value != "<0.0001":
                continue
            found = study.cited_source(comparison, endpoint)
        else:
            continue
        assert found is not None
        return found
    [(arm, finding)] = [
        (a, f)
        for f in study.safety
        if f.term == "Thyroid disorders" and not f.serious
        for a in f.arms.values()
        if (a.affected, a.at_risk) == (100, 596)
    ]
    found = study.cited_source(arm, finding)
    assert found is not None
    return found


def mark(study: Study, figure: str) -> str:
    number = study.source_number(source_of(study, figure))
    assert number is not None
    return source_mark(number)


def run(runner: CliRunner, monkeypatch: pytest.MonkeyPatch, *args: str) -> str:
    monkeypatch.setenv("COLUMNS", "200")  # a figure and its mark on one line
    result = runner.invoke(app, ["--no-cache", *args])
    assert result.exit_code == 0, result.output
    return result.stdout


def listed(text: str, number_mark: str) -> str:
    """The citation a plain-text source list gives under `[n]`."""
    [line] = [line for line in text.splitlines() if line.lstrip().startswith(number_mark + " ")]
    return line.lstrip()[len(number_mark) :].strip()


def test_the_mark_is_the_sources_place_in_the_file(study: Study) -> None:
    numbers = {s.id: n for n, s in enumerate(study.sources, start=1)}
    assert {figure: mark(study, figure) for figure in (RATE_RATIO, TOPLINE, THYROID)} == {
        RATE_RATIO: f"[{numbers[source_of(study, RATE_RATIO)]}]",
        TOPLINE: f"[{numbers[source_of(study, TOPLINE)]}]",
        THYROID: f"[{numbers[source_of(study, THYROID)]}]",
    }
    assert mark(study, RATE_RATIO) == "[9]" and mark(study, THYROID) == "[10]"  # as the README
    assert source_mark(None) == "[?]"  # a source id the study does not list
    assert cited_mark(study, None) == ""  # a figure without a source has no mark
    assert SOURCE_MARKS.findall("0.51 [9]; 17% [12], [0] and [?]") == ["9", "12"]


def test_show_ae_and_compare_mark_the_same_figure_with_the_same_number(
    runner: CliRunner, monkeypatch: pytest.MonkeyPatch, study: Study
) -> None:
    show = run(runner, monkeypatch, "show", "care-ms-ii", "--full")
    ae = run(runner, monkeypatch, "ae", "care-ms-ii")
    compare = run(runner, monkeypatch, "compare", "care-ms-ii", "-e", "annualized-relapse-rate")
    for surface, text, figures in [
        ("show", show, (RATE_RATIO, TOPLINE, THYROID)),
        ("ae", ae, (THYROID,)),
        ("compare", compare, (TOPLINE,)),
    ]:
        for figure in figures:
            after = re.findall(re.escape(figure) + r" (\[[0-9?]+\])", text)
            assert after and set(after) == {mark(study, figure)}, (surface, figure, after)
    # Each surface's list of sources gives that number the same citation, as the file does.
    thyroid = study.source(source_of(study, THYROID))
    assert thyroid is not None
    assert listed(show, mark(study, THYROID)).startswith(thyroid.citation)
    assert listed(ae, mark(study, THYROID)).startswith(thyroid.citation)


def test_show_csv_and_the_html_page_number_sources_as_the_terminal_does(
    runner: CliRunner, monkeypatch: pytest.MonkeyPatch, study: Study
) -> None:
    rows = list(
        csv.DictReader(io.StringIO(run(runner, monkeypatch, "show", "care-ms-ii", "-f", "csv")))
    )
    for figure in (RATE_RATIO, TOPLINE, THYROID):
        [row] = [r for r in rows if r["text"] == figure]
        assert (f"[{row['source']}]", row["source_id"]) == (
            mark(study, figure),
            source_of(study, figure),
        )
    page = run(runner, monkeypatch, "show", "care-ms-ii", "-f", "html")
    for figure in (RATE_RATIO, TOPLINE, THYROID):
        number = mark(study, figure).strip("[]")
        linked = f'{figure.replace("<", "&lt;")} <a href="#source-{number}">[{number}]</a>'
        assert linked in page, figure
        source = study.source(source_of(study, figure))
        assert source is not None
        assert f'<li id="source-{number}" value="{number}">{source.citation}' in page


def test_flow_lists_its_sources_under_their_own_numbers_in_markdown(
    runner: CliRunner, monkeypatch: pytest.MonkeyPatch
) -> None:
    # An ordered list ("9. …") is renumbered from 1 by every Markdown renderer: [9] read as 1.
    document = run(runner, monkeypatch, "flow", "care-ms-ii", "-f", "markdown")
    sources = document.partition("## Sources\n")[2]
    assert re.search(r"^\d+\. ", sources, re.MULTILINE) is None
    numbers = re.findall(r"^- \\\[(\d+)\\\] ", sources, re.MULTILINE)
    assert numbers and numbers == sorted(numbers, key=int)
    cited = set(re.findall(r"\\\[(\d+)\\\]", document.partition("## Sources\n")[0]))
    assert cited == set(numbers)  # every mark in the diagram is listed, under its number
    assert not re.search(r"(?<!\\)\[\d+\]", document)  # every mark escaped alike


# The `[…]` spelt by hand that are not a source's number: an optional argument in usage
# (`[STUDY]`), a path index (`arms[2]`), a source's id as the file writes it (`53% [p1]`), a
# source id the study does not list, a note's letter — and source_mark itself.
NOT_SOURCE_NUMBERS = (
    "{self.display_name_raw}",
    "{item}",
    '{source}]" if source',
    "{clean(position.source)}",
    "{notes(entry)}",
    "{letter}",
    "{'?' if number is None else number}",
)


def test_every_mark_in_the_package_is_spelled_by_source_mark() -> None:
    # A new `f" [{n}]"` beside a figure would be a second spelling of the mark.
    package = Path(__file__).resolve().parent.parent / "trialcli"
    spelled = re.compile(r"""f["'] ?\[\{""")
    found = sorted(
        f"{path.relative_to(package)}:{n}: {line.strip()}"
        for path in package.rglob("*.py")
        for n, line in enumerate(path.read_text(encoding="utf-8").splitlines(), start=1)
        if spelled.search(line)
        and "% CI]" not in line
        and not any(allowed in line for allowed in NOT_SOURCE_NUMBERS)
    )
    assert found == []
