"""Regenerates tests/reference/statsmodels.json: the figures statsmodels (and scipy through it)
gives for the data the meta-analysis and pooling tests use, so the suite checks against them
without importing statsmodels at run time.

    PYTHONPATH=. python tests/reference/statsmodels_values.py > tests/reference/statsmodels.json

statsmodels 0.15.0 and scipy 1.17.1 wrote the stored file. The inputs are the tests' own
(tests/test_meta.py, tests/test_pool.py), imported, so the two cannot drift apart.
"""

from __future__ import annotations

import json
import sys
import warnings
from pathlib import Path
from typing import Any

import numpy as np
from scipy import stats
from statsmodels.stats.contingency_tables import StratifiedTable
from statsmodels.stats.meta_analysis import combine_effects

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from test_meta import BCG_V, BCG_Y, CHI2_POINTS, FINE_TABLES, T_POINTS
from test_pool import ARR_ESTIMATES, MH_COUNTS, SDW_ESTIMATES, log_and_variance


def combined(effects: Any, variances: Any, method_re: str, use_t: bool = False) -> dict[str, float]:
    result = combine_effects(
        np.array(effects), np.array(variances), method_re=method_re, use_t=use_t
    )
    frame = result.summary_frame(use_t=use_t)
    return {
        "mean_effect_fe": float(result.mean_effect_fe),
        "mean_effect_re": float(result.mean_effect_re),
        "sd_eff_w_re": float(result.sd_eff_w_re),
        "fe_ci_low": float(frame.loc["fixed effect", "ci_low"]),
        "re_ci_low": float(frame.loc["random effect", "ci_low"]),
        "re_ci_upp": float(frame.loc["random effect", "ci_upp"]),
        "re_wls_ci_low": float(frame.loc["random effect wls", "ci_low"]),
        "re_wls_ci_upp": float(frame.loc["random effect wls", "ci_upp"]),
        "tau2": float(result.tau2),
        "q": float(result.q),
        "i2": float(result.i2),
    }


def stratified(tables: list[tuple[int, int, int, int]]) -> dict[str, float]:
    """(events, total) experimental then comparator, per study."""
    reference = StratifiedTable([np.array([[a, n - a], [c, m - c]]) for a, n, c, m in tables])
    return {
        "logodds_pooled": float(reference.logodds_pooled),
        "logodds_pooled_se": float(reference.logodds_pooled_se),
        "riskratio_pooled": float(reference.riskratio_pooled),
    }


def main() -> None:
    fine = [
        (t.events_experimental, t.total_experimental, t.events_comparator, t.total_comparator)
        for t in FINE_TABLES
    ]
    with warnings.catch_warnings():
        # Its per-study CIs fall back to z with use_t; only the pooled CI is compared.
        warnings.simplefilter("ignore")
        values = {
            "bcg_chi2": combined(BCG_Y, BCG_V, "chi2"),
            "bcg_iterated": combined(BCG_Y, BCG_V, "iterated"),
            "bcg_chi2_t": combined(BCG_Y, BCG_V, "chi2", use_t=True),
            "fine_mantel_haenszel": stratified(fine),
            "chi2_sf": [[x, df, float(stats.chi2.sf(x, df))] for x, df in CHI2_POINTS],
            "t_ppf": [[p, df, float(stats.t.ppf(p, df))] for p, df in T_POINTS],
            "pool_arr": combined(*log_and_variance(ARR_ESTIMATES), "chi2"),
            "pool_sdw": combined(*log_and_variance(SDW_ESTIMATES), "chi2"),
            "pool_mantel_haenszel": stratified(MH_COUNTS),
        }
    print(json.dumps(values, indent=1, sort_keys=True))


if __name__ == "__main__":
    main()
