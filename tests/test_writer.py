"""The one writer's promises, for every command that writes a file.

The writers are found from the app itself — every command with a `--force` option, and
its options and arguments that name a file or folder (FILE, PATH, DIR, TARGET) — so a
new writer cannot be left out: WRITERS must say how to run each one, or the first test
fails. Each promise is then checked on each writer: a device, a FIFO and a folder are
never replaced (not even with --force), a concurrent writer's file never without
--force, the umask decides a new file's mode, `-` never becomes a file named `-`, and
a name ending in `/` is a folder, never a file.
"""

from __future__ import annotations

import os
import stat
import sys
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path

import pytest
from app_commands import choices, writers
from typer.testing import CliRunner

from trialcli.cli import app

# Slow (every writer of the app against devices, FIFOs, umasks and races): left out of `make fast`.
pytestmark = pytest.mark.slow

FIXTURES = Path(__file__).parent / "fixtures"
RECORD = FIXTURES / "ctgov" / "NCT00806624.json"
JUDGEMENTS = FIXTURES / "judgements-example.yaml"
SOF = ["sof", "care-ms-i", "care-ms-ii", "camms223", "-e", "arr"]
IMPORTED = "nct00806624.yaml"  # the study file that record becomes


@dataclass(frozen=True)
class Writer:
    """How to make one command write to `target`; `inside`: the file it writes is
    `target/inside` (a folder option such as --into), else `target` itself."""

    args: Callable[[str], list[str]]
    suffix: str
    inside: str | None = None
    folder: bool = False  # the target is a folder the command creates (parquet)


COMPARE = ["compare", "--drug", "alemtuzumab", "-e", "annualized-relapse-rate"]
WRITERS: dict[str, Writer] = {
    "new --output": Writer(lambda t: ["new", "my-trial", "-o", t], ".yaml"),
    "import --output": Writer(lambda t: ["import", str(RECORD), "-o", t], ".yaml"),
    "import --into": Writer(lambda t: ["import", str(RECORD), "--into", t], "", IMPORTED),
    "import --into-store": Writer(lambda t: ["import", str(RECORD), "--into-store", t], ".db"),
    "export TARGET (sqlite)": Writer(lambda t: ["export", "--to", "sqlite", t], ".db"),
    "export TARGET (parquet)": Writer(lambda t: ["export", "--to", "parquet", t], "", folder=True),
    "compare --export": Writer(lambda t: [*COMPARE, "--export", t], ".svg"),
    "compare --export (html)": Writer(lambda t: [*COMPARE, "--export", t], ".html"),
    "ae --export": Writer(lambda t: ["ae", "care-ms-ii", "--export", t], ".svg"),
    "adverse-events --export": Writer(
        lambda t: ["adverse-events", "care-ms-ii", "--export", t], ".png"
    ),
    "flow --export": Writer(lambda t: ["flow", "care-ms-i", "--export", t], ".pdf"),
    "network --export": Writer(
        lambda t: ["network", "-e", "relapse-proportion", "--export", t], ".svg"
    ),
    "sof --rob-figure": Writer(
        lambda t: [*SOF, "--judgements", str(JUDGEMENTS), "--rob-figure", t], ".png"
    ),
}


def test_every_writer_of_the_app_is_checked() -> None:
    # Read from the app (tests/app_commands.py): every file-naming parameter of every
    # command with --force, and every format export writes.
    named = {tuple(key.split(" (")[0].split(" ", 1)) for key in WRITERS}
    assert writers() == named
    exports = {key.split("(")[1].rstrip(")") for key in WRITERS if key.startswith("export ")}
    assert exports == set(choices("export", "--to"))


def invoke(writer: Writer, target: str) -> tuple[int, str]:
    result = CliRunner().invoke(app, ["--no-cache", *writer.args(target)])
    return result.exit_code, result.stderr


def target_of(writer: Writer, tmp_path: Path) -> tuple[Path, Path]:
    """(what to name on the command line, the file or folder that is written)."""
    if writer.inside is not None:
        folder = tmp_path / "catalog"
        folder.mkdir()
        return folder, folder / writer.inside
    path = tmp_path / f"out{writer.suffix}"
    return path, path


NAMES = list(WRITERS)


@pytest.mark.parametrize("name", NAMES)
def test_a_fifo_is_never_replaced_nor_waited_on(name: str, tmp_path: Path) -> None:
    writer = WRITERS[name]
    given, written = target_of(writer, tmp_path)
    os.mkfifo(written)
    code, _ = invoke(writer, str(given))
    assert code == 1
    assert stat.S_ISFIFO(os.lstat(written).st_mode)
    forced = CliRunner().invoke(app, ["--no-cache", *writer.args(str(given)), "--force"])
    assert forced.exit_code == 1, forced.stdout
    assert stat.S_ISFIFO(os.lstat(written).st_mode)
    assert _strays(tmp_path) == []


@pytest.mark.parametrize("name", NAMES)
def test_a_device_is_never_replaced(name: str, tmp_path: Path) -> None:
    writer = WRITERS[name]
    given, written = target_of(writer, tmp_path)
    written.symlink_to(os.devnull)  # a link: a failed promise replaces the link, not /dev/null
    forced = CliRunner().invoke(app, ["--no-cache", *writer.args(str(given)), "--force"])
    assert forced.exit_code == 1, forced.stdout
    said = forced.stderr + forced.stdout
    assert "not a regular file" in said or "not a folder trialcli exported" in said
    assert written.is_symlink() and os.readlink(written) == os.devnull


@pytest.mark.parametrize("name", NAMES)
def test_a_folder_is_never_replaced(name: str, tmp_path: Path) -> None:
    writer = WRITERS[name]
    given, written = target_of(writer, tmp_path)
    written.mkdir()
    (written / "own-work.txt").write_text("mine", encoding="utf-8")
    forced = CliRunner().invoke(app, ["--no-cache", *writer.args(str(given)), "--force"])
    assert forced.exit_code == 1, forced.stdout
    assert (written / "own-work.txt").read_text(encoding="utf-8") == "mine"
    assert sorted(p.name for p in written.iterdir()) == ["own-work.txt"]


@pytest.mark.parametrize("name", NAMES)
def test_a_concurrent_writers_file_is_never_replaced_without_force(
    name: str, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """Another writer finishes first, between every check this one made and its rename:
    the name is taken by link or exclusive mkdir, so this one loses and says so."""
    writer = WRITERS[name]
    given, written = target_of(writer, tmp_path)
    chmod = os.chmod

    def meanwhile(path: object, mode: int, **kwargs: object) -> None:
        if Path(str(path)).name.startswith(f".{written.name}.") and not written.exists():
            if writer.folder:
                written.mkdir()
                (written / "theirs.txt").write_text("theirs", encoding="utf-8")
            else:
                written.write_text("theirs", encoding="utf-8")
        chmod(path, mode, **kwargs)  # type: ignore[arg-type]

    monkeypatch.setattr(os, "chmod", meanwhile)
    code, stderr = invoke(writer, str(given))
    theirs = written / "theirs.txt" if writer.folder else written
    assert theirs.read_text(encoding="utf-8") == "theirs"
    if writer.inside is None:
        assert code == 1 and "already exists" in stderr
    assert _strays(tmp_path) == []


@pytest.mark.parametrize("name", NAMES)
@pytest.mark.parametrize("umask", [0o022, 0o077, 0o002])
def test_a_new_file_has_the_mode_the_umask_gives(name: str, umask: int, tmp_path: Path) -> None:
    writer = WRITERS[name]
    given, written = target_of(writer, tmp_path)
    old = os.umask(umask)
    try:
        code, stderr = invoke(writer, str(given))
    finally:
        os.umask(old)
    assert code == 0, stderr
    wanted = (0o777 if writer.folder else 0o666) & ~umask
    assert stat.S_IMODE(os.stat(written).st_mode) == wanted


@pytest.mark.parametrize("name", NAMES)
def test_a_dash_is_never_a_file_named_dash(
    name: str, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    writer = WRITERS[name]
    monkeypatch.chdir(tmp_path)
    invoke(writer, "-")
    assert not Path("-").exists()
    assert _strays(tmp_path) == []


@pytest.mark.parametrize("name", NAMES)
def test_a_trailing_slash_names_a_folder_never_a_file(name: str, tmp_path: Path) -> None:
    writer = WRITERS[name]
    missing = tmp_path / f"newdir{writer.suffix}"
    code, _ = invoke(writer, f"{missing}/")
    if writer.folder or writer.inside:
        # The export is that folder; --into creates the folder it writes into.
        assert code == 0 and missing.is_dir()
    else:
        assert code == 1
        assert not missing.exists() or missing.is_dir()
    assert not missing.is_file()


def test_sqlite_to_a_dash_writes_the_database_to_standard_output(tmp_path: Path) -> None:
    import sqlite3
    import subprocess

    database = tmp_path / "piped.db"
    with database.open("wb") as out:
        done = subprocess.run(
            [sys.executable, "-m", "trialcli", "--no-cache", "export", "--to", "sqlite", "-"],
            stdout=out,
            stderr=subprocess.PIPE,
            text=False,
            cwd=Path(__file__).parent.parent,
            check=False,
        )
    assert done.returncode == 0, done.stderr
    assert b"Wrote standard output" in done.stderr
    with sqlite3.connect(database) as connection:
        acronyms = {row[0] for row in connection.execute("SELECT acronym FROM studies")}
    assert {"CAMMS223", "CARE-MS I", "CARE-MS II"} <= acronyms


def test_sqlite_to_an_existing_folder_with_a_slash_writes_catalog_db_inside(
    tmp_path: Path,
) -> None:
    code, stderr = invoke(WRITERS["export TARGET (sqlite)"], f"{tmp_path}/")
    assert code == 0, stderr
    assert (tmp_path / "catalog.db").is_file()


def test_parquet_force_never_deletes_a_folder_it_did_not_export(tmp_path: Path) -> None:
    """`export --to parquet studies --force` once deleted the data folder being exported."""
    studies = tmp_path / "studies"
    studies.mkdir()
    own = (Path(__file__).parent.parent / "data" / "care-ms-i.yaml").read_text(encoding="utf-8")
    (studies / "care-ms-i.yaml").write_text(own, encoding="utf-8")
    result = CliRunner().invoke(
        app,
        ["--no-cache", "-d", str(studies), "export", "--to", "parquet", str(studies), "--force"],
    )
    assert result.exit_code == 1
    assert "not a folder trialcli exported" in result.stderr
    assert (studies / "care-ms-i.yaml").read_text(encoding="utf-8") == own


def test_parquet_force_replaces_an_earlier_export_in_one_swap(tmp_path: Path) -> None:
    pytest.importorskip("pyarrow")
    target = tmp_path / "tables"
    writer = WRITERS["export TARGET (parquet)"]
    assert invoke(writer, str(target))[0] == 0
    (target / "stale.parquet").write_text("an old table", encoding="utf-8")
    code, stderr = invoke(writer, f"{target}")
    assert code == 1 and "use --force" in stderr
    forced = CliRunner().invoke(app, ["--no-cache", *writer.args(str(target)), "--force"])
    assert forced.exit_code == 0, forced.stderr
    assert not (target / "stale.parquet").exists()
    assert (target / "studies.parquet").is_file()
    assert sorted(p.name for p in tmp_path.iterdir()) == ["tables"]  # nothing left aside


def test_an_interrupted_parquet_swap_leaves_the_old_export(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """Ctrl-C while the new folder is written: the old export is whole, nothing else left."""
    pytest.importorskip("pyarrow")
    from trialcli.export import parquet

    target = tmp_path / "tables"
    writer = WRITERS["export TARGET (parquet)"]
    assert invoke(writer, str(target))[0] == 0
    before = sorted(p.name for p in target.iterdir())
    real = parquet.MARKER

    def interrupted(*args: object, **kwargs: object) -> None:
        raise KeyboardInterrupt

    from trialcli import files

    monkeypatch.setattr(files, "_exchange", interrupted)
    forced = CliRunner().invoke(app, ["--no-cache", *writer.args(str(target)), "--force"])
    assert forced.exit_code != 0
    assert sorted(p.name for p in target.iterdir()) == before
    assert (target / ".trialcli-export").read_text(encoding="utf-8") == real
    assert sorted(p.name for p in tmp_path.iterdir()) == ["tables"]


def _strays(folder: Path) -> list[str]:
    """Temporary files or folders a writer left behind (they all start with a dot)."""
    return sorted(p.name for p in folder.rglob(".*") if p.name != ".trialcli-export")
