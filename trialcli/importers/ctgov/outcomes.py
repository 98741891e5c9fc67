"""Outcome measures: each class and category a row, each group's figures on its arm."""

from __future__ import annotations

import re
from collections import Counter
from typing import Any

from trialcli.endpoint_codes import standard_code
from trialcli.importers.ctgov.analyses import comparisons_of
from trialcli.importers.ctgov.groups import Groups
from trialcli.importers.ctgov.values import (
    DISPERSION_WORDS,
    LONG,
    STATISTICS,
    count_of,
    counts_people_unit,
    dicts,
    dispersion_of,
    figure,
    fit,
    is_percent,
    one_line,
    text_of,
    unit_words,
    value_at,
)
from trialcli.model import ArmResult, Endpoint, EndpointKind, Level

LEVELS: dict[str, Level] = {
    "PRIMARY": "primary",
    "SECONDARY": "secondary",
    "OTHER_PRE_SPECIFIED": "tertiary",
    "POST_HOC": "exploratory",
}


def endpoints_of(
    protocol: dict[str, Any], results: dict[str, Any], groups: Groups
) -> list[Endpoint]:
    """One endpoint per row of each measure; the registered outcomes when none has results."""
    measures = dicts(value_at(results, "outcomeMeasuresModule", "outcomeMeasures"))
    counters: dict[str, int] = {}
    endpoints: list[Endpoint] = []
    if not measures:
        registered: list[tuple[str, Level]] = [
            ("primaryOutcomes", "primary"),
            ("secondaryOutcomes", "secondary"),
            ("otherOutcomes", "tertiary"),
        ]
        for kind, level in registered:
            for outcome in dicts(value_at(protocol, "outcomesModule", kind)):
                endpoints += _measure(groups, outcome, level, counters, registered_only=True)
        return _told_apart(endpoints)
    for measure in measures:
        level = LEVELS.get(text_of(measure.get("type")) or "", "secondary")
        endpoints += _measure(groups, measure, level, counters)
    return _told_apart(endpoints)


def _told_apart(endpoints: list[Endpoint]) -> list[Endpoint]:
    """Endpoints that share a name ("MACE" at 30 days and at 1 year) named with what
    tells them apart: their time frame, else their level, as the record gives them."""
    for field in ("time_frame", "level"):
        names = Counter(e.name for e in endpoints)
        endpoints = [
            e.model_copy(update={"name": one_line(f"{e.name} ({getattr(e, field)})")})
            if names[e.name] > 1 and getattr(e, field) and _differ(endpoints, e, field)
            else e
            for e in endpoints
        ]
    return endpoints


def _differ(endpoints: list[Endpoint], endpoint: Endpoint, field: str) -> bool:
    same = [getattr(e, field) for e in endpoints if e.name == endpoint.name]
    return len(set(same)) == len(same)


def _measure(
    groups: Groups,
    measure: dict[str, Any],
    level: Level,
    counters: dict[str, int],
    registered_only: bool = False,
) -> list[Endpoint]:
    counters[level] = counters.get(level, 0) + 1
    ident = f"{level}-{counters[level]}"
    title = text_of(measure.get("title")) or text_of(measure.get("measure")) or ident
    param = (text_of(measure.get("paramType")) or "").upper()
    unit = text_of(measure.get("unitOfMeasure"))
    kind = kind_of(param, unit, title)
    if kind == "proportion" and param != "COUNT_OF_PARTICIPANTS" and _beyond_percent(measure):
        # A percentage of something other than people (percent change, % of predicted).
        kind = "continuous"
    # A number of people ("Participants" as the unit of a NUMBER) is a count of people, as
    # a count-of-participants measure is: never a continuous value with a CI about a count.
    counts_people = param == "COUNT_OF_PARTICIPANTS" or (
        param in PROPORTION_PARAMS and counts_people_unit(unit) and _whole_numbers(measure)
    )
    common: dict[str, Any] = {
        "level": level,
        "kind": kind,
        "time_frame": one_line(text_of(measure.get("timeFrame"))),
        "definition": fit(text_of(measure.get("description")), LONG),
    }
    population_text = text_of(measure.get("populationDescription"))
    population = first_sentence(population_text)
    notes: list[str] = []
    if population_text and population != population_text:
        notes.append(f"Analysis population (registry): {population_text}")
    status = text_of(measure.get("reportingStatus"))
    if registered_only:
        notes.append("Registered outcome; the record has no results for it.")
    elif status == "NOT_POSTED":
        notes.append("Results not posted on ClinicalTrials.gov (reportingStatus NOT_POSTED).")
    keys = {}
    taken: set[str] = set()
    siblings = [text_of(g.get("title")) or "" for g in dicts(measure.get("groups"))]
    for group in dicts(measure.get("groups")):
        people = denominator(dicts(measure.get("denoms")), text_of(group.get("id")) or "")[0]
        where = f"outcome '{one_line(title, 80)}'"
        key = groups.group_key(group, where, taken, people, siblings)
        taken.add(key)
        keys[text_of(group.get("id")) or ""] = key
    rows = rows_of(measure)
    comparisons, analysis_notes = comparisons_of(measure, keys, groups, unit, counts_people)
    row_results = [
        _row_results(measure, measurements, denoms, keys, param, unit, counts_people)
        for _, measurements, denoms in rows
    ]
    if counts_people:
        # n of N is a proportion only where N is the measure's own count of the group's
        # people analysed; without it (or with more counted than analysed), a count.
        counted = [r for results in row_results for r in results.values() if r.n is not None]
        kind = "proportion" if counted and all(r.N is not None for r in counted) else "count"
        if kind == "count" and counted:
            notes.append(
                "Counts of people without the measure's own denominators for every group: "
                "kept as counts, not proportions."
            )
    common["kind"] = kind
    # The registry does not say which row (week, threshold, category) an analysis is of:
    # held beside a row's results, the audit would check one against another's figures.
    apart = len(rows) > 1 and bool(comparisons)
    # A standard code only where the record plainly names a standard endpoint, and only for
    # a measure reported as one row (a category of it is not the endpoint itself).
    code = (
        standard_code(title, common["definition"], unit, common["time_frame"])
        if len(rows) <= 1
        else None
    )
    endpoints = []
    if apart:
        note = (
            "The record's analyses of this measure; the record does not tie them to one of its "
            f"{len(rows)} rows, whose results are the endpoints {ident}.1 to {ident}.{len(rows)}."
        )
        endpoints.append(
            Endpoint(
                id=ident,
                name=one_line(f"{title} — analyses") or ident,
                population=population,
                comparisons=comparisons,
                note=fit(" ".join([*notes, *analysis_notes, note]), LONG),
                **common,
            )
        )
    labelled = [(label, results) for (label, _, _), results in zip(rows, row_results, strict=True)]
    for index, (label, results) in enumerate(labelled or [("", {})], start=1):
        first = index == 1 and not apart
        endpoints.append(
            Endpoint(
                id=ident if len(rows) <= 1 else f"{ident}.{index}",
                code=code,
                name=one_line(f"{title} — {label}" if label else title) or ident,
                population=population,
                results=results,
                comparisons=comparisons if first else [],
                note=fit(" ".join(notes + (analysis_notes if first else [])), LONG) or None,
                **common,
            )
        )
    return endpoints


def _row_results(
    measure: dict[str, Any],
    measurements: list[dict[str, Any]],
    denoms: list[dict[str, Any]],
    keys: dict[str, str],
    param: str,
    unit: str | None,
    counts_people: bool,
) -> dict[str, ArmResult]:
    results = {}
    for m in measurements:
        arm = keys.get(text_of(m.get("groupId")) or "")
        if arm is None:
            continue
        dispersion = measure.get("dispersionType")
        result = arm_result(m, param, dispersion, unit, denoms, counts_people)
        if result is not None:
            results[arm] = result
    return results


def _whole_numbers(measure: dict[str, Any]) -> bool:
    """Whether every value a measure reports is a whole number (as counts of people are)."""
    values = [
        figure(m.get("value"))
        for group in dicts(measure.get("classes"))
        for category in dicts(group.get("categories"))
        for m in dicts(category.get("measurements"))
    ]
    numbers = [v for v in values if v is not None]
    return bool(numbers) and all(v >= 0 and v == int(v) for v in numbers)


def rows_of(
    measure: dict[str, Any],
) -> list[tuple[str, list[dict[str, Any]], list[dict[str, Any]]]]:
    """(row label, measurements, denominators) for each class and category of a measure."""
    rows = []
    classes = dicts(measure.get("classes"))
    for group in classes:
        denoms = dicts(group.get("denoms")) or dicts(measure.get("denoms"))
        categories = dicts(group.get("categories"))
        for category in categories:
            label = " / ".join(
                t for t in (text_of(group.get("title")), text_of(category.get("title"))) if t
            )
            measurements = dicts(category.get("measurements"))
            if measurements:
                rows.append((label, measurements, denoms))
    return rows


def denominator(denoms: list[dict[str, Any]], group_id: str) -> tuple[int | None, str | None]:
    """People counted for a group, or (None, "40 eyes") when the units are not people."""
    ordered = sorted(
        denoms, key=lambda d: (text_of(d.get("units")) or "").lower() != "participants"
    )
    for denom in ordered:
        for count in dicts(denom.get("counts")):
            if text_of(count.get("groupId")) == group_id:
                value = count_of(count.get("value"))
                units = text_of(denom.get("units")) or "units"
                if units.lower() == "participants":
                    return value, None
                return None, f"N = {text_of(count.get('value'))} {units.lower()}"
    return None, None


def _beyond_percent(measure: dict[str, Any]) -> bool:
    """Whether any figure of a measure in percent lies below 0 or above 100."""
    for group in dicts(measure.get("classes")):
        for category in dicts(group.get("categories")):
            for m in dicts(category.get("measurements")):
                for key in ("value", "lowerLimit", "upperLimit"):
                    value = figure(m.get(key))
                    if value is not None and not 0 <= value <= 100:
                        return True
    return False


# The registry's paramType values a percentage of participants is reported as ("" when absent).
PROPORTION_PARAMS = frozenset({"NUMBER", ""})


def kind_of(param: str, unit: str | None, title: str) -> EndpointKind:
    """The endpoint's kind, inferred from the parameter type, the unit and the title."""
    lowered_unit, lowered_title = (unit or "").lower(), title.lower()
    if param == "COUNT_OF_PARTICIPANTS":
        return "proportion"
    if param == "COUNT_OF_UNITS":
        return "count"
    if "time to" in lowered_title or "time-to" in lowered_title:
        return "time-to-event"
    # A percentage is a proportion of people only as a plain number: a mean, median or
    # least-squares mean of percentages (percent change in body weight, ejection fraction)
    # is continuous, and has no number needed to treat.
    if (is_percent(unit) or "proportion" in lowered_unit) and param in PROPORTION_PARAMS:
        return "proportion"
    if "rate" in lowered_unit or re.search(
        r"\bper (patient|participant|person)[- ]?year", lowered_unit
    ):
        return "rate"
    return "continuous"


def arm_result(
    measurement: dict[str, Any],
    param: str,
    dispersion: Any,
    unit: str | None,
    denoms: list[dict[str, Any]],
    counts_people: bool = False,
) -> ArmResult | None:
    """One group's figure: its value as the statistic the record names (`paramType`), its
    spread as the record's `dispersionType` names it, and, for a count of people, n of the
    measure's own denominator. Nothing is read from words."""
    raw = text_of(measurement.get("value"))
    value = figure(raw)
    notes: list[str] = []
    spread_kind, level = dispersion_of(dispersion)
    spread_text = text_of(measurement.get("spread"))
    low_text, high_text = (
        text_of(measurement.get("lowerLimit")),
        text_of(measurement.get("upperLimit")),
    )
    low, high = figure(low_text), figure(high_text)
    ci: tuple[float, float] | None = None
    spreads: dict[str, Any] = {}
    if spread_kind == "ci" and (low_text or high_text):
        stated = f"{level:g}% CI" if level is not None else "CI (level not stated)"
        if (
            not counts_people
            and low is not None
            and high is not None
            and level is not None
            and low <= high
            and (value is None or low <= value <= high)
        ):
            ci = (low, high)
        else:
            # A count of people has no confidence interval of its own: kept as words.
            notes.append(f"{stated} as registered: {low_text or '?'} to {high_text or '?'}")
    elif spread_kind in {"iqr", "range"} and (low_text or high_text):
        if low is not None and high is not None and low <= high:
            spreads[spread_kind] = (low, high)
        else:
            words = DISPERSION_WORDS[spread_kind]
            notes.append(f"{words} as registered: {low_text or '?'} to {high_text or '?'}")
    elif spread_kind in {"sd", "se", "cv"} and spread_text:
        spread = figure(spread_text)
        if spread is not None and spread >= 0:
            spreads["geometric_cv" if spread_kind == "cv" else spread_kind] = spread
        else:
            notes.append(f"{DISPERSION_WORDS[spread_kind]} as registered: {spread_text}")
    if raw is not None and value is None:
        notes.append(f"registered as '{raw}'")
    comment = text_of(measurement.get("comment"))
    if comment:
        notes.append(comment)
    group_id = text_of(measurement.get("groupId")) or ""
    people, other_units = denominator(denoms, group_id)
    if other_units:
        notes.append(other_units)
    n = None
    percent = is_percent(unit)
    if counts_people and value is not None and value == int(value):
        n, value = int(value), None
        if people is not None and n > people:
            notes.append(f"{n} of {people} counted, as registered")
            people = None
    if value is None and ci is None and n is None and people is None and not notes:
        return None
    shown_unit = None
    if value is not None and unit and not counts_people:
        shown_unit = "%" if percent else unit_words(unit)
    return ArmResult(
        value=value,
        unit=shown_unit,
        statistic=STATISTICS.get(param) if value is not None or n is not None else None,
        ci=ci,
        ci_level=level if ci is not None and level is not None else 95,
        n=n,
        N=people,
        note=one_line("; ".join(notes)),
        **spreads,
    )


def first_sentence(text: str | None) -> str | None:
    """A population description's first sentence; the whole text goes to the note."""
    if text is None:
        return None
    first = re.split(r"(?<=[a-z0-9)]\.)\s+(?=[A-Z])", text, maxsplit=1)[0]
    return one_line(first)
