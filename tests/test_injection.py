"""Text injection: every command prints hostile text from a file literally or not at all.

The same hostile strings go into every free-text field of a study; then every command
that renders study text runs with colour forced on, as on a real terminal.
"""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import pytest
import yaml
from app_commands import choices, commands_with_format
from typer.testing import CliRunner

from trialcli.cli import app

FIXTURE = Path(__file__).parent / "fixtures" / "minimal.yaml"
HOSTILE = (
    "[bold red]pwned[/] [link=https://evil.example]x[/link] "
    "\x1b[2J\x1b]8;;https://evil.example\x07link\x1b]8;;\x07 \x1b[31m"
    "\r\u202eevil\u202c\u200b"
)
# What must never reach the terminal: clear screen, hyperlinks, colour set by the file,
# carriage return, bell, bidi override, zero-width space.
FORBIDDEN = ("\x1b[2J", "\x1b]8;;", "\x1b[31m", "\r", "\x07", "\u202e", "\u200b")
TEXT_FIELDS = {
    "acronym",
    "title",
    "label",
    "name",
    "term",
    "soc",
    "note",
    "description",
    "condition",
    "citation",
    "population",
    "basis",
    "drug",
    "dose",
    "publisher",
}


def poison(data: Any) -> Any:
    """Every free-text field of the study set to the hostile string."""
    if isinstance(data, dict):
        return {
            k: HOSTILE if k in TEXT_FIELDS and isinstance(v, str) else poison(v)
            for k, v in data.items()
        }
    if isinstance(data, list):
        return [poison(v) for v in data]
    return data


@pytest.fixture
def hostile_folder(tmp_path: Path) -> Path:
    data = yaml.safe_load(FIXTURE.read_text(encoding="utf-8"))
    study = poison(data)
    study["safety"][0]["note"] = HOSTILE
    folder = tmp_path / "studies"
    folder.mkdir()
    (folder / "example.yaml").write_text(
        yaml.safe_dump(study, allow_unicode=True, sort_keys=False), encoding="utf-8"
    )
    twin = dict(study, id="twin")
    (folder / "twin.yaml").write_text(
        yaml.safe_dump(twin, allow_unicode=True, sort_keys=False), encoding="utf-8"
    )
    return folder


COMMANDS = [
    ["list"],
    ["show", "example"],
    ["ae", "example"],
    ["ae", "example", "twin"],
    ["flow", "example"],
    ["diff", "example", "twin"],
    ["compare", "example", "twin", "--endpoint", "annualized-relapse-rate"],
    ["validate"],
    ["show", "example", "--format", "markdown"],
    ["list", "--format", "markdown"],
    ["compare", "example", "twin", "--endpoint", "annualized-relapse-rate", "--pool"],
    ["sof", "example", "twin"],
    ["sof", "example", "--format", "html"],
    ["show", "example", "--format", "html"],
    ["sof", "example", "--format", "markdown"],
]


@pytest.mark.parametrize("args", COMMANDS, ids=[" ".join(a) for a in COMMANDS])
def test_hostile_text_never_reaches_the_terminal(
    runner: CliRunner, hostile_folder: Path, monkeypatch: pytest.MonkeyPatch, args: list[str]
) -> None:
    monkeypatch.setenv("FORCE_COLOR", "1")
    monkeypatch.setenv("COLUMNS", "200")
    result = runner.invoke(app, ["--no-cache", "--data-dir", str(hostile_folder), *args])
    assert result.exit_code == 0, result.output
    for forbidden in FORBIDDEN:
        assert forbidden not in result.stdout, (forbidden, args)
        assert forbidden not in result.stderr, (forbidden, args)
    if "--format" not in args and args[0] not in {"list", "validate"}:
        # Rich markup from the file is printed as written, never interpreted.
        assert "[bold red]pwned[/]" in result.stdout


def test_json_keeps_the_text_exactly(runner: CliRunner, hostile_folder: Path) -> None:
    # JSON is for programs: the text travels as data, escaped by the JSON encoder.
    result = runner.invoke(
        app, ["--no-cache", "--data-dir", str(hostile_folder), "show", "example", "-f", "json"]
    )
    assert json.loads(result.stdout)["study"]["safety"][0]["note"] == HOSTILE
    assert "\x1b" not in result.stdout


# Every command that has --format, over every format (the table is covered above too).
FORMATTED = [
    ["list"],
    ["show", "example"],
    ["validate"],
    ["ae", "example"],
    ["ae", "example", "twin"],
    ["flow", "example"],
    ["diff", "example", "twin"],
    ["diff", "example", "other"],
    ["compare", "example", "twin", "--endpoint", "annualized-relapse-rate"],
    ["sof", "example", "twin"],
    ["compare", "example", "twin", "--endpoint", "annualized-relapse-rate", "--pool"],
    ["network", "--endpoint", "relapse-proportion"],
    ["review", str(Path(__file__).parent / "fixtures" / "revman" / "CD000023StatsDataOnly.rm5")],
]
# Each command over every format it takes, read from the app: a new format is covered too.
CASES = [(args, fmt) for args in FORMATTED for fmt in choices(args[0], "--format")]
HOSTILE_NAME = "\x1b]8;;https:evil.example\x07named\x1b[2J\u202e.yaml"


def test_every_command_with_a_format_is_listed_here() -> None:
    # Read from the app (tests/app_commands.py); the hidden alias runs the same function as ae.
    assert commands_with_format() - {"adverse-events"} == {args[0] for args in FORMATTED}


@pytest.mark.slow
@pytest.mark.parametrize(("args", "fmt"), CASES, ids=[f"{' '.join(a)} {f}" for a, f in CASES])
def test_no_format_lets_control_characters_through(
    runner: CliRunner,
    hostile_folder: Path,
    monkeypatch: pytest.MonkeyPatch,
    args: list[str],
    fmt: str,
) -> None:
    # Colour off: the tables' own styles (red for an error) are not the file's; tables
    # with colour forced on are the test above.
    monkeypatch.setenv("COLUMNS", "200")
    text = (hostile_folder / "example.yaml").read_text(encoding="utf-8")
    # A file name is text from outside too: validate prints it.
    (hostile_folder / HOSTILE_NAME).write_text(text.replace("id: example", "id: named", 1))
    # Another acronym: diff then heads its columns with the two acronyms.
    other = yaml.safe_load(text) | {"id": "other", "acronym": HOSTILE + "2"}
    (hostile_folder / "other.yaml").write_text(yaml.safe_dump(other, allow_unicode=True))
    result = runner.invoke(
        app, ["--no-cache", "--data-dir", str(hostile_folder), *args, "--format", fmt]
    )
    # The named file is invalid (its id does not match its name): validate fails on it,
    # every other command skips it with a warning.
    assert result.exit_code == (1 if args[0] == "validate" else 0), result.output
    for forbidden in FORBIDDEN:
        assert forbidden not in result.stdout, (forbidden, args, fmt, result.stdout[:3000])
        assert forbidden not in result.stderr, (forbidden, args, fmt, result.stderr[:3000])
    if fmt == "json":
        # JSON escapes what it carries: the text travels as data, exactly.
        carried = json.dumps(json.loads(result.stdout))
        if args[0] in {"show", "validate"}:
            exact = HOSTILE_NAME if args[0] == "validate" else HOSTILE
            assert json.dumps(exact)[1:-1] in carried
