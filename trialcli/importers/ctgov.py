"""A ClinicalTrials.gov API v2 record as a trialcli study.

Real records are untidy, and the mapping copes without guessing:

* numbers arrive as text ("12.74", "NA") and keep the decimals they were written with;
  anything that is not a number stays absent ("not reported") and is quoted in a note;
* keys are missing rather than empty: every lookup tolerates absence;
* group ids (OG000, EG001) mean something only inside one measure or module, and result
  group titles differ from arm labels, so each group is matched to an arm by its title
  and the drugs it names, never by position; a group that cannot be matched is kept as a
  group of its own and its counts are never merged into an arm's;
* text carries Markdown escapes (``\\[``, ``\\<``) and HTML entities, which are undone;
* dates may be partial ("2007-10").

`record_to_study` is pure; `fetch_record` and `read_record` do the I/O.
"""

from __future__ import annotations

import html
import json
import math
import os
import re
import unicodedata
import urllib.error
import urllib.request
from collections.abc import Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Any, Literal, Protocol, TypeVar

from pydantic import ValidationError

from trialcli import __version__
from trialcli.errors import TrialcliError
from trialcli.formatting import number
from trialcli.model import (
    P_VALUE_PATTERN,
    PARTIAL_DATE_PATTERN,
    Arm,
    ArmResult,
    ArmRole,
    ArmSafety,
    Comparison,
    Count,
    Design,
    Eligibility,
    Endpoint,
    Intervention,
    Measure,
    Milestone,
    Note,
    Population,
    Range,
    Registry,
    SafetyFinding,
    Source,
    Statement,
    Study,
    Written,
)

URL_ENV = "TRIALCLI_CTGOV_URL"
DEFAULT_URL = "https://clinicaltrials.gov/api/v2/studies/"
STUDY_URL = "https://clinicaltrials.gov/study/{nct}"
SOURCE_ID = "ctgov"
TIMEOUT_SECONDS = 30.0
# The largest records (hundreds of sites and adverse events) are a few megabytes.
MAX_RECORD_BYTES = 32 * 1024 * 1024
# The intervention of a group the record does not tie to any registered arm.
UNLINKED = "not linked to a registered arm in the record"

NCT_ID = re.compile(r"^NCT\d{8}$", re.IGNORECASE)
SHORT, LONG = 500, 5000  # the model's ShortText and LongText limits

Kind = Literal["rate", "proportion", "time-to-event", "continuous", "count"]
Level = Literal["primary", "secondary", "tertiary", "exploratory"]
Retrieval = Literal["fetched", "file"]


class RecordError(TrialcliError):
    """A registry record that cannot be fetched, read or understood."""


# --- I/O --------------------------------------------------------------------------------


def fetch_record(nct: str, timeout: float | None = None) -> dict[str, Any]:
    """The record of `nct` from the ClinicalTrials.gov API v2 (or TRIALCLI_CTGOV_URL)."""
    nct = nct.upper()
    timeout = timeout or TIMEOUT_SECONDS
    base = os.environ.get(URL_ENV, "").strip() or DEFAULT_URL
    if not base.startswith(("https://", "http://")):
        raise RecordError(f"{URL_ENV} must be an http(s) address, got '{base}'")
    url = base.rstrip("/") + "/" + nct
    request = urllib.request.Request(
        url, headers={"Accept": "application/json", "User-Agent": f"trialcli/{__version__}"}
    )
    try:
        with urllib.request.urlopen(request, timeout=timeout) as response:
            body: bytes = response.read(MAX_RECORD_BYTES + 1)
    except urllib.error.HTTPError as error:
        reason = "no such study on ClinicalTrials.gov" if error.code == 404 else error.reason
        raise RecordError(f"could not fetch {nct}: HTTP {error.code} ({reason})") from None
    except urllib.error.URLError as error:
        raise RecordError(f"could not fetch {nct}: {_reason(error.reason, timeout)}") from None
    except (TimeoutError, OSError) as error:
        raise RecordError(f"could not fetch {nct}: {_reason(error, timeout)}") from None
    return _parse(body, f"the record fetched from {url}")


def read_record(path: Path) -> dict[str, Any]:
    """A record saved from the API v2 as a JSON file."""
    try:
        size = path.stat().st_size
        if size > MAX_RECORD_BYTES:
            raise RecordError(f"{path}: {size:,} bytes is too large for one registry record")
        body = path.read_bytes()
    except FileNotFoundError:
        raise RecordError(
            f"{path}: no such file (give a saved API v2 JSON file or an NCT id)"
        ) from None
    except IsADirectoryError:
        raise RecordError(f"{path}: is a folder, not a record file") from None
    except OSError as error:
        raise RecordError(f"{path}: {error.strerror or error}") from None
    return _parse(body, str(path))


def _reason(error: object, timeout: float) -> str:
    if isinstance(error, TimeoutError) or "timed out" in str(error):
        return f"no answer within {timeout:g} seconds (offline?)"
    if isinstance(error, OSError) and error.strerror:
        return error.strerror
    return str(error)


def _parse(body: bytes, what: str) -> dict[str, Any]:
    if len(body) > MAX_RECORD_BYTES:
        raise RecordError(f"{what} is too large for one registry record")
    try:
        data = json.loads(body.decode("utf-8-sig"))
    except UnicodeDecodeError:
        raise RecordError(f"{what} is not UTF-8 text") from None
    except json.JSONDecodeError as error:
        raise RecordError(
            f"{what} is not JSON (line {error.lineno}, column {error.colno}: {error.msg})"
        ) from None
    if not isinstance(data, dict) or not isinstance(data.get("protocolSection"), dict):
        raise RecordError(
            f"{what} is not a ClinicalTrials.gov API v2 study record (no protocolSection)"
        )
    return data


def record_version(record: dict[str, Any]) -> str | None:
    """The record's version date: the best date a saved file gives of when it was read."""
    return _date(_get(record, "derivedSection", "miscInfoModule", "versionHolder"))


def header_lines(study: Study, how: Retrieval) -> list[str]:
    """The comment that opens an imported study file."""
    source = study.source(SOURCE_ID)
    nct = study.registry.nct or study.id
    retrieved = source.retrieved if source else None
    if how == "fetched":
        when = f"retrieved {retrieved}"
    else:
        when = f"record version of {retrieved}" if retrieved else "date of retrieval unknown"
    return [
        f"{study.acronym}: imported by trialcli {__version__} from ClinicalTrials.gov record "
        f"{nct},",
        f"{when}: {STUDY_URL.format(nct=nct)}",
        "Check it before relying on it: each endpoint's kind is inferred from the measure's",
        "parameter type and unit, and result groups are matched to registered arms by title and",
        "drug names (each arm's note says how). What the record does not give is absent, never 0.",
    ]


# --- reading untidy values -------------------------------------------------------------


def _get(data: Any, *path: str) -> Any:
    for key in path:
        if not isinstance(data, dict):
            return None
        data = data.get(key)
    return data


def _dicts(value: Any) -> list[dict[str, Any]]:
    return [v for v in value if isinstance(v, dict)] if isinstance(value, list) else []


_MARKDOWN_ESCAPE = re.compile(r"\\([\\`*_{}\[\]()#+\-.!<>|~=^\"'])")
# A backslash at the end of a line is a Markdown line break.
_LINE_BREAK = re.compile(r"\\(?=\n|$)")


def _text(value: Any) -> str | None:
    """Text with the record's Markdown escapes and HTML entities undone; None when empty."""
    if isinstance(value, bool) or value is None:
        return None
    if isinstance(value, (int, float)):
        value = str(value)
    if not isinstance(value, str):
        return None
    text = html.unescape(_MARKDOWN_ESCAPE.sub(r"\1", _LINE_BREAK.sub("", value))).strip()
    return text or None


def _fit(text: str | None, limit: int) -> str | None:
    """`text` within the model's length limit; a cut is marked with an ellipsis."""
    if text is None or len(text) <= limit:
        return text
    cut = text[: limit - 1].rsplit(" ", 1)[0].rstrip(" ,;:")
    return cut + "…"


def _line(text: str | None, limit: int = SHORT) -> str | None:
    return _fit(" ".join(text.split()), limit) if text else None


_NUMBER = re.compile(r"^[+-]?(?:\d+(?:\.\d*)?|\.\d+)(?:[eE][+-]?\d+)?$")
_THOUSANDS = re.compile(r"^[+-]?\d{1,3}(?:,\d{3})+(?:\.\d+)?$")


def _number(value: Any) -> float | None:
    """A figure from a number or its text, keeping its written decimals; None if not one."""
    if isinstance(value, bool):
        return None
    if isinstance(value, int):
        return Written(float(value), 0)
    if isinstance(value, float):
        return value if math.isfinite(value) else None
    text = _text(value)
    if text is None:
        return None
    if _THOUSANDS.match(text):
        text = text.replace(",", "")
    if not _NUMBER.match(text):
        return None
    number = float(text)
    if not math.isfinite(number):
        return None
    # "1.2E-4" has more decimals than its mantissa shows: let the value speak for itself.
    return number if "e" in text.lower() else Written.from_text(number, text)


def _count(value: Any) -> int | None:
    number = _number(value)
    if number is None or number < 0 or number != int(number):
        return None
    return int(number)


def _date(value: Any) -> str | None:
    text = _text(value)
    return text if text and re.fullmatch(PARTIAL_DATE_PATTERN, text) else None


def _join(items: Sequence[str], word: str = "and") -> str:
    if len(items) <= 1:
        return "".join(items)
    return ", ".join(items[:-1]) + f" {word} " + items[-1]


# --- matching groups to arms ------------------------------------------------------------


def _words(text: str | None) -> list[str]:
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


def _drug_key(name: str) -> str:
    """The words that name a drug: "Duloxetine (Oral Antidepressant)" → duloxetine."""
    base = re.sub(r"\([^)]*\)", " ", name)
    return " ".join(w for w in _words(base) if w not in _FORM_WORDS)


def _mentions(words: Sequence[str], key: str) -> bool:
    return bool(key) and f" {key} " in f" {' '.join(words)} "


class _Candidate(Protocol):
    """An arm a result group may belong to: its title and the drugs it names."""

    @property
    def title(self) -> str: ...

    @property
    def drugs(self) -> tuple[str, ...]: ...


C = TypeVar("C", bound=_Candidate)


def _match(title: str, description: str | None, pool: Sequence[C]) -> list[C]:
    """The arms a group may be: exactly one when its title (or drugs) make it clear.

    Evidence, strongest first: the same title (ignoring case, spacing and punctuation);
    a drug only some arms received, named in the title; words only one arm's title has
    (all of them, or one that is not a bare number) in the title; a distinguishing drug
    named in the description.
    """
    words = _words(title)
    exact = [c for c in pool if _words(c.title) == words]
    if len(exact) == 1:
        return exact
    keys = [{_drug_key(d) for d in c.drugs} - {""} for c in pool]
    shared = set.intersection(*keys) if keys else set()

    def naming(text: Sequence[str]) -> list[C]:
        return [
            c
            for c, k in zip(pool, keys, strict=True)
            if any(_mentions(text, x) for x in k - shared)
        ]

    by_drug = naming(words)
    if len(by_drug) == 1:
        return by_drug
    titles = [set(_words(c.title)) for c in pool]
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
    return by_drug or naming(words + _words(description))


@dataclass(frozen=True)
class _Registered:
    """An arm as registered in the protocol section."""

    title: str
    drugs: tuple[str, ...]
    description: str | None
    role: ArmRole
    kind: str | None


@dataclass
class _Group:
    """A study arm being built: a result group (or a registered arm) under its new id."""

    title: str
    drugs: tuple[str, ...]
    key: str
    description: str | None = None
    role: ArmRole = "other"
    note: str | None = None
    started: int | None = None


_ROLES: dict[str, ArmRole] = {
    "EXPERIMENTAL": "experimental",
    "ACTIVE_COMPARATOR": "active-comparator",
    "PLACEBO_COMPARATOR": "placebo",
}


def _registered_arms(protocol: dict[str, Any]) -> list[_Registered]:
    module = _get(protocol, "armsInterventionsModule")
    interventions = _dicts(_get(module, "interventions"))
    arms: list[_Registered] = []
    for group in _dicts(_get(module, "armGroups")):
        label = _text(group.get("label"))
        if label is None:
            continue
        names = [
            _text(n.split(":", 1)[1] if ":" in n else n)
            for n in group.get("interventionNames") or []
            if isinstance(n, str)
        ]
        if not names:
            names = [
                _text(i.get("name"))
                for i in interventions
                if label in [_text(x) for x in i.get("armGroupLabels") or []]
            ]
        kind = _text(group.get("type"))
        arms.append(
            _Registered(
                title=label,
                drugs=tuple(dict.fromkeys(n for n in names if n)),
                description=_text(group.get("description")),
                role=_ROLES.get(kind or "", "other"),
                kind=kind,
            )
        )
    return arms


# --- the mapping ------------------------------------------------------------------------


def record_to_study(
    record: dict[str, Any], retrieved: str | None, how: Retrieval = "fetched"
) -> Study:
    """The study a record describes; `retrieved` is when the record was read (YYYY-MM-DD)."""
    nct = _text(_get(record, "protocolSection", "identificationModule", "nctId")) or ""
    if not NCT_ID.match(nct):
        raise RecordError("the record has no valid NCT id (identificationModule.nctId)")
    try:
        return _Mapper(record, nct.upper(), retrieved, how).study()
    except ValidationError as error:
        first = error.errors()[0]
        where = ".".join(str(part) for part in first["loc"])
        raise RecordError(
            f"cannot map {nct}: {where}: {first['msg']} (please report this record)"
        ) from None


class _Mapper:
    def __init__(
        self, record: dict[str, Any], nct: str, retrieved: str | None, how: Retrieval
    ) -> None:
        self.record = record
        self.nct = nct
        self.protocol: dict[str, Any] = record.get("protocolSection") or {}
        results = record.get("resultsSection")
        self.results: dict[str, Any] = results if isinstance(results, dict) else {}
        self.retrieved = retrieved
        self.how = how
        self.registered = _registered_arms(self.protocol)
        self.arms: list[_Group] = []
        self.extras: dict[str, _Group] = {}
        self.notes: list[Note] = []

    # identity ----------------------------------------------------------------------

    def study(self) -> Study:
        identification = _get(self.protocol, "identificationModule") or {}
        status = _get(self.protocol, "statusModule") or {}
        brief = _text(identification.get("briefTitle"))
        title = _text(identification.get("officialTitle")) or brief or self.nct
        self._build_arms()
        started = self._note_flow()
        endpoints = self._endpoints()
        safety = self._safety()
        population = self._population()
        summary = _text(_get(self.protocol, "descriptionModule", "briefSummary"))
        notes = (
            [Note(text=_fit(f"Brief summary (registry): {summary}", LONG) or "")] if summary else []
        )
        completion = _get(status, "completionDateStruct") or {}
        completed = _text(completion.get("type")) in {None, "ACTUAL"}
        return Study(
            id=self.nct.lower(),
            acronym=_line(_text(identification.get("acronym")), 80) or self.nct,
            title=_fit(title, LONG) or self.nct,
            registry=self._registry(identification),
            sponsor=_line(
                _text(_get(self.protocol, "sponsorCollaboratorsModule", "leadSponsor", "name"))
            ),
            collaborators=[
                name
                for c in _dicts(_get(self.protocol, "sponsorCollaboratorsModule", "collaborators"))
                if (name := _line(_text(c.get("name"))))
            ],
            phase=self._phase(),
            status=_STATUS.get(_text(status.get("overallStatus")) or ""),
            start_date=_date(_get(status, "startDateStruct", "date")),
            completion_date=_date(completion.get("date")) if completed else None,
            dates_source=SOURCE_ID,
            default_source=SOURCE_ID,
            population=population,
            design=self._design(),
            arms=[self._arm(g, started) for g in [*self.arms, *self.extras.values()]],
            endpoints=endpoints,
            safety=safety,
            notes=[*notes, *self.notes],
            milestones=self._milestones(status),
            sources=[self._source(identification, status)],
        )

    def _registry(self, identification: dict[str, Any]) -> Registry:
        eudract: str | None = None
        other: list[str] = []
        for secondary in _dicts(identification.get("secondaryIdInfos")):
            ident = _text(secondary.get("id"))
            kind = _text(secondary.get("type")) or "OTHER"
            if ident is None:
                continue
            if kind == "EUDRACT_NUMBER" and re.fullmatch(r"\d{4}-\d{6}-\d{2}", ident):
                eudract = eudract or ident
                continue
            domain = _text(secondary.get("domain"))
            label = {"NIH": "NIH grant", "OTHER_GRANT": "grant", "REGISTRY": "registry id"}.get(
                kind, "other id"
            )
            other.append(_line(f"{ident} ({label}{', ' + domain if domain else ''})") or ident)
        return Registry(
            nct=self.nct,
            eudract=eudract,
            sponsor_code=_line(_text(_get(identification, "orgStudyIdInfo", "id"))),
            other=other,
        )

    def _phase(self) -> Literal["1", "1/2", "2", "2/3", "3", "4", "n/a"] | None:
        phases = {
            p for p in _get(self.protocol, "designModule", "phases") or [] if isinstance(p, str)
        }
        phases = {"PHASE1" if p == "EARLY_PHASE1" else p for p in phases}
        return _PHASES.get(frozenset(phases))

    def _source(self, identification: dict[str, Any], status: dict[str, Any]) -> Source:
        brief = _text(identification.get("briefTitle")) or self.nct
        version = _date(_get(self.record, "derivedSection", "miscInfoModule", "versionHolder"))
        if self.how == "fetched":
            note = f"Fetched from the ClinicalTrials.gov API v2 on {self.retrieved}."
        elif self.retrieved:
            note = (
                "Imported from a saved API v2 file; 'retrieved' is the record's version date "
                f"(derivedSection.miscInfoModule.versionHolder, {self.retrieved}), the best "
                "date the file gives of when it was read."
            )
        else:
            note = "Imported from a saved API v2 file that does not say when it was read."
        posted = _date(_get(status, "resultsFirstPostDateStruct", "date"))
        if posted:
            note += f" Results first posted {posted}."
        if version and self.how == "fetched":
            note += f" Record version {version}."
        return Source(
            id=SOURCE_ID,
            citation=_fit(f"ClinicalTrials.gov record {self.nct}: {brief}", LONG) or self.nct,
            publisher="ClinicalTrials.gov (U.S. National Library of Medicine)",
            date=_date(_get(status, "lastUpdatePostDateStruct", "date")),
            url=STUDY_URL.format(nct=self.nct),
            retrieved=self.retrieved,
            kind="registry",
            note=note,
        )

    def _milestones(self, status: dict[str, Any]) -> list[Milestone]:
        found: list[Milestone] = []
        for key, event in (
            ("studyFirstPostDateStruct", f"First posted on ClinicalTrials.gov ({self.nct})"),
            ("startDateStruct", "Study start"),
            ("primaryCompletionDateStruct", "Primary completion"),
            ("completionDateStruct", "Study completion"),
            ("resultsFirstPostDateStruct", "Results first posted on ClinicalTrials.gov"),
            ("lastUpdatePostDateStruct", "Last update posted on ClinicalTrials.gov"),
        ):
            date = _date(_get(status, key, "date"))
            if date is None:
                continue
            kind = _text(_get(status, key, "type"))
            planned = kind in {"ESTIMATED", "ANTICIPATED"} and key not in {
                "studyFirstPostDateStruct",
                "resultsFirstPostDateStruct",
                "lastUpdatePostDateStruct",
            }
            found.append(
                Milestone(date=date, event=event, status="planned" if planned else "achieved")
            )
        return found

    # population and design ---------------------------------------------------------

    def _population(self) -> Population:
        conditions = [
            c
            for c in (_text(x) for x in _get(self.protocol, "conditionsModule", "conditions") or [])
            if c
        ]
        eligibility = _get(self.protocol, "eligibilityModule") or {}
        enrollment = _get(self.protocol, "designModule", "enrollmentInfo") or {}
        count = _count(enrollment.get("count"))
        actual = _text(enrollment.get("type")) in {None, "ACTUAL"}
        started = sum(g.started or 0 for g in self.arms)
        note = None
        randomized = None
        if count is not None and actual and started <= count:
            randomized = Count(value=count, note="actual enrollment, as registered")
        elif count is not None:
            what = "actual" if actual else "anticipated"
            note = f"Enrollment as registered: {count} ({what})."
        return Population(
            condition=_line("; ".join(conditions)) or "not stated in the registry record",
            description=_who(eligibility),
            eligibility=_eligibility(eligibility),
            randomized=randomized,
            baseline=self._baseline(),
            note=note,
        )

    def _design(self) -> Design:
        design = _get(self.protocol, "designModule") or {}
        info = design.get("designInfo") or {}
        masking = _get(info, "maskingInfo") or {}
        level = _text(masking.get("masking"))
        who = [
            w.replace("_", " ").lower()
            for w in masking.get("whoMasked") or []
            if isinstance(w, str)
        ]
        masked = _MASKING.get(level or "")
        if masked and who and level != "NONE":
            masked += f" ({', '.join(who)})"
        roles = {a.kind for a in self.registered}
        comparator: Literal["active", "placebo", "none"] | None = None
        if "PLACEBO_COMPARATOR" in roles or "SHAM_COMPARATOR" in roles:
            comparator = "placebo"
        elif "ACTIVE_COMPARATOR" in roles:
            comparator = "active"
        elif len(self.registered) == 1:
            comparator = "none"
        allocation = _text(info.get("allocation"))
        notes = []
        purpose = _text(info.get("primaryPurpose"))
        if purpose:
            notes.append(f"Primary purpose: {purpose.replace('_', ' ').lower()}.")
        study_type = _text(design.get("studyType"))
        if study_type and study_type != "INTERVENTIONAL":
            notes.append(f"Study type: {study_type.replace('_', ' ').lower()}.")
        if "EARLY_PHASE1" in (design.get("phases") or []):
            notes.append("Registered as early phase 1.")
        model = _text(info.get("interventionModel"))
        return Design(
            allocation=_ALLOCATION.get(allocation or "")
            or ("single-arm" if allocation == "NA" and len(self.registered) == 1 else None),
            masking=masked,
            model=model.replace("_", " ").lower() if model else None,
            comparator=comparator,
            note=" ".join(notes) or None,
        )

    def _baseline(self) -> list[Statement]:
        module = _get(self.results, "baselineCharacteristicsModule") or {}
        titles = {
            _text(g.get("id")): _text(g.get("title")) or "?" for g in _dicts(module.get("groups"))
        }
        lines: list[Statement] = []
        for measure in _dicts(module.get("measures")):
            title = _text(measure.get("title"))
            if title is None:
                continue
            param = _STATISTIC.get(_text(measure.get("paramType")) or "")
            spread = _DISPERSION_WORDS.get(_dispersion(measure.get("dispersionType"))[0])
            unit = _text(measure.get("unitOfMeasure"))
            about = ", ".join(p for p in (param, spread, unit) if p)
            rows = []
            for label, measurements, _ in _rows(measure):
                values = []
                for m in measurements:
                    value = _text(m.get("value"))
                    if value is None:
                        continue
                    extra = _text(m.get("spread"))
                    low, high = _text(m.get("lowerLimit")), _text(m.get("upperLimit"))
                    if extra:
                        value += f" ({extra})"
                    elif low and high:
                        value += f" ({low} to {high})"
                    values.append(f"{titles.get(_text(m.get('groupId')), '?')} {value}")
                if values:
                    rows.append((f"{label}: " if label else "") + "; ".join(values))
            if rows:
                text = f"{title}{f' ({about})' if about else ''}: " + " | ".join(rows)
                lines.append(Statement(text=_fit(text, LONG) or title))
        return lines

    # arms --------------------------------------------------------------------------

    def _build_arms(self) -> None:
        flow = _get(self.results, "participantFlowModule") or {}
        groups = _dicts(flow.get("groups"))
        if groups:
            started = _milestone_counts(flow, "STARTED")
            for group in groups:
                title = _text(group.get("title")) or _text(group.get("id")) or "group"
                sole = len(groups) == 1
                arm = self._linked(title, _text(group.get("description")), sole=sole)
                arm.started = started.get(_text(group.get("id")) or "")
                self.arms.append(arm)
        elif self.registered:
            for registered in self.registered:
                arm = _Group(
                    title=registered.title,
                    drugs=registered.drugs,
                    key=self._new_key(registered.title),
                    description=registered.description,
                    role=registered.role,
                )
                self.arms.append(arm)
        else:
            # Neither a participant flow nor registered arms: the first groups reported.
            for measure in [
                *_dicts(_get(self.results, "outcomeMeasuresModule", "outcomeMeasures")),
                {"groups": _get(self.results, "adverseEventsModule", "eventGroups")},
            ]:
                for group in _dicts(measure.get("groups")):
                    title = _text(group.get("title")) or _text(group.get("id")) or "group"
                    self.arms.append(self._linked(title, _text(group.get("description"))))
                if self.arms:
                    break
        if not self.arms:
            raise RecordError(
                f"{self.nct} lists no arms or groups; there is nothing to key results by"
            )

    def _linked(self, title: str, description: str | None, sole: bool = False) -> _Group:
        """A result group as an arm, with the role and drugs of its registered arm.

        `sole`: the record's only group, which is then its only registered arm too.
        """
        if len(self.registered) == 1 and sole:
            found = list(self.registered)
        else:
            found = _match(title, description, self.registered)
        notes = [description] if description else []
        if len(found) == 1:
            registered = found[0]
            role, drugs = registered.role, registered.drugs
            if _words(registered.title) != _words(title):
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
                + _join(described, "or")
                + "."
            )
        else:
            role, drugs = "other", ()
            if self.registered:
                notes.append("The record does not link this group to a registered arm.")
        return _Group(
            title=title,
            drugs=drugs,
            key=self._new_key(title),
            description=description,
            role=role,
            note=_fit(" ".join(notes), LONG) if notes else None,
        )

    def _new_key(self, title: str) -> str:
        ascii_title = unicodedata.normalize("NFKD", title).encode("ascii", "ignore").decode()
        words = re.findall(r"[a-z0-9]+", ascii_title.lower())
        slug = ""
        for word in filter(None, words):
            if slug and len(slug) + len(word) >= 24:
                break
            slug = f"{slug}-{word}" if slug else word[:24]
        slug = slug or "group"
        taken = {g.key for g in [*self.arms, *self.extras.values()]}
        key, n = slug, 2
        while key in taken:
            key, n = f"{slug}-{n}", n + 1
        return key

    def _group_key(self, group: dict[str, Any], where: str, taken: set[str]) -> str:
        """The arm a module's group belongs to, or a group of its own when unclear."""
        title = _text(group.get("title")) or _text(group.get("id")) or "group"
        description = _text(group.get("description"))
        found = _match(title, description, self.arms)
        if len(found) == 1 and found[0].key not in taken:
            return found[0].key
        name = " ".join(_words(title))
        if name not in self.extras:
            extra = self._linked(title, description)
            extra.role = "other"
            extra.note = _fit(
                f"A group the record reports on its own ({where}); not one of the study's "
                "arms, and its figures are not merged into theirs."
                + (f" {extra.note}" if extra.note else ""),
                LONG,
            )
            self.extras[name] = extra
        return self.extras[name].key

    def _arm(self, group: _Group, started_note: str | None) -> Arm:
        randomized = None
        if group.started is not None and started_note is not None:
            randomized = Count(value=group.started, note=started_note)
        return Arm(
            id=group.key,
            label=_line(group.title) or group.key,
            role=group.role,
            randomized=randomized,
            interventions=[Intervention(drug=_line(d) or d) for d in group.drugs]
            or [Intervention(drug=UNLINKED)],
            note=group.note,
        )

    def _note_flow(self) -> str | None:
        """Participant flow as notes; the note for arms' counts of people who started."""
        flow = _get(self.results, "participantFlowModule") or {}
        titles = {
            _text(g.get("id")): _text(g.get("title")) or "?" for g in _dicts(flow.get("groups"))
        }
        for period in _dicts(flow.get("periods")):
            parts = []
            for milestone in _dicts(period.get("milestones")):
                what = (_text(milestone.get("type")) or "?").lower()
                parts.append(f"{what}: {_people(titles, milestone.get('achievements'))}")
            for withdrawal in _dicts(period.get("dropWithdraws")):
                why = _text(withdrawal.get("type")) or "reason not given"
                parts.append(f"left ({why}): {_people(titles, withdrawal.get('reasons'))}")
            if parts:
                title = _text(period.get("title")) or "period"
                text = f"Participant flow (registry), {title} — " + " | ".join(parts)
                self.notes.append(Note(text=_fit(text, LONG) or text))
        periods = _dicts(flow.get("periods"))
        if not periods or not any(g.started is not None for g in self.arms):
            return None
        first = _text(periods[0].get("title")) or "the first period"
        return _line(f"started {first} (registry participant flow)")

    # endpoints ---------------------------------------------------------------------

    def _endpoints(self) -> list[Endpoint]:
        measures = _dicts(_get(self.results, "outcomeMeasuresModule", "outcomeMeasures"))
        counters: dict[str, int] = {}
        endpoints: list[Endpoint] = []
        if not measures:
            registered: list[tuple[str, Level]] = [
                ("primaryOutcomes", "primary"),
                ("secondaryOutcomes", "secondary"),
                ("otherOutcomes", "tertiary"),
            ]
            for kind, level in registered:
                for outcome in _dicts(_get(self.protocol, "outcomesModule", kind)):
                    endpoints += self._measure(outcome, level, counters, registered_only=True)
            return endpoints
        for measure in measures:
            level = _LEVELS.get(_text(measure.get("type")) or "", "secondary")
            endpoints += self._measure(measure, level, counters)
        return endpoints

    def _measure(
        self,
        measure: dict[str, Any],
        level: Level,
        counters: dict[str, int],
        registered_only: bool = False,
    ) -> list[Endpoint]:
        counters[level] = counters.get(level, 0) + 1
        ident = f"{level}-{counters[level]}"
        title = _text(measure.get("title")) or _text(measure.get("measure")) or ident
        param = (_text(measure.get("paramType")) or "").upper()
        unit = _text(measure.get("unitOfMeasure"))
        kind = _kind(param, unit, title)
        common: dict[str, Any] = {
            "level": level,
            "kind": kind,
            "time_frame": _line(_text(measure.get("timeFrame"))),
            "definition": _fit(_text(measure.get("description")), LONG),
        }
        population_text = _text(measure.get("populationDescription"))
        population = _first_sentence(population_text)
        notes: list[str] = []
        if population_text and population != population_text:
            notes.append(f"Analysis population (registry): {population_text}")
        status = _text(measure.get("reportingStatus"))
        if registered_only:
            notes.append("Registered outcome; the record has no results for it.")
        elif status == "NOT_POSTED":
            notes.append("Results not posted on ClinicalTrials.gov (reportingStatus NOT_POSTED).")
        keys = {}
        taken: set[str] = set()
        for group in _dicts(measure.get("groups")):
            key = self._group_key(group, f"outcome '{_line(title, 80)}'", taken)
            taken.add(key)
            keys[_text(group.get("id")) or ""] = key
        rows = _rows(measure)
        comparisons, analysis_notes = self._analyses(measure, keys, kind, unit)
        if len(rows) > 1 and comparisons:
            analysis_notes.append(
                "Its comparisons are the record's analyses of the measure; the record does not "
                "tie them to one row."
            )
        endpoints = []
        for index, (label, measurements, denoms) in enumerate(rows or [("", [], [])], start=1):
            results = {}
            for m in measurements:
                arm = keys.get(_text(m.get("groupId")) or "")
                if arm is None:
                    continue
                result = _result(m, param, measure.get("dispersionType"), unit, denoms)
                if result is not None:
                    results[arm] = result
            first = index == 1
            endpoints.append(
                Endpoint(
                    id=ident if len(rows) <= 1 else f"{ident}.{index}",
                    name=_line(f"{title} — {label}" if label else title) or ident,
                    population=population,
                    results=results,
                    comparisons=comparisons if first else [],
                    note=_fit(" ".join(notes + (analysis_notes if first else [])), LONG) or None,
                    **common,
                )
            )
        return endpoints

    def _analyses(
        self, measure: dict[str, Any], keys: dict[str, str], kind: Kind, unit: str | None
    ) -> tuple[list[Comparison], list[str]]:
        comparisons: list[Comparison] = []
        notes: list[str] = []
        for analysis in _dicts(measure.get("analyses")):
            groups = [keys.get(_text(g) or "") for g in analysis.get("groupIds") or []]
            arms = [g for g in groups if g is not None]
            described = _analysis_words(analysis)
            if len(groups) != 2 or len(arms) != 2 or arms[0] == arms[1]:
                labels = ", ".join(
                    next((a.title for a in self._all() if a.key == key), key) for key in arms
                )
                notes.append(f"Registry analysis of {labels or 'unnamed groups'}: {described}.")
                continue
            comparisons.append(_comparison(analysis, (arms[0], arms[1]), kind, unit))
        return comparisons, notes

    def _all(self) -> list[_Group]:
        return [*self.arms, *self.extras.values()]

    # safety ------------------------------------------------------------------------

    def _safety(self) -> list[SafetyFinding]:
        module = _get(self.results, "adverseEventsModule") or {}
        groups = _dicts(module.get("eventGroups"))
        if not groups:
            return []
        # Groups that are the same arm at different times (double-blind phase, follow-up)
        # go to separate sets: one finding per set, never one merged count.
        sets: list[dict[str, str]] = []
        titles: dict[str, str] = {}
        for group in groups:
            gid = _text(group.get("id")) or ""
            titles[gid] = _text(group.get("title")) or gid
            key = self._group_key(group, "adverse events", set())
            target = next((s for s in sets if key not in s.values()), None)
            if target is None:
                target = {}
                sets.append(target)
            target[gid] = key
        time_frame = _text(module.get("timeFrame"))
        threshold = _text(module.get("frequencyThreshold"))
        labels = []
        for members in sets:
            own_titles = all(
                _words(titles[g]) == _words(next(a.title for a in self._all() if a.key == key))
                for g, key in members.items()
            )
            parts = [] if own_titles and len(sets) == 1 else [_titles([titles[g] for g in members])]
            if time_frame:
                parts.append(f"time frame: {time_frame}")
            labels.append(_line("; ".join(parts)))
        self._note_adverse_events(module, threshold, time_frame)
        findings: list[SafetyFinding] = []
        by_id = {_text(g.get("id")) or "": g for g in groups}
        for members, population in zip(sets, labels, strict=True):
            findings += _summary_rows(by_id, members, population, threshold)
        for serious, events in (
            (True, module.get("seriousEvents")),
            (False, module.get("otherEvents")),
        ):
            for event in _dicts(events):
                for members, population in zip(sets, labels, strict=True):
                    finding = _event_finding(event, serious, members, population)
                    if finding is not None:
                        findings.append(finding)
        return findings

    def _note_adverse_events(
        self, module: dict[str, Any], threshold: str | None, time_frame: str | None
    ) -> None:
        parts = []
        description = _text(module.get("description"))
        if description:
            parts.append(description)
        if time_frame:
            parts.append(f"Time frame: {time_frame}.")
        if threshold:
            parts.append(
                f"Non-serious adverse events are listed only when they reach {threshold}% in a "
                "group (the record's frequency threshold): an absent term is not a zero."
            )
        if parts:
            text = "Adverse events (registry): " + " ".join(parts)
            self.notes.append(Note(text=_fit(text, LONG) or text))


# --- pieces of the mapping -------------------------------------------------------------

_STATUS: dict[str, Any] = {
    "NOT_YET_RECRUITING": "not-yet-recruiting",
    "RECRUITING": "recruiting",
    "ENROLLING_BY_INVITATION": "recruiting",
    "ACTIVE_NOT_RECRUITING": "active",
    "COMPLETED": "completed",
    "TERMINATED": "terminated",
    "SUSPENDED": "suspended",
    "WITHDRAWN": "withdrawn",
    "UNKNOWN": "unknown",
}
_PHASES: dict[frozenset[str], Literal["1", "1/2", "2", "2/3", "3", "4", "n/a"]] = {
    frozenset({"PHASE1"}): "1",
    frozenset({"PHASE1", "PHASE2"}): "1/2",
    frozenset({"PHASE2"}): "2",
    frozenset({"PHASE2", "PHASE3"}): "2/3",
    frozenset({"PHASE3"}): "3",
    frozenset({"PHASE4"}): "4",
    frozenset({"NA"}): "n/a",
}
_MASKING = {
    "NONE": "open label",
    "SINGLE": "single-blind",
    "DOUBLE": "double-blind",
    "TRIPLE": "triple-blind",
    "QUADRUPLE": "quadruple-blind",
}
_ALLOCATION: dict[str, Literal["randomized", "non-randomized"]] = {
    "RANDOMIZED": "randomized",
    "NON_RANDOMIZED": "non-randomized",
}
_LEVELS: dict[str, Level] = {
    "PRIMARY": "primary",
    "SECONDARY": "secondary",
    "OTHER_PRE_SPECIFIED": "tertiary",
    "POST_HOC": "exploratory",
}
_STATISTIC = {
    "MEAN": "mean",
    "MEDIAN": "median",
    "LEAST_SQUARES_MEAN": "least-squares mean",
    "GEOMETRIC_MEAN": "geometric mean",
    "GEOMETRIC_LEAST_SQUARES_MEAN": "geometric least-squares mean",
    "LOG_MEAN": "log mean",
}
_DISPERSION_WORDS = {
    "sd": "SD",
    "se": "SE",
    "iqr": "interquartile range",
    "range": "full range",
    "cv": "geometric coefficient of variation",
    "ci": "confidence interval",
}


def _dispersion(value: Any) -> tuple[str, float | None]:
    """("ci", level) | ("sd", None) | …; the record writes these as words or as enums."""
    text = (_text(value) or "").upper().replace(" ", "_").replace("-", "_")
    if "CONFIDENCE" in text:
        digits = re.search(r"(\d+(?:\.\d+)?)", text)
        level = None
        if digits:
            raw = digits.group(1)
            # The enum writes 97.5% as CONFIDENCE_975.
            level = float(raw) if "." in raw or len(raw) <= 2 else float(raw) / 10
        return "ci", level if level is not None and 0 < level < 100 else None
    for needle, kind in (
        ("STANDARD_DEVIATION", "sd"),
        ("STANDARD_ERROR", "se"),
        ("INTER_QUARTILE", "iqr"),
        ("INTERQUARTILE", "iqr"),
        ("FULL_RANGE", "range"),
        ("GEOMETRIC_COEFFICIENT", "cv"),
    ):
        if needle in text:
            return kind, None
    return "", None


def _rows(measure: dict[str, Any]) -> list[tuple[str, list[dict[str, Any]], list[dict[str, Any]]]]:
    """(row label, measurements, denominators) for each class and category of a measure."""
    rows = []
    classes = _dicts(measure.get("classes"))
    for group in classes:
        denoms = _dicts(group.get("denoms")) or _dicts(measure.get("denoms"))
        categories = _dicts(group.get("categories"))
        for category in categories:
            label = " / ".join(
                t for t in (_text(group.get("title")), _text(category.get("title"))) if t
            )
            measurements = _dicts(category.get("measurements"))
            if measurements:
                rows.append((label, measurements, denoms))
    return rows


def _denominator(denoms: list[dict[str, Any]], group_id: str) -> tuple[int | None, str | None]:
    """People counted for a group, or (None, "40 eyes") when the units are not people."""
    ordered = sorted(denoms, key=lambda d: (_text(d.get("units")) or "").lower() != "participants")
    for denom in ordered:
        for count in _dicts(denom.get("counts")):
            if _text(count.get("groupId")) == group_id:
                value = _count(count.get("value"))
                units = _text(denom.get("units")) or "units"
                if units.lower() == "participants":
                    return value, None
                return None, f"N = {_text(count.get('value'))} {units.lower()}"
    return None, None


def _is_percent(unit: str | None) -> bool:
    return bool(unit) and (unit == "%" or (unit or "").lower().startswith("percent"))


def _unit(unit: str) -> str | None:
    """A unit as it reads after a number: "Units on a scale" → units on a scale; mg/dL stays."""
    first = unit.split(" ", 1)[0]
    if first[:1].isupper() and first[1:].islower():
        unit = unit[0].lower() + unit[1:]
    return _line(unit)


def _kind(param: str, unit: str | None, title: str) -> Kind:
    """The endpoint's kind, inferred from the parameter type, the unit and the title."""
    lowered_unit, lowered_title = (unit or "").lower(), title.lower()
    if param == "COUNT_OF_PARTICIPANTS":
        return "proportion"
    if param == "COUNT_OF_UNITS":
        return "count"
    if "time to" in lowered_title or "time-to" in lowered_title:
        return "time-to-event"
    if _is_percent(unit) or "proportion" in lowered_unit:
        return "proportion"
    if "rate" in lowered_unit or re.search(
        r"\bper (patient|participant|person)[- ]?year", lowered_unit
    ):
        return "rate"
    return "continuous"


def _result(
    measurement: dict[str, Any],
    param: str,
    dispersion: Any,
    unit: str | None,
    denoms: list[dict[str, Any]],
) -> ArmResult | None:
    raw = _text(measurement.get("value"))
    value = _number(raw)
    notes: list[str] = []
    statistic = _STATISTIC.get(param)
    spread_kind, level = _dispersion(dispersion)
    spread = _text(measurement.get("spread"))
    low_text, high_text = _text(measurement.get("lowerLimit")), _text(measurement.get("upperLimit"))
    low, high = _number(low_text), _number(high_text)
    ci: tuple[float, float] | None = None
    if spread_kind == "ci" and (low_text or high_text):
        if (
            low is not None
            and high is not None
            and level is not None
            and low <= high
            and (value is None or low <= value <= high)
        ):
            ci = (low, high)
        else:
            stated = f"{level:g}% CI" if level is not None else "CI (level not stated)"
            notes.append(f"{stated} as registered: {low_text or '?'} to {high_text or '?'}")
    elif spread_kind in {"iqr", "range"} and (low_text or high_text):
        notes.append(f"{_DISPERSION_WORDS[spread_kind]} {low_text or '?'} to {high_text or '?'}")
    elif spread_kind in {"sd", "se", "cv"} and spread:
        notes.append(f"{_DISPERSION_WORDS[spread_kind]} {spread}")
    if statistic and value is not None:
        notes.insert(0, statistic)
    if raw is not None and value is None:
        notes.append(f"registered as '{raw}'")
    comment = _text(measurement.get("comment"))
    if comment:
        notes.append(comment)
    group_id = _text(measurement.get("groupId")) or ""
    people, other_units = _denominator(denoms, group_id)
    if other_units:
        notes.append(other_units)
    n = None
    percent = _is_percent(unit)
    if param == "COUNT_OF_PARTICIPANTS" and value is not None and value == int(value):
        n, value = int(value), None
        if people is not None and n > people:
            notes.append(f"{n} of {people} counted, as registered")
            people = None
    if value is None and ci is None and n is None and people is None and not notes:
        return None
    shown_unit = None
    if value is not None and unit and param != "COUNT_OF_PARTICIPANTS":
        shown_unit = "%" if percent else _unit(unit)
    return ArmResult(
        value=value,
        unit=shown_unit,
        ci=ci,
        ci_level=level if ci is not None and level is not None else 95,
        n=n,
        N=people,
        note=_line("; ".join(notes)),
    )


def _measure_of(param: str | None) -> Measure | None:
    text = (param or "").lower()
    if "hazard" in text:
        return "hazard-ratio"
    if "odds" in text:
        return "odds-ratio"
    if "rate ratio" in text or "ratio of rates" in text:
        return "rate-ratio"
    if "risk ratio" in text or "relative risk" in text:
        return "risk-ratio"
    if "difference" in text:
        return "difference"
    return None


def _analysis_words(analysis: dict[str, Any]) -> str:
    """An analysis in words, for the ones that do not fit a two-arm comparison."""
    parts = []
    param, value = _text(analysis.get("paramType")), _text(analysis.get("paramValue"))
    if param or value:
        parts.append(" ".join(p for p in (param, value) if p))
    low, high = _text(analysis.get("ciLowerLimit")), _text(analysis.get("ciUpperLimit"))
    if low or high:
        level = _text(analysis.get("ciPctValue"))
        parts.append(f"{level + '% ' if level else ''}CI {low or '?'} to {high or '?'}")
    p_value = _text(analysis.get("pValue"))
    if p_value:
        parts.append(f"p {p_value}")
    method = _text(analysis.get("statisticalMethod"))
    if method:
        parts.append(method)
    return ", ".join(parts) or "no figures given"


def _comparison(
    analysis: dict[str, Any], arms: tuple[str, str], kind: Kind, unit: str | None
) -> Comparison:
    param = _text(analysis.get("paramType"))
    measure = _measure_of(param)
    estimate = _number(analysis.get("paramValue"))
    notes: list[str] = []
    if param:
        notes.append(param)
    method = _text(analysis.get("statisticalMethod"))
    if method:
        notes.append(method)
    if measure is None:
        # No measure trialcli knows: keep every figure in words, none as a typed effect.
        if estimate is not None or analysis.get("ciLowerLimit") or analysis.get("ciUpperLimit"):
            notes = [f"not a measure trialcli shows as an effect: {_analysis_words(analysis)}"]
        elif analysis.get("pValue") is not None:
            notes.insert(0, "p-value only; the record gives no estimate")
        measure = (
            "hazard-ratio"
            if kind == "time-to-event"
            else "rate-ratio"
            if kind == "rate"
            else "difference"
        )
        estimate = None
    elif estimate is None and analysis.get("pValue") is not None:
        notes.insert(0, "p-value only; the record gives no estimate")
    ci: tuple[float, float] | None = None
    level = _number(analysis.get("ciPctValue"))
    low_text, high_text = _text(analysis.get("ciLowerLimit")), _text(analysis.get("ciUpperLimit"))
    low, high = _number(low_text), _number(high_text)
    sides = _text(analysis.get("ciNumSides"))
    if estimate is not None and (low_text or high_text):
        if (
            low is not None
            and high is not None
            and level is not None
            and 0 < level < 100
            and sides in {None, "TWO_SIDED"}
            and low <= estimate <= high
        ):
            ci = (low, high)
        else:
            what = "one-sided " if sides == "ONE_SIDED" else ""
            stated = f"{level:g}% CI" if level is not None else "CI (level not stated)"
            notes.append(f"{what}{stated} as registered: {low_text or '?'} to {high_text or '?'}")
    p_text = _text(analysis.get("pValue"))
    p_value = None
    if p_text is not None:
        compact = p_text.replace(" ", "")
        if re.fullmatch(P_VALUE_PATTERN, compact):
            p_value = compact
        else:
            notes.append(f"p-value as registered: {p_text}")
    test = _text(analysis.get("nonInferiorityType"))
    if test and test not in {"SUPERIORITY", "NON_INFERIORITY"}:
        notes.append(f"test type as registered: {test.replace('_', ' ').lower()}")
    for key in ("estimateComment", "pValueComment", "groupDescription", "nonInferiorityComment"):
        comment = _text(analysis.get(key))
        if comment:
            notes.append(comment)
    difference_unit = None
    if measure == "difference" and estimate is not None and unit:
        difference_unit = "percentage points" if _is_percent(unit) else _unit(unit)
    return Comparison(
        measure=measure,
        estimate=estimate,
        unit=difference_unit,
        ci=ci,
        ci_level=level if ci is not None and level is not None else 95,
        p_value=p_value,
        arms=arms,
        test="non-inferiority" if test and test.startswith("NON_INFERIORITY") else "superiority",
        note=_line("; ".join(notes)),
    )


def _summary_rows(
    groups: dict[str, dict[str, Any]],
    members: dict[str, str],
    population: str | None,
    threshold: str | None,
) -> list[SafetyFinding]:
    rows: list[SafetyFinding] = []
    kinds: list[tuple[str, str, Literal["death", "serious-adverse-event"] | None, bool | None]] = [
        ("deaths", "Deaths (all causes)", "death", None),
        # The summary kind already says "serious"; the flag would only repeat it.
        ("serious", "Serious adverse events (any)", "serious-adverse-event", None),
        ("other", "Non-serious adverse events (any, above the reporting threshold)", None, False),
    ]
    for prefix, term, summary, serious in kinds:
        arms = {}
        for gid, key in members.items():
            group = groups.get(gid, {})
            affected = _count(group.get(f"{prefix}NumAffected"))
            at_risk = _count(group.get(f"{prefix}NumAtRisk"))
            if affected is None and at_risk is None:
                continue
            if affected is not None and at_risk is not None and affected > at_risk:
                arms[key] = ArmSafety(
                    note=f"{affected} affected of {at_risk} at risk, as registered"
                )
            else:
                arms[key] = ArmSafety(affected=affected, at_risk=at_risk)
        if not arms:
            continue
        note = None
        if prefix == "other" and threshold:
            note = f"People with any non-serious adverse event reaching the {threshold}% threshold."
        rows.append(
            SafetyFinding(
                term=term,
                summary=summary,
                serious=serious,
                arms=arms,
                population=population,
                note=note,
            )
        )
    return rows


def _event_finding(
    event: dict[str, Any], serious: bool, members: dict[str, str], population: str | None
) -> SafetyFinding | None:
    term = _line(_text(event.get("term")))
    if term is None:
        return None
    arms = {}
    for stats in _dicts(event.get("stats")):
        key = members.get(_text(stats.get("groupId")) or "")
        if key is None:
            continue
        affected, at_risk = _count(stats.get("numAffected")), _count(stats.get("numAtRisk"))
        events = _count(stats.get("numEvents"))
        # Events are worth a word only when some people had more than one.
        note = f"{events} events" if events is not None and events != affected else None
        if affected is not None and at_risk is not None and affected > at_risk:
            note = f"{affected} affected of {at_risk} at risk, as registered"
            affected = at_risk = None
        if affected is None and at_risk is None and note is None:
            continue
        arms[key] = ArmSafety(affected=affected, at_risk=at_risk, note=note)
    if not arms:
        return None
    details = [_text(event.get("sourceVocabulary")), _text(event.get("notes"))]
    assessment = _text(event.get("assessmentType"))
    if assessment:
        details.append(assessment.replace("NON_", "non-").replace("_", " ").lower())
    return SafetyFinding(
        term=term,
        soc=_line(_text(event.get("organSystem"))),
        serious=serious,
        arms=arms,
        population=population,
        note=_fit("; ".join(d for d in details if d), LONG) or None,
    )


def _people(titles: dict[str | None, str], entries: Any) -> str:
    """ "Group A 72; Group B 66" from a list of {groupId, numSubjects}."""
    return "; ".join(
        f"{titles.get(_text(e.get('groupId')), '?')} {_text(e.get('numSubjects')) or '?'}"
        for e in _dicts(entries)
    )


def _first_sentence(text: str | None) -> str | None:
    """A population description's first sentence; the whole text goes to the note."""
    if text is None:
        return None
    first = re.split(r"(?<=[a-z0-9)]\.)\s+(?=[A-Z])", text, maxsplit=1)[0]
    return _line(first)


def _titles(titles: list[str]) -> str:
    """Group titles with their shared "Phase:" prefix said once."""
    prefixes = {t.split(":", 1)[0] for t in titles if ":" in t}
    if len(prefixes) == 1 and all(":" in t for t in titles) and len(titles) > 1:
        prefix = prefixes.pop()
        return f"{prefix}: " + "; ".join(t.split(":", 1)[1].strip() for t in titles)
    return "; ".join(titles)


def _milestone_counts(flow: dict[str, Any], kind: str) -> dict[str, int]:
    periods = _dicts(flow.get("periods"))
    if not periods:
        return {}
    for milestone in _dicts(periods[0].get("milestones")):
        if (_text(milestone.get("type")) or "").upper() == kind:
            return {
                _text(a.get("groupId")) or "": count
                for a in _dicts(milestone.get("achievements"))
                if (count := _count(a.get("numSubjects"))) is not None
            }
    return {}


_AGE = re.compile(r"^(\d+(?:\.\d+)?)\s*(year|month|week|day|hour|minute)s?$", re.IGNORECASE)


def _age(value: Any) -> tuple[float, str] | None:
    text = _text(value)
    match = _AGE.match(text) if text else None
    if match is None:
        return None
    return Written.from_text(float(match.group(1)), match.group(1)), match.group(2).lower() + "s"


def _who(eligibility: dict[str, Any]) -> str:
    """Who could enrol, in a few words: "aged 18 to 80 years", "women aged 65 years or older"."""
    low, high = _age(eligibility.get("minimumAge")), _age(eligibility.get("maximumAge"))
    if low and high and low[1] == high[1]:
        ages = f"aged {number(low[0])} to {number(high[0])} {low[1]}"
    elif low and high:
        ages = f"aged {number(low[0])} {low[1]} to {number(high[0])} {high[1]}"
    elif low:
        ages = f"aged {number(low[0])} {low[1]} or older"
    elif high:
        ages = f"aged up to {number(high[0])} {high[1]}"
    else:
        ages = "any age"
    sex = {"FEMALE": "female participants", "MALE": "male participants"}.get(
        _text(eligibility.get("sex")) or "", "participants"
    )
    return f"{sex} {ages}, as registered"


def _eligibility(eligibility: dict[str, Any]) -> Eligibility | None:
    if not eligibility:
        return None
    low, high = _age(eligibility.get("minimumAge")), _age(eligibility.get("maximumAge"))
    in_years = all(a is None or a[1] == "years" for a in (low, high)) and (low or high)
    criteria = [Statement(text=t) for t in _criteria(_text(eligibility.get("eligibilityCriteria")))]
    extra = []
    if not in_years and (low or high):
        extra.append(
            "Ages as registered: "
            + " to ".join(_text(eligibility.get(k)) or "any" for k in ("minimumAge", "maximumAge"))
        )
    if eligibility.get("healthyVolunteers") is True:
        extra.append("Accepts healthy volunteers.")
    return Eligibility(
        age=Range(min=low[0] if low else None, max=high[0] if high else None, unit="years")
        if in_years
        else None,
        criteria=criteria,
        note=" ".join(extra) or None,
    )


def _criteria(text: str | None) -> list[str]:
    """The criteria as separate lines, each marked inclusion or exclusion."""
    if not text:
        return []
    heading = ""
    items: list[str] = []
    for raw in text.splitlines():
        line = raw.strip()
        if not line:
            continue
        lowered = line.lower().rstrip(":")
        if lowered.endswith("inclusion criteria") or lowered.endswith("exclusion criteria"):
            heading = "Inclusion" if "inclusion" in lowered else "Exclusion"
            continue
        bullet = re.match(r"^(?:[*•-]|\d+[.)])\s+", line)
        body = line[bullet.end() :] if bullet else line
        if bullet or not items:
            items.append(f"{heading}: {body}" if heading else body)
        else:
            items[-1] += " " + body
    return [fitted for item in items if (fitted := _fit(item, LONG))]
