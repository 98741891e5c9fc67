"""`show --format html`: one self-contained page, checked in a real (headless) browser."""

from __future__ import annotations

import html
import re
import shutil
import subprocess
from pathlib import Path

import pytest
from typer.testing import CliRunner

from trialcli.cli import app

CHROMIUM = shutil.which("chromium") or (
    "/usr/bin/chromium" if Path("/usr/bin/chromium").exists() else None
)
BROWSER_FLAGS = [
    "--headless",
    "--no-sandbox",
    "--disable-gpu",
    "--disable-background-networking",
    "--no-first-run",
]


def page(runner: CliRunner, study: str = "care-ms-ii") -> str:
    result = runner.invoke(app, ["show", study, "--format", "html"])
    assert result.exit_code == 0, result.stderr
    return result.stdout


def test_the_page_requests_nothing(runner: CliRunner) -> None:
    text = page(runner)
    assert text.startswith("<!DOCTYPE html>")
    # No script, stylesheet, font, image or frame from anywhere: links only (<a href>).
    assert not re.search(r"<(script|link|img|iframe|object|embed)\b", text)
    assert not re.search(r"\bsrc=", text)
    assert "@import" not in text
    assert all(u.startswith("#") for u in re.findall(r"url\(([^)]*)\)", text))  # in-page
    assert "default-src 'none'" in text  # and the browser is told so
    assert '<meta name="viewport" content="width=device-width, initial-scale=1">' in text
    assert "@media print" in text
    # The sources as links, numbered as `show` numbers them.
    assert '<li id="source-24" value="24">' in text
    assert '<a href="#source-24">[24]</a>' in text
    # Figures inline: a forest plot per endpoint with comparisons (3), the adverse-event
    # dot plot.
    assert text.count("<svg") == 4
    assert "Rate ratio (experimental ÷ comparator), log scale" in text


def test_text_from_the_file_is_escaped(runner: CliRunner, write, minimal_text: str) -> None:  # type: ignore[no-untyped-def]
    hostile = minimal_text.replace(
        "title: A synthetic two-arm study used by the test suite",
        "title: '<script>alert(1)</script> & <b>bold</b>'",
    ).replace("label: Drug A", 'label: "Drug <img src=x onerror=alert(1)>"')
    shown = page(runner, str(write(hostile)))
    assert "<script>" not in shown and "<img" not in shown and "<b>bold" not in shown
    assert "&lt;script&gt;alert(1)&lt;/script&gt; &amp; &lt;b&gt;bold&lt;/b&gt;" in shown
    assert "Drug &lt;img src=x onerror=alert(1)&gt;" in shown


@pytest.mark.slow
@pytest.mark.skipif(CHROMIUM is None, reason="headless Chromium is not installed (CI installs it)")
def test_care_ms_ii_in_a_browser(runner: CliRunner, tmp_path: Path) -> None:
    assert CHROMIUM is not None
    target = tmp_path / "care-ms-ii.html"
    target.write_text(page(runner), encoding="utf-8")
    url = target.as_uri()
    dom = subprocess.run(
        [CHROMIUM, *BROWSER_FLAGS, "--dump-dom", url],
        capture_output=True,
        text=True,
        timeout=120,
        check=True,
    ).stdout
    text = html.unescape(re.sub(r"\s+", " ", re.sub(r"<[^>]+>", " ", dom)))
    for words in (
        "CARE-MS II",
        "Randomized: 840",
        "0.26 (0.21–0.33) relapses per year",
        "rate ratio 0.51 (0.39–0.65), p<0.0001",
        "Follow-up and completion: not reported",
        "Alemtuzumab 12 mg",
        "IFN beta-1a (Rebif)",
        "Sources",
    ):
        assert words in text, words
    shot = tmp_path / "care-ms-ii.png"
    subprocess.run(
        [CHROMIUM, *BROWSER_FLAGS, f"--screenshot={shot}", "--window-size=412,2000", url],
        capture_output=True,
        timeout=120,
        check=True,
    )
    assert shot.read_bytes().startswith(b"\x89PNG") and shot.stat().st_size > 20_000
