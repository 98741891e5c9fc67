"""The words and character lines of a forest plot, for the terminal and the figure alike.

No Rich here: render/forest.py and render/pool.py lay these out in a terminal, and
figures/forest.py draws the same words beside its marks, so the figure says everything
the terminal does ("order inferred", weights, heterogeneity, the test of the overall
effect, the favours labels). Nothing here computes a statistic: the numbers come from
trialcli.ops.pool and trialcli.stats.meta.
"""

from __future__ import annotations

import math
from collections.abc import Sequence

from trialcli.formatting import (
    MEASURE_NAMES,
    ORDER_NOTES,
    interval,
    number,
    order_basis,
    p_text,
)
from trialcli.ops.compare import ForestRow, Panel, Scale
from trialcli.ops.pool import FIXED_METHODS, PooledPanel

MEASURED = "■"
CONVERTED = "○"  # an open mark: trialcli computed this ratio
NO_EFFECT = "│"
POOLED = "◆"  # the pooled estimate, between < and > at its CI limits
PREDICTION = "┈"  # the 95% prediction interval beyond the CI
# A prediction interval is computed from three studies (t with k − 2 df); below this many
# it is printed with a caveat: τ² from a handful of studies is itself very imprecise.
PREDICTION_MINIMUM = 3
PREDICTION_CAVEAT_BELOW = 10
UNRELIABLE_TAU2 = "with two studies τ² is too imprecise to rely on"
NOT_ESTIMABLE = "not estimable"


def position(value: float, low: float, high: float, scale: Scale, width: int) -> int:
    """The character column of `value` on an axis `width` wide, clamped to its ends."""
    if value <= low:  # ≤ 0 on a log scale, or an interval running off the axis
        return 0
    if value >= high:
        return width - 1
    if scale == "log":
        start, end, point = math.log(low), math.log(high), math.log(value)
    else:
        start, end, point = low, high, value
    fraction = (point - start) / (end - start)
    return min(width - 1, max(0, round(fraction * (width - 1))))


def plot_line(row: ForestRow, panel: Panel, width: int) -> str:
    """`   ─■──┼─   `: the interval, the estimate and the line of no effect."""
    cells = [" "] * width

    def at(value: float) -> int:
        return position(value, panel.low, panel.high, panel.scale, width)

    zero = at(panel.no_effect)
    cells[zero] = NO_EFFECT
    if row.ci is not None:
        lower, upper = row.ci
        for column in range(at(lower), at(upper) + 1):
            cells[column] = "┼" if column == zero else "─"
        # An interval running off the axis ends in an arrow, not at the edge.
        if lower < panel.low or (panel.scale == "log" and lower <= 0):
            cells[0] = "◀"
        if upper > panel.high:
            cells[-1] = "▶"
    cells[at(row.estimate)] = CONVERTED if row.converted_from is not None else MEASURED
    return "".join(cells)


def pooled_line(pooled: PooledPanel, panel: Panel, width: int) -> str:
    """`  ┈┈<━◆━>┈┈ │ `: the pooled estimate, its CI and its prediction interval."""
    cells = [" "] * width

    def at(value: float) -> int:
        return position(value, panel.low, panel.high, panel.scale, width)

    if pooled.prediction is not None:
        for column in range(at(pooled.prediction[0]), at(pooled.prediction[1]) + 1):
            cells[column] = PREDICTION
    zero = at(panel.no_effect)
    cells[zero] = "┼" if cells[zero] == PREDICTION else NO_EFFECT
    lower, upper = at(pooled.ci[0]), at(pooled.ci[1])
    for column in range(lower, upper + 1):
        cells[column] = "━"
    cells[lower], cells[upper] = "<", ">"
    cells[at(pooled.estimate)] = POOLED
    return "".join(cells)


def axis_lines(panel: Panel, width: int) -> tuple[str, str]:
    """The axis with a tick under each label that fits, and the labels below it."""
    ticks = sorted(panel.ticks, key=lambda t: t != panel.no_effect)  # no effect first
    rule = ["─"] * width
    labels = [" "] * width
    taken: list[tuple[int, int]] = []
    for tick in ticks:
        label = number(tick)
        column = position(tick, panel.low, panel.high, panel.scale, width)
        start = min(max(0, column - len(label) // 2), width - len(label))
        span = (start - 1, start + len(label))  # keep a space between labels
        if any(span[0] < end and begin < span[1] for begin, end in taken):
            continue
        taken.append(span)
        rule[column] = "┴"
        labels[start : start + len(label)] = label
    return "".join(rule), "".join(labels)


def panel_title(panel: Panel) -> str:
    """Which way the estimates point: experimental vs comparator only when every row is so."""
    name = MEASURE_NAMES[panel.measure]
    if all(row.experimental_first for row in panel.rows):
        first, second = "experimental", "comparator"
    else:
        first, second = "first group", "second, as each row names them"
    if panel.scale == "log":
        return f"{name.capitalize()} ({first} ÷ {second}), log scale"
    unit = f", {panel.unit}" if panel.unit else ""
    return f"{name.capitalize()} ({first} − {second}){unit}"


def pooled_places(pooled: PooledPanel, limits: tuple[float, float] | None = None) -> int:
    """Two decimals for ratios, one for differences; more where a limit would print as 0."""
    places = 2 if pooled.scale == "log" else 1
    while places < 6 and any(v and round(v, places) == 0 for v in limits or pooled.ci):
        places += 1
    return places


def pooled_text(pooled: PooledPanel) -> str:
    """`0.49 (0.40–0.60)`."""
    places = pooled_places(pooled)
    return f"{number(pooled.estimate, places)} ({interval(pooled.ci, places)})"


def favours(panel: Panel) -> tuple[str, str] | None:
    """("Favours experimental", "Favours comparator"), left and right of no effect.

    Only when every row's endpoint records which way is better, the same way, and every
    row puts the experimental arm first; otherwise the axis keeps its neutral words.
    """
    better = {row.better for row in panel.rows}
    if len(better) != 1 or None in better or not all(r.experimental_first for r in panel.rows):
        return None
    sides = ("Favours experimental", "Favours comparator")
    return sides if better == {"lower"} else (sides[1], sides[0])


# The labels' shorter forms, tried in turn until both sides fit on one line.
SHORTER = {
    "Favours experimental": ("Favours experimental", "Favours exp.", "Exp. better"),
    "Favours comparator": ("Favours comparator", "Favours comp.", "Comp. better"),
}


def favours_line(panel: Panel, width: int, before: int = 0, after: int = 0) -> str:
    """`◀ Favours experimental │ Favours comparator ▶`, split at the line of no effect.

    The plot is `width` wide, `before` columns into a line with `after` more after it, so
    the labels may run under the columns beside the plot. Too narrow for the full words:
    shorter ones (`Favours exp.`), else each side on a line of its own.
    """
    sides = favours(panel)
    if sides is None:
        return ""
    zero = before + position(panel.no_effect, panel.low, panel.high, panel.scale, width)
    for left_words, right_words in zip(SHORTER[sides[0]], SHORTER[sides[1]], strict=True):
        left, right = f"◀ {left_words} ", f" {right_words} ▶"
        if len(left) <= zero and len(right) <= before + width + after - zero - 1:
            return left.rjust(zero) + NO_EFFECT + right
    left, right = f"◀ {sides[0]}", f"{sides[1]} ▶"
    line = before + width + after
    return f"{' ' * max(0, min(before, line - len(left)))}{left}\n{right.rjust(line)}"


def n_text(row: ForestRow) -> str:
    """`147/426 vs 104/202` (events/N per arm) where counted, else people: `376 vs 187`."""
    if row.counts is not None:
        (a, n1), (c, n2) = row.counts
        return f"{a:,}/{n1:,} vs {c:,}/{n2:,}"

    def size(value: int | None) -> str:
        return f"{value:,}" if value is not None else "not reported"

    return f"{size(row.n_experimental)} vs {size(row.n_comparator)}"


def plot_title(rows: tuple[ForestRow, ...], code: str) -> str:
    """The endpoint's name (not its code) and the follow-ups: `Annualized relapse rate, 2 years`."""
    by_code: dict[str | None, list[str]] = {}
    for row in rows:
        by_code.setdefault(row.code or row.endpoint, []).append(row.endpoint)
    # Each endpoint by the name most of its studies give it.
    names = [max(dict.fromkeys(found), key=found.count) for found in by_code.values()]
    follow = list(dict.fromkeys(row.time_frame or "follow-up not reported" for row in rows))
    if not names:
        return f"Endpoint: {code}"
    return f"{'; '.join(names)} (follow-up: {', '.join(follow)})"


def row_notes(row: ForestRow, weight: float | None = None) -> list[str]:
    """What a study row's numbers need said beside them, in the terminal and the figure."""
    notes = []
    if row.ci is None:
        notes.append("no CI reported")
    if row.converted_from is not None:
        notes.append(f"converted from a {number(row.converted_from)}% reduction")
    order = ORDER_NOTES[order_basis(row.direction, row.direction_basis)]
    if order:
        notes.append(order)
    p = p_text(row.p_value)
    if p:
        notes.append(p)
    notes.append(row.test)  # the follow-up is written under the study's name
    if weight is not None:
        notes.append(f"weight {weight_text(weight)}")
    return notes


def weight_text(weight: float) -> str:
    """A study's share of the pooled weight: `36%`, and `<1%` rather than a rounded 0%."""
    return "<1%" if 0 < weight < 1 else f"{weight:.0f}%"


def p_value_text(p: float) -> str:
    if p < 0.0001:
        return "p<0.0001"
    return "p<0.001" if p < 0.001 else f"p = {p:.3f}"


def tau2_method(pooled: PooledPanel) -> str:
    """`REML`, `Paule–Mandel`, `DerSimonian–Laird`: whose τ² an I² belongs to."""
    return pooled.method_name.split(", ")[1] if ", " in pooled.method_name else ""


def i2_short(pooled: PooledPanel) -> str:
    """`I² 61% (REML τ²)`: the I² of the model's own τ², the Q-based one for fixed effect."""
    found = pooled.statistics.heterogeneity
    if found.i2_tau2 is None:
        return f"I² {found.i2:.0f}%"
    return f"I² {found.i2_tau2:.0f}% ({tau2_method(pooled)} τ²)"


def heterogeneity_text(pooled: PooledPanel) -> str:
    """Q, its p, I² (of the τ² and from Q, labelled, where they differ), τ² and τ."""
    found = pooled.statistics.heterogeneity
    if found.i2_ci is not None:
        spread = f"95% CI {found.i2_ci[0]:.0f}–{found.i2_ci[1]:.0f}%"
    elif pooled.statistics.k == 2:
        spread = f"its CI {NOT_ESTIMABLE} from two studies"
    else:
        spread = f"its CI {NOT_ESTIMABLE}: Q is below its df"
    text = f"Q = {found.q:.2f} (df {found.df}), {p_value_text(found.p)}; "
    q_based = f"I² = {found.i2:.0f}% from Q ({spread})"
    if found.i2_tau2 is not None and round(found.i2_tau2) != round(found.i2):
        text += f"I² = {found.i2_tau2:.0f}% of the {tau2_method(pooled)} τ², as metafor; {q_based}"
    elif found.i2_tau2 is not None:
        # The row's label (`I² 0% (REML τ²)`) named here too: the two agree.
        text += f"I² = {found.i2:.0f}% of the {tau2_method(pooled)} τ² and from Q alike ({spread})"
    else:
        text += q_based
    if pooled.statistics.method not in FIXED_METHODS:
        text += f"; τ² = {found.tau2:.4f}, τ = {found.tau:.4f}"
        if pooled.tau2_unreliable:
            text += f" ({UNRELIABLE_TAU2})"
    return text


def overall_text(pooled: PooledPanel) -> str:
    """The test for the overall effect: `z = −6.91, p<0.0001; SE 0.104 (log scale)`."""
    statistics = pooled.statistics
    df = statistics.test_df
    name = "z" if df is None else f"t (df {df})"
    scale = " (log scale)" if pooled.scale == "log" else ""
    return (
        f"{name} = {number(statistics.z, 2)}, {p_value_text(statistics.p)}; "
        f"SE {statistics.se:.3f}{scale}"
    )


def prediction_text(pooled: PooledPanel) -> str:
    """The prediction interval with its caveat, or why there is none."""
    k = pooled.statistics.k
    if pooled.prediction is not None:
        places = pooled_places(pooled, pooled.prediction)
        text = f"95% prediction interval {interval(pooled.prediction, places)}"
        if k < PREDICTION_CAVEAT_BELOW:
            text += (
                f" (from only {k} studies, on t with {k - 2} df: very imprecise; read it "
                f"with caution below {PREDICTION_CAVEAT_BELOW} studies)"
            )
        return text
    if pooled.statistics.method in FIXED_METHODS:
        return "no prediction interval: a fixed-effect model assumes one true effect"
    return f"no prediction interval: it needs at least {PREDICTION_MINIMUM} studies"


def method_notes(pooled: PooledPanel) -> list[str]:
    """What the method did that a reader must know: a narrower HKSJ CI, a 0.5 correction."""
    notes = []
    statistics = pooled.statistics
    if statistics.hksj and not statistics.hksj_adhoc and statistics.hksj_narrower:
        notes.append(
            "The Hartung–Knapp CI is narrower than the standard one here; --hksj-adhoc "
            "never narrows it"
        )
    if pooled.corrected:
        names = ", ".join(pooled.corrected)
        notes.append(f"0.5 added to every cell of the 2×2 table (a zero cell): {names}")
    if pooled.mixed_follow_up:
        pairs = ", ".join(
            f"{a} {f}" for a, f in zip(pooled.acronyms, pooled.follow_ups, strict=True)
        )
        notes.append(f"Pooled across different follow-ups (--allow-mixed-follow-up): {pairs}")
    if pooled.pooled_doses:
        names = ", ".join(pooled.pooled_doses)
        notes.append(f"Pooled with a group of several doses (--allow-pooled-doses): {names}")
    return notes


def pooled_spread(pooled: PooledPanel) -> str:
    """`I² 61% (REML τ²), τ² 0.110; 95% PI …`: what sits under the pooled estimate."""
    found = pooled.statistics.heterogeneity
    text = i2_short(pooled)
    if pooled.statistics.method not in FIXED_METHODS:
        text += f", τ² {found.tau2:.3g}"
        if pooled.tau2_unreliable:
            text += " (unreliable: 2 studies)"
    if pooled.prediction is not None:
        places = pooled_places(pooled, pooled.prediction)
        text += f"; 95% PI {interval(pooled.prediction, places)}"
        if pooled.statistics.k < PREDICTION_CAVEAT_BELOW:
            text += f" (imprecise: {pooled.statistics.k} studies)"
    return text


def tests_text(rows: Sequence[ForestRow]) -> str:
    """`superiority`, or `superiority; non-inferiority (margin 1.3)`: each test once."""
    return "; ".join(dict.fromkeys(row.test for row in rows))


def follow_ups_text(rows: Sequence[ForestRow]) -> str:
    """`2 years`, or `36 months; 2 years`: each follow-up once ("follow-up not reported")."""
    return "; ".join(dict.fromkeys(row.time_frame or "follow-up not reported" for row in rows))
