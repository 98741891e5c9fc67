"""The pager, as git does it: only on a terminal, only when the output is taller than it."""

from __future__ import annotations

import os
import pty
import subprocess
import sys
from pathlib import Path

import pytest
from typer.testing import CliRunner

from trialcli.cli import app
from trialcli.render.pager import DEFAULT_PAGER, pager_command, run_pager

# Slow (each test runs trialcli in a new process on a pseudo-terminal): left out of `make fast`.
pytestmark = pytest.mark.slow


def decide(env: dict[str, str], **overrides: object) -> str | None:
    options: dict[str, object] = {"terminal": True, "lines": 100, "height": 40, "enabled": True}
    options.update(overrides)
    return pager_command(env, **options)  # type: ignore[arg-type]


def test_taller_output_on_a_terminal_goes_through_a_pager() -> None:
    assert decide({}) == DEFAULT_PAGER == "less -R"
    assert decide({"PAGER": "more"}) == "more"
    assert decide({"PAGER": "more", "TRIALCLI_PAGER": "most -s"}) == "most -s"


@pytest.mark.parametrize(
    ("env", "overrides"),
    [
        ({}, {"terminal": False}),  # piped: never
        ({}, {"lines": 40}),  # fits the window
        ({}, {"enabled": False}),  # --no-pager
        ({"TRIALCLI_PAGER": ""}, {}),  # an empty pager turns it off, as in git
        ({"PAGER": "cat"}, {}),
        ({"TRIALCLI_PAGER": "cat", "PAGER": "less"}, {}),
    ],
)
def test_when_there_is_no_pager(env: dict[str, str], overrides: dict[str, object]) -> None:
    assert decide(env, **overrides) is None


def test_run_pager_feeds_the_command_and_reports_one_that_cannot_start(tmp_path: Path) -> None:
    target = tmp_path / "paged.txt"
    assert run_pager(f"cat > '{target}'", "CARE-MS II\n")
    assert target.read_text(encoding="utf-8") == "CARE-MS II\n"
    assert not run_pager(str(tmp_path / "no-such-pager"), "text")


def run_on_a_terminal(tmp_path: Path, pager: str, *args: str) -> tuple[int, str]:
    """`trialcli ARGS` with stdout on a pseudo-terminal of 80×20; what reached the screen."""
    primary, secondary = pty.openpty()
    env = {
        **os.environ,
        "TRIALCLI_PAGER": pager,
        "LINES": "20",
        "COLUMNS": "80",
        "XDG_CACHE_HOME": str(tmp_path / "cache"),
    }
    env.pop("NO_COLOR", None)
    process = subprocess.Popen(
        [sys.executable, "-m", "trialcli", *args],
        stdin=secondary,
        stdout=secondary,
        stderr=secondary,
        env=env,
    )
    os.close(secondary)
    screen = b""
    while True:
        try:
            chunk = os.read(primary, 65536)
        except OSError:  # the terminal closed with the process
            break
        if not chunk:
            break
        screen += chunk
    os.close(primary)
    return process.wait(), screen.decode("utf-8", "replace")


@pytest.mark.skipif(sys.platform == "win32", reason="needs a pseudo-terminal")
def test_on_a_terminal_show_is_paged_with_its_colours(tmp_path: Path) -> None:
    paged = tmp_path / "paged.txt"
    code, screen = run_on_a_terminal(tmp_path, f"cat > '{paged}'", "show", "care-ms-ii")
    assert code == 0 and screen == ""
    text = paged.read_text(encoding="utf-8")
    assert "\x1b[1mCARE-MS II" in text  # colour and weight kept for the pager
    assert "N: 840 randomized [24]" in text
    # --no-pager prints to the terminal instead; the pager never runs
    paged.unlink()
    code, screen = run_on_a_terminal(
        tmp_path, f"cat > '{paged}'", "show", "care-ms-ii", "--no-pager"
    )
    assert code == 0 and "840 randomized" in screen and not paged.exists()


@pytest.mark.skipif(sys.platform == "win32", reason="needs a pseudo-terminal")
def test_a_pager_that_fails_to_start_falls_back_to_printing(tmp_path: Path) -> None:
    code, screen = run_on_a_terminal(
        tmp_path, str(tmp_path / "missing"), "diff", "care-ms-i", "care-ms-ii"
    )
    assert code == 0
    assert "1 verdict changed" in screen


def test_forced_colour_on_a_pipe_is_never_paged(
    runner: CliRunner, monkeypatch: pytest.MonkeyPatch, tmp_path: Path
) -> None:
    # FORCE_COLOR makes Rich draw as for a terminal; the output still goes to the pipe.
    paged = tmp_path / "paged.txt"
    monkeypatch.setenv("FORCE_COLOR", "1")
    monkeypatch.setenv("LINES", "5")
    monkeypatch.setenv("TRIALCLI_PAGER", f"cat > '{paged}'")
    result = runner.invoke(app, ["ae", "care-ms-ii"])
    assert result.exit_code == 0
    assert "Thyroid disorders" in result.stdout and "\x1b[" in result.stdout
    assert not paged.exists()
