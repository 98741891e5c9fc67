"""The progress bar: on an interactive terminal after a delay, otherwise never."""

from __future__ import annotations

import io
import re

from rich.console import Console

from trialcli.render.progress import ProgressBar


def terminal(out: io.StringIO) -> Console:
    return Console(file=out, force_terminal=True, force_interactive=True, width=80)


def test_a_long_run_on_a_terminal_shows_done_of_total() -> None:
    out = io.StringIO()
    with ProgressBar("Checking studies", console=terminal(out), delay=0) as progress:
        progress(250, 1000)
    shown = out.getvalue()
    assert "Checking studies" in shown
    assert "250/1000" in shown
    assert not re.search(r"\b0/100\b", shown)  # no made-up total before the real one


def test_a_short_run_shows_nothing() -> None:
    out = io.StringIO()
    with ProgressBar("Checking studies", console=terminal(out), delay=60) as progress:
        progress(999, 1000)
    assert out.getvalue() == ""


def test_nothing_when_the_console_is_not_interactive() -> None:
    out = io.StringIO()
    console = Console(file=out, force_terminal=True, force_interactive=False)
    with ProgressBar("Checking studies", console=console, delay=0) as progress:
        progress(1, 2)
    assert out.getvalue() == ""
