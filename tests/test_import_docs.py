"""docs/importing.md stays true: each excerpt is real output, line for line."""

from __future__ import annotations

import re
import shlex
from pathlib import Path

import pytest
from typer.testing import CliRunner

from trialcli.cli import app

ROOT = Path(__file__).resolve().parent.parent
DOC = (ROOT / "docs" / "importing.md").read_text(encoding="utf-8")
FIXTURES = ROOT / "tests" / "fixtures"
EXCERPTS = re.findall(r"<!-- excerpt: (.*?) -->\n```\w*\n(.*?)```", DOC, flags=re.S)


def test_the_doc_has_its_excerpts() -> None:
    assert len(EXCERPTS) == 8


@pytest.mark.parametrize(("command", "block"), EXCERPTS, ids=[c for c, _ in EXCERPTS])
def test_excerpt_is_real_output(
    command: str, block: str, runner: CliRunner, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.chdir(ROOT)
    args = shlex.split(command)
    study = next((a for a in args if re.fullmatch(r"nct\d{8}\.yaml", a)), None)
    if study is not None:
        # `show nct00806624.yaml`: the file `trialcli import` wrote for the fixture.
        record = next(FIXTURES.glob(f"ctgov*/{study[:-5].upper()}.json"))
        written = runner.invoke(app, ["import", str(record), "-o", str(tmp_path / study)])
        assert written.exit_code == 0, written.stderr
        args = [str(tmp_path / a) if a == study else a for a in args]
    result = runner.invoke(app, args)
    lines = "\n".join(line.rstrip() for line in result.stdout.splitlines())
    # "…" marks lines left out; each run of lines between them is shown as it is.
    for chunk in block.rstrip("\n").split("\n…\n"):
        expected = "\n".join(line.rstrip() for line in chunk.splitlines())
        assert expected in lines
