"""The record's own explanations of a figure that would otherwise disagree.

A registry record often says why its figures differ: the population a measure counts
(people filed by the treatment they received, a flow milestone "Safety Population"), the
period it is about ("Open-Label LT Period: …"), that its "p-value" is a Bayesian posterior
probability, that an analysis is of a subgroup, or that its estimate is adjusted. The
checks read these words before they warn, and quote them when they use them: an explained
check passes with the words as its reason, or warns saying what the record stated.
"""

from __future__ import annotations

import re
from collections.abc import Sequence
from dataclasses import dataclass

from trialcli.model import Comparison, FlowMilestone, FlowPeriod, Study, lead_in_title

# Words that state a population counted by the treatment received, not the arm randomized.
# ("Received at least one dose" alone is not one: it names who is counted, usually in the
# arm they were randomized to.)
_AS_TREATED = re.compile(
    r"as[- ]treated|actually received|treatment received|(dose|treatment) (they |participants )?"
    r"received|according to the (treatment|dose|highest dose)",
    re.IGNORECASE,
)
# A flow milestone of the people treated: it gives each group its own count of them.
_TREATED_MILESTONE = re.compile(
    r"safety|treated|received|dosed|(at least|≥) ?(one|1) dose", re.IGNORECASE
)
# A Bayesian analysis has no p-value: the figure in that field is a posterior probability.
_BAYESIAN = re.compile(r"posterior probabilit\w*|bayesian", re.IGNORECASE)
_ADJUSTED = re.compile(
    r"\badjusted\b|adjusting for|controlling for|covariates?\b|ancova|stratified by",
    re.IGNORECASE,
)
# Words saying an analysis is of some of the endpoint's people, not all whose figures it has.
_SUBSET = re.compile(
    r"\bsub-?groups?\b|\bsubsets?\b|\bsub-?populations?\b|post[- ]hoc analysis of",
    re.IGNORECASE,
)
# Words of a period's title that do not tell one period from another.
_PERIOD_WORDS = frozenset({"period", "phase", "study", "the", "of", "in", "and", "part", "stage"})
_QUOTE_AT_MOST = 80  # characters of the record's words quoted in a check's message


def quoted(words: str) -> str:
    """The record's words as a check quotes them: whole when short, else cut at a word."""
    flat = " ".join(words.split())
    if len(flat) <= _QUOTE_AT_MOST:
        return f"'{flat}'"
    return f"'{flat[:_QUOTE_AT_MOST].rsplit(' ', 1)[0]}…'"


def as_treated(text: str | None) -> str | None:
    """The words stating an as-treated population, if `text` has them."""
    found = _AS_TREATED.search(text or "")
    return found.group(0) if found else None


def _sentence(text: str, found: re.Match[str]) -> str:
    """The sentence (of a note of several) that holds `found`."""
    start = max(text.rfind(";", 0, found.start()), text.rfind(". ", 0, found.start()))
    ends = [i for i in (text.find(";", found.end()), text.find(". ", found.end())) if i != -1]
    return text[start + 1 : min(ends, default=len(text))].strip()


def bayesian(comparison: Comparison) -> str | None:
    """The record's words saying its analysis is Bayesian (so its "p" is no p-value)."""
    text = comparison.note or ""
    found = _BAYESIAN.search(text)
    return _sentence(text, found) if found else None


def adjusted(comparison: Comparison) -> str | None:
    """The record's words stating an adjusted estimate: its name or its method note."""
    for text in (comparison.measure_name or "", comparison.note or ""):
        found = _ADJUSTED.search(text)
        if found:
            return _sentence(text, found)
    return None


def subset(comparison: Comparison) -> str | None:
    """The record's words saying an analysis is of a subset of the endpoint's people."""
    for text in (comparison.population or "", comparison.note or ""):
        found = _SUBSET.search(text)
        if found:
            return _sentence(text, found)
    return None


@dataclass(frozen=True)
class GroupCount:
    """How many people the record's flow gives a group in a population or period it names."""

    people: int
    words: str


def _tokens(text: str) -> list[str]:
    return [w for w in re.split(r"[^0-9a-z]+", text.lower()) if w and w not in _PERIOD_WORDS]


def _named(title: str, said: Sequence[str]) -> bool:
    """Whether words (as tokens) name a period: its title's first distinctive words, in order
    (three at most; a lone word must be a word, not a number), one other word at most among
    them ("Anti-TNF Failure Sub-study" names the period "Anti-TNF Sub-Study")."""
    key = _tokens(title)[:3]
    if not key or (len(key) == 1 and (len(key[0]) < 4 or key[0].isdigit())):
        return False
    for i in range(len(said)):
        window = said[i : i + len(key) + 1]
        if window[:1] == key[:1] and (window[: len(key)] == key or _within(key, window)):
            return True
    return False


def _within(key: Sequence[str], window: Sequence[str]) -> bool:
    """Whether `window` is `key` with one word put in after its first."""
    return len(window) == len(key) + 1 and any(
        [*window[:j], *window[j + 1 :]] == list(key) for j in range(1, len(key))
    )


# Words saying a population holds the people of a period besides the group's own.
_INCLUDES = re.compile(r"\binclud(e|es|ed|ing)\b", re.IGNORECASE)


def named_periods(study: Study, key: str, text: str) -> GroupCount | None:
    """The people who started the flow periods that `text` names, in group `key`: a measure
    about a later period ("Open-Label LT Period: …") counts that period's people, and one
    about several ("lead-in participants as well as randomized subjects") those of each."""
    if study.flow is None or len(study.flow.periods) < 2:
        return None
    said = _tokens(text)
    periods = [p for p in study.flow.periods if key in p.started and _named(p.title, said)]
    if not periods:
        return None
    # "Population includes … lead-in participants": those besides the group's own people,
    # who started the period its randomized count is of.
    arm = next((a for a in study.arms if a.id == key), None)
    own = next(
        (
            p
            for p in study.flow.periods
            if arm is not None
            and arm.randomized is not None
            and key in p.started
            and p.started[key].value == arm.randomized.value
        ),
        None,
    )
    if own is not None and own not in periods and _INCLUDES.search(text):
        periods = sorted([*periods, own], key=study.flow.periods.index)
    people = sum(p.started[key].value for p in periods)
    names = " and ".join(quoted(p.title) for p in periods)
    started = " + ".join(f"{p.started[key].value:,}" for p in periods)
    sum_words = f"{started} = " if len(periods) > 1 else ""
    return GroupCount(people, f"{sum_words}{people:,} who started {names} in this group")


def _milestones(study: Study) -> list[tuple[FlowPeriod, FlowMilestone]]:
    if study.flow is None:
        return []
    return [(p, m) for p in study.flow.periods for m in p.milestones]


def treated_milestone(study: Study, key: str, value: int) -> GroupCount | None:
    """A flow milestone stating an as-treated population ("Safety Population", "Received
    Treatment") that gives group `key` at least `value` people."""
    for _, milestone in _milestones(study):
        count = milestone.arms.get(key)
        if (
            count is not None
            and count.value >= value
            and _TREATED_MILESTONE.search(milestone.label)
        ):
            return GroupCount(
                count.value,
                f"{count.value:,} in this group in the flow's {quoted(milestone.label)} "
                "(people counted by the treatment they received)",
            )
    return None


def later_period(study: Study, key: str, value: int) -> GroupCount | None:
    """A later flow period that group `key` started with at least `value` people: people join
    a group after the first period (an open-label extension, a randomized phase after a
    lead-in), and a figure may be about any period the flow gives the group."""
    if study.flow is None:
        return None
    for period in study.flow.periods[1:]:
        count = period.started.get(key)
        if count is not None and count.value >= value:
            return GroupCount(
                count.value, f"{count.value:,} who started {quoted(period.title)} in this group"
            )
    return None


def lead_in_and_randomized(study: Study, key: str, value: int) -> GroupCount | None:
    """A group that started a lead-in and then the randomized period (the lead-in's people
    not randomized, its randomized count the later period's): a figure may count both, as
    many records' harms and safety measures do, and no more."""
    arm = next((a for a in study.arms if a.id == key), None)
    if study.flow is None or len(study.flow.periods) < 2 or arm is None:
        return None
    lead, randomized = study.flow.periods[0], study.flow.periods[1]
    first, then = lead.started.get(key), randomized.started.get(key)
    if not lead_in_title(lead.title) or first is None or then is None or arm.randomized is None:
        return None
    if arm.randomized.value != then.value or value > first.value + then.value:
        return None
    return GroupCount(
        first.value + then.value,
        f"{first.value:,} + {then.value:,} = {first.value + then.value:,} who started "
        f"{quoted(lead.title)} and {quoted(randomized.title)} in this group",
    )
