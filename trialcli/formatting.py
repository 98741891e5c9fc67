"""How numbers read on screen and in prose: one place, so every view agrees."""

from __future__ import annotations

import re
from typing import TYPE_CHECKING

from trialcli.written import Written

if TYPE_CHECKING:
    from trialcli.model import Arm, ArmResult, ArmSafety, Comparison, Design, Study

NOT_REPORTED = "not reported"
# A field that does not apply to a row (a pooled row's population), as against unknown.
NOT_APPLICABLE = "—"
# A study that allocated no one at random counts those who enrolled, not "randomized".
_NOT_RANDOMIZED = frozenset({"single-arm", "non-randomized"})
COMPUTED = "computed"

MEASURE_NAMES = {
    "rate-ratio": "rate ratio",
    "hazard-ratio": "hazard ratio",
    "risk-ratio": "risk ratio",
    "odds-ratio": "odds ratio",
    "geometric-mean-ratio": "geometric mean ratio",
    "ls-mean-ratio": "least-squares mean ratio",
    "win-ratio": "win ratio",
    "relative-reduction": "relative reduction",
    "difference": "difference",
    "mean-difference": "mean difference",
    "ls-mean-difference": "least-squares mean difference",
    "median-difference": "median difference",
    "risk-difference": "risk difference",
    "slope-difference": "difference in slopes",
    "other": "effect",
}
# How every surface (show, diff, compare) says that the order of a comparison's arms was not
# stated by its source: the one wording.
DIRECTION_WORDS = {
    "stated": "",
    "inferred": "direction inferred from arm roles",
    "unknown": "direction unknown",
}

# How a comparison's order of groups is known, one basis a key: the words under a drawn
# estimate, and the legend's sentence for each basis on the plot (issue 21, item 6).
ORDER_BASES = ("stated", "title", "comment", "figures", "roles", "unknown")
ORDER_NOTES = {
    "stated": "",
    "title": "order: title",
    "comment": "order: comment",
    "figures": "order: figures",
    "roles": "order inferred",
    "unknown": "direction unknown",
}
ORDER_LEGEND = {
    "stated": "order stated: the source says which group is first",
    "title": "order: title — the record's measure title names the groups in this order",
    "comment": (
        "order: comment — the record's comment on the analysis names the groups in this order"
    ),
    "figures": (
        "order: figures — the record does not state which group is first; its own "
        "figures (A − B, or a crude ratio) match the estimate only in this order"
    ),
    "roles": (
        "order inferred: the source does not state which group is first; trialcli "
        "inferred it from the arms' roles (experimental or active before placebo)"
    ),
    "unknown": (
        "direction unknown: the source does not say which group is first, so the "
        "comparison is listed, not drawn"
    ),
}


def order_basis(direction: str | None, basis: str | None) -> str:
    """One of ORDER_BASES: where a comparison's order of groups comes from. A hand-written
    file's `stated` has no basis; the importer's `inferred` is from figures or roles."""
    if direction == "unknown" or direction is None:
        return "unknown"
    if basis in ORDER_BASES:
        return basis
    return "roles" if direction == "inferred" else "stated"


def source_mark(number: int | None) -> str:
    """`[n]`: the figure's source is the n-th of the study's `sources` (`Study.source_number`
    numbers them); `[?]` for a source the study does not list. Every surface — show, ae,
    compare, diff, flow, the figures, html, validate — spells a source mark through here."""
    return f"[{'?' if number is None else number}]"


# A source mark inside text already written (`0.51 (0.39–0.65) [9]`): html links each.
SOURCE_MARKS = re.compile(r"\[([1-9][0-9]*)\]")


def cited_mark(study: Study, source_id: str | None) -> str:
    """` [n]` after a figure taken from `source_id`; nothing after a figure without one."""
    return "" if source_id is None else " " + source_mark(study.source_number(source_id))


def decimals(value: float) -> int:
    """Decimals as the source wrote them when known, else as few as the value needs."""
    if isinstance(value, Written):
        return value.places
    text = f"{value:.10g}"
    if "e" in text:
        return 0
    return len(text.split(".")[1]) if "." in text else 0


def number(value: float, places: int | None = None) -> str:
    """`value` without float noise; at least `places` decimals when given."""
    unasked = places is None
    if places is None:
        places = min(decimals(value), 6)
    text = f"{value:.{places}f}"
    # Far from 1, fixed point would run to 300 digits, or print a tiny value as 0 unasked.
    if abs(value) >= 1e15 or (unasked and value and float(text) == 0):
        text = float.__repr__(value)
    return "0" if text in {"-0", "-0.0"} else text.replace("-", "−")


def plain_number(value: float) -> str:
    """`value` for programs: ASCII minus, and the decimals the source printed (0.10, not 0.1)."""
    return number(value).replace("−", "-")


def with_interval(value: float | None, ci: tuple[float, float] | None, suffix: str = "") -> str:
    """`0.70 (0.40–1.23)`, `−3.6 (−7.20 to 0.07)`: each figure with the decimals its source
    printed (the loader keeps them). A computed figure, which has none of its own, takes
    the precision of the others.
    """
    if value is None and ci is None:
        return NOT_REPORTED
    places = max([decimals(v) for v in (value, *(ci or ())) if v is not None], default=0)
    own = value.places if isinstance(value, Written) else places
    head = _stated(value, own) + suffix if value is not None else "no estimate"
    if ci is None:
        return head
    if all(isinstance(v, Written) for v in ci):
        return f"{head} ({_limits(number(ci[0]), number(ci[1]))})"
    return f"{head} ({interval(ci, places)})"


def interval(ci: tuple[float, float], places: int | None = None) -> str:
    """`0.39–0.65`, or `−0.29 to −0.05` where a dash would read as a minus sign."""
    if places is None:
        places = max(decimals(v) for v in ci)
    lower, upper = (_stated(v, places) for v in ci)
    return _limits(lower, upper)


def _limits(lower: str, upper: str) -> str:
    return f"{lower} to {upper}" if "−" in lower + upper else f"{lower}–{upper}"


def _stated(value: float, places: int) -> str:
    """A stated figure to `places` decimals, unless that would print it as 0 (1e-308)."""
    text = number(value, places)
    return number(value) if value and not text.strip("−0.") else text


def range_text(low: float | None, high: float | None, unit: str) -> str:
    """`18–50 years`, `≥18 years`, `≤3.0`; `any` when neither limit is set."""
    if low is not None and high is not None:
        text = f"{number(low)}–{number(high)}"
    elif low is not None:
        text = f"≥{number(low)}"
    elif high is not None:
        text = f"≤{number(high)}"
    else:
        text = "any"
    return f"{text} {unit}".strip()


# What an arm's value is, as a reader says it before the figure; a plain number or a count
# of people needs no word.
STATISTIC_WORDS = {
    "mean": "mean",
    "median": "median",
    "least-squares-mean": "LS mean",
    "geometric-mean": "geometric mean",
    "geometric-least-squares-mean": "geometric LS mean",
    "log-mean": "log mean",
}


def spread_text(result: ArmResult) -> str:
    """`SD 1.1`, `SE 0.30`, `IQR 8–15`, `range −4 to 1`, `geometric CV 23.5%`; "" for none."""
    parts = []
    if result.sd is not None:
        parts.append(f"SD {number(result.sd)}")
    if result.se is not None:
        parts.append(f"SE {number(result.se)}")
    if result.iqr is not None:
        parts.append(f"IQR {interval(result.iqr)}")
    if result.range is not None:
        parts.append(f"range {interval(result.range)}")
    if result.geometric_cv is not None:
        parts.append(f"geometric CV {number(result.geometric_cv)}%")
    return ", ".join(parts)


def result_text(result: ArmResult) -> str:
    """One arm's result: `mean 4.2 (SD 1.1)`, `median 12 (IQR 8–15)`, `0.26 (0.21–0.33)`,
    `104/202 (51.5%)`, `~16%`."""
    unit = result.unit or ""
    suffix = "%" if unit == "%" else ""
    approx = "~" if result.approximate else ""
    head = ""
    if result.value is not None or result.ci is not None:
        head = approx + with_interval(result.value, result.ci, suffix)
        if unit and unit != "%":
            head += f" {unit}"
        word = STATISTIC_WORDS.get(result.statistic or "")
        if word and result.value is not None:
            head = f"{word} {head}"
        spread = spread_text(result)
        if spread:
            head += f", {spread}" if result.ci is not None else f" ({spread})"
    counts = f"{result.n}/{result.N}" if result.n is not None and result.N is not None else ""
    if result.n is not None and result.N is None:
        counts = f"{result.n} people"
    if counts and head:
        return f"{counts} ({head})"
    return counts or head or NOT_REPORTED


def effect_text(comparison: Comparison) -> str:
    """`rate ratio 0.51 (0.39–0.65)`, `relative reduction 49%`; an unnamed measure in the
    source's own words."""
    name = MEASURE_NAMES[comparison.measure]
    if comparison.measure == "other" and comparison.measure_name:
        name = comparison.measure_name
    return f"{name} {effect_value(comparison)}"


def effect_value(comparison: Comparison) -> str:
    """The effect without its measure's name: `0.51 (0.39–0.65)`, `~49%`."""
    if comparison.measure == "relative-reduction" or comparison.unit == "%":
        value = with_interval(comparison.estimate, comparison.ci, "%")
    else:
        value = with_interval(comparison.estimate, comparison.ci)
        if comparison.unit:
            value += f" {comparison.unit}"
    level = comparison.ci_level
    one_sided = "one-sided " if comparison.ci_sides == "one-sided" else ""
    if comparison.ci is not None and (level != 95 or one_sided):
        value += f" [{one_sided}{number(level)}% CI]"
    approx = "~" if comparison.approximate else ""
    return f"{approx}{value}"


def p_text(p_value: str | None) -> str:
    if p_value is None:
        return ""
    if p_value.upper() == "NS":
        return "not significant"
    return f"p{p_value}" if p_value[0] in "<>=≤≥" else f"p={p_value}"


def test_text(comparison: Comparison) -> str:
    """`non-inferiority, margin 1.8`, `equivalence, margins 0.80 to 1.25`; "" for superiority."""
    if comparison.test == "superiority":
        return ""
    if comparison.test == "equivalence":
        if comparison.margin is None or comparison.margin_upper is None:
            return f"equivalence, margins {NOT_REPORTED}"
        return (
            f"equivalence, margins {number(comparison.margin)} to {number(comparison.margin_upper)}"
        )
    if comparison.margin is None:
        return f"non-inferiority, margin {NOT_REPORTED}"
    side = "" if comparison.margin_side_stated else " (side not stated)"
    return f"non-inferiority, margin {number(comparison.margin)}{side}"


def comparison_text(comparison: Comparison) -> str:
    """An effect with its test and p-value, as the Effect column prints it; an order of arms
    that its source did not state says so."""
    effect = effect_text(comparison) if comparison.estimate is not None else ""
    test = test_text(comparison)
    if test:
        effect = f"{effect} ({test})" if effect else test
    text = ", ".join(part for part in (effect, p_text(comparison.p_value)) if part)
    text = text or "no estimate reported"
    direction = DIRECTION_WORDS[comparison.direction]
    if comparison.direction_basis == "figures":
        direction = "direction inferred from the record's figures"
    return f"{text} ({direction})" if direction else text


def test_words(comparison: Comparison) -> str:
    """`superiority`, `non-inferiority (margin 1.3)`, `equivalence (margin 0.8 to 1.25)`."""
    if comparison.test == "superiority":
        return "superiority"
    if comparison.margin is None:
        return f"{comparison.test} (margin {NOT_REPORTED})"
    margin = number(comparison.margin)
    if comparison.margin_upper is not None:
        margin += f" to {number(comparison.margin_upper)}"
    return f"{comparison.test} (margin {margin})"


def safety_text(value: ArmSafety) -> str:
    """`100/596 (17%)`, `587/596 (98.5%, computed)`, `~16%`, `3 people`, or not reported.

    A percentage the source did not print is worked out from the counts and says so.
    """
    approx = "~" if value.approximate else ""
    pct = f"{approx}{number(value.pct)}%" if value.pct is not None else None
    if value.affected is not None and value.at_risk:
        shown = pct or f"{number(100 * value.affected / value.at_risk, 1)}%, {COMPUTED}"
        return f"{value.affected}/{value.at_risk} ({shown})"
    if value.affected is not None and value.at_risk is not None:
        return f"{value.affected}/{value.at_risk}"
    if value.affected is not None:
        return f"{value.affected} ({pct})" if pct else f"{value.affected} people"
    if pct is None and value.deaths is not None:
        return f"{value.deaths} death{'s' if value.deaths != 1 else ''}"
    return pct or NOT_REPORTED


def signed(value: float, places: int) -> str:
    """`+11.8`, `−0.4`, `0.0`: a difference always shows its direction."""
    text = number(value, places)
    if text == "0":  # number() drops the sign of a rounded −0.0, and with it the places
        text = f"{0:.{places}f}"
    return f"+{text}" if value > 0 and text.strip("0.") else text


def points_text(value: float, ci: tuple[float, float] | None = None) -> str:
    """A difference in percentage points: `+11.8 pp (7.0 to 15.7)`, one decimal."""
    head = f"{signed(value, 1)} pp"
    if ci is None:
        return head
    return f"{head} ({signed(ci[0], 1)} to {signed(ci[1], 1)})"


def ratio_text(value: float, ci: tuple[float, float] | None = None) -> str:
    """A computed ratio: `RR 3.39 (1.80–6.36)`, two decimals."""
    return "RR " + with_interval(
        Written(round(value, 2), 2),
        (Written(round(ci[0], 2), 2), Written(round(ci[1], 2), 2)) if ci else None,
    )


SCREEN_NOTE = 300  # the most of a source's own words a screen prints; the file keeps them whole


def on_screen(text: str, limit: int = SCREEN_NOTE) -> str:
    """`text` shortened for a screen, saying that the file holds it whole."""
    if len(text) <= limit:
        return text
    return text[: limit - 1].rsplit(" ", 1)[0].rstrip(" ,;:") + "… (whole in the study file)"


def role_words(arm: Arm) -> str:
    """An arm's role as the page says it: `placebo`, or where the registry's arm type
    disagrees with the arm's own title, both: `placebo by its title (registered as
    experimental)`."""
    role = arm.role.replace("-", " ")
    if arm.registered_as is None:
        return role
    return f"{role} by its title (registered as {arm.registered_as.replace('-', ' ')})"


def intake_word(design: Design | None) -> str:
    """What the study's first count of people is: "randomized", or "enrolled" for a
    single-group or non-randomized study."""
    allocation = design.allocation if design is not None else None
    return "enrolled" if allocation in _NOT_RANDOMIZED else "randomized"
