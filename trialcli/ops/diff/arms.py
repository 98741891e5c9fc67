"""Arms and pooled groups paired across the two studies (by role and drug; pooled groups by
the arms they count): the slots every endpoint's results and comparisons are aligned on.
"""

from __future__ import annotations

import difflib
from collections.abc import Iterator
from dataclasses import dataclass, field

from trialcli.model import Arm, Intervention, PooledArms, Study
from trialcli.ops.diff.rows import (
    Cited,
    DiffGroup,
    FieldRow,
    Side,
    count_side,
    field_rows,
    text_side,
)
from trialcli.ops.sources import cite


@dataclass(frozen=True)
class Slot:
    """An arm or pooled group as it appears in A, in B, or in both."""

    a: str | None
    b: str | None
    label: str
    pooled: bool = False


@dataclass
class Slots:
    items: list[Slot] = field(default_factory=list)

    def of_a(self, group_id: str) -> int:
        return self._find(group_id, [s.a for s in self.items])

    def of_b(self, group_id: str) -> int:
        return self._find(group_id, [s.b for s in self.items])

    @staticmethod
    def _find(group_id: str, ids: list[str | None]) -> int:
        if group_id not in ids:
            # The loader's cross-checks make every reference resolve; this is a bug.
            raise ValueError(f"no arm or pooled group '{group_id}'")
        return ids.index(group_id)


def _drugs(arm: Arm) -> frozenset[str]:
    return frozenset(i.drug.casefold() for i in arm.interventions)


def similarity(x: str, y: str) -> float:
    return difflib.SequenceMatcher(None, x.casefold(), y.casefold()).ratio()


Candidate = tuple[tuple[float, ...], str, str]


def greedy_pairs(candidates: list[Candidate]) -> dict[str, str]:
    """Best-scoring pairs first; each id is used once."""
    matched: dict[str, str] = {}
    used: set[str] = set()
    for _, a_id, b_id in sorted(candidates, key=lambda c: c[0], reverse=True):
        if a_id not in matched and b_id not in used:
            matched[a_id] = b_id
            used.add(b_id)
    return matched


def match_groups(a: Study, b: Study) -> Slots:
    """Arms paired by role and drugs (then id, dose, label); pooled groups by their arms."""
    candidates: list[Candidate] = []
    for x in a.arms:
        for y in b.arms:
            if x.role == y.role and _drugs(x) == _drugs(y):
                doses = sorted(i.dose or "" for i in x.interventions) == sorted(
                    i.dose or "" for i in y.interventions
                )
                score = (float(x.id == y.id), float(doses), similarity(x.label, y.label))
                candidates.append((score, x.id, y.id))
    arms = _merge(
        [x.id for x in a.arms], [y.id for y in b.arms], greedy_pairs(candidates), a, b, pooled=False
    )

    def members(study: Study, pooled: PooledArms, side: str) -> frozenset[int]:
        find = arms.of_a if side == "a" else arms.of_b
        return frozenset(find(m) for m in pooled.arms if study.arm(m) is not None)

    pooled_candidates: list[Candidate] = []
    for p in a.pooled_arms:
        for q in b.pooled_arms:
            if members(a, p, "a") == members(b, q, "b"):
                pooled_candidates.append(
                    ((float(p.id == q.id), similarity(p.label, q.label)), p.id, q.id)
                )
    pooled = _merge(
        [p.id for p in a.pooled_arms],
        [q.id for q in b.pooled_arms],
        greedy_pairs(pooled_candidates),
        a,
        b,
        pooled=True,
    )
    return Slots(arms.items + pooled.items)


def _merge(
    a_ids: list[str], b_ids: list[str], matched: dict[str, str], a: Study, b: Study, pooled: bool
) -> Slots:
    """A's order, with each of B's unmatched groups placed after its predecessor in B."""
    slots = [Slot(i, matched.get(i), a.group_label(i), pooled) for i in a_ids]
    placed = set(matched.values())
    for index, b_id in enumerate(b_ids):
        if b_id in placed:
            continue
        after = next(
            (k for prev in reversed(b_ids[:index]) for k, s in enumerate(slots) if s.b == prev),
            -1,
        )
        slots.insert(after + 1, Slot(None, b_id, b.group_label(b_id), pooled))
        placed.add(b_id)
    return Slots(slots)


def _interventions(a: Arm | None, b: Arm | None) -> Iterator[FieldRow]:
    """Interventions paired by drug; with several drugs each row names its drug."""
    a_by = {i.drug.casefold(): i for i in (a.interventions if a else [])}
    b_by = {i.drug.casefold(): i for i in (b.interventions if b else [])}
    several = len({*a_by, *b_by}) > 1
    for drug in dict.fromkeys([*a_by, *b_by]):
        x, y = a_by.get(drug), b_by.get(drug)
        for part in ("Drug", "Dose", "Route", "Schedule"):
            name = f"{part} ({drug})" if several else part
            yield name, text_side(_intervention(x, part)), text_side(_intervention(y, part))


def _intervention(value: Intervention | None, part: str) -> str | None:
    if value is None:
        return None
    if part == "Drug":
        return value.drug + (f" ({value.brand})" if value.brand else "")
    return {"Dose": value.dose, "Route": value.route, "Schedule": value.schedule}[part]


def arm_groups(a: Study, b: Study, slots: Slots) -> Iterator[DiffGroup]:
    for slot in slots.items:
        if slot.pooled:
            p = _pooled(a, slot.a)
            q = _pooled(b, slot.b)
            rows = field_rows(
                [
                    ("Label", text_side(p.label if p else None), text_side(q.label if q else None)),
                    ("Counts together", _members(a, p), _members(b, q)),
                    ("n", _n(a, p), _n(b, q)),
                    ("Note", text_side(p.note if p else None), text_side(q.note if q else None)),
                ]
            )
            yield DiffGroup(f"{slot.label} — pooled", tuple(rows))
            continue
        x = a.arm(slot.a) if slot.a else None
        y = b.arm(slot.b) if slot.b else None
        role = (x.role if x else y.role if y else "other").replace("-", " ")
        fields: list[FieldRow] = [
            ("Label", text_side(x.label if x else None), text_side(y.label if y else None)),
            ("Role", text_side(x.role if x else None), text_side(y.role if y else None)),
            *_interventions(x, y),
            (
                "Randomized",
                count_side(a, x.randomized, x) if x else None,
                count_side(b, y.randomized, y) if y else None,
            ),
            (
                "Analysed",
                count_side(a, x.analysed, x) if x else None,
                count_side(b, y.analysed, y) if y else None,
            ),
            ("Note", text_side(x.note if x else None), text_side(y.note if y else None)),
        ]
        yield DiffGroup(f"{slot.label} — {role}", tuple(field_rows(fields)))


def _pooled(study: Study, group_id: str | None) -> PooledArms | None:
    return next((p for p in study.pooled_arms if p.id == group_id), None)


def _members(study: Study, pooled: PooledArms | None) -> Side | None:
    if pooled is None:
        return None
    return text_side(" + ".join(study.group_label(m) for m in pooled.arms))


def _n(study: Study, pooled: PooledArms | None) -> Side | None:
    if pooled is None or pooled.n is None:
        return None
    return Side((Cited(f"{pooled.n:,}", cite(study, pooled)),), number=pooled.n)
