"""The standard endpoint codes, and which registry outcome plainly names one.

A `code` matches an endpoint across studies (`compare -e CODE`, `diff`). A study file may
use any slug; these are the standard ones, documented in docs/compare-selectors.md.

`standard_code` gives a code only when an outcome's title plainly names the endpoint: no
code beats a wrong one, because a wrong code would draw two different things on one plot.
So it refuses what only looks alike: a responder analysis is not a mean change, a
landmark rate ("4-month PFS rate") is not the time-to-event endpoint, a composite that
lists a 6-minute walk is not the walk, a blood-pressure outcome naming both systolic and
diastolic is neither. Pure: no I/O.
"""

from __future__ import annotations

import re
from dataclasses import dataclass


@dataclass(frozen=True)
class StandardCode:
    code: str
    meaning: str
    names: str  # a regular expression the title must match (case-insensitive, by words)
    change: bool = False  # the title must say it is a change (from baseline)
    refuse: str | None = None  # a regular expression that, matched anywhere, refuses it


# Words that make an outcome something other than the plain endpoint.
_RESPONDER = r"responder|proportion|percentage|number of (participants|patients|subjects)"
_COMPOSITE = r"composite|combined|combination of"
_CHANGE = re.compile(
    r"^(mean |median |adjusted mean |least squares? mean |ls mean )?change\b", re.I
)

CODES: tuple[StandardCode, ...] = (
    # Multiple sclerosis: the codes of the bundled data.
    StandardCode(
        "annualized-relapse-rate",
        "annualized relapse rate (relapses per patient-year)",
        r"annuali[sz]ed relapse rate|relapse rate \(annuali[sz]ed\)",
    ),
    StandardCode(
        "relapse-proportion",
        "proportion of patients with at least one relapse",
        r"(participants|patients|subjects) (with|who had|who experienced) "
        r"(at least one |a |any )?relapses?\b",
        refuse=r"free|\brate\b",
    ),
    StandardCode(
        "relapse-free",
        "proportion relapse-free at the end of follow-up",
        r"relapse[- ]free\b",
        refuse=r"survival",
    ),
    StandardCode(
        "sustained-disability-worsening",
        "6-month sustained accumulation of disability (EDSS)",
        r"(sustained|confirmed) (accumulation of disability|disability (worsening|progression"
        r"|accumulation))",
    ),
    StandardCode(
        "sustained-disability-improvement",
        "6-month sustained reduction in disability",
        r"(sustained|confirmed) (reduction in disability|disability improvement)",
    ),
    StandardCode(
        "edss-change",
        "mean change in EDSS score",
        r"\bedss\b|expanded disability status scale",
        change=True,
    ),
    StandardCode(
        "msfc-change",
        "mean change in MS Functional Composite",
        r"\bmsfc\b|multiple sclerosis functional composite",
        change=True,
    ),
    StandardCode(
        "new-t2-lesions",
        "patients with new or enlarging T2 lesions",
        r"new (or|and/or) enlarging t2",
    ),
    StandardCode(
        "gd-enhancing-lesions",
        "patients with gadolinium-enhancing lesions",
        r"(gadolinium|gd)[- ]enhancing lesions?",
    ),
    StandardCode(
        "brain-volume-change",
        "change in brain parenchymal fraction / brain volume",
        r"brain (volume|parenchymal fraction)",
        change=True,
    ),
    # Outcomes many registry records name plainly.
    StandardCode(
        "all-cause-mortality",
        "death from any cause",
        r"all[- ]cause (mortality|deaths?)",
        refuse=_COMPOSITE,
    ),
    StandardCode(
        "all-cause-hospitalization",
        "hospital admission for any cause",
        r"all[- ]cause hospitali[sz]ations?",
        refuse=_COMPOSITE,
    ),
    StandardCode(
        "heart-failure-hospitalization",
        "hospital admission for heart failure",
        r"heart failure hospitali[sz]ations?|hospitali[sz]ations? for heart failure",
        refuse=_COMPOSITE + r"|all[- ]cause",
    ),
    StandardCode(
        "progression-free-survival",
        "time to progression or death (not a rate at a landmark)",
        r"progression[- ]free survival",
        refuse=r"\brate\b|\d+[- ]month|\d+[- ]year|\d+[- ]week",
    ),
    StandardCode(
        "overall-survival",
        "time to death from any cause (not a rate at a landmark)",
        r"overall survival",
        refuse=r"\brate\b|\d+[- ]month|\d+[- ]year|\d+[- ]week",
    ),
    StandardCode(
        "objective-response-rate",
        "proportion with a complete or partial tumour response",
        r"objective response rate|overall response rate",
    ),
    StandardCode(
        "hba1c-change",
        "change in glycated haemoglobin (HbA1c)",
        r"\bhba1c\b|glycated ha?emoglobin|glycosylated ha?emoglobin",
        change=True,
    ),
    StandardCode(
        "fasting-glucose-change",
        "change in fasting plasma glucose",
        r"fasting (plasma )?glucose",
        change=True,
    ),
    StandardCode(
        "body-weight-change",
        "change in body weight",
        r"\bweight\b",
        change=True,
        refuse=r"\bbmi\b|body mass index|\blean\b|fat",
    ),
    StandardCode(
        "systolic-bp-change",
        "change in systolic blood pressure",
        r"systolic blood pressure|\bsbp\b",
        change=True,
        refuse=r"diastolic|\bdbp\b",
    ),
    StandardCode(
        "diastolic-bp-change",
        "change in diastolic blood pressure",
        r"diastolic blood pressure|\bdbp\b",
        change=True,
        refuse=r"systolic|\bsbp\b",
    ),
    StandardCode(
        "six-minute-walk-change",
        "change in 6-minute walk distance",
        r"(6|six)[- ]?(\(6\) )?minute walk|\b6mwt?\b|\b6mwd\b",
        change=True,
        refuse=_COMPOSITE,
    ),
    StandardCode(
        "peak-vo2-change",
        "change in peak oxygen uptake (VO2)",
        r"peak (oxygen uptake|vo2)",
        change=True,
    ),
    StandardCode(
        "kccq-change",
        "change in Kansas City Cardiomyopathy Questionnaire score",
        r"\bkccq\b|kansas city cardiomyopathy questionnaire",
        change=True,
    ),
    StandardCode(
        "mlhfq-change",
        "change in Minnesota Living With Heart Failure Questionnaire score",
        r"\bmlhfq?\b|minnesota living with heart failure",
        change=True,
    ),
    StandardCode(
        "madrs-change",
        "change in MADRS total score",
        r"\bmadrs\b|montgomery[- ]a?sberg depression rating scale",
        change=True,
    ),
    StandardCode(
        "mmse-change",
        "change in Mini Mental State Examination score",
        r"\bmmse\b|mini[- ]mental state examination",
        change=True,
    ),
    StandardCode(
        "asas40",
        "proportion reaching ASAS40 response",
        r"\basas ?40\b|international society 40% response",
    ),
    StandardCode(
        "basdai-change",
        "change in Bath Ankylosing Spondylitis Disease Activity Index",
        r"\bbasdai\b|bath ankylosing spondylitis disease activity index",
        change=True,
    ),
    StandardCode(
        "basfi-change",
        "change in Bath Ankylosing Spondylitis Functional Index",
        r"\bbasfi\b|bath ankylosing spondylitis functional index",
        change=True,
    ),
)


def _matches(code: StandardCode, title: str) -> bool:
    if not re.search(code.names, title, re.I):
        return False
    if code.refuse and re.search(code.refuse, title, re.I):
        return False
    # A change is a mean change: a responder count or percentage of one is another endpoint.
    return not code.change or (
        _CHANGE.search(title) is not None and not re.search(_RESPONDER, title, re.I)
    )


def standard_code(
    title: str, description: str | None, unit: str | None, time_frame: str | None
) -> str | None:
    """The standard code an outcome plainly names, or None.

    The title decides: a description or time frame may mention an endpoint without
    being it (a composite's parts, an analysis population), so they never add a code.
    The unit only refuses: a survival endpoint counted as a percentage of participants
    is a rate at a landmark, not the time-to-event endpoint. When two codes would fit,
    none is given.
    """
    del description, time_frame  # accepted for the importer's one call; never decisive
    words = " ".join(title.split())
    found = [c for c in CODES if _matches(c, words)]
    if len(found) != 1:
        return None
    code = found[0]
    survival = code.code in {"progression-free-survival", "overall-survival"}
    if survival and unit and re.search(r"percent|%|proportion", unit, re.I):
        return None
    return code.code
