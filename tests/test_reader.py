"""The one bounded reader: every file and archive member an import reads — the record,
the study file already at an --into target, each member of a bulk ZIP — is a regular
file within its size cap, and JSON past Python's limits is a named failure."""

from __future__ import annotations

import json
import os
import zipfile
from collections.abc import Callable
from pathlib import Path

import pytest
import typer
import typer.main
from typer.testing import CliRunner

from trialcli.cli import app
from trialcli.errors import TrialcliError
from trialcli.files import read_bounded

FIXTURES = Path(__file__).parent / "fixtures" / "ctgov"
RECORD = FIXTURES / "NCT00806624.json"
OTHER = FIXTURES / "NCT02422186.json"


def imported(args: list[str]) -> tuple[int, str]:
    result = CliRunner().invoke(app, ["--no-cache", "import", *args])
    return result.exit_code, result.stdout + result.stderr


@pytest.mark.parametrize("force", [False, True])
def test_a_link_to_the_zero_device_at_the_into_target_is_refused(
    tmp_path: Path, force: bool
) -> None:
    """It was read whole, without end, until memory ran out."""
    (tmp_path / "nct00806624.yaml").symlink_to("/dev/zero")
    code, said = imported([str(RECORD), "--into", str(tmp_path), *(["--force"] if force else [])])
    assert code == 1
    assert "nct00806624.yaml: is not a regular file (a FIFO, device or socket)" in said
    assert os.readlink(tmp_path / "nct00806624.yaml") == "/dev/zero"


def test_a_fifo_at_the_into_target_fails_that_record_and_imports_the_rest(tmp_path: Path) -> None:
    os.mkfifo(tmp_path / "nct00806624.yaml")
    code, said = imported([str(RECORD), str(OTHER), "--into", str(tmp_path)])
    assert code == 1
    assert "is not a regular file" in said
    assert (tmp_path / "nct02422186.yaml").is_file()


def test_the_reader_refuses_fifos_devices_folders_and_size(tmp_path: Path) -> None:
    fifo = tmp_path / "fifo"
    os.mkfifo(fifo)
    with pytest.raises(TrialcliError, match="not a regular file"):
        read_bounded(fifo, 100)
    with pytest.raises(TrialcliError, match="not a regular file"):
        read_bounded(Path("/dev/zero"), 100)
    with pytest.raises(TrialcliError, match="is a folder"):
        read_bounded(tmp_path, 100)
    big = tmp_path / "big"
    big.write_bytes(b"x" * 101)
    with pytest.raises(TrialcliError, match="101 bytes is over the 100-byte limit"):
        read_bounded(big, 100)
    assert read_bounded(big, 101) == b"x" * 101


@pytest.mark.parametrize("method", [zipfile.ZIP_DEFLATED, zipfile.ZIP_LZMA])
def test_a_corrupt_member_is_skipped_with_its_name_and_the_rest_imported(
    tmp_path: Path, method: int
) -> None:
    archive = tmp_path / "ctg-studies.json.zip"
    with zipfile.ZipFile(archive, "w", compression=method) as out:
        out.writestr("NCT00806624.json", RECORD.read_bytes())
        out.writestr("NCT02422186.json", OTHER.read_bytes())
    data = bytearray(archive.read_bytes())
    with zipfile.ZipFile(archive) as read:
        first = read.infolist()[0]
        start = first.header_offset + 30 + len(first.filename) + len(first.extra)
    for at in range(start + 20, start + 60):  # garble the compressed stream, not the header
        data[at] ^= 0xFF
    archive.write_bytes(bytes(data))
    into = tmp_path / "catalog"
    into.mkdir()
    code, said = imported([str(archive), "--into", str(into)])
    assert code == 1
    assert "NCT00806624: cannot read NCT00806624.json from" in said
    assert "Traceback" not in said
    assert sorted(p.name for p in into.iterdir()) == ["nct02422186.yaml"]


def test_a_number_over_4300_digits_is_a_message_in_every_import_path(tmp_path: Path) -> None:
    record = json.loads(RECORD.read_text(encoding="utf-8"))
    text = json.dumps(record).replace('"nctId": "NCT00806624"', '"nctId": "NCT00806624", "n": 1', 1)
    huge = tmp_path / "NCT00806624.json"
    huge.write_text(text.replace('"n": 1', '"n": ' + "9" * 5000), encoding="utf-8")
    code, said = imported([str(huge)])
    assert code == 1 and "a number longer than any registry value" in said
    assert "Traceback" not in said
    into = tmp_path / "catalog"
    into.mkdir()
    code, said = imported([str(huge), "--into", str(into)])
    assert code == 1 and "NCT00806624: holding a number longer than any registry value" in said


def test_deep_nesting_is_a_message_in_the_bulk_path(tmp_path: Path) -> None:
    deep = tmp_path / "NCT00000001.json"
    deep.write_bytes(b"[" * 100_000 + b"]" * 100_000)
    into = tmp_path / "catalog"
    into.mkdir()
    code, said = imported([str(deep), "--into", str(into)])
    assert code == 1
    assert "NCT00000001: nested more deeply than any registry record" in said
    assert "Traceback" not in said


def test_bulk_read_ahead_is_bounded_in_bytes_not_batches() -> None:
    """With a budget of 3 units, never more than 3 units are handed out unanswered."""
    from trialcli.parallel import ordered_map

    held: list[int] = []

    def items() -> object:
        for item in range(40):
            held.append(item)
            yield item

    answered: list[int] = []
    for result in ordered_map(_echo, items(), 2, batch=16, weight=lambda _: 1, budget=3):  # type: ignore[arg-type]
        answered.append(result)
        assert len(held) - len(answered) <= 3 + 1  # +1: the item that waits for room
    assert answered == list(range(40))


def _echo(batch: list[int]) -> list[int]:
    return batch


# --- every command that reads a file the user names ------------------------------------

READ_METAVARS = {"STUDY", "STUDY...", "PATH", "A", "B", "SOURCE..."}
READERS: dict[str, Callable[[str], list[str]]] = {
    "show STUDY": lambda p: ["show", p],
    "validate PATH": lambda p: ["validate", p],
    "ae STUDY": lambda p: ["ae", p],
    "adverse-events STUDY": lambda p: ["adverse-events", p],
    "flow STUDY": lambda p: ["flow", p],
    "diff A": lambda p: ["diff", p, "care-ms-i"],
    "diff B": lambda p: ["diff", "care-ms-i", p],
    "compare STUDY": lambda p: ["compare", "care-ms-i", p, "-e", "annualized-relapse-rate"],
    "sof STUDY...": lambda p: ["sof", p],
    "import SOURCE...": lambda p: ["import", p],
}


def discovered_readers() -> set[str]:
    """Every positional parameter of the app's commands that names a file to read."""
    group = typer.main.get_command(app)
    context = typer.Context(group)
    found = set()
    for name in group.list_commands(context):  # type: ignore[attr-defined]
        command = group.get_command(context, name)  # type: ignore[attr-defined]
        for parameter in command.params:
            if not parameter.opts[0].startswith("-") and parameter.metavar in READ_METAVARS:
                found.add(f"{name} {parameter.metavar}")
    return found


def test_every_reader_of_the_app_is_checked() -> None:
    assert discovered_readers() == set(READERS)


@pytest.mark.parametrize("name", list(READERS))
@pytest.mark.parametrize("kind", ["fifo", "zero", "size"])
def test_every_reader_refuses_a_fifo_a_zero_device_and_an_oversized_file(
    name: str, kind: str, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    path = tmp_path / ("NCT00000001.json" if name.startswith("import") else "study.yaml")
    if kind == "fifo":
        os.mkfifo(path)
    elif kind == "zero":
        path.symlink_to("/dev/zero")
    else:
        monkeypatch.setenv("TRIALCLI_MAX_FILE_BYTES", "100000")  # above the bundled files
        size = 33 * 1024 * 1024 if name.startswith("import") else 100_001
        path.write_bytes(b"#" * size)
    result = CliRunner().invoke(app, ["--no-cache", *READERS[name](str(path))])
    assert result.exit_code == 1, result.stdout
    said = result.stdout + result.stderr
    assert "Traceback" not in said and str(path) in said
    words = {"fifo": "regular file", "zero": "regular file", "size": "limit"}[kind]
    assert words in said or (kind == "size" and "too large" in said), said
