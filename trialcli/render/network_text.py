"""The words of a network meta-analysis, for the terminal and the figure alike.

No Rich here: render/network.py lays these out in a terminal and figures/network.py draws
them beside its marks, so both say the same model, direction and caveats.
"""

from __future__ import annotations

from trialcli.formatting import with_interval
from trialcli.ops.network import MEASURE_WORDS, NetworkReport
from trialcli.stats.network import DesignTest
from trialcli.written import Written

COMPUTED = (
    "Computed by trialcli from the studies' per-arm events/total (a frequentist "
    "network meta-analysis); no source states these figures, and trialcli does not grade them."
)
P_SCORE_CAVEAT = (
    "A P-score is the mean certainty that a treatment is better than each other one; "
    "it is not the probability of being best, and ranks close together are not different."
)
NO_P_SCORES = (
    "P-scores need the endpoint's better direction: pass --better lower (fewer events are "
    "better, e.g. relapses) or --better higher."
)


def ratio(value: float, low: float, high: float) -> str:
    """`0.50 (0.39–0.65)`: the measure is named by the column or sentence around it."""
    return with_interval(
        Written(round(value, 2), 2), (Written(round(low, 2), 2), Written(round(high, 2), 2))
    )


def p_words(p: float | None) -> str:
    if p is None:
        return "p not estimable"
    return "p<0.001" if p < 0.001 else f"p = {p:.3f}"


def q_words(test: DesignTest) -> str:
    if test.df == 0:
        return "no test (no two designs share a comparison: nothing to disagree)"
    return f"Q = {test.q:.2f} (df {test.df}), {p_words(test.p)}"


def model_text(report: NetworkReport) -> str:
    network = report.network
    if network.model == "common":
        return "common effect (τ² = 0: one true effect per comparison)"
    method = "REML" if network.method == "reml" else "DerSimonian–Laird (Jackson, White & Riley)"
    return f"random effects, τ² = {network.tau2:.4f} by {method}, common to every comparison"


def direction_text(report: NetworkReport) -> str:
    words = MEASURE_WORDS[report.measure]
    return (
        f"Each {words} is the first treatment against the second: below 1, fewer "
        "participants with the event on the first."
    )
