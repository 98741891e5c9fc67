"""`trialcli diff`: two studies (or two versions of one file) aligned by meaning, row by row.

Rows are matched by what they are, never by position: identity and design fields by name;
arms by role and drug; pooled groups by the arms they count; endpoints by their `code`,
else (imported records have none) by name, time frame, kind and unit; comparisons within
an endpoint by measure and arms, saying when their direction is inferred or unknown;
safety findings as `ae` matches them (`ops/harm_terms.py`).
Where a study holds several sources' values for one row, every one is kept on its own line.
"""

from __future__ import annotations

import difflib
import re
from collections.abc import Callable, Iterable, Iterator, Sequence
from dataclasses import dataclass, field, replace
from typing import Literal

from trialcli.formatting import (
    DIRECTION_WORDS,
    MEASURE_NAMES,
    NOT_REPORTED,
    decimals,
    effect_value,
    number,
    p_text,
    range_text,
    result_text,
    safety_text,
)
from trialcli.model import (
    Arm,
    Count,
    Endpoint,
    Intervention,
    PooledArms,
    Range,
    SafetyFinding,
    Sourced,
    Statement,
    Study,
)
from trialcli.ops.harm_terms import same_harms
from trialcli.ops.sources import SourceRef, cite, source_ref
from trialcli.ops.summary import VerdictState, endpoint_verdict

Status = Literal["same", "changed", "only-a", "only-b"]
STATUSES: tuple[Status, ...] = ("same", "changed", "only-a", "only-b")
GROUPS_DIFFER = "the two sides count different arms or pooled groups"
LEVEL_ORDER = {"primary": 0, "secondary": 1, "tertiary": 2, "exploratory": 3}


@dataclass(frozen=True)
class Segment:
    """A run of words; `changed` when the other study's row does not have them."""

    text: str
    changed: bool


@dataclass(frozen=True)
class Cited:
    """One value as printed, with its source and a dimmed detail (population, note)."""

    text: str
    source: SourceRef | None = None
    detail: str | None = None
    verdict: VerdictState | None = None
    words: tuple[Segment, ...] = ()

    @property
    def key(self) -> tuple[str, str | None, str | None, VerdictState | None]:
        # Compared by citation, not by number: renumbered sources are not a change.
        citation = self.source.citation if self.source else None
        return (self.text, citation, self.detail, self.verdict)

    @property
    def printed(self) -> str:
        mark = f" {self.source.mark}" if self.source is not None else ""
        detail = f" ({self.detail})" if self.detail else ""
        return f"{self.text}{mark}{detail}"


@dataclass(frozen=True)
class Side:
    """What one study says in a row: one or more cited lines."""

    lines: tuple[Cited, ...]
    number: float | None = None  # the row's single figure, when there is exactly one
    unit: str | None = None

    @property
    def printed(self) -> str:
        return "\n".join(line.printed for line in self.lines)


@dataclass(frozen=True)
class DiffRow:
    field: str
    a: Side | None
    b: Side | None
    status: Status
    change: Change | None = None
    # A qualifier the row's reader needs: the two sides count different groups.
    note: str | None = None


@dataclass(frozen=True)
class Change:
    """B minus A for a row that is one figure on each side; computed by trialcli."""

    before: str
    after: str
    delta: str
    unit: str | None

    @property
    def text(self) -> str:
        """`581 → 840 (+259)`, `22% → 35% (+13 points)`."""
        if self.unit == "%":
            return f"{self.before}% → {self.after}% ({self.delta} points)"
        return f"{self.before} → {self.after} ({self.delta})"


@dataclass(frozen=True)
class DiffGroup:
    """Rows about one thing: an arm, an endpoint; `title` is empty for plain fields."""

    title: str
    rows: tuple[DiffRow, ...]
    code: str | None = None

    @property
    def status(self) -> Status:
        statuses = {row.status for row in self.rows}
        if len(statuses) == 1:
            return next(iter(statuses))
        return "same" if not statuses else "changed"


@dataclass(frozen=True)
class DiffSection:
    title: str
    groups: tuple[DiffGroup, ...]


@dataclass(frozen=True)
class StudyDiff:
    a_id: str
    b_id: str
    a_label: str
    b_label: str
    sections: tuple[DiffSection, ...]
    hidden_same: int = 0  # rows left out by `changed_only`

    def rows(self) -> Iterator[tuple[DiffSection, DiffGroup, DiffRow]]:
        for section in self.sections:
            for group in section.groups:
                for row in group.rows:
                    yield section, group, row

    @property
    def counts(self) -> dict[Status, int]:
        counts: dict[Status, int] = dict.fromkeys(STATUSES, 0)
        for _, _, row in self.rows():
            counts[row.status] += 1
        return counts

    @property
    def identical(self) -> bool:
        return all(row.status == "same" for _, _, row in self.rows())

    def changed_only(self) -> StudyDiff:
        """The same comparison without the rows that are the same."""
        sections = []
        for section in self.sections:
            groups = []
            for group in section.groups:
                rows = tuple(r for r in group.rows if r.status != "same")
                if rows:
                    groups.append(replace(group, rows=rows))
            if groups:
                sections.append(replace(section, groups=tuple(groups)))
        hidden = self.hidden_same + self.counts["same"]
        return replace(self, sections=tuple(sections), hidden_same=hidden)


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
        DiffSection("Identity", (DiffGroup("", tuple(_identity(a, b))),)),
        DiffSection("Population", (DiffGroup("", tuple(_population(a, b))),)),
        DiffSection("Design", (DiffGroup("", tuple(_design(a, b))),)),
        DiffSection("Arms", tuple(_arms(a, b, slots))),
        DiffSection("Endpoints", tuple(_endpoints(a, b, slots))),
        DiffSection("Safety", (DiffGroup("", tuple(_safety(a, b, slots))),)),
        DiffSection("Notes and sources", (DiffGroup("", tuple(_notes(a, b))),)),
    ]
    kept = [
        replace(s, groups=tuple(g for g in s.groups if g.rows))
        for s in sections
        if any(g.rows for g in s.groups)
    ]
    result = StudyDiff(a.id, b.id, a_label, b_label, tuple(kept))
    if result.identical:
        other = _other_fields(a, b)
        if other is not None:
            section = DiffSection("Other fields", (DiffGroup("", (other,)),))
            result = replace(result, sections=(*result.sections, section))
    return result


# --- rows -----------------------------------------------------------------------------


def _row(name: str, a: Side | None, b: Side | None) -> DiffRow:
    if a is None and b is None:
        raise ValueError("a row needs a value on at least one side")
    if a is None:
        return DiffRow(name, None, b, "only-b")
    if b is None:
        return DiffRow(name, a, None, "only-a")
    if [line.key for line in a.lines] == [line.key for line in b.lines]:
        return DiffRow(name, a, b, "same")
    a_marked, b_marked = mark_words(a, b)
    return DiffRow(name, a_marked, b_marked, "changed", _change(a, b))


def _rows(fields: Iterable[tuple[str, Side | None, Side | None]]) -> Iterator[DiffRow]:
    for name, a, b in fields:
        if a is not None or b is not None:
            yield _row(name, a, b)


def _change(a: Side, b: Side) -> Change | None:
    """When each side is one figure in the same unit: `581 → 840 (+259)`."""
    if a.number is None or b.number is None or a.unit != b.unit or a.number == b.number:
        return None
    delta = b.number - a.number
    sign = "+" if delta > 0 else "−"
    if isinstance(a.number, int) and isinstance(b.number, int):
        return Change(f"{a.number:,}", f"{b.number:,}", f"{sign}{abs(delta):,}", a.unit)
    places = max(decimals(a.number), decimals(b.number))
    return Change(number(a.number), number(b.number), sign + number(abs(delta), places), a.unit)


_WORD = re.compile(r"\S+\s*")


def mark_words(a: Side, b: Side) -> tuple[Side, Side]:
    """Each line split into runs of words, marking those the other side does not have."""
    a_words = [(i, w) for i, line in enumerate(a.lines) for w in _WORD.findall(line.text)]
    b_words = [(i, w) for i, line in enumerate(b.lines) for w in _WORD.findall(line.text)]
    a_changed = [True] * len(a_words)
    b_changed = [True] * len(b_words)
    matcher = difflib.SequenceMatcher(
        None, [w.strip() for _, w in a_words], [w.strip() for _, w in b_words], autojunk=False
    )
    for block in matcher.get_matching_blocks():
        for k in range(block.size):
            a_changed[block.a + k] = False
            b_changed[block.b + k] = False
    return _segmented(a, a_words, a_changed), _segmented(b, b_words, b_changed)


def _segmented(side: Side, words: list[tuple[int, str]], changed: list[bool]) -> Side:
    runs: list[list[Segment]] = [[] for _ in side.lines]
    for (line, word), flag in zip(words, changed, strict=True):
        run = runs[line]
        if run and run[-1].changed == flag:
            run[-1] = Segment(run[-1].text + word, flag)
        else:
            run.append(Segment(word, flag))
    lines = tuple(replace(c, words=tuple(r)) for c, r in zip(side.lines, runs, strict=True))
    return replace(side, lines=lines)


# --- sides ----------------------------------------------------------------------------


def _text(value: str | None) -> Side | None:
    return Side((Cited(value),)) if value else None


def _lines(values: Iterable[Cited]) -> Side | None:
    # The same words from the same source twice say nothing more than once.
    lines = tuple({line.key: line for line in values}.values())
    return Side(lines) if lines else None


def _count(study: Study, count: Count | None, parent: Sourced) -> Side | None:
    if count is None:
        return None
    lines = [Cited(f"{count.value:,}", cite(study, count, parent), count.note)]
    lines += [
        Cited(f"also reported: {other.value:,}", cite(study, other), other.note)
        for other in count.also_reported
    ]
    return Side(tuple(lines), number=count.value)


FieldRow = tuple[str, Side | None, Side | None]


def _pair(a: Study, b: Study, name: str, get: Callable[[Study], str | None]) -> FieldRow:
    return name, _text(get(a)), _text(get(b))


# --- identity, population, design -------------------------------------------------------


def _identity(a: Study, b: Study) -> Iterator[DiffRow]:
    def dates(study: Study) -> Side | None:
        if not study.start_date and not study.completion_date:
            return None
        text = f"{study.start_date or '?'} to {study.completion_date or '?'}"
        source = source_ref(study, study.dates_source)  # as `show`: only a named source
        return Side((Cited(text, source),))

    def collaborators(study: Study) -> Side | None:
        return _lines(Cited(c) for c in study.collaborators)

    def other_ids(study: Study) -> Side | None:
        return _lines(Cited(o) for o in study.registry.other)

    yield from _rows(
        [
            _pair(a, b, "Id", lambda s: s.id),
            _pair(a, b, "Acronym", lambda s: s.acronym),
            _pair(a, b, "Title", lambda s: s.title),
            _pair(a, b, "NCT", lambda s: s.registry.nct),
            _pair(a, b, "EudraCT", lambda s: s.registry.eudract),
            _pair(a, b, "Sponsor code", lambda s: s.registry.sponsor_code),
            ("Other ids", other_ids(a), other_ids(b)),
            _pair(a, b, "Sponsor", lambda s: s.sponsor),
            ("Collaborators", collaborators(a), collaborators(b)),
            _pair(a, b, "Phase", lambda s: s.phase),
            _pair(a, b, "Status", lambda s: s.status),
            ("Dates", dates(a), dates(b)),
        ]
    )


def _population(a: Study, b: Study) -> Iterator[DiffRow]:
    def eligibility(study: Study, name: str) -> str | None:
        rules = study.population.eligibility
        if rules is None:
            return None
        value = getattr(rules, name)
        if isinstance(value, Range):
            return range_text(value.min, value.max, value.unit or "")
        return value.text if isinstance(value, Statement) else None

    def criteria(study: Study) -> Side | None:
        rules = study.population.eligibility
        if rules is None:
            return None
        population = study.population
        return _lines(Cited(c.text, cite(study, c, rules, population)) for c in rules.criteria)

    def baseline(study: Study) -> Side | None:
        population = study.population
        return _lines(Cited(s.text, cite(study, s, population)) for s in population.baseline)

    def analysed_population(study: Study) -> Side | None:
        population = study.population
        statement = population.analysed_population
        if statement is None:
            return None
        return Side((Cited(statement.text, cite(study, statement, population)),))

    def eligibility_note(study: Study) -> str | None:
        rules = study.population.eligibility
        return rules.note if rules else None

    def history(study: Study) -> str | None:
        value = study.population.treatment_history
        return value.replace("-", " ") if value else None

    pa, pb = a.population, b.population
    yield from _rows(
        [
            _pair(a, b, "Condition", lambda s: s.population.condition),
            _pair(a, b, "Enrolled", lambda s: s.population.description),
            _pair(a, b, "History", history),
            _pair(a, b, "Age", lambda s: eligibility(s, "age")),
            _pair(a, b, "EDSS", lambda s: eligibility(s, "edss")),
            _pair(a, b, "Disease duration", lambda s: eligibility(s, "disease_duration")),
            _pair(a, b, "Prior treatment", lambda s: eligibility(s, "prior_treatment")),
            ("Criteria", criteria(a), criteria(b)),
            _pair(a, b, "Eligibility note", eligibility_note),
            ("Randomized", _count(a, pa.randomized, pa), _count(b, pb.randomized, pb)),
            ("Analysed", _count(a, pa.analysed, pa), _count(b, pb.analysed, pb)),
            ("Analysed population", analysed_population(a), analysed_population(b)),
            ("Baseline", baseline(a), baseline(b)),
            _pair(a, b, "Note", lambda s: s.population.note),
        ]
    )


def _design(a: Study, b: Study) -> Iterator[DiffRow]:
    def amendments(study: Study) -> Side | None:
        design = study.design
        return _lines(
            Cited((f"{m.date}: " if m.date else "") + m.text, cite(study, m, design))
            for m in design.amendments
        )

    yield from _rows(
        [
            _pair(a, b, "Allocation", lambda s: s.design.allocation),
            _pair(a, b, "Masking", lambda s: s.design.masking),
            _pair(a, b, "Model", lambda s: s.design.model),
            _pair(a, b, "Allocation ratio", lambda s: s.design.allocation_ratio),
            _pair(a, b, "Duration", lambda s: s.design.duration),
            _pair(a, b, "Comparator", lambda s: s.design.comparator),
            ("Amendments", amendments(a), amendments(b)),
            _pair(a, b, "Note", lambda s: s.design.note),
        ]
    )


# --- arms -----------------------------------------------------------------------------


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


def _similar(x: str, y: str) -> float:
    return difflib.SequenceMatcher(None, x.casefold(), y.casefold()).ratio()


Candidate = tuple[tuple[float, ...], str, str]


def _greedy(candidates: list[Candidate]) -> dict[str, str]:
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
                score = (float(x.id == y.id), float(doses), _similar(x.label, y.label))
                candidates.append((score, x.id, y.id))
    arms = _merge(
        [x.id for x in a.arms], [y.id for y in b.arms], _greedy(candidates), a, b, pooled=False
    )

    def members(study: Study, pooled: PooledArms, side: str) -> frozenset[int]:
        find = arms.of_a if side == "a" else arms.of_b
        return frozenset(find(m) for m in pooled.arms if study.arm(m) is not None)

    pooled_candidates: list[Candidate] = []
    for p in a.pooled_arms:
        for q in b.pooled_arms:
            if members(a, p, "a") == members(b, q, "b"):
                pooled_candidates.append(
                    ((float(p.id == q.id), _similar(p.label, q.label)), p.id, q.id)
                )
    pooled = _merge(
        [p.id for p in a.pooled_arms],
        [q.id for q in b.pooled_arms],
        _greedy(pooled_candidates),
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
            yield name, _text(_intervention(x, part)), _text(_intervention(y, part))


def _intervention(value: Intervention | None, part: str) -> str | None:
    if value is None:
        return None
    if part == "Drug":
        return value.drug + (f" ({value.brand})" if value.brand else "")
    return {"Dose": value.dose, "Route": value.route, "Schedule": value.schedule}[part]


def _arms(a: Study, b: Study, slots: Slots) -> Iterator[DiffGroup]:
    for slot in slots.items:
        if slot.pooled:
            p = _pooled(a, slot.a)
            q = _pooled(b, slot.b)
            rows = _rows(
                [
                    ("Label", _text(p.label if p else None), _text(q.label if q else None)),
                    ("Counts together", _members(a, p), _members(b, q)),
                    ("n", _n(a, p), _n(b, q)),
                    ("Note", _text(p.note if p else None), _text(q.note if q else None)),
                ]
            )
            yield DiffGroup(f"{slot.label} — pooled", tuple(rows))
            continue
        x = a.arm(slot.a) if slot.a else None
        y = b.arm(slot.b) if slot.b else None
        role = (x.role if x else y.role if y else "other").replace("-", " ")
        fields: list[FieldRow] = [
            ("Label", _text(x.label if x else None), _text(y.label if y else None)),
            ("Role", _text(x.role if x else None), _text(y.role if y else None)),
            *_interventions(x, y),
            (
                "Randomized",
                _count(a, x.randomized, x) if x else None,
                _count(b, y.randomized, y) if y else None,
            ),
            (
                "Analysed",
                _count(a, x.analysed, x) if x else None,
                _count(b, y.analysed, y) if y else None,
            ),
            ("Note", _text(x.note if x else None), _text(y.note if y else None)),
        ]
        yield DiffGroup(f"{slot.label} — {role}", tuple(_rows(fields)))


def _pooled(study: Study, group_id: str | None) -> PooledArms | None:
    return next((p for p in study.pooled_arms if p.id == group_id), None)


def _members(study: Study, pooled: PooledArms | None) -> Side | None:
    if pooled is None:
        return None
    return _text(" + ".join(study.group_label(m) for m in pooled.arms))


def _n(study: Study, pooled: PooledArms | None) -> Side | None:
    if pooled is None or pooled.n is None:
        return None
    return Side((Cited(f"{pooled.n:,}", cite(study, pooled)),), number=pooled.n)


# --- endpoints ------------------------------------------------------------------------


def _words(text: str | None) -> str:
    return " ".join((text or "").casefold().split())


def _units(endpoint: Endpoint) -> frozenset[str]:
    units = [r.unit for r in endpoint.results.values()] + [c.unit for c in endpoint.comparisons]
    return frozenset(_words(u) for u in units if u)


def _meaning(endpoint: Endpoint) -> tuple[str, str, str, frozenset[str]]:
    """What an endpoint measures, when, and in what unit: how a codeless endpoint is known."""
    return (_words(endpoint.name), _words(endpoint.time_frame), endpoint.kind, _units(endpoint))


# A renamed or re-timed endpoint still pairs with its old self when its name and time
# frame read nearly the same (and its kind and unit are the same); below this, it is a
# removal and an addition, never a guess.
SIMILAR_ENOUGH = 0.9


def _codeless_pairs(xs: list[Endpoint], ys: list[Endpoint]) -> dict[str, str]:
    """A's endpoint ids paired with B's: same meaning first, then nearly the same words."""
    candidates: list[Candidate] = []
    for x in xs:
        for y in ys:
            if _meaning(x) == _meaning(y):
                candidates.append(((2.0, float(x.id == y.id)), x.id, y.id))
            elif x.kind == y.kind and _units(x) == _units(y):
                similar = _similar(
                    f"{x.name} {x.time_frame or ''}", f"{y.name} {y.time_frame or ''}"
                )
                if similar >= SIMILAR_ENOUGH:
                    candidates.append(((1.0, similar), x.id, y.id))
    return _greedy(candidates)


def _endpoint_pairs(a: Study, b: Study) -> list[tuple[list[Endpoint], list[Endpoint]]]:
    """Endpoints with a code grouped by it (several may share one); the others by meaning.

    Never by position or id alone: an imported record numbers its outcomes in order, so
    one outcome removed from a later version would shift every id after it.
    """
    coded: dict[str, tuple[list[Endpoint], list[Endpoint]]] = {}
    for side, study in enumerate((a, b)):
        for endpoint in study.endpoints:
            if endpoint.code:
                coded.setdefault(endpoint.code, ([], []))[side].append(endpoint)
    loose_a = [e for e in a.endpoints if not e.code]
    loose_b = [e for e in b.endpoints if not e.code]
    matched = _codeless_pairs(loose_a, loose_b)
    by_id_b = {e.id: e for e in loose_b}
    pairs: list[tuple[list[Endpoint], list[Endpoint]]] = []
    placed: set[str] = set()
    for endpoint in a.endpoints:
        if endpoint.code:
            if endpoint.code not in placed:
                placed.add(endpoint.code)
                pairs.append(coded[endpoint.code])
            continue
        other = matched.get(endpoint.id)
        pairs.append(([endpoint], [by_id_b[other]] if other else []))
    paired_b = set(matched.values())
    for endpoint in b.endpoints:
        if endpoint.code and endpoint.code not in placed:
            placed.add(endpoint.code)
            pairs.append(coded[endpoint.code])
        elif not endpoint.code and endpoint.id not in paired_b:
            pairs.append(([], [endpoint]))
    return pairs


def _endpoints(a: Study, b: Study, slots: Slots) -> Iterator[DiffGroup]:
    """One group per endpoint (or per code several endpoints share); primary first."""
    pairs = _endpoint_pairs(a, b)
    pairs.sort(key=lambda pair: min(LEVEL_ORDER[e.level] for e in [*pair[0], *pair[1]]))
    for xs, ys in pairs:
        first = (xs or ys)[0]
        rows = tuple(_rows(_endpoint_fields(a, b, xs, ys, slots)))
        yield DiffGroup(first.name, rows, code=first.code)


def _each(endpoints: Sequence[Endpoint], make: Callable[[Endpoint], Cited | None]) -> Side | None:
    return _lines(c for e in endpoints if (c := make(e)) is not None)


def _endpoint_fields(
    a: Study, b: Study, xs: list[Endpoint], ys: list[Endpoint], slots: Slots
) -> Iterator[FieldRow]:
    def verdict(endpoints: list[Endpoint]) -> Callable[[Endpoint], Cited]:
        def make(e: Endpoint) -> Cited:
            v = endpoint_verdict(e)
            return Cited(v.label, verdict=v.state, detail=e.name if len(endpoints) > 1 else None)

        return make

    def basis(e: Endpoint) -> Cited | None:
        v = endpoint_verdict(e)
        return Cited(v.basis) if v.state in {"met", "not-met", "disputed"} else None

    def plain(get: Callable[[Endpoint], str | None]) -> Callable[[Endpoint], Cited | None]:
        return lambda e: Cited(text) if (text := get(e)) else None

    yield "Verdict", _each(xs, verdict(xs)), _each(ys, verdict(ys))
    yield "Basis", _each(xs, basis), _each(ys, basis)
    for name, get in (
        ("Name", lambda e: e.name),
        ("Level", lambda e: e.level),
        ("Kind", lambda e: e.kind),
        ("Time frame", lambda e: e.time_frame),
        ("Population", lambda e: e.population),
        ("Definition", lambda e: e.definition),
    ):
        yield name, _each(xs, plain(get)), _each(ys, plain(get))
    yield from _results(a, b, xs, ys, slots)
    yield from _comparisons(a, b, xs, ys, slots)
    note = plain(lambda e: e.note)
    yield "Note", _each(xs, note), _each(ys, note)


def _one_figure(lines: list[Cited], figures: list[tuple[float, str | None]]) -> Side | None:
    side = _lines(lines)
    if side is not None and len(figures) == 1 and len(side.lines) == 1:
        return replace(side, number=figures[0][0], unit=figures[0][1])
    return side


def _results(
    a: Study, b: Study, xs: list[Endpoint], ys: list[Endpoint], slots: Slots
) -> Iterator[FieldRow]:
    def by_slot(study: Study, endpoints: list[Endpoint], side: str) -> dict[int, Side | None]:
        find = slots.of_a if side == "a" else slots.of_b
        lines: dict[int, list[Cited]] = {}
        figures: dict[int, list[tuple[float, str | None]]] = {}
        for e in endpoints:
            for key, result in e.results.items():
                slot = find(key)
                lines.setdefault(slot, []).append(
                    Cited(result_text(result), cite(study, result, e), result.note)
                )
                if result.value is not None:
                    figures.setdefault(slot, []).append((result.value, result.unit))
        return {k: _one_figure(v, figures.get(k, [])) for k, v in lines.items()}

    in_a, in_b = by_slot(a, xs, "a"), by_slot(b, ys, "b")
    for slot in sorted({*in_a, *in_b}):
        yield f"Result: {slots.items[slot].label}", in_a.get(slot), in_b.get(slot)


def _comparisons(
    a: Study, b: Study, xs: list[Endpoint], ys: list[Endpoint], slots: Slots
) -> Iterator[FieldRow]:
    """Comparisons aligned by measure and arms; every source's value on its own line."""
    Key = tuple[str, int, int]

    def by_key(study: Study, endpoints: list[Endpoint], side: str) -> dict[Key, Side | None]:
        find = slots.of_a if side == "a" else slots.of_b
        lines: dict[Key, list[Cited]] = {}
        figures: dict[Key, list[tuple[float, str | None]]] = {}
        for e in endpoints:
            for c in e.comparisons:
                first, second = find(c.arms[0]), find(c.arms[1])
                # Whose side is A is not known: either order is the same comparison.
                if c.direction == "unknown":
                    first, second = sorted((first, second))
                key = (c.measure, first, second)
                value = effect_value(c) if c.estimate is not None else "no estimate"
                p = p_text(c.p_value)
                details = [
                    DIRECTION_WORDS[c.direction],
                    c.population if c.population and c.population != e.population else None,
                    c.note,
                ]
                lines.setdefault(key, []).append(
                    Cited(
                        f"{value}, {p}" if p else value,
                        cite(study, c, e),
                        "; ".join(d for d in details if d) or None,
                    )
                )
                if c.estimate is not None:
                    unit = "%" if c.measure == "relative-reduction" else c.unit
                    figures.setdefault(key, []).append((c.estimate, unit))
        return {k: _one_figure(v, figures.get(k, [])) for k, v in lines.items()}

    in_a, in_b = by_key(a, xs, "a"), by_key(b, ys, "b")
    for key in dict.fromkeys([*in_a, *in_b]):
        measure, experimental, comparator = key
        label = (
            f"{MEASURE_NAMES[measure]}: {slots.items[experimental].label}"
            f" vs {slots.items[comparator].label}"
        )
        yield label, in_a.get(key), in_b.get(key)


# --- safety and notes -----------------------------------------------------------------


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


def _safety(a: Study, b: Study, slots: Slots) -> Iterator[DiffRow]:
    """Findings matched as `ae` matches them (`harm_terms`); each line names its arm, and a
    row whose sides count different arms or pooled groups says so."""
    found = [(study, finding) for study in (a, b) for finding in study.safety]
    for group in same_harms(found, lambda f: (f[1].term, f[1].code, bool(f[1].serious))):
        first = group[0][1]
        name = first.term + (" (serious)" if first.serious else "")
        in_a = [line for s, f in group if s is a for line in _finding_lines(s, f)]
        in_b = [line for s, f in group if s is b for line in _finding_lines(s, f)]
        for row in _rows([(name, _lines(in_a), _lines(in_b))]):
            keys_a = {k for s, f in group if s is a for k in f.arms}
            keys_b = {k for s, f in group if s is b for k in f.arms}
            if (
                keys_a
                and keys_b
                and {slots.of_a(k) for k in keys_a} != {slots.of_b(k) for k in keys_b}
            ):
                row = replace(row, note=GROUPS_DIFFER)
            yield row


def _notes(a: Study, b: Study) -> Iterator[DiffRow]:
    def notes(study: Study) -> Side | None:
        return _lines(
            Cited((f"{n.date}: " if n.date else "") + n.text, cite(study, n)) for n in study.notes
        )

    def milestones(study: Study) -> Side | None:
        return _lines(
            Cited(
                (f"{m.date}: " if m.date else "")
                + m.event
                + (" (planned)" if m.status == "planned" else ""),
                cite(study, m),
            )
            for m in study.milestones
        )

    def sources(study: Study) -> Side | None:
        return _lines(Cited(" ".join(s.citation.split()), detail=s.url) for s in study.sources)

    yield from _rows(
        [
            _pair(a, b, "Safety monitoring", lambda s: s.safety_monitoring),
            ("Notes", notes(a), notes(b)),
            ("Milestones", milestones(a), milestones(b)),
            ("Sources", sources(a), sources(b)),
        ]
    )


def _other_fields(a: Study, b: Study) -> DiffRow | None:
    """The files differ only where no row looks (ids, kinds of source): say so, never hide it."""
    dumped_a, dumped_b = a.model_dump(mode="json"), b.model_dump(mode="json")
    names = [name for name in dumped_a if dumped_a[name] != dumped_b.get(name)]
    if not names:
        return None
    text = "the files differ in " + ", ".join(names) + "; see the files for details"
    side = Side((Cited(text),))
    return DiffRow("Fields not shown", side, side, "changed")
