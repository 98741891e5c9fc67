"""Which way a comparison runs, from the record's own figures.

A measure reported as one row gives each group a figure. Those figures can fix the order of
an analysis of two groups:

- a difference: one of A − B and B − A equals the estimate to the figures' rounding and the
  other does not ("16 − 4.6 = 11.4");
- a ratio of risks, odds or hazards: the groups' proportions (people with the event of those
  counted, or a percentage) give a crude ratio clearly on one side of 1, and the estimate is
  clearly on one side too (40/89 vs 30/92: crude 1.38, for a hazard ratio of 1.48).

Anything less clear fixes nothing.
"""

from __future__ import annotations

import math
from dataclasses import dataclass
from typing import Any

from trialcli.importers.ctgov.values import (
    count_of,
    counts_people_unit,
    dicts,
    figure,
    is_percent,
    text_of,
)

_COUNT_PARAMS = frozenset({"COUNT_OF_PARTICIPANTS", "COUNT_OF_UNITS"})
_VALUE_PARAMS = frozenset(
    {
        "MEAN",
        "LEAST_SQUARES_MEAN",
        "MEDIAN",
        "GEOMETRIC_MEAN",
        "NUMBER",
        "GEOMETRIC_LEAST_SQUARES_MEAN",
    }
)
_EVENT_RATIOS = frozenset({"hazard-ratio", "risk-ratio", "odds-ratio", "rate-ratio"})
_DIFFERENCES = frozenset(
    {"difference", "mean-difference", "ls-mean-difference", "median-difference", "risk-difference"}
)
# A crude ratio this far from 1, and an estimate this far, are on a side of 1.
_CRUDE_CLEAR = math.log(1.25)
_ESTIMATE_CLEAR = math.log(1 / 0.95)


@dataclass(frozen=True)
class Figures:
    """One group's figure in a one-row measure."""

    value: float
    text: str  # as written, for its rounding
    proportion: float | None  # people with the event of those counted, when a count or a %
    counted: int | None = None  # people counted, for a count

    @property
    def words(self) -> str:
        return f"{self.text}/{self.counted}" if self.counted is not None else self.text


def group_figures(measure: dict[str, Any]) -> dict[str, Figures]:
    """Outcome group id → its figure, for a measure of one class and one category."""
    classes = dicts(measure.get("classes"))
    if len(classes) != 1:
        return {}
    categories = dicts(classes[0].get("categories"))
    if len(categories) != 1:
        return {}
    param = text_of(measure.get("paramType")) or ""
    unit = text_of(measure.get("unitOfMeasure"))
    people = _people(dicts(classes[0].get("denoms")) or dicts(measure.get("denoms")))
    found: dict[str, Figures] = {}
    for m in dicts(categories[0].get("measurements")):
        group, text = text_of(m.get("groupId")), text_of(m.get("value"))
        value = figure(text)
        if group is None or text is None or value is None:
            continue
        proportion, counted = None, None
        # A NUMBER in "Participants" is a count of people, as the outcomes read it.
        counts = param in _COUNT_PARAMS or (
            param == "NUMBER" and counts_people_unit(unit) and value == int(value)
        )
        if counts and people.get(group):
            counted = people[group]
            proportion = value / counted
        elif param == "NUMBER" and unit and is_percent(unit):
            proportion = value / 100
        if param in _COUNT_PARAMS or param in _VALUE_PARAMS:
            found[group] = Figures(value, text, proportion, counted)
    return found


def _people(denoms: list[dict[str, Any]]) -> dict[str, int]:
    counted: dict[str, int] = {}
    for denom in denoms:
        if (text_of(denom.get("units")) or "").lower() != "participants":
            continue
        for count in dicts(denom.get("counts")):
            group, value = text_of(count.get("groupId")), count_of(count.get("value"))
            if group is not None and value:
                counted[group] = value
    return counted


def order(
    measure: str | None, estimate: str | None, a: Figures | None, b: Figures | None
) -> tuple[bool, str] | None:
    """(swap, the arithmetic in words) when the figures fix the order [a, b]; else None."""
    value = figure(estimate)
    if value is None or estimate is None or a is None or b is None:
        return None
    if measure in _DIFFERENCES:
        return _difference(value, estimate, a, b)
    if measure in _EVENT_RATIOS:
        return _ratio(value, a, b)
    return None


def _difference(value: float, estimate: str, a: Figures, b: Figures) -> tuple[bool, str] | None:
    tolerance = _half_unit(a.text) + _half_unit(b.text) + _half_unit(estimate) + 1e-9
    forward = abs(a.value - b.value - value) <= tolerance
    backward = abs(b.value - a.value - value) <= tolerance
    if forward == backward:
        return None
    first, second = (a, b) if forward else (b, a)
    subtracted = f"({second.text})" if second.value < 0 else second.text
    return backward, f"{first.text} − {subtracted} = {estimate}"


def _ratio(value: float, a: Figures, b: Figures) -> tuple[bool, str] | None:
    if not a.proportion or not b.proportion or value <= 0:
        return None
    crude = math.log(a.proportion / b.proportion)
    stated = math.log(value)
    if abs(crude) < _CRUDE_CLEAR or abs(stated) < _ESTIMATE_CLEAR:
        return None
    swap = (crude > 0) != (stated > 0)
    first, second = (b, a) if swap else (a, b)
    ratio = first.proportion / second.proportion if first.proportion and second.proportion else 0
    return swap, f"crude ratio {first.words} vs {second.words} = {ratio:.2f}, for {value:g}"


def _half_unit(text: str) -> float:
    places = len(text.split(".", 1)[1]) if "." in text else 0
    return 0.5 * 10.0 ** (-places)
