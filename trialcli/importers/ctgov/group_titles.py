"""What a result group's title says about which arm it is: its words, a spelling one letter
apart, a negation, a union of arms, an analysis set, another period, or a subset formed
after randomization (rescued, responders, completers)."""

from __future__ import annotations

import re
from collections.abc import Sequence
from itertools import pairwise
from typing import Protocol, TypeVar


def words_of(text: str | None) -> list[str]:
    """Lowercase words, split where letters meet digits: "DU-176b 30mg" → du 176 b 30 mg."""
    if not text:
        return []
    spaced = re.sub(r"(?<=[^\W\d_])(?=\d)|(?<=\d)(?=[^\W\d_])", " ", text.lower())
    return re.findall(r"[^\W_]+", spaced)


# Dose forms and routes say nothing about which drug an arm received.
FORM_WORDS = frozenset(
    {
        *("tablet", "tablets", "capsule", "capsules", "injection", "injections", "infusion"),
        *("infusions", "oral", "solution", "drug", "film", "coated", "extended", "release"),
        *("xr", "er", "sr", "ir", "iv", "sc", "intravenous", "subcutaneous", "intranasal"),
        *("nasal", "spray", "topical", "cream", "gel", "patch", "dose", "mg"),
    }
)


class Titled(Protocol):
    """A group being built, as the title rules see it."""

    @property
    def title(self) -> str: ...

    @property
    def first(self) -> bool: ...

    @property
    def started(self) -> int | None: ...


def one_letter_apart(words: Sequence[str], theirs: Sequence[str]) -> bool:
    """The same words but one, which is spelt one letter apart (added, dropped or changed)
    in a word of five letters or more."""
    if len(words) != len(theirs):
        return False
    differ = [(a, b) for a, b in zip(words, theirs, strict=True) if a != b]
    if len(differ) != 1:
        return False
    a, b = differ[0]
    if min(len(a), len(b)) < 5 or a.isdigit() or b.isdigit():
        return False
    if len(a) == len(b):
        return sum(x != y for x, y in zip(a, b, strict=True)) == 1
    short, long = sorted((a, b), key=len)
    return len(long) - len(short) == 1 and any(
        long[:i] + long[i + 1 :] == short for i in range(len(long))
    )


T = TypeVar("T", bound=Titled)

LEVEL_FILLER = frozenset({"arm", "arms", "group", "groups", "int", "intervention", "and", "the"})


def level_cells(title: str, pool: Sequence[T]) -> list[T]:
    """The cells whose titles hold every word of a factor level's title ("Bolus Furosemide"
    in "Bolus Furosemide, Low Dose" and "Bolus Furosemide, High Dose"); lone letters and
    numbers never count."""
    words = {w for w in words_of(title) if len(w) > 1 and not w.isdigit()} - LEVEL_FILLER
    if not words:
        return []
    return [c for c in pool if words <= set(words_of(c.title))]


# Words of a group's title naming an analysis population rather than a randomized arm.
_ANALYSIS_SET = re.compile(
    r"\banalysis (set|population)\b|\bpopulation\b|\bevaluable\b|\b(pk|pd|safety|itt|mitt|fas)"
    r" set\b",
    re.IGNORECASE,
)
# A study's periods as group titles name them: a group of one period is not another's arm.
_PERIODS = (
    ("open", "label"),
    ("double", "blind"),
    ("single", "blind"),
    ("lead", "in"),
    ("run", "in"),
    ("follow", "up"),
    ("extension",),
    ("maintenance",),
    ("induction",),
    ("long", "term"),
    ("observational",),
)
# Words naming people picked out after randomization by what happened to them: rescued,
# responding, completing, switched. Such a group is part of an arm, never the arm.
_SUBSET_WORDS = {
    **dict.fromkeys(("rescue", "rescued", "nonrescue"), "rescue"),
    **dict.fromkeys(("responder", "responders", "nonresponder", "nonresponders"), "respond"),
    **dict.fromkeys(("completer", "completers"), "complete"),
    **dict.fromkeys(("switched", "switchers", "switcher"), "switch"),
    **dict.fromkeys(("escaped", "escapers"), "escape"),
}


# Words naming a part of the study's people that a whole arm is not.
_PART_OF = ("sub-study", "subgroup", "subpopulation")


def _says(words: str, titles: Sequence[str]) -> bool:
    """Whether a title says these words, spelt with or without spaces and hyphens."""
    wanted = _letters(words)
    return any(wanted in _letters(t) for t in titles)


def _letters(text: str) -> str:
    return re.sub(r"[\W_]+", "", text.lower())


def _periods_of(words: Sequence[str]) -> set[tuple[str, ...]]:
    text = f" {' '.join(words)} "
    return {p for p in _PERIODS if f" {' '.join(p)} " in text}


def _subset_word(title: str, arms: Sequence[str]) -> str | None:
    """A word of the title picking out a subset after randomization that no arm's title
    has (the arms of a randomized withdrawal may all be "responders")."""
    stems = {_SUBSET_WORDS[w] for t in arms for w in words_of(t) if w in _SUBSET_WORDS}
    words: list[str] = re.findall(r"[^\W\d_]+(?:-[^\W\d_]+)?", title)
    for word in words:
        stem = _SUBSET_WORDS.get(word.lower().replace("-", ""))
        if stem is not None and stem not in stems:
            return word
    return None


def picked_out(title: str, pool: Sequence[Titled], siblings: Sequence[str] = ()) -> str | None:
    """Why a group is a subset picked out after randomization, if it is: by its words
    ("Placebo Rescue", "Completers") or as one side of a split the module's other groups
    show ("Non-rescue" beside "Rescue"), where the arms' own titles are not so made."""
    arms = [g.title for g in pool]
    subset = _subset_word(title, arms)
    split = next((s for s in siblings if s != title and opposed(title, s, arms)), None)
    if subset is None and split is None:
        return None
    what = f"'{subset}'" if subset else f"split from '{split}'"
    return (
        f"a subset picked out after randomization ({what}), not a randomized arm: "
        "its own count, never compared with an arm"
    )


def set_apart(title: str, pool: Sequence[Titled]) -> str | None:
    """Why a group's own title says it is none of the arms, if it does: it names an analysis
    set (in words the arms' own titles do not share: "Adult Population" arms), a union
    ("Pooled (…)") or a sub-study the arms' titles do not ("X (Glycemic Sub-study)" beside
    "X (Overall Cardiovascular Study)"), or a study period that no arm naming a period is of
    ("Open-Label Phase X" beside "X (Double-Blind Phase)")."""
    arms = [g.title for g in pool]
    found = _ANALYSIS_SET.search(title)
    if found and not _says(found.group(0).lower(), arms):
        return f"an analysis set or population ('{found.group(0)}'), not a randomized arm"
    words, used = words_of(title), {w for t in arms for w in words_of(t)}
    union = next((w for w in words if w in _UNION_WORDS - _NOT_APART and w not in used), None)
    if union:
        return f"titled as a union of arms ('{union}'), not one arm"
    part = next((w for w in _PART_OF if _says(w, [title]) and not _says(w, arms)), None)
    if part:
        return f"a group of a {part} the arms' own titles do not name, not a whole arm"
    mine = _periods_of(words)
    theirs = [_periods_of(words_of(t)) for t in arms]
    if mine and any(theirs) and not any(mine & t for t in theirs):
        named = " ".join(next(iter(sorted(mine))))
        return f"a study period ('{named}') none of the arms is of"
    return None


_NEGATIONS = frozenset({"no", "not", "non", "without"})


def opposed(title: str, other: str, arms: Sequence[str] = ()) -> bool:
    """Whether one title negates a word the other affirms: "No Implant Attempt" and
    "Subjects With a CRT-P Implant Attempt" are the two sides of one line, never one group.
    "No." before a number is a number ("Cohort No. 1"); with `arms`, only a word none of
    their titles has counts (a split the arms themselves are not made by)."""
    a, b = words_of(title), words_of(other)
    used = {w for t in arms for w in words_of(t)}

    def negates(x: list[str], y: list[str]) -> bool:
        for word, after in pairwise(x):
            if word not in _NEGATIONS or after.isdigit() or after in used or after not in y:
                continue
            j = y.index(after)
            if j == 0 or y[j - 1] not in _NEGATIONS:
                return True
        return False

    return negates(a, b) or negates(b, a)


_UNION_WORDS = frozenset({"combined", "pooled", "total", "all", "overall", "both"})
# A word "Both Eyes" may use beside an arm: a union only as union_cells reads it.
_NOT_APART = frozenset({"both"})
# Words a title names one part of a study by, with the letter or number after them.
_PART_WORDS = frozenset({"part", "cohort", "group", "arm", "period", "stage", "phase", "panel"})


def _labels(words: Sequence[str]) -> set[str]:
    """The letters and numbers that name a part: "Part 1 Total" → part 1."""
    return {
        f"{word} {after}"
        for word, after in pairwise(words)
        if word in _PART_WORDS and (after.isdigit() or len(after) == 1)
    }


def union_cells(title: str, pool: Sequence[T], people: int | None) -> list[T]:
    """The first-period arms a group titled as a union ("Combined RSG") is made of: those
    whose titles hold each of its words that any of them has, and each part it names by
    letter or number ("Part 1 Total" is Part 1's arms, never Part 2's), when it counts no
    more people than started them ("SOT Total", 214, is not the union of three arms' 132)."""
    words = words_of(title)
    if not _UNION_WORDS & set(words):
        return []
    first = [g for g in pool if g.first]
    vocabulary = {w for g in first for w in words_of(g.title)}
    key = {w for w in words if w in vocabulary and len(w) > 1 and not w.isdigit()}
    parts = _labels(words)
    key -= LEVEL_FILLER | _UNION_WORDS | FORM_WORDS | {p.split()[0] for p in parts}
    if not key and not parts:
        return []
    cells = [
        g for g in first if key <= set(words_of(g.title)) and parts <= _labels(words_of(g.title))
    ]
    started = [g.started for g in cells if g.started is not None]
    if len(cells) < 2 or len(started) < len(cells):
        return []
    return cells if people is None or people <= sum(started) else []
