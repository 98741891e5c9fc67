"""The documentation stays true: its commands are the ones CI runs, its output is real,
its links lead somewhere. README.md is for a newcomer; the reference is in docs/."""

from __future__ import annotations

import re
from pathlib import Path

import pytest
from app_commands import visible_commands
from sync_docs import DOCUMENTS, Block, blocks, expected_text
from typer.testing import CliRunner

from trialcli.cli import app

ROOT = Path(__file__).resolve().parent.parent
README = (ROOT / "README.md").read_text(encoding="utf-8")
DOCS = ROOT / "docs"
COMMANDS = (DOCS / "commands.md").read_text(encoding="utf-8")
# Read from the app (tests/app_commands.py): a new command needs its README line and its
# section in docs/commands.md, or these fail.
EVERY_COMMAND = visible_commands()
TASKS = [
    "…see what a trial found?",
    "…see its harms?",
    "…put two trials side by side?",
    "…follow one endpoint across trials, and pool it?",
    "…make a Summary-of-Findings table?",
    "…check my own study file?",
    "…bring in a registry record?",
    "…get output for a program?",
]


def quickstart() -> str:
    return README.split("## Quickstart", 1)[1].split("\n## ", 1)[0]


def test_quickstart_is_exactly_two_commands() -> None:
    commands = [
        line
        for block in re.findall(r"```sh\n(.*?)```", quickstart(), flags=re.S)
        for line in block.splitlines()
        if line.strip()
    ]
    assert len(commands) == 2
    assert commands[0].endswith("trialcli show care-ms-ii")
    assert commands[1].endswith("python -m pytest")


def test_ci_runs_the_readme_test_command_verbatim() -> None:
    test_command = re.findall(r"```sh\n(.*?)```", quickstart(), flags=re.S)[1].strip()
    ci = (ROOT / ".ci" / "run").read_text(encoding="utf-8").splitlines()
    assert test_command in ci


def test_readme_is_short_enough_for_a_newcomer() -> None:
    assert len(README.splitlines()) <= 300


@pytest.mark.parametrize("command", EVERY_COMMAND)
def test_every_command_is_in_the_readme_and_has_its_reference(command: str) -> None:
    assert f"`trialcli {command}" in README
    assert f"\n## `trialcli {command}`\n" in COMMANDS


@pytest.mark.parametrize("task", TASKS)
def test_each_task_is_one_command_with_its_real_output(task: str) -> None:
    section = README.split(f"### {task}\n", 1)[1].split("\n### ", 1)[0]
    assert section.count("<!-- output: ") == 1, "each task shows one command's output"


def all_blocks() -> list[Block]:
    return [block for document in DOCUMENTS for block in blocks(document)]


def test_the_documents_show_real_output() -> None:
    shown = {(b.document.name, b.command) for b in all_blocks()}
    assert ("README.md", "trialcli show care-ms-ii") in shown
    assert ("commands.md", "trialcli validate --strict inconsistent.yaml") in shown
    assert len(shown) >= 14


@pytest.mark.slow
@pytest.mark.parametrize(
    "block", all_blocks(), ids=lambda b: f"{b.document.name}: {b.command}"[:70]
)
def test_every_output_block_is_real_output(block: Block) -> None:
    """Run `python tests/sync_docs.py` to rewrite the blocks after a change in output."""
    assert block.text == expected_text(block)


def anchors(document: Path) -> set[str]:
    """GitHub's anchors for the document's headings (outside code blocks)."""
    text = re.sub(r"```.*?```", "", document.read_text(encoding="utf-8"), flags=re.S)
    headings = re.findall(r"^#+ (.+)$", text, flags=re.M)
    return {re.sub(r"[^\w\- ]", "", h.lower()).replace(" ", "-") for h in headings}


@pytest.mark.parametrize("document", DOCUMENTS, ids=lambda d: d.name)
def test_every_link_leads_somewhere(document: Path) -> None:
    text = re.sub(r"```.*?```", "", document.read_text(encoding="utf-8"), flags=re.S)
    for target in re.findall(r"\]\(([^)\s]+)\)", text):
        if re.match(r"[a-z]+:", target):
            continue  # a web address
        path, _, anchor = target.partition("#")
        linked = (document.parent / path).resolve() if path else document
        assert linked.exists(), f"{document.name} links to missing {target}"
        if anchor:
            assert anchor in anchors(linked), f"{document.name}: no heading for {target}"


def test_readme_links_every_reference_document() -> None:
    for name in [
        "commands",
        "study-format",
        "methods",
        "json-shapes",
        "security",
        "importing",
        "compare-selectors",
    ]:
        assert f"](docs/{name}.md)" in README


def test_bundled_validate_summary_in_docs_is_real(runner: CliRunner) -> None:
    summary = runner.invoke(app, ["validate", "--strict"]).stdout.splitlines()[-1]
    assert f"(`{summary}`)" in " ".join(COMMANDS.split())


def test_format_example_validates(tmp_path: Path, runner: CliRunner) -> None:
    study_format = (DOCS / "study-format.md").read_text(encoding="utf-8")
    example = study_format.split("```yaml\n", 1)[1].split("```", 1)[0]
    path = tmp_path / "care-ms-ii.yaml"
    path.write_text(example, encoding="utf-8")
    result = runner.invoke(app, ["validate", str(path)])
    assert result.exit_code == 0, result.stdout


def test_new_transcript_is_real(
    runner: CliRunner, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    section = COMMANDS.split("## `trialcli new`", 1)[1].split("\n## ", 1)[0]
    transcript = re.findall(r"```\n(.*?)```", section, flags=re.S)[0].splitlines()
    monkeypatch.chdir(tmp_path)
    created = runner.invoke(app, ["new", "my-trial"])
    assert transcript[1] == created.stderr.rstrip("\n")
    checked = runner.invoke(app, ["validate", "my-trial.yaml"]).stdout.splitlines()
    assert transcript[3:5] == checked[:2]
    assert transcript[-1] == checked[-1]


def test_import_transcript_and_excerpt_are_real(
    runner: CliRunner, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    section = COMMANDS.split("## `trialcli import`", 1)[1].split("\n## ", 1)[0]
    transcript, excerpt = (b for b in re.findall(r"```\n(.*?)```", section, flags=re.S)[:2])
    monkeypatch.chdir(tmp_path)
    record = ROOT / "tests" / "fixtures" / "ctgov" / "NCT02422186.json"
    result = runner.invoke(app, ["import", str(record), "-o", "nct02422186.yaml"])
    assert result.exit_code == 0, result.stderr
    lines = transcript.splitlines()
    assert lines[1] == result.stderr.rstrip("\n")
    head = (tmp_path / "nct02422186.yaml").read_text(encoding="utf-8").splitlines()[:5]
    assert lines[3:] == head
    shown = {
        line.rstrip()
        for line in runner.invoke(
            app, ["show", "nct02422186.yaml", "--section", "safety"]
        ).stdout.splitlines()
    }
    missing = [line.rstrip() for line in excerpt.splitlines() if line.rstrip() not in shown]
    assert not missing
