"""Harms paired across the two studies as `ae` pairs them (`ops/harm_terms.py`)."""

from __future__ import annotations

from collections.abc import Iterator
from dataclasses import replace

from trialcli.formatting import NOT_REPORTED, safety_text
from trialcli.model import SafetyFinding, Study
from trialcli.ops.diff.arms import Slots
from trialcli.ops.diff.rows import Cited, DiffRow, field_rows, lines_side
from trialcli.ops.harm_terms import same_harms
from trialcli.ops.sources import SourceRef, cite

GROUPS_DIFFER = "the two sides count different arms or pooled groups"


def _finding_lines(study: Study, finding: SafetyFinding) -> Iterator[Cited]:
    """A finding's arms on one line per source; whom it counts as the dimmed detail."""
    details = "; ".join(d for d in (finding.population, finding.note) if d) or None
    by_source: dict[SourceRef | None, list[str]] = {}
    for key, value in finding.arms.items():
        text = f"{study.group_label(key)}: {safety_text(value)}"
        if value.deaths and (value.affected is not None or value.pct is not None):
            text += f", {value.deaths} fatal"
        if value.note:
            text += f" ({value.note})"
        by_source.setdefault(cite(study, value, finding), []).append(text)
    if not by_source:
        yield Cited(NOT_REPORTED, cite(study, finding), details)
    for source, texts in by_source.items():
        yield Cited("; ".join(texts), source, details)
        details = None  # said once, on the finding's first line


def harm_rows(a: Study, b: Study, slots: Slots) -> Iterator[DiffRow]:
    """Findings matched as `ae` matches them (`harm_terms`); each line names its arm, and a
    row whose sides count different arms or pooled groups says so."""
    found = [(study, finding) for study in (a, b) for finding in study.safety]
    for group in same_harms(found, lambda f: (f[1].term, f[1].code, bool(f[1].serious))):
        first = group[0][1]
        name = first.term + (" (serious)" if first.serious else "")
        in_a = [line for s, f in group if s is a for line in _finding_lines(s, f)]
        in_b = [line for s, f in group if s is b for line in _finding_lines(s, f)]
        for row in field_rows([(name, lines_side(in_a), lines_side(in_b))]):
            keys_a = {k for s, f in group if s is a for k in f.arms}
            keys_b = {k for s, f in group if s is b for k in f.arms}
            if (
                keys_a
                and keys_b
                and {slots.of_a(k) for k in keys_a} != {slots.of_b(k) for k in keys_b}
            ):
                row = replace(row, note=GROUPS_DIFFER)
            yield row
