"""Fetching and writing an imported record: wrong records, slow servers, hostile files.

A stand-in for the registry runs on 127.0.0.1 with small timeouts; nothing here reaches
the real ClinicalTrials.gov.
"""

from __future__ import annotations

import http.server
import json
import os
import socket
import threading
import time
from collections.abc import Iterator
from pathlib import Path
from typing import Any, ClassVar

import pytest
from typer.testing import CliRunner

from trialcli.cli import app
from trialcli.importers.ctgov import URL_ENV, RecordError, fetch

RECORD = Path(__file__).parent / "fixtures" / "ctgov" / "NCT02422186.json"


class _Server(http.server.BaseHTTPRequestHandler):
    """Answers every study with the NCT02422186 fixture; /slow/ trickles it a byte at a time."""

    trickle: ClassVar[float] = 0.0

    def do_GET(self) -> None:
        body = RECORD.read_bytes()
        self.send_response(200)
        self.send_header("Content-Type", "application/json")
        self.send_header("Content-Length", str(len(body)))
        self.end_headers()
        if self.path.startswith("/slow/"):
            try:
                for byte in body:
                    self.wfile.write(bytes([byte]))
                    self.wfile.flush()
                    time.sleep(_Server.trickle)
            except ConnectionError:
                pass  # the client gave up, as it should
        else:
            self.wfile.write(body)

    def log_message(self, format: str, *args: Any) -> None:  # keep test output quiet
        pass


@pytest.fixture
def server() -> Iterator[str]:
    httpd = http.server.ThreadingHTTPServer(("127.0.0.1", 0), _Server)
    httpd.daemon_threads = True
    thread = threading.Thread(target=httpd.serve_forever, daemon=True)
    thread.start()
    try:
        yield f"http://127.0.0.1:{httpd.server_address[1]}"
    finally:
        _Server.trickle = 0.0  # a trickle still running ends at once
        httpd.shutdown()
        httpd.server_close()


def test_a_record_of_another_study_is_refused_and_nothing_written(
    runner: CliRunner, server: str, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv(URL_ENV, f"{server}/studies/")
    target = tmp_path / "study.yaml"
    result = runner.invoke(app, ["import", "NCT00000001", "-o", str(target)])
    assert result.exit_code == 1
    assert result.stderr == (
        f"Error: the record fetched from {server}/studies/NCT00000001 is of NCT02422186, not "
        "NCT00000001; nothing was written\n"
    )
    assert not target.exists() and list(tmp_path.iterdir()) == []


def test_the_asked_for_record_is_written_to_stdout_with_dash(
    runner: CliRunner, server: str, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv(URL_ENV, f"{server}/studies/")
    result = runner.invoke(app, ["import", "NCT02422186", "-o", "-"])
    assert result.exit_code == 0, result.stderr
    assert result.stdout.startswith("# TRANSFORM-3: imported by trialcli")
    assert "\nid: nct02422186\n" in result.stdout
    assert not Path("-").exists()


def test_a_trickling_server_cannot_outlast_the_deadline(
    server: str, monkeypatch: pytest.MonkeyPatch
) -> None:
    # Each byte arrives well within a per-read timeout; the whole would take minutes.
    _Server.trickle = 0.05
    monkeypatch.setenv(URL_ENV, f"{server}/slow/")
    monkeypatch.setattr(fetch, "TIMEOUT_SECONDS", 0.5)
    started = time.monotonic()
    with pytest.raises(RecordError) as raised:
        fetch.fetch_record("NCT02422186")
    assert time.monotonic() - started < 3
    assert str(raised.value) == (
        "could not fetch NCT02422186: no answer within 0.5 seconds (offline?)"
    )


@pytest.mark.parametrize(
    ("address", "message"),
    [
        (
            "http://[::1",
            "TRIALCLI_CTGOV_URL is not a valid address (Invalid IPv6 URL): 'http://[::1'",
        ),
        ("http://localhost:99999/", "TRIALCLI_CTGOV_URL is not a valid address"),
        ("ftp://example.org/", "TRIALCLI_CTGOV_URL must be an http(s) address, got 'ftp://"),
    ],
)
def test_a_malformed_address_is_a_one_line_error(
    runner: CliRunner, monkeypatch: pytest.MonkeyPatch, address: str, message: str
) -> None:
    monkeypatch.setenv(URL_ENV, address)
    result = runner.invoke(app, ["import", "NCT02422186"])
    assert result.exit_code == 1
    assert result.stderr.startswith(f"Error: {message}")
    assert result.stderr.count("\n") == 1 and "Traceback" not in result.stderr


def test_a_device_is_not_read_as_a_record(runner: CliRunner) -> None:
    result = runner.invoke(app, ["import", "/dev/zero"])
    assert result.exit_code == 1
    assert result.stderr == (
        "Error: /dev/zero: not a regular file; give a saved API v2 JSON file\n"
    )


def test_a_pipe_is_refused_without_waiting_for_a_writer(runner: CliRunner, tmp_path: Path) -> None:
    pipe = tmp_path / "record.json"
    os.mkfifo(pipe)
    result = runner.invoke(app, ["import", str(pipe)])
    assert result.exit_code == 1
    assert "not a regular file" in result.stderr


def test_deeply_nested_json_is_a_clean_error(runner: CliRunner, tmp_path: Path) -> None:
    deep = tmp_path / "deep.json"
    deep.write_text("[" * 100_000 + "]" * 100_000, encoding="utf-8")
    nested = tmp_path / "nested.json"
    nested.write_text('{"protocolSection": ' + "[" * 80 + "]" * 80 + "}", encoding="utf-8")
    for path in (deep, nested):
        result = runner.invoke(app, ["import", str(path)])
        assert result.exit_code == 1
        assert result.stderr == f"Error: {path} is nested more deeply than any registry record\n"


def test_an_oversized_file_is_refused_before_it_is_read(
    runner: CliRunner, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    big = tmp_path / "big.json"
    big.write_bytes(json.dumps({"protocolSection": {}, "pad": "x" * 2000}).encode())
    monkeypatch.setattr(fetch, "MAX_RECORD_BYTES", 1000)
    result = runner.invoke(app, ["import", str(big)])
    assert result.exit_code == 1
    assert result.stderr.startswith(f"Error: {big}: 2,")
    assert result.stderr.endswith(" bytes is too large for one registry record\n")


def test_a_silent_server_times_out_once(monkeypatch: pytest.MonkeyPatch) -> None:
    with socket.socket() as silent:  # accepts connections, never answers
        silent.bind(("127.0.0.1", 0))
        silent.listen(1)
        monkeypatch.setenv(URL_ENV, f"http://127.0.0.1:{silent.getsockname()[1]}/")
        with pytest.raises(RecordError, match=r"no answer within 0\.2 seconds"):
            fetch.fetch_record("NCT02422186", timeout=0.2)
