"""Which way a registry analysis runs: A vs B, from the record's own words where it has them.

A record lists an analysis's groups (`groupIds`) in no meaningful order, so that order is
never taken as the direction. The direction comes, in turn, from:

1. the analysis's own words — `estimateComment`, `paramType` ("LS Mean Difference(Eleclazine
   - Placebo)"), `groupDescription`, `statisticalComment` — where an operator (the table
   `OPERATORS`) sits between two names that each match exactly one of the two groups:
   "Drug vs. Placebo", "[Treatment] - Placebo", "CZP/Placebo", "A minus B", "20 mg against
   1 mg"; or "placebo as reference group";
2. else the arms' roles (`RANKS`): experimental before active comparator before placebo,
   sham or no intervention — marked "inferred";
3. else it is "unknown", and the record's order is kept only as an order.
"""

from __future__ import annotations

import re
from collections.abc import Sequence
from dataclasses import dataclass

from trialcli.importers.ctgov.group_titles import words_of
from trialcli.model import DirectionBasis, DirectionHow

# The fields an analysis states its direction in, most specific first.
DIRECTION_FIELDS = ("estimateComment", "paramType", "groupDescription", "statisticalComment")
# Its comments, read after those: "ratio ... of Generic B to brand name".
COMMENT_FIELDS = ("nonInferiorityComment", "pValueComment")

# Words that put A before B: "A vs B", "A − B", "A/B", ... Hyphens count only with a space
# or a bracket beside them, so "DU-176b" stays one name.
OPERATORS = re.compile(
    r"\s[-−–]\s|(?<=\])\s*[-−–]\s*|[-−–]\s*(?=\[)|\s?/\s?"
    r"|\bminus\b|\bvs\b\.?|\bversus\b|\bagainst\b|\bcompared (?:with|to)\b|\brelative to\b",
    re.IGNORECASE,
)
# "the ratio of geometric means of Generic B to brand name": A is named after "of".
RATIO_OF = re.compile(r"\bratio\b[^.;]*?\bof\s+([^.;]+?)\s+to\s+([^.;]+)", re.IGNORECASE)
# "placebo as reference group": the named group is B.
REFERENCE = re.compile(r"(\w+) as (?:the )?reference\b", re.IGNORECASE)
# Clauses end here; a name never spans them.
_CLAUSE_END = re.compile(r"[.;:,]\s|[.;:,]$")
_WINDOW = 6  # the most words a name next to an operator is read from

# Words that name the placebo-like group, or the other one, when only one of two is placebo-like.
PLACEBO_WORDS = frozenset({"placebo", "pbo", "control", "sham", "vehicle", "comparator"})
ACTIVE_WORDS = frozenset({"treatment", "active", "drug", "experimental", "verum"})
_FILLER = frozenset(
    {"mg", "arm", "group", "groups", "dose", "the", "of", "and", "plus", "with", "a", "in"}
)

# Arm roles in the order a comparison conventionally reads (lower first); registered
# arm types the model has no role for keep their registry word.
RANKS: dict[str, int] = {
    "experimental": 0,
    "EXPERIMENTAL": 0,
    "active-comparator": 1,
    "ACTIVE_COMPARATOR": 1,
    "placebo": 2,
    "PLACEBO_COMPARATOR": 2,
    "SHAM_COMPARATOR": 2,
    "NO_INTERVENTION": 2,
}
# A product's own words, for groups without a registered role (bioequivalence treatments).
_DESCRIBED_RANKS = (
    (re.compile(r"\btest (?:product|formulation|drug)\b", re.IGNORECASE), 0),
    (re.compile(r"\breference (?:product|formulation|drug)\b", re.IGNORECASE), 2),
)


@dataclass(frozen=True)
class Side:
    """One group of an analysis: what names it, and its role."""

    titles: str  # the outcome group's title and its arm's
    drugs: str  # the arm's drugs: names that may be shared (a placebo arm's rescue drug)
    rank: int | None  # from RANKS, None when the record gives no role
    placebo_like: bool


def side(
    titles: Sequence[str],
    drugs: Sequence[str],
    role: str | None,
    kind: str | None,
    description: str | None,
) -> Side:
    words = set(words_of(" ".join(titles)))
    # A placebo by its own title reads as one, whatever type the registry gave it.
    rank = 2 if role == "placebo" else RANKS.get(kind or "", RANKS.get(role or ""))
    if rank is None and description:
        rank = next((r for pattern, r in _DESCRIBED_RANKS if pattern.search(description)), None)
    placebo = bool(words & PLACEBO_WORDS) or rank == 2
    return Side(" ".join(titles), " ".join(drugs), rank, placebo)


@dataclass(frozen=True)
class Order:
    """Whether the record's order [a, b] must be swapped to read as the analysis runs, how
    that is known (`how`, the model's `direction`; `basis`, where from) and any disagreement."""

    swap: bool
    how: DirectionHow
    basis: DirectionBasis | None
    note: str | None = None


def direction(
    texts: Sequence[str | None],
    a: Side,
    b: Side,
    *,
    comments: Sequence[str | None] = (),
    title: str | None = None,
    figures: tuple[bool, str] | None = None,
) -> Order:
    """The order of an analysis's two groups: from its own words, its comments, the
    measure's title, the record's figures (`arithmetic.order`), else the arms' roles."""
    sources: tuple[tuple[DirectionBasis, Sequence[str | None]], ...] = (
        ("stated", texts),
        ("comment", comments),
        ("title", (title,)),
    )
    for basis, group in sources:
        swap = next((f for t in group if t and (f := _stated(t, (a, b))) is not None), None)
        if swap is not None:
            note = None
            if figures is not None and figures[0] != swap:
                note = f"the record's words give this order, its figures the other ({figures[1]})"
            return Order(swap, "stated", basis, note)
    roles = _roles(a, b)
    if figures is not None:
        note = None
        if roles is not None and roles != figures[0]:
            note = f"arm roles would give the other order; the figures fix it ({figures[1]})"
        return Order(figures[0], "inferred", "figures", note or f"order from {figures[1]}")
    if roles is not None:
        return Order(roles, "inferred", "roles")
    return Order(False, "unknown", None)


def _roles(a: Side, b: Side) -> bool | None:
    if a.rank is not None and b.rank is not None and a.rank != b.rank:
        return a.rank > b.rank
    if a.placebo_like != b.placebo_like:
        # Roles that do not tell them apart, but titles that name one group's placebo.
        return a.placebo_like
    return None


def _stated(text: str, sides: tuple[Side, Side]) -> bool | None:
    """Whether the text names the second side first (swap), or None when it does not say."""
    for match in OPERATORS.finditer(text):
        before = _CLAUSE_END.split(text[: match.start()])[-1]
        after = _CLAUSE_END.split(text[match.end() :])[0]
        first = _resolve(words_of(before)[::-1], sides)
        second = _resolve(words_of(after), sides)
        if first is not None and second is not None and first != second:
            return first == 1
    for match in REFERENCE.finditer(text):
        reference = _resolve([match.group(1).lower()], sides)
        if reference is not None:
            return reference == 0
    for match in RATIO_OF.finditer(text):
        first = _resolve(words_of(match.group(1))[::-1], sides)
        second = _resolve(words_of(match.group(2)), sides)
        if first is not None and second is not None and first != second:
            return first == 1
    return None


def _resolve(nearest_first: Sequence[str], sides: tuple[Side, Side]) -> int | None:
    """Which side the words nearest an operator name: the first window of up to _WINDOW
    words that names exactly one side; None when none does or a window names both."""
    own = _own_words(sides)
    for size in range(1, min(_WINDOW, len(nearest_first)) + 1):
        window = set(nearest_first[:size])
        named = [i for i in (0, 1) if window & own[i]]
        if len(named) == 1:
            return named[0]
        if len(named) == 2:
            return None
    return None


def _own_words(sides: tuple[Side, Side]) -> tuple[set[str], set[str]]:
    """The words that name one side and not the other: from the titles, or with the drugs
    when the titles alone do not; numbers only when nothing else tells them apart
    ("Sildenafil 1 mg" vs "Sildenafil 20 mg")."""
    own: list[set[str]] = [set(), set()]
    for texts in ([s.titles for s in sides], [f"{s.titles} {s.drugs}" for s in sides]):
        words = [set(words_of(t)) - _FILLER for t in texts]
        for i in (0, 1):
            mine = words[i] - words[1 - i]
            own[i] = own[i] or {w for w in mine if not w.isdigit()} or mine
    placebo = [s.placebo_like for s in sides]
    if placebo[0] != placebo[1]:
        own[placebo.index(True)] |= PLACEBO_WORDS
        own[placebo.index(False)] |= ACTIVE_WORDS
    return own[0], own[1]
