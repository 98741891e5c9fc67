"""Issue 21, items 8 and 6: what the registry states is a field of the study, never a guess.

An arm's statistic (mean, median, least-squares mean …) is the record's `paramType`, its
spread the record's `dispersionType` with the measurement's own figures; covariates and
strata are the analysis's own words; baseline denominators, the results references and
the limitations and caveats are kept. A count of people is a proportion only out of the
measure's own denominators.

Records: the 17 in tests/fixtures/ctgov*/ (verbatim API v2 responses, provenance in
/work/shared/ctgov*/PROVENANCE.md) and four from the bulk sample
(/work/shared/ctgov-bulk/ctg-studies-sample.zip, copied verbatim into
tests/fixtures/ctgov-sample-fields.zip: NCT01542502 and NCT01060020 for interquartile
ranges, NCT03826186 and NCT02946853 for counts of people reported as NUMBER). Every figure
below was read off those files. Tests marked "derived" change a copy of a real record in
one stated way.
"""

from __future__ import annotations

import ast
import copy
import json
import zipfile
from pathlib import Path
from typing import Any

import pytest
from typer.testing import CliRunner

from trialcli.cli import app
from trialcli.formatting import result_text
from trialcli.importers.ctgov import record_to_study
from trialcli.importers.ctgov.adjustment import adjusted_for, stratified_by
from trialcli.loader import parse_yaml, validate_data
from trialcli.model import Study
from trialcli.ops.audit import audit_study
from trialcli.ops.effects import absolute_effects
from trialcli.ops.page import build_page
from trialcli.writer import study_yaml

FIXTURES = Path(__file__).parent / "fixtures"
SAMPLE = FIXTURES / "ctgov-sample-fields.zip"
PACKAGE = Path(__file__).resolve().parent.parent / "trialcli"


def record(nct: str) -> dict[str, Any]:
    for folder in ("ctgov", "ctgov-wide"):
        path = FIXTURES / folder / f"{nct}.json"
        if path.exists():
            return dict(json.loads(path.read_text(encoding="utf-8")))
    with zipfile.ZipFile(SAMPLE) as archive:
        return dict(json.loads(archive.read(f"{nct}.json")))


def imported(data: dict[str, Any]) -> Study:
    return record_to_study(data, "2026-01-01", "file")


def load(text: str, name: str = "x.yaml") -> Study | None:
    return validate_data(parse_yaml(text, name), text, name)[0]


def written(tmp_path: Path, study: Study) -> Path:
    path = tmp_path / f"{study.id}.yaml"
    path.write_text(study_yaml(study), encoding="utf-8")
    return path


# --- statistic and spread --------------------------------------------------------------


def test_a_mean_and_its_sd_are_fields_not_words_in_the_note() -> None:
    study = imported(record("NCT00382863"))
    kccq = next(e for e in study.endpoints if e.id == "secondary-2")
    treatment = kccq.results["treatment"]
    assert (treatment.statistic, treatment.value, treatment.sd) == ("mean", 12.6, 18.2)
    assert treatment.note is None  # "mean; SD 18.2" lived here before: not twice
    assert result_text(treatment) == "mean 12.6 score on a scale (SD 18.2)"

    hfss = imported(record("NCT00323037")).endpoints[0].results["coreg-immediate-release"]
    assert (hfss.statistic, hfss.value, hfss.sd) == ("mean", -18.36, 18.84)
    assert result_text(hfss) == "mean −18.36 mL/m^2 (SD 18.84)"


def test_a_median_keeps_its_full_range_as_two_figures() -> None:
    lv_mass = next(
        e for e in imported(record("NCT00382863")).endpoints if e.id == "secondary-3"
    ).results["treatment"]
    assert (lv_mass.statistic, lv_mass.value, lv_mass.range) == ("median", -19.0, (-119.0, 81.0))
    assert lv_mass.ci is None  # a full range is not a confidence interval
    assert result_text(lv_mass) == "median −19.0 grams (range −119.0 to 81.0)"

    tmax = next(
        e for e in imported(record("NCT03031496")).endpoints if e.id == "secondary-2.1"
    ).results["treatment-a"]
    assert (tmax.statistic, tmax.range) == ("median", (1.01, 4.51))
    assert result_text(tmax) == "median 2.505 hour (range 1.01–4.51)"


def test_a_median_keeps_its_interquartile_range() -> None:
    vo2 = imported(record("NCT01542502")).endpoints[0].results["anakinra"]
    assert (vo2.statistic, vo2.value, vo2.iqr) == ("median", 1.1, (0.6, 2.3))
    assert result_text(vo2) == "median 1.1 ml*kg^-1*min^-1 (IQR 0.6–2.3)"
    pasp = imported(record("NCT01060020")).endpoints[0].results["sildenafil-40mg-or-80mg"]
    assert (pasp.statistic, pasp.value, pasp.iqr) == ("median", -25.0, (-32.0, -21.0))
    assert result_text(pasp) == "median −25% (IQR −32 to −21)"


def test_least_squares_means_standard_errors_and_geometric_cvs() -> None:
    pain = next(
        e for e in imported(record("NCT02552212")).endpoints if e.id == "secondary-2"
    ).results["placebo"]
    assert (pain.statistic, pain.value, pain.se, pain.sd) == (
        "least-squares-mean",
        -0.38,
        0.21,
        None,
    )
    assert result_text(pain) == "LS mean −0.38 scores on a scale (SE 0.21)"
    pk = imported(record("NCT03031496"))
    auc = next(e for e in pk.endpoints if e.id == "primary-1.1").results["treatment-a"]
    assert (auc.statistic, auc.geometric_cv) == ("geometric-mean", 22.0)
    assert result_text(auc).endswith("(geometric CV 22.0%)")


def test_the_statistic_comes_from_the_parameter_type_never_from_words() -> None:
    """derived: a measure titled "Mean …" reported as MEDIAN is a median."""
    data = record("NCT00382863")
    measures = data["resultsSection"]["outcomeMeasuresModule"]["outcomeMeasures"]
    measure = next(m for m in measures if m.get("paramType") == "MEDIAN")
    measure["title"] = "Mean change in left ventricular mass"
    measure["dispersionType"] = "Standard Deviation"  # no spread figure: nothing to type
    study = imported(data)
    endpoint = next(e for e in study.endpoints if e.name.startswith("Mean change in left"))
    result = endpoint.results["treatment"]
    assert result.statistic == "median"
    assert (result.sd, result.range, result.iqr) == (None, None, None)


def test_a_spread_that_cannot_be_one_stays_in_words() -> None:
    """derived: an SD registered as "-3" and a range written high to low are not fields."""
    data = record("NCT00382863")
    measures = data["resultsSection"]["outcomeMeasuresModule"]["outcomeMeasures"]
    sd_measure = next(m for m in measures if m.get("dispersionType") == "Standard Deviation")
    first = sd_measure["classes"][0]["categories"][0]["measurements"][0]
    first["spread"] = "-3"
    ranged = next(m for m in measures if m.get("dispersionType") == "Full Range")
    cell = ranged["classes"][0]["categories"][0]["measurements"][0]
    cell["lowerLimit"], cell["upperLimit"] = cell["upperLimit"], cell["lowerLimit"]
    study = imported(data)
    notes = [r.note or "" for e in study.endpoints for r in e.results.values()]
    assert any("SD as registered: -3" in n for n in notes)
    assert any(n.startswith("full range as registered: ") for n in notes)


# --- covariates -----------------------------------------------------------------------


def test_covariates_are_kept_in_the_records_words_beside_the_comparison() -> None:
    linagliptin = imported(record("NCT03429543"))
    stated = [c for e in linagliptin.endpoints for c in e.comparisons if c.adjusted_for]
    assert stated[0].adjusted_for == (
        "baseline of response variable and baseline of response variable-by-visit interaction"
    )
    erlotinib = imported(record("NCT00602030"))
    adjusted = [c for e in erlotinib.endpoints for c in e.comparisons if c.adjusted_for]
    assert {c.adjusted_for for c in adjusted} == {"the smoking history stratification factor"}
    page = build_page(erlotinib, audit_study(erlotinib))
    facts = [f for f in page.facts if f.kind == "comparison" and f.adjusted_for]
    assert facts and all("adjusted for the smoking history" in f.qualifier_words for f in facts)


def test_show_prints_adjusted_for_beside_the_effect(tmp_path: Path) -> None:
    path = written(tmp_path, imported(record("NCT00602030")))
    result = CliRunner().invoke(app, ["show", str(path), "--section", "endpoints"])
    assert result.exit_code == 0, result.output
    assert "adjusted for the smoking history" in " ".join(result.output.split())
    csv = CliRunner().invoke(app, ["show", str(path), "--format", "csv"])
    assert "the smoking history stratification factor" in csv.output


@pytest.mark.parametrize(
    ("text", "covariates", "strata"),
    [
        # NCT02501811's statisticalComment
        (
            "The change in LVEF was compared using ANCOVA analyses adjusting for baseline values.",
            "baseline values",
            None,
        ),
        # NCT02130557's estimateComment
        (
            "95% CI for the odds ratio adjusted for sokal risk group and region are based on "
            "Mantel-Haenszel confidence limits.",
            "sokal risk group and region",
            None,
        ),
        # NCT02130557's: stratification
        (
            "P-value is based on the proportional subdistribution hazards model stratified by "
            "Sokal risk group and region.",
            None,
            "Sokal risk group and region",
        ),
        # NCT01052428's pValueComment: multiplicity is not a covariate
        ("not adjusted for multiple comparisons", None, None),
        (
            "An ANCOVA model with treatment as fixed effect and baseline value as covariate.",
            "baseline value",
            None,
        ),
    ],
)
def test_covariates_in_words(text: str, covariates: str | None, strata: str | None) -> None:
    assert adjusted_for([text]) == covariates
    assert stratified_by([text]) == strata


@pytest.mark.parametrize("nct", ["NCT00382863", "NCT02291237"])
def test_the_statistical_comment_is_no_longer_dropped(nct: str) -> None:
    data = record(nct)
    study = imported(copy.deepcopy(data))
    comments = [
        a["statisticalComment"]
        for m in data["resultsSection"]["outcomeMeasuresModule"]["outcomeMeasures"]
        for a in m.get("analyses", [])
        if a.get("statisticalComment")
    ]
    notes = " ".join(c.note or "" for e in study.endpoints for c in e.comparisons)
    assert comments and all(" ".join(c.split())[:60] in notes for c in comments)


# --- baseline, references, limitations ---------------------------------------------------


def test_baseline_denominators_per_arm_and_in_all() -> None:
    coreg = imported(record("NCT00323037"))
    assert {a.id: a.at_baseline.value for a in coreg.arms if a.at_baseline} == {
        "coreg-immediate-release": 165,
        "coreg-controlled-release": 153,
    }
    assert coreg.population.at_baseline is not None
    assert coreg.population.at_baseline.value == 318
    sprint = imported(record("NCT01206062"))
    assert [a.at_baseline.value for a in sprint.arms if a.at_baseline] == [4678, 4683]
    assert sprint.population.at_baseline is not None
    assert sprint.population.at_baseline.value == 9361


def test_a_record_without_baseline_has_no_baseline_count() -> None:
    study = imported(record("NCT00260546"))  # no baseline module
    assert study.population.at_baseline is None
    assert all(a.at_baseline is None for a in study.arms)


def test_results_references_are_kept_and_the_others_counted() -> None:
    stem_cells = imported(record("NCT00684021"))
    assert [(r.kind, r.pmid) for r in stem_cells.references] == [("result", "23129008")]
    certolizumab = imported(record("NCT02552212"))
    assert [r.pmid for r in certolizumab.references] == ["35296532", "35733363"]
    assert all(r.citation for r in certolizumab.references)
    # NCT00323037 lists 13 references, none of its results: counted, not silently gone.
    coreg = imported(record("NCT00323037"))
    assert coreg.references == []
    assert any("13 background references" in n.text for n in coreg.notes)


def test_limitations_and_caveats_are_kept_and_shown(tmp_path: Path) -> None:
    heartnet = imported(record("NCT00382863"))
    assert heartnet.limitations is not None
    assert heartnet.limitations.text.startswith("An interim analysis indicated trial futility")
    eleclazine = imported(record("NCT02291237"))
    assert eleclazine.limitations is not None
    assert eleclazine.limitations.text.startswith("The totality of the data did not support")
    path = written(tmp_path, heartnet)
    shown = CliRunner().invoke(app, ["show", str(path), "--section", "notes"])
    assert "Limitations and caveats: An interim analysis" in shown.output
    html = CliRunner().invoke(app, ["show", str(path), "--format", "html"])
    assert "<h2>Limitations and caveats</h2>" in html.output
    assert "<li>At baseline: 210 <a" in html.output  # 96 + 114, the record's Total
    full = " ".join(CliRunner().invoke(app, ["show", str(path), "--full"]).output.split())
    assert "At baseline 210 [1]" in full and "96 [1] at baseline" in full


def test_a_hostile_limitations_text_is_bounded_and_markup_safe(tmp_path: Path) -> None:
    """derived: 200,000 characters of Rich markup, HTML and control characters."""
    data = record("NCT00382863")
    hostile = "[bold red]Not styled[/] <script>alert(1)</script> \x1b[31m " * 4000
    data["resultsSection"]["moreInfoModule"]["limitationsAndCaveats"]["description"] = hostile
    study = imported(data)
    assert study.limitations is not None
    assert len(study.limitations.text) <= 5000 and study.limitations.text.endswith("…")
    path = written(tmp_path, study)
    reloaded = load(path.read_text(encoding="utf-8"))
    assert reloaded is not None and reloaded.limitations == study.limitations
    shown = CliRunner().invoke(app, ["show", str(path), "--section", "notes"])
    assert shown.exit_code == 0
    words = " ".join(shown.output.split())
    assert "[bold red]Not styled[/]" in words  # printed, not interpreted
    assert "\x1b" not in shown.output
    assert "(whole in the study file)" in words
    html = CliRunner().invoke(app, ["show", str(path), "--format", "html"]).output
    assert "<script>" not in html and "&lt;script&gt;" in html


# --- item 6: counts of people -----------------------------------------------------------


def test_participants_reported_as_number_are_counts_of_people_out_of_the_denominators() -> None:
    rosiglitazone = imported(record("NCT00381238"))
    ae = rosiglitazone.endpoints[0]
    assert ae.name.startswith("Number of Participants With Adverse Events")
    assert ae.kind == "proportion"  # was "continuous", with its value printed as a figure
    result = ae.results["rsg-xr-8-mg"]
    assert (result.n, result.N, result.value, result.unit) == (25, 33, None, None)
    assert result_text(result) == "25/33"
    epidural = imported(record("NCT03826186"))
    endpoint = next(e for e in epidural.endpoints if e.id == "secondary-2.1")
    assert endpoint.kind == "proportion"
    counts = {k: (r.n, r.N) for k, r in endpoint.results.items()}
    assert counts == {"traditional-epidural": (28, 57), "compuflo-epidural-group": (18, 60)}
    effect = next(a for a in absolute_effects(epidural) if a.endpoint == "secondary-2.1")
    assert effect.inputs == ("18/60", "28/57")  # the NNT's denominators are the measure's own


def test_a_count_of_people_without_denominators_is_a_count_without_nnt() -> None:
    """derived: NCT03826186 with the measure's denominators removed."""
    data = record("NCT03826186")
    for measure in data["resultsSection"]["outcomeMeasuresModule"]["outcomeMeasures"]:
        measure.pop("denoms", None)
        for group in measure.get("classes", []):
            group.pop("denoms", None)
    study = imported(data)
    endpoint = next(e for e in study.endpoints if e.id == "secondary-2.1")
    assert endpoint.kind == "count"
    assert {r.N for r in endpoint.results.values()} == {None}
    assert not [a for a in absolute_effects(study) if a.endpoint == endpoint.id]
    assert endpoint.note is not None and "kept as counts, not proportions" in endpoint.note


def test_a_count_of_people_with_a_ci_keeps_the_ci_in_words_only() -> None:
    """derived: a registered 95% CI around a count of people is no claim about the count."""
    data = record("NCT02946853")
    measures = data["resultsSection"]["outcomeMeasuresModule"]["outcomeMeasures"]
    measure = next(
        m
        for m in measures
        if m.get("paramType") == "NUMBER" and m.get("unitOfMeasure", "").lower() == "participants"
    )
    measure["dispersionType"] = "95% Confidence Interval"
    for group in measure["classes"]:
        for category in group["categories"]:
            for cell in category["measurements"]:
                cell["lowerLimit"], cell["upperLimit"] = "0", "13"
    study = imported(data)
    counted = [r for e in study.endpoints for r in e.results.values() if r.n is not None]
    assert counted and all(r.ci is None for r in counted)
    assert any("95% CI as registered: 0 to 13" in (r.note or "") for r in counted)


# --- the house -------------------------------------------------------------------------


def test_every_closed_set_of_the_formats_words_has_one_home() -> None:
    """No module spells again a Literal that model/kinds.py defines (or a set of its words)."""
    kinds_tree = ast.parse((PACKAGE / "model" / "kinds.py").read_text(encoding="utf-8"))
    homes = {frozenset(words) for words in _literals(kinds_tree) if len(words) > 1}
    spelt_again = []
    for path in sorted(PACKAGE.rglob("*.py")):
        if path == PACKAGE / "model" / "kinds.py":
            continue
        for words in _literals(ast.parse(path.read_text(encoding="utf-8"))):
            if frozenset(words) in homes:
                spelt_again.append(f"{path.relative_to(PACKAGE)}: {sorted(words)}")
    assert spelt_again == []


def _literals(tree: ast.AST) -> list[set[str]]:
    found = []
    for node in ast.walk(tree):
        if (
            isinstance(node, ast.Subscript)
            and isinstance(node.value, ast.Name)
            and node.value.id == "Literal"
        ):
            items = node.slice.elts if isinstance(node.slice, ast.Tuple) else [node.slice]
            found.append({i.value for i in items if isinstance(i, ast.Constant)})
    return found


def test_every_fixture_reimports_into_a_file_that_loads(tmp_path: Path) -> None:
    paths = sorted(FIXTURES.glob("ctgov*/*.json"))
    assert len(paths) == 17
    for path in paths:
        study = imported(json.loads(path.read_text(encoding="utf-8")))
        assert load(study_yaml(study), path.name) == study, path.name


def test_the_new_fields_survive_a_round_trip() -> None:
    study = imported(copy.deepcopy(record("NCT03031496")))
    again = load(study_yaml(study))
    assert again is not None
    auc = next(e for e in again.endpoints if e.id == "primary-1.1").results["treatment-a"]
    assert (auc.statistic, auc.geometric_cv) == ("geometric-mean", 22.0)
