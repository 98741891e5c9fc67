"""The diff's vocabulary — a row, its two sides, each side's cited lines, the words
that changed — and how two sides make one row.
"""

from __future__ import annotations

import difflib
import re
from collections.abc import Callable, Iterable, Iterator
from dataclasses import dataclass, replace
from typing import Literal

from trialcli.formatting import decimals, number
from trialcli.model import Count, Sourced, Study
from trialcli.ops.sources import SourceRef, cite
from trialcli.ops.summary import VerdictState

Status = Literal["same", "changed", "only-a", "only-b"]
STATUSES: tuple[Status, ...] = ("same", "changed", "only-a", "only-b")


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


def field_rows(fields: Iterable[tuple[str, Side | None, Side | None]]) -> Iterator[DiffRow]:
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


def text_side(value: str | None) -> Side | None:
    return Side((Cited(value),)) if value else None


def lines_side(values: Iterable[Cited]) -> Side | None:
    # The same words from the same source twice say nothing more than once.
    lines = tuple({line.key: line for line in values}.values())
    return Side(lines) if lines else None


def count_side(study: Study, count: Count | None, parent: Sourced) -> Side | None:
    if count is None:
        return None
    lines = [Cited(f"{count.value:,}", cite(study, count, parent), count.note)]
    lines += [
        Cited(f"also reported: {other.value:,}", cite(study, other), other.note)
        for other in count.also_reported
    ]
    return Side(tuple(lines), number=count.value)


FieldRow = tuple[str, Side | None, Side | None]


def text_pair(a: Study, b: Study, name: str, get: Callable[[Study], str | None]) -> FieldRow:
    return name, text_side(get(a)), text_side(get(b))
