"""The format's closed sets of words: each spelt once, here, and imported wherever it is meant.

A reader (importer, operation, renderer) that needs "superiority | non-inferiority |
equivalence" imports `Test` rather than writing the words again, so a new kind of test is
added in one place and mypy finds every reader that does not handle it.
"""

from __future__ import annotations

from typing import Literal

# --- sources and the study ------------------------------------------------------------

SourceKind = Literal[
    "journal-article",
    "conference-abstract",
    "registry",
    "press-release",
    "news",
    "review",
    "regulatory",
    "other",
]
Phase = Literal["1", "1/2", "2", "2/3", "3", "4", "n/a"]
Status = Literal[
    "not-yet-recruiting",
    "recruiting",
    "active",
    "completed",
    "terminated",
    "suspended",
    "withdrawn",
    "unknown",
]
MilestoneStatus = Literal["achieved", "planned"]
# What a reference a registry lists says of itself: it reports this study's results, it is
# background to it, or a bibliographic database linked it by the registry number.
ReferenceKind = Literal["result", "background", "derived"]

# --- population, design and arms -------------------------------------------------------

TreatmentHistory = Literal["treatment-naive", "previously-treated", "mixed"]
Allocation = Literal["randomized", "non-randomized", "single-arm"]
Comparator = Literal["active", "placebo", "dose-comparison", "standard-of-care", "none"]
ArmRole = Literal["experimental", "active-comparator", "placebo", "other"]
# A registry's arm type, in the format's words: kept where the arm's own title says otherwise.
RegisteredArmType = Literal[
    "experimental",
    "active-comparator",
    "placebo-comparator",
    "sham-comparator",
    "no-intervention",
    "other",
]
# A crossover's groups: a randomized sequence, or a treatment received in any period; or a
# subset of an arm picked out after randomization (rescued, responders), never compared.
ArmKind = Literal["sequence", "treatment", "subset"]

# --- endpoints and their results --------------------------------------------------------

Level = Literal["primary", "secondary", "tertiary", "exploratory"]
EndpointKind = Literal["rate", "proportion", "time-to-event", "continuous", "count"]
Better = Literal["lower", "higher"]
# What an arm's value is: the registry's parameter types, in the format's words.
Statistic = Literal[
    "mean",
    "median",
    "least-squares-mean",
    "geometric-mean",
    "geometric-least-squares-mean",
    "log-mean",
    "number",
    "count-of-participants",
    "count-of-units",
]
Measure = Literal[
    "rate-ratio",
    "hazard-ratio",
    "risk-ratio",
    "odds-ratio",
    "geometric-mean-ratio",
    "ls-mean-ratio",
    "win-ratio",
    "relative-reduction",
    "difference",
    "mean-difference",
    "ls-mean-difference",
    "median-difference",
    "risk-difference",
    "slope-difference",
    "other",
]
Sides = Literal["one-sided", "two-sided"]
Test = Literal["superiority", "non-inferiority", "equivalence"]
DirectionHow = Literal["stated", "inferred", "unknown"]
DirectionBasis = Literal["stated", "title", "comment", "figures", "roles"]
CertaintyRating = Literal["high", "moderate", "low", "very-low"]

# --- safety ---------------------------------------------------------------------------

SafetySummary = Literal["any-adverse-event", "serious-adverse-event", "discontinuation", "death"]
