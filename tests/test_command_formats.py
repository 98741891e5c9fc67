"""Every command in every --format its enum has: the output is that format, and says the same
key facts (the same study, the same figures) as every other format of the command.

The (command, format) pairs are read from the app (tests/app_commands.py): a format added to
an enum is run here for every command that takes the enum, and a command given --format
fails the first test until it has a case here.
"""

from __future__ import annotations

import csv
import html
import io
import json
import re
from collections.abc import Iterator
from pathlib import Path

import pytest
from app_commands import choices, commands_with_format
from typer.testing import CliRunner

from trialcli.cli import app

FIXTURES = Path(__file__).parent / "fixtures"
REVIEW = FIXTURES / "revman" / "CD000023StatsDataOnly.rm5"
# A study is named by its acronym for people and by its id for programs: either says it.
CARE_MS_I = ("CARE-MS I", "care-ms-i")
CARE_MS_II = ("CARE-MS II", "care-ms-ii")

Fact = str | tuple[str, ...]

# Each case: the command's arguments, and facts every one of its formats says.
CASES: dict[str, tuple[list[str], list[Fact]]] = {
    "list": (["list"], [CARE_MS_II, "camms223", "840", "RRMS, relapsed on prior therapy"]),
    # Rate ratio 0.51 (0.39–0.65) for the annualized relapse rate (Coles 2012, Table 2).
    "show": (["show", "care-ms-ii"], [CARE_MS_II, "Annualized relapse rate", "0.51", "0.39"]),
    "validate": (
        ["validate", str(FIXTURES / "inconsistent.yaml")],
        ["inconsistent.yaml", "endpoints[0].comparisons[0].estimate", "warning"],
    ),
    "ae": (["ae", "care-ms-ii"], [CARE_MS_II, "Thyroid disorders", "100/596"]),
    "ae (two studies)": (
        ["ae", "care-ms-i", "care-ms-ii"],
        [CARE_MS_I, CARE_MS_II, "Thyroid disorders", "Infusion-associated reactions"],
    ),
    "flow": (["flow", "care-ms-i"], [CARE_MS_I, "581", "386", "195"]),
    "diff": (["diff", "care-ms-i", "care-ms-ii"], [CARE_MS_I, CARE_MS_II, "581", "840"]),
    "compare": (
        ["compare", "care-ms-i", "care-ms-ii", "-e", "annualized-relapse-rate"],
        [CARE_MS_I, CARE_MS_II, "0.45", "0.51", "0.65", "superiority"],
    ),
    "compare (pooled)": (
        ["compare", "care-ms-i", "care-ms-ii", "-e", "annualized-relapse-rate", "--pool"],
        [CARE_MS_I, CARE_MS_II, "0.45", "0.51"],
    ),
    "sof": (
        ["sof", "care-ms-ii"],
        [CARE_MS_II, "Annualized relapse rate", "0.51", "265", "not assessed"],
    ),
    "network": (
        ["network", "-e", "relapse-proportion"],
        ["alemtuzumab", "interferon beta-1a (Rebif)", "0.46", "0.36", "0.59"],
    ),
    # RR 0.68 (0.59 to 0.79), as the review states it and as trialcli recomputes it.
    "review": (["review", str(REVIEW)], ["Symptom of sore throat on day 3", "0.68", "0.79"]),
}
PAIRS = [(case, fmt) for case, (args, _) in CASES.items() for fmt in choices(args[0], "--format")]
MARKDOWN_RULE = re.compile(r"^\|(\s*:?-{3,}:?\s*\|)+$", re.MULTILINE)


def test_every_command_with_a_format_has_a_case() -> None:
    # The hidden alias `adverse-events` is the same function as `ae`.
    assert {args[0] for args, _ in CASES.values()} == commands_with_format() - {"adverse-events"}


def test_the_pairs_cover_every_member_of_every_format_enum() -> None:
    assert ("show", "html") in PAIRS and ("sof", "html") in PAIRS and ("ae", "html") in PAIRS
    assert ("list", "markdown") in PAIRS and ("list", "html") not in PAIRS
    assert len(PAIRS) == sum(len(choices(args[0], "--format")) for args, _ in CASES.values())


def numbers(data: object) -> Iterator[float]:
    if isinstance(data, bool):
        return
    if isinstance(data, int | float):
        yield float(data)
    elif isinstance(data, dict):
        for value in data.values():
            yield from numbers(value)
    elif isinstance(data, list):
        for value in data:
            yield from numbers(value)


def says(text: str, fact: Fact, parsed: object = None) -> bool:
    """Whether the output says the fact: as written, or (JSON keeps numbers unrounded) as a
    number that rounds to it."""
    alternatives = (fact,) if isinstance(fact, str) else fact
    if any(a in text for a in alternatives):
        return True
    if parsed is not None and re.fullmatch(r"\d+\.\d+", alternatives[0]):
        places = len(alternatives[0].partition(".")[2])
        return any(round(n, places) == float(alternatives[0]) for n in numbers(parsed))
    return False


def assert_is_json(text: str) -> object:
    return json.loads(text)


def assert_is_csv(text: str) -> None:
    header, *rows = list(csv.reader(io.StringIO(text)))
    assert header and all(header) and len(set(header)) == len(header), header
    assert rows, "a header and no rows"
    assert all(len(row) == len(header) for row in rows)


def assert_is_markdown(text: str) -> None:
    """A Markdown table under its header; or a document of headings and lists (the flow
    diagram is one: a CONSORT diagram is not a table)."""
    rule = MARKDOWN_RULE.search(text)
    if rule is None:
        assert text.startswith("# ") and "\n## " in text and "\n- " in text, text[:200]
        return
    header = text[: rule.start()].rstrip("\n").rpartition("\n")[2]
    assert header.count("|") == rule.group(0).count("|"), (header, rule.group(0))


def assert_is_html(text: str) -> None:
    """A whole page to print (show, ae), or one table to paste into a report (sof)."""
    text = text.strip()
    if text.lower().startswith("<!doctype html>"):
        assert text.endswith("</html>") and "<body" in text, text[-80:]
    else:
        assert text.startswith("<table") and text.endswith("</table>"), (text[:80], text[-80:])
    assert text.count("<table") == text.count("</table>") > 0


def assert_is_plain(text: str) -> None:
    """A table for people, piped: no Markdown table, no markup, not data for a program."""
    assert MARKDOWN_RULE.search(text) is None
    assert not text.lstrip().startswith(("<", "{", "[", "# "))
    assert "\x1b[" not in text  # piped: no colour


@pytest.mark.parametrize(("case", "fmt"), PAIRS, ids=[f"{c} {f}" for c, f in PAIRS])
def test_every_format_is_that_format_and_says_the_key_facts(
    runner: CliRunner, monkeypatch: pytest.MonkeyPatch, case: str, fmt: str
) -> None:
    monkeypatch.setenv("COLUMNS", "200")  # a table cell on one line: its words unbroken
    args, facts = CASES[case]
    result = runner.invoke(app, ["--no-cache", *args, "--format", fmt])
    assert result.exit_code == 0, result.output
    text = result.stdout
    parsed = None
    match fmt:
        case "json":
            parsed = assert_is_json(text)
        case "csv":
            assert_is_csv(text)
        case "markdown":
            assert_is_markdown(text)
        case "html":
            assert_is_html(text)
            text = html.unescape(text)
        case "table":
            assert_is_plain(text)
        case _:
            pytest.fail(f"a format this test does not know: {fmt}; teach it what {fmt} is")
    missing = [fact for fact in facts if not says(text, fact, parsed)]
    assert missing == [], f"{case} --format {fmt} does not say {missing}"
