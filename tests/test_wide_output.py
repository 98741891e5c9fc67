"""Very wide terminals: the trimming of trailing spaces is linear in a line's width (a
regex retrying from every space made `COLUMNS=10000 trialcli ae` take 46 s)."""

from __future__ import annotations

import io

from typer.testing import CliRunner

from trialcli.cli import app
from trialcli.render.console import TrimmedLines


def trimmed(*writes: str) -> str:
    stream = io.StringIO()
    lines = TrimmedLines(stream)
    for text in writes:
        lines.write(text)
    return stream.getvalue()


def test_trailing_spaces_go_and_style_codes_stay() -> None:
    assert trimmed("a  \nb") == "a\nb"
    assert trimmed("a \x1b[1m  \x1b[0m \n") == "a\x1b[1m\x1b[0m\n"
    assert trimmed("a ", " ", "b\n") == "a  b\n"  # spaces held until a word follows
    assert trimmed("a ", "  \n", "c   ") == "a\nc"


def test_a_line_of_200000_interior_spaces_is_written_whole() -> None:
    wide = "x" + " " * 200_000 + "y" + " " * 200_000 + "\n"
    assert trimmed(wide) == "x" + " " * 200_000 + "y\n"
    pieces = ["x"] + [" "] * 50_000 + ["y\n"]  # Rich writes cells piece by piece
    assert trimmed(*pieces) == "x" + " " * 50_000 + "y\n"


def test_ae_on_a_10000_column_terminal_prints_without_trailing_spaces() -> None:
    result = CliRunner().invoke(app, ["ae", "care-ms-ii"], env={"COLUMNS": "10000"})
    assert result.exit_code == 0
    assert "Infusion-associated reaction" in result.stdout or "Headache" in result.stdout
    assert all(line == line.rstrip(" ") for line in result.stdout.splitlines())
