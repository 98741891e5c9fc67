"""Rows of plain data as JSON, CSV or Markdown: the same rows a table shows on screen."""

from __future__ import annotations

import csv
import io
import json
import math
from collections.abc import Mapping, Sequence
from enum import Enum
from typing import Any

from trialcli.formatting import NOT_REPORTED, plain_number
from trialcli.render.text import clean, escape_unsafe

Row = Mapping[str, Any]


class OutputFormat(str, Enum):
    table = "table"
    json = "json"
    csv = "csv"
    markdown = "markdown"


def to_json(data: Any) -> str:
    try:
        text = json.dumps(data, indent=2, ensure_ascii=False, allow_nan=False)
    except ValueError:  # JSON has no infinity or NaN: such a number is written as text
        text = json.dumps(_finite(data), indent=2, ensure_ascii=False, allow_nan=False)
    return escape_unsafe(text)


def _finite(data: Any) -> Any:
    if isinstance(data, float) and not math.isfinite(data):
        return str(data)
    if isinstance(data, dict):
        return {key: _finite(value) for key, value in data.items()}
    if isinstance(data, (list, tuple)):
        return [_finite(value) for value in data]
    return data


def to_csv(rows: Sequence[Row], columns: Sequence[str]) -> str:
    buffer = io.StringIO()
    # Cells and headers (a diff's carry study labels) are text from files: cleaned.
    writer = csv.writer(buffer, lineterminator="\n")
    writer.writerow(clean(c) for c in columns)
    for row in rows:
        writer.writerow(clean(_cell(row.get(c)), one_line=False) for c in columns)
    return buffer.getvalue()


def to_markdown(rows: Sequence[Row], columns: Sequence[str], missing: str = NOT_REPORTED) -> str:
    """A Markdown table; an absent value reads `missing` ("not reported" for data)."""

    def escape(value: Any) -> str:
        text = missing if value is None else clean(_cell(value), one_line=False)
        return text.replace("|", "\\|").replace("\n", "<br>")

    lines = ["| " + " | ".join(map(escape, columns)) + " |", "|" + "---|" * len(columns)]
    lines += ["| " + " | ".join(escape(row.get(c)) for c in columns) + " |" for row in rows]
    return "\n".join(lines) + "\n"


def _cell(value: Any) -> str:
    if value is None:
        return ""
    if isinstance(value, bool):
        return "true" if value else "false"
    if isinstance(value, float):
        return plain_number(value)
    return str(value)
