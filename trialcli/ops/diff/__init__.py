"""`trialcli diff`: two studies (or two versions of one file) aligned by meaning, row by row.

Rows are matched by what they are, never by position: identity and design fields by name;
arms by role and drug; pooled groups by the arms they count; endpoints by their `code`,
else (imported records have none) by name, time frame, kind and unit; comparisons within
an endpoint by measure and arms, saying when their direction is inferred or unknown;
safety findings as `ae` matches them (`ops/harm_terms.py`).
Where a study holds several sources' values for one row, every one is kept on its own line.

The rooms: `rows` (what a row is, and how two sides make one), `arms` (pairing arms and
pooled groups), `endpoints`, `harms`, and `fields` (the study's own fields).
"""

from __future__ import annotations

from dataclasses import replace

from trialcli.model import Study
from trialcli.ops.diff.arms import arm_groups, match_groups
from trialcli.ops.diff.endpoints import endpoint_groups
from trialcli.ops.diff.fields import (
    design_rows,
    identity_rows,
    notes_rows,
    other_fields,
    population_rows,
)
from trialcli.ops.diff.harms import harm_rows
from trialcli.ops.diff.rows import (
    STATUSES,
    Change,
    Cited,
    DiffGroup,
    DiffRow,
    DiffSection,
    Segment,
    Side,
    Status,
    StudyDiff,
    mark_words,
)

__all__ = [
    "STATUSES",
    "Change",
    "Cited",
    "DiffGroup",
    "DiffRow",
    "DiffSection",
    "Segment",
    "Side",
    "Status",
    "StudyDiff",
    "diff_studies",
    "mark_words",
    "match_groups",
    "side_labels",
]


def side_labels(a: Study, b: Study, a_ref: str, b_ref: str) -> tuple[str, str]:
    """Column names: acronyms, else the files as given (two versions of one study)."""
    if a.acronym != b.acronym:
        return a.acronym, b.acronym
    if a_ref != b_ref:
        return a_ref, b_ref
    return f"{a.acronym} (A)", f"{b.acronym} (B)"


def diff_studies(a: Study, b: Study, a_label: str, b_label: str) -> StudyDiff:
    slots = match_groups(a, b)
    sections = [
        DiffSection("Identity", (DiffGroup("", tuple(identity_rows(a, b))),)),
        DiffSection("Population", (DiffGroup("", tuple(population_rows(a, b))),)),
        DiffSection("Design", (DiffGroup("", tuple(design_rows(a, b))),)),
        DiffSection("Arms", tuple(arm_groups(a, b, slots))),
        DiffSection("Endpoints", tuple(endpoint_groups(a, b, slots))),
        DiffSection("Safety", (DiffGroup("", tuple(harm_rows(a, b, slots))),)),
        DiffSection("Notes and sources", (DiffGroup("", tuple(notes_rows(a, b))),)),
    ]
    kept = [
        replace(s, groups=tuple(g for g in s.groups if g.rows))
        for s in sections
        if any(g.rows for g in s.groups)
    ]
    result = StudyDiff(a.id, b.id, a_label, b_label, tuple(kept))
    if result.identical:
        other = other_fields(a, b)
        if other is not None:
            section = DiffSection("Other fields", (DiffGroup("", (other,)),))
            result = replace(result, sections=(*result.sections, section))
    return result
