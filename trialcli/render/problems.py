"""`trialcli validate`: every problem with its file:line:column."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import asdict
from typing import Any

from rich.console import Console
from rich.text import Text

from trialcli.catalog import Entry
from trialcli.render.text import clean

PROBLEM_COLUMNS = ("file", "line", "column", "field", "severity", "message")


def problem_records(entries: Sequence[Entry]) -> list[dict[str, Any]]:
    return [asdict(p) for entry in entries for p in entry.problems]


def render_problems(entries: Sequence[Entry], console: Console) -> None:
    for entry in entries:
        for problem in entry.problems:
            line = Text()
            line.append(clean(problem.where) + ": ", style="bold")
            style = "red" if problem.severity == "error" else "yellow"
            line.append(problem.severity, style=style)
            if problem.field:
                line.append(f" {clean(problem.field)}:", style="dim")
            line.append(" " + clean(problem.message))
            console.print(line, soft_wrap=True)
    bad = sum(1 for e in entries if not e.ok)
    summary = f"{len(entries)} file{'s' if len(entries) != 1 else ''} checked, "
    summary += f"{bad} with errors" if bad else "all valid"
    console.print(Text(summary, style="bold red" if bad else "bold green"))
