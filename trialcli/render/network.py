"""`trialcli network`: the answer first (every treatment against the reference, ranked), then
heterogeneity and inconsistency, every pair, and what the network rests on."""

from __future__ import annotations

from typing import Any

from rich.console import Console
from rich.table import Table
from rich.text import Text

from trialcli.ops.network import MEASURE_WORDS, NetworkReport
from trialcli.render.network_text import (
    COMPUTED,
    NO_P_SCORES,
    P_SCORE_CAVEAT,
    direction_text,
    model_text,
    p_words,
    q_words,
    ratio,
)
from trialcli.render.text import clean
from trialcli.stats.network import Contrast, DesignTest

LEAGUE_COLUMNS = (
    "treatment",
    "vs",
    "measure",
    "model",
    "estimate",
    "ci_lower",
    "ci_upper",
    "direct_share_percent",
    "direct",
    "indirect",
    "direct_vs_indirect_p",
)


def _split_for(report: NetworkReport, treatment: str, vs: str) -> dict[str, Any]:
    for s in report.splits:
        flipped = (s.treatment, s.vs) == (vs, treatment)
        if (s.treatment, s.vs) == (treatment, vs) or flipped:
            sign = -1 if flipped else 1
            direct = report.ci(Contrast(treatment, vs, sign * s.direct.estimate, s.direct.se))
            indirect = None
            if s.indirect is not None:
                indirect = report.ci(
                    Contrast(treatment, vs, sign * s.indirect.estimate, s.indirect.se)
                )
            return {"share": s.direct_share, "direct": direct, "indirect": indirect, "p": s.p}
    return {"share": 0.0, "direct": None, "indirect": None, "p": None}


def league_records(report: NetworkReport) -> list[dict[str, object]]:
    out: list[dict[str, object]] = []
    for c in report.network.league:
        estimate, low, high = report.ci(c)
        split = _split_for(report, c.treatment, c.vs)
        out.append(
            {
                "treatment": c.treatment,
                "vs": c.vs,
                "measure": report.measure.value,
                "model": report.network.model,
                "estimate": estimate,
                "ci_lower": low,
                "ci_upper": high,
                "direct_share_percent": round(100 * split["share"], 1),
                "direct": _triple(split["direct"]),
                "indirect": _triple(split["indirect"]),
                "direct_vs_indirect_p": split["p"],
            }
        )
    return out


def _triple(value: tuple[float, float, float] | None) -> str | None:
    return None if value is None else ratio(*value)


def _test(test: DesignTest) -> dict[str, object]:
    return {"q": test.q, "df": test.df, "p": test.p}


def network_json(report: NetworkReport) -> dict[str, Any]:
    network = report.network

    def effect(c: Any) -> dict[str, object]:
        estimate, low, high = report.ci(c)
        return {"treatment": c.treatment, "vs": c.vs, "estimate": estimate, "ci": [low, high]}

    return {
        "endpoint": {"code": report.code, "name": report.endpoint},
        "reference": network.reference,
        "treatments": list(network.treatments),
        "measure": report.measure.value,
        "direction": direction_text(report),
        "model": network.model,
        "tau2_method": network.method,
        "tau2": network.tau2,
        "ci_level": report.level,
        "computed": COMPUTED,
        "effects": [effect(c) for c in network.effects],
        "league": [effect(c) for c in network.league],
        "q_total": _test(network.q_total),
        "q_within_designs": _test(network.q_within),
        "q_inconsistency": _test(network.q_between),
        "better": report.better,
        "p_scores": report.p_scores,
        "p_score_caveat": P_SCORE_CAVEAT if report.p_scores else NO_P_SCORES,
        "direct_evidence": [
            {
                "treatment": s.treatment,
                "vs": s.vs,
                "direct_share": s.direct_share,
                "direct": effect(s.direct),
                "indirect": effect(s.indirect) if s.indirect else None,
                "p": s.p,
            }
            for s in report.splits
        ],
        "studies": [
            {
                "id": i.study,
                "acronym": i.acronym,
                "treatments": list(i.treatments),
                "participants": i.participants,
                "follow_up": i.follow_up,
            }
            for i in report.included
        ],
        "excluded": [{"study": e.study, "reason": e.reason} for e in report.excluded],
        "combined_arms": list(report.combined),
        "warnings": list(report.warnings),
    }


def render_network(report: NetworkReport, console: Console) -> None:
    network = report.network
    words = MEASURE_WORDS[report.measure]
    heading = Text(f"Network meta-analysis: {clean(report.endpoint)}", style="bold")
    console.print(heading.append(f" ({clean(report.code)})", style="not bold"))
    console.print(
        f"{len(report.included)} studies · {len(network.treatments)} treatments · "
        f"{sum(i.participants for i in report.included):,} participants · "
        f"reference: {clean(network.reference)}",
        highlight=False,
    )
    console.print(f"Model: {model_text(report)}; {words} ({report.level:g}% CI).", highlight=False)
    console.print(direction_text(report), highlight=False)
    console.print()
    table = Table(title=f"Every treatment vs {clean(network.reference)}", title_justify="left")
    table.add_column("Treatment", overflow="fold")
    table.add_column(f"{words.capitalize()} (95% CI)", no_wrap=True)
    table.add_column("Trials", justify="right")
    table.add_column("N", justify="right")
    table.add_column("P-score", justify="right")
    scores = report.p_scores
    ranked = sorted(network.treatments, key=lambda t: -scores[t]) if scores else network.treatments
    for t in ranked:
        if t == network.reference:
            effect = "reference"
        else:
            estimate, low, high = report.ci(network.contrast(t, network.reference))
            effect = ratio(estimate, low, high)
        score = f"{report.p_scores[t]:.2f}" if report.p_scores else "–"
        table.add_row(clean(t), effect, str(report.trials[t]), f"{report.participants[t]:,}", score)
    console.print(table)
    if report.p_scores:
        better = "fewer events" if report.better == "lower" else "more events"
        console.print(f"Ranked by P-score ({better} better). {P_SCORE_CAVEAT}", highlight=False)
    else:
        console.print(NO_P_SCORES, highlight=False)
    console.print()
    console.print(Text("Heterogeneity and inconsistency", style="bold"))
    console.print(f"  Total (common-effect model): {q_words(network.q_total)}", highlight=False)
    console.print(f"  Within designs (heterogeneity): {q_words(network.q_within)}", highlight=False)
    console.print(
        f"  Between designs (inconsistency): {q_words(network.q_between)}", highlight=False
    )
    console.print()
    league = Table(title="Every pair (league)", title_justify="left")
    league.add_column("Pair", overflow="fold")
    league.add_column(f"{words.capitalize()} (95% CI)", no_wrap=True)
    league.add_column("Direct", justify="right")
    league.add_column("Direct vs indirect", overflow="fold")
    for i, a in enumerate(network.treatments):
        for b in network.treatments[i + 1 :]:
            c = network.contrast(b, a)
            estimate, low, high = report.ci(c)
            split = _split_for(report, b, a)
            check = "no direct evidence" if split["direct"] is None else "only direct"
            if split["indirect"] is not None:
                direct, indirect = _triple(split["direct"]), _triple(split["indirect"])
                check = f"{direct} vs {indirect}, {p_words(split['p'])}"
            league.add_row(
                f"{clean(b)} vs {clean(a)}",
                ratio(estimate, low, high),
                f"{100 * split['share']:.0f}%",
                check,
            )
    console.print(league)
    console.print(
        "Direct: the share of the pair's precision from trials that compare it head to head; "
        "direct vs indirect by back-calculation (Dias et al. 2010).",
        highlight=False,
    )
    notes = [*report.warnings, *report.combined]
    notes += [f"left out: {e.study} ({e.reason})" for e in report.excluded]
    if notes:
        console.print()
        console.print(Text("Before relying on it", style="bold"))
        for note in notes:
            console.print(f"  • {clean(note)}", highlight=False)
    console.print()
    console.print(COMPUTED, highlight=False)
