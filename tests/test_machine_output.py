"""Machine formats carry file text as data: Markdown tables never make it live HTML or a
link, CSV cells never become spreadsheet formulas, JSON is valid UTF-8 whatever the
file names."""

from __future__ import annotations

import csv
import io
import json
import os
import re
import subprocess
import sys
from pathlib import Path

import pytest
from typer.testing import CliRunner

from trialcli.cli import app

FIXTURES = Path(__file__).parent / "fixtures"
SCRIPT = "<script>alert(1)</script>"
LINK = "[click](javascript:alert(1))"


@pytest.fixture
def hostile(tmp_path: Path) -> Path:
    text = (FIXTURES / "minimal.yaml").read_text(encoding="utf-8")
    text = text.replace(
        "title: A synthetic two-arm study used by the test suite",
        f"title: '=HYPERLINK(\"http://x\") {SCRIPT} {LINK}'",
    )
    text = text.replace("term: Headache", f"term: '{SCRIPT} {LINK}'")
    text = text.replace("label: Drug A", f"label: '{SCRIPT}'")
    text = text.replace("description: synthetic participants", f"description: '={SCRIPT}{LINK}'")
    text = text.replace("name: Annualized relapse rate", f"name: '{LINK}'")
    folder = tmp_path / "studies"
    folder.mkdir()
    (folder / "example.yaml").write_text(text, encoding="utf-8")
    second = text.replace("id: example", "id: example-two").replace("EXAMPLE", "EXAMPLE2")
    (folder / "example-two.yaml").write_text(second, encoding="utf-8")
    return folder


MARKDOWN_COMMANDS = {
    "list": ["list"],
    "ae": ["ae", "example"],
    "diff": ["diff", "example", "example-two"],
    "compare": ["compare", "example", "example-two", "-e", "annualized-relapse-rate"],
    "sof": ["sof", "example"],
}


@pytest.mark.parametrize("command", MARKDOWN_COMMANDS)
def test_markdown_tables_never_pass_raw_html_or_links(hostile: Path, command: str) -> None:
    args = ["--no-cache", "-d", str(hostile), *MARKDOWN_COMMANDS[command], "-f", "markdown"]
    result = CliRunner().invoke(app, args)
    assert result.exit_code == 0, result.stdout + result.stderr
    assert "<script>" not in result.stdout
    assert re.search(r"(?<!\\)\]\(javascript:", result.stdout) is None  # never a link
    assert "\\<script\\>" in result.stdout or "\\](javascript:" in result.stdout  # shown


def test_csv_cells_never_start_a_formula(hostile: Path) -> None:
    result = CliRunner().invoke(app, ["--no-cache", "-d", str(hostile), "list", "-f", "csv"])
    rows = list(csv.DictReader(io.StringIO(result.stdout)))
    cells = [row["population"] for row in rows if row["id"].startswith("example")]
    assert cells == [f"'={SCRIPT}{LINK}"] * 2


def test_csv_keeps_signed_figures_as_they_are() -> None:
    from trialcli.render.tabular import to_csv

    rows = [{"a": "-0.5", "b": "+3.9 pp (+1.2 to +8.0)", "c": "-2+3+cmd|' /C calc'!A0"}]
    assert to_csv(rows, ("a", "b", "c")).splitlines()[1] == (
        "-0.5,+3.9 pp (+1.2 to +8.0),'-2+3+cmd|' /C calc'!A0"
    )


def test_validate_json_is_valid_utf8_for_a_file_name_of_invalid_bytes(tmp_path: Path) -> None:
    name = os.fsencode(tmp_path) + b"/bad\xff\xfe.yaml"
    with open(name, "wb") as out:
        out.write(b"id: [unclosed\n")
    done = subprocess.run(
        [sys.executable, "-m", "trialcli", "--no-cache", "validate", "-f", "json", name],
        capture_output=True,
        cwd=Path(__file__).parent.parent,
        check=False,
    )
    assert done.returncode == 1, done.stderr
    data = json.loads(done.stdout.decode("utf-8"))  # strict: invalid UTF-8 raises
    (problem,) = data["problems"]
    assert problem["file"].endswith("/bad\udcff\udcfe.yaml")
