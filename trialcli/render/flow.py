"""`trialcli flow`: the participant flow as a CONSORT diagram, in the terminal or as data.

Four stages top to bottom (enrolment, allocation, follow-up per period, analysis); each
arm is a box, side by side. Arms that do not fit the width wrap onto another row of
boxes instead of overflowing. A number the file does not give reads "not reported"; a
total that does not add up carries ⚠ and the sum in words (never colour alone).
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import asdict
from typing import Any

from rich import box
from rich.console import Console, Group, RenderableType
from rich.panel import Panel
from rich.table import Table
from rich.text import Text

from trialcli.formatting import NOT_REPORTED, source_mark
from trialcli.ops.flow import ArmCount, FlowResult, FlowSum, Number
from trialcli.render.document import escape
from trialcli.render.flow_text import (
    analysed_text,
    count_text,
    enrolment_lines,
    source_marks,
    stage_lines,
)
from trialcli.render.text import clean

# Narrowest arm box: a label and "Not completed 1,234 [12]" fit.
BOX_WIDTH = 26


def _box(title: str, lines: Sequence[tuple[str, bool]], width: int) -> Panel:
    # The arm's label is the box's first line, wrapped whole: a border title would be cut
    # short, and two arms' labels often differ only at the end. Text, never markup.
    body = Text(clean(title), style="bold") if title else Text()
    for k, (line, warning) in enumerate(lines):
        body.append(("\n" if k or title else "") + line, style="bold yellow" if warning else "")
    return Panel(body, box=box.ROUNDED, width=width)


def _row_of_boxes(boxes: Sequence[Panel], per_row: int) -> RenderableType:
    rows: list[RenderableType] = []
    for start in range(0, len(boxes), per_row):
        grid = Table.grid(padding=(0, 1))
        chunk = boxes[start : start + per_row]
        for _ in chunk:
            grid.add_column()
        grid.add_row(*chunk)
        rows.append(grid)
    return Group(*rows)


def _arrow() -> Text:
    return Text("      │\n      ▼", style="dim")


def _heading(text: str) -> Text:
    return Text(text, style="bold")


def render_flow(result: FlowResult, console: Console) -> None:
    marks = source_marks(result)
    width = max(console.width, BOX_WIDTH)
    arms = max(len(result.allocated), 1)
    per_row = max(1, min(arms, width // BOX_WIDTH))
    arm_width = min((width - (per_row - 1)) // per_row, 48)
    parts: list[RenderableType] = [
        _heading(f"{clean(result.acronym)}: participant flow (CONSORT)"),
        _heading("Enrolment"),
        _box("", enrolment_lines(result, marks), min(width, 60)),
        _arrow(),
        _heading("Allocation"),
        _row_of_boxes(_count_boxes(result.allocated, "Allocated", marks, arm_width), per_row),
    ]
    if not result.periods:
        parts += [_arrow(), _heading(f"Follow-up: {NOT_REPORTED}")]
    for period in result.periods:
        boxes = [_box(s.label, stage_lines(s, marks), arm_width) for s in period.arms]
        parts += [_arrow(), _heading(f"Follow-up: {clean(period.title)}")]
        parts.append(_row_of_boxes(boxes, per_row))
    parts += [
        _arrow(),
        _heading("Analysis"),
        _row_of_boxes(
            [
                _box(a.label, [(f"Analysed {analysed_text(a, marks)}", False)], arm_width)
                for a in result.analysed
            ],
            per_row,
        ),
    ]
    if result.note:
        parts.append(Text(clean(result.note, one_line=False), style="dim"))
    parts += _source_lines(result)
    console.print(Group(*parts))


def _count_boxes(
    arms: Sequence[ArmCount], word: str, marks: dict[str, int], width: int
) -> list[Panel]:
    return [
        _box(arm.label, [(f"{word} {count_text(arm.count, marks)}", False)], width) for arm in arms
    ]


def _source_lines(result: FlowResult) -> list[RenderableType]:
    if not result.sources:
        return []
    lines: list[RenderableType] = [_heading("Sources")]
    for source in result.sources:
        lines.append(Text(f"{source_mark(source.number)} {clean(source.citation)}"))
    return lines


# --- data ------------------------------------------------------------------------------


def _number_json(number: Number | None) -> dict[str, Any] | None:
    if number is None:
        return None
    return {"value": number.value, "source": number.source}


def _sum_json(total: FlowSum) -> dict[str, Any]:
    return {
        "where": total.context,
        "total": total.total_name,
        "stated": total.total.value,
        "parts": dict(zip(total.part_names, (p.value for p in total.parts), strict=True)),
        "added": total.added,
        "complete": total.complete,
        "adds_up": total.ok,
    }


def flow_json(result: FlowResult) -> dict[str, Any]:
    """The flow as plain data; a number the file does not give is null."""
    return {
        "study": result.study_id,
        "flow_reported": result.reported,
        "enrolment": {
            "assessed": _number_json(result.assessed),
            "excluded": _number_json(result.excluded),
            "exclusion_reasons": [
                {"reason": r, **(_number_json(n) or {})} for r, n in result.exclusion_reasons
            ],
            "randomized": _number_json(result.randomized),
        },
        "allocation": [
            {"arm": a.arm_id, "label": a.label, "allocated": _number_json(a.count)}
            for a in result.allocated
        ],
        "periods": [
            {
                "title": period.title,
                "arms": [
                    {
                        "arm": s.arm_id,
                        "label": s.label,
                        "started": _number_json(s.started),
                        "milestones": [
                            {"label": label, "count": _number_json(n)} for label, n in s.milestones
                        ],
                        "completed": _number_json(s.completed),
                        "not_completed": _number_json(s.not_completed),
                        "reasons": [{"reason": r, **(_number_json(n) or {})} for r, n in s.reasons],
                        "all_reasons_listed": s.all_reasons,
                    }
                    for s in period.arms
                ],
            }
            for period in result.periods
        ],
        "analysis": [
            {
                "arm": a.arm_id,
                "label": a.label,
                "analysed": _number_json(a.count),
                # Without a stated count: what the outcome measures count (their N).
                "analysed_by_measure": asdict(a.by_measure) if a.by_measure else None,
            }
            for a in result.analysed
        ],
        "computed": {"sums": [_sum_json(s) for s in result.sums]},
        "note": result.note,
        "sources": [
            {"number": s.number, "id": s.id, "citation": s.citation, "url": s.url}
            for s in result.sources
        ],
    }


CSV_COLUMNS = ("study", "stage", "period", "arm", "what", "value", "source")


def flow_records(result: FlowResult) -> list[dict[str, Any]]:
    """One row per number of the diagram (`--format csv`); not reported is an empty value."""
    rows: list[dict[str, Any]] = []

    def add(stage: str, period: str, arm: str, what: str, number: Number | None) -> None:
        rows.append(
            {
                "study": result.study_id,
                "stage": stage,
                "period": period,
                "arm": arm,
                "what": what,
                "value": number.value if number else None,
                "source": number.source if number else None,
            }
        )

    add("enrolment", "", "", "assessed", result.assessed)
    add("enrolment", "", "", "excluded", result.excluded)
    for reason, number in result.exclusion_reasons:
        add("enrolment", "", "", f"excluded: {reason}", number)
    add("enrolment", "", "", "randomized", result.randomized)
    for arm in result.allocated:
        add("allocation", "", arm.arm_id, "allocated", arm.count)
    for period in result.periods:
        for stage in period.arms:
            add("follow-up", period.title, stage.arm_id, "started", stage.started)
            for label, counted in stage.milestones:
                add("follow-up", period.title, stage.arm_id, label, counted)
            add("follow-up", period.title, stage.arm_id, "completed", stage.completed)
            add("follow-up", period.title, stage.arm_id, "not completed", stage.not_completed)
            for reason, number in stage.reasons:
                add("follow-up", period.title, stage.arm_id, f"not completed: {reason}", number)
    for arm in result.analysed:
        add("analysis", "", arm.arm_id, "analysed", arm.count)
        if arm.by_measure is not None:  # the outcome measures' own denominators
            found = arm.by_measure
            for what, value in (("fewest", found.low), ("most", found.high)):
                rows.append(
                    {
                        "study": result.study_id,
                        "stage": "analysis",
                        "period": "",
                        "arm": arm.arm_id,
                        "what": f"analysed by measure: {what}",
                        "value": value,
                        "source": " ".join(found.sources) or None,
                    }
                )
    return rows


def flow_markdown(result: FlowResult) -> str:
    marks = source_marks(result)
    lines = [
        f"# {escape(clean(result.acronym))}: participant flow (CONSORT)",
        "",
        "## Enrolment",
        "",
    ]
    lines += [_bullet(line, warning) for line, warning in enrolment_lines(result, marks)]
    lines += ["", "## Allocation", ""]
    lines += [
        _bullet(f"{clean(a.label)}: allocated {count_text(a.count, marks)}", False)
        for a in result.allocated
    ]
    if not result.periods:
        lines += ["", f"## Follow-up: {NOT_REPORTED}"]
    for period in result.periods:
        lines += ["", f"## Follow-up: {escape(clean(period.title))}"]
        for stage in period.arms:
            lines += ["", f"### {escape(clean(stage.label))}", ""]
            lines += [_bullet(line, warning) for line, warning in stage_lines(stage, marks)]
    lines += ["", "## Analysis", ""]
    lines += [
        _bullet(f"{clean(a.label)}: analysed {analysed_text(a, marks)}", False)
        for a in result.analysed
    ]
    if result.sources:
        lines += ["", "## Sources", ""]
        # Not an ordered list: Markdown renumbers one from 1, and [9] would read as [1].
        lines += [
            _bullet(f"{source_mark(s.number)} {clean(s.citation)}", False) for s in result.sources
        ]
    return "\n".join(lines) + "\n"


def _bullet(line: str, warning: bool) -> str:
    indent = "  " if line.startswith("  ") else ""
    text = escape(line.strip())
    return f"{indent}- {'**' + text + '**' if warning else text}"
