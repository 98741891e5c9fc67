"""`trialcli import`: ClinicalTrials.gov API v2 records become studies that say what they say.

The two records in tests/fixtures/ctgov/ are real, verbatim API v2 responses (U.S.
government public domain; provenance in /work/shared/ctgov/PROVENANCE.md). Every figure
asserted below was read off those files. Tests marked "derived" change a copy of a real
record in one stated way, to show how the import copes with what other records do.
"""

from __future__ import annotations

import copy
import datetime as dt
import http.server
import json
import socket
import threading
from collections.abc import Iterator
from pathlib import Path
from typing import Any, ClassVar

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from typer.testing import CliRunner

from trialcli.cli import app
from trialcli.importers import ctgov
from trialcli.importers.ctgov import RecordError, fetch, record_to_study
from trialcli.loader import parse_yaml, validate_data
from trialcli.model import Study
from trialcli.writer import study_yaml

RECORDS = Path(__file__).parent / "fixtures" / "ctgov"
TRANSFORM3 = RECORDS / "NCT02422186.json"
EDOXABAN = RECORDS / "NCT00806624.json"


@pytest.fixture(autouse=True)
def no_network(monkeypatch: pytest.MonkeyPatch) -> None:
    # Nothing in these tests may reach the real registry: point fetches at a closed port.
    monkeypatch.setenv(ctgov.URL_ENV, f"http://127.0.0.1:{closed_port()}/studies/")


def closed_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        port: int = probe.getsockname()[1]
    return port


def record(path: Path) -> dict[str, Any]:
    loaded: dict[str, Any] = json.loads(path.read_text(encoding="utf-8"))
    return loaded


def imported(data: dict[str, Any]) -> Study:
    return record_to_study(data, "2026-09-25", "file")


def round_trip(study: Study) -> Study:
    """The study as `import` writes it and the loader reads it back; it must be valid."""
    text = study_yaml(study, ["test"])
    again, problems = validate_data(parse_yaml(text, "x.yaml"), text, "x.yaml")
    assert problems == [], problems
    assert again is not None
    return again


def run(runner: CliRunner, *args: str) -> str:
    result = runner.invoke(app, list(args))
    assert result.exit_code == 0, result.stderr
    return result.stdout


@pytest.fixture
def wide(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("COLUMNS", "400")  # one line per table cell, even for long names


# --- NCT00806624: edoxaban (DU-176b) phase 2, three arms, mostly NOT_POSTED measures --------


def test_edoxaban_identity_design_and_arms() -> None:
    study = imported(record(EDOXABAN))
    assert (study.id, study.acronym, study.phase, study.status) == (
        "nct00806624",
        "NCT00806624",
        "2",
        "completed",
    )
    assert (study.start_date, study.completion_date) == ("2007-10", "2009-11")
    assert study.sponsor == "Daiichi Sankyo Co., Ltd."
    assert study.registry.sponsor_code == "DU176b-C-J226"
    assert study.design.allocation == "randomized"
    assert study.design.masking is not None and study.design.masking.startswith("quadruple-blind")
    assert study.population.randomized is not None and study.population.randomized.value == 234
    assert study.population.eligibility is not None
    age = study.population.eligibility.age
    assert age is not None and (age.min, age.max) == (18, 80)
    # Result groups are named by dose; registered arms are "1", "2", "3". The warfarin
    # group matches its arm; the two DU-176b groups could each be arm 1 or 2, and the
    # import says so instead of guessing.
    arms = {a.label: a for a in study.arms}
    assert list(arms) == ["DU176b 30mg", "DU-176b 60 mg", "Warfarin Potassium"]
    assert [a.role for a in arms.values()] == ["experimental", "experimental", "active-comparator"]
    assert [a.randomized.value for a in arms.values() if a.randomized] == [79, 80, 75]
    assert [i.drug for i in arms["Warfarin Potassium"].interventions] == ["Warfarin tablets"]
    low = arms["DU176b 30mg"]
    assert [i.drug for i in low.interventions] == ["DU-176b tablets"]
    assert low.note is not None
    assert "does not say which registered arm" in low.note
    assert "'1' (DU-176b tablets: low-dose)" in low.note


def test_edoxaban_outcomes_keep_values_cis_and_unposted_measures() -> None:
    study = imported(record(EDOXABAN))
    ids = {a.label: a.id for a in study.arms}
    bleeding, *unposted = study.endpoints
    assert (bleeding.name, bleeding.level, bleeding.kind) == (
        "Incidence of All Bleeding",
        "primary",
        "proportion",
    )
    low = bleeding.results[ids["DU176b 30mg"]]
    assert (low.value, low.ci, low.unit, low.N) == (20.3, (12.9, 30.4), "%", 79)
    warfarin = bleeding.results[ids["Warfarin Potassium"]]
    assert (warfarin.value, warfarin.ci, warfarin.N) == (29.3, (20.2, 40.4), 75)
    effects = [(c.measure, c.estimate, c.ci, c.p_value, c.unit) for c in bleeding.comparisons]
    assert effects == [
        ("risk-difference", -3.5, (-16.2, 9.4), None, "percentage points"),
        ("risk-difference", -9.1, (-22.4, 4.5), None, "percentage points"),
        ("risk-difference", -5.6, (-19.3, 8.2), None, "percentage points"),
    ]
    assert bleeding.comparisons[1].arms == (ids["DU176b 30mg"], ids["Warfarin Potassium"])
    # The record states no direction: two doses of one drug cannot be ordered by role, but
    # the risks can: 20.3 − 23.8 = −3.5, and so for each dose against warfarin.
    assert [(c.direction, c.direction_basis) for c in bleeding.comparisons] == [
        ("inferred", "figures")
    ] * 3
    # Five secondary measures were registered but their results never posted.
    assert len(unposted) == 5
    for endpoint in unposted:
        assert endpoint.results == {} and endpoint.comparisons == []
        assert endpoint.note is not None and "NOT_POSTED" in endpoint.note


def test_edoxaban_adverse_events() -> None:
    study = imported(record(EDOXABAN))
    ids = {a.label: a.id for a in study.arms}
    serious = next(f for f in study.safety if f.summary == "serious-adverse-event")
    assert {k: (v.affected, v.at_risk) for k, v in serious.arms.items()} == {
        ids["DU176b 30mg"]: (3, 79),
        ids["DU-176b 60 mg"]: (10, 80),
        ids["Warfarin Potassium"]: (5, 75),
    }
    assert not any(f.summary == "death" for f in study.safety)  # the record gives no deaths
    terms = [f for f in study.safety if f.summary is None and not f.term.startswith("Non-serious")]
    assert len([f for f in terms if f.serious]) == 19
    assert len([f for f in terms if f.serious is False]) == 52
    failure = next(f for f in terms if f.term == "Cardiac failure")
    assert failure.soc == "Cardiac disorders"
    assert failure.note is not None and failure.note.startswith("MedDRA v.10.1")
    assert (
        failure.arms[ids["DU-176b 60 mg"]].affected,
        failure.arms[ids["DU-176b 60 mg"]].at_risk,
    ) == (
        2,
        80,
    )
    diarrhoea = next(f for f in terms if f.term == "Diarrhoea")
    assert diarrhoea.serious is False
    assert diarrhoea.arms[ids["Warfarin Potassium"]].affected == 5


# --- NCT02422186: TRANSFORM-3, two arms, four adverse-event groups ------------------------


def test_transform3_outcomes_with_analyses() -> None:
    study = imported(record(TRANSFORM3))
    assert study.acronym == "TRANSFORM-3"
    assert study.registry.eudract == "2014-004588-19"
    arms = {a.label: a for a in study.arms}
    esketamine = arms["Intranasal Esketamine Plus Oral Antidepressant (AD)"]
    placebo = arms["Oral AD Plus Intranasal Placebo"]
    assert (esketamine.role, placebo.role) == ("experimental", "active-comparator")
    assert "Esketamine" in [i.drug for i in esketamine.interventions]
    assert "Placebo" in [i.drug for i in placebo.interventions]
    assert "Esketamine" not in [i.drug for i in placebo.interventions]

    mmrm = study.endpoints[0]
    assert mmrm.level == "primary" and mmrm.kind == "continuous"
    result = mmrm.results[esketamine.id]
    assert (result.value, result.N, result.unit) == (-10.0, 63, "units on a scale")
    # The statistic and its spread are fields (issue 21, item 8), no longer words in the note.
    assert (result.statistic, result.sd, result.note) == ("mean", 12.74, None)
    assert mmrm.results[placebo.id].value == -6.3
    (effect,) = mmrm.comparisons
    assert (effect.measure, effect.estimate, effect.ci, effect.ci_level, effect.p_value) == (
        "ls-mean-difference",
        -3.6,
        (-7.20, 0.07),
        95,
        "=0.059",
    )
    assert (effect.arms, effect.direction) == ((esketamine.id, placebo.id), "inferred")
    assert effect.note is not None and "Mixed Model for Repeated Measures" in effect.note
    ancova = study.endpoints[1].comparisons[0]
    assert (ancova.estimate, ancova.ci, ancova.p_value) == (-3.6, (-7.16, -0.03), "=0.052")
    response = study.endpoints[2]
    assert response.kind == "proportion"
    assert (response.results[esketamine.id].value, response.results[placebo.id].value) == (
        23.9,
        12.5,
    )
    cgi = study.endpoints[4]
    assert cgi.results[esketamine.id].ci is None  # a full range is not a confidence interval
    cgi_result = cgi.results[esketamine.id]
    assert (cgi_result.statistic, cgi_result.range, cgi_result.note) == ("median", (-4, 1), None)


def test_transform3_phases_of_adverse_events_are_never_merged() -> None:
    study = imported(record(TRANSFORM3))
    ids = {a.label: a.id for a in study.arms}
    esketamine = ids["Intranasal Esketamine Plus Oral Antidepressant (AD)"]
    placebo = ids["Oral AD Plus Intranasal Placebo"]
    assert len(study.arms) == 2  # four event groups, two arms, no invented groups

    def counts(term: str, phase: str) -> dict[str, tuple[int | None, int | None]]:
        finding = next(
            f for f in study.safety if f.term == term and (f.population or "").startswith(phase)
        )
        return {k: (v.affected, v.at_risk) for k, v in finding.arms.items()}

    assert counts("Serious adverse events (any)", "DB Phase") == {
        esketamine: (3, 72),
        placebo: (2, 65),
    }
    assert counts("Serious adverse events (any)", "Follow-up Phase") == {
        esketamine: (0, 12),
        placebo: (0, 3),
    }
    assert counts("Deaths (all causes)", "DB Phase") == {esketamine: (0, 72), placebo: (0, 65)}
    assert counts(
        "Non-serious adverse events (any, above the reporting threshold)", "Follow-up"
    ) == {
        esketamine: (1, 12),
        placebo: (1, 3),
    }
    assert counts("Gait Disturbance", "DB Phase") == {esketamine: (0, 72), placebo: (1, 65)}
    assert counts("Vertigo", "DB Phase") == {esketamine: (8, 72), placebo: (2, 65)}
    assert len(study.safety) == 2 * (3 + 6 + 18)


def test_text_is_unescaped_and_criteria_are_split() -> None:
    study = imported(record(TRANSFORM3))
    mmrm = study.endpoints[0]
    assert mmrm.definition is not None
    assert "inability to feel [interest level]" in mmrm.definition
    written = study_yaml(study)
    assert not any(escaped in written for escaped in ("\\[", "\\]", "\\<", "\\>", "\\("))
    assert study.population.eligibility is not None
    criteria = [c.text for c in study.population.eligibility.criteria]
    assert criteria[0].startswith("Inclusion: At the time of signing the informed consent")
    assert any(c.startswith("Exclusion: Participant has a Mini Mental State") for c in criteria)
    assert any("(>=) 31" in c for c in criteria)
    assert "OG000" not in study_yaml(study) and "EG003" not in study_yaml(study)


@pytest.mark.parametrize("path", [TRANSFORM3, EDOXABAN], ids=lambda p: p.stem)
def test_output_reads_back_as_the_same_study(path: Path) -> None:
    study = imported(record(path))
    assert round_trip(study) == study


def test_source_is_the_registry_record() -> None:
    study = imported(record(TRANSFORM3))
    (source,) = study.sources
    assert study.default_source == source.id
    assert source.kind == "registry"
    assert source.url == "https://clinicaltrials.gov/study/NCT02422186"
    assert source.retrieved == "2026-09-25"
    assert source.date == "2025-04-29"  # last update posted
    assert source.note is not None and "versionHolder" in source.note


# --- the command ------------------------------------------------------------------------


@pytest.mark.usefixtures("wide")
def test_import_file_validates_and_shows_the_records_figures(
    runner: CliRunner, tmp_path: Path
) -> None:
    target = tmp_path / "nct02422186.yaml"
    result = runner.invoke(app, ["import", str(TRANSFORM3), "-o", str(target)])
    assert result.exit_code == 0, result.stderr
    assert result.stdout == ""
    assert "Wrote" in result.stderr and "8 endpoints, 54 safety findings" in result.stderr
    text = target.read_text(encoding="utf-8")
    assert text.startswith(
        "# TRANSFORM-3: imported by trialcli 0.1.0 from ClinicalTrials.gov record NCT02422186,\n"
        "# record version of 2026-09-25: https://clinicaltrials.gov/study/NCT02422186\n"
    )
    checked = run(runner, "--data-dir", str(tmp_path), "validate")
    # The registry's own figures disagree twice: the audit says so, the file stays valid.
    # Enrollment (139) is not the number who started (72 + 66): no false alarm between them.
    assert checked.endswith("4 files checked, all valid; 8 warnings (7 recorded disagreements)\n")
    assert "138 vs 139" not in checked
    assert "excludes 0 (no difference), but p=0.052 [1] is not below 0.05" in checked
    shown = run(runner, "--data-dir", str(tmp_path), "show", "nct02422186", "--full")
    assert "TRANSFORM-3  ·  phase 3  ·  completed" in shown
    # The arm's figure says what it is and its spread (issue 21, item 8): fields, not a note.
    assert (
        "Intranasal Esketamine Plus Oral Antidepressant (AD): mean −10.0 units on a scale "
        "(SD 12.74) [1]"
    ) in shown
    assert (
        # −3.6 as the record writes it, beside limits written to two places
        "least-squares mean difference −3.6 (−7.20 to 0.07) units on a scale, p=0.059 "
        "(direction inferred from the record's figures) [1]"
    ) in shown
    assert (
        "least-squares mean difference −3.6 (−7.16 to −0.03) units on a scale, p=0.052 "
        "(direction inferred from the record's figures) [1]"
    ) in shown
    assert "Oral AD Plus Intranasal Placebo: 12.5% [1]" in shown
    assert "Intranasal Esketamine Plus Oral Antidepressant (AD): 3/72 (4.2%, computed) [1]" in shown
    assert (
        "Vertigo" in shown and "Intranasal Esketamine Plus Oral Antidepressant (AD): 8/72" in shown
    )
    rows = run(runner, "show", str(target), "-f", "csv")
    assert "primary-1,Change From Baseline in Montgomery" in rows
    assert ",ls-mean-difference,-3.6,units on a scale,-7.20,0.07,95,,,=0.059," in rows


@pytest.mark.usefixtures("wide")
def test_import_to_stdout_shows_unposted_results_as_not_reported(
    runner: CliRunner, tmp_path: Path
) -> None:
    text = run(runner, "import", str(EDOXABAN))
    assert text.startswith("# NCT00806624: imported by trialcli")
    path = tmp_path / "nct00806624.yaml"
    path.write_text(text, encoding="utf-8")
    shown = run(runner, "show", str(path), "--full")
    assert "DU176b 30mg: 20.3% (12.9–30.4) [1]" in shown
    assert (
        "risk difference −9.1 (−22.4 to 4.5) percentage points (direction inferred from the "
        "record's figures) [1]"
    ) in shown
    assert "Evaluation of Plasma Concentration of DU-176" in shown
    assert "DU-176b 60 mg: 10/80 (12.5%, computed) [1]" in shown  # serious adverse events
    unposted = next(line for line in shown.splitlines() if "Plasma Concentration" in line)
    assert "not reported" in unposted


def test_import_refuses_to_overwrite_and_leaves_the_file(runner: CliRunner, tmp_path: Path) -> None:
    target = tmp_path / "study.yaml"
    target.write_text("my curated study\n", encoding="utf-8")
    result = runner.invoke(app, ["import", str(EDOXABAN), "-o", str(target)])
    assert result.exit_code == 1
    assert result.stderr == f"Error: '{target}' already exists; use --force to replace it\n"
    assert target.read_text(encoding="utf-8") == "my curated study\n"
    assert sorted(p.name for p in tmp_path.iterdir()) == ["study.yaml"]

    forced = runner.invoke(app, ["import", str(EDOXABAN), "-o", str(target), "--force"])
    assert forced.exit_code == 0, forced.stderr
    assert target.read_text(encoding="utf-8").startswith("# NCT00806624: imported")


@pytest.mark.parametrize(
    ("content", "message"),
    [
        ("{not json", "is not JSON (line 1, column 2"),
        ('{"studies": []}', "is not a ClinicalTrials.gov API v2 study record"),
        ('{"protocolSection": {}}', "the record has no valid NCT id"),
    ],
)
def test_unreadable_records_are_explained(
    runner: CliRunner, tmp_path: Path, content: str, message: str
) -> None:
    path = tmp_path / "record.json"
    path.write_text(content, encoding="utf-8")
    result = runner.invoke(app, ["import", str(path)])
    assert result.exit_code == 1
    assert result.stderr.startswith("Error: ") and message in result.stderr
    assert "Traceback" not in result.stderr


def test_missing_file_says_what_source_may_be(runner: CliRunner) -> None:
    result = runner.invoke(app, ["import", "nowhere.json"])
    assert result.exit_code == 1
    assert result.stderr == (
        "Error: nowhere.json: no such file (give a saved API v2 JSON file or an NCT id)\n"
    )


# --- fetching ---------------------------------------------------------------------------


class _Registry(http.server.BaseHTTPRequestHandler):
    """A stand-in for the API v2 on 127.0.0.1: /studies/NCT02422186 is the fixture."""

    requests: ClassVar[list[str]] = []

    def do_GET(self) -> None:
        _Registry.requests.append(self.path)
        if self.path == "/api/v2/studies/NCT02422186":
            body = TRANSFORM3.read_bytes()
            self.send_response(200)
            self.send_header("Content-Type", "application/json")
            self.send_header("Content-Length", str(len(body)))
            self.end_headers()
            self.wfile.write(body)
        else:
            self.send_error(404)

    def log_message(self, format: str, *args: Any) -> None:  # keep test output quiet
        pass


@pytest.fixture
def registry(monkeypatch: pytest.MonkeyPatch) -> Iterator[str]:
    server = http.server.ThreadingHTTPServer(("127.0.0.1", 0), _Registry)
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    url = f"http://127.0.0.1:{server.server_address[1]}/api/v2/studies/"
    monkeypatch.setenv(ctgov.URL_ENV, url)
    _Registry.requests.clear()
    try:
        yield url
    finally:
        server.shutdown()
        server.server_close()


@pytest.mark.usefixtures("registry")
def test_fetch_by_nct_id_from_the_api(runner: CliRunner, tmp_path: Path) -> None:
    text = run(runner, "import", "nct02422186")  # any case
    assert _Registry.requests == ["/api/v2/studies/NCT02422186"]
    today = dt.date.today().isoformat()
    assert text.splitlines()[1] == (
        f"# retrieved {today}: https://clinicaltrials.gov/study/NCT02422186"
    )
    path = tmp_path / "nct02422186.yaml"
    path.write_text(text, encoding="utf-8")
    data = json.loads(run(runner, "show", str(path), "-f", "json"))["study"]
    source = data["sources"][0]
    assert source["retrieved"] == today
    assert source["note"].startswith(f"Fetched from the ClinicalTrials.gov API v2 on {today}.")
    assert data["endpoints"][0]["comparisons"][0]["p_value"] == "=0.059"


@pytest.mark.usefixtures("registry")
def test_fetch_of_an_unknown_study(runner: CliRunner) -> None:
    result = runner.invoke(app, ["import", "NCT99999999"])
    assert result.exit_code == 1
    assert result.stderr == (
        "Error: could not fetch NCT99999999: HTTP 404 (no such study on ClinicalTrials.gov)\n"
    )


def test_fetch_when_offline_fails_clearly(runner: CliRunner) -> None:
    result = runner.invoke(app, ["import", "NCT02422186"])  # the autouse closed port
    assert result.exit_code == 1
    assert result.stderr.startswith("Error: could not fetch NCT02422186: ")
    assert "refused" in result.stderr.lower()
    assert result.stdout == ""


def test_fetch_gives_up_after_the_timeout(
    runner: CliRunner, monkeypatch: pytest.MonkeyPatch
) -> None:
    with socket.socket() as silent:  # accepts connections, never answers
        silent.bind(("127.0.0.1", 0))
        silent.listen(1)
        monkeypatch.setenv(ctgov.URL_ENV, f"http://127.0.0.1:{silent.getsockname()[1]}/")
        monkeypatch.setattr(fetch, "TIMEOUT_SECONDS", 0.3)
        result = runner.invoke(app, ["import", "NCT02422186"])
    assert result.exit_code == 1
    assert result.stderr == (
        "Error: could not fetch NCT02422186: no answer within 0.3 seconds (offline?)\n"
    )


def test_only_http_addresses_are_fetched(
    runner: CliRunner, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv(ctgov.URL_ENV, "file:///etc/")
    result = runner.invoke(app, ["import", "NCT02422186"])
    assert result.exit_code == 1
    assert "TRIALCLI_CTGOV_URL must be an http(s) address" in result.stderr


# --- derived variants: what other real records do ----------------------------------------


def test_derived_numbers_as_json_numbers_and_counts_as_text() -> None:
    # Derived from NCT00806624: measurement values as JSON numbers, AE counts as strings.
    data = record(EDOXABAN)
    measure = data["resultsSection"]["outcomeMeasuresModule"]["outcomeMeasures"][0]
    for m in measure["classes"][0]["categories"][0]["measurements"]:
        m["value"] = float(m["value"])
    for count in measure["denoms"][0]["counts"]:
        count["value"] = int(count["value"])
    for event in data["resultsSection"]["adverseEventsModule"]["seriousEvents"]:
        for stats in event["stats"]:
            stats["numAffected"] = str(stats["numAffected"])
    study = imported(data)
    original = imported(record(EDOXABAN))
    assert study.endpoints[0].results == original.endpoints[0].results
    assert study.safety == original.safety


def test_derived_record_without_results_keeps_registered_arms_and_outcomes() -> None:
    # Derived from NCT00806624: no resultsSection (a record before results are posted).
    data = record(EDOXABAN)
    del data["resultsSection"]
    study = round_trip(imported(data))
    assert [(a.label, a.role) for a in study.arms] == [
        ("2", "experimental"),
        ("3", "active-comparator"),
        ("1", "experimental"),
    ]
    assert [e.level for e in study.endpoints] == ["primary"] + ["secondary"] * 5
    assert all(e.results == {} for e in study.endpoints)
    assert study.safety == []


def test_derived_record_without_arms_module_marks_interventions_unlinked() -> None:
    # Derived from NCT02422186: armsInterventionsModule missing.
    data = record(TRANSFORM3)
    del data["protocolSection"]["armsInterventionsModule"]
    study = round_trip(imported(data))
    assert len(study.arms) == 2
    assert all(a.role == "other" for a in study.arms)
    assert all(a.interventions[0].drug == ctgov.UNLINKED for a in study.arms)


def test_derived_partial_and_unreadable_dates() -> None:
    # Derived from NCT00806624: a year-only start and a free-text completion date.
    data = record(EDOXABAN)
    status = data["protocolSection"]["statusModule"]
    status["startDateStruct"] = {"date": "2007"}
    status["completionDateStruct"] = {"date": "November 2009", "type": "ACTUAL"}
    study = round_trip(imported(data))
    assert study.start_date == "2007"
    assert study.completion_date is None  # not invented from text it cannot read


def test_derived_anticipated_completion_is_a_planned_milestone() -> None:
    # Derived from NCT02422186: completion date still ESTIMATED.
    data = record(TRANSFORM3)
    data["protocolSection"]["statusModule"]["completionDateStruct"]["type"] = "ESTIMATED"
    study = imported(data)
    assert study.completion_date is None
    planned = next(m for m in study.milestones if m.event == "Study completion")
    assert (planned.date, planned.status) == ("2017-08-10", "planned")


def test_derived_na_values_and_impossible_intervals_stay_out() -> None:
    # Derived from NCT00806624: one value "NA" with a comment, one CI that excludes its value,
    # and an analysis whose estimate lies outside its own interval.
    data = record(EDOXABAN)
    measure = data["resultsSection"]["outcomeMeasuresModule"]["outcomeMeasures"][0]
    low, high, _warfarin = measure["classes"][0]["categories"][0]["measurements"]
    low.update(value="NA", comment="Not estimable: too few events")
    high.update(lowerLimit="25.0")  # 23.8 is not within 25.0 to 34.1
    measure["analyses"][0]["paramValue"] = "-30.0"
    study = round_trip(imported(data))
    ids = {a.label: a.id for a in study.arms}
    bleeding = study.endpoints[0]
    na = bleeding.results[ids["DU176b 30mg"]]
    assert na.value is None and na.ci == (12.9, 30.4)  # the interval is kept as registered
    assert na.note is not None and "registered as 'NA'" in na.note and "too few events" in na.note
    outside = bleeding.results[ids["DU-176b 60 mg"]]
    assert (outside.value, outside.ci) == (23.8, None)
    assert outside.note == "95% CI as registered: 25.0 to 34.1"
    first = bleeding.comparisons[0]
    assert (first.estimate, first.ci) == (-30.0, None)
    assert first.note is not None and "95% CI as registered: -16.2 to 9.4" in first.note


def test_derived_analyses_of_other_shapes() -> None:
    # Derived from NCT02422186: p-values with spaces or words, a p-value-only analysis,
    # a hazard ratio, an unknown parameter and an analysis of three groups.
    data = record(TRANSFORM3)
    measures = data["resultsSection"]["outcomeMeasuresModule"]["outcomeMeasures"]
    base = measures[0]["analyses"][0]
    measures[0]["analyses"] = [
        {**base, "pValue": "< 0.001"},
        {**base, "pValue": "0.05 (one-sided)"},
        {"groupIds": ["OG000", "OG001"], "pValue": "0.20", "statisticalMethod": "Wilcoxon"},
        {
            **base,
            "paramType": "Hazard Ratio (HR)",
            "paramValue": "0.70",
            "ciLowerLimit": "0.5",
            "ciUpperLimit": "0.98",
        },
        {**base, "paramType": "Slope", "paramValue": "1.2"},
        {**base, "groupIds": ["OG000", "OG001", "OG002"]},
    ]
    study = round_trip(imported(data))
    endpoint = study.endpoints[0]
    spaced, worded, p_only, hazard, slope = endpoint.comparisons
    assert spaced.p_value == "<0.001"
    assert worded.p_value is None
    assert worded.note is not None and "p-value as registered: 0.05 (one-sided)" in worded.note
    assert (p_only.estimate, p_only.p_value) == (None, "0.20")
    assert p_only.note is not None and p_only.note.startswith("p-value only")
    assert (hazard.measure, hazard.estimate, hazard.ci) == ("hazard-ratio", 0.70, (0.5, 0.98))
    assert (slope.measure, slope.measure_name, slope.estimate) == ("slope-difference", "Slope", 1.2)
    assert endpoint.note is not None and "Registry analysis of" in endpoint.note


def test_derived_titles_that_differ_only_in_spelling_still_match() -> None:
    # Derived from NCT00806624: the outcome's groups written with other case and spacing.
    data = record(EDOXABAN)
    groups = data["resultsSection"]["outcomeMeasuresModule"]["outcomeMeasures"][0]["groups"]
    groups[0]["title"] = "du176b 30 MG"
    groups[2]["title"] = "WARFARIN  potassium"
    study = imported(data)
    assert len(study.arms) == 3
    assert set(study.endpoints[0].results) == {a.id for a in study.arms}


def test_derived_total_group_is_a_pooled_group_never_merged() -> None:
    # Derived from NCT00806624: the outcome adds an "All DU-176b" group of both doses, a
    # union of two randomized arms: a pooled group of them, its figure its own.
    data = record(EDOXABAN)
    measure = data["resultsSection"]["outcomeMeasuresModule"]["outcomeMeasures"][0]
    measure["groups"].append({"id": "OG003", "title": "All DU-176b", "description": "30 + 60 mg"})
    measure["classes"][0]["categories"][0]["measurements"].append(
        {"groupId": "OG003", "value": "22.0", "lowerLimit": "16.0", "upperLimit": "29.0"}
    )
    study = round_trip(imported(data))
    (pooled,) = study.pooled_arms
    assert pooled.label == "All DU-176b"
    assert [study.group_label(a) for a in pooled.arms] == ["DU176b 30mg", "DU-176b 60 mg"]
    assert pooled.note is not None and "the union of these randomized arms" in pooled.note
    assert study.endpoints[0].results[pooled.id].value == 22.0
    assert [study.endpoints[0].results[a.id].value for a in study.arms] == [20.3, 23.8, 29.3]


def test_derived_escapes_in_text_are_undone() -> None:
    # Derived from NCT00806624: Markdown escapes and an HTML entity in a title.
    data = record(EDOXABAN)
    measure = data["resultsSection"]["outcomeMeasuresModule"]["outcomeMeasures"][0]
    measure["title"] = "Bleeding \\[major \\+ minor\\] in \\<3 months &amp; after"
    study = imported(data)
    assert study.endpoints[0].name == "Bleeding [major + minor] in <3 months & after"


def _paths(data: Any, prefix: tuple[str | int, ...] = ()) -> list[tuple[str | int, ...]]:
    found: list[tuple[str | int, ...]] = []
    if isinstance(data, dict):
        for key, value in data.items():
            found.append((*prefix, key))
            found += _paths(value, (*prefix, key))
    elif isinstance(data, list):
        for index, value in enumerate(data[:3]):
            found += _paths(value, (*prefix, index))
    return found


_BASE = record(EDOXABAN)
_REMOVABLE = [
    p for p in _paths(_BASE) if p[:3] != ("protocolSection", "identificationModule", "nctId")
]


@pytest.mark.slow
@settings(max_examples=60, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(st.lists(st.sampled_from(_REMOVABLE), min_size=1, max_size=12))
def test_derived_any_missing_keys_give_a_valid_study_or_a_clear_error(
    removed: list[tuple[str | int, ...]],
) -> None:
    # Derived from NCT00806624: any handful of keys deleted, as real records leave them out.
    data = copy.deepcopy(_BASE)
    for path in removed:
        parent: Any = data
        for step in path[:-1]:
            try:
                parent = parent[step]
            except (KeyError, IndexError, TypeError):
                break
        else:
            if isinstance(parent, dict):
                parent.pop(path[-1], None)
    try:
        study = imported(data)
    except RecordError as error:
        assert "no valid NCT id" in str(error) or "lists no arms or groups" in str(error)
        return
    assert round_trip(study) == study
