"""docs/pooling.md stays true: every output excerpt is what the command prints today."""

from __future__ import annotations

import re
import shlex
from pathlib import Path

import pytest
from typer.testing import CliRunner

from trialcli.cli import app

DOC = (Path(__file__).resolve().parent.parent / "docs" / "pooling.md").read_text(encoding="utf-8")
EXCERPTS = re.findall(r"<!-- output: (.*?) -->\n```text\n(.*?)```", DOC, flags=re.S)


def test_the_doc_has_its_excerpts() -> None:
    assert len(EXCERPTS) == 4
    assert "## Pool an endpoint across trials" in DOC
    assert "## Make a Summary-of-Findings table" in DOC


@pytest.mark.parametrize(("command", "excerpt"), EXCERPTS)
def test_output_excerpt_is_real(runner: CliRunner, command: str, excerpt: str) -> None:
    result = runner.invoke(app, shlex.split(command))
    assert result.exit_code == 0, result.output
    actual = "\n".join(line.rstrip() for line in result.stdout.splitlines())
    assert excerpt.rstrip("\n") in actual
