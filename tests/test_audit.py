"""The consistency audit: every check with a case that passes and one that fails.

The studies are small synthetic files (tests/fixtures/minimal.yaml, edited per test);
their numbers describe no real trial.
"""

from __future__ import annotations

from collections.abc import Callable
from pathlib import Path

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st
from studies import PROPORTION_ENDPOINT, with_endpoints

from trialcli.checking import check_file
from trialcli.errors import Problem
from trialcli.loader import load_study, parse_yaml
from trialcli.model import Study, Written
from trialcli.ops.audit import Audit, Check, audit_study

Write = Callable[..., Path]

# The minimal fixture's endpoint, rewritten: arm rates printed to two places so that
# rounding leaves little room (0.26 / 0.52 = 0.50).
RATE_ENDPOINT = """\
endpoints:
  - id: relapse
    name: Annualized relapse rate
    level: primary
    kind: rate
    results:
      drug: {{value: 0.26}}
      control: {{value: 0.52}}
    comparisons:
{comparisons}
safety:"""


def comparisons(*lines: str) -> str:
    return "\n".join(f"      - {line}" for line in lines)


def rate_study(minimal: str, *lines: str) -> str:
    return with_endpoints(minimal, RATE_ENDPOINT.format(comparisons=comparisons(*lines)))


def audit_of(write: Write, text: str) -> Audit:
    return audit_study(load_study(write(text)))


def checks(audit: Audit, kind: str) -> list[Check]:
    return [c for c in audit.checks if c.kind == kind]


def only(audit: Audit, kind: str) -> Check:
    found = checks(audit, kind)
    assert len(found) == 1, [c.text() for c in found]
    return found[0]


def warnings_of(path: Path) -> list[Problem]:
    _, problems = check_file(path)
    return [p for p in problems if p.severity == "warning"]


def line_of(text: str, fragment: str) -> int:
    return next(i for i, line in enumerate(text.splitlines(), start=1) if fragment in line)


# --- a stated percentage vs its n/N ------------------------------------------------------


def test_104_of_202_stated_as_53_percent_is_a_warning_at_its_line(
    write: Write, minimal_text: str
) -> None:
    text = with_endpoints(minimal_text, PROPORTION_ENDPOINT.format(control=53))
    (warning,) = [w for w in warnings_of(write(text)) if w.check == "percentage"]
    assert warning.line == line_of(text, "value: 53")
    assert warning.field == "endpoints[0].results.control.value"
    # Sources numbered as `show` numbers them (s1 is the first).
    assert "53% [1] vs 104/202 [1] = 51.5%: 1.5 points apart" in warning.message
    assert "more than the ±0.5 rounding allows" in warning.message
    # Every number involved, each with its own line and source.
    lines = {p.field: p.line for p in warning.related}
    assert lines == {
        "endpoints[0].results.control.value": line_of(text, "value: 53"),
        "endpoints[0].results.control.n": line_of(text, "n: 104"),
        "endpoints[0].results.control.N": line_of(text, "N: 202"),
    }
    assert {p.source for p in warning.related} == {"s1"}


@pytest.mark.parametrize(("stated", "ok"), [(51, True), (51.5, True), (52, False), (51.6, False)])
def test_percentage_allows_the_printed_rounding(
    write: Write, minimal_text: str, stated: float, ok: bool
) -> None:
    # 104/202 = 51.49%: "51" (±0.5) and "51.5" (±0.05) fit; "52" and "51.6" do not.
    text = with_endpoints(minimal_text, PROPORTION_ENDPOINT.format(control=stated))
    found = [c for c in checks(audit_of(write, text), "percentage") if "104/202" in c.text()]
    assert [c.ok for c in found] == [ok]


@pytest.mark.parametrize(
    ("arm", "ok"),
    [
        ("{affected: 50, at_risk: 200, pct: 25}", True),
        ("{affected: 50, at_risk: 200, pct: 30}", False),
        ("{affected: 50, at_risk: 200, pct: 26, approximate: true}", True),  # ~: ±1
        ("{affected: 50, at_risk: 200, pct: 27, approximate: true}", False),
    ],
)
def test_safety_percentage_vs_counts(write: Write, minimal_text: str, arm: str, ok: bool) -> None:
    text = minimal_text.replace("drug: {affected: 50, at_risk: 200}", f"drug: {arm}")
    assert only(audit_of(write, text), "percentage").ok is ok


def test_kaplan_meier_percentages_are_not_set_against_n_over_n(
    write: Write, minimal_text: str
) -> None:
    text = with_endpoints(minimal_text, PROPORTION_ENDPOINT.format(control=53)).replace(
        "kind: proportion", "kind: time-to-event"
    )
    assert checks(audit_of(write, text), "percentage") == []


# --- relative reduction vs ratio ----------------------------------------------------------


def test_a_49_percent_reduction_with_a_rate_ratio_of_070_is_a_warning(
    write: Write, minimal_text: str
) -> None:
    text = rate_study(
        minimal_text,
        "{measure: rate-ratio, estimate: 0.70, ci: [0.52, 0.94], arms: [drug, control]}",
        "{measure: relative-reduction, estimate: 49, arms: [drug, control], source: s2}",
    ).replace("sources:\n", "sources:\n  - {id: s2, citation: A synthetic press release}\n")
    path = write(text)
    (warning,) = [w for w in warnings_of(path) if w.check == "relative-reduction"]
    assert "relative reduction 49% [1] vs rate ratio 0.70 [2], a 30% reduction" in (warning.message)
    assert "19 points apart, more than the ±1 rounding allows" in warning.message
    assert {(p.field, p.line, p.source) for p in warning.related} == {
        ("endpoints[0].comparisons[1].estimate", line_of(text, "estimate: 49"), "s2"),
        ("endpoints[0].comparisons[0].estimate", line_of(text, "estimate: 0.70"), "s1"),
    }


@pytest.mark.parametrize(("reduction", "ok"), [(49, True), (50, True), (48, True), (51, False)])
def test_relative_reduction_allows_both_roundings(
    write: Write, minimal_text: str, reduction: int, ok: bool
) -> None:
    # Ratio 0.51 (0.505–0.515) is a 48.5–49.5% reduction; a printed 50 may be 49.5.
    text = rate_study(
        minimal_text,
        "{measure: rate-ratio, estimate: 0.51, arms: [drug, control]}",
        f"{{measure: relative-reduction, estimate: {reduction}, arms: [drug, control]}}",
    )
    assert only(audit_of(write, text), "relative-reduction").ok is ok


def test_relative_reduction_of_other_arms_is_not_compared(write: Write, minimal_text: str) -> None:
    text = rate_study(
        minimal_text,
        "{measure: rate-ratio, estimate: 0.51, arms: [drug, control]}",
        "{measure: relative-reduction, estimate: 30, arms: [control, drug]}",
    )
    assert checks(audit_of(write, text), "relative-reduction") == []


# --- a ratio vs the arms' own values ----------------------------------------------------------


@pytest.mark.parametrize(("ratio", "ok"), [(0.50, True), (0.56, True), (0.58, False)])
def test_rate_ratio_vs_arm_rates_allows_for_adjusted_models(
    write: Write, minimal_text: str, ratio: float, ok: bool
) -> None:
    # 0.26/0.52 may be 0.486–0.515 by rounding; adjusted models add 10% either way.
    text = rate_study(
        minimal_text, f"{{measure: rate-ratio, estimate: {ratio:.2f}, arms: [drug, control]}}"
    )
    check = only(audit_of(write, text), "ratio-vs-arms")
    assert check.ok is ok
    assert "0.26 [s1] / 0.52 [s1] = 0.50" in check.text()
    assert "adjusted models may" in check.text()


@pytest.mark.parametrize(
    ("direction", "ok"), [("stated", False), ("inferred", False), ("unknown", True)]
)
def test_a_ratio_in_an_order_the_file_does_not_know_is_read_both_ways(
    write: Write, minimal_text: str, direction: str, ok: bool
) -> None:
    # 0.52/0.26 = 2.0: the arms' ratio in the other order. Only where the order is unknown
    # may the audit read it so, and it says it did.
    text = rate_study(
        minimal_text,
        f"{{measure: rate-ratio, estimate: 2.0, arms: [drug, control], direction: {direction}}}",
    )
    check = only(audit_of(write, text), "ratio-vs-arms")
    assert check.ok is ok
    if ok:
        assert "0.52 [s1] / 0.26 [s1] = 2.00" in check.text()
        assert check.text().endswith("the record does not say which is the numerator")
    else:
        assert "0.26 [s1] / 0.52 [s1] = 0.50" in check.text()


def test_a_subgroup_analysis_is_not_held_to_all_the_arms_figures(
    write: Write, minimal_text: str
) -> None:
    subgroup = "note: 'Subgroup of participants with prior relapses'"
    text = rate_study(
        minimal_text, f"{{measure: rate-ratio, estimate: 0.30, arms: [drug, control], {subgroup}}}"
    )
    check = only(audit_of(write, text), "ratio-vs-arms")
    assert check.ok
    assert check.text().endswith(
        "the analysis is of a subset ('Subgroup of participants with prior relapses'), "
        "the arms' figures of all"
    )
    plain = rate_study(minimal_text, "{measure: rate-ratio, estimate: 0.30, arms: [drug, control]}")
    assert not only(audit_of(write, plain), "ratio-vs-arms").ok


def test_relative_reduction_vs_arm_rates(write: Write, minimal_text: str) -> None:
    good = rate_study(
        minimal_text, "{measure: relative-reduction, estimate: 50, arms: [drug, control]}"
    )
    assert only(audit_of(write, good), "ratio-vs-arms").ok
    bad = rate_study(
        minimal_text, "{measure: relative-reduction, estimate: 30, arms: [drug, control]}"
    )
    check = only(audit_of(write, bad), "ratio-vs-arms")
    assert not check.ok
    assert "(a ratio of 0.70)" in check.text()


@pytest.mark.parametrize(
    ("measure", "estimate", "ok"),
    [
        # 20/100 vs 40/100: risk ratio 0.50, odds ratio (20/80)/(40/60) = 0.375.
        ("risk-ratio", "0.50", True),
        ("risk-ratio", "0.70", False),
        ("odds-ratio", "0.38", True),
        ("odds-ratio", "0.50", False),
    ],
)
def test_risk_and_odds_ratios_vs_counts(
    write: Write, minimal_text: str, measure: str, estimate: str, ok: bool
) -> None:
    block = f"""\
endpoints:
  - id: relapsed
    name: Patients with a relapse
    level: secondary
    kind: proportion
    results:
      drug: {{n: 20, N: 100}}
      control: {{n: 40, N: 100}}
    comparisons:
      - {{measure: {measure}, estimate: {estimate}, arms: [drug, control]}}
safety:"""
    assert only(audit_of(write, with_endpoints(minimal_text, block)), "ratio-vs-arms").ok is ok


# --- the CI's side of no difference vs the p-value ---------------------------------------------


@pytest.mark.parametrize(
    ("ci", "p", "ok"),
    [
        ("[0.36, 0.69]", "<0.001", True),
        ("[0.36, 0.69]", "0.22", False),
        ("[0.40, 1.23]", "0.22", True),
        ("[0.40, 1.23]", "0.01", False),
        ("[0.36, 0.69]", "NS", False),
    ],
)
def test_p_value_vs_ci(write: Write, minimal_text: str, ci: str, p: str, ok: bool) -> None:
    text = minimal_text.replace("ci: [0.36, 0.69]", f"ci: {ci}").replace(
        'p_value: "<0.001"', f'p_value: "{p}"'
    )
    check = only(audit_of(write, text), "p-value-vs-ci")
    assert check.ok is ok
    assert ("excludes 1" if ci == "[0.36, 0.69]" else "includes 1") in check.text()


def test_a_limit_printed_at_no_difference_decides_nothing(write: Write, minimal_text: str) -> None:
    # 1.00 may be 0.995 or 1.004: the CI cannot say which side p should be on.
    text = minimal_text.replace("ci: [0.36, 0.69]", "ci: [0.40, 1.00]")
    assert checks(audit_of(write, text), "p-value-vs-ci") == []


@pytest.mark.parametrize(("ci", "ok"), [("[0.80, 1.20]", True), ("[0.90, 1.40]", False)])
def test_non_inferiority_uses_the_margin(
    write: Write, minimal_text: str, ci: str, ok: bool
) -> None:
    text = rate_study(
        minimal_text,
        f"{{measure: rate-ratio, estimate: 1.00, ci: {ci}, p_value: '<0.001', "
        "arms: [drug, control], test: non-inferiority, margin: 1.3, met: true}",
    )
    audit = audit_of(write, text)
    assert only(audit, "p-value-vs-ci").ok is ok
    met = only(audit, "met")
    assert met.ok is ok
    assert "non-inferiority margin 1.3" in met.text()


# --- "met" vs what the CI, p-value and test type imply ------------------------------------------


def test_met_with_a_ci_spanning_no_difference_is_a_warning(write: Write, minimal_text: str) -> None:
    text = minimal_text.replace("ci: [0.36, 0.69]", "ci: [0.40, 1.23]").replace(
        'p_value: "<0.001"', 'p_value: "0.22"'
    )
    audit = audit_of(write, text)
    assert only(audit, "p-value-vs-ci").ok  # the CI and p agree with each other…
    met = only(audit, "met")  # …but not with "met"
    assert not met.ok
    assert "stated as met [s1], but the 95% CI 0.40–1.23 [s1] includes 1" in met.text()


def test_met_consistent_with_its_evidence(write: Write, minimal_text: str) -> None:
    assert only(audit_of(write, minimal_text), "met").ok


def test_not_met_with_a_significant_result_names_the_direction_caveat(
    write: Write, minimal_text: str
) -> None:
    text = minimal_text.replace("met: true", "met: false")
    met = only(audit_of(write, text), "met")
    assert not met.ok
    assert "do not record which direction is better" in met.text()


# --- arm sizes and denominators -------------------------------------------------------------------


@pytest.mark.parametrize(("total", "ok"), [(300, True), (310, False)])
def test_arms_add_up_to_the_randomized(
    write: Write, minimal_text: str, total: int, ok: bool
) -> None:
    text = minimal_text.replace("randomized: 300", f"randomized: {total}")
    check = only(audit_of(write, text), "arm-sizes")
    assert check.ok is ok
    assert "200 [s1] + 100 [s1] = 300" in check.text()
    if not ok:
        assert "10 fewer in the arms" in check.text()


def test_arms_analysed_more_than_the_analysed_total(write: Write, minimal_text: str) -> None:
    text = (
        minimal_text.replace("randomized: 300", "randomized: 300\n  analysed: 270")
        .replace("    randomized: 200\n", "    randomized: 200\n    analysed: 190\n")
        .replace("    randomized: 100\n", "    randomized: 100\n    analysed: 90\n")
    )
    found = [c for c in checks(audit_of(write, text), "arm-sizes") if "Analysed" in c.text()]
    assert [c.ok for c in found] == [False]
    assert "10 more in the arms" in found[0].text()


@pytest.mark.parametrize(("n", "ok"), [(290, True), (310, False)])
def test_pooled_group_vs_its_arms(write: Write, minimal_text: str, n: int, ok: bool) -> None:
    pooled = f"pooled_arms:\n  - {{id: both, label: Both arms, arms: [drug, control], n: {n}}}\n"
    text = minimal_text.replace("endpoints:\n", pooled + "endpoints:\n", 1)
    found = [c for c in checks(audit_of(write, text), "arm-sizes") if "Both arms" in c.text()]
    assert [c.ok for c in found] == [ok]


@pytest.mark.parametrize(("at_risk", "ok"), [(200, True), (210, False)])
def test_people_at_risk_vs_the_arm(write: Write, minimal_text: str, at_risk: int, ok: bool) -> None:
    text = minimal_text.replace("at_risk: 200", f"at_risk: {at_risk}")
    found = [c for c in checks(audit_of(write, text), "denominator") if "Drug A" in c.text()]
    assert [c.ok for c in found] == [ok]
    if not ok:
        assert "10 more" in found[0].text()


def test_counted_more_than_analysed_asks_about_the_population(
    write: Write, minimal_text: str
) -> None:
    text = with_endpoints(minimal_text, PROPORTION_ENDPOINT.format(control=51.5)).replace(
        "    randomized: 100\n", "    analysed: 190\n"
    )
    found = [
        c
        for c in checks(audit_of(write, text), "denominator")
        if c.text().startswith("Patients with a relapse, Control")
    ]
    assert [c.ok for c in found] == [False]
    assert "202 [s1] counted vs 190 [s1] analysed in this arm: 12 more" in found[0].text()
    assert "different analysis population" in found[0].text()


# --- the same figure from two sources ----------------------------------------------------------

TWO_SOURCES = "sources:\n  - {id: s2, citation: A second synthetic source}\n"


def two_sources(text: str) -> str:
    return text.replace("sources:\n", TWO_SOURCES, 1)


@pytest.mark.parametrize(("other", "ok"), [(300, True), (310, False)])
def test_also_reported_count(write: Write, minimal_text: str, other: int, ok: bool) -> None:
    text = two_sources(
        minimal_text.replace(
            "randomized: 300",
            f"randomized: {{value: 300, also_reported: [{{value: {other}, source: s2}}]}}",
        )
    )
    check = only(audit_of(write, text), "sources-disagree")
    assert check.ok is ok
    assert f"300 [s1] vs {other} [s2]" in check.text()
    if not ok:
        assert "10 apart" in check.text()


def test_a_recorded_disagreement_is_listed_and_acknowledged(
    write: Write, minimal_text: str
) -> None:
    text = two_sources(
        minimal_text.replace(
            "randomized: 300",
            "randomized:\n    value: 300\n    also_reported:\n      - value: 310\n"
            "        source: s2\n        disagreement: s2 counts screened people",
        )
    )
    (warning,) = warnings_of(write(text))
    assert warning.acknowledged == "s2 counts screened people"
    assert [p.line for p in warning.related] == [
        line_of(text, "value: 300"),
        line_of(text, "value: 310"),
    ]


@pytest.mark.parametrize(
    ("second", "ok"),
    [
        ("estimate: 0.5", True),  # the same figure at another precision
        ("estimate: 0.60", False),
        ("p_value: '<0.0001'", True),
        ("p_value: '0.012'", False),
        ("met: false", False),
    ],
)
def test_two_sources_on_one_comparison(
    write: Write, minimal_text: str, second: str, ok: bool
) -> None:
    text = two_sources(
        rate_study(
            minimal_text,
            "{measure: rate-ratio, estimate: 0.50, p_value: '<0.001', met: true, "
            "arms: [drug, control]}",
            f"{{measure: rate-ratio, {second}, arms: [drug, control], source: s2}}",
        )
    )
    (check,) = checks(audit_of(write, text), "sources-disagree")
    assert check.ok is ok
    assert "[s1] vs " in check.text() and "[s2]" in check.text()


def test_one_source_twice_is_not_a_disagreement_between_sources(
    write: Write, minimal_text: str
) -> None:
    text = rate_study(
        minimal_text,
        "{measure: rate-ratio, estimate: 0.50, arms: [drug, control]}",
        "{measure: rate-ratio, estimate: 0.60, arms: [drug, control]}",
    )
    assert checks(audit_of(write, text), "sources-disagree") == []


@pytest.mark.parametrize(("value", "ok"), [("25.4", True), ("27", False)])
def test_one_endpoint_reported_as_two_by_two_sources(
    write: Write, minimal_text: str, value: str, ok: bool
) -> None:
    endpoint = """\
  - id: sdi-{source}
    name: Sustained reduction in disability ({source})
    code: sustained-disability-improvement
    level: secondary
    kind: time-to-event
    time_frame: 2 years
    source: {source}
    results:
      control: {{value: {value}, unit: "%"}}
"""
    block = (
        "endpoints:\n"
        + endpoint.format(source="s1", value="25")
        + endpoint.format(source="s2", value=value)
        + "safety:"
    )
    text = two_sources(with_endpoints(minimal_text, block))
    check = only(audit_of(write, text), "sources-disagree")
    assert check.ok is ok
    assert f"25% [s1] vs {value}% [s2]" in check.text()


@pytest.mark.parametrize(
    ("second", "ok"),
    [
        ("{pct: 10, source: s2}", True),
        ("{pct: 12, source: s2}", False),
        ("{affected: 12, at_risk: 100, source: s2}", False),
    ],
)
def test_one_harm_reported_by_two_sources(
    write: Write, minimal_text: str, second: str, ok: bool
) -> None:
    finding = f"""\
  - term: headache
    arms:
      control: {second}
sources:
"""
    text = two_sources(minimal_text.replace("sources:\n", finding, 1))
    check = only(audit_of(write, text), "sources-disagree")
    assert check.ok is ok
    assert check.text().startswith("Headache, Control: 10/100 = 10.0% [s1] vs ")


def test_harms_over_different_denominators_are_not_compared(
    write: Write, minimal_text: str
) -> None:
    finding = """\
  - term: Headache
    arms:
      control: {affected: 30, at_risk: 150, source: s2}
sources:
"""
    text = two_sources(minimal_text.replace("sources:\n", finding, 1))
    assert checks(audit_of(write, text), "sources-disagree") == []


def test_warnings_are_marked_on_their_figures(write: Write, minimal_text: str) -> None:
    text = minimal_text.replace("at_risk: 200", "at_risk: 210").replace(
        "drug: {affected: 50", "drug: {pct: 30, affected: 50"
    )
    audit = audit_of(write, text)
    assert len(audit.warnings) == 2  # the percentage and the denominator
    assert audit.marks(("safety", 0, "arms", "drug")) == [1, 2]
    assert audit.marks(("safety", 0, "arms", "control")) == []
    assert audit.marks(("arms", 0, "randomized")) == [2]


# --- properties: correctly rounded figures never warn --------------------------------------


MINIMAL = (Path(__file__).parent / "fixtures" / "minimal.yaml").read_text(encoding="utf-8")


def study_with(endpoint: dict[str, object]) -> Study:
    data = parse_yaml(MINIMAL, "minimal.yaml")
    data["endpoints"] = [endpoint]
    return Study.model_validate(data)


@settings(max_examples=300, deadline=None)
@given(
    st.integers(min_value=1, max_value=5000).flatmap(
        lambda total: st.tuples(st.integers(0, total), st.just(total))
    ),
    st.integers(min_value=0, max_value=2),
)
def test_a_correctly_rounded_percentage_never_warns(counts: tuple[int, int], places: int) -> None:
    n, total = counts
    stated = Written(round(100 * n / total, places), places)
    endpoint = {
        "id": "e",
        "name": "E",
        "level": "secondary",
        "kind": "proportion",
        "results": {"drug": {"n": n, "N": total, "value": stated, "unit": "%"}},
    }
    (check,) = checks(audit_study(study_with(endpoint)), "percentage")
    assert check.ok, check.text()


rates = st.integers(min_value=1, max_value=300).map(lambda r: Written(r / 100, 2))


@settings(max_examples=300, deadline=None)
@given(rates, rates)
def test_a_correctly_rounded_ratio_and_reduction_never_warn(drug: float, control: float) -> None:
    ratio = Written(round(drug / control, 2), 2)
    reduction = Written(round(100 * (1 - ratio)), 0)
    endpoint = {
        "id": "e",
        "name": "E",
        "level": "primary",
        "kind": "rate",
        "results": {"drug": {"value": drug}, "control": {"value": control}},
        "comparisons": [
            {"measure": "rate-ratio", "estimate": ratio, "arms": ["drug", "control"]},
            {"measure": "relative-reduction", "estimate": reduction, "arms": ["drug", "control"]},
        ],
    }
    audit = audit_study(study_with(endpoint))
    assert not [c.text() for c in audit.warnings]
