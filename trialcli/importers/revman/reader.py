"""Read a Cochrane RevMan 5 file (`.rm5`): its studies, and every analysis it displays.

A RevMan 5 file is XML: `ANALYSES_AND_DATA` → `COMPARISON` → `DICH_OUTCOME`, `CONT_OUTCOME`
or `IV_OUTCOME` (the review's own pooled result in its attributes: `EFFECT_SIZE`,
`CI_START`, `CI_END`, `TAU2`, `I2`, `CHI2`, `DF`; how it pooled: `EFFECT_MEASURE`, `METHOD`,
`RANDOM`; what it displays: `TOTALS` YES, SUB or NO) → optional `*_SUBGROUP` (same
attributes) → one `*_DATA` row per study (`STUDY_ID` into `STUDIES_AND_REFERENCES`).
Group 1 is the experimental side. Only the data are read: the cover sheet's people (and
their contact details) are never copied.

Hostile files: a DOCTYPE (and with it every entity, the "billion laughs" and external
entities) is refused before parsing, and the file is read through the one bounded reader.
"""

from __future__ import annotations

import math
import re
import xml.etree.ElementTree as ET
from dataclasses import dataclass
from pathlib import Path

from trialcli.errors import TrialcliError
from trialcli.files import read_bounded

MAX_REVIEW_BYTES = 64 * 1024 * 1024  # the largest Cochrane data files are a few MB
MAX_PEOPLE = 10**9  # more people than any trial had in one group: not a count
_OUTCOME_KINDS = {"DICH_OUTCOME": "dichotomous", "CONT_OUTCOME": "continuous", "IV_OUTCOME": "iv"}
_DATA_TAGS = {"DICH_DATA", "CONT_DATA", "IV_DATA"}


class ReviewError(TrialcliError):
    """A file that is not a readable RevMan 5 review."""


@dataclass(frozen=True)
class StudyRef:
    id: str
    name: str
    year: str | None


@dataclass(frozen=True)
class DataRow:
    """One study's figures in one analysis, group 1 (experimental) first."""

    study: str  # STUDY_ID
    events: tuple[float, float] | None = None
    totals: tuple[float, float] | None = None
    means: tuple[float, float] | None = None
    sds: tuple[float, float] | None = None
    estimate: float | None = None  # generic inverse variance, on the analysis scale
    se: float | None = None
    # RevMan's own estimate for this study (EFFECT_SIZE, CI_START, CI_END; ratios as
    # ratios), None where it marks the study not estimable.
    effect: tuple[float, float, float] | None = None


@dataclass(frozen=True)
class Stated:
    """The review's own result, as RevMan stored it (ratios as ratios, RD as a proportion)."""

    estimate: float | None
    ci: tuple[float, float] | None
    tau2: float | None
    i2_percent: float | None
    q: float | None
    df: int | None
    studies: int | None
    estimable: bool


@dataclass(frozen=True)
class Analysis:
    id: str  # RevMan's, e.g. CMP-001.01.19
    comparison: str
    outcome: str
    name: str  # the subgroup's name, or the outcome's
    kind: str  # dichotomous | continuous | iv
    measure: str  # RR, OR, RD, MD, SMD, or a generic measure's name
    method: str  # MH, IV, PETO
    random: bool
    groups: tuple[str, str]
    rows: tuple[DataRow, ...]
    stated: Stated
    subgroup: bool


@dataclass(frozen=True)
class Review:
    title: str
    citation: str | None
    studies: dict[str, StudyRef]
    analyses: tuple[Analysis, ...]
    not_displayed: tuple[str, ...]  # outcomes whose TOTALS="NO": nothing pooled to check


def read_review(path: Path) -> Review:
    data = read_bounded(path, MAX_REVIEW_BYTES, "RevMan file")
    return parse_review(data, str(path))


def parse_review(data: bytes, name: str) -> Review:
    if not data.strip():
        raise ReviewError(f"{name}: the file is empty, not a RevMan 5 review")
    if re.search(rb"<!(DOCTYPE|ENTITY)", data[:65536], flags=re.I) or b"<!ENTITY" in data:
        raise ReviewError(
            f"{name}: a DOCTYPE or entity declaration is refused (RevMan files have none)"
        )
    try:
        root = ET.fromstring(data)
    except ET.ParseError as error:
        raise ReviewError(
            f"{name}: not well-formed XML ({error}); truncated or not a RevMan file"
        ) from None
    if root.tag != "COCHRANE_REVIEW":
        raise ReviewError(f"{name}: not a RevMan 5 file (its root is <{root.tag[:40]}>)")
    title = (root.findtext("COVER_SHEET/TITLE") or "untitled review").strip()
    found = re.search(r'quote "([^"]+)"', title)
    studies = {
        s.get("ID", ""): StudyRef(s.get("ID", ""), s.get("NAME", s.get("ID", "")), s.get("YEAR"))
        for s in root.iter("STUDY")
        if s.get("ID")
    }
    analyses: list[Analysis] = []
    not_displayed: list[str] = []
    for comparison in root.iter("COMPARISON"):
        comparison_name = (comparison.findtext("NAME") or "").strip()
        for outcome in comparison:
            kind = _OUTCOME_KINDS.get(outcome.tag)
            if kind is None:
                continue
            analyses_of, hidden = _outcome(outcome, kind, comparison_name, name)
            analyses += analyses_of
            not_displayed += hidden
    return Review(
        title=re.sub(r"\s*\[Data only\..*\]$", "", title),
        citation=found.group(1) if found else None,
        studies=studies,
        analyses=tuple(analyses),
        not_displayed=tuple(not_displayed),
    )


def _outcome(
    outcome: ET.Element, kind: str, comparison: str, name: str
) -> tuple[list[Analysis], list[str]]:
    a = outcome.attrib
    outcome_name = (outcome.findtext("NAME") or "").strip()
    measure = a.get("EFFECT_MEASURE", "")
    method = a.get("METHOD", "IV" if kind != "dichotomous" else "MH")
    random = a.get("RANDOM") == "YES"
    swap = a.get("SWAP_EVENTS") == "YES"
    groups = (
        (outcome.findtext("GROUP_LABEL_1") or "group 1").strip(),
        (outcome.findtext("GROUP_LABEL_2") or "group 2").strip(),
    )
    totals = a.get("TOTALS", "YES")
    subgroups = [c for c in outcome if c.tag.endswith("_SUBGROUP")]
    every_row = [_row(d, swap, name) for d in outcome.iter() if d.tag in _DATA_TAGS]
    out: list[Analysis] = []

    def analysis(element: ET.Element, title: str, rows: list[DataRow], subgroup: bool) -> Analysis:
        return Analysis(
            id=element.get("ID", ""),
            comparison=comparison,
            outcome=outcome_name,
            name=title,
            kind=kind,
            measure=measure,
            method=method,
            random=random,
            groups=groups,
            rows=tuple(rows),
            stated=_stated(element.attrib),
            subgroup=subgroup,
        )

    if totals == "NO":
        return [], [f"{a.get('ID', '')} {outcome_name}"]
    if totals == "YES":
        out.append(analysis(outcome, outcome_name, every_row, False))
    for sg in subgroups:
        rows = [_row(d, swap, name) for d in sg if d.tag in _DATA_TAGS]
        out.append(analysis(sg, (sg.findtext("NAME") or "").strip(), rows, True))
    return out, []


def _number(text: str | None) -> float | None:
    if text is None or text.strip() == "":
        return None
    try:
        value = float(text)
    except ValueError:
        return None
    return value if math.isfinite(value) else None


def _pair(attrs: dict[str, str], stem: str) -> tuple[float, float] | None:
    first, second = _number(attrs.get(f"{stem}_1")), _number(attrs.get(f"{stem}_2"))
    return None if first is None or second is None else (first, second)


def _row(element: ET.Element, swap: bool, name: str) -> DataRow:
    a = element.attrib
    study = a.get("STUDY_ID")
    if not study:
        raise ReviewError(f"{name}: a data row names no study (STUDY_ID)")
    where = f"{name}: {element.tag} of study {study[:40]}"
    for key in ("EVENTS_1", "EVENTS_2", "TOTAL_1", "TOTAL_2", "MEAN_1", "MEAN_2", "SD_1", "SD_2"):
        text = a.get(key, "").strip()
        if text and _number(text) is None:
            raise ReviewError(f"{where}: {key} {text[:20]!r} is not a number")
    events, totals = _pair(a, "EVENTS"), _pair(a, "TOTAL")
    for i in (0, 1):
        total = None if totals is None else totals[i]
        if total is not None and not (total.is_integer() and 0 <= total <= MAX_PEOPLE):
            raise ReviewError(f"{where}: TOTAL_{i + 1} {total:g} is not a number of people")
        if events is None:
            continue
        if total is None:
            raise ReviewError(f"{where}: EVENTS_{i + 1} without its TOTAL_{i + 1}")
        if not (events[i].is_integer() and 0 <= events[i] <= total):
            raise ReviewError(
                f"{where}: EVENTS_{i + 1} {events[i]:g} is not a number of people out of "
                f"TOTAL_{i + 1} {total:g}"
            )
    sds = _pair(a, "SD")
    if sds is not None and min(sds) < 0:
        raise ReviewError(f"{where}: a negative SD ({min(sds):g})")
    if swap and events is not None and totals is not None:
        events = (totals[0] - events[0], totals[1] - events[1])
    return DataRow(
        study=study,
        events=events,
        totals=totals,
        means=_pair(a, "MEAN"),
        sds=sds,
        estimate=_number(a.get("ESTIMATE")) if element.tag == "IV_DATA" else None,
        se=_number(a.get("SE")) if element.tag == "IV_DATA" else None,
        effect=_effect(a),
    )


def _effect(a: dict[str, str]) -> tuple[float, float, float] | None:
    if a.get("ESTIMABLE", "YES") != "YES":
        return None
    found = [_number(a.get(k)) for k in ("EFFECT_SIZE", "CI_START", "CI_END")]
    estimate, low, high = found
    if estimate is None or low is None or high is None or not low <= estimate <= high:
        return None
    return estimate, low, high


def _stated(a: dict[str, str]) -> Stated:
    low, high = _number(a.get("CI_START")), _number(a.get("CI_END"))
    df = _number(a.get("DF"))
    studies = _number(a.get("STUDIES"))
    return Stated(
        estimate=_number(a.get("EFFECT_SIZE")),
        ci=None if low is None or high is None else (low, high),
        tau2=_number(a.get("TAU2")),
        i2_percent=_number(a.get("I2")),
        q=_number(a.get("CHI2")),
        df=None if df is None else int(df),
        studies=None if studies is None else int(studies),
        estimable=a.get("ESTIMABLE", "YES") == "YES",
    )
