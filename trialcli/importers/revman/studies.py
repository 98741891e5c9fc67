"""A Cochrane review's included studies as study files: what `import REVIEW.rm5` writes.

One study per `STUDY_ID` with data. Its arms are the treatments the review's analyses name
("Alemtuzumab versus interferon beta-1a (Rebif)": group 1 against group 2; the outcome's
group labels when a name says no more), so a multi-arm trial that appears in several
comparisons is one study with all its arms. One endpoint per outcome (its time frame from
the outcome's name), each figure sourced to the review with the analysis id beside it. An
arm whose count differs between two analyses of one outcome is recorded once and the
difference is reported, never averaged.
"""

from __future__ import annotations

import re
from collections.abc import Iterable
from dataclasses import dataclass, field
from pathlib import Path
from typing import TYPE_CHECKING, Any

from trialcli.importers.revman.reader import Analysis, DataRow, Review, ReviewError

_VERSUS = re.compile(r"^(?P<first>.+?)\s+(?:versus|vs\.?)\s+(?P<second>.+)$", flags=re.I)
_BRAND = re.compile(r"^(?P<drug>.+?)\s*\((?P<brand>[^()]+)\)$")
_DOSE = re.compile(r"^(?P<name>.+?)\s+(?P<dose>\d+(?:\.\d+)?\s*(?:mg|µg|mcg|g|IU|MIU)\b.*)$")
_TIME_FRAME = re.compile(
    r"\b(?:over|at|after|closest to|up to|within)\s+\d+(?:\.\d+)?\s+"
    r"(?:days?|weeks?|months?|years?)\b",
    flags=re.I,
)
if TYPE_CHECKING:
    from trialcli.catalog import Catalog
    from trialcli.model import Study

SOURCE_ID = "review"
# RevMan's measures as study-file measures (with the review's own name where it adds one).
# A standardised mean difference has no unit a forest plot could share with another: it is
# recorded, named, as a measure with no known scale, and never drawn beside differences.
_MEASURES: dict[str, tuple[str, str | None]] = {
    "RR": ("risk-ratio", None),
    "OR": ("odds-ratio", None),
    "PETO_OR": ("odds-ratio", "Peto odds ratio"),
    "RD": ("risk-difference", None),
    "MD": ("mean-difference", None),
    "SMD": ("other", "standardised mean difference (Hedges' g)"),
    "HR": ("hazard-ratio", None),
}


@dataclass
class _Arm:
    label: str
    given: str  # what the review calls the treatment, without trialcli's "(N …)"
    experimental: bool = False


@dataclass
class _Study:
    id: str
    name: str
    year: str | None
    arms: dict[str, _Arm] = field(default_factory=dict)
    endpoints: dict[str, dict[str, Any]] = field(default_factory=dict)


def slug(text: str) -> str:
    out = re.sub(r"[^a-z0-9]+", "-", text.casefold()).strip("-")
    return (out or "x")[:80].strip("-")


_GENERIC_GROUPS = frozenset(
    {"experimental", "control", "intervention", "treatment", "comparator", "group 1", "group 2"}
)


def names_arms(analysis: Analysis) -> bool:
    """Whether the analysis's own name says which treatments it compares: a subgroup named
    "A versus B" under generic group labels (as the MS network review lays out its pairwise
    comparisons). Group 1 is then A: the review's group 1 is its experimental side."""
    generic = all(g.casefold() in _GENERIC_GROUPS for g in analysis.groups)
    return analysis.subgroup and generic and _VERSUS.match(analysis.name.strip()) is not None


def treatments(analysis: Analysis) -> tuple[str, str]:
    """Group 1 and group 2, named as the review names them: its group labels when they say
    what was given, else the "A versus B" of the analysis's name. Never the comparison's
    title alone: its order need not be the groups' (a fluoride review puts "0 ppm F versus
    1000 ppm F" over group 1 "Higher fluoride")."""
    if names_arms(analysis):
        found = _VERSUS.match(analysis.name.strip())
        assert found is not None
        return found["first"].strip(), found["second"].strip()
    return analysis.groups


def endpoint_name(outcome: str) -> str:
    name = re.sub(r"^comparisons? for\s+", "", outcome.strip(), flags=re.I)
    return name[:1].upper() + name[1:]


def condition(title: str) -> str:
    """What the review is about, from its title: the words after its last "for"."""
    parts = re.split(r"\bfor\b", title.split(":")[0])
    return parts[-1].strip() if len(parts) > 1 else title.strip()


def review_studies(review: Review) -> tuple[list[dict[str, Any]], list[str]]:
    """The study files' data (to validate as `Study`) and what the import must report."""
    studies: dict[str, _Study] = {}
    notes: list[str] = []
    split = {(a.comparison, a.outcome) for a in review.analyses if a.subgroup}
    used = [
        a
        for a in review.analyses
        if a.subgroup or (a.comparison, a.outcome) not in split  # else its subgroups' rows
    ]
    # One label can stand for different groups of one trial ("Fingolimod": both doses in one
    # comparison, one dose in another): a label seen with several group sizes is several arms.
    # Only where the analyses name the treatments (a network review's pairwise subgroups):
    # where arms are the review's group labels, a group's size changes with the outcome
    # (who was assessed) and with a subgroup of participants, and says nothing of its arms.
    sizes: dict[tuple[str, str], set[float]] = {}
    for analysis in used:
        if not names_arms(analysis):
            continue
        labels = treatments(analysis)
        for row in analysis.rows:
            for i, label in enumerate(labels):
                if row.totals is not None:
                    sizes.setdefault((row.study, label), set()).add(row.totals[i])

    def arm_of(study: _Study, label: str, size: float | None, experimental: bool) -> str:
        several = len(sizes.get((study.id, label), set())) > 1 and size is not None
        key = f"{slug(label)}-n{int(size)}" if several and size is not None else slug(label)
        shown = f"{label} (N {int(size)} in the review)" if several and size is not None else label
        arm = study.arms.setdefault(key, _Arm(shown, label))
        arm.experimental = arm.experimental or experimental
        return key

    for analysis in used:
        first, second = treatments(analysis)
        for row in analysis.rows:
            ref = review.studies.get(row.study)
            if ref is None:
                notes.append(f"{analysis.id}: data for an unknown study {row.study} left out")
                continue
            study = studies.setdefault(row.study, _Study(row.study, ref.name, ref.year))
            totals = row.totals or (None, None)
            keys = (
                arm_of(study, first, totals[0], True),
                arm_of(study, second, totals[1], False),
            )
            _record(study, analysis, row, keys[0], keys[1], notes)
    for study in studies.values():
        _same_arms(study, notes)
    files = [_study_data(s, review) for s in studies.values()]
    return files, notes


def _record(
    study: _Study, analysis: Analysis, row: DataRow, first: str, second: str, notes: list[str]
) -> None:
    name = endpoint_name(analysis.outcome)
    if analysis.subgroup and not names_arms(analysis):
        name = f"{name} — {analysis.name}"  # a subgroup of participants, not of treatments
    code = slug(name)
    if len(code) > 60:  # a long name cut short could collide: RevMan's id keeps it unique
        outcome_id = (
            analysis.id
            if analysis.subgroup and not names_arms(analysis)
            else (analysis.id.rsplit(".", 1)[0] if analysis.subgroup else analysis.id)
        )
        code = f"{slug(outcome_id)}-{code[:50].strip('-')}"
    endpoint = study.endpoints.setdefault(
        code,
        {
            "id": code,
            "name": name,
            "code": code,
            "level": "secondary",
            "kind": "proportion" if analysis.kind == "dichotomous" else "continuous",
            "results": {},
            "note": "As the Cochrane review analyses it; the trial's own endpoint level is not "
            "stated by the review (recorded as secondary).",
        },
    )
    found = _TIME_FRAME.search(analysis.outcome)
    if found:
        endpoint["time_frame"] = found.group(0)
    results: dict[str, Any] = endpoint["results"]
    for i, arm in enumerate((first, second)):
        figure: dict[str, Any] = {"source": SOURCE_ID, "note": f"analysis {analysis.id}"}
        if row.totals is not None:
            figure["N"] = int(row.totals[i])
        if row.events is not None:
            figure["n"] = int(row.events[i])
        if row.means is not None:
            figure["value"] = row.means[i]
            if row.sds is not None:
                figure["note"] += f"; SD {row.sds[i]:g}"
        if "n" not in figure and "value" not in figure:
            continue
        if i == 0:
            _compare(endpoint, analysis, row, (first, second))
        previous = results.get(arm)

        def count(f: dict[str, Any]) -> str:
            return f"{f['n']}/{f['N']}" if "n" in f else f"N {f.get('N')}"

        if previous is not None and (previous.get("n"), previous.get("N")) != (
            figure.get("n"),
            figure.get("N"),
        ):
            notes.append(
                f"{study.name}: {study.arms[arm].label} is {count(previous)} in "
                f"{previous['note'].split(';')[0]} but {count(figure)} in analysis "
                f"{analysis.id} of the same outcome; the first is kept"
            )
            continue
        results.setdefault(arm, figure)


def _compare(
    endpoint: dict[str, Any], analysis: Analysis, row: DataRow, arms: tuple[str, str]
) -> None:
    """The review's own estimate for this study, group 1 against group 2 (RevMan's
    EFFECT_SIZE and CI, to 4 significant figures), once per pair of arms: the first
    analysis of an outcome that compares them gives it, as for the arms' counts."""
    measure, name = _MEASURES.get(
        "PETO_OR" if analysis.method == "PETO" else analysis.measure, ("other", None)
    )
    comparisons: list[dict[str, Any]] = endpoint.setdefault("comparisons", [])
    if row.effect is None or any(c["arms"] == list(arms) for c in comparisons):
        return
    estimate, low, high = (float(f"{v:.4g}") for v in row.effect)
    comparison: dict[str, Any] = {
        "measure": measure,
        "estimate": estimate,
        "ci": [low, high],
        "arms": list(arms),
        "direction": "stated",
        "source": SOURCE_ID,
        "note": f"analysis {analysis.id}: the review's estimate for this study "
        f"({analysis.measure}, {analysis.method}), group 1 against group 2",
    }
    if name is not None or measure == "other":
        comparison["measure_name"] = name or analysis.measure
    comparisons.append(comparison)


def _intervention(label: str) -> dict[str, str]:
    """ "interferon beta-1a (Rebif) 44 µg" → drug, brand and dose, as a network reads them."""
    out: dict[str, str] = {}
    name = label.strip()
    dosed = _DOSE.match(name)
    if dosed:
        name, out["dose"] = dosed["name"].strip(), dosed["dose"].strip()
    branded = _BRAND.match(name)
    if branded:
        name, out["brand"] = branded["drug"].strip(), branded["brand"].strip()
    return {"drug": name.lower(), **out}


def _same_arms(study: _Study, notes: list[str]) -> None:
    """One group of people named two ways ("Alemtuzumab" in one comparison, "Alemtuzumab
    12 mg" in another) is one arm: same drug, same number of people in every endpoint both
    report. The more specific name is kept, and the merge is reported."""

    def people(key: str) -> dict[str, object]:
        return {
            code: e["results"][key].get("N")
            for code, e in study.endpoints.items()
            if key in e["results"]
        }

    keys = list(study.arms)
    for i, a in enumerate(keys):
        for b in keys[i + 1 :]:
            if a not in study.arms or b not in study.arms:
                continue
            drug_a = _intervention(study.arms[a].given)["drug"]
            drug_b = _intervention(study.arms[b].given)["drug"]
            if drug_a != drug_b:
                continue
            na, nb = people(a), people(b)
            shared = set(na) & set(nb)
            if any(na[c] != nb[c] for c in shared) or not (set(na.values()) & set(nb.values())):
                continue

            # Keep the name that says the dose, else the longer one.
            def rank(key: str) -> tuple[bool, int]:
                arm = study.arms[key]
                return "dose" in _intervention(arm.given), len(arm.given)

            keep, drop = (a, b) if rank(a) >= rank(b) else (b, a)
            for endpoint in study.endpoints.values():
                if drop in endpoint["results"]:
                    endpoint["results"].setdefault(keep, endpoint["results"].pop(drop))
                for comparison in endpoint.get("comparisons", []):
                    comparison["arms"] = [keep if a == drop else a for a in comparison["arms"]]
            study.arms[keep].experimental |= study.arms[drop].experimental
            notes.append(
                f"{study.name}: “{study.arms[drop].label}” and “{study.arms[keep].label}” "
                "count the same people; recorded as one arm"
            )
            del study.arms[drop]


def _role(arm: _Arm) -> str:
    if arm.label.casefold() == "placebo":
        return "placebo"
    return "experimental" if arm.experimental else "active-comparator"


# "AE" only in capitals: the word, not letters inside another.
_HARM = re.compile(
    r"(?i:\badverse (?:events?|effects?|reactions?)\b|\bside[- ]effects?\b)|\bAEs?\b"
)
_DISCONTINUED = re.compile(r"\b(?:discontinu|withdr[ae]w|stopp)", flags=re.I)


def _harm(endpoint: dict[str, Any]) -> dict[str, Any] | None:
    """An adverse-event outcome ("Serious adverse events", "Treatment discontinuation due
    to AEs over 24 months") also as a safety finding, so that `ae` lists it: the same
    counts, people with the event of each arm's analysed."""
    name = endpoint["name"]
    counted = {arm: r for arm, r in endpoint["results"].items() if "n" in r and "N" in r}
    if endpoint["kind"] != "proportion" or not _HARM.search(name) or not counted:
        return None
    finding: dict[str, Any] = {
        "term": name,
        "arms": {
            arm: {"affected": r["n"], "at_risk": r["N"], "note": r["note"]}
            for arm, r in counted.items()
        },
        "population": "as the review analyses it",
    }
    if _DISCONTINUED.search(name):
        finding["summary"] = "discontinuation"
    elif re.search(r"\bserious\b", name, flags=re.I):
        finding["summary"] = "serious-adverse-event"
        finding["serious"] = True
    return finding


def _analysed(study: _Study, key: str) -> dict[str, Any]:
    """The arm's number analysed, where the review counts it the same in every analysis
    (the MS review: its randomized N); where it changes with the outcome, none."""
    counts = {
        e["results"][key]["N"] for e in study.endpoints.values() if "N" in e["results"].get(key, {})
    }
    if len(counts) != 1:
        return {}
    return {
        "analysed": {
            "value": counts.pop(),
            "source": SOURCE_ID,
            "note": "the review's N for this group, the same in each of its analyses",
        }
    }


def _study_data(study: _Study, review: Review) -> dict[str, Any]:
    name = study.name
    return {
        "id": slug(name),
        "acronym": name,
        "title": f"{name}, as included in the Cochrane review “{review.title}”",
        "default_source": SOURCE_ID,
        "population": {
            "condition": condition(review.title),
            "description": "participants of this trial, as the review analyses them",
        },
        "arms": [
            {
                "id": key,
                "label": arm.label,
                "role": _role(arm),
                "interventions": [_intervention(arm.given)],
                **_analysed(study, key),
            }
            for key, arm in study.arms.items()
        ],
        "endpoints": [e for e in study.endpoints.values() if e["results"]],
        "safety": [f for e in study.endpoints.values() if (f := _harm(e)) is not None],
        "sources": [
            {
                "id": SOURCE_ID,
                "citation": review.title
                + (f". {review.citation}" if review.citation else "")
                + f" (RevMan data file; study {study.id})",
                "kind": "review",
                "secondary": True,
            }
        ],
    }


def study_names(files: Iterable[dict[str, Any]]) -> list[str]:
    return [f["acronym"] for f in files]


_NAME_YEAR = re.compile(r"\s+(?:19|20)\d\d[a-z]?$")


def _loose(text: str) -> str:
    return re.sub(r"[^a-z0-9]+", "", text.casefold())


def same_trial(name: str, year: str | None, study: Study) -> bool:
    """Whether a review's study ("CARE-MS II 2012", year 2012) is a catalog study: the same
    acronym (any case, spaces or hyphens) and a source of the catalog study dated that year
    (a review dates a trial by its main report)."""
    if year is None or _loose(_NAME_YEAR.sub("", name)) != _loose(study.acronym):
        return False
    return year in {s.date[:4] for s in study.sources if s.date}


def link(data: dict[str, Any], catalog: Study) -> str:
    """Record in an imported study's data that the catalog holds the trial; never merge."""
    text = (
        f"The catalog also holds this trial as {catalog.id} ({catalog.acronym}: same acronym "
        "and year). trialcli did not merge them: this file holds the review's figures only; "
        f"'trialcli diff {catalog.id} {data['id']}' sets them beside the catalog's."
    )
    data.setdefault("notes", []).append({"text": text})
    return (
        f"{data['acronym']} is also in the catalog as {catalog.id}: not merged; the file "
        f"records the link ('trialcli diff {catalog.id} {data['id']}')"
    )


def _catalog_matches(catalog: Catalog, into: Path, names: Iterable[str]) -> list[Study]:
    """The catalog's studies (outside `into`) whose acronym is one of the review's."""
    wanted = {_loose(_NAME_YEAR.sub("", n)) for n in names}
    target = into.resolve()
    # The catalog's names: from the checked list rows (trialcli.checking.discover), cached.
    named = [i for i, acronym, _ in catalog.known_names() if _loose(acronym) in wanted]
    paths = [catalog.resolve(study_id) for study_id in named]
    return [catalog.load(str(p)) for p in paths if p.resolve().parent != target]


@dataclass(frozen=True)
class Imported:
    written: tuple[Path, ...]
    unchanged: int
    without_data: tuple[str, ...]
    notes: tuple[str, ...]


def import_review(
    path: Path, into: Path, *, force: bool, catalog: Catalog | None = None
) -> Imported:
    """Write one study file per included study with data into `into`; every file is checked
    to validate before anything is written. A study `catalog` already holds (same acronym
    and year) is linked, never merged."""
    from trialcli.files import write_atomically
    from trialcli.importers.revman.reader import read_review
    from trialcli.model import Study
    from trialcli.writer import study_yaml

    review = read_review(path)
    files, notes = review_studies(review)
    if catalog is not None:
        known = _catalog_matches(catalog, into, study_names(files))
        years = {ref.name: ref.year for ref in review.studies.values()}
        for data in files:
            for study in known:
                if same_trial(data["acronym"], years.get(data["acronym"]), study):
                    notes.append(link(data, study))
    header = [
        f"Imported by trialcli from the Cochrane review data file {path.name}:",
        f"{review.title}" + (f" ({review.citation})" if review.citation else ""),
        "Every figure is the review's, as its analyses record it (each note names the analysis).",
    ]
    texts = []
    for data in files:
        try:
            study = Study.model_validate(data)
        except ValueError as error:
            raise ReviewError(
                f"{path}: study {data['acronym']} does not make a valid study file "
                f"({str(error).splitlines()[0]}); please report this"
            ) from None
        texts.append((into / f"{study.id}.yaml", study_yaml(study, header)))
    into.mkdir(parents=True, exist_ok=True)
    written: list[Path] = []
    unchanged = 0
    for target, text in texts:
        if target.exists() and target.is_file() and target.read_text(encoding="utf-8") == text:
            unchanged += 1
            continue
        write_atomically(target, text, force=force)
        written.append(target)
    with_data = {d["acronym"] for d in files}
    without = tuple(
        sorted(ref.name for ref in review.studies.values() if ref.name not in with_data)
    )
    return Imported(tuple(written), unchanged, without, tuple(notes))
