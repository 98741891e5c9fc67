"""Rows of plain data as JSON, CSV or Markdown: the same rows a table shows on screen."""

from __future__ import annotations

import csv
import html
import io
import json
import math
import re
from collections.abc import Mapping, Sequence
from typing import Any

from trialcli.formatting import NOT_REPORTED, plain_number
from trialcli.render.text import clean, escape_unsafe

Row = Mapping[str, Any]


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
    writer.writerow(_inert(clean(c)) for c in columns)
    for row in rows:
        writer.writerow(_inert(clean(_cell(row.get(c)), one_line=False)) for c in columns)
    return buffer.getvalue()


# A spreadsheet reads a cell starting with = + - @ as a formula (registry text is
# third-party text). One that can act — call a function such as HYPERLINK(, reach
# another program through DDE `|`, or another sheet with `!` — is given a leading quote
# and shown as text; trialcli's own figures (`=0.059`, `+3.9 pp (+1.2 to +8.0)`, `-0.5`)
# can do none of that and stay as they are.
_FORMULA_START = ("=", "+", "-", "@", "\t", "\r")
_FORMULA_ACTS = re.compile(r"[A-Za-z_.]\(|[|!]")


def _inert(text: str) -> str:
    """A CSV cell a spreadsheet shows as text: a quote first where it would be a formula."""
    if text.startswith(_FORMULA_START) and _FORMULA_ACTS.search(text):
        return "'" + text
    return text


# In a table cell, what Markdown would make live — an HTML tag, an autolink `<…>`, a link
# `[x](javascript:…)` — is escaped, and `|`, which would end the cell; ids such as
# `endpoints[0]` read as typed.
_MARKDOWN_LIVE = re.compile(r"[\\<>|]|\](?=[(\[:])")


def markdown_inert(text: str) -> str:
    """File text for a Markdown table cell, shown as itself."""
    return _MARKDOWN_LIVE.sub(lambda match: "\\" + match.group(), text)


def to_markdown(
    rows: Sequence[Row],
    columns: Sequence[str],
    missing: str = NOT_REPORTED,
    absent: str | None = None,
) -> str:
    """A Markdown table; a value of None reads `missing` ("not reported" for data). With
    `absent`, a column a row does not have (a field that does not apply to it, which CSV
    leaves blank) reads `absent` instead."""

    def escape(value: Any) -> str:
        text = missing if value is None else clean(_cell(value), one_line=False)
        return markdown_inert(text).replace("\n", "<br>")

    def cell(row: Row, column: str) -> str:
        if absent is not None and column not in row:
            return markdown_inert(absent)
        return escape(row.get(column))

    lines = ["| " + " | ".join(map(escape, columns)) + " |", "|" + "---|" * len(columns)]
    lines += ["| " + " | ".join(cell(row, c) for c in columns) + " |" for row in rows]
    return "\n".join(lines) + "\n"


_PAGE_STYLE = (
    "body{font-family:sans-serif;font-size:10pt;margin:1.5em}"
    "table{border-collapse:collapse;width:100%}"
    "th,td{border:1px solid #999;padding:3px 5px;vertical-align:top;text-align:left}"
    "th{background:#eee}tr{break-inside:avoid}"
    "@media print{body{margin:0}thead{display:table-header-group}}"
)


def to_html(
    title: str,
    rows: Sequence[Row],
    columns: Sequence[str],
    before: Sequence[str] = (),
    after: Sequence[str] = (),
    missing: str = NOT_REPORTED,
) -> str:
    """One self-contained page that prints: a title, lines of context, the rows as a table
    (the same rows as csv and markdown), then notes. Every value is escaped."""

    def cell(value: Any) -> str:
        text = missing if value is None else clean(_cell(value), one_line=False)
        return html.escape(text).replace("\n", "<br>")

    def paragraph(line: str) -> str:
        return f"<p>{html.escape(clean(line))}</p>"

    lines = [
        "<!DOCTYPE html>",
        '<html lang="en"><head><meta charset="utf-8">',
        f"<title>{html.escape(clean(title))}</title>",
        f"<style>{_PAGE_STYLE}</style></head><body>",
        f"<h1>{html.escape(clean(title))}</h1>",
        *(paragraph(line) for line in before),
        "<table><thead><tr>" + "".join(f"<th>{cell(c)}</th>" for c in columns) + "</tr></thead>",
        "<tbody>",
        *(
            "<tr>" + "".join(f"<td>{cell(row.get(c))}</td>" for c in columns) + "</tr>"
            for row in rows
        ),
        "</tbody></table>",
        *(paragraph(line) for line in after),
        "</body></html>",
    ]
    return "\n".join(lines) + "\n"


def _cell(value: Any) -> str:
    if value is None:
        return ""
    if isinstance(value, bool):
        return "true" if value else "false"
    if isinstance(value, float):
        return plain_number(value)
    return str(value)
