"""Baseline characteristics, kept as lines of text in each group's words."""

from __future__ import annotations

from typing import Any

from trialcli.importers.ctgov.outcomes import rows_of
from trialcli.importers.ctgov.values import (
    DISPERSION_WORDS,
    LONG,
    STATISTIC,
    count_of,
    dicts,
    dispersion_of,
    fit,
    text_of,
    value_at,
)
from trialcli.model import Statement


def baseline_of(results: dict[str, Any]) -> list[Statement]:
    module = value_at(results, "baselineCharacteristicsModule") or {}
    titles = {
        text_of(g.get("id")): text_of(g.get("title")) or "?" for g in dicts(module.get("groups"))
    }
    lines: list[Statement] = []
    for measure in dicts(module.get("measures")):
        title = text_of(measure.get("title"))
        if title is None:
            continue
        param = STATISTIC.get(text_of(measure.get("paramType")) or "")
        spread = DISPERSION_WORDS.get(dispersion_of(measure.get("dispersionType"))[0])
        unit = text_of(measure.get("unitOfMeasure"))
        about = ", ".join(p for p in (param, spread, unit) if p)
        rows = []
        for label, measurements, _ in rows_of(measure):
            values = []
            for m in measurements:
                value = text_of(m.get("value"))
                if value is None:
                    continue
                extra = text_of(m.get("spread"))
                low, high = text_of(m.get("lowerLimit")), text_of(m.get("upperLimit"))
                if extra:
                    value += f" ({extra})"
                elif low and high:
                    value += f" ({low} to {high})"
                values.append(f"{titles.get(text_of(m.get('groupId')), '?')} {value}")
            if values:
                rows.append((f"{label}: " if label else "") + "; ".join(values))
        if rows:
            text = f"{title}{f' ({about})' if about else ''}: " + " | ".join(rows)
            lines.append(Statement(text=fit(text, LONG) or title))
    return lines


# arms --------------------------------------------------------------------------


def baseline_counts(results: dict[str, Any]) -> list[tuple[str, int]]:
    """(group title, people) of the baseline characteristics' denominators, in people only."""
    module = value_at(results, "baselineCharacteristicsModule") or {}
    titles = {text_of(g.get("id")): text_of(g.get("title")) for g in dicts(module.get("groups"))}
    counts = []
    for denom in dicts(module.get("denoms")):
        if (text_of(denom.get("units")) or "").lower() != "participants":
            continue
        for count in dicts(denom.get("counts")):
            title = titles.get(text_of(count.get("groupId")))
            value = count_of(count.get("value"))
            if title and value is not None:
                counts.append((title, value))
    return counts
