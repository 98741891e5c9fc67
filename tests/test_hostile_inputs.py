"""A corpus of broken and hostile study files: each gives one clean error, quickly.

Every case runs against each command that reads studies, both as an explicit path and
inside a TRIALCLI_PATH folder, where a bad file must never hide the good ones.
"""

from __future__ import annotations

import os
import time
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path

import pytest
from typer.testing import CliRunner

from trialcli.cli import app

FIXTURE = (Path(__file__).parent / "fixtures" / "minimal.yaml").read_text(encoding="utf-8")


@dataclass(frozen=True)
class Case:
    name: str
    content: bytes
    message: str
    line: int | None = None


def _replace(old: str, new: str) -> bytes:
    assert old in FIXTURE, old
    return FIXTURE.replace(old, new, 1).encode()


CASES = [
    Case("empty", b"", "file is empty"),
    Case("only-comments", b"# nothing\n# here\n", "file is empty"),
    Case("a-list", b"- a\n- b\n", "found a list", 1),
    Case("a-scalar", b"just words\n", "found a single str value", 1),
    Case("unclosed-quote", b"id: x\ntitle: 'open\n", "while scanning a quoted scalar", 3),
    Case("bad-indentation", b"id: x\n acronym: y\n", "mapping values are not allowed", 2),
    Case("tabs", b"population:\n\tcondition: x\n", "indent with spaces, not tabs", 2),
    Case("duplicate-top", b"id: a\nid: b\n", "duplicate key 'id'", 2),
    Case(
        "duplicate-nested",
        _replace("    kind: rate\n", "    kind: rate\n    kind: rate\n"),
        "duplicate key 'kind'",
        32,
    ),
    Case(
        "python-tag",
        b"id: !!python/object/apply:os.system ['true']\n",
        "could not determine a constructor",
        1,
    ),
    Case("unknown-tag", b"id: !secret x\n", "could not determine a constructor", 1),
    Case(
        "billion-laughs",
        b'a: &a ["lol","lol","lol","lol","lol","lol","lol","lol","lol"]\n'
        + b"".join(
            f"{chr(98 + i)}: &{chr(98 + i)} [{','.join(['*' + chr(97 + i)] * 9)}]\n".encode()
            for i in range(8)
        ),
        "anchors and aliases",
        1,
    ),
    Case(
        "merge-key", b"base: {a: 1}\nother:\n  <<: {a: 1}\n", "merge keys (<<) are not allowed", 3
    ),
    Case("deep-nesting", b"id: " + b"[" * 5000 + b"]" * 5000 + b"\n", "maximum nesting depth", 1),
    Case("invalid-utf8", b"id: x\ntitle: caf\xe9\n", "is not valid UTF-8 text", 2),
    Case("nul-byte", b"id: x\x00\n", "control character U+0000", 1),
    Case(
        "wrong-type",
        _replace("randomized: 300", "randomized: [300]"),
        "expected a number of people",
        11,
    ),
    Case("not-a-slug", _replace("id: example", "id: Example Study"), "write a slug", 2),
    Case(
        "unknown-field",
        _replace("acronym: EXAMPLE", "acronym: EXAMPLE\nacronim: X"),
        "unknown field 'acronim'; did you mean 'acronym'?",
        4,
    ),
    Case(
        "unknown-arm",
        _replace("arms: [drug, control]", "arms: [drug, ghost]"),
        "no arm or pooled group with id 'ghost'",
        40,
    ),
    Case(
        "percent-out-of-range",
        _replace("{affected: 10, at_risk: 100}", "{pct: 250}"),
        "write a number at most 100, got 250",
        48,
    ),
]


@pytest.fixture
def corpus(tmp_path: Path) -> Callable[[Case], Path]:
    def make(case: Case) -> Path:
        folder = tmp_path / case.name
        folder.mkdir()
        path = folder / "example.yaml"
        path.write_bytes(case.content)
        return path

    return make


@pytest.mark.parametrize("command", ["validate", "show", "ae"])
@pytest.mark.parametrize("case", CASES, ids=[c.name for c in CASES])
def test_bad_file_gives_one_clean_error(
    runner: CliRunner, corpus: Callable[[Case], Path], case: Case, command: str
) -> None:
    path = corpus(case)
    started = time.perf_counter()
    result = runner.invoke(app, [command, str(path)])
    elapsed = time.perf_counter() - started
    assert result.exit_code == 1
    assert elapsed < 2
    output = result.stdout if command == "validate" else result.stderr
    where = f"{path}:{case.line}:" if case.line else f"{path}:"
    assert where in output
    assert case.message in output
    assert "Traceback" not in result.output
    if command != "validate":
        assert result.stderr.startswith("Error: ")


@pytest.mark.slow
@pytest.mark.parametrize("case", CASES, ids=[c.name for c in CASES])
def test_bad_file_in_a_catalog_folder_never_hides_good_ones(
    runner: CliRunner,
    corpus: Callable[[Case], Path],
    case: Case,
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    bad = corpus(case)
    (bad.parent / "good.yaml").write_text(FIXTURE.replace("id: example", "id: good"), "utf-8")
    monkeypatch.setenv("TRIALCLI_PATH", str(bad.parent))

    listed = runner.invoke(app, ["list", "--format", "csv"])
    assert listed.exit_code == 0
    assert "good,EXAMPLE" in listed.stdout
    assert f"Warning: skipped {bad}" in listed.stderr

    for command in ("show", "ae"):
        shown = runner.invoke(app, [command, "good"])
        assert shown.exit_code == 0
        assert "EXAMPLE" in shown.stdout

    checked = runner.invoke(app, ["validate"])
    assert checked.exit_code == 1
    assert str(bad) in checked.stdout
    assert case.message in checked.stdout


def test_huge_file_is_refused_before_reading(
    runner: CliRunner, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    path = tmp_path / "huge.yaml"
    with path.open("wb") as handle:  # sparse: 64 MB on paper, nothing read
        handle.truncate(64 * 1024 * 1024)
    read_bytes = Path.read_bytes

    def refuse_the_huge_file(self: Path) -> bytes:
        if self == path:
            pytest.fail("read the whole file")
        return read_bytes(self)

    monkeypatch.setattr(Path, "read_bytes", refuse_the_huge_file)
    result = runner.invoke(app, ["show", str(path)])
    assert result.exit_code == 1
    assert (
        "over the 5,242,880-byte limit (set TRIALCLI_MAX_FILE_BYTES to raise it)" in result.stderr
    )


@pytest.mark.parametrize(
    ("make", "message"),
    [
        (lambda tmp: tmp, "is a folder, not a study file"),
        (lambda tmp: tmp / "missing.yaml", "no such file"),
    ],
)
def test_paths_that_are_not_files(
    runner: CliRunner, tmp_path: Path, make: Callable[[Path], Path], message: str
) -> None:
    path = make(tmp_path)
    result = runner.invoke(app, ["show", str(path) + ("/" if path.is_dir() else "")])
    assert result.exit_code == 1
    assert message in result.stderr


def test_unreadable_file(
    runner: CliRunner, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    path = tmp_path / "locked.yaml"
    path.write_text(FIXTURE, "utf-8")

    real_open = os.open

    def refuse(file: str, *args: int, **kwargs: int) -> int:
        if os.fspath(file) == str(path):
            raise PermissionError(13, "Permission denied")
        return real_open(file, *args, **kwargs)

    # Tests may run as root, where chmod 000 does not stop reading.
    monkeypatch.setattr(os, "open", refuse)
    result = runner.invoke(app, ["show", str(path)])
    assert result.exit_code == 1
    assert result.stderr == f"Error: {path}: permission denied\n"


def test_byte_order_mark_is_accepted(runner: CliRunner, tmp_path: Path) -> None:
    path = tmp_path / "bom.yaml"
    path.write_bytes(b"\xef\xbb\xbf" + FIXTURE.encode())
    assert runner.invoke(app, ["validate", str(path)]).exit_code == 0
