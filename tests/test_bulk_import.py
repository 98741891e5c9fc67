"""`trialcli import SOURCE... --into DIR`: a real slice of the bulk download, and crafted edges.

tests/fixtures/ctgov-bulk-slice.zip holds 40 real, unchanged members of
/work/shared/ctgov-bulk/ctg-studies-sample.zip (its PROVENANCE.md): 12 with results, 25
without, and 3 whose record lists no arms or groups, which import their registration
alone ("no results posted"): every record of the slice imports.
"""

from __future__ import annotations

import http.server
import json
import subprocess
import sys
import threading
import urllib.parse
import zipfile
from pathlib import Path
from typing import ClassVar

import pytest
from typer.testing import CliRunner

from trialcli.cli import app
from trialcli.importers import bulk
from trialcli.loader import load_study

# Slow (bulk imports of whole archives, one in a new process): left out of `make fast`.
pytestmark = pytest.mark.slow

SLICE = Path(__file__).parent / "fixtures" / "ctgov-bulk-slice.zip"
NO_ARMS = {"NCT00477789", "NCT00309868", "NCT00171106"}
ROOT = Path(__file__).resolve().parent.parent


def run(tmp: Path, *sources: Path | str, force: bool = False, workers: int = 1) -> bulk.Summary:
    return bulk.run(bulk.plan([str(s) for s in sources]), tmp, force=force, workers=workers)


def member(name: str) -> bytes:
    with zipfile.ZipFile(SLICE) as archive:
        return archive.read(name)


def test_the_slice_imports_with_counts_that_add_up(tmp_path: Path) -> None:
    summary = run(tmp_path, SLICE)
    assert summary.counts == {
        "imported": 40,
        "updated": 0,
        "unchanged": 0,
        "skipped": 0,
        "failed": 0,
    }
    files = sorted(tmp_path.iterdir())
    assert len(files) == 40
    for nct in NO_ARMS:  # a registration alone: no arms, nothing invented
        registered = load_study(tmp_path / f"{nct.lower()}.yaml")
        assert registered.arms == []
        assert all(not e.results and not e.comparisons for e in registered.endpoints)
    study = load_study(tmp_path / "nct04336995.yaml")
    assert study.title == (
        "Echocardiographic Assessment of Pulmonary Transit Time Following Exercise"
    )
    assert study.phase == "4" and study.status == "completed"
    assert study.sponsor == "Vanderbilt University Medical Center"


def test_a_rerun_reports_every_file_unchanged_and_force_replaces(tmp_path: Path) -> None:
    run(tmp_path, SLICE)
    again = run(tmp_path, SLICE)
    assert again.counts["unchanged"] == 40 and again.counts["imported"] == 0
    assert again.counts["failed"] == 0

    edited = tmp_path / "nct04336995.yaml"
    edited.write_text(edited.read_text(encoding="utf-8") + "# my note\n", encoding="utf-8")
    kept = run(tmp_path, SLICE)
    assert kept.counts["skipped"] == 1 and kept.counts["unchanged"] == 39
    assert kept.skipped == [
        ("NCT04336995", "nct04336995.yaml exists with other content (--force replaces it)")
    ]
    assert edited.read_text(encoding="utf-8").endswith("# my note\n")

    forced = run(tmp_path, SLICE, force=True)
    assert forced.counts["updated"] == 1 and forced.counts["unchanged"] == 39
    assert not edited.read_text(encoding="utf-8").endswith("# my note\n")


def test_workers_write_the_same_files_as_one_process(tmp_path: Path) -> None:
    one, two = tmp_path / "one", tmp_path / "two"
    one.mkdir()
    two.mkdir()
    assert run(one, SLICE).counts == run(two, SLICE, workers=2).counts
    for path in one.iterdir():
        assert (two / path.name).read_bytes() == path.read_bytes()


def test_files_folders_and_search_pages_mix_and_duplicates_are_skipped(tmp_path: Path) -> None:
    sources = tmp_path / "sources"
    (sources / "deeper").mkdir(parents=True)
    (sources / "deeper" / "NCT04336995.json").write_bytes(member("NCT04336995.json"))
    (sources / "notes.txt").write_text("not a record", encoding="utf-8")
    page = {
        "studies": [json.loads(member("NCT00679549.json")), json.loads(member("NCT00508196.json"))]
    }
    search = tmp_path / "search.json"
    search.write_text(json.dumps(page), encoding="utf-8")
    into = tmp_path / "catalog"
    into.mkdir()
    summary = run(into, sources, search, SLICE)
    # 1 + 2 records, then the slice's 40 of which 3 are the same studies again.
    assert summary.total == 43
    assert summary.counts["imported"] == 40 and summary.counts["failed"] == 0
    assert summary.counts["skipped"] == 3
    assert ("NCT00679549", f"the same study as {search}") in summary.skipped


def test_broken_members_fail_by_name_and_never_stop_the_others(tmp_path: Path) -> None:
    crafted = tmp_path / "crafted.zip"
    with zipfile.ZipFile(crafted, "w", zipfile.ZIP_DEFLATED) as archive:
        archive.writestr("NCT00000001.json", "{not json")
        archive.writestr("NCT00000002.json", json.dumps({"hello": "world"}))
        archive.writestr("NCT00000003.json", b"\xff\xfe")
        archive.writestr("NCT00000004.json", b" " * 10_000_000)  # compresses ~1000:1
        archive.writestr("README.txt", "about these files")
        archive.writestr("NCT04336995.json", member("NCT04336995.json"))
    into = tmp_path / "catalog"
    into.mkdir()
    summary = run(into, crafted)
    reasons = dict(summary.failed)
    assert reasons["NCT00000001"].startswith("not JSON (line 1, column 2")
    assert reasons["NCT00000002"] == (
        "not a ClinicalTrials.gov API v2 study record (no protocolSection)"
    )
    assert reasons["NCT00000003"] == "not UTF-8 text"
    assert "zip bomb" in reasons["NCT00000004"]
    assert summary.skipped == [(f"{crafted}:README.txt", "not a .json record file")]
    assert summary.counts["imported"] == 1
    assert [p.name for p in into.iterdir()] == ["nct04336995.yaml"]


def test_the_command_prints_the_summary_and_exits_1_when_a_record_failed(
    tmp_path: Path,
) -> None:
    broken = tmp_path / "broken.zip"
    with zipfile.ZipFile(broken, "w") as archive:
        archive.writestr("NCT00000001.json", "{not json")
        archive.writestr("NCT04336995.json", member("NCT04336995.json"))
    into = tmp_path / "catalog"
    into.mkdir()
    result = CliRunner().invoke(app, ["import", str(broken), "--into", str(into)])
    assert result.exit_code == 1
    lines = result.stdout.splitlines()
    assert lines[0] == (
        f"Done: 2 records into {into}: 1 imported, 0 updated, 0 unchanged, 0 skipped, 1 failed"
    )
    assert lines[1] == "Failed:"
    assert lines[2].startswith("  NCT00000001: not JSON (line 1, column 2")
    good = tmp_path / "good"
    good.mkdir()
    (tmp_path / "NCT04336995.json").write_bytes(member("NCT04336995.json"))
    ok = CliRunner().invoke(
        app, ["import", str(tmp_path / "NCT04336995.json"), "--into", str(good)]
    )
    assert ok.exit_code == 0
    assert ok.stdout.startswith(f"Done: 1 records into {good}: 1 imported, 0 updated")


def test_usage_errors_exit_2(tmp_path: Path) -> None:
    several = CliRunner().invoke(app, ["import", str(SLICE), str(SLICE)])
    assert several.exit_code == 2
    assert "give one SOURCE, or several with --into DIR" in several.stderr
    both = CliRunner().invoke(app, ["import", str(SLICE), "--into", ".", "-o", "x.yaml"])
    assert both.exit_code == 2
    missing = CliRunner().invoke(app, ["import", "nowhere.zip", "--into", str(tmp_path)])
    assert missing.exit_code == 1
    assert "nowhere.zip: no such file or folder, and not an NCT id" in missing.stderr


# The process interrupts itself as its sixth file is about to be written: a real SIGINT to a
# real process, at the same point on every run (waiting for files and then signalling from
# outside raced with the import, which could end first or not reach five files in time).
INTERRUPT_AFTER_FIVE = """
import os, signal, sys
import trialcli.files
from trialcli.cli import app

written = 0
real = trialcli.files.write_atomically


def interrupt_the_sixth(*args, **kwargs):
    global written
    if written == 5:
        os.kill(os.getpid(), signal.SIGINT)
    real(*args, **kwargs)
    written += 1


trialcli.files.write_atomically = interrupt_the_sixth
# Started in the background by a shell, a process inherits SIGINT ignored; Ctrl-C at a
# terminal reaches a process that has Python's own handler.
signal.signal(signal.SIGINT, signal.default_int_handler)
app(prog_name="trialcli", args=sys.argv[1:])
"""


def test_ctrl_c_ends_with_130_and_leaves_only_whole_files(tmp_path: Path) -> None:
    # 150 records: the slice's 37 with arms again and again under new ids.
    big = tmp_path / "big.zip"
    good = [n for n in zipfile.ZipFile(SLICE).namelist() if n[:-5] not in NO_ARMS]
    with zipfile.ZipFile(big, "w", zipfile.ZIP_DEFLATED) as archive:
        for number in range(150):
            name = good[number % len(good)]
            nct = f"NCT9{number:07d}"
            archive.writestr(f"{nct}.json", member(name).replace(name[:-5].encode(), nct.encode()))
    into = tmp_path / "catalog"
    into.mkdir()
    process = subprocess.run(
        [sys.executable, "-c", INTERRUPT_AFTER_FIVE, "import", str(big), "--into", str(into)],
        cwd=ROOT,
        capture_output=True,
        text=True,
        timeout=120,
    )
    assert process.returncode == 130, process.stderr
    assert "Traceback" not in process.stderr
    assert process.stdout.startswith(f"Interrupted after 5 records into {into}: 5 imported,")
    assert "run the same command again to go on" in process.stdout
    written = sorted(into.iterdir())
    assert len(written) == 5
    assert all(p.suffix == ".yaml" for p in written), "a temporary file was left behind"
    for path in written:
        assert load_study(path).registry.nct == path.stem.upper()


@pytest.mark.parametrize("workers", [1, 2])
def test_a_record_that_fails_to_map_is_named_even_when_the_mapper_crashes(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, workers: int
) -> None:
    from trialcli.importers import ctgov

    def crash(*_: object) -> None:
        raise ValueError("boom")

    monkeypatch.setattr(ctgov, "record_to_study", crash)
    (tmp_path / "NCT04336995.json").write_bytes(member("NCT04336995.json"))
    into = tmp_path / "catalog"
    into.mkdir()
    summary = run(into, tmp_path / "NCT04336995.json", workers=workers)
    assert summary.failed == [
        ("NCT04336995", "unexpected ValueError: boom (please report this record)")
    ]


class _Registry(http.server.BaseHTTPRequestHandler):
    """Three pages of real slice records: a 429 first, a 500 before the last page."""

    seen: ClassVar[list[str]] = []
    answers: ClassVar[list[int]] = []

    def do_GET(self) -> None:
        type(self).seen.append(self.path)
        status = type(self).answers.pop(0) if type(self).answers else 200
        if status != 200:
            self.send_response(status)
            if status == 429:
                self.send_header("Retry-After", "0")
            self.end_headers()
            return
        query = urllib.parse.parse_qs(urllib.parse.urlsplit(self.path).query)
        token = query.get("pageToken", ["0"])[0]
        names = ["NCT04336995.json", "NCT00679549.json", "NCT00508196.json"]
        page = {"studies": [json.loads(member(names[int(token)]))]}
        if int(token) < 2:
            page["nextPageToken"] = str(int(token) + 1)
        body = json.dumps(page).encode()
        self.send_response(200)
        self.send_header("Content-Type", "application/json")
        self.end_headers()
        self.wfile.write(body)

    def log_message(self, *_: object) -> None:
        pass


def test_a_search_pages_through_tokens_and_retries_429_and_500(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    from trialcli.importers import query

    server = http.server.ThreadingHTTPServer(("127.0.0.1", 0), _Registry)
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    _Registry.seen.clear()
    _Registry.answers[:] = [429, 200, 500]
    monkeypatch.setenv("TRIALCLI_CTGOV_URL", f"http://127.0.0.1:{server.server_port}/studies/")
    waits: list[float] = []
    monkeypatch.setattr(query.time, "sleep", waits.append)
    try:
        result = CliRunner().invoke(
            app,
            ["import", "--into", str(tmp_path), "--cond", "heart failure", "--phase", "4",
             "--with-results"],
        )  # fmt: skip
    finally:
        server.shutdown()
    assert result.exit_code == 0, result.stdout + result.stderr
    assert result.stdout.startswith(f"Done: 3 records into {tmp_path}: 3 imported")
    assert sorted(p.name for p in tmp_path.iterdir()) == [
        "nct00508196.yaml",
        "nct00679549.yaml",
        "nct04336995.yaml",
    ]
    # 429, page 1, 500, page 2, page 3: each failure retried, each page asked by its token.
    assert len(_Registry.seen) == 5
    first = urllib.parse.parse_qs(urllib.parse.urlsplit(_Registry.seen[0]).query)
    assert first["query.cond"] == ["heart failure"]
    assert first["filter.advanced"] == ["AREA[Phase]PHASE4 AND AREA[HasResults]true"]
    assert "pageToken" not in first
    assert "pageToken=1" in _Registry.seen[2] and "pageToken=2" in _Registry.seen[4]
    # The 429 said Retry-After: 0; the 500 said nothing and waited the first back-off step.
    assert 0 in waits and query.BACKOFF_SECONDS in waits
    assert load_study(tmp_path / "nct04336995.yaml").sources[0].retrieved is not None


def test_a_search_that_keeps_failing_is_one_named_failure(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    from trialcli.importers import query

    server = http.server.ThreadingHTTPServer(("127.0.0.1", 0), _Registry)
    threading.Thread(target=server.serve_forever, daemon=True).start()
    _Registry.seen.clear()
    _Registry.answers[:] = [503] * (query.RETRIES + 1)
    monkeypatch.setenv("TRIALCLI_CTGOV_URL", f"http://127.0.0.1:{server.server_port}/studies")
    monkeypatch.setattr(query.time, "sleep", lambda _: None)
    try:
        summary = bulk.run(bulk.plan([], query.Query(term="x")), tmp_path)
    finally:
        server.shutdown()
    assert summary.failed == [
        ("the query query.term=x", "the search failed: HTTP 503 (Service Unavailable)")
    ]
    assert len(_Registry.seen) == query.RETRIES + 1
