"""The progress bar: on an interactive terminal after a delay, otherwise never."""

from __future__ import annotations

import io
import re
import time

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


def test_an_import_shows_records_a_second_once_it_knows() -> None:
    out = io.StringIO()
    with ProgressBar("Importing", console=terminal(out), delay=0, unit="records") as progress:
        progress(10, 1023)
        assert "– records/s" in out.getvalue()  # no rate is made up from one sample
        time.sleep(0.2)
        progress(30, 1023)
    rates = re.findall(r"(\d+) records/s", out.getvalue())
    assert rates and 1 <= int(rates[-1]) <= 100  # 20 records in 0.2 s or more
