"""Non-inferiority and equivalence margins, as numbers, from a registry analysis's own words.

A margin is kept only as the record states it, on the estimate's scale:

- a non-inferiority margin with its side of no difference: a signed difference ("margin of
  -0.75 g/dL"), a ratio ("a hazard ratio of 1.3"), or an unsigned size whose side the
  sentence names ("the upper limit ... below 0.4"); an unsigned size with no side is kept
  as its size, marked `side_stated=False` ("A non-inferiority margin of 0.4% was used");
- equivalence limits, both of them: "80% to 125%", "+/- 0.5", or limits on a log scale
  ("ln(HR) > -0.2877 and < 0.2877", kept as the ratios exp(±0.2877) with a note).

A margin stated relative to an arm ("at least 85% of the volume infused intravenously") is
not on the estimate's scale and stays in words.
"""

from __future__ import annotations

import math
import re
from dataclasses import dataclass

_NUMBER = r"([-−+]?\d+(?:\.\d+)?|[-−+]?\.\d+)"
# Sentences end at a full stop, a space and a capital ("vs. placebo" does not end one).
_SENTENCE = re.compile(r"(?<=[.;])\s+(?=[A-Z])")
# "margin of 1.2", "margin is a hazard ratio of 1.3", "null margin of 1.3",
# "non-inferiority limit of −1.75", "margin was set at -10"
_STATED = re.compile(
    r"\b(?:margin|non-?inferiority (?:limit|bound|boundary|threshold))s?\b"
    r"(?:\s+(?:of|was|is|=|:|set|at|to|be|a|the|defined|as|equal|for|non-?inferiority"
    r"|hazard|odds|risk|rate|ratio|difference|mean|HR|OR|RR))*\s*[:=]?\s*" + _NUMBER + r"\s*(%?)",
    re.IGNORECASE,
)
# "0.4% margin of noninferiority", "a 10% non-inferiority margin"
_BEFORE = re.compile(
    _NUMBER + r"\s*(%?)\s+(?:margin of non-?inferiority|non-?inferiority margin)",
    re.IGNORECASE,
)
# "the upper limit of the 95% CI ... below 1.8", "lower limit ... greater than -0.75"
_BOUND = re.compile(
    r"\b(upper|lower)\b[^.;]{0,120}?"
    r"(?:strictly |was |is |be |lies |remains? )*"
    r"(below|less than|lower than|smaller than|under|<|≤|not exceed\w*|"
    r"greater than|above|higher than|larger than|exceed\w*|>|≥)\s*"
    r"(?:the |a |an )?(?:pre-?specified |prespecified |predefined |pre-defined )?"
    r"(?:non-?inferiority )?(?:margin |limit |threshold )?(?:of )?" + _NUMBER + r"\s*(%?)",
    re.IGNORECASE,
)
# "within 0.8 to 1.25", "margins of 80% to 125%", "limits 0.80-1.25", "between -10 and 10"
_RANGE = re.compile(
    r"(?:margins?|limits?|bounds?|boundar(?:y|ies)|range|within|between|interval of)"
    r"\D{0,25}?" + _NUMBER + r"\s*(%?)\s*(?:-|–|—|to|and)\s*" + _NUMBER + r"\s*(%?)",
    re.IGNORECASE,
)
# "margin of +/- 0.5", "±10%", "plus or minus 0.5"
_PLUS_MINUS = re.compile(r"(?:\+/-|\+/−|±|plus or minus)\s*(\d+(?:\.\d+)?|\.\d+)\s*(%?)")
# Limits on a log scale: "ln(HR) ... > -0.2877 and ... < 0.2877"
_LOG = re.compile(r"\b(?:ln|log)\s*\(\s*(?:hr|or|rr|ratio)\s*\)", re.IGNORECASE)
_ABOVE = re.compile(r"(?:>|≥|greater than|above)\s*" + _NUMBER)
_BELOW = re.compile(r"(?:<|≤|less than|below)\s*" + _NUMBER)
_UPPER_WORDS = frozenset({"below", "less than", "lower than", "smaller than", "under", "<", "≤"})


@dataclass(frozen=True)
class Margin:
    """A stated margin: `lower`/`upper` for equivalence, `lower` alone for non-inferiority."""

    lower: float
    upper: float | None = None
    side_stated: bool = True
    note: str | None = None


def _value(text: str) -> float:
    return float(text.replace("−", "-"))


def sentences(words: str) -> list[str]:
    return [s for s in _SENTENCE.split(words) if s]


def non_inferiority(words: str, null: float, ratio: bool) -> Margin | None:
    """The non-inferiority margin the words state, on the estimate's scale; None when
    they state none that can be read as a number on it."""
    for sentence in sentences(words):
        if _relative(sentence):
            continue
        for match in _BOUND.finditer(sentence):
            value = _value(match.group(3))
            upper = match.group(2).lower() in _UPPER_WORDS or match.group(2).lower().startswith(
                "not exceed"
            )
            if _is_level(sentence, match.end(3)) or (ratio and match.group(4)):
                continue
            if ratio or match.group(3)[0] in "-−+" or value == null:
                if value != null:
                    return Margin(value)
                continue
            return Margin(value if upper else -value)
        for pattern in (_STATED, _BEFORE):
            for match in pattern.finditer(sentence):
                text = match.group(1)
                value = _value(text)
                if value == null or _is_level(sentence, match.end(1)) or (ratio and match.group(2)):
                    continue
                if ratio or text[0] in "-−+":
                    return Margin(value)
                side = _side_words(sentence)
                if side is not None:
                    return Margin(value if side == "upper" else -value)
                return Margin(value, side_stated=False)
    return None


def equivalence(words: str, null: float, ratio: bool) -> Margin | None:
    """Both equivalence limits the words state, on the estimate's scale; None otherwise."""
    for sentence in sentences(words):
        if _LOG.search(sentence) and ratio:
            above, below = _ABOVE.search(sentence), _BELOW.search(sentence)
            if above and below:
                low, high = _value(above.group(1)), _value(below.group(1))
                if low < 0 < high:
                    return Margin(
                        round(math.exp(low), 4),
                        round(math.exp(high), 4),
                        note=(
                            f"equivalence limits stated on the log scale ({low:g} to {high:g}),"
                            f" kept as ratios {math.exp(low):.4g} to {math.exp(high):.4g}"
                        ),
                    )
        plus_minus = _PLUS_MINUS.search(sentence)
        if plus_minus and not ratio and null == 0:
            size = _value(plus_minus.group(1))
            if size > 0:
                return Margin(-size, size)
        for match in _RANGE.finditer(sentence):
            low, high = _value(match.group(1)), _value(match.group(3))
            percent = "%" in (match.group(2) + match.group(4))
            if ratio and null == 1 and percent and low > 1 and high > 1:
                low, high = low / 100, high / 100
                if low < null < high:
                    return Margin(
                        low, high, note=f"equivalence limits stated in percent: {match.group(0)}"
                    )
            if low < null < high:
                return Margin(low, high)
    return None


def _side_words(sentence: str) -> str | None:
    """ "upper" or "lower" when the sentence names one bound of the interval and not the other."""
    lower = sentence.lower()
    has_upper, has_lower = "upper" in lower, "lower limit" in lower or "lower bound" in lower
    if has_upper != has_lower:
        return "upper" if has_upper else "lower"
    return None


def _relative(sentence: str) -> bool:
    """A margin stated as a share of the other arm's result ("≥85% of the volume infused
    intravenously"), which is not on a difference's scale."""
    return bool(re.search(r"\d\s*%\s+of the\b", sentence, re.IGNORECASE))


def _is_level(sentence: str, end: int) -> bool:
    """A confidence level ("95% CI", "97.5 percent confidence"), not a margin."""
    rest = sentence[end:].lstrip(" %").lower()
    return rest.startswith(("ci", "confidence", "percent confidence", "two-sided", "one-sided"))


_IN_WORDS = re.compile(r"\bmargin|\binferior if\b|\d\s*%\s+of the\b", re.IGNORECASE)


def phrase(words: str) -> str | None:
    """The words that state a margin ("margin of 7.5%"), for a measure with no known scale."""
    for pattern in (_STATED, _BEFORE):
        match = pattern.search(words)
        if match:
            return match.group(0).strip()
    return None


def stated_in_words(words: str) -> bool:
    """Whether the words speak of a margin that no pattern here reads as a number."""
    return bool(_IN_WORDS.search(words))
