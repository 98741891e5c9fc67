"""`flow --export`: the CONSORT diagram as a figure, with the same lines as the terminal's.

Stages top to bottom, arms side by side, an arrow from each box to the next. A total
that does not add up is marked ⚠ with the sum in words, in a bold line (not colour alone).
"""

from __future__ import annotations

from matplotlib.figure import Figure
from matplotlib.patches import FancyBboxPatch

from trialcli.figures import BLACK, short
from trialcli.formatting import source_mark
from trialcli.ops.flow import FlowResult
from trialcli.render.flow_text import (
    analysed_text,
    count_text,
    enrolment_lines,
    source_marks,
    stage_lines,
)

LINE_INCHES = 0.19
ARM_INCHES = 2.6


def flow_figure(result: FlowResult) -> Figure:
    marks = source_marks(result)
    arms = max(len(result.allocated), 1)
    # Each stage: a heading and one box per arm (or one box for enrolment).
    stages: list[tuple[str, list[tuple[str, list[tuple[str, bool]]]]]] = [
        ("Enrolment", [("", enrolment_lines(result, marks))]),
        (
            "Allocation",
            [
                (a.label, [(f"Allocated {count_text(a.count, marks)}", False)])
                for a in result.allocated
            ],
        ),
    ]
    if not result.periods:
        stages.append(("Follow-up: not reported", []))
    for period in result.periods:
        stages.append(
            (f"Follow-up: {period.title}", [(s.label, stage_lines(s, marks)) for s in period.arms])
        )
    stages.append(
        (
            "Analysis",
            [(a.label, [(f"Analysed {analysed_text(a, marks)}", False)]) for a in result.analysed],
        )
    )
    heights = [1.6 + max((len(lines) + 1 for _, lines in boxes), default=0) for _, boxes in stages]
    sources = [f"{source_mark(s.number)} {short(s.citation, 110)}" for s in result.sources]
    total = sum(heights) + 1.5 + len(sources)
    width = max(6.5, ARM_INCHES * arms)
    figure = Figure(figsize=(width, LINE_INCHES * total + 0.3))
    ax = figure.add_axes((0.0, 0.0, 1.0, 1.0))
    ax.set_axis_off()
    ax.set_xlim(0, arms)
    ax.set_ylim(total, 0)
    ax.text(0.05, 0.8, f"{short(result.acronym, 60)}: participant flow (CONSORT)",
            fontsize=10, fontweight="bold", va="center")  # fmt: skip
    top = 1.5
    previous: list[float] = []
    for (heading, boxes), height in zip(stages, heights, strict=True):
        # The heading sits left in the gap; the arrows run down the right of each column.
        ax.text(0.05, top + 0.5, short(heading, 30), fontsize=9, fontweight="bold", va="center")
        centres = (
            [arms / 2]
            if len(boxes) == 1 and not boxes[0][0]
            else [k + 0.5 for k in range(len(boxes))]
        )
        for centre, (label, lines) in zip(centres, boxes, strict=True):
            box_width = min(arms - 0.1, 2.2) if not label else 0.92
            left = centre - box_width / 2
            box_top, box_height = top + 1.0, len(lines) + (1 if label else 0) + 0.4
            ax.add_patch(
                FancyBboxPatch((left, box_top), box_width, box_height, boxstyle="round,pad=0.02",
                               facecolor="white", edgecolor=BLACK, linewidth=0.8)
            )  # fmt: skip
            y = box_top + 0.7
            if label:
                ax.text(
                    left + 0.04, y, short(label, 34), fontsize=8, fontweight="bold", va="center"
                )
                y += 1
            for line, warning in lines:
                ax.text(left + 0.04, y, short(line, 44), fontsize=7.5, va="center",
                        fontweight="bold" if warning else "normal")  # fmt: skip
                y += 1
        arrow = {"arrowstyle": "->", "color": BLACK, "linewidth": 0.8}
        if len(previous) == 1 and len(centres) > 1:
            # Randomization splits into the arms: down, across, then down into each box.
            xs = [c + 0.38 for c in centres]
            ax.plot([previous[0]] * 2, [top, top + 0.3], color=BLACK, linewidth=0.8)
            ax.plot([min(xs[0], previous[0]), xs[-1]], [top + 0.3] * 2, color=BLACK, linewidth=0.8)
            for x in xs:
                ax.annotate("", xy=(x, top + 1.0), xytext=(x, top + 0.3), arrowprops=arrow)
        elif len(previous) == len(centres):
            for x in [c + 0.38 for c in previous]:
                ax.annotate("", xy=(x, top + 1.0), xytext=(x, top), arrowprops=arrow)
        previous = centres if boxes else []
        top += height
    for k, line in enumerate(sources):
        ax.text(0.05, top + 0.5 + k, line, fontsize=7, va="center")
    return figure
