"""The forest plot a journal would print: the terminal and the figure say the same things."""

from __future__ import annotations

import io

import pytest
from matplotlib.text import Text as FigureText
from rich.console import Console

from trialcli.catalog import Catalog
from trialcli.figures.forest import forest_figure
from trialcli.model import Study
from trialcli.ops.compare import compare_studies
from trialcli.ops.pool import PoolOptions, pool_rows
from trialcli.render.forest import render_forest
from trialcli.render.forest_text import favours

ARR = "annualized-relapse-rate"


def _inferred(study: Study, endpoint_id: str) -> Study:
    endpoints = []
    for endpoint in study.endpoints:
        if endpoint.id == endpoint_id:
            first = endpoint.comparisons[0].model_copy(update={"direction": "inferred"})
            endpoint = endpoint.model_copy(update={"comparisons": [first]})
        endpoints.append(endpoint)
    return study.model_copy(update={"endpoints": endpoints})


@pytest.fixture(scope="module")
def studies() -> list[Study]:
    catalog = Catalog.discover()
    camms, care1, care2 = (catalog.load(ref) for ref in ("camms223", "care-ms-i", "care-ms-ii"))
    return [camms, care1, _inferred(care2, "arr")]


def _terminal(studies: list[Study]) -> str:
    plot = compare_studies(studies, ARR)
    pooled = pool_rows(plot.rows, studies, ARR, PoolOptions())
    console = Console(file=io.StringIO(), width=80, no_color=True)
    render_forest(plot, console, pooled)
    output = console.file.getvalue()  # type: ignore[attr-defined]
    return " ".join(str(output).split())


def _figure(studies: list[Study]) -> str:
    plot = compare_studies(studies, ARR)
    figure = forest_figure(plot, pool_rows(plot.rows, studies, ARR, PoolOptions()))
    figure.canvas.draw()
    shown = [t.get_text() for t in figure.findobj(FigureText)]
    return " ".join(" ".join(shown).split())


WORDS = (
    "Annualized relapse rate (follow-up: 2 years, 36 months)",  # the name, not the code
    "order inferred",
    "weight 36%",
    "weight 64%",
    "Favours experimental",
    "Favours comparator",
    "0.49 (0.40–0.60)",
    "I² 0% (REML τ²)",
    "376 vs 187",
    "36 months",
)


@pytest.mark.parametrize("words", WORDS)
def test_terminal_and_figure_say_the_same(studies: list[Study], words: str) -> None:
    assert words in _terminal(studies)
    assert words in _figure(studies)


def test_the_figure_carries_the_heterogeneity_line_and_the_overall_test(
    studies: list[Study],
) -> None:
    shown = _figure(studies)
    assert "Heterogeneity: Q = 0.33 (df 1), p = 0.563" in shown
    assert "Test for overall effect: z = −6.91, p<0.0001" in shown


def test_favours_only_where_the_endpoint_says_which_way_is_better(studies: list[Study]) -> None:
    [panel, _] = compare_studies(studies, ARR).panels
    assert favours(panel) == ("Favours experimental", "Favours comparator")
    neutral = [
        s.model_copy(
            update={"endpoints": [e.model_copy(update={"better": None}) for e in s.endpoints]}
        )
        for s in studies
    ]
    [panel, _] = compare_studies(neutral, ARR).panels
    assert favours(panel) is None
    assert "Favours" not in _terminal(neutral)
    assert "lower with experimental" in _figure(neutral)


def test_events_over_n_per_arm_where_the_endpoint_counts_them() -> None:
    from trialcli.ops.compare import ForestRow
    from trialcli.render.forest_text import n_text

    row = ForestRow(
        "s", "S", "Patients with a relapse", "a vs b", None, 426, 202, "risk-ratio", None,
        0.67, (0.56, 0.81), 95, None, False, None, None, counts=((147, 426), (104, 202)),
    )  # fmt: skip
    assert n_text(row) == "147/426 vs 104/202"


@pytest.mark.parametrize(
    ("width", "line"),
    [
        (80, "◀ Favours experimental │ Favours comparator ▶"),
        (60, "◀ Favours exp. │ Favours comp. ▶"),
    ],
)
def test_the_favours_labels_fit_on_one_line_split_at_no_effect(
    studies: list[Study], width: int, line: str
) -> None:
    plot = compare_studies(studies, ARR)
    console = Console(file=io.StringIO(), width=width, no_color=True)
    render_forest(plot, console, pool_rows(plot.rows, studies, ARR, PoolOptions()))
    lines = console.file.getvalue().splitlines()  # type: ignore[attr-defined]
    assert all(len(text) <= width for text in lines)
    found = [text for text in lines if "Favours" in text]
    assert found and all(text.strip() == line for text in found)
    # The │ between the labels stands under the axis's tick at no effect (1).
    for index, text in enumerate(lines):
        if "Favours" in text:
            rule = lines[index - 2]
            assert rule[text.index("│")] == "┴"
            assert lines[index - 1][text.index("│")] == "1"
