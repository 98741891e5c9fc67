"""`trialcli diff`: aligned rows side by side, and the same rows as JSON, CSV or Markdown."""

from __future__ import annotations

from typing import Any

from rich.console import Console
from rich.rule import Rule
from rich.table import Table
from rich.text import Text

from trialcli.formatting import NOT_REPORTED
from trialcli.ops.diff import Change, Cited, DiffGroup, DiffRow, Side, Status, StudyDiff
from trialcli.ops.diff_glance import DiffGlance, EndpointSide, HarmSide, Stated
from trialcli.ops.sources import SourceRef
from trialcli.render.marks import VERDICT_MARKS
from trialcli.render.text import clean

# A symbol for every state, so colour is never the only signal.
MARKS: dict[Status, tuple[str, str, str]] = {
    "same": ("=", "dim", "same"),
    "changed": ("≠", "bold yellow", "changed"),
    "only-a": ("−", "bold red", "only in A"),
    "only-b": ("+", "bold green", "only in B"),
}


def render_diff(diff: StudyDiff, console: Console) -> None:
    if diff.identical:
        same = diff.counts["same"] + diff.hidden_same
        console.print(
            Text(
                f"No differences: {clean(diff.a_label)} and {clean(diff.b_label)} "
                f"agree on all {same} rows compared.",
                style="bold",
            )
        )
        return
    widths = _widths(console.width)
    console.print(_legend(diff))
    console.print(_table(widths, header=(clean(diff.a_label), clean(diff.b_label))))
    for section in diff.sections:
        console.print(Rule(Text(section.title, style="bold"), align="left", characters="─"))
        for group in section.groups:
            if group.title:
                console.print(_heading(group))
            table = _table(widths)
            for row in group.rows:
                table.add_row(*_cells(row, group))
            console.print(table)
    for label, side in ((diff.a_label, "a"), (diff.b_label, "b")):
        sources = _cited(diff, side)
        if sources:
            console.print()
            console.print(
                Text(f"Sources of {clean(label)}, numbered as 'trialcli show' numbers them:")
            )
            console.print(_source_table(sources))
    console.print()
    console.print(_summary(diff))


def _widths(width: int) -> tuple[int, int, int]:
    field = max(12, min(24, width // 5))
    # mark (1) and three one-space gaps between four columns
    rest = width - field - 4 - 1
    return field, rest // 2, rest - rest // 2


def _table(widths: tuple[int, int, int], header: tuple[str, str] | None = None) -> Table:
    field, a, b = widths
    table = Table(
        box=None,
        show_header=header is not None,
        show_edge=False,
        pad_edge=False,
        padding=(0, 1, 0, 0),
        header_style="bold underline",
    )
    table.add_column("", width=1, no_wrap=True)
    table.add_column("Field", width=field, overflow="fold")
    table.add_column(f"A: {header[0]}" if header else "A", width=a, overflow="fold")
    table.add_column(f"B: {header[1]}" if header else "B", width=b, overflow="fold")
    return table


def _legend(diff: StudyDiff) -> Text:
    legend = Text()
    for status, (symbol, style, _) in MARKS.items():
        label = {
            "same": "same",
            "changed": "changed",
            "only-a": f"only in {clean(diff.a_label)}",
            "only-b": f"only in {clean(diff.b_label)}",
        }[status]
        if legend:
            legend.append("  ")
        legend.append(symbol, style=style)
        legend.append(f" {label}")
    legend.append(
        "\n[n]: a source as 'trialcli show' numbers it. x → y (±d): computed by trialcli.",
        style="dim",
    )
    return legend


def _mark(status: Status) -> Text:
    symbol, style, _ = MARKS[status]
    return Text(symbol, style=style)


def _heading(group: DiffGroup) -> Text:
    heading = Text()
    heading.append_text(_mark(group.status))
    heading.append(" " + clean(group.title), style="bold")
    if group.code:
        heading.append(f"  {clean(group.code)}", style="dim")
    return heading


def _cells(row: DiffRow, group: DiffGroup) -> tuple[Text, Text, Text, Text]:
    name = Text(clean(row.field), style="dim" if row.status == "same" else "")
    if row.field == "Verdict":
        name.stylize("bold")
    if row.note is not None:
        name.append("\n† " + row.note, style="bold")
    a = _side(row.a, present=group.status != "only-b" or not group.title, colour="red")
    b = _side(row.b, present=group.status != "only-a" or not group.title, colour="green")
    if row.change is not None:
        b.append("\n" + row.change.text, style="bold")
    return _mark(row.status), name, a, b


def _side(side: Side | None, *, present: bool, colour: str) -> Text:
    """A cell: words the other study lacks are underlined, so colour is not needed."""
    if side is None:
        # A field the study leaves out is "not reported"; an arm it lacks is left blank.
        return Text(NOT_REPORTED if present else "", style="dim")
    text = Text()
    for index, line in enumerate(side.lines):
        if index:
            text.append("\n")
        _line(text, line, colour)
    return text


def _line(text: Text, line: Cited, colour: str) -> None:
    if line.verdict is not None:
        label, style = VERDICT_MARKS[line.verdict]
        text.append(label, style=style)
    elif line.words:
        for segment in line.words:
            # clean() trims; keep the space that separates this run from the next
            shown = clean(segment.text) + (" " if segment.text[-1:].isspace() else "")
            text.append(shown, style=f"bold underline {colour}" if segment.changed else "")
    else:
        text.append(clean(line.text))
    if line.source is not None:
        text.append(f" {line.source.mark}", style="dim")
    if line.detail:
        text.append(f" ({clean(line.detail)})", style="dim")


def _cited(diff: StudyDiff, side: str) -> list[SourceRef]:
    found: dict[str, SourceRef] = {}
    for _, _, row in diff.rows():
        shown = row.a if side == "a" else row.b
        for line in shown.lines if shown else ():
            if line.source is not None:
                found.setdefault(line.source.id, line.source)
    return sorted(found.values(), key=lambda s: s.number or 0)


def _source_table(sources: list[SourceRef]) -> Table:
    table = Table(box=None, show_header=False, padding=(0, 1), pad_edge=False)
    table.add_column(justify="right", no_wrap=True)
    table.add_column(overflow="fold")
    for source in sources:
        table.add_row(source.mark, Text(clean(source.citation)))
    return table


def _summary(diff: StudyDiff) -> Text:
    counts = diff.counts
    parts = [
        f"{counts['same'] + diff.hidden_same} same" + (" (hidden)" if diff.hidden_same else ""),
        f"{counts['changed']} changed",
        f"{counts['only-a']} only in {clean(diff.a_label)}",
        f"{counts['only-b']} only in {clean(diff.b_label)}",
    ]
    return Text(" · ".join(parts), style="bold")


# --- for programs ---------------------------------------------------------------------


def _side_json(side: Side | None) -> dict[str, Any] | None:
    if side is None:
        return None
    return {
        "text": side.printed,
        "values": [
            {
                "text": line.text,
                "source": (
                    {
                        "id": line.source.id,
                        "number": line.source.number,
                        "citation": line.source.citation,
                    }
                    if line.source
                    else None
                ),
                "detail": line.detail,
                "verdict": line.verdict,
            }
            for line in side.lines
        ],
        "number": side.number,
        "unit": side.unit,
    }


def _change_json(change: Change | None) -> dict[str, Any] | None:
    if change is None:
        return None
    return {
        "from": change.before,
        "to": change.after,
        "delta": change.delta,
        "unit": change.unit,
        "text": change.text,
        "computed": True,
    }


def diff_json(diff: StudyDiff) -> dict[str, Any]:
    counts = diff.counts
    return {
        "a": {"id": diff.a_id, "label": diff.a_label},
        "b": {"id": diff.b_id, "label": diff.b_label},
        "identical": diff.identical,
        "counts": {
            "same": counts["same"] + diff.hidden_same,
            "changed": counts["changed"],
            "only_a": counts["only-a"],
            "only_b": counts["only-b"],
        },
        "same_rows_hidden": diff.hidden_same > 0,
        "rows": [
            {
                "section": section.title,
                "group": group.title or None,
                "code": group.code,
                "field": row.field,
                "status": row.status,
                "a": _side_json(row.a),
                "b": _side_json(row.b),
                "change": _change_json(row.change),
                "note": row.note,
            }
            for section, group, row in diff.rows()
        ],
    }


def diff_columns(diff: StudyDiff) -> tuple[str, ...]:
    return (
        "status",
        "section",
        "group",
        "field",
        f"A: {diff.a_label}",
        f"B: {diff.b_label}",
        "change",
        "note",
    )


def diff_records(diff: StudyDiff) -> list[dict[str, Any]]:
    """Flat rows for CSV and Markdown: each side as printed, with its [n] marks."""
    _, _, _, _, a_column, b_column, _, _ = diff_columns(diff)
    records = []
    for section, group, row in diff.rows():
        # An arm or endpoint the study lacks is blank; a field it leaves out is not reported.
        a_blank = "" if group.title and group.status == "only-b" else None
        b_blank = "" if group.title and group.status == "only-a" else None
        records.append(
            {
                "status": f"{MARKS[row.status][0]} {MARKS[row.status][2]}",
                "section": section.title,
                "group": group.title,
                "field": row.field,
                a_column: row.a.printed if row.a else a_blank,
                b_column: row.b.printed if row.b else b_blank,
                "change": row.change.text if row.change else "",
                "note": row.note or "",
            }
        )
    return records


# --- the first screen -------------------------------------------------------------------


def render_diff_glance(page: DiffGlance, console: Console) -> None:
    """Design, population, N, arms; primary endpoints side by side; the harms that differ
    most; then which verdicts changed. Every row is in `--full`."""
    title = Text(f"{clean(page.a_label)} vs {clean(page.b_label)}", style="bold")
    title.append(": the differences that matter first", style="")
    console.print(title)
    console.print(
        Text(
            "= same  ≠ differs. [n]: a source as 'trialcli show' numbers it for that study; "
            "±d vs A and pp: computed by trialcli.",
            style="dim",
        )
    )
    widths = _widths(console.width)
    table = _table(widths, header=(clean(page.a_label), clean(page.b_label)))
    for pair in page.facts:
        table.add_row(
            _mark("same" if pair.same else "changed"),
            Text(pair.label, style="dim" if pair.same else ""),
            _plain(pair.a),
            _plain(pair.b),
        )
    console.print(table)
    if page.endpoints:
        console.print(Rule(Text("Primary endpoints", style="bold"), align="left", characters="─"))
        for endpoint in page.endpoints:
            side = endpoint.a or endpoint.b
            heading = Text(clean(side.name if side else ""), style="bold")
            heading.append(f"  {clean(endpoint.code)}", style="dim")
            console.print(heading)
            table = _table(widths)
            status: Status = "changed" if endpoint.verdict_changed else "same"
            if endpoint.a is None or endpoint.b is None:
                status = "only-b" if endpoint.a is None else "only-a"
            table.add_row(
                _mark(status),
                Text("Verdict, effect", style="" if status != "same" else "dim"),
                _endpoint_cell(endpoint.a),
                _endpoint_cell(endpoint.b),
            )
            console.print(table)
    if page.harms:
        title = Text("Harms whose excess over the comparator differs most", style="bold")
        console.print(Rule(title, align="left", characters="─"))
        table = _table(widths)
        for harm in page.harms:
            term = Text(clean(harm.term) + (" (serious)" if harm.serious else ""))
            if harm.groups_differ:
                term.append("\n† other groups", style="bold")
            table.add_row(_mark("changed"), term, _harm_cell(harm.a), _harm_cell(harm.b))
        console.print(table)
        if any(harm.groups_differ for harm in page.harms):
            console.print(
                Text(
                    "† the two sides count different arms or pooled groups (under each figure)",
                    style="dim",
                )
            )
        if page.other_harms:
            console.print(Text(f"{page.other_harms} other matched harms: --full", style="dim"))
    console.print()
    console.print(_verdict_summary(page))
    console.print(
        Text(
            "More: --full for every row (notes and sources are only there); "
            "--changed-only for the rows that differ",
            style="dim",
        )
    )


def _plain(value: str | None) -> Text:
    return Text(clean(value), style="") if value else Text(NOT_REPORTED, style="dim")


def _endpoint_cell(side: EndpointSide | None) -> Text:
    if side is None:
        return Text("not a primary endpoint here", style="dim")
    label, style = VERDICT_MARKS[side.verdict.state]
    text = Text(label, style=style)
    if side.effect:
        text.append("\n" + clean(side.effect))
    if side.source is not None:
        text.append(f" {side.source.mark}", style="dim")
    if side.stated:
        text.append("\nrelative reduction as stated: ")
        text.append_text(_stated(side.stated))
    return text


def _stated(figures: tuple[Stated, ...]) -> Text:
    text = Text()
    for i, figure in enumerate(figures):
        text.append(("; " if i else "") + clean(figure.text))
        if figure.source is not None:
            text.append(f" {figure.source.mark}", style="dim")
    return text


def _harm_cell(side: HarmSide) -> Text:
    text = Text(clean(side.text))
    if side.source is not None:
        text.append(f" {side.source.mark}", style="dim")
    text.append("\n" + clean(side.group), style="dim")
    return text


def _verdict_summary(page: DiffGlance) -> Text:
    changed = page.changed_verdicts
    if not changed:
        both = sum(1 for e in page.endpoints if e.a is not None and e.b is not None)
        if both == len(page.endpoints):
            return Text("No primary endpoint's verdict differs.", style="bold")
        # A verdict on one side only is not "the same": say how many could be set side by side.
        return Text(
            f"No verdict differs among the {both} primary endpoint{'s' if both != 1 else ''} "
            f"both report; {len(page.endpoints) - both} primary in one study only.",
            style="bold",
        )
    parts = []
    for endpoint in changed:
        assert endpoint.a is not None and endpoint.b is not None  # changed needs both
        parts.append(
            f"{endpoint.a.name}: {endpoint.a.verdict.label} in {page.a_label}, "
            f"{endpoint.b.verdict.label} in {page.b_label}"
        )
    count = f"{len(changed)} verdict{'s' if len(changed) != 1 else ''} changed"
    text = Text(clean(f"{count}: " + "; ".join(parts)), style="bold")
    for endpoint in changed:
        assert endpoint.a is not None and endpoint.b is not None  # changed needs both
        for label, side in ((page.a_label, endpoint.a), (page.b_label, endpoint.b)):
            if side.arms:
                text.append(f"\n  {clean(label)}: ")
                text.append_text(_stated(side.arms))
    return text
