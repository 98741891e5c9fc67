"""trialcli.stats.meta and the sensitivity analyses against metafor, to the figures it printed.

The pinned values in tests/reference/synthesis.json were written by
tests/reference/synthesis.R (metafor 3.8-1, R 4.2); R is not needed to run these tests.
"""

from __future__ import annotations

import csv
import io
import json
import math
from pathlib import Path

import pytest
from typer.testing import CliRunner

from trialcli.catalog import Catalog
from trialcli.cli import app
from trialcli.model import Study
from trialcli.ops.compare import compare_studies
from trialcli.ops.pool import PooledPanel, PoolOptions, pool_rows
from trialcli.ops.sensitivity import cumulative, leave_one_out, subgroups
from trialcli.stats.meta import Method, inverse_variance, subgroup_difference

REFERENCE = json.loads(
    (Path(__file__).parent / "reference" / "synthesis.json").read_text(encoding="utf-8")
)
METHODS: dict[str, Method] = {
    "FE": "fixed",
    "DL": "dersimonian-laird",
    "REML": "reml",
    "PM": "paule-mandel",
}
DATASETS = ("bcg", "hine", "arr", "sad")


def close(value: float, expected: float, tolerance: float = 1e-5) -> bool:
    return abs(value - expected) <= tolerance * max(1.0, abs(expected))


@pytest.mark.parametrize("name", DATASETS)
@pytest.mark.parametrize("key", ["FE", "DL", "REML", "PM", "DL_knha", "REML_knha", "PM_adhoc"])
def test_every_method_and_test_matches_metafor(name: str, key: str) -> None:
    data = REFERENCE[name]
    expected = data["fits"][key]
    method, _, test = key.partition("_")
    pooled = inverse_variance(
        data["yi"], data["vi"], METHODS[method], hksj=test == "knha", hksj_adhoc=test == "adhoc"
    )
    found = pooled.heterogeneity
    # metafor stops its REML and PM iterations when τ² moves by under 1e-5; trialcli goes
    # on to 1e-12, so its Paule–Mandel figures differ from metafor's in the fifth decimal.
    tol = 1e-4 if method == "PM" else 1e-5

    def near(value: float, reference: float) -> bool:
        return close(value, reference, tol)

    assert near(pooled.estimate, expected["estimate"])
    assert near(pooled.se, expected["se"])
    assert near(pooled.ci[0], expected["ci_lb"]) and near(pooled.ci[1], expected["ci_ub"])
    # The test of the overall effect: z (t under Hartung–Knapp) and its p.
    assert near(pooled.z, expected["zval"])
    assert near(pooled.p, expected["pval"])
    assert near(found.tau2, expected["tau2"])
    assert close(found.q, expected["QE"]) and close(found.p, expected["QEp"], 2e-5)
    # metafor's I² is the method's own: τ²/(τ² + s²), and (Q − df)/Q for fixed effect.
    i2 = found.i2 if method == "FE" else found.i2_tau2
    assert i2 is not None and close(i2, expected["I2"], 10 * tol)


def test_reml_i2_is_not_the_q_based_one() -> None:
    """Beside REML τ² 0.110, the I² of that τ² is 60.8%, not (Q − df)/Q = 59.1%."""
    data = REFERENCE["sad"]
    pooled = inverse_variance(data["yi"], data["vi"], "reml")
    assert round(pooled.heterogeneity.i2, 1) == 59.1
    assert pooled.heterogeneity.i2_tau2 is not None
    assert round(pooled.heterogeneity.i2_tau2, 1) == 60.8


def test_plain_hartung_knapp_can_narrow_and_the_ad_hoc_variant_never_does() -> None:
    data = REFERENCE["hine"]
    standard = inverse_variance(data["yi"], data["vi"], "reml")
    plain = inverse_variance(data["yi"], data["vi"], "reml", hksj=True)
    adhoc = inverse_variance(data["yi"], data["vi"], "reml", hksj_adhoc=True)
    width = lambda p: p.ci[1] - p.ci[0]  # noqa: E731
    assert width(plain) < width(standard) and plain.hksj_narrower
    assert width(adhoc) > width(standard) and adhoc.hksj_adhoc
    expected = data["fits"]["REML_adhoc"]
    assert close(adhoc.ci[0], expected["ci_lb"]) and close(adhoc.ci[1], expected["ci_ub"])


def test_hartung_knapp_is_refused_with_fixed_effect() -> None:
    data = REFERENCE["arr"]
    with pytest.raises(ValueError, match="random effects"):
        inverse_variance(data["yi"], data["vi"], "fixed", hksj=True)


def test_subgroup_difference_matches_metafor() -> None:
    """REML within each allocation of dat.bcg, then Q between the subgroup estimates."""
    data, expected = REFERENCE["bcg"], REFERENCE["subgroups"]
    estimates, ses = [], []
    for group, tau2 in zip(expected["groups"], expected["tau2"], strict=True):
        members = [i for i, a in enumerate(data["alloc"]) if a == group]
        pooled = inverse_variance(
            [data["yi"][i] for i in members], [data["vi"][i] for i in members], "reml"
        )
        assert close(pooled.heterogeneity.tau2, tau2, 2e-5)
        estimates.append(pooled.estimate)
        ses.append(pooled.se)
    for ours, theirs in zip(estimates, expected["estimates"], strict=True):
        assert close(ours, theirs)
    q, df, p = subgroup_difference(estimates, ses)
    assert close(q, expected["Q_between"], 2e-5)
    assert df == expected["df"] == 2
    assert close(p, expected["p"], 2e-5)


# --- the sensitivity analyses of the three alemtuzumab trials, against metafor -----------

ALEMTUZUMAB = ("camms223", "care-ms-i", "care-ms-ii")
SAD = "sustained-disability-worsening"


@pytest.fixture(scope="module")
def sad_pooled() -> tuple[PooledPanel, list[Study], PoolOptions]:
    catalog = Catalog.discover()
    studies = [catalog.load(ref) for ref in ALEMTUZUMAB]
    # CAMMS223's 12 + 24 mg groups at 36 months beside 12 mg at 2 years: both asked for.
    options = PoolOptions("reml", allow_mixed_follow_up=True, allow_pooled_doses=True)
    [pooled] = pool_rows(compare_studies(studies, SAD).rows, studies, SAD, options).panels
    assert pooled.acronyms == ("CAMMS223", "CARE-MS I", "CARE-MS II")
    return pooled, studies, options


def test_leave_one_out_matches_metafor(
    sad_pooled: tuple[PooledPanel, list[Study], PoolOptions],
) -> None:
    expected = REFERENCE["leave_one_out_sad_reml"]
    analysis = leave_one_out(*sad_pooled)
    labels = [f"omitting {name}" for name in expected["omitted"]]
    assert [step.label for step in analysis.steps] == labels
    for index, step in enumerate(analysis.steps):
        assert close(math.log(step.estimate), expected["estimate"][index])
        assert close(step.se, expected["se"][index])
        assert close(math.log(step.ci[0]), expected["ci_lb"][index])
        assert close(math.log(step.ci[1]), expected["ci_ub"][index])
        assert step.tau2 is not None and close(step.tau2, expected["tau2"][index], 1e-4)
        assert step.i2 is not None and close(step.i2, expected["I2"][index], 1e-4)


def test_cumulative_by_year_matches_metafor(
    sad_pooled: tuple[PooledPanel, list[Study], PoolOptions],
) -> None:
    expected = REFERENCE["cumulative_sad_reml"]
    analysis = cumulative(*sad_pooled)
    assert [step.acronyms[-1] for step in analysis.steps] == expected["added"]
    assert analysis.steps[0].label == "+ CAMMS223 (2002)"
    for index, step in enumerate(analysis.steps):
        assert close(math.log(step.estimate), expected["estimate"][index])
        assert close(math.log(step.ci[0]), expected["ci_lb"][index])
        assert close(math.log(step.ci[1]), expected["ci_ub"][index])
    assert analysis.steps[0].i2 is None  # one study: no I²


def test_subgroups_by_follow_up_match_metafor(
    sad_pooled: tuple[PooledPanel, list[Study], PoolOptions],
) -> None:
    expected = REFERENCE["subgroups_sad_follow_up"]
    analysis = subgroups(*sad_pooled[:2], "follow-up", sad_pooled[2])
    assert [step.label for step in analysis.steps] == expected["groups"]
    for step, theirs in zip(analysis.steps, expected["estimates"], strict=True):
        assert close(math.log(step.estimate), theirs)
    assert analysis.difference is not None
    q, df, p = analysis.difference
    assert close(q, expected["Q_between"]) and df == expected["df"] and close(p, expected["p"])


def test_an_unknown_subgroup_field_is_a_message(
    sad_pooled: tuple[PooledPanel, list[Study], PoolOptions],
) -> None:
    with pytest.raises(ValueError, match=r"no field 'colour'.*follow-up"):
        subgroups(*sad_pooled[:2], "colour", sad_pooled[2])


def test_the_export_csv_is_what_metafor_pools(tmp_path: Path) -> None:
    """`rma(yi, vi)` of the exported rows is `compare --pool` (metafor REML, 3 hazard ratios)."""
    target = tmp_path / "sad.csv"
    args = ["compare", "--drug", "alemtuzumab", "-e", SAD, "--export", str(target)]
    result = CliRunner().invoke(app, args)
    assert result.exit_code == 0, result.output
    rows = list(csv.DictReader(io.StringIO(target.read_text(encoding="utf-8"))))
    assert [r["acronym"] for r in rows] == ["CAMMS223", "CARE-MS I", "CARE-MS II"]
    assert {r["measure"] for r in rows} == {"hazard-ratio"} and rows[0]["escalc_measure"] == "GEN"
    assert rows[0]["follow_up"] == "36 months" and rows[1]["follow_up"] == "2 years"
    for row, yi, vi in zip(rows, REFERENCE["sad"]["yi"], REFERENCE["sad"]["vi"], strict=True):
        assert close(float(row["yi"]), yi) and close(float(row["vi"]), vi, 1e-4)
        assert row["source"]
    pooled = inverse_variance(
        [float(r["yi"]) for r in rows], [float(r["vi"]) for r in rows], "reml"
    )
    assert close(pooled.estimate, REFERENCE["sad"]["fits"]["REML"]["estimate"], 1e-4)
