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
from typing import Any, Protocol, TypeVar

from trialcli.importers.ctgov.group_titles import (
    FORM_WORDS,
    level_cells,
    one_letter_apart,
    opposed,
    picked_out,
    set_apart,
    union_cells,
    words_of,
)
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


def drug_key(name: str) -> str:
    """The words that name a drug: "Duloxetine (Oral Antidepressant)" → duloxetine."""
    base = re.sub(r"\([^)]*\)", " ", name)
    return " ".join(w for w in words_of(base) if w not in FORM_WORDS)


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
    kind_of_group: ArmKind | None = None  # a crossover's, or a subset
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
        self,
        group: dict[str, Any],
        where: str,
        taken: set[str],
        people: int | None = None,
        siblings: Sequence[str] = (),
    ) -> str:
        """The arm a module's group belongs to, a pooled group of the arms it is the union
        of, or a group of its own when unclear or when its words set it apart from the
        arms (an analysis set, another study period, a subset picked out after
        randomization); `people`: the group's own count; `siblings`: the titles of the
        module's groups."""
        title = text_of(group.get("title")) or text_of(group.get("id")) or "group"
        description = text_of(group.get("description"))
        same = _same_group(title, self.arms)
        subset = None if same else picked_out(title, self.arms, siblings)
        apart = subset or (None if same else set_apart(title, self.arms))
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
        if self.factorial and not same and not subset:
            cells = level_cells(title, self.arms)
            if len(cells) >= 2:
                return self.pooled([c.key for c in cells], level=True)
        if not same and not self.crossover and not subset:
            cells = union_cells(title, self.arms, people)
            if len(cells) >= 2:
                return self.pooled([c.key for c in cells], union=title)
        if len(found) == 1 and found[0].key not in taken:
            return found[0].key
        name = _spelling(" ".join(words_of(title)), description, self.extras)
        if name not in self.extras:
            extra = self.linked(title, description)
            extra.role, extra.registered_as = "other", None
            if subset:
                extra.kind_of_group = "subset"
            if self.crossover and self.arms and not subset:
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
