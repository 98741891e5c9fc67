"""Hostile files, paths, output streams, writers and cache (issue 16, items 6-15).

Each test reproduces one way trialcli used to hang, crash, lose a file or trust too much.
"""

from __future__ import annotations

import contextlib
import errno
import hashlib
import json
import os
import shutil
import subprocess
import sys
import threading
import time
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import Any

import pytest
from typer.testing import CliRunner

import trialcli.cache
import trialcli.loader
import trialcli.settings
from trialcli.cache import StudyCache, cache_root
from trialcli.cli import app
from trialcli.errors import TrialcliError
from trialcli.files import write_atomically

# Slow (FIFOs, links, full disks, closed streams and racing writers, several in a new
# process): left out of `make fast`.
pytestmark = pytest.mark.slow

DATA = Path(__file__).parent.parent / "data"
RECORD = Path(__file__).parent / "fixtures" / "ctgov" / "NCT00806624.json"
ARR = "annualized-relapse-rate"


def no_traceback(result: object) -> None:
    exception = getattr(result, "exception", None)
    assert exception is None or isinstance(exception, SystemExit), repr(exception)


@contextmanager
def released_after(fifo: Path, seconds: float = 10.0) -> Iterator[list[bool]]:
    """Bound a test that would hang on `fifo`: after `seconds`, open and close its other end,
    which ends a blocked open or read. The list says whether that had to happen."""
    fired: list[bool] = []
    done = threading.Event()

    def release() -> None:
        if not done.wait(seconds):
            fired.append(True)
            os.close(os.open(fifo, os.O_RDWR))  # never blocks on Linux

    watchdog = threading.Thread(target=release, daemon=True)
    watchdog.start()
    try:
        yield fired
    finally:
        done.set()
        watchdog.join()


def study_folder(tmp_path: Path, *names: str) -> Path:
    """A folder holding copies of bundled studies."""
    folder = tmp_path / "studies"
    folder.mkdir(exist_ok=True)
    for name in names:
        shutil.copy(DATA / f"{name}.yaml", folder / f"{name}-copy.yaml")
        text = (folder / f"{name}-copy.yaml").read_text(encoding="utf-8")
        (folder / f"{name}-copy.yaml").write_text(
            text.replace(f"id: {name}\n", f"id: {name}-copy\n", 1), encoding="utf-8"
        )
    return folder


# --- 6. FIFOs are not read --------------------------------------------------------------


@pytest.mark.parametrize(
    "args",
    [
        ["validate", "{fifo}"],
        ["show", "{fifo}"],
        ["diff", "{fifo}", str(DATA / "care-ms-i.yaml")],
        ["ae", "{fifo}"],
    ],
    ids=["validate", "show", "diff", "ae"],
)
def test_a_fifo_given_as_a_study_is_refused_not_waited_on(
    runner: CliRunner, tmp_path: Path, args: list[str]
) -> None:
    fifo = tmp_path / "study.yaml"
    os.mkfifo(fifo)
    with released_after(fifo) as fired:
        result = runner.invoke(app, [a.format(fifo=fifo) for a in args])
    assert not fired, "trialcli waited on the FIFO"
    assert result.exit_code == 1
    assert "is not a regular file" in result.output + result.stderr
    no_traceback(result)


def test_a_fifo_in_a_catalog_folder_is_reported_and_the_rest_listed(
    runner: CliRunner, tmp_path: Path
) -> None:
    folder = study_folder(tmp_path, "care-ms-i")
    fifo = folder / "stuck.yaml"
    os.mkfifo(fifo)
    with released_after(fifo) as fired:
        result = runner.invoke(app, ["--data-dir", str(folder), "list", "-f", "csv"])
    assert not fired
    assert result.exit_code == 0
    assert "care-ms-i-copy," in result.stdout
    assert f"Warning: skipped {fifo}" in result.stderr
    assert "is not a regular file" in result.stderr


# --- 7. a symbolic link to itself ---------------------------------------------------------


def test_a_self_looping_link_is_reported_and_skipped(runner: CliRunner, tmp_path: Path) -> None:
    folder = study_folder(tmp_path, "care-ms-i")
    (folder / "loop.yaml").symlink_to("loop.yaml")
    shown = runner.invoke(app, ["-d", str(folder), "show", "care-ms-ii", "-f", "json"])
    assert shown.exit_code == 0, shown.stderr
    assert '"id": "care-ms-ii"' in shown.stdout
    listed = runner.invoke(app, ["-d", str(folder), "list", "-f", "csv"])
    assert listed.exit_code == 0
    assert "care-ms-i-copy," in listed.stdout
    assert "loop.yaml" in listed.stderr and "Too many levels of symbolic links" in listed.stderr
    checked = runner.invoke(app, ["validate", str(folder)])
    assert checked.exit_code == 1
    assert "loop.yaml" in checked.stdout and "Too many levels" in checked.stdout


@pytest.mark.parametrize("command", ["show", "validate", "ae"])
def test_a_path_through_a_looping_link_is_an_error_message(
    runner: CliRunner, tmp_path: Path, command: str
) -> None:
    loop = tmp_path / "loop"
    loop.symlink_to(loop)
    result = runner.invoke(app, [command, str(loop / "study.yaml")])
    no_traceback(result)
    assert result.exit_code == 1
    said = (result.stdout + result.stderr).replace(": error ", ": ")  # validate names it
    assert f"{loop / 'study.yaml'}: Too many levels of symbolic links" in said


# --- 8. --force replaces regular files only -----------------------------------------------


def writers(target: Path) -> dict[str, list[str]]:
    return {
        "new": ["new", "my-trial", "-o", str(target), "--force"],
        "import": ["import", str(RECORD), "-o", str(target), "--force"],
        "export": ["compare", "care-ms-i", "-e", ARR, "--export", str(target), "--force"],
    }


@pytest.mark.parametrize("command", ["new", "import", "export"])
@pytest.mark.parametrize("kind", ["fifo", "link to /dev/null"])
def test_force_never_replaces_a_fifo_or_a_device(
    runner: CliRunner, tmp_path: Path, command: str, kind: str
) -> None:
    target = tmp_path / ("plot.svg" if command == "export" else "study.yaml")
    if kind == "fifo":
        os.mkfifo(target)
    else:
        target.symlink_to(os.devnull)
    result = runner.invoke(app, writers(target)[command])
    assert result.exit_code == 1
    assert f"Error: '{target}' is not a regular file" in result.stderr
    assert "--force replaces regular files only" in result.stderr
    if kind == "fifo":
        assert target.is_fifo()
    else:
        assert target.is_symlink() and os.readlink(target) == os.devnull
    assert [p.name for p in tmp_path.iterdir()] == [target.name]  # no temporary file left


# --- 9. one folder or file reached twice --------------------------------------------------


def test_a_folder_named_twice_lists_its_studies_once(
    runner: CliRunner, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    folder = study_folder(tmp_path, "care-ms-i")
    alias = tmp_path / "alias"
    alias.symlink_to(folder)
    monkeypatch.setenv("TRIALCLI_PATH", str(folder))
    result = runner.invoke(
        app, ["-d", f"{folder}/", "-d", str(alias), "-d", str(DATA), "list", "-f", "csv"]
    )
    assert result.exit_code == 0
    assert result.stderr == ""
    ids = [line.split(",")[0] for line in result.stdout.splitlines()[1:]]
    assert ids == ["camms223", "care-ms-i", "care-ms-i-copy", "care-ms-ii"]


def test_one_file_reached_from_two_folders_counts_once(runner: CliRunner, tmp_path: Path) -> None:
    folder = study_folder(tmp_path, "care-ms-i")
    other = tmp_path / "other"
    other.mkdir()
    os.link(folder / "care-ms-i-copy.yaml", other / "care-ms-i-copy.yaml")
    (other / "linked.yaml").symlink_to(DATA / "camms223.yaml")  # the bundled file again
    result = runner.invoke(app, ["-d", str(folder), "-d", str(other), "list", "-f", "csv"])
    assert result.exit_code == 0
    assert "also used by" not in result.stderr
    ids = [line.split(",")[0] for line in result.stdout.splitlines()[1:]]
    assert ids == ["camms223", "care-ms-i", "care-ms-i-copy", "care-ms-ii"]


# --- 10. path checks that fail with EACCES or ENAMETOOLONG -------------------------------

LONG = "x" * 5000


@pytest.fixture
def locked(monkeypatch: pytest.MonkeyPatch, tmp_path: Path) -> Path:
    """A folder whose parent cannot be searched: what root never sees, simulated."""
    parent = tmp_path / "locked"
    real_stat, real_lstat, real_open = os.stat, os.lstat, os.open

    def refuse(real):  # type: ignore[no-untyped-def]
        def call(path, *args, **kwargs):  # type: ignore[no-untyped-def]
            if isinstance(path, (str, bytes, os.PathLike)) and str(parent) in os.fsdecode(path):
                raise PermissionError(errno.EACCES, "Permission denied", os.fspath(path))
            return real(path, *args, **kwargs)

        return call

    monkeypatch.setattr(os, "stat", refuse(real_stat))
    monkeypatch.setattr(os, "lstat", refuse(real_lstat))
    monkeypatch.setattr(os, "open", refuse(real_open))
    return parent / "inner"


def path_commands(target: Path) -> dict[str, list[str]]:
    return {
        "-d": ["-d", str(target), "list"],
        "new -o": ["new", "my-trial", "-o", str(target / "x.yaml")],
        "import -o": ["import", str(RECORD), "-o", str(target / "x.yaml")],
        "--export": ["compare", "care-ms-i", "-e", ARR, "--export", str(target / "x.svg")],
    }


@pytest.mark.parametrize("command", ["-d", "new -o", "import -o", "--export", "TRIALCLI_PATH"])
@pytest.mark.parametrize("failure", ["EACCES", "ENAMETOOLONG"])
def test_a_path_that_cannot_be_checked_is_an_error_message(
    runner: CliRunner,
    tmp_path: Path,
    monkeypatch: pytest.MonkeyPatch,
    command: str,
    failure: str,
    request: pytest.FixtureRequest,
) -> None:
    target = request.getfixturevalue("locked") if failure == "EACCES" else tmp_path / LONG
    if command == "TRIALCLI_PATH":
        monkeypatch.setenv("TRIALCLI_PATH", str(target))
        args = ["list"]
    else:
        args = path_commands(target)[command]
    result = runner.invoke(app, args)
    no_traceback(result)
    assert result.exit_code == 1
    reason = "Permission denied" if failure == "EACCES" else "File name too long"
    assert result.stderr.startswith("Error: ") and reason in result.stderr


@pytest.mark.parametrize("failure", ["EACCES", "ENAMETOOLONG"])
def test_validate_reports_a_path_it_cannot_check(
    runner: CliRunner, tmp_path: Path, failure: str, request: pytest.FixtureRequest
) -> None:
    target = request.getfixturevalue("locked") if failure == "EACCES" else tmp_path / LONG
    result = runner.invoke(app, ["validate", str(target / "study.yaml"), "-f", "json"])
    no_traceback(result)
    assert result.exit_code == 1
    # A named file that cannot be read is `Error: …`, exit 1, as in show (issue 17, rule 4).
    reason = "permission denied" if failure == "EACCES" else "File name too long"
    assert result.stderr.startswith("Error: ") and reason in result.stderr


# --- 11. standard output that cannot be written -------------------------------------------


def run_cli(*args: str, **options: object) -> subprocess.CompletedProcess[str]:
    code = "from trialcli.cli import app; app(prog_name='trialcli')"
    return subprocess.run(
        [sys.executable, "-c", code, *args],
        capture_output="stdout" not in options,
        text=True,
        timeout=60,
        check=False,
        **options,  # type: ignore[call-overload]
    )


@pytest.mark.skipif(not os.path.exists("/dev/full"), reason="needs /dev/full")
@pytest.mark.parametrize("output", ["csv", "table"])
def test_a_full_disk_on_stdout_is_an_error_message(output: str) -> None:
    with open("/dev/full", "w") as full:
        result = run_cli("list", "-f", output, stdout=full, stderr=subprocess.PIPE)
    assert result.returncode == 1
    assert result.stderr == "Error: cannot write output: No space left on device\n"


def test_a_closed_stdout_is_an_error_message() -> None:
    result = subprocess.run(
        [sys.executable, "-c", "from trialcli.cli import app; app()", "list", "-f", "json"],
        stdout=subprocess.DEVNULL,
        stderr=subprocess.PIPE,
        text=True,
        timeout=60,
        check=False,
        preexec_fn=lambda: os.close(1),  # the child starts without stdout
    )
    assert result.returncode == 1
    assert result.stderr == "Error: cannot write output: standard output is closed\n"


def test_a_reader_that_stops_reading_ends_the_run_quietly() -> None:
    code = "from trialcli.cli import app; app()"
    with subprocess.Popen(
        [sys.executable, "-c", code, "list", "-f", "json"],
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
    ) as child:
        child.stdout.close()  # type: ignore[union-attr]  # like `| head -0`
        _, errors = child.communicate(timeout=60)
    assert child.returncode == 0  # a closed pipe is not a problem with the data
    assert errors == b""  # the reader asked for no more: nothing to report


# --- 12. a trailing slash names a folder ----------------------------------------------------


def test_new_and_import_write_inside_a_folder_named_with_a_slash(
    runner: CliRunner, tmp_path: Path
) -> None:
    made = runner.invoke(app, ["new", "my-trial", "-o", f"{tmp_path}/"])
    assert made.exit_code == 0, made.stderr
    imported = runner.invoke(app, ["import", str(RECORD), "-o", f"{tmp_path}/"])
    assert imported.exit_code == 0, imported.stderr
    assert sorted(p.name for p in tmp_path.iterdir()) == ["my-trial.yaml", "nct00806624.yaml"]
    assert "id: nct00806624" in (tmp_path / "nct00806624.yaml").read_text(encoding="utf-8")


@pytest.mark.parametrize(
    "args",
    [
        ["new", "my-trial", "-o", "{missing}/"],
        ["import", str(RECORD), "-o", "{missing}/"],
        ["compare", "care-ms-i", "-e", ARR, "--export", "{missing}/"],
    ],
    ids=["new", "import", "export"],
)
def test_a_missing_folder_with_a_slash_is_refused_not_written_as_a_file(
    runner: CliRunner, tmp_path: Path, args: list[str]
) -> None:
    missing = tmp_path / "newdir"
    result = runner.invoke(app, [a.format(missing=missing) for a in args])
    assert result.exit_code == 1
    assert result.stderr.startswith(f"Error: '{missing}/' names a folder")
    assert list(tmp_path.iterdir()) == []


# --- 13. racing writers: exactly one wins --------------------------------------------------


def test_concurrent_writers_without_force_cannot_both_win(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    writers, rounds = 6, 10
    barrier = threading.Barrier(writers, timeout=10)
    real_fsync = os.fsync

    def fsync_together(fd: int) -> None:
        real_fsync(fd)
        barrier.wait()  # every writer has its text on disk and is about to name it

    def slow(name: str):  # type: ignore[no-untyped-def]
        real = getattr(os, name)

        def call(*args, **kwargs):  # type: ignore[no-untyped-def]
            time.sleep(0.02)  # a slow disk: naming the file takes a moment
            return real(*args, **kwargs)

        return call

    monkeypatch.setattr(os, "fsync", fsync_together)
    monkeypatch.setattr(os, "replace", slow("replace"))
    monkeypatch.setattr(os, "link", slow("link"))
    for round_ in range(rounds):
        target = tmp_path / f"same-{round_}.yaml"
        won: list[int] = []
        refused: list[str] = []

        def write(
            number: int, target: Path = target, won: list[int] = won, refused: list[str] = refused
        ) -> None:
            try:
                write_atomically(target, f"writer {number}\n")
                won.append(number)
            except TrialcliError as error:
                refused.append(str(error))

        threads = [threading.Thread(target=write, args=(n,)) for n in range(writers)]
        for thread in threads:
            thread.start()
        for thread in threads:
            thread.join(timeout=20)
        assert len(won) == 1, f"round {round_}: {len(won)} writers won"
        assert refused == [f"'{target}' already exists; use --force to replace it"] * (writers - 1)
        assert target.read_text(encoding="utf-8") == f"writer {won[0]}\n"
    assert sorted(p.name for p in tmp_path.iterdir()) == sorted(
        f"same-{n}.yaml" for n in range(rounds)
    )


# --- 14. cache reads: regular files of the user's, bounded, never through a link ---------


def cached_folder(runner: CliRunner, tmp_path: Path) -> tuple[Path, list[str], str]:
    """A folder with one study, listed once so that its index is in the cache."""
    folder = study_folder(tmp_path, "care-ms-i")
    then = time.time() - 60  # a file changed a moment ago is not cached
    os.utime(folder / "care-ms-i-copy.yaml", (then, then))
    args = ["--data-dir", str(folder), "list", "-f", "csv"]
    first = runner.invoke(app, args)
    assert first.exit_code == 0 and "care-ms-i-copy," in first.stdout
    return folder, args, first.stdout


def index_of(folder: Path) -> Path:
    return StudyCache(cache_root())._file("folders", str(folder.resolve()))


def count_parsing(monkeypatch: pytest.MonkeyPatch) -> list[str]:
    parsed: list[str] = []
    real = trialcli.loader._parse_with_nodes

    def counting(text: str, file: str) -> Any:
        parsed.append(Path(file).name)
        return real(text, file)

    monkeypatch.setattr(trialcli.loader, "_parse_with_nodes", counting)
    return parsed


@pytest.mark.parametrize("replacement", ["link to /dev/zero", "fifo", "link to a copy"])
def test_a_cache_file_that_is_not_a_regular_file_is_never_read(
    runner: CliRunner, tmp_path: Path, monkeypatch: pytest.MonkeyPatch, replacement: str
) -> None:
    folder, args, listed = cached_folder(runner, tmp_path)
    index = index_of(folder)
    copy = tmp_path / "copy.json"
    shutil.copy(index, copy)
    index.unlink()
    if replacement == "fifo":
        os.mkfifo(index)
    else:
        index.symlink_to("/dev/zero" if replacement == "link to /dev/zero" else copy)
    parsed = count_parsing(monkeypatch)
    with released_after(index) if replacement == "fifo" else contextlib.nullcontext([]) as fired:
        result = runner.invoke(app, args)
    assert not fired, "the run waited on a FIFO in the cache"
    assert result.exit_code == 0 and result.stdout == listed
    assert parsed == ["care-ms-i-copy.yaml"]  # the cache was not used: parsed again
    assert index.is_file() and not index.is_symlink()  # and replaced by a file of its own


def test_a_cache_file_over_the_size_limit_is_not_read(
    runner: CliRunner, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    folder, args, listed = cached_folder(runner, tmp_path)
    size = index_of(folder).stat().st_size
    monkeypatch.setattr(trialcli.settings, "MAX_CACHE_BYTES", size - 1)
    parsed = count_parsing(monkeypatch)
    result = runner.invoke(app, args)
    assert result.exit_code == 0 and result.stdout == listed
    assert "care-ms-i-copy.yaml" in parsed


@pytest.mark.skipif(not hasattr(os, "geteuid") or os.geteuid() != 0, reason="chown needs root")
def test_a_cache_file_of_another_user_is_not_read(
    runner: CliRunner, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    folder, args, listed = cached_folder(runner, tmp_path)
    os.chown(index_of(folder), 4321, 4321)
    parsed = count_parsing(monkeypatch)
    result = runner.invoke(app, args)
    assert result.exit_code == 0 and result.stdout == listed
    assert parsed == ["care-ms-i-copy.yaml"]


# --- 15. a cache rewritten by someone else says nothing ----------------------------------


def forge(cache_file: Path, edit: Callable[[dict[str, Any]], None], checksum: str) -> None:
    """Rewrite a cache file as an attacker would: new data, a matching plain checksum."""
    head, _, payload = cache_file.read_bytes().partition(b"\n")
    header, data = json.loads(head), json.loads(payload)
    edit(data)
    forged = json.dumps(data, separators=(",", ":")).encode()
    header.pop("hmac", None)
    header.pop("sha256", None)
    header[checksum] = hashlib.sha256(forged).hexdigest()
    cache_file.write_bytes(json.dumps(header).encode() + b"\n" + forged)


@pytest.mark.parametrize("checksum", ["sha256", "hmac"])
def test_a_rewritten_index_cannot_make_an_invalid_file_pass(
    runner: CliRunner, tmp_path: Path, checksum: str
) -> None:
    folder = study_folder(tmp_path, "care-ms-i")
    bad = folder / "bad.yaml"
    text = (DATA / "care-ms-i.yaml").read_text(encoding="utf-8")
    bad.write_text(
        text.replace("id: care-ms-i\n", "id: bad\n", 1).replace('phase: "3"', "phase: 9")
    )
    then = time.time() - 60
    for path in folder.iterdir():
        os.utime(path, (then, then))
    assert runner.invoke(app, ["validate", "--strict", str(folder)]).exit_code == 1

    def clear_problems(data: dict[str, Any]) -> None:
        entry, good = data["files"]["bad.yaml"], data["files"]["care-ms-i-copy.yaml"]
        entry.update(problems=[], row={**good["row"], "id": "bad"})

    forge(index_of(folder), clear_problems, checksum)
    result = runner.invoke(app, ["validate", "--strict", str(folder)])
    assert result.exit_code == 1
    assert "bad.yaml" in result.stdout and "phase" in result.stdout


def test_a_rewritten_study_cannot_change_what_show_prints(
    runner: CliRunner, tmp_path: Path
) -> None:
    args = ["show", "care-ms-ii", "-f", "json"]
    first = runner.invoke(app, args)
    assert first.exit_code == 0 and '"acronym": "CARE-MS II"' in first.stdout
    study = StudyCache(cache_root())._file("studies", str((DATA / "care-ms-ii.yaml").resolve()))

    def rename(data: dict[str, Any]) -> None:
        data["study"]["acronym"] = "FORGED"

    forge(study, rename, "sha256")
    second = runner.invoke(app, args)
    assert second.exit_code == 0
    assert "FORGED" not in second.stdout and second.stdout == first.stdout


@pytest.mark.parametrize("where", ["root", "folders"])
def test_a_cache_folder_others_can_write_is_refused_with_a_warning(
    runner: CliRunner, tmp_path: Path, monkeypatch: pytest.MonkeyPatch, where: str
) -> None:
    _, args, listed = cached_folder(runner, tmp_path)
    unsafe = cache_root() if where == "root" else cache_root() / "folders"
    unsafe.chmod(0o777)
    parsed = count_parsing(monkeypatch)
    result = runner.invoke(app, args)
    assert result.exit_code == 0 and result.stdout == listed
    assert f"Warning: not using the cache in '{unsafe}': other users can write to it" in (
        result.stderr
    )
    assert "care-ms-i-copy.yaml" in parsed


def test_a_cache_folder_that_is_a_link_is_refused_with_a_warning(
    runner: CliRunner, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    elsewhere = tmp_path / "elsewhere"
    elsewhere.mkdir(mode=0o700)
    cache_root().parent.mkdir(parents=True, exist_ok=True)
    cache_root().symlink_to(elsewhere)
    result = runner.invoke(app, ["list", "-f", "csv"])
    assert result.exit_code == 0 and "care-ms-ii," in result.stdout
    assert f"not using the cache in '{cache_root()}': it is a symbolic link" in result.stderr
    assert list(elsewhere.iterdir()) == []  # nothing written through the link


def test_the_cache_key_is_private() -> None:
    cache = StudyCache(cache_root())
    assert cache._key() is not None
    key = cache_root() / "key"
    assert key.stat().st_mode & 0o777 == 0o600 and key.stat().st_size == 32
