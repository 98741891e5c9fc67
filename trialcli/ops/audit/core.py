"""What every check is made of: stated figures, checks, the audit, and the
arithmetic of printed numbers."""

from __future__ import annotations

from collections.abc import Callable, Hashable, Sequence
from dataclasses import dataclass
from functools import cached_property
from typing import Literal

from trialcli.crosscheck import Loc
from trialcli.formatting import decimals, interval, number, p_text
from trialcli.model import Comparison, Count, Endpoint, SafetyFinding, Sourced, Study
from trialcli.stats import rounding_tolerance

CheckKind = Literal[
    "percentage",
    "relative-reduction",
    "ratio-vs-arms",
    "p-value-vs-ci",
    "met",
    "arm-sizes",
    "denominator",
    "sources-disagree",
    "flow",
]

# Float noise at rounding boundaries: 0.5 apart must count as within ±0.5.
EPSILON = 1e-9


@dataclass(frozen=True)
class Stated:
    """A figure as the file states it: what it says, who said it, where it is written.

    One figure may be written as several numbers (104/202, a CI's two limits), so it
    has one field path per number.
    """

    shown: str
    source: str | None
    locs: tuple[Loc, ...]
    disagreement: str | None = None


Part = str | Stated


@dataclass(frozen=True)
class Check:
    """One comparison the audit computed; `ok` false makes it a warning."""

    kind: CheckKind
    parts: tuple[Part, ...]
    ok: bool

    @property
    def figures(self) -> tuple[Stated, ...]:
        return tuple(dict.fromkeys(p for p in self.parts if isinstance(p, Stated)))

    @property
    def acknowledged(self) -> str | None:
        """Why the data records this disagreement on purpose, if it does."""
        return next((f.disagreement for f in self.figures if f.disagreement), None)

    def text(self, label: Callable[[str | None], str] | None = None) -> str:
        """The message, each figure followed by `label(its source id)`: by default the
        id in brackets, as in the study file (`53% [p1]`)."""
        mark = label or _source_id
        return "".join(p if isinstance(p, str) else p.shown + mark(p.source) for p in self.parts)


def _source_id(source: str | None) -> str:
    return f" [{source}]" if source else ""


@dataclass(frozen=True)
class Audit:
    checks: tuple[Check, ...]

    @cached_property
    def warnings(self) -> tuple[Check, ...]:
        return tuple(c for c in self.checks if not c.ok)

    def marks(self, prefix: Loc) -> list[int]:
        """Numbers (from 1, in `warnings` order) of the warnings on figures under `prefix`."""
        return list(self._marks_under.get(prefix, ()))

    @cached_property
    def _marks_under(self) -> dict[Loc, list[int]]:
        """Every field path prefix of a warned figure, with the numbers of its warnings:
        built once, so that marking every figure of a page stays linear in the warnings."""
        under: dict[Loc, list[int]] = {}
        for mark, warning in enumerate(self.warnings, start=1):
            for figure in warning.figures:
                for loc in figure.locs:
                    for length in range(len(loc) + 1):
                        numbers = under.setdefault(loc[:length], [])
                        if not numbers or numbers[-1] != mark:
                            numbers.append(mark)
        return under


# --- arithmetic of printed numbers ------------------------------------------------------


def tolerance(value: float, approximate: bool = False) -> float:
    """What a printed number may stand for: ±half its last place; a whole place if "~"."""
    half = rounding_tolerance(decimals(value))
    return 2 * half if approximate else half


def within(apart: float, allowed: float) -> bool:
    return apart <= allowed + EPSILON


def apart_words(apart: float, allowed: float, places: int) -> str:
    """`apart` to `places` decimals, or more where a failing check would read as equal to
    (or less than) what rounding allows."""
    for shown_places in range(places, places + 4):
        if within(apart, allowed) or round(apart, shown_places) > allowed + EPSILON:
            return number(apart, shown_places)
    return number(apart, places + 4)


# --- building blocks --------------------------------------------------------------------


@dataclass(frozen=True)
class Record:
    """A record that states figures: its field path, the source it cites, and the
    disagreement it records, if any."""

    loc: Loc
    source: str | None
    disagreement: str | None = None

    def says(self, shown: str, *fields: str) -> Stated:
        """A figure written in `fields` of this record (a CI is its two limits)."""
        locs: list[Loc] = []
        for field in fields:
            if field == "ci":
                locs += [(*self.loc, "ci", 0), (*self.loc, "ci", 1)]
            else:
                locs.append((*self.loc, field))
        return Stated(shown, self.source, tuple(locs), self.disagreement)


def record_of(study: Study, loc: Loc, record: Sourced, *parents: Sourced | None) -> Record:
    return Record(loc, study.cited_source(record, *parents), getattr(record, "disagreement", None))


@dataclass(frozen=True)
class Value:
    """A stated number, how far its printed rounding lets it move, and the figure itself."""

    value: float
    tolerance: float
    figure: Stated


def printed_value(
    record: Record, value: float, approximate: bool, field: str, unit: str = ""
) -> Value:
    approx = "~" if approximate else ""
    shown = f"{approx}{number(value)}{unit}"
    return Value(value, tolerance(value, approximate), record.says(shown, field))


def finding_name(finding: SafetyFinding) -> str:
    return f"{finding.term} (serious)" if finding.serious else finding.term


def arms_text(study: Study, arms: tuple[str, str]) -> str:
    return f"{study.group_label(arms[0])} vs {study.group_label(arms[1])}"


def endpoint_groups(study: Study) -> list[list[int]]:
    """Endpoints sharing a code and time frame are one endpoint reported by several
    sources (e.g. `sdi-p5` and `sdi-p6`); any other endpoint stands alone."""
    groups: dict[tuple[str, ...], list[int]] = {}
    for i, endpoint in enumerate(study.endpoints):
        frame = " ".join((endpoint.time_frame or "").lower().split())
        key = ("code", endpoint.code, frame) if endpoint.code else ("id", endpoint.id)
        groups.setdefault(key, []).append(i)
    return list(groups.values())


_EVERY = object()  # in `source_pairs`, the key of all items whatever their class


def source_pairs(
    sources: Sequence[str | None], classes: Sequence[Hashable] | None = None
) -> list[tuple[int, int]]:
    """Which of several statements of one figure to set against each other: each one
    against the first statement by another source (of a class it can be compared with;
    class None compares with any). Pairs are in file order, each once, at most n − 1 of
    them: comparing all pairs made a file repeating one figure quadratic in time and memory.
    """
    kinds: Sequence[Hashable] = classes if classes is not None else [None] * len(sources)
    # For each class, and for all items: the first item, and the first by another source.
    firsts: dict[object, list[int]] = {}
    for i, (source, kind) in enumerate(zip(sources, kinds, strict=True)):
        for key in (_EVERY, kind):
            found = firsts.setdefault(key, [])
            if not found or (len(found) == 1 and sources[found[0]] != source):
                found.append(i)
    pairs: dict[tuple[int, int], None] = {}
    for i, (source, kind) in enumerate(zip(sources, kinds, strict=True)):
        candidates = [
            k
            for key in ((_EVERY,) if kind is None else (kind, None))
            for k in firsts.get(key, ())
            if k != i and sources[k] != source
        ]
        if candidates:
            k = min(candidates)
            pairs[(min(i, k), max(i, k))] = None
    return sorted(pairs)


@dataclass(frozen=True)
class Placed:
    """A comparison with its endpoint (and that endpoint's index) and its record."""

    index: int
    endpoint: Endpoint
    comparison: Comparison
    record: Record

    @property
    def context(self) -> str:
        return f"{self.endpoint.name}, "

    def estimate(self) -> Stated:
        c = self.comparison
        assert c.estimate is not None
        suffix = "%" if c.measure == "relative-reduction" else ""
        approx = "~" if c.approximate else ""
        return self.record.says(f"{approx}{number(c.estimate)}{suffix}", "estimate")

    def ci(self) -> Stated:
        c = self.comparison
        assert c.ci is not None
        return self.record.says(f"{number(c.ci_level)}% CI {interval(c.ci)}", "ci")

    def p(self) -> Stated:
        assert self.comparison.p_value is not None
        return self.record.says(p_text(self.comparison.p_value), "p_value")

    def met(self) -> Stated:
        return self.record.says("met" if self.comparison.met else "not met", "met")


def placed_comparisons(study: Study, group: Sequence[int] | None = None) -> list[Placed]:
    indexes = range(len(study.endpoints)) if group is None else group
    return [
        Placed(
            i,
            study.endpoints[i],
            comparison,
            record_of(study, ("endpoints", i, "comparisons", j), comparison, study.endpoints[i]),
        )
        for i in indexes
        for j, comparison in enumerate(study.endpoints[i].comparisons)
    ]


def count_figure(study: Study, loc: Loc, count: Count, parent: Sourced) -> Stated:
    return record_of(study, loc, count, parent).says(f"{count.value:,}", "value")
