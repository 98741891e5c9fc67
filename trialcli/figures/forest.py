"""`compare --export`: the forest plot as a figure, one panel per measure.

A square per study at its estimate, sized by its weight in the pooled estimate (hollow when
trialcli computed the ratio from a relative reduction), a line for its confidence interval,
the pooled estimate of `--pool` as a diamond with its prediction interval as a dotted line,
a dashed line at no effect. Ratios on a log axis. Every word comes from
trialcli.render.forest_text, as in the terminal: the endpoint's name and follow-ups as the
title, each study's groups, follow-up and events/N, the notes ("order inferred", the
conversion, the p value, the weight), the heterogeneity line, the test for the overall
effect and, when the endpoint records which way is better, "Favours" labels.
"""

from __future__ import annotations

from matplotlib.figure import Figure
from matplotlib.ticker import FixedLocator, NullLocator

from trialcli.figures import BLACK, BLUE, short
from trialcli.formatting import number
from trialcli.ops.compare import ForestPlot, Panel
from trialcli.ops.pool import PooledPanel, PoolResult, follow_up
from trialcli.render.forest_text import (
    favours,
    heterogeneity_text,
    i2_short,
    n_text,
    overall_text,
    panel_title,
    pooled_text,
    prediction_text,
    row_notes,
)

ROW_INCHES = 0.46
SUMMARY_INCHES = 0.5


def _sides(panel: Panel) -> str:
    labelled = favours(panel)
    if labelled is not None:
        return f"◀ {labelled[0]}          {labelled[1]} ▶"
    first = "experimental" if all(r.experimental_first for r in panel.rows) else "first group"
    return f"◀ lower with {first}          higher with {first} ▶"


def _pooled_in(pooled: PoolResult | None, panel: Panel) -> list[PooledPanel]:
    if pooled is None:
        return []
    return [p for p in pooled.panels if (p.measure, p.unit) == (panel.measure, panel.unit)]


def forest_figure(plot: ForestPlot, pooled: PoolResult | None = None) -> Figure:
    from trialcli.render.forest_text import plot_title

    groups = [_pooled_in(pooled, panel) for panel in plot.panels]
    heights = [
        len(p.rows) + len(g) + 1.8 + SUMMARY_INCHES / ROW_INCHES * 2 * len(g)
        for p, g in zip(plot.panels, groups, strict=True)
    ]
    figure = Figure(figsize=(10.0, 1.0 + ROW_INCHES * sum(heights)), layout="constrained")
    figure.suptitle(short(plot_title(plot.rows, plot.code), 110), fontsize=10, fontweight="bold")
    axes = figure.subplots(len(plot.panels), 1, squeeze=False, height_ratios=heights)
    for panel, group, (ax,) in zip(plot.panels, groups, axes, strict=True):
        _draw_panel(ax, panel, group)
    return figure


def _draw_panel(ax: object, panel: Panel, pooled: list[PooledPanel]) -> None:
    from matplotlib.axes import Axes
    from matplotlib.patches import Polygon

    assert isinstance(ax, Axes)
    rows = list(panel.rows)
    weights = {
        id(row): weight
        for one in pooled
        for row, weight in zip(one.rows, one.statistics.weights, strict=True)
    }
    count = len(rows) + len(pooled)
    labels: list[str] = []
    texts: list[str] = []
    for k, row in enumerate(rows):
        y = count - k
        if row.ci is not None:
            ax.plot(row.ci, (y, y), color=BLACK, linewidth=1.2, solid_capstyle="butt")
        hollow = row.converted_from is not None
        weight = weights.get(id(row))
        size = 5 + 9 * (weight / 100) ** 0.5 if weight is not None else 7
        ax.plot(
            [row.estimate], [y], marker="s", markersize=size, color=BLUE,
            markerfacecolor="white" if hollow else BLUE, markeredgewidth=1.4, linestyle="none",
        )  # fmt: skip
        labels.append(
            f"{short(row.acronym, 24)}  {n_text(row)}\n"
            f"{short(row.groups, 64)}\n{short(follow_up(row), 64)}"
        )
        notes = row_notes(row, weight)
        texts.append(row.text + ("\n" + "; ".join(notes) if notes else ""))
    summaries: list[str] = []
    for index, one in enumerate(pooled):
        y = count - len(rows) - index
        if one.prediction is not None:
            ax.plot(one.prediction, (y, y), color=BLACK, linewidth=1.0, linestyle=":")
        low, high = one.ci
        diamond = [(low, y), (one.estimate, y + 0.3), (high, y), (one.estimate, y - 0.3)]
        ax.add_patch(Polygon(diamond, closed=True, facecolor=BLACK, edgecolor=BLACK))
        labels.append(f"Pooled, {one.statistics.k} studies\n{short(one.method_name, 56)}")
        texts.append(f"{pooled_text(one)}\n{i2_short(one)}")
        summaries += [
            f"Heterogeneity: {heterogeneity_text(one)}",
            f"Test for overall effect: {overall_text(one)}",
            prediction_text(one)[0].upper() + prediction_text(one)[1:],
        ]
    ax.axvline(panel.no_effect, color=BLACK, linestyle="--", linewidth=0.8)
    positions = [count - k for k in range(count)]
    ax.set_yticks(positions, labels, fontsize=7)
    ax.set_ylim(0.4, count + 0.6)
    if panel.scale == "log":
        ax.set_xscale("log")
    ax.set_xlim(panel.low, panel.high)
    ax.xaxis.set_major_locator(FixedLocator(list(panel.ticks)))
    ax.xaxis.set_minor_locator(NullLocator())
    ax.set_xticklabels([number(t) for t in panel.ticks])
    wrapped = [_wrap(line, 120) for line in summaries]
    ax.set_xlabel("\n".join([panel_title(panel), _sides(panel), *wrapped]), fontsize=7)
    right = ax.twinx()
    right.set_ylim(ax.get_ylim())
    right.set_yticks(positions, texts, fontsize=7)
    right.tick_params(right=False)
    right.spines["right"].set_visible(False)
    right.spines["top"].set_visible(False)


def _wrap(line: str, width: int) -> str:
    import textwrap

    return "\n".join(textwrap.wrap(line, width))
