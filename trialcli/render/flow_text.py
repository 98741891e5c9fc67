"""The words of a participant-flow diagram, without Rich: one text for the terminal's boxes
(trialcli.render.flow), its Markdown, and the figure's boxes (trialcli.figures.flow).

Each box is a list of (line, is_warning) pairs; a warning carries ⚠ and the sum in words.
"""

from __future__ import annotations

from trialcli.formatting import NOT_REPORTED, source_mark
from trialcli.ops.flow import ArmCount, ArmStage, FlowResult, FlowSum, Number
from trialcli.render.text import clean

WARN = "⚠"

Lines = list[tuple[str, bool]]


def source_marks(result: FlowResult) -> dict[str, int]:
    """Each source id with its `[n]`."""
    return {source.id: source.number for source in result.sources}


def count_text(number: Number | None, marks: dict[str, int]) -> str:
    if number is None:
        return NOT_REPORTED
    mark = marks.get(number.source or "")
    return f"{number.value:,}" + (" " + source_mark(mark) if mark else "")


def analysed_text(arm: ArmCount, marks: dict[str, int]) -> str:
    """`72 [1]` as stated; else what the outcome measures count, `63–71 by measure [1]`
    (one figure when every measure counts the same, or there is one); else not reported."""
    found = arm.by_measure
    if arm.count is not None or found is None:
        return count_text(arm.count, marks)
    cited = "".join(" " + source_mark(marks[s]) for s in found.sources if s in marks)
    if found.measures == 1:
        return f"{found.low:,} in its one measure{cited}"
    if found.low == found.high:
        return f"{found.low:,} in every measure{cited}"
    return f"{found.low:,}–{found.high:,} by measure{cited}"


def sum_warning(total: FlowSum) -> str:
    return f"{WARN} does not add up: {total.text}"


def enrolment_lines(result: FlowResult, marks: dict[str, int]) -> Lines:
    lines = [
        (f"Assessed for eligibility {count_text(result.assessed, marks)}", False),
        (f"Excluded {count_text(result.excluded, marks)}", False),
    ]
    lines += [(f"  {clean(r)} {count_text(n, marks)}", False) for r, n in result.exclusion_reasons]
    lines.append((f"{result.intake.capitalize()} {count_text(result.randomized, marks)}", False))
    lines += [(sum_warning(s), True) for s in result.sums if s.context == "Enrolment" and not s.ok]
    return lines


def stage_lines(stage: ArmStage, marks: dict[str, int]) -> Lines:
    """An arm's follow-up box."""
    lines = [(f"Started {count_text(stage.started, marks)}", False)]
    lines += [(f"{clean(label)} {count_text(n, marks)}", False) for label, n in stage.milestones]
    lines.append((f"Completed {count_text(stage.completed, marks)}", False))
    lines.append((f"Not completed {count_text(stage.not_completed, marks)}", False))
    lines += [(f"  {clean(reason)} {count_text(n, marks)}", False) for reason, n in stage.reasons]
    if stage.reasons and not stage.all_reasons:
        lines.append(("  (other reasons not listed)", False))
    lines += [(sum_warning(total), True) for total in stage.sums if not total.ok]
    return lines
