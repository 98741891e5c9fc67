"""`trialcli compare --pool`: what is pooled, what is not and why, against statsmodels.

statsmodels' figures are pinned in tests/reference/statsmodels.json
(tests/reference/statsmodels_values.py regenerates them from the inputs below).
"""

from __future__ import annotations

import csv
import io
import json
import math

import pytest
from pinned import statsmodels
from typer.testing import CliRunner

from trialcli.catalog import Catalog
from trialcli.cli import app
from trialcli.model import Comparison, Study
from trialcli.ops.compare import ForestPlot, compare_studies
from trialcli.ops.pool import PoolOptions, PoolResult, pool_method, pool_rows
from trialcli.stats import z_for

ARR = "annualized-relapse-rate"
SDW = "sustained-disability-worsening"


@pytest.fixture(scope="module")
def bundled() -> list[Study]:
    catalog = Catalog.discover()
    return [catalog.load(ref) for ref in ("camms223", "care-ms-i", "care-ms-ii")]


def pool_plot(
    plot: ForestPlot, studies: list[Study], method: str = "reml", mixed: bool = False
) -> PoolResult:
    # `mixed`: across follow-ups and with CAMMS223's pooled-doses group, as asked for.
    options = PoolOptions(
        pool_method(method), allow_mixed_follow_up=mixed, allow_pooled_doses=mixed
    )
    return pool_rows(plot.rows, studies, plot.code, options)


# Rate ratios for relapse (CARE-MS I, CARE-MS II) and hazard ratios for disability
# worsening (CAMMS223, CARE-MS I, CARE-MS II): estimate, CI low, CI high.
ARR_ESTIMATES = [(0.45, 0.32, 0.63), (0.51, 0.39, 0.65)]
SDW_ESTIMATES = [(0.29, 0.16, 0.54), (0.70, 0.40, 1.23), (0.58, 0.38, 0.87)]
# CARE-MS I 82/376 vs 75/187, CARE-MS II 147/426 vs 104/202.
MH_COUNTS = [(82, 376, 75, 187), (147, 426, 104, 202)]


def log_and_variance(estimates: list[tuple[float, float, float]]) -> tuple[list[float], ...]:
    z = z_for(95)
    effects = [math.log(e) for e, _, _ in estimates]
    variances = [((math.log(u) - math.log(lo)) / (2 * z)) ** 2 for _, lo, u in estimates]
    return effects, variances


def test_relapse_rate_pools_the_two_rate_ratios_and_leaves_out_the_hazard_ratio(
    bundled: list[Study],
) -> None:
    result = pool_plot(compare_studies(bundled, ARR), bundled, "reml")
    [pooled] = result.panels
    assert pooled.measure == "rate-ratio"
    assert pooled.study_ids == ("care-ms-i", "care-ms-ii")
    assert pooled.compares == "alemtuzumab vs active comparator"
    # CARE-MS I 0.45 (0.32–0.63) and CARE-MS II 0.51 (0.39–0.65), checked with statsmodels.
    reference = statsmodels()["pool_arr"]
    # Q (0.33) is below its df (1): DerSimonian–Laird truncates τ² at 0, as metafor does, so
    # the random-effects estimate is the fixed-effect one. statsmodels' "chi2" leaves τ²
    # negative (−0.0156) and so differs from both; the fixed-effect figure is the check.
    assert reference["tau2"] < 0
    assert pooled.statistics.heterogeneity.tau2 == 0
    assert round(math.log(pooled.estimate), 4) == round(reference["mean_effect_fe"], 4)
    assert round(pooled.statistics.heterogeneity.q, 4) == round(reference["q"], 4)
    assert (round(pooled.estimate, 2), round(pooled.ci[0], 2), round(pooled.ci[1], 2)) == (
        0.49,
        0.40,
        0.60,
    )
    # Two studies: τ² shown but flagged, and no prediction interval.
    assert pooled.tau2_unreliable
    assert pooled.prediction is None
    [left_out] = result.not_pooled
    assert (left_out.acronym, left_out.measure) == ("CAMMS223", "hazard-ratio")
    assert "never pooled with rate ratios" in left_out.reason


def test_three_hazard_ratios_get_a_prediction_interval_matching_statsmodels(
    bundled: list[Study],
) -> None:
    # CAMMS223 reports disability at 36 months for its 12 + 24 mg groups together, CARE-MS I
    # and II at 2 years for 12 mg: pooled across time frames and doses only when asked, and
    # then every follow-up and the pooled doses are named.
    result = pool_plot(compare_studies(bundled, SDW), bundled, "dl", mixed=True)
    [pooled] = result.panels
    assert pooled.follow_ups == ("36 months", "2 years", "2 years")
    assert pooled.mixed_follow_up
    assert pooled.pooled_doses == ("CAMMS223 12 mg/day + 24 mg/day",)
    assert pooled.statistics.k == 3
    reference = statsmodels()["pool_sdw"]
    assert round(math.log(pooled.estimate), 4) == round(reference["mean_effect_re"], 4)
    assert round(math.log(pooled.ci[0]), 4) == round(reference["re_ci_low"], 4)
    assert round(pooled.statistics.heterogeneity.tau2, 4) == round(reference["tau2"], 4)
    assert round(pooled.statistics.heterogeneity.i2, 2) == round(100 * reference["i2"], 2)
    assert pooled.prediction is not None
    assert pooled.prediction[0] < pooled.ci[0] and pooled.prediction[1] > pooled.ci[1]
    assert not pooled.tau2_unreliable


def _edited(study: Study, endpoint_id: str, **changes: object) -> Study:
    endpoints = []
    for endpoint in study.endpoints:
        if endpoint.id == endpoint_id:
            first = endpoint.comparisons[0].model_copy(update=changes)
            endpoint = endpoint.model_copy(
                update={"comparisons": [first, *endpoint.comparisons[1:]]}
            )
        endpoints.append(endpoint)
    return study.model_copy(update={"endpoints": endpoints})


def test_a_one_sided_interval_is_not_pooled_as_if_two_sided(bundled: list[Study]) -> None:
    camms, care1, care2 = bundled
    studies = [camms, care1, _edited(care2, "arr", ci_sides="one-sided")]
    result = pool_plot(compare_studies(studies, ARR), studies)
    assert result.panels == ()
    reasons = {item.acronym: item.reason for item in result.not_pooled}
    assert reasons["CARE-MS II"] == (
        "a one-sided CI: its standard error is not read as from a two-sided one"
    )


def test_unknown_direction_is_never_pooled(bundled: list[Study]) -> None:
    camms, care1, care2 = bundled
    studies = [camms, care1, _edited(care2, "arr", direction="unknown")]
    plot = compare_studies(studies, ARR)
    # compare itself never draws a comparison of unknown direction: it lists it with the
    # reason, so it never reaches pooling, and CARE-MS I is left without a partner.
    assert any(
        item.study_id == "care-ms-ii" and "direction" in item.reason for item in plot.not_drawn
    )
    result = pool_plot(plot, studies)
    assert result.panels == ()
    reasons = {item.acronym: item.reason for item in result.not_pooled}
    assert "CARE-MS II" not in reasons
    assert "pooling needs two" in reasons["CARE-MS I"] or "never pooled" in reasons["CARE-MS I"]


def test_inferred_direction_is_pooled_and_said(bundled: list[Study]) -> None:
    studies = [*bundled[:2], _edited(bundled[2], "arr", direction="inferred")]
    [pooled] = pool_plot(compare_studies(studies, ARR), studies).panels
    assert pooled.study_ids == ("care-ms-i", "care-ms-ii")
    assert pooled.inferred == ("CARE-MS II",)


def test_reversed_groups_are_not_pooled_with_the_others(bundled: list[Study]) -> None:
    """IFN vs alemtuzumab points the other way: it is left out, never flipped silently."""
    studies = [
        *bundled[:2],
        _edited(bundled[2], "arr", arms=("ifn", "alem12"), estimate=1.96, ci=(1.54, 2.56)),
    ]
    result = pool_plot(compare_studies(studies, ARR), studies)
    reasons = {item.acronym: item.reason for item in result.not_pooled}
    assert "compares interferon beta-1a vs" in reasons["CARE-MS II"]
    assert result.panels == ()


def test_relative_reduction_without_ci_is_not_pooled(bundled: list[Study]) -> None:
    # CAMMS223's 12-mg relapse reduction (69%, no CI) drawn as a ratio once its HR is gone.
    camms = bundled[0]
    endpoints = [
        e.model_copy(
            update={"comparisons": [c for c in e.comparisons if c.measure != "hazard-ratio"]}
        )
        if e.id == "arr"
        else e
        for e in camms.endpoints
    ]
    studies = [camms.model_copy(update={"endpoints": endpoints}), *bundled[1:]]
    result = pool_plot(compare_studies(studies, ARR), studies)
    [pooled] = result.panels
    assert "camms223" not in pooled.study_ids
    camms_reasons = [i.reason for i in result.not_pooled if i.study_id == "camms223"]
    assert any("relative reduction without a CI" in r for r in camms_reasons)


def test_mantel_haenszel_says_it_needs_counts(bundled: list[Study]) -> None:
    result = pool_plot(compare_studies(bundled, ARR), bundled, "mantel-haenszel")
    assert result.panels == ()
    assert any("n/N in both arms" in item.reason for item in result.not_pooled)


def test_cli_pool_shows_the_pooled_rate_ratio_and_what_it_left_out(runner: CliRunner) -> None:
    result = runner.invoke(app, ["compare", "--drug", "alemtuzumab", "-e", ARR, "--pool"])
    assert result.exit_code == 0, result.output
    out = " ".join(result.output.split())
    assert "Pooled, 2 studies" in out
    assert "0.49 (0.40–0.60)" in out
    assert "random effects, REML" in out
    # Review L2: the row's "I² 0% (REML τ²)" and the footer name the same I².
    assert "I² 0% (REML τ²)" in out
    assert "Q = 0.33 (df 1), p = 0.563; I² = 0% of the REML τ² and from Q alike" in out
    assert "too imprecise" in out
    # The test for the overall effect (metafor: z −6.9076, SE 0.1040 of the log ratio).
    assert "Test for overall effect: z = −6.91, p<0.0001; SE 0.104 (log scale)" in out
    assert "Drawn but not pooled:" in out
    assert "CAMMS223: hazard ratio 0.26 (0.16–0.41)" in out
    assert "nothing is pooled unless" not in out


def test_cli_pool_json_and_csv_carry_every_number_with_its_method(runner: CliRunner) -> None:
    args = ["compare", "--drug", "alemtuzumab", "-e", ARR, "--pool", "--method", "fixed"]
    data = json.loads(runner.invoke(app, [*args, "-f", "json"]).output)
    [pooled] = data["pooled_estimate"]
    assert pooled["method"] == "fixed"
    assert pooled["studies"] == ["care-ms-i", "care-ms-ii"]
    assert round(pooled["estimate"], 2) == 0.49
    assert pooled["heterogeneity"]["df"] == 1
    assert pooled["prediction_interval"] is None
    assert data["not_pooled"][0]["study"] == "camms223"
    rows = list(csv.DictReader(io.StringIO(runner.invoke(app, [*args, "-f", "csv"]).output)))
    [summary] = [r for r in rows if r["study"] == "pooled"]
    assert summary["method"] == "fixed effect, inverse variance"
    assert summary["text"] == "0.49 (0.40–0.60)"
    camms = next(r for r in rows if r["study"] == "camms223" and r["drawn"] == "true")
    assert camms["pooled"] == "false"
    assert camms["reason"].startswith("not pooled:")


def test_hksj_and_method_need_pool(runner: CliRunner) -> None:
    result = runner.invoke(app, ["compare", "--drug", "alemtuzumab", "-e", ARR, "--hksj"])
    assert result.exit_code == 2
    assert "add --pool" in result.output


def _with_risk_ratio(study: Study, study_id: str | None = None, events: int | None = None) -> Study:
    """The study's relapse-proportion endpoint given a risk ratio row (the counts' own RR)."""
    endpoints = []
    for endpoint in study.endpoints:
        if endpoint.id == "relapse-proportion":
            results = dict(endpoint.results)
            if events is not None:
                results = {k: r.model_copy(update={"n": events}) for k, r in results.items()}
            a, b = results["alem12"], results["ifn"]
            assert a.n is not None and a.N and b.n is not None and b.N
            ratio = (a.n / a.N) / (b.n / b.N) if b.n else 1.0
            comparison = Comparison(
                measure="risk-ratio",
                estimate=ratio,
                ci=(ratio / 2, ratio * 2),
                arms=("alem12", "ifn"),
            )
            endpoint = endpoint.model_copy(update={"results": results, "comparisons": [comparison]})
        endpoints.append(endpoint)
    return study.model_copy(update={"endpoints": endpoints, "id": study_id or study.id})


def test_mantel_haenszel_pools_counts_and_leaves_out_a_study_without_events(
    bundled: list[Study],
) -> None:
    studies = [
        _with_risk_ratio(bundled[1]),
        _with_risk_ratio(bundled[2]),
        _with_risk_ratio(bundled[1], "no-events", events=0),
    ]
    result = pool_plot(compare_studies(studies, "relapse-proportion"), studies, "mantel-haenszel")
    [pooled] = result.panels
    assert pooled.study_ids == ("care-ms-i", "care-ms-ii")
    assert pooled.statistics.method == "mantel-haenszel"
    reference = statsmodels()["pool_mantel_haenszel"]
    assert round(pooled.estimate, 4) == round(reference["riskratio_pooled"], 4)
    [left_out] = result.not_pooled
    assert left_out.study_id == "no-events"
    assert left_out.reason == "no events in either arm: no information on a ratio"


@pytest.mark.parametrize("method", ["fixed", "fe", "mantel-haenszel", "mh"])
@pytest.mark.parametrize("flag", ["--hksj", "--hksj-adhoc"])
def test_hksj_is_refused_with_a_fixed_effect_model(
    runner: CliRunner, method: str, flag: str
) -> None:
    args = ["compare", "--drug", "alemtuzumab", "-e", ARR, "--pool", "--method", method, flag]
    result = runner.invoke(app, args)
    assert result.exit_code == 2
    assert "adjusts a random-effects CI" in " ".join(result.output.split())
    assert "Traceback" not in result.output


@pytest.mark.parametrize(
    ("alias", "method"),
    [("dl", "dersimonian-laird"), ("pm", "paule-mandel"), ("fe", "fixed"), ("reml", "reml")],
)
def test_metafor_method_names_are_accepted(runner: CliRunner, alias: str, method: str) -> None:
    args = ["compare", "--drug", "alemtuzumab", "-e", ARR, "--pool", "--method", alias]
    data = json.loads(runner.invoke(app, [*args, "-f", "json"]).output)
    assert data["pooled_estimate"][0]["method"] == method


def test_hksj_adhoc_is_named_and_never_narrower(runner: CliRunner) -> None:
    base = ["compare", "--drug", "alemtuzumab", "-e", ARR, "--pool", "-f", "json"]
    standard = json.loads(runner.invoke(app, base).output)["pooled_estimate"][0]
    adhoc = json.loads(runner.invoke(app, [*base, "--hksj-adhoc"]).output)["pooled_estimate"][0]
    assert adhoc["hksj_adhoc"] and "ad hoc: never narrower" in adhoc["method_name"]
    assert adhoc["ci"]["lower"] <= standard["ci"]["lower"]
    assert adhoc["ci"]["upper"] >= standard["ci"]["upper"]
    # metafor test="adhoc" on the two rate ratios: t with 1 df, p 0.0915.
    assert adhoc["overall_effect"]["statistic"] == "t" and adhoc["overall_effect"]["df"] == 1
    assert round(adhoc["overall_effect"]["p"], 4) == 0.0915


def test_follow_ups_are_never_pooled_under_one_label_unless_asked(
    bundled: list[Study], runner: CliRunner
) -> None:
    result = pool_plot(compare_studies(bundled, SDW), bundled, "reml")
    [pooled] = result.panels
    assert pooled.acronyms == ("CARE-MS I", "CARE-MS II")
    assert set(pooled.follow_ups) == {"2 years"}
    reasons = {item.acronym: item.reason for item in result.not_pooled}
    assert reasons["CAMMS223"].startswith(
        "compares alemtuzumab (12 mg/day + 24 mg/day pooled) vs active comparator: not one "
        "dose's estimate"
    )
    args = ["compare", "--drug", "alemtuzumab", "-e", SDW, "--pool", "--allow-mixed-follow-up"]
    out = " ".join(runner.invoke(app, [*args, "--allow-pooled-doses"]).output.split())
    assert (
        "Pooled across different follow-ups (--allow-mixed-follow-up): CAMMS223 36 months, "
        "CARE-MS I 2 years, CARE-MS II 2 years" in out
    )
    # With three studies, the prediction interval comes with its caveat.
    assert "(from only 3 studies, on t with 1 df: very imprecise" in out


def test_a_weight_under_one_percent_is_not_printed_as_zero() -> None:
    from trialcli.render.forest_text import weight_text

    assert weight_text(0.3) == "<1%"
    assert weight_text(0.99) == "<1%"
    assert weight_text(1.2) == "1%"
    assert weight_text(36.4) == "36%"


def test_a_pooled_doses_group_is_not_pooled_as_if_it_were_the_usual_dose(
    bundled: list[Study], runner: CliRunner
) -> None:
    """CAMMS223 reports disability worsening for its 12 and 24 mg arms together (HR 0.29);
    its 12 mg arm alone has only a relative reduction without a CI. Even across follow-ups
    it is left out, named with the reason, unless --allow-pooled-doses."""
    options = PoolOptions("reml", allow_mixed_follow_up=True)
    result = pool_rows(compare_studies(bundled, SDW).rows, bundled, SDW, options)
    [pooled] = result.panels
    assert pooled.acronyms == ("CARE-MS I", "CARE-MS II")
    assert pooled.compares == "alemtuzumab vs active comparator"
    [left_out] = result.not_pooled
    assert (left_out.acronym, left_out.text) == ("CAMMS223", "0.29 (0.16–0.54)")
    assert "12 mg/day + 24 mg/day pooled" in left_out.reason
    assert "--allow-pooled-doses" in left_out.reason
    # Two studies with one each: the tie goes to the one dose, never to the pooled doses.
    two = [s for s in bundled if s.id != "care-ms-ii"]
    tied = pool_rows(compare_studies(two, SDW).rows, two, SDW, options)
    assert tied.panels == ()
    reasons = {item.acronym: item.reason for item in tied.not_pooled}
    assert "not one dose's estimate" in reasons["CAMMS223"]
    args = ["compare", "--drug", "alemtuzumab", "-e", SDW, "--pool", "--allow-mixed-follow-up"]
    out = " ".join(runner.invoke(app, [*args, "-f", "csv"]).output.split())
    assert "not pooled: compares alemtuzumab (12 mg/day + 24 mg/day pooled)" in out
    asked = runner.invoke(app, [*args, "--allow-pooled-doses"]).output
    assert (
        "Pooled with a group of several doses (--allow-pooled-doses): CAMMS223 12 mg/day + "
        "24 mg/day" in " ".join(asked.split())
    )
    refused = runner.invoke(app, ["compare", "--drug", "alemtuzumab", "-e", SDW,
                                  "--allow-pooled-doses"])  # fmt: skip
    assert refused.exit_code == 2 and "add --pool" in refused.output


@pytest.mark.parametrize("form", ["csv", "json", "markdown"])
def test_every_pooled_row_says_its_test_and_follow_up(runner: CliRunner, form: str) -> None:
    args = ["compare", "--drug", "alemtuzumab", "-e", SDW, "--pool", "-f", form]
    result = runner.invoke(app, args)
    assert result.exit_code == 0, result.output
    if form == "json":
        data = json.loads(result.output)
        [pooled] = data["pooled_estimate"]
        assert pooled["tests"] == ["superiority", "superiority"]
        assert pooled["follow_ups"] == ["2 years", "2 years"]
        rows = {row["acronym"]: row for row in data["rows"]}
        assert rows["CAMMS223"]["test"] == "superiority"
        assert rows["CAMMS223"]["time_frame"] == "36 months"
        return
    if form == "csv":
        records = list(csv.DictReader(io.StringIO(result.output)))
    else:
        lines = [line for line in result.output.splitlines() if line.startswith("|")]
        heads = [cell.strip() for cell in lines[0].strip("|").split("|")]
        records = [
            dict(zip(heads, (c.strip() for c in line.strip("|").split("|")), strict=True))
            for line in lines[2:]
        ]
    by_name = {(r["acronym"], r["measure"]): r for r in records}
    pooled = by_name[("Pooled, 2 studies", "hazard-ratio")]
    assert (pooled["test"], pooled["follow_up"]) == ("superiority", "2 years")
    camms = by_name[("CAMMS223", "hazard-ratio")]
    assert (camms["test"], camms["follow_up"]) == ("superiority", "36 months")
    assert by_name[("CARE-MS I", "hazard-ratio")]["follow_up"] == "2 years"


def test_where_the_study_reports_one_dose_that_row_is_the_one_pooled(bundled: list[Study]) -> None:
    """A synthetic variant: CAMMS223 given a 12 mg hazard ratio with a CI for disability
    (0.40, 0.20–0.80: made up for this test, no source states it) beside its real 12 + 24 mg
    one. The 12 mg row is pooled with CARE-MS I and II; the pooled-doses row is named."""
    camms = bundled[0]
    pooled_doses = next(c for e in camms.endpoints if e.id == "sad" for c in e.comparisons)
    one_dose = pooled_doses.model_copy(
        update={"estimate": 0.40, "ci": (0.20, 0.80), "arms": ("alem12", "ifn")}
    )
    endpoints = [
        e.model_copy(update={"comparisons": [*e.comparisons, one_dose]}) if e.id == "sad" else e
        for e in camms.endpoints
    ]
    studies = [camms.model_copy(update={"endpoints": endpoints}), *bundled[1:]]
    options = PoolOptions("reml", allow_mixed_follow_up=True)
    result = pool_rows(compare_studies(studies, SDW).rows, studies, SDW, options)
    [pooled] = result.panels
    assert pooled.acronyms == ("CAMMS223", "CARE-MS I", "CARE-MS II")
    camms_row = pooled.rows[0]
    assert camms_row.arms == ("alem12", "ifn") and camms_row.estimate == 0.40
    assert pooled.pooled_doses == ()
    [left_out] = [item for item in result.not_pooled if item.acronym == "CAMMS223"]
    assert left_out.text == "0.29 (0.16–0.54)" and "not one dose's estimate" in left_out.reason


def test_markdown_says_a_field_does_not_apply_rather_than_not_reported(runner: CliRunner) -> None:
    """Review M5: the pooled row's population and direction, and a study row's method, Q and
    τ², read "—" (CSV leaves them blank); "not reported" stays for an unknown value."""
    args = ["compare", "care-ms-i", "care-ms-ii", "-e", "annualized-relapse-rate", "--pool"]
    lines = runner.invoke(app, [*args, "-f", "markdown"]).output.splitlines()
    head = [c.strip() for c in lines[0].strip("|").split("|")]
    rows = [dict(zip(head, (c.strip() for c in line.strip("|").split("|")), strict=True))
            for line in lines[2:]]  # fmt: skip
    [pooled] = [r for r in rows if r["study"] == "pooled"]
    for field in ("population", "n_experimental", "direction", "p_value", "prediction_lower"):
        assert pooled[field] == "—", field
    study = next(r for r in rows if r["study"] == "care-ms-i" and r["measure"] == "rate-ratio")
    for field in ("method", "q", "tau2", "continuity_corrected"):
        assert study[field] == "—", field
    assert study["weight_percent"] == "36.25"
    # A relative reduction reported without a CI: its CI is unknown, not inapplicable.
    reduction = next(r for r in rows if r["measure"] == "relative-reduction")
    assert reduction["ci_lower"] == "not reported" and reduction["weight_percent"] == "—"
    csv_rows = list(csv.DictReader(io.StringIO(runner.invoke(app, [*args, "-f", "csv"]).output)))
    assert csv_rows[-1]["population"] == "" and csv_rows[0]["q"] == ""


def test_drawn_but_not_pooled_names_every_reason(runner: CliRunner) -> None:
    """Review L1: CAMMS223's SAD named only its pooled doses, not its 36-month follow-up, so
    --allow-pooled-doses alone revealed a second reason."""
    args = ["compare", "camms223", "care-ms-i", "care-ms-ii", "-e",
            "sustained-disability-worsening", "--pool", "-f", "json"]  # fmt: skip
    data = json.loads(runner.invoke(app, args).output)
    [reason] = [n["reason"] for n in data["not_pooled"] if n["acronym"] == "CAMMS223"]
    assert "12 mg/day + 24 mg/day pooled" in reason and "--allow-pooled-doses" in reason
    assert "follow-up 36 months, where the pooled rows are at 2 years" in reason
    doses = json.loads(runner.invoke(app, [*args, "--allow-pooled-doses"]).output)
    [alone] = [n["reason"] for n in doses["not_pooled"] if n["acronym"] == "CAMMS223"]
    assert alone.startswith("follow-up 36 months; the pooled rows are at 2 years")
