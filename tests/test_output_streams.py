"""Standard streams as the shell may leave them: closed, full, a pipe the reader stops
reading, an encoding that is not UTF-8. Each ends in a message or a quiet success,
never a traceback, and never in a command that silently does nothing."""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

import pytest

# Slow (each test runs trialcli in a new process): left out of `make fast`.
pytestmark = pytest.mark.slow

ROOT = Path(__file__).parent.parent
COMMANDS = {
    "list": ["list"],
    "show": ["show", "care-ms-ii"],
    "ae": ["ae", "care-ms-ii"],
    "flow": ["flow", "care-ms-i"],
    "diff": ["diff", "care-ms-i", "care-ms-ii"],
    "compare": ["compare", "--drug", "alemtuzumab", "-e", "annualized-relapse-rate"],
    "sof": ["sof", "care-ms-ii"],
    "validate": ["validate", str(ROOT / "data")],
    "help": ["--help"],
    "show-help": ["show", "--help"],
}


def run(
    args: list[str], env: dict[str, str] | None = None, **streams: object
) -> subprocess.CompletedProcess[bytes]:
    return subprocess.run(
        [sys.executable, "-m", "trialcli", "--no-cache", *args],
        cwd=ROOT,
        env={**os.environ, "COLUMNS": "80", **(env or {})},
        check=False,
        timeout=120,
        **streams,  # type: ignore[arg-type]
    )


@pytest.mark.parametrize("command", ["list", "ae", "show"])
def test_a_reader_that_stops_after_one_line_ends_the_run_quietly_with_success(command: str) -> None:
    """`trialcli list | head -1`: a closed pipe is not a problem with the data."""
    child = subprocess.Popen(
        [sys.executable, "-m", "trialcli", "--no-cache", *COMMANDS[command]],
        cwd=ROOT,
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        env={**os.environ, "COLUMNS": "80"},
    )
    assert child.stdout is not None and child.stderr is not None
    child.stdout.readline()
    child.stdout.close()
    errors = child.stderr.read()
    assert child.wait(timeout=120) == 0
    assert errors == b""


@pytest.mark.parametrize("command", ["list", "ae", "show", "flow"])
def test_a_closed_stdout_with_table_output_is_a_message(command: str) -> None:
    done = run(
        COMMANDS[command],
        stdout=subprocess.DEVNULL,
        stderr=subprocess.PIPE,
        preexec_fn=lambda: os.close(1),
    )
    assert done.returncode == 1
    assert done.stderr.decode() == "Error: cannot write output: standard output is closed\n"


@pytest.mark.parametrize("command", ["list", "validate"])
def test_a_closed_stderr_still_does_the_work(command: str) -> None:
    done = run(COMMANDS[command], stdout=subprocess.PIPE, preexec_fn=lambda: os.close(2))
    assert done.returncode == 0
    assert b"care-ms-ii" in done.stdout or b"valid" in done.stdout


def test_export_with_a_closed_stderr_still_writes(tmp_path: Path) -> None:
    target = tmp_path / "catalog.db"
    done = run(["export", str(target)], stdout=subprocess.PIPE, preexec_fn=lambda: os.close(2))
    assert done.returncode == 0 and target.is_file()


@pytest.mark.parametrize("command", ["help", "show-help", "list"])
def test_help_and_output_to_a_full_disk_is_a_message(command: str) -> None:
    with open("/dev/full", "wb") as full:
        done = run(COMMANDS[command], stdout=full, stderr=subprocess.PIPE)
    assert done.returncode == 1
    assert done.stderr.decode() == "Error: cannot write output: No space left on device\n"


@pytest.mark.parametrize("command", list(COMMANDS))
@pytest.mark.parametrize(
    "env",
    [
        {"PYTHONIOENCODING": "latin-1"},
        {"LC_ALL": "C", "LANG": "C", "PYTHONUTF8": "0", "PYTHONIOENCODING": ""},
    ],
)
def test_an_encoding_that_is_not_utf8_falls_back_to_ascii(
    command: str, env: dict[str, str]
) -> None:
    done = run(COMMANDS[command], env=env, stdout=subprocess.PIPE, stderr=subprocess.PIPE)
    assert done.returncode == 0, done.stderr.decode("latin-1")[-300:]
    assert b"Traceback" not in done.stderr
    assert done.stdout.strip()
    if env.get("LC_ALL") == "C":
        done.stdout.decode("ascii")  # every character ASCII: · – ≠ │ fell back


def test_the_ascii_fallback_keeps_meaning() -> None:
    from trialcli.streams import ERRORS

    assert "0.51 (0.39–0.65) · p≠0.05 │ ✔ met".encode("ascii", ERRORS) == (
        b"0.51 (0.39-0.65) . p!=0.05 | v met"
    )
