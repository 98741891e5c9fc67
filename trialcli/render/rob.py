"""The reviewer's RoB 2 judgements as a traffic-light table in the terminal, and as JSON.

The same layout as the figure (trialcli.figures.rob): a row per study, D1–D5 and overall,
each cell robvis's symbol and its word (colour only adds to them), the domains named below,
and whose judgements these are.
"""

from __future__ import annotations

from typing import Any

from rich import box
from rich.console import Console
from rich.table import Table
from rich.text import Text

from trialcli.ops.rob import COLUMNS, DOMAIN_NAMES, LABELS, RISKS, SYMBOLS, TrafficLight
from trialcli.render.text import clean

STYLES = {"low": "green", "some-concerns": "yellow", "high": "red"}
SHORT = {"low": "low", "some-concerns": "some", "high": "high"}


def render_traffic_light(light: TrafficLight, console: Console) -> None:
    console.print(
        Text(f"Risk of bias (RoB 2), the reviewer's judgements from {clean(light.file)}:")
    )
    grid = Table(box=box.SIMPLE_HEAD, pad_edge=False, header_style="bold")
    grid.add_column("Study", overflow="fold", min_width=10, max_width=18)
    # Below 72 columns the symbols alone, which the line under the table names.
    compact = console.width < 72
    for label in LABELS:
        grid.add_column(label, no_wrap=True, justify="center" if compact else "left")
    for row in light.rows:
        cells = [
            Text(SYMBOLS[r] if compact else f"{SYMBOLS[r]} {SHORT[r]}", style=STYLES[r])
            for r in row.judgements
        ]
        grid.add_row(Text(clean(row.acronym)), *cells)
    console.print(grid)
    judged = "; ".join(
        f"{SYMBOLS[r]} {'some concerns' if r == 'some-concerns' else r}" for r in RISKS
    )
    console.print(Text(f"{judged}.", style="dim"))
    domains = "; ".join(
        f"{label} {DOMAIN_NAMES[name][0].lower()}{DOMAIN_NAMES[name][1:]}"
        for label, name in zip(LABELS[:-1], COLUMNS, strict=False)
    )
    console.print(Text(f"{domains}.", style="dim"))
    for row in light.rows:
        console.print(Text(f"{clean(row.acronym)}: {clean(row.source)}", style="dim"))
    if light.not_judged:
        names = ", ".join(clean(name) for name in light.not_judged)
        console.print(Text(f"Not judged in the file: {names}.", style="dim"))


def traffic_light_json(light: TrafficLight) -> dict[str, Any]:
    return {
        "file": light.file,
        "domains": {label: DOMAIN_NAMES[name] for label, name in zip(LABELS, COLUMNS, strict=True)},
        "studies": [
            {
                "study": row.study_id,
                "acronym": row.acronym,
                **{label: risk for label, risk in zip(LABELS, row.judgements, strict=True)},
                "source": row.source,
                "participants": row.participants,
            }
            for row in light.rows
        ],
        "not_judged": list(light.not_judged),
        "summary_share": light.share,
        "summary_weighting": light.weighting,
        "summary_percent": {
            label: shares for label, shares in zip(LABELS, light.shares, strict=True)
        },
    }
