"""`import --into-store`, `list --store --search`, `show --store [--yaml]` on real records.

The store keeps each study's record and makes its file only when asked: `show --store
--yaml` must print the very bytes `import --into` writes, `list --store` the same rows as
`list` of that folder, and an import stopped half way must leave the store as it was (or
no store at all).
"""

from __future__ import annotations

import csv
import io
import json
import os
import sqlite3
import zipfile
from pathlib import Path

import pytest
from typer.testing import CliRunner

from trialcli import store
from trialcli.cli import app
from trialcli.importers import bulk
from trialcli.ops.stored import entry, study_file

FIXTURES = Path(__file__).parent / "fixtures"
SLICE = FIXTURES / "ctgov-bulk-slice.zip"  # 40 real records of the sample
# Records of the slice the tests name: with an acronym, with results, a small one.
SEVERAL = ("nct00982033", "nct00723801", "nct02115581", "nct05236335", "nct06724653")


@pytest.fixture(scope="module")
def stored(tmp_path_factory: pytest.TempPathFactory) -> Path:
    path = tmp_path_factory.mktemp("store") / "slice.sqlite"
    result = CliRunner().invoke(
        app, ["--no-cache", "import", str(SLICE), "--into-store", str(path)]
    )
    assert result.exit_code == 0, result.stderr
    assert result.stdout.startswith(f"Done: 40 records into {path}: 40 imported, 0 updated")
    return path


@pytest.fixture(scope="module")
def folder(tmp_path_factory: pytest.TempPathFactory) -> Path:
    path = tmp_path_factory.mktemp("folder")
    result = CliRunner().invoke(app, ["--no-cache", "import", str(SLICE), "--into", str(path)])
    assert result.exit_code == 0, result.stderr
    return path


def _run(runner: CliRunner, *args: str) -> tuple[int, str, str]:
    result = runner.invoke(app, ["--no-cache", *args])
    return result.exit_code, result.stdout, result.stderr


def test_show_yaml_is_byte_for_byte_the_file_a_folder_import_writes(
    runner: CliRunner, stored: Path, folder: Path
) -> None:
    for study_id in SEVERAL:
        code, out, err = _run(runner, "show", study_id, "--store", str(stored), "--yaml")
        assert code == 0, err
        assert out.encode("utf-8") == (folder / f"{study_id}.yaml").read_bytes(), study_id
    # Every one of the 40, made from its stored record.
    files = sorted(folder.glob("*.yaml"))
    assert len(files) == 40
    for file in files:
        assert study_file(stored, file.stem)[1].encode("utf-8") == file.read_bytes()
    # Of each, the record is kept as the ZIP holds it, with the date the file is made for.
    with zipfile.ZipFile(SLICE) as archive:
        kept = store.record(stored, "nct00982033")
        assert kept.body == archive.read("NCT00982033.json")
    assert (kept.retrieved, kept.how) == ("2026-02-18", "file")
    # By NCT id and by acronym too.
    by_nct = _run(runner, "show", "NCT00982033", "--store", str(stored), "--yaml")[1]
    by_acronym = _run(runner, "show", "aliskiren", "--store", str(stored), "--yaml")[1]
    assert by_nct == by_acronym == (folder / "nct00982033.yaml").read_text(encoding="utf-8")


def test_show_from_the_store_is_the_page_of_the_folders_file(
    runner: CliRunner, stored: Path, folder: Path
) -> None:
    for args in ([], ["--full"], ["-f", "json"], ["-f", "csv"]):
        from_store = _run(runner, "show", "nct00723801", "--store", str(stored), *args)
        from_folder = _run(runner, "-d", str(folder), "show", "nct00723801", *args)
        assert from_store == from_folder, args
    assert "Losartan" in from_store[1]


def test_list_store_has_the_folders_rows_in_every_format(
    runner: CliRunner, stored: Path, folder: Path
) -> None:
    for output in ("json", "csv", "markdown"):
        args = ["list", "--wide", "-f", output]
        from_store = _run(runner, *args, "--store", str(stored))[1]
        from_folder = _run(runner, "-d", str(folder), *args)[1]
        # The folder's list has the bundled studies too; every imported id is an NCT id.
        if output == "json":
            rows = json.loads(from_folder)
            kept = [r for r in rows if r["id"].startswith("nct")]
            assert len(kept) == 40
            assert json.loads(from_store) == kept
        elif output == "csv":
            rows = list(csv.DictReader(io.StringIO(from_folder)))
            found = list(csv.DictReader(io.StringIO(from_store)))
            assert found == [r for r in rows if r["id"].startswith("nct")]
        else:
            lines = from_store.splitlines()
            assert lines[0].startswith("| id | acronym |") and len(lines) == 2 + 40


def test_search_hits_and_misses(runner: CliRunner, stored: Path) -> None:
    def ids(query: str, *more: str) -> list[str]:
        code, out, err = _run(
            runner, "list", "--store", str(stored), "--search", query, "-f", "json", *more
        )
        assert code == 0, err
        return [row["id"] for row in json.loads(out)]

    assert ids("aliskiren") == ["nct00982033"]  # an intervention
    assert ids("NCT00723801") == ["nct00723801"]  # the id, any case
    assert ids('"marfan syndrome"') == ["nct00723801"]  # a condition, as a phrase
    assert ids("ketone AND ester") == ["nct05159570", "nct05236335"]
    assert ids("ubiquin*") == ["nct02115581", "nct02779634"]  # ubiquinone, ubiquinol
    assert ids("sildenafil NOT stenosis") == ["nct00781508"]
    assert ids("spironolactone") == []
    # The other filters apply to what the search finds.
    assert ids("sildenafil", "--phase", "4", "--has-results") == ["nct00781508", "nct01060020"]
    heart = ids('"heart failure"')
    assert len(heart) == 30 and heart == sorted(heart)
    code, out, _ = _run(runner, "list", "--store", str(stored), "--search", "zzzunknown")
    assert code == 0 and out.rstrip().endswith("0 studies")


def test_search_syntax_errors_are_one_line(runner: CliRunner, stored: Path) -> None:
    for query in ("heart AND (", "title:", "nosuch:word", '"unclosed'):
        code, out, err = _run(runner, "list", "--store", str(stored), "--search", query)
        assert code == 2, query
        assert err.startswith(f"Error: --search {query!r}: not a full-text query (")
        assert len(err.splitlines()) == 1 and out == ""


def test_unreadable_stores_are_one_line(
    runner: CliRunner, tmp_path: Path, stored: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    text = tmp_path / "text.sqlite"
    text.write_text("id,title\n", encoding="utf-8")
    other = tmp_path / "other.sqlite"
    sqlite3.connect(other).execute("CREATE TABLE t (x)").connection.close()
    corrupt = tmp_path / "corrupt.sqlite"
    data = bytearray(stored.read_bytes())
    data[100 : 4096 * 3] = b"\xff" * (4096 * 3 - 100)  # the schema's pages overwritten
    corrupt.write_bytes(bytes(data))
    older = tmp_path / "older.sqlite"  # a store of the first format, which kept study files
    db = sqlite3.connect(older)
    db.executescript(
        "CREATE TABLE meta (key, value); INSERT INTO meta VALUES ('format', 'trialcli-store 1');"
    )
    db.close()
    expected = {
        tmp_path / "missing.sqlite": "no such store (create it with 'import ZIP --into-store')",
        text: "not a readable trialcli store (file is not a database)",
        other: "an SQLite file, but not a trialcli store",
        corrupt: "not a readable trialcli store (",
        older: "a store of another trialcli (trialcli-store 1); import it again",
    }
    for path, message in expected.items():
        for command in (["list"], ["list", "--search", "heart"], ["show", "nct00982033"]):
            code, _, err = _run(runner, *command, "--store", str(path))
            assert code == 1, (path, command)
            assert err.startswith(f"Error: '{path}': {message}"), err
            assert len(err.splitlines()) == 1
    # As an unprivileged user sees it; tests may run as root, where chmod 000 reads anyway.
    real_access = os.access
    monkeypatch.setattr(
        os, "access", lambda p, mode, **kw: False if str(p) == str(stored) else real_access(p, mode)
    )
    code, _, err = _run(runner, "list", "--store", str(stored))
    assert (code, err) == (1, f"Error: '{stored}': permission denied\n")


def test_store_from_the_environment_and_a_missing_study(
    runner: CliRunner, stored: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("TRIALCLI_STORE", str(stored))
    code, out, _ = _run(runner, "list", "--search", "aliskiren", "-f", "csv")
    assert code == 0 and out.splitlines()[1].startswith("nct00982033,Aliskiren,4,")
    code, _, err = _run(runner, "show", "care-ms-ii")
    assert code == 1
    assert err == f"Error: no study 'care-ms-ii' in '{stored}' (see 'trialcli list --store')\n"
    monkeypatch.delenv("TRIALCLI_STORE")
    code, _, err = _run(runner, "show", "care-ms-ii", "--yaml")
    assert (code, err) == (2, "Error: --yaml prints a study from a store; give --store FILE\n")


def _record(name: str) -> dict:  # type: ignore[type-arg]
    with zipfile.ZipFile(SLICE) as archive:
        return json.loads(archive.read(name))  # type: ignore[no-any-return]


def _dated(record: dict, updated: str, title: str) -> dict:  # type: ignore[type-arg]
    copy = json.loads(json.dumps(record))
    copy["protocolSection"]["statusModule"]["lastUpdatePostDateStruct"]["date"] = updated
    copy["protocolSection"]["identificationModule"]["briefTitle"] = title
    copy["protocolSection"]["identificationModule"]["officialTitle"] = title
    return copy


def test_the_same_study_twice_the_newer_record_stays_and_it_is_said(
    runner: CliRunner, tmp_path: Path
) -> None:
    record = _record("NCT00982033.json")
    older = tmp_path / "older" / "NCT00982033.json"
    newer = tmp_path / "newer" / "NCT00982033.json"
    for path, record_ in (
        (older, _dated(record, "2015-01-01", "Older title")),
        (newer, _dated(record, "2020-06-30", "Newer title")),
    ):
        path.parent.mkdir()
        path.write_text(json.dumps(record_), encoding="utf-8")
    path = tmp_path / "s.sqlite"
    assert _run(runner, "import", str(older), "--into-store", str(path))[0] == 0
    code, out, _ = _run(runner, "import", str(newer), "--into-store", str(path))
    assert code == 0
    assert "0 imported, 1 updated" in out
    assert out.splitlines()[1:] == [
        "Replaced:",
        "  NCT00982033: replaced the record updated 2015-01-01 by this one, updated 2020-06-30",
    ]
    code, out, _ = _run(runner, "import", str(older), "--into-store", str(path))
    assert code == 0 and "1 skipped" in out
    assert out.splitlines()[1:] == [
        "Skipped:",
        "  NCT00982033: the store holds a newer record (updated 2020-06-30, this one 2015-01-01)",
    ]
    assert [r["title"] for r in store.rows(path, "aliskiren")] == ["Newer title"]
    assert store.rows(path, "older") == []
    # Both in one run, the newer first: the older one is kept out.
    both = tmp_path / "both.sqlite"
    code, out, _ = _run(runner, "import", str(newer), str(older), "--into-store", str(both))
    assert code == 0 and "1 imported, 0 updated, 0 unchanged, 1 skipped" in out
    assert [r["title"] for r in store.rows(both)] == ["Newer title"]
    # The same again changes nothing.
    code, out, _ = _run(runner, "import", str(newer), "--into-store", str(both))
    assert "1 unchanged" in out


class Cut(Exception):
    """The process killed half way, as an exception."""


def _cut_after(count: int):  # type: ignore[no-untyped-def]
    seen = []

    def entry_of(study, record):  # type: ignore[no-untyped-def]
        seen.append(study.id)
        if len(seen) > count:
            raise Cut
        return entry(study, record)

    return entry_of


def test_an_import_cut_half_way_leaves_no_store_or_the_old_one(tmp_path: Path) -> None:
    items = bulk.plan([str(SLICE)])
    path = tmp_path / "s.sqlite"
    with pytest.raises(Cut):
        bulk.run_store(items, path, _cut_after(10))
    assert list(tmp_path.iterdir()) == []  # no store, no temporary file
    summary = bulk.run_store(items[:5], path, entry)
    assert summary.counts["imported"] == 5
    before = path.read_bytes()
    with pytest.raises(Cut):
        bulk.run_store(items, path, _cut_after(20))
    assert path.read_bytes() == before
    assert [p.name for p in tmp_path.iterdir()] == ["s.sqlite"]
    assert len(store.rows(path)) == 5

    # Ctrl-C is the same: nothing of the run is kept, and the summary says so.
    def interrupt(study, record):  # type: ignore[no-untyped-def]
        raise KeyboardInterrupt

    with pytest.raises(bulk.Interrupted):
        bulk.run_store(items, path, interrupt)
    assert path.read_bytes() == before


def test_a_store_that_cannot_be_written_is_one_line(runner: CliRunner, tmp_path: Path) -> None:
    target = tmp_path / "no" / "such" / "folder" / "s.sqlite"
    code, _, err = _run(runner, "import", str(SLICE), "--into-store", str(target))
    assert code == 1 and len(err.splitlines()) == 1
    assert err.startswith(f"Error: '{target}': cannot write the store (")
    text = tmp_path / "notes.sqlite"
    text.write_text("my notes\n", encoding="utf-8")
    code, _, err = _run(runner, "import", str(SLICE), "--into-store", str(text))
    assert code == 1 and "not a readable trialcli store" in err
    assert text.read_text(encoding="utf-8") == "my notes\n"  # never overwritten


def test_the_readme_and_the_catalog_page_name_the_store() -> None:
    root = Path(__file__).parent.parent
    readme = (root / "README.md").read_text(encoding="utf-8")
    assert (
        "--into-store trials.sqlite" in readme and "list --store trials.sqlite --search" in readme
    )
    assert "show ID --store" in readme and "--yaml" in readme
    catalog = (root / "docs" / "catalog.md").read_text(encoding="utf-8")
    assert "## One store for the whole registry: `import ZIP --into-store FILE`" in catalog


def test_a_search_results_page_into_a_store_gives_each_study_the_folders_file(
    runner: CliRunner, tmp_path: Path
) -> None:
    # A page's records are stored as JSON again (no member's bytes): the same files still.
    page = tmp_path / "page.json"
    records = [_record("NCT00982033.json"), _record("NCT00723801.json")]
    page.write_text(json.dumps({"studies": records}), encoding="utf-8")
    path, folder = tmp_path / "s.sqlite", tmp_path / "folder"
    folder.mkdir()
    assert _run(runner, "import", str(page), "--into-store", str(path))[0] == 0
    assert _run(runner, "import", str(page), "--into", str(folder))[0] == 0
    for study_id in ("nct00982033", "nct00723801"):
        code, out, err = _run(runner, "show", study_id, "--store", str(path), "--yaml")
        assert code == 0, err
        assert out.encode("utf-8") == (folder / f"{study_id}.yaml").read_bytes()
    assert json.loads(store.record(path, "nct00982033").body) == records[0]
