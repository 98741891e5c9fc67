"""Reading a record's untidy values: text with escapes, numbers as text, partial dates.

Real records are untidy, and every reader here copes without guessing: keys are missing
rather than empty, numbers arrive as text ("12.74", "NA") and keep the decimals they were
written with, anything that is not a number stays absent, text carries Markdown escapes
and HTML entities, and dates may be partial ("2007-10").
"""

from __future__ import annotations

import html
import math
import re
from collections.abc import Sequence
from typing import Any

from trialcli.errors import TrialcliError
from trialcli.model import PARTIAL_DATE_PATTERN, Statistic, Written

SHORT, LONG = 500, 5000  # the model's ShortText and LongText limits


class RecordError(TrialcliError):
    """A registry record that cannot be fetched, read or understood."""


def value_at(data: Any, *path: str) -> Any:
    for key in path:
        if not isinstance(data, dict):
            return None
        data = data.get(key)
    return data


def dicts(value: Any) -> list[dict[str, Any]]:
    return [v for v in value if isinstance(v, dict)] if isinstance(value, list) else []


_MARKDOWN_ESCAPE = re.compile(r"\\([\\`*_{}\[\]()#+\-.!<>|~=^\"'])")
# A backslash at the end of a line is a Markdown line break.
_LINE_BREAK = re.compile(r"\\(?=\n|$)")


def text_of(value: Any) -> str | None:
    """Text with the record's Markdown escapes and HTML entities undone; None when empty."""
    if isinstance(value, bool) or value is None:
        return None
    if isinstance(value, (int, float)):
        value = str(value)
    if not isinstance(value, str):
        return None
    text = html.unescape(_MARKDOWN_ESCAPE.sub(r"\1", _LINE_BREAK.sub("", value))).strip()
    return text or None


def fit(text: str | None, limit: int) -> str | None:
    """`text` within the model's length limit; a cut is marked with an ellipsis."""
    if text is None or len(text) <= limit:
        return text
    cut = text[: limit - 1].rsplit(" ", 1)[0].rstrip(" ,;:")
    return cut + "…"


def one_line(text: str | None, limit: int = SHORT) -> str | None:
    return fit(" ".join(text.split()), limit) if text else None


_NUMBER = re.compile(r"^[+-]?(?:\d+(?:\.\d*)?|\.\d+)(?:[eE][+-]?\d+)?$")
_THOUSANDS = re.compile(r"^[+-]?\d{1,3}(?:,\d{3})+(?:\.\d+)?$")


def figure(value: Any) -> float | None:
    """A figure from a number or its text, keeping its written decimals; None if not one."""
    if isinstance(value, bool):
        return None
    if isinstance(value, int):
        return Written(float(value), 0)
    if isinstance(value, float):
        return value if math.isfinite(value) else None
    text = text_of(value)
    if text is None:
        return None
    if _THOUSANDS.match(text):
        text = text.replace(",", "")
    if not _NUMBER.match(text):
        return None
    number = float(text)
    if not math.isfinite(number):
        return None
    # "1.2E-4" has more decimals than its mantissa shows: let the value speak for itself.
    return number if "e" in text.lower() else Written.from_text(number, text)


def count_of(value: Any) -> int | None:
    number = figure(value)
    if number is None or number < 0 or number != int(number):
        return None
    return int(number)


def date_of(value: Any) -> str | None:
    text = text_of(value)
    return text if text and re.fullmatch(PARTIAL_DATE_PATTERN, text) else None


def join_words(items: Sequence[str], word: str = "and") -> str:
    if len(items) <= 1:
        return "".join(items)
    return ", ".join(items[:-1]) + f" {word} " + items[-1]


# paramType → what an arm's figure is, in the format's words (ArmResult.statistic).
STATISTICS: dict[str, Statistic] = {
    "MEAN": "mean",
    "MEDIAN": "median",
    "LEAST_SQUARES_MEAN": "least-squares-mean",
    "GEOMETRIC_MEAN": "geometric-mean",
    "GEOMETRIC_LEAST_SQUARES_MEAN": "geometric-least-squares-mean",
    "LOG_MEAN": "log-mean",
    "NUMBER": "number",
    "COUNT_OF_PARTICIPANTS": "count-of-participants",
    "COUNT_OF_UNITS": "count-of-units",
}
STATISTIC = {
    "MEAN": "mean",
    "MEDIAN": "median",
    "LEAST_SQUARES_MEAN": "least-squares mean",
    "GEOMETRIC_MEAN": "geometric mean",
    "GEOMETRIC_LEAST_SQUARES_MEAN": "geometric least-squares mean",
    "LOG_MEAN": "log mean",
}
DISPERSION_WORDS = {
    "sd": "SD",
    "se": "SE",
    "iqr": "interquartile range",
    "range": "full range",
    "cv": "geometric coefficient of variation",
    "ci": "confidence interval",
}


def dispersion_of(value: Any) -> tuple[str, float | None]:
    """("ci", level) | ("sd", None) | …; the record writes these as words or as enums."""
    text = (text_of(value) or "").upper().replace(" ", "_").replace("-", "_")
    if "CONFIDENCE" in text:
        digits = re.search(r"(\d+(?:\.\d+)?)", text)
        level = None
        if digits:
            raw = digits.group(1)
            # The enum writes 97.5% as CONFIDENCE_975.
            level = float(raw) if "." in raw or len(raw) <= 2 else float(raw) / 10
        return "ci", level if level is not None and 0 < level < 100 else None
    for needle, kind in (
        ("STANDARD_DEVIATION", "sd"),
        ("STANDARD_ERROR", "se"),
        ("INTER_QUARTILE", "iqr"),
        ("INTERQUARTILE", "iqr"),
        ("FULL_RANGE", "range"),
        ("GEOMETRIC_COEFFICIENT", "cv"),
    ):
        if needle in text:
            return kind, None
    return "", None


# Units that say the figure is a number of people: "Participants", "Count of participants",
# "Number of participants with events" (not "percentage of participants", not "per participant").
_PEOPLE_UNIT = re.compile(
    r"^(?:(?:number|count|no\.?) of )?(?:participants?|patients?|subjects?|people|persons?)"
    r"(?: (?:with|who|reporting|having)\b.*)?$",
    re.IGNORECASE,
)


def counts_people_unit(unit: str | None) -> bool:
    """Whether a unit of measure says its figures are numbers of people."""
    return bool(unit) and bool(_PEOPLE_UNIT.match(" ".join((unit or "").split())))


def is_percent(unit: str | None) -> bool:
    return bool(unit) and (unit == "%" or (unit or "").lower().startswith("percent"))


def unit_words(unit: str) -> str | None:
    """A unit as it reads after a number: "Units on a scale" → units on a scale; mg/dL stays."""
    first = unit.split(" ", 1)[0]
    if first[:1].isupper() and first[1:].islower():
        unit = unit[0].lower() + unit[1:]
    return one_line(unit)
