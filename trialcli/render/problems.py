"""`trialcli validate`: every problem with its file:line:column.

A consistency warning also lists the position and source of every number it involves,
and, when the data records the disagreement on purpose, why.
"""

from __future__ import annotations

from collections.abc import Iterator, Sequence
from dataclasses import asdict
from typing import Any

from rich.console import Console
from rich.text import Text

from trialcli.checking import Checked
from trialcli.errors import Problem
from trialcli.formatting import source_mark
from trialcli.render.text import clean

PROBLEM_COLUMNS = ("file", "line", "column", "field", "severity", "message")


def problem_records(entries: Sequence[Checked]) -> list[dict[str, Any]]:
    return [asdict(p) for entry in entries for p in entry.problems]


def render_problems(entries: Sequence[Checked], console: Console, *, strict: bool = False) -> None:
    # Rich's cost is per call and a catalog can hold thousands of problems: piped output
    # is written line by line as plain text; a terminal gets the styled lines in batches.
    batch: list[Text] = []
    for line in _lines(entries):
        if not console.is_terminal:
            console.file.write(line.plain + "\n")
            continue
        batch.append(line)
        if len(batch) >= 500:
            console.print(Text("\n").join(batch), soft_wrap=True)
            batch.clear()
    if batch:
        console.print(Text("\n").join(batch), soft_wrap=True)
    console.print(_summary(entries, strict))


def _lines(entries: Sequence[Checked]) -> Iterator[Text]:
    for entry in entries:
        for problem in entry.problems:
            yield _problem_line(problem)
            for position in problem.related:
                where = ":".join(
                    str(part)
                    for part in (problem.file, position.line, position.column)
                    if part is not None
                )
                line = Text("    ")
                line.append(clean(where), style="dim")
                line.append(" " + clean(position.field))
                if position.source_number is not None:
                    line.append(" " + source_mark(position.source_number), style="dim")
                elif position.source:
                    line.append(f" [{clean(position.source)}]", style="dim")
                yield line
            if problem.acknowledged:
                line = Text("    recorded disagreement", style="bold")
                line.append(" (does not fail --strict): ", style="dim")
                line.append(clean(problem.acknowledged))
                yield line


def _problem_line(problem: Problem) -> Text:
    line = Text()
    line.append(clean(problem.where) + ": ", style="bold")
    style = "red" if problem.severity == "error" else "yellow"
    line.append(problem.severity, style=style)
    if problem.field:
        line.append(f" {clean(problem.field)}:", style="dim")
    line.append(" " + clean(problem.message))
    return line


def _summary(entries: Sequence[Checked], strict: bool) -> Text:
    bad = sum(1 for e in entries if not e.ok)
    warnings = [p for e in entries for p in e.problems if p.severity == "warning"]
    open_warnings = [p for e in entries for p in e.unacknowledged]
    summary = f"{len(entries)} file{'s' if len(entries) != 1 else ''} checked, "
    summary += f"{bad} with errors" if bad else "all valid"
    if warnings:
        recorded = len(warnings) - len(open_warnings)
        summary += f"; {len(warnings)} warning{'s' if len(warnings) != 1 else ''}"
        if recorded == len(warnings):
            summary += (
                ", all recorded disagreements" if recorded > 1 else ", a recorded disagreement"
            )
        elif recorded:
            summary += f" ({recorded} recorded disagreement{'s' if recorded != 1 else ''})"
    failing = bad or (strict and open_warnings)
    if strict and open_warnings:
        summary += f"; {len(open_warnings)} fail{'s' if len(open_warnings) == 1 else ''} --strict"
    style = "bold red" if failing else "bold yellow" if open_warnings else "bold green"
    return Text(summary, style=style)
