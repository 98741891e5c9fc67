"""`compare --export`: the forest plot as a figure, one panel per measure.

A square per study at its estimate (hollow when trialcli computed the ratio from a relative
reduction), a line for its confidence interval, the pooled estimate of `--pool` as a
diamond, a dashed line at no effect. Ratios on a log axis. The axis says the measure, which
group is divided by (or subtracted from) which, and which side means lower on the first
group; it does not say "favours", because a study file does not record whether an
outcome is one to avoid or to reach.
"""

from __future__ import annotations

from matplotlib.figure import Figure
from matplotlib.ticker import FixedLocator, NullLocator

from trialcli.figures import BLACK, BLUE, short
from trialcli.formatting import number
from trialcli.ops.compare import ForestPlot, Panel
from trialcli.ops.pool import PooledPanel, PoolResult
from trialcli.render.forest import panel_title, pooled_text

ROW_INCHES = 0.34


def _sides(panel: Panel) -> str:
    first = "experimental" if all(r.experimental_first for r in panel.rows) else "first group"
    return f"◀ lower with {first}          higher with {first} ▶"


def forest_figure(plot: ForestPlot, pooled: PoolResult | None = None) -> Figure:
    pooled_by_measure = {p.measure: p for p in pooled.panels} if pooled else {}
    heights = [
        len(p.rows) + (1 if p.measure in pooled_by_measure else 0) + 1.6 for p in plot.panels
    ]
    figure = Figure(figsize=(8.0, 0.9 + ROW_INCHES * sum(heights)), layout="constrained")
    figure.suptitle(f"Endpoint: {short(plot.code, 90)}", fontsize=10, fontweight="bold")
    axes = figure.subplots(len(plot.panels), 1, squeeze=False, height_ratios=heights)
    for panel, (ax,) in zip(plot.panels, axes, strict=True):
        _draw_panel(ax, panel, pooled_by_measure.get(panel.measure))
    return figure


def _draw_panel(ax: object, panel: Panel, pooled: PooledPanel | None) -> None:
    from matplotlib.axes import Axes
    from matplotlib.patches import Polygon

    assert isinstance(ax, Axes)
    rows = list(panel.rows)
    count = len(rows) + (1 if pooled else 0)
    labels: list[str] = []
    texts: list[str] = []
    for k, row in enumerate(rows):
        y = count - k
        if row.ci is not None:
            ax.plot(row.ci, (y, y), color=BLACK, linewidth=1.2, solid_capstyle="butt")
        hollow = row.converted_from is not None
        ax.plot(
            [row.estimate], [y], marker="s", markersize=7, color=BLUE,
            markerfacecolor="white" if hollow else BLUE, markeredgewidth=1.4, linestyle="none",
        )  # fmt: skip
        labels.append(f"{short(row.acronym, 24)}\n{short(row.groups, 44)}")
        texts.append(row.text + ("  (computed)" if hollow else ""))
    if pooled is not None:
        low, high = pooled.ci
        diamond = [(low, 1), (pooled.estimate, 1.3), (high, 1), (pooled.estimate, 0.7)]
        ax.add_patch(Polygon(diamond, closed=True, facecolor=BLACK, edgecolor=BLACK))
        labels.append(f"Pooled ({pooled.method_name})\ncomputed by trialcli")
        texts.append(pooled_text(pooled))
    ax.axvline(panel.no_effect, color=BLACK, linestyle="--", linewidth=0.8)
    positions = [count - k for k in range(count)]
    ax.set_yticks(positions, labels, fontsize=8)
    ax.set_ylim(0.4, count + 0.6)
    if panel.scale == "log":
        ax.set_xscale("log")
    ax.set_xlim(panel.low, panel.high)
    ax.xaxis.set_major_locator(FixedLocator(list(panel.ticks)))
    ax.xaxis.set_minor_locator(NullLocator())
    ax.set_xticklabels([number(t) for t in panel.ticks])
    ax.set_xlabel(f"{panel_title(panel)}\n{_sides(panel)}")
    right = ax.twinx()
    right.set_ylim(ax.get_ylim())
    right.set_yticks(positions, texts, fontsize=8)
    right.tick_params(right=False)
    right.spines["right"].set_visible(False)
    right.spines["top"].set_visible(False)
