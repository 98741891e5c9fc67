"""`sof --judgements FILE --rob-figure OUT`: the reviewer's RoB 2 judgements as robvis draws them.

Top, the traffic light: a row per study, a column per domain (D1–D5) and the overall
judgement, each a coloured circle with robvis's symbol in it (+ low, − some concerns,
× high), so that colour is never the only signal; beside it, the legend naming each domain
and judgement. Below, the summary: per domain, a bar of the share judged low, some
concerns and high (hatched differently too), weighted as trialcli.ops.rob says. The foot
says whose judgements these are and where they come from: trialcli makes none.
"""

from __future__ import annotations

from matplotlib.figure import Figure
from matplotlib.patches import Patch

from trialcli.figures import BLACK, short
from trialcli.ops.rob import COLUMNS, DOMAIN_NAMES, LABELS, RISKS, SYMBOLS, WORDS, TrafficLight

# Okabe–Ito bluish green, yellow and vermillion: distinct in colour-vision deficiency and
# in lightness; black symbols read on all three.
COLOURS = {"low": "#009E73", "some-concerns": "#F0E442", "high": "#D55E00"}
HATCHES = {"low": "", "some-concerns": "//", "high": "xx"}
ROW_INCHES = 0.42


def caption(light: TrafficLight) -> str:
    text = f"RoB 2: the reviewer's judgements from {short(light.file, 80)}; trialcli makes none."
    if light.not_judged:
        text += f" Not judged in the file: {short(', '.join(light.not_judged), 80)}."
    return text


def rob_figure(light: TrafficLight) -> Figure:
    rows = len(light.rows)
    height = 2.9 + ROW_INCHES * (rows + len(COLUMNS))
    figure = Figure(figsize=(9.0, height), layout="constrained")
    figure.suptitle("Risk of bias (RoB 2)", fontsize=10, fontweight="bold")
    panels = figure.subfigures(2, 1, squeeze=False, height_ratios=[rows + 1.6, len(COLUMNS) + 2.2])
    _traffic(panels[0, 0], light)
    _summary(panels[1, 0], light)
    return figure


def _traffic(panel: object, light: TrafficLight) -> None:
    from matplotlib.figure import SubFigure

    assert isinstance(panel, SubFigure)
    ax = panel.subplots()
    count = len(light.rows)
    for y, row in enumerate(light.rows):
        for x, risk in enumerate(row.judgements):
            ax.scatter([x], [y], s=420, color=COLOURS[risk], edgecolors=BLACK, linewidths=0.6)
            ax.text(x, y, SYMBOLS[risk], ha="center", va="center", fontsize=11, color=BLACK)
    ax.set_xticks(range(len(COLUMNS)), LABELS)
    ax.xaxis.tick_top()
    ax.set_yticks(range(count), [short(row.acronym, 30) for row in light.rows])
    ax.set_xlim(-0.6, len(COLUMNS) - 0.4)
    ax.set_ylim(count - 0.5, -0.5)
    ax.tick_params(length=0)
    for side in ("left", "bottom", "top", "right"):
        ax.spines[side].set_visible(False)
    ax.set_title("Traffic light: each study's judgement per domain", fontsize=9, loc="left")
    domains = [
        f"{label}: {DOMAIN_NAMES[name]}" for label, name in zip(LABELS[:-1], COLUMNS, strict=False)
    ]
    judged = [
        Patch(
            facecolor=COLOURS[r],
            edgecolor=BLACK,
            hatch=HATCHES[r],
            label=f"{SYMBOLS[r]}  {WORDS[r]}",
        )
        for r in RISKS
    ]
    legend = ax.legend(
        handles=judged, title="Judgement", loc="upper left", bbox_to_anchor=(1.0, 1.0),
        fontsize=8, title_fontsize=8, frameon=False, alignment="left",
    )  # fmt: skip
    ax.add_artist(legend)
    # The domains as a second legend without marks, so that the layout keeps it in the figure.
    blank = [Patch(visible=False) for _ in domains]
    ax.legend(
        blank, domains, title="Domains", loc="lower left", bbox_to_anchor=(1.0, 0.0),
        fontsize=7, title_fontsize=8, frameon=False, alignment="left", handlelength=0,
        handletextpad=0,
    )  # fmt: skip


def _summary(panel: object, light: TrafficLight) -> None:
    from matplotlib.figure import SubFigure

    assert isinstance(panel, SubFigure)
    ax = panel.subplots()
    names = [f"{label}  {DOMAIN_NAMES[name]}" for label, name in zip(LABELS, COLUMNS, strict=True)]
    names[-1] = DOMAIN_NAMES["overall"]
    for y, shares in enumerate(light.shares):
        left = 0.0
        for risk in RISKS:
            width = shares[risk]
            if width <= 0:
                continue
            ax.barh(
                y, width, left=left, color=COLOURS[risk], edgecolor=BLACK, linewidth=0.5,
                hatch=HATCHES[risk], height=0.62,
            )  # fmt: skip
            if width >= 9:
                ax.text(
                    left + width / 2, y, f"{SYMBOLS[risk]} {width:.0f}%", ha="center",
                    va="center", fontsize=7, color=BLACK,
                    bbox={"facecolor": "white", "edgecolor": "none", "pad": 0.8},
                )  # fmt: skip
            left += width
    ax.set_yticks(range(len(COLUMNS)), names, fontsize=7)
    ax.set_ylim(len(COLUMNS) - 0.5, -0.5)
    ax.set_xlim(0, 100)
    ax.set_xticks([0, 25, 50, 75, 100], ["0%", "25%", "50%", "75%", "100%"])
    title = f"Summary: {light.share} per judgement\n({light.weighting})"
    ax.set_title(title, fontsize=9, loc="left")
    ax.set_xlabel(caption(light), fontsize=7)
