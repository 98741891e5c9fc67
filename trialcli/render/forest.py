"""`trialcli compare`: a forest plot drawn with characters, and its rows as data.

One row per study and measure: the estimate as a point, its confidence interval as a line,
the line of no effect down each panel, and the numbers in a column beside it.
"""

from __future__ import annotations

import textwrap
from collections.abc import Sequence
from typing import Any

from rich.console import Console
from rich.table import Table
from rich.text import Text

from trialcli.formatting import (
    MEASURE_NAMES,
    NOT_REPORTED,
    ORDER_BASES,
    ORDER_LEGEND,
    order_basis,
)
from trialcli.ops.compare import ForestPlot, ForestRow, NotDrawn, Panel
from trialcli.ops.pool import PooledPanel, PoolResult, follow_up
from trialcli.render.forest_text import (
    CONVERTED,
    MEASURED,
    NO_EFFECT,
    axis_lines,
    favours_line,
    n_text,
    panel_title,
    plot_line,
    plot_title,
    pooled_line,
    pooled_spread,
    pooled_text,
    position,
    row_notes,
)
from trialcli.render.text import clean

NO_POOLING = (
    "Each row is one study's own estimate; nothing is pooled unless you add --pool, "
    "and different measures are never combined."
)
COLUMNS = (
    "study",
    "acronym",
    "endpoint",
    "measure",
    "groups",
    "population",
    "n_experimental",
    "n_comparator",
    "estimate",
    "ci_lower",
    "ci_upper",
    "ci_level",
    "p_value",
    "text",
    "converted_from_relative_reduction",
    "direction",
    "direction_basis",
    "time_frame",
    "test",
    "drawn",
    "reason",
    "source",
)


def render_forest(plot: ForestPlot, console: Console, pooled: PoolResult | None = None) -> None:
    if plot.rows:
        console.print(Text(clean(plot_title(plot.rows, plot.code)), style="bold"))
    console.print(Text(f"Endpoint: {clean(plot.code)}", style="bold"))
    if not plot.panels:
        console.print(Text("No study reports an estimate to draw for this endpoint."))
    extra = [pooled_text(p) for p in pooled.panels] if pooled else []
    widths = _widths(plot, console.width, extra)
    for panel in plot.panels:
        console.print()
        console.print(Text(panel_title(panel), style="bold underline"))
        console.print(_panel_table(panel, widths, _pooled_in(pooled, panel)))
        # Under the whole row, not the plot's column alone, so that the labels fit on one
        # line: the plot starts after the study and n columns and their one-space padding.
        before = widths[0] + 1 + widths[1] + 1
        sides = favours_line(panel, widths[2], before, console.width - before - widths[2])
        if sides:
            console.print(Text(sides, overflow="crop"), no_wrap=True)
    console.print()
    console.print(_legend(plot))
    if pooled is None:
        console.print(Text(NO_POOLING, style="bold"))
    if plot.without_endpoint:
        names = ", ".join(clean(n) for n in plot.without_endpoint)
        console.print(Text(f"No endpoint {clean(plot.code)} in: {names}.", style="dim"))
    if plot.not_drawn:
        console.print()
        console.print(Text("Reported but not drawn:", style="bold"))
        for item in plot.not_drawn:
            console.print(_not_drawn(item))
    if plot.rows:
        console.print()
        console.print(Text("Sources of the rows drawn:", style="bold"))
        for row in plot.rows:
            line = Text(f"{clean(row.acronym)}, {MEASURE_NAMES[row.measure]} {row.text}: ")
            line.append(clean(row.source.citation) if row.source else NOT_REPORTED, style="dim")
            console.print(line)


def _widths(
    plot: ForestPlot, width: int, pooled_texts: Sequence[str] = ()
) -> tuple[int, int, int, int]:
    """Study, n, plot and estimate columns; the plot takes what the others leave."""
    study = max(18, min(36, width * 3 // 10))
    n = max([6, *(len(n_text(r)) for r in plot.rows)])
    estimate = max([16, *(len(r.text) for r in plot.rows), *map(len, pooled_texts)])
    plot_width = max(11, width - study - n - estimate - 3)
    return study, n, plot_width, estimate


def _estimate_lines(
    row: ForestRow, width: int, weight: float | None = None
) -> list[tuple[str, str]]:
    lines = [(row.text, "bold")]
    for note in row_notes(row, weight):
        lines += [(part, "dim") for part in textwrap.wrap(note, width)]
    return lines


def _pooled_in(pooled: PoolResult | None, panel: Panel) -> list[PooledPanel]:
    if pooled is None:
        return []
    return [p for p in pooled.panels if (p.measure, p.unit) == (panel.measure, panel.unit)]


def _panel_table(
    panel: Panel, widths: tuple[int, int, int, int], pooled: Sequence[PooledPanel] = ()
) -> Table:
    study_width, n_width, plot_width, estimate_width = widths
    table = Table(box=None, pad_edge=False, padding=(0, 1, 0, 0), header_style="bold")
    table.add_column("Study", width=study_width, no_wrap=True)
    table.add_column("n", width=n_width, no_wrap=True, justify="right")
    # A drawing: cropped, never wrapped, if the terminal is narrower than it.
    table.add_column("", width=plot_width, no_wrap=True, overflow="crop")
    table.add_column("Estimate (CI)", width=estimate_width, no_wrap=True)
    blank = position(panel.no_effect, panel.low, panel.high, panel.scale, plot_width)
    spacer = " " * blank + NO_EFFECT + " " * (plot_width - blank - 1)
    several = len({(row.study_id, row.endpoint) for row in panel.rows}) > len(
        {row.study_id for row in panel.rows}
    )
    weights = {
        id(row): weight
        for one in pooled
        for row, weight in zip(one.rows, one.statistics.weights, strict=True)
    }
    for row in panel.rows:
        study = [(clean(row.acronym), "bold")]
        if several:  # a study with several chosen endpoints: say which row is which
            name = textwrap.wrap(clean(row.endpoint), study_width, max_lines=2, placeholder=" …")
            study += [(part, "") for part in name]
        study += [(part, "dim") for part in textwrap.wrap(clean(row.groups), study_width)]
        study += [(part, "dim") for part in textwrap.wrap(clean(follow_up(row)), study_width)]
        n = [(n_text(row), "")]
        estimate = _estimate_lines(row, estimate_width, weights.get(id(row)))
        height = max(len(study), len(n), len(estimate))
        plot = [(plot_line(row, panel, plot_width), "")] + [(spacer, "")] * (height - 1)
        table.add_row(*(_cell(lines, height) for lines in (study, n, plot, estimate)))
    for one in pooled:
        study = [(f"Pooled, {one.statistics.k} studies", "bold")]
        if several or len(pooled) > 1:
            name = textwrap.wrap(clean(one.rows[0].endpoint), study_width, max_lines=2)
            study += [(part, "") for part in name]
        study += [(part, "dim") for part in textwrap.wrap(one.method_name, study_width)]
        estimate = [(pooled_text(one), "bold")]
        estimate += [(part, "dim") for part in textwrap.wrap(pooled_spread(one), estimate_width)]
        height = max(len(study), len(estimate))
        plot = [(pooled_line(one, panel, plot_width), "")] + [(spacer, "")] * (height - 1)
        table.add_row(*(_cell(lines, height) for lines in (study, [], plot, estimate)))
    rule, labels = axis_lines(panel, plot_width)
    table.add_row(Text(""), Text(""), Text(f"{rule}\n{labels}", overflow="fold"), Text(""))
    return table


def _cell(lines: list[tuple[str, str]], height: int) -> Text:
    text = Text()
    for index in range(height):
        if index:
            text.append("\n")
        if index < len(lines):
            content, style = lines[index]
            text.append(content, style=style)
    return text


def _legend(plot: ForestPlot) -> Text:
    """Only the marks that are on the plot."""
    rows = plot.rows
    parts = []
    if any(r.converted_from is None for r in rows):
        parts.append(f"{MEASURED} estimate as reported")
    if any(r.converted_from is not None for r in rows):
        parts.append(f"{CONVERTED} ratio computed by trialcli from a relative reduction")
    if any(r.ci is not None for r in rows):
        parts.append("─ confidence interval")
    parts.append(f"{NO_EFFECT} no effect")
    legend = Text("   ".join(parts))
    groups = (
        "experimental vs comparator"
        if all(r.experimental_first for r in rows)
        else "first group vs second"
    )
    legend.append(f"\nn: people as analysed (else as randomized), {groups}")
    # One sentence for each way an order on the plot is known; "stated" only beside others.
    bases = {order_basis(r.direction, r.direction_basis) for r in rows}
    bases |= {"unknown" for item in plot.not_drawn if item.direction == "unknown"}
    for basis in ORDER_BASES:
        if basis in bases and (basis != "stated" or len(bases) > 1):
            legend.append("\n" + ORDER_LEGEND[basis])
    return legend


def _not_drawn(item: NotDrawn) -> Text:
    line = Text("• ")
    line.append(f"{clean(item.acronym)}: ", style="bold")
    line.append(clean(item.what))
    if item.source is not None:
        line.append(f" {item.source.mark}", style="dim")
    groups = clean(item.groups) if item.groups else clean(item.endpoint)
    qualifiers = [groups, item.test, f"follow-up {clean(item.time_frame or NOT_REPORTED)}"]
    shown = "; ".join(q for q in qualifiers if q)
    line.append(f" ({shown}) — {clean(item.reason)}", style="dim")
    return line


# --- for programs ---------------------------------------------------------------------


def forest_records(plot: ForestPlot) -> list[dict[str, Any]]:
    """Drawn rows, then the reported comparisons that are not drawn and why.

    Not reported is None; not applicable (no reason for a drawn row) is "".
    """
    records: list[dict[str, Any]] = []
    for row in plot.rows:
        records.append(
            {
                "study": row.study_id,
                "acronym": row.acronym,
                "endpoint": row.endpoint,
                "measure": row.measure,
                "groups": row.groups,
                "population": row.population,
                "n_experimental": row.n_experimental,
                "n_comparator": row.n_comparator,
                "estimate": row.estimate,
                "ci_lower": row.ci[0] if row.ci else None,
                "ci_upper": row.ci[1] if row.ci else None,
                "ci_level": row.ci_level,
                "p_value": row.p_value,
                "text": row.text,
                "converted_from_relative_reduction": (
                    row.converted_from if row.converted_from is not None else ""
                ),
                "direction": row.direction,
                "direction_basis": order_basis(row.direction, row.direction_basis),
                "time_frame": row.time_frame,
                "test": row.test,
                "drawn": True,
                "reason": "",
                "source": row.source.citation if row.source else None,
            }
        )
    for item in plot.not_drawn:
        records.append(
            {
                "study": item.study_id,
                "acronym": item.acronym,
                "endpoint": item.endpoint,
                "measure": item.measure,
                "groups": item.groups,
                "population": item.population,
                "n_experimental": item.n_experimental,
                "n_comparator": item.n_comparator,
                "estimate": item.estimate,
                "ci_lower": item.ci[0] if item.ci else None,
                "ci_upper": item.ci[1] if item.ci else None,
                "ci_level": item.ci_level,
                "p_value": item.p_value,
                "text": item.what,
                "converted_from_relative_reduction": "",
                "direction": item.direction or "",
                "direction_basis": (
                    order_basis(item.direction, item.direction_basis) if item.direction else ""
                ),
                "time_frame": item.time_frame,
                "test": item.test or "",
                "drawn": False,
                "reason": item.reason,
                "source": item.source.citation if item.source else None,
            }
        )
    return records


def forest_json(plot: ForestPlot) -> dict[str, Any]:
    return {
        "endpoint": plot.code,
        "pooled_estimate": None,
        "note": NO_POOLING,
        "panels": [
            {
                "measure": panel.measure,
                "unit": panel.unit,
                "scale": panel.scale,
                "axis": {"low": panel.low, "high": panel.high, "no_effect": panel.no_effect},
                "studies": [row.study_id for row in panel.rows],
            }
            for panel in plot.panels
        ],
        "rows": [
            {key: None if value == "" else value for key, value in record.items()}
            for record in forest_records(plot)
        ],
        "studies_without_endpoint": list(plot.without_endpoint),
    }
