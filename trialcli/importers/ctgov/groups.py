"""Matching result groups to registered arms, by title and the drugs they name.

Group ids (OG000, EG001) mean something only inside one measure or module, and result
group titles differ from arm labels, so each group is matched to an arm by its title and
the drugs it names, never by position; a group that cannot be matched is kept as a group
of its own and its counts are never merged into an arm's.
"""

from __future__ import annotations

import re
import unicodedata
from collections.abc import Sequence
from dataclasses import dataclass
from itertools import pairwise
from typing import Any, Protocol, TypeVar

from trialcli.importers.ctgov.values import (
    LONG,
    dicts,
    fit,
    join_words,
    one_line,
    text_of,
    value_at,
)
from trialcli.model import (
    Arm,
    ArmKind,
    ArmRole,
    Count,
    Intervention,
    PooledArms,
    RegisteredArmType,
)

# The intervention of a group the record does not tie to any registered arm.
UNLINKED = "not linked to a registered arm in the record"


def words_of(text: str | None) -> list[str]:
    """Lowercase words, split where letters meet digits: "DU-176b 30mg" → du 176 b 30 mg."""
    if not text:
        return []
    spaced = re.sub(r"(?<=[^\W\d_])(?=\d)|(?<=\d)(?=[^\W\d_])", " ", text.lower())
    return re.findall(r"[^\W_]+", spaced)


# Dose forms and routes say nothing about which drug an arm received.
_FORM_WORDS = frozenset(
    {
        *("tablet", "tablets", "capsule", "capsules", "injection", "injections", "infusion"),
        *("infusions", "oral", "solution", "drug", "film", "coated", "extended", "release"),
        *("xr", "er", "sr", "ir", "iv", "sc", "intravenous", "subcutaneous", "intranasal"),
        *("nasal", "spray", "topical", "cream", "gel", "patch", "dose", "mg"),
    }
)


def drug_key(name: str) -> str:
    """The words that name a drug: "Duloxetine (Oral Antidepressant)" → duloxetine."""
    base = re.sub(r"\([^)]*\)", " ", name)
    return " ".join(w for w in words_of(base) if w not in _FORM_WORDS)


def mentions(words: Sequence[str], key: str) -> bool:
    return bool(key) and f" {key} " in f" {' '.join(words)} "


class Candidate(Protocol):
    """An arm a result group may belong to: its title, the drugs it names, its description."""

    @property
    def title(self) -> str: ...

    @property
    def drugs(self) -> tuple[str, ...]: ...

    @property
    def description(self) -> str | None: ...


C = TypeVar("C", bound=Candidate)


def match_arms(title: str, description: str | None, pool: Sequence[C]) -> list[C]:
    """The arms a group may be: exactly one when its title (or drugs) make it clear.

    Evidence, strongest first: the same title (ignoring case, spacing and punctuation);
    the same description;
    a drug only some arms received, named in the title; words only one arm's title has
    (all of them, or one that is not a bare number) in the title; a distinguishing drug
    named in the description.
    """
    words = words_of(title)
    exact = [c for c in pool if words_of(c.title) == words]
    if len(exact) == 1:
        return exact
    # The flow usually copies the registered arm's description word for word.
    described = words_of(description)
    same = [c for c in pool if described and words_of(c.description) == described]
    if len(same) == 1:
        return same
    keys = [{drug_key(d) for d in c.drugs} - {""} for c in pool]
    shared = set.intersection(*keys) if keys else set()

    def naming(text: Sequence[str]) -> list[C]:
        return [
            c for c, k in zip(pool, keys, strict=True) if any(mentions(text, x) for x in k - shared)
        ]

    by_drug = naming(words)
    if len(by_drug) == 1:
        return by_drug
    titles = [set(words_of(c.title)) for c in pool]
    own = [t - set().union(*(o for o in titles if o is not t)) for t in titles]

    def named_by(mine: set[str]) -> bool:
        # All of an arm's own words, or one of them that is not a bare number.
        present = mine & set(words)
        return bool(mine) and (present == mine or any(not w.isdigit() for w in present))

    by_words = [
        c
        for c, mine in zip(pool, own, strict=True)
        if named_by(mine) and (not by_drug or c in by_drug)
    ]
    if len(by_words) == 1:
        return by_words
    return by_drug or naming(words + words_of(description))


@dataclass(frozen=True)
class Registered:
    """An arm as registered in the protocol section."""

    title: str
    drugs: tuple[str, ...]
    description: str | None
    role: ArmRole
    kind: str | None


@dataclass
class Group:
    """A study arm being built: a result group (or a registered arm) under its new id."""

    title: str
    drugs: tuple[str, ...]
    key: str
    description: str | None = None
    role: ArmRole = "other"
    kind: str | None = None  # the registered arm type, e.g. SHAM_COMPARATOR
    note: str | None = None
    started: int | None = None
    started_in: str | None = None  # the flow period those people started
    kind_of_group: ArmKind | None = None  # crossover only
    first: bool = False  # started in the flow's first (randomized) period
    registered_as: RegisteredArmType | None = None  # the registry's type, where overruled

    def __post_init__(self) -> None:
        """The role an arm plays is its own title's where that clearly says placebo (a
        placebo arm registered as EXPERIMENTAL); the registry's type is kept beside it."""
        if self.kind is None or self.kind in ("PLACEBO_COMPARATOR", "SHAM_COMPARATOR"):
            return
        if says_placebo(self.title):
            self.role, self.registered_as = "placebo", TYPES.get(self.kind, "other")


ROLES: dict[str, ArmRole] = {
    "EXPERIMENTAL": "experimental",
    "ACTIVE_COMPARATOR": "active-comparator",
    "PLACEBO_COMPARATOR": "placebo",
}
TYPES: dict[str, RegisteredArmType] = {
    "EXPERIMENTAL": "experimental",
    "ACTIVE_COMPARATOR": "active-comparator",
    "PLACEBO_COMPARATOR": "placebo-comparator",
    "SHAM_COMPARATOR": "sham-comparator",
    "NO_INTERVENTION": "no-intervention",
    "OTHER": "other",
}
_PLACEBO_TITLE = re.compile(
    r"^\s*(?:match(?:ing|ed)\s+)?(?:placebo|sham|vehicle)s?\b", re.IGNORECASE
)
# A title that gives something beside the placebo: a combination, a sequence, a dummy.
_BESIDE = re.compile(r"\+|/|,|;|&|→|->| - |\b(?:and|with|then|plus|followed|or)\b", re.IGNORECASE)
# A lead-in the title names its group by ("Arm 2: …", "Cohort A: …"), and words in brackets.
_LEAD_IN = re.compile(r"^[^:]{0,40}:\s*")
_BRACKETED = re.compile(r"\([^)]*\)|\[[^]]*\]")


def says_placebo(title: str) -> bool:
    """The title clearly names a placebo (sham, vehicle) and nothing given beside it:
    "Placebo", "Placebo (Part 1)", "Cohort A & B: Placebo", "Matching placebo"; never
    "Deferasirox Placebo" (a dummy beside deferoxamine), "Gepotidacin + Placebo",
    "Placebo, Then BH4" or "Salbutamol - Placebo"."""
    core = _BRACKETED.sub(" ", _LEAD_IN.sub("", title))
    return bool(_PLACEBO_TITLE.search(core)) and not _BESIDE.search(core)


def registered_arms(protocol: dict[str, Any]) -> list[Registered]:
    module = value_at(protocol, "armsInterventionsModule")
    interventions = dicts(value_at(module, "interventions"))
    arms: list[Registered] = []
    for group in dicts(value_at(module, "armGroups")):
        label = text_of(group.get("label"))
        if label is None:
            continue
        names = [
            text_of(n.split(":", 1)[1] if ":" in n else n)
            for n in group.get("interventionNames") or []
            if isinstance(n, str)
        ]
        if not names:
            names = [
                text_of(i.get("name"))
                for i in interventions
                if label in [text_of(x) for x in i.get("armGroupLabels") or []]
            ]
        kind = text_of(group.get("type"))
        arms.append(
            Registered(
                title=label,
                drugs=tuple(dict.fromkeys(n for n in names if n)),
                description=text_of(group.get("description")),
                role=ROLES.get(kind or "", "other"),
                kind=kind,
            )
        )
    return arms


class Groups:
    """The study's arms as they are built: registered arms, result groups, and extras."""

    def __init__(self, protocol: dict[str, Any]) -> None:
        self.registered = registered_arms(protocol)
        model = value_at(protocol, "designModule", "designInfo", "interventionModel")
        # A crossover's flow groups are randomized sequences and its results are often
        # about treatments: a result group is a sequence only by the same title or description.
        self.crossover = text_of(model) == "CROSSOVER"
        # A factorial's result group may be one factor's level: a union of its cells.
        self.factorial = text_of(model) == "FACTORIAL"
        self.arms: list[Group] = []
        self.extras: dict[str, Group] = {}
        self.pooled_groups: dict[tuple[str, ...], PooledArms] = {}

    def all(self) -> list[Group]:
        return [*self.arms, *self.extras.values()]

    def pooled(self, keys: list[str], level: bool = False, union: str | None = None) -> str:
        """The id of the arms `keys` counted together, as a record's analysis pools them, or
        (`level`) as a factorial record reports one factor's level over its cells, or as a
        result group (titled `union`) that the record reports over several arms."""
        members = tuple(keys)
        if members not in self.pooled_groups:
            titles = [self.title_of(k) for k in members]
            label = one_line(union or " + ".join(titles)) or "pooled groups"
            if level:
                note = (
                    "One factor's level of the factorial design, as the record reports "
                    "results: the union of these randomized cells."
                )
            elif union:
                note = (
                    f"The record's group '{one_line(union, 80)}': the union of these "
                    "randomized arms, as the record reports results."
                )
            else:
                note = "Pooled in the record's own analysis; the record gives no pooled count."
            self.pooled_groups[members] = PooledArms(
                id=self.new_key(f"pooled {label}"), label=label, arms=list(members), note=note
            )
        return self.pooled_groups[members].id

    def by_key(self, key: str) -> Group | None:
        return next((a for a in self.all() if a.key == key), None)

    def title_of(self, key: str) -> str:
        return next((a.title for a in self.all() if a.key == key), key)

    def linked(self, title: str, description: str | None, sole: bool = False) -> Group:
        """A result group as an arm, with the role and drugs of its registered arm.

        `sole`: the record's only group, which is then its only registered arm too.
        """
        if len(self.registered) == 1 and sole:
            found = list(self.registered)
        else:
            found = match_arms(title, description, self.registered)
        notes = [description] if description else []
        kind = None
        if len(found) == 1:
            registered = found[0]
            role, drugs, kind = registered.role, registered.drugs, registered.kind
            if words_of(registered.title) != words_of(title):
                # A short registered description names the arm ("DU-176b tablets: low-dose").
                about = registered.description
                about = about if about and len(about) <= 200 else None
                notes.append(
                    f"Registered arm: '{registered.title}'{f' ({about})' if about else ''}."
                )
        elif found:
            roles = {r.role for r in found}
            role = roles.pop() if len(roles) == 1 else "other"
            drugs = tuple(d for d in found[0].drugs if all(d in r.drugs for r in found))
            described = [
                f"'{r.title}'" + (f" ({r.description})" if r.description else "") for r in found
            ]
            notes.append(
                "The record does not say which registered arm this group is: "
                + join_words(described, "or")
                + "."
            )
        else:
            role, drugs = "other", ()
            if self.registered:
                notes.append("The record does not link this group to a registered arm.")
        return Group(
            title=title,
            drugs=drugs,
            key=self.new_key(title),
            description=description,
            role=role,
            kind=kind,
            note=fit(" ".join(notes), LONG) if notes else None,
        )

    def new_key(self, title: str) -> str:
        ascii_title = unicodedata.normalize("NFKD", title).encode("ascii", "ignore").decode()
        words = re.findall(r"[a-z0-9]+", ascii_title.lower())
        slug = ""
        for word in filter(None, words):
            if slug and len(slug) + len(word) >= 24:
                break
            slug = f"{slug}-{word}" if slug else word[:24]
        slug = slug or "group"
        taken = {g.key for g in self.all()} | {p.id for p in self.pooled_groups.values()}
        key, n = slug, 2
        while key in taken:
            key, n = f"{slug}-{n}", n + 1
        return key

    def group_key(
        self, group: dict[str, Any], where: str, taken: set[str], people: int | None = None
    ) -> str:
        """The arm a module's group belongs to, a pooled group of the arms it is the union
        of, or a group of its own when unclear or when its words set it apart from the
        arms (an analysis set, another study period); `people`: the group's own count."""
        title = text_of(group.get("title")) or text_of(group.get("id")) or "group"
        description = text_of(group.get("description"))
        same = _same_group(title, self.arms)
        apart = None if same else set_apart(title, self.arms)
        # A group naming the people an arm excludes ("Implant Attempt" beside "No Implant
        # Attempt") is never that arm.
        pool = [a for a in self.arms if same or not opposed(title, a.title)]
        if self.crossover:
            found = same
        elif apart is not None:
            found = []
        else:
            found = match_arms(title, description, pool) or near_spelling(
                title, description, people, pool
            )
        if self.factorial and not same:
            cells = _level_cells(title, self.arms)
            if len(cells) >= 2:
                return self.pooled([c.key for c in cells], level=True)
        if not same and not self.crossover:
            cells = union_cells(title, self.arms, people)
            if len(cells) >= 2:
                return self.pooled([c.key for c in cells], union=title)
        if len(found) == 1 and found[0].key not in taken:
            return found[0].key
        name = _spelling(" ".join(words_of(title)), description, self.extras)
        if name not in self.extras:
            extra = self.linked(title, description)
            extra.role, extra.registered_as = "other", None
            if self.crossover and self.arms:
                extra.kind_of_group = "treatment"
                what = (
                    "A treatment of this crossover, as the record reports results "
                    f"({where}): the people who received it in any period, not a randomized "
                    "sequence; its figures are not merged into the sequences'."
                )
            else:
                what = (
                    f"A group the record reports on its own ({where})"
                    + (f": {apart}" if apart else "")
                    + "; not one of the study's arms, and its figures are not merged into "
                    "theirs."
                )
            extra.note = fit(what + (f" {extra.note}" if extra.note else ""), LONG)
            self.extras[name] = extra
        return self.extras[name].key

    def mark_sequences(self) -> None:
        """A crossover's flow groups are its randomized sequences."""
        if self.crossover:
            for arm in self.arms:
                arm.kind_of_group = "sequence"

    def arm(self, group: Group) -> Arm:
        randomized = None
        if group.started is not None and group.started_in is not None:
            randomized = Count(
                value=group.started,
                note=one_line(f"started {group.started_in} (registry participant flow)"),
            )
        return Arm(
            id=group.key,
            label=one_line(group.title) or group.key,
            role=group.role,
            registered_as=group.registered_as,
            randomized=randomized,
            interventions=[Intervention(drug=one_line(d) or d) for d in group.drugs]
            or [Intervention(drug=UNLINKED)],
            kind=group.kind_of_group,
            note=group.note,
        )


_LEVEL_FILLER = frozenset({"arm", "arms", "group", "groups", "int", "intervention", "and", "the"})


def _level_cells(title: str, pool: Sequence[Group]) -> list[Group]:
    """The cells whose titles hold every word of a factor level's title ("Bolus Furosemide"
    in "Bolus Furosemide, Low Dose" and "Bolus Furosemide, High Dose"); lone letters and
    numbers never count."""
    words = {w for w in words_of(title) if len(w) > 1 and not w.isdigit()} - _LEVEL_FILLER
    if not words:
        return []
    return [c for c in pool if words <= set(words_of(c.title))]


def _same_group(title: str, pool: Sequence[C]) -> list[C]:
    """The group of `pool` with the same title. Not by description: a crossover's records
    copy a sequence's description onto the treatment groups of its results."""
    words = words_of(title)
    return [c for c in pool if words_of(c.title) == words]


def _spelling(name: str, description: str | None, known: dict[str, Group]) -> str:
    """A group name as already known under a spelling one letter apart ("atomoxetin" /
    "atomoxetine"), when their descriptions agree: the same group."""
    for other, group in known.items():
        if one_letter_apart(name.split(), other.split()) and _agrees(description, group, []):
            return other
    return name


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


def _agrees(description: str | None, arm: Group, others: Sequence[Group]) -> bool:
    """A group's description agrees with an arm's: none, the same words, or naming the
    arm's drug (or a word of its title) and no other arm's."""
    if not description or not arm.description:
        return True
    said = words_of(description)
    if said == words_of(arm.description):
        return True

    def named(g: Group) -> bool:
        keys = {drug_key(d) for d in g.drugs} | {w for w in words_of(g.title) if len(w) >= 5}
        return any(mentions(said, k) for k in keys - {""})

    return named(arm) and not any(named(o) for o in others)


def near_spelling(
    title: str, description: str | None, people: int | None, pool: Sequence[Group]
) -> list[Group]:
    """The arm whose title is the group's but for one letter of one word, when the rest of
    the group agrees: its description, and no more people than started the arm."""
    words = words_of(title)
    near = [g for g in pool if one_letter_apart(words, words_of(g.title))]
    if len(near) != 1:
        return []
    arm = near[0]
    others = [g for g in pool if g is not arm]
    fits = people is None or arm.started is None or people <= arm.started
    return [arm] if fits and _agrees(description, arm, others) else []


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


def _periods_of(words: Sequence[str]) -> set[tuple[str, ...]]:
    text = f" {' '.join(words)} "
    return {p for p in _PERIODS if f" {' '.join(p)} " in text}


def set_apart(title: str, pool: Sequence[Group]) -> str | None:
    """Why a group's own title says it is none of the arms, if it does: it names an analysis
    set, or a study period that no arm naming a period is of ("Open-Label Phase X" beside
    "X (Double-Blind Phase)")."""
    found = _ANALYSIS_SET.search(title)
    if found:
        return f"an analysis set or population ('{found.group(0)}'), not a randomized arm"
    mine = _periods_of(words_of(title))
    theirs = [_periods_of(words_of(g.title)) for g in pool]
    if mine and any(theirs) and not any(mine & t for t in theirs):
        named = " ".join(next(iter(sorted(mine))))
        return f"a study period ('{named}') none of the arms is of"
    return None


_NEGATIONS = frozenset({"no", "not", "non", "without"})


def opposed(title: str, other: str) -> bool:
    """Whether one title negates a word the other affirms: "No Implant Attempt" and
    "Subjects With a CRT-P Implant Attempt" are the two sides of one line, never one group."""
    a, b = words_of(title), words_of(other)

    def negates(x: list[str], y: list[str]) -> bool:
        for word, after in pairwise(x):
            if word in _NEGATIONS and after in y:
                j = y.index(after)
                if j == 0 or y[j - 1] not in _NEGATIONS:
                    return True
        return False

    return negates(a, b) or negates(b, a)


_UNION_WORDS = frozenset({"combined", "pooled", "total", "all", "overall", "both"})


def union_cells(title: str, pool: Sequence[Group], people: int | None) -> list[Group]:
    """The first-period arms a group titled as a union ("Combined RSG") is made of: those
    whose titles hold each of its words that any of them has, when it counts no more people
    than started them ("SOT Total", 214, is not the union of three arms' 132)."""
    words = words_of(title)
    if not _UNION_WORDS & set(words):
        return []
    first = [g for g in pool if g.first]
    vocabulary = {w for g in first for w in words_of(g.title)}
    key = {w for w in words if w in vocabulary and len(w) > 1 and not w.isdigit()}
    key -= _LEVEL_FILLER | _UNION_WORDS | _FORM_WORDS
    if not key:
        return []
    cells = [g for g in first if key <= set(words_of(g.title))]
    started = [g.started for g in cells if g.started is not None]
    if len(cells) < 2 or len(started) < len(cells):
        return []
    return cells if people is None or people <= sum(started) else []
