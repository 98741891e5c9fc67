"""`network --export`: the network graph and every treatment against the reference.

Left, the graph: treatments on a circle, each node's area in proportion to its participants
and labelled with them, each edge's width in proportion to the trials that compare the two
head to head, labelled with that number (so width is never the only signal). Right, the
forest of every treatment against the reference on the log scale, with the same words as
the terminal: the measure, its direction, the model, and that trialcli computed it.
"""

from __future__ import annotations

import math

from matplotlib.figure import Figure

from trialcli.figures import BLACK, BLUE, GREY, short
from trialcli.ops.network import MEASURE_WORDS, NetworkReport
from trialcli.render.network_text import COMPUTED, model_text, ratio


def network_figure(report: NetworkReport) -> Figure:
    network = report.network
    treatments = list(network.treatments)
    rows = len(treatments)
    figure = Figure(figsize=(13, max(6.5, 0.32 * rows + 2.2)))
    graph, forest = figure.subplots(1, 2, gridspec_kw={"width_ratios": [1.35, 1]})
    # The graph.
    angle = {t: math.pi / 2 - 2 * math.pi * i / rows for i, t in enumerate(treatments)}
    where = {t: (math.cos(a), math.sin(a)) for t, a in angle.items()}
    most_trials = max(report.edges.values())
    for (a, b), trials in report.edges.items():
        (x1, y1), (x2, y2) = where[a], where[b]
        graph.plot([x1, x2], [y1, y2], color=GREY, linewidth=1 + 5 * trials / most_trials, zorder=1)
        graph.text(
            (x1 + x2) / 2,
            (y1 + y2) / 2,
            str(trials),
            fontsize=7,
            ha="center",
            va="center",
            color=BLACK,
            zorder=3,
            bbox={"boxstyle": "round,pad=0.1", "fc": "white", "ec": "none"},
        )
    biggest = max(report.participants.values())
    for i, (t, (x, y)) in enumerate(where.items()):
        size = 60 + 900 * report.participants[t] / biggest
        out = 1.3 if i % 2 == 0 else 1.48  # neighbours' labels alternate, so they do not meet
        graph.scatter([x], [y], s=size, color=BLUE, zorder=2, edgecolors=BLACK, linewidths=0.5)
        graph.text(
            out * x,
            out * y,
            f"{short(t, 28)}\n{report.participants[t]:,}",
            ha="center",
            va="center",
            fontsize=7,
        )
    graph.set_xlim(-1.9, 1.9)
    graph.set_ylim(-1.6, 1.6)
    graph.set_aspect("equal")
    graph.axis("off")
    graph.set_title(
        "The network: node area ∝ participants (the number under the name);\n"
        "edge width ∝ trials comparing the two (the number on the edge)",
        fontsize=8,
    )
    # The forest.
    others = [t for t in treatments if t != network.reference]
    for y, t in enumerate(reversed(others)):
        estimate, low, high = report.ci(network.contrast(t, network.reference))
        forest.plot([math.log(low), math.log(high)], [y, y], color=BLACK, linewidth=1)
        forest.plot([math.log(estimate)], [y], marker="s", color=BLUE, markersize=5)
        forest.text(
            1.02,
            y,
            ratio(estimate, low, high),
            transform=forest.get_yaxis_transform(),
            va="center",
            fontsize=7,
        )
    forest.axvline(0, color=GREY, linewidth=0.8)
    limits = [report.ci(network.contrast(t, network.reference)) for t in others]
    low = min(math.log(v[1]) for v in limits)
    high = max(math.log(v[2]) for v in limits)
    forest.set_xlim(min(low, -0.2) - 0.1, max(high, 0.2) + 0.1)
    forest.set_yticks(range(len(others)))
    forest.set_yticklabels([short(t, 30) for t in reversed(others)], fontsize=7)
    ticks = [
        v
        for v in (0.05, 0.1, 0.2, 0.5, 1, 2, 5, 10)
        if low - 0.1 <= math.log(v) <= high + 0.1 or v == 1
    ]
    forest.set_xticks([math.log(v) for v in ticks])
    forest.set_xticklabels([f"{v:g}" for v in ticks])
    words = MEASURE_WORDS[report.measure]
    forest.set_xlabel(
        f"{words.capitalize()} vs {short(network.reference, 30)} (log scale); "
        "below 1: fewer with the event",
        fontsize=8,
    )
    forest.set_title(f"{short(report.endpoint, 60)}\n{model_text(report)}", fontsize=8)
    figure.text(0.01, 0.01, COMPUTED, fontsize=6.5, wrap=True)
    figure.subplots_adjust(left=0.01, right=0.88, bottom=0.12, top=0.9, wspace=0.45)
    return figure
