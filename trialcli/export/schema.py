"""The relational schema of `trialcli export`: one table per kind of record, keys that join.

Every table has `study_id`; child tables add the key of their parent (`endpoint_id`,
`finding_no`, …), so `JOIN … USING (study_id, endpoint_id)` works throughout. Values are as
the study file states them, NULL when it does not; a column whose name starts with
`computed_` holds what trialcli worked out (verdicts, risk differences, consistency
warnings), never something a source stated. docs/catalog.md describes every column.
"""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path
from typing import TYPE_CHECKING, Literal

if TYPE_CHECKING:
    from trialcli.errors import Problem
    from trialcli.model import Count, Study

SqlType = Literal["TEXT", "INTEGER", "REAL"]
Value = str | int | float | None
Rows = dict[str, list[tuple[Value, ...]]]


@dataclass(frozen=True)
class Table:
    name: str
    key: tuple[str, ...]
    columns: tuple[tuple[str, SqlType], ...]

    @property
    def names(self) -> tuple[str, ...]:
        return tuple(name for name, _ in self.columns)


_TYPES: dict[str, SqlType] = {"": "TEXT", "i": "INTEGER", "r": "REAL"}


def _table(name: str, key: tuple[str, ...], columns: str) -> Table:
    """Columns written as `name:TYPE` words; TEXT when no type is given."""
    parsed: list[tuple[str, SqlType]] = []
    for word in columns.split():
        column, _, kind = word.partition(":")
        parsed.append((column, _TYPES[kind]))
    return Table(name, key, tuple(parsed))


TABLES = (
    _table(
        "studies",
        ("study_id",),
        "study_id nct acronym title phase status start_date completion_date sponsor condition"
        " population healthy_volunteers:i randomized:i analysed:i at_baseline:i allocation"
        " masking design_model duration limitations file computed_primary_total:i"
        " computed_primary_stated:i computed_primary_met:i computed_primary_not_met:i"
        " has_results:i",
    ),
    _table(
        "arms",
        ("study_id", "group_id"),
        "study_id group_id kind label role registered_as crossover_group randomized:i"
        " analysed:i at_baseline:i drugs network_treatment pooled_arms source_id",
    ),
    _table(
        "endpoints",
        ("study_id", "endpoint_id"),
        "study_id endpoint_id name code level kind time_frame better population source_id"
        " computed_verdict computed_verdict_basis",
    ),
    _table(
        "results",
        ("study_id", "endpoint_id", "group_id"),
        "study_id endpoint_id group_id statistic value:r unit ci_lower:r ci_upper:r ci_level:r"
        " sd:r se:r iqr_lower:r iqr_upper:r range_lower:r range_upper:r geometric_cv:r n:i"
        " counted:i approximate:i source_id",
    ),
    _table(
        "comparisons",
        ("study_id", "endpoint_id", "comparison_no"),
        "study_id endpoint_id comparison_no:i group_id group_vs_id measure measure_name"
        " estimate:r unit ci_lower:r ci_upper:r ci_level:r ci_sides p_value p_sides direction"
        " direction_basis test margin:r margin_upper:r margin_side_stated:i met:i basis"
        " population adjusted_for stratified_by approximate:i source_id",
    ),
    _table(
        "safety_findings",
        ("study_id", "finding_no"),
        "study_id finding_no:i term soc code summary serious:i population source_id",
    ),
    _table(
        "safety_arms",
        ("study_id", "finding_no", "group_id"),
        "study_id finding_no:i group_id affected:i at_risk:i pct:r deaths:i approximate:i"
        " source_id",
    ),
    _table(
        "safety_differences",
        ("study_id", "finding_no", "group_id", "group_vs_id"),
        "study_id finding_no:i group_id group_vs_id computed_basis computed_points:r"
        " computed_ci_lower:r computed_ci_upper:r computed_reason",
    ),
    _table(
        "sources",
        ("study_id", "source_id"),
        "study_id source_id citation publisher date url retrieved kind",
    ),
    _table(
        "publications",
        ("study_id", "publication_no"),
        "study_id publication_no:i citation pmid kind source_id",
    ),
    _table(
        "computed_warnings",
        ("study_id", "warning_no"),
        "study_id warning_no:i check_name field message acknowledged",
    ),
)
BY_NAME = {table.name: table for table in TABLES}


def _flag(value: bool | None) -> int | None:
    return None if value is None else int(value)


def _count(count: Count | None) -> int | None:
    return None if count is None else count.value


def _number(value: float | None) -> float | None:
    return None if value is None else float(value)


def study_rows(study: Study, problems: list[Problem], file: Path) -> Rows:
    """Every row `study` contributes, table by table, in the columns of TABLES."""
    from trialcli.ops.safety import finding_rows
    from trialcli.ops.summary import count_primaries, endpoint_verdict, has_results

    sid = study.id
    rows: Rows = {table.name: [] for table in TABLES}
    population, design = study.population, study.design
    primaries = count_primaries(study)
    rows["studies"].append(
        (
            sid,
            study.registry.nct,
            study.acronym,
            study.title,
            study.phase,
            study.status,
            study.start_date,
            study.completion_date,
            study.sponsor,
            population.condition,
            population.description,
            _flag(population.healthy_volunteers),
            _count(population.randomized),
            _count(population.analysed),
            _count(population.at_baseline),
            design.allocation,
            design.masking,
            design.model,
            design.duration,
            study.limitations.text if study.limitations else None,
            str(file),
            primaries.total,
            primaries.stated,
            # Unknown is not 0: with no stated verdict, met and not met are NULL.
            primaries.met if primaries.stated else None,
            primaries.not_met if primaries.stated else None,
            int(has_results(study)),
        )
    )
    for arm in study.arms:
        rows["arms"].append(
            (
                sid,
                arm.id,
                "arm",
                arm.label,
                arm.role,
                arm.registered_as,
                arm.kind,
                _count(arm.randomized),
                _count(arm.analysed),
                _count(arm.at_baseline),
                "; ".join(i.drug for i in arm.interventions),
                arm.treatment,
                None,
                study.cited_source(arm),
            )
        )
    for pooled in study.pooled_arms:
        # A pooled group gives its members' drugs, so `drugs LIKE` finds it too.
        members = [member for m in pooled.arms if (member := study.arm(m)) is not None]
        drugs = dict.fromkeys(i.drug for arm in members for i in arm.interventions)
        rows["arms"].append(
            (
                sid,
                pooled.id,
                "pooled",
                pooled.label,
                study.group_role(pooled.id),
                None,
                None,
                pooled.n,
                None,
                None,
                "; ".join(drugs) or None,
                None,
                "; ".join(pooled.arms),
                study.cited_source(pooled),
            )
        )
    for endpoint in study.endpoints:
        eid = endpoint.id
        verdict = endpoint_verdict(endpoint)
        rows["endpoints"].append(
            (
                sid,
                eid,
                endpoint.name,
                endpoint.code,
                endpoint.level,
                endpoint.kind,
                endpoint.time_frame,
                endpoint.better,
                endpoint.population,
                study.cited_source(endpoint),
                verdict.state,
                verdict.basis,
            )
        )
        for group, result in endpoint.results.items():
            low, high = result.ci or (None, None)
            q1, q3 = result.iqr or (None, None)
            lowest, highest = result.range or (None, None)
            rows["results"].append(
                (
                    sid,
                    eid,
                    group,
                    result.statistic,
                    _number(result.value),
                    result.unit,
                    _number(low),
                    _number(high),
                    float(result.ci_level),
                    _number(result.sd),
                    _number(result.se),
                    _number(q1),
                    _number(q3),
                    _number(lowest),
                    _number(highest),
                    _number(result.geometric_cv),
                    result.n,
                    result.N,
                    int(result.approximate),
                    study.cited_source(result, endpoint),
                )
            )
        for number, comparison in enumerate(endpoint.comparisons, start=1):
            low, high = comparison.ci or (None, None)
            rows["comparisons"].append(
                (
                    sid,
                    eid,
                    number,
                    comparison.arms[0],
                    comparison.arms[1],
                    comparison.measure,
                    comparison.measure_name,
                    _number(comparison.estimate),
                    comparison.unit,
                    _number(low),
                    _number(high),
                    float(comparison.ci_level),
                    comparison.ci_sides,
                    comparison.p_value,
                    comparison.p_sides,
                    comparison.direction,
                    comparison.direction_basis,
                    comparison.test,
                    _number(comparison.margin),
                    _number(comparison.margin_upper),
                    # Only a margin has a side to state.
                    None if comparison.margin is None else int(comparison.margin_side_stated),
                    _flag(comparison.met),
                    comparison.basis,
                    comparison.population,
                    comparison.adjusted_for,
                    comparison.stratified_by,
                    int(comparison.approximate),
                    study.cited_source(comparison, endpoint),
                )
            )
    for number, finding in enumerate(study.safety, start=1):
        rows["safety_findings"].append(
            (
                sid,
                number,
                finding.term,
                finding.soc,
                finding.code,
                finding.summary,
                _flag(finding.serious),
                finding.population,
                study.cited_source(finding),
            )
        )
        for group, value in finding.arms.items():
            rows["safety_arms"].append(
                (
                    sid,
                    number,
                    group,
                    value.affected,
                    value.at_risk,
                    _number(value.pct),
                    value.deaths,
                    int(value.approximate),
                    study.cited_source(value, finding),
                )
            )
        for pair in finding_rows(study, number - 1, finding):
            if pair.experimental is None or pair.comparator is None:
                continue
            difference = pair.difference
            low, high = difference.ci or (None, None)
            rows["safety_differences"].append(
                (
                    sid,
                    number,
                    pair.experimental.group,
                    pair.comparator.group,
                    difference.kind,
                    difference.points,
                    low,
                    high,
                    difference.reason,
                )
            )
    for source in study.sources:
        rows["sources"].append(
            (
                sid,
                source.id,
                source.citation,
                source.publisher,
                source.date,
                source.url,
                source.retrieved,
                source.kind,
            )
        )
    for number, reference in enumerate(study.references, start=1):
        rows["publications"].append(
            (
                sid,
                number,
                reference.citation,
                reference.pmid,
                reference.kind,
                reference.source or study.default_source,
            )
        )
    warnings = [p for p in problems if p.severity == "warning"]
    for number, problem in enumerate(warnings, start=1):
        rows["computed_warnings"].append(
            (sid, number, problem.check, problem.field, problem.message, problem.acknowledged)
        )
    return rows


def file_rows(paths: list[str]) -> list[Rows | str]:
    """Each file's rows, or why it has none (it does not validate): for worker processes."""
    from trialcli.checking import check_file
    from trialcli.errors import StudyFileError

    found: list[Rows | str] = []
    for name in paths:
        path = Path(name)
        try:
            study, problems = check_file(path)
        except StudyFileError as error:
            found.append(f"{path}: {error.problems[0].message}")
            continue
        errors = [p for p in problems if p.severity == "error"]
        if study is None or errors:
            found.append(str(errors[0]) if errors else f"{path}: does not validate")
            continue
        found.append(study_rows(study, problems, path))
    return found
