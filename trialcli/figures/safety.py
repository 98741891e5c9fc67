"""`ae --export`: the adverse-event dot plot safety reviewers use.

Left, each arm's percentage with the event (experimental: filled circles, comparator:
hollow squares); right, the risk difference (experimental − comparator, percentage points)
with its Newcombe 95% CI, as `trialcli ae` computes it. Rows are sorted by the difference,
largest excess on top. Adverse events are harms, so the side with fewer events is the
side the comparison favours. Several studies (`ae A B --export`) share one figure, each
row named by its study; the foot says what each study's list of harms is.
"""

from __future__ import annotations

from matplotlib.figure import Figure
from matplotlib.lines import Line2D

from trialcli.figures import BLACK, BLUE, GREY, VERMILLION, short
from trialcli.ops.safety import HarmsScope, SafetyPivot, SafetyRow, SafetyTable

ROW_INCHES = 0.26
# A figure for a slide or a page: past this many rows it is unreadable, and 20,000 rows
# took matplotlib 5.7 GB. The rows with the largest differences are drawn; the figure
# and the command say how many were left out (`trialcli ae` lists every one).
MAX_ROWS = 150


def _labels(rows: list[SafetyRow]) -> list[str]:
    experimental = {r.experimental.label for r in rows if r.experimental is not None}
    several = len({r.study.id for r in rows}) > 1
    labels = []
    for row in rows:
        term = short(row.finding.term, 40) + (" (serious)" if row.serious else "")
        if several:
            term = f"{short(row.study.acronym, 16)}: {term}"
        if len(experimental) > 1 and row.experimental is not None:
            term += f" — {short(row.experimental.label, 32)}"
        labels.append(term)
    return labels


def _candidates(result: SafetyTable | SafetyPivot) -> list[SafetyRow]:
    """The findings shown (else the summary rows), of one study or of several."""
    if isinstance(result, SafetyTable):
        return list(result.rows or result.summary)
    findings = [r for row in result.rows if row.section == "findings" for r in row.rows]
    return findings or [r for row in result.rows for r in row.rows]


def _arm_name(labels: list[str], role: str) -> str:
    """The arm's name; several studies' arms by name too, up to three, else by role."""
    names = list(dict.fromkeys(labels))
    if len(names) == 1:
        return short(names[0], 40)
    if 1 < len(names) <= 3:
        return short(f"{role}: {'; '.join(names)}", 70)
    return role


def _side(name: str) -> str:
    """The arm a side of the difference favours: its name, or its role for several."""
    return short(
        name.split(":", 1)[0] if name.startswith(("experimental:", "comparator:")) else name, 32
    )


def title_of(result: SafetyTable | SafetyPivot) -> str:
    if isinstance(result, SafetyTable):
        return f"{short(result.study.acronym, 40)}: adverse events"
    return f"Adverse events across {len(result.studies)} studies"


def _scopes(result: SafetyTable | SafetyPivot) -> list[tuple[str, HarmsScope]]:
    if isinstance(result, SafetyTable):
        return [(result.study.acronym, result.scope)]
    return [(s.acronym, scope) for s, scope in zip(result.studies, result.scopes, strict=True)]


def drawn_rows(result: SafetyTable | SafetyPivot) -> tuple[list[SafetyRow], int]:
    """The rows the figure draws (at most MAX_ROWS, the largest differences), and how
    many it leaves out."""
    rows = [r for r in _candidates(result) if r.experimental and r.comparator]
    if len(rows) > MAX_ROWS:
        by_size = sorted(rows, key=lambda r: -abs(r.difference.points or 0.0))
        kept = {id(r) for r in by_size[:MAX_ROWS]}
        left_out = len(rows) - MAX_ROWS
        rows = [r for r in rows if id(r) in kept]
    else:
        left_out = 0
    # Largest difference on top; rows without one at the bottom.
    rows.sort(key=lambda r: (r.difference.points is not None, r.difference.points or 0.0))
    return rows, left_out


def safety_figure(result: SafetyTable | SafetyPivot) -> Figure:
    rows, left_out = drawn_rows(result)
    count = max(len(rows), 1)
    scopes = _scopes(result)
    height = 1.6 + ROW_INCHES * count + 0.15 * len(scopes)
    # Rows named by study and group need the room of a landscape page.
    width = 9.0 if isinstance(result, SafetyTable) else 13.0
    figure = Figure(figsize=(width, height), layout="constrained")
    figure.suptitle(title_of(result), fontsize=10, fontweight="bold")
    left, right = figure.subplots(1, 2, sharey=True, width_ratios=(1, 1))
    positions = list(range(1, len(rows) + 1))
    experimental = [r.experimental.label for r in rows if r.experimental]
    comparator = [r.comparator.label for r in rows if r.comparator]
    for y, row in zip(positions, rows, strict=True):
        assert row.experimental is not None and row.comparator is not None
        ours, theirs = row.experimental.incidence, row.comparator.incidence
        if ours is not None:
            left.plot([ours], [y], "o", color=BLUE, markersize=6)
        if theirs is not None:
            left.plot(
                [theirs], [y], "s", color=VERMILLION, markerfacecolor="white",
                markeredgewidth=1.4, markersize=6,
            )  # fmt: skip
        difference = row.difference
        if difference.points is None:
            continue
        if difference.ci is not None:
            right.plot(difference.ci, (y, y), color=BLACK, linewidth=1.2)
        right.plot(
            [difference.points], [y], "D", color=BLACK, markersize=5,
            markerfacecolor=BLACK if difference.ci is not None else "white",
        )  # fmt: skip
    ours_name = _arm_name(experimental, "experimental")
    theirs_name = _arm_name(comparator, "comparator")
    left.set_yticks(positions, _labels(rows), fontsize=8)
    left.set_ylim(0.4, count + 0.6)
    left.set_xlim(left=0)
    left.set_xlabel("Participants with the event (%)")
    left.grid(axis="y", color=GREY, linewidth=0.3, alpha=0.5)
    # Above the left panel, outside the data: the legend never covers a row.
    left.legend(
        handles=[
            Line2D([], [], marker="o", color=BLUE, linestyle="none", label=ours_name),
            Line2D([], [], marker="s", color=VERMILLION, markerfacecolor="white",
                   linestyle="none", label=theirs_name),
        ],
        loc="lower left", bbox_to_anchor=(0.0, 1.01), borderaxespad=0.0, fontsize=8,
        frameon=False,
    )  # fmt: skip
    right.axvline(0, color=BLACK, linestyle="--", linewidth=0.8)
    right.grid(axis="y", color=GREY, linewidth=0.3, alpha=0.5)
    # One side a line, so that neither runs past the panel nor under the left one's title.
    right.set_xlabel(
        "Risk difference, percentage points (95% CI)\ncomputed by trialcli\n"
        f"◀ favours {_side(ours_name)}\nfavours {_side(theirs_name)} ▶",
        fontsize=8,
    )
    right.tick_params(left=False)
    notes = [
        short(f"{acronym}: harms listed: {scope.text}", 140)
        + (f"; all: {scope.full_list}" if scope.full_list else "")
        for acronym, scope in scopes
    ]
    if left_out:
        notes.append(
            f"{left_out:,} more adverse events not drawn: the {MAX_ROWS} with the largest "
            "risk differences are shown ('trialcli ae' lists all)"
        )
    figure.supxlabel("\n".join(notes), fontsize=6, color=GREY, ha="left", x=0.01)
    return figure
