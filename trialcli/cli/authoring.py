"""`schema`, `new` and `import`: study files written for the user, from a skeleton or a
registry record."""

from __future__ import annotations

import functools
import os
from pathlib import Path
from typing import TYPE_CHECKING, Annotated

import typer

from trialcli.cli.base import (
    _cache,
    _catalog,
    _fail,
    _write,
    app,
    user_errors,
)
from trialcli.errors import ExitCode, TrialcliError
from trialcli.render.text import clean

if TYPE_CHECKING:
    from trialcli.cache import StudyCache
    from trialcli.catalog import Catalog
    from trialcli.importers.query import Query


@app.command()
@user_errors
def schema() -> None:
    """Print the JSON Schema of a study file, for editors and other tools.

    Save it once, then start a study file with
    "# yaml-language-server: $schema=./study.schema.json" for completion and checking.

    Example: trialcli schema > study.schema.json
    """
    from trialcli.render.tabular import to_json
    from trialcli.schema import study_schema

    _write(to_json(study_schema()))


@app.command()
@user_errors
def new(
    study_id: Annotated[
        str, typer.Argument(metavar="ID", help="The new study's id: a slug like my-trial-2.")
    ],
    output: Annotated[
        str | None,
        typer.Option(
            "--output",
            "-o",
            metavar="PATH",
            help="Where to write it; '-' prints it. Default: ID.yaml in this folder.",
        ),
    ] = None,
    force: Annotated[bool, typer.Option("--force", help="Replace an existing file.")] = False,
) -> None:
    """Write a commented skeleton study file to fill in.

    Every value to supply is a <placeholder>; 'trialcli validate' refuses the file until
    each is filled in or its line deleted.

    Example: trialcli new my-trial -o studies/my-trial.yaml
    """
    from trialcli.files import output_path, write_atomically
    from trialcli.skeleton import skeleton

    text = skeleton(study_id)
    if output == "-":
        _write(text)
        return
    path = output_path(output, f"{study_id}.yaml") if output else Path(f"{study_id}.yaml")
    write_atomically(path, text, force=force)
    typer.echo(
        f"Wrote {clean(str(path))}: fill in each <placeholder>, then run "
        f"'trialcli validate {clean(str(path))}'",
        err=True,
    )


@app.command("import")
@user_errors
def import_record(
    ctx: typer.Context,
    sources: Annotated[
        list[str] | None,
        typer.Argument(
            metavar="SOURCE...",
            help="NCT ids (fetched from ClinicalTrials.gov) or saved API v2 JSON files; with"
            " --into also folders, search-results files and the bulk-download ZIP.",
        ),
    ] = None,
    output: Annotated[
        str | None,
        typer.Option(
            "--output",
            "-o",
            metavar="PATH",
            help="Write the study here instead of stdout; '-' prints it.",
        ),
    ] = None,
    into: Annotated[
        Path | None,
        typer.Option("--into", metavar="DIR", help="Write one study file per record here."),
    ] = None,
    into_store: Annotated[
        str | None,
        typer.Option(
            "--into-store",
            metavar="FILE",
            help="Keep every record's study in this one SQLite store (made or updated);"
            " read it with 'list --store' and 'show --store'.",
        ),
    ] = None,
    force: Annotated[bool, typer.Option("--force", help="Replace an existing file.")] = False,
    cond: Annotated[
        str | None, typer.Option("--cond", metavar="TEXT", help="With --into: search conditions.")
    ] = None,
    intr: Annotated[
        str | None,
        typer.Option("--intr", metavar="TEXT", help="With --into: search interventions."),
    ] = None,
    term: Annotated[
        str | None, typer.Option("--term", metavar="TEXT", help="With --into: search any field.")
    ] = None,
    status: Annotated[
        str | None,
        typer.Option("--status", metavar="STATUS", help="With --into: e.g. completed, recruiting."),
    ] = None,
    phase: Annotated[
        str | None,
        typer.Option("--phase", metavar="PHASE", help="With --into: early-1, 1, 2, 3, 4 or n/a."),
    ] = None,
    with_results: Annotated[
        bool, typer.Option("--with-results", help="With --into: only studies with results.")
    ] = False,
) -> None:
    """Turn ClinicalTrials.gov records into study files.

    The record is fetched from the ClinicalTrials.gov API v2 (TRIALCLI_CTGOV_URL changes
    the address) or read from a saved JSON file. Without -o the study is printed. With
    --into, every record goes to its own file; a re-run leaves unchanged files alone.

    Example: trialcli import NCT02422186 -o nct02422186.yaml
    Example: trialcli import ctg-studies.json.zip --into catalog/
    Example: trialcli import ctg-studies.json.zip --into-store trials.sqlite

    With --into-store, the studies go into one store, all or (when the run is stopped)
    none; a study already there is replaced by a record updated later, never earlier.
    """
    from trialcli.importers.query import Query

    query = Query(cond, intr, term, status, phase, with_results)
    sources = sources or []
    reviews = [s for s in sources if s.casefold().endswith(".rm5")]
    if reviews:
        if into is None or len(sources) != 1 or query:
            raise _fail("a Cochrane review (.rm5) imports alone, with --into DIR", ExitCode.USAGE)
        _import_review(Path(reviews[0]), into, force, _catalog(ctx))
        return
    if into_store is not None:
        if output is not None or into is not None:
            raise _fail("give either --into-store or --into/--output, not both", ExitCode.USAGE)
        if not sources and not query:
            raise _fail("give a SOURCE or a search (--cond, --intr, --term…)", ExitCode.USAGE)
        if into_store == "-" or into_store.endswith(tuple(s for s in (os.sep, os.altsep) if s)):
            raise _fail(f"'{into_store}': a store is one file (e.g. studies.db)", ExitCode.ERROR)
        _import_into_store(sources, query, Path(into_store))
        return
    if into is not None:
        if output is not None:
            raise _fail("give either --into or --output, not both", ExitCode.USAGE)
        if not sources and not query:
            raise _fail("give a SOURCE or a search (--cond, --intr, --term…)", ExitCode.USAGE)
        _import_into(sources, query, into, force, _cache(ctx))
        return
    if query:
        raise _fail("a search (--cond, --intr, --term…) needs --into DIR", ExitCode.USAGE)
    if len(sources) != 1:
        raise _fail("give one SOURCE, or several with --into DIR", ExitCode.USAGE)
    source = sources[0]
    from trialcli.files import output_path, write_atomically
    from trialcli.importers.study_file import read_source, study_file

    record, retrieved, how = read_source(source)
    printed = output is None or output == "-"
    study, text = study_file(record, retrieved, how, None if printed else output)
    target = None if printed else output_path(output or "", f"{study.id}.yaml")
    if target is None:
        _write(text)
        return
    write_atomically(target, text, force=force)
    typer.echo(
        f"Wrote {clean(str(target))} ({len(study.endpoints)} endpoints, "
        f"{len(study.safety)} safety findings); check it with 'trialcli show {clean(str(target))}'",
        err=True,
    )


def _import_review(path: Path, into: Path, force: bool, catalog: Catalog) -> None:
    from trialcli.importers.revman.studies import import_review

    done = import_review(path, into, force=force, catalog=catalog)
    lines = [
        f"Wrote {len(done.written)} study files to {clean(str(into))}"
        + (f" ({done.unchanged} unchanged)" if done.unchanged else "")
        + f" from {clean(path.name)}; check them with 'trialcli -d {clean(str(into))} validate'"
    ]
    if done.without_data:
        lines.append(
            f"{len(done.without_data)} included studies have no data in the review's analyses: "
            + ", ".join(clean(n) for n in done.without_data)
        )
    lines += [f"Note: {clean(n)}" for n in done.notes]
    typer.echo("\n".join(lines), err=True)


def _import_into_store(sources: list[str], query: Query, store: Path) -> None:
    from trialcli.importers import bulk
    from trialcli.ops.stored import entry
    from trialcli.parallel import cores
    from trialcli.render.bulk import summary_lines
    from trialcli.render.progress import ProgressBar

    items = bulk.plan(sources, query)
    try:
        with ProgressBar("Importing", unit="records") as progress:
            summary = bulk.run_store(items, store, entry, workers=cores(), progress=progress)
    except bulk.Interrupted as stopped:
        _write("\n".join(summary_lines(stopped.summary, store, stored=True)))
        raise typer.Exit(ExitCode.INTERRUPTED) from None
    _write("\n".join(summary_lines(summary, store, stored=True)))
    if summary.counts["failed"]:
        raise typer.Exit(ExitCode.ERROR)


def _import_into(
    sources: list[str], query: Query, into: Path, force: bool, cache: StudyCache | None
) -> None:
    from trialcli.importers import bulk
    from trialcli.parallel import cores
    from trialcli.render.bulk import summary_lines
    from trialcli.render.progress import ProgressBar

    if str(into) == "-":
        raise TrialcliError("--into needs a folder, not '-' (without --into, one record prints)")
    items = bulk.plan(sources, query)
    if not into.exists():  # once the sources are known to be good: a missing folder is made
        try:
            into.mkdir(parents=True)
        except OSError as error:
            raise TrialcliError(f"'{into}': cannot create the folder ({error.strerror})") from None
    written = examine = None
    if cache is not None:
        from trialcli.checking import remember_written, written_record

        written, examine = functools.partial(remember_written, cache), written_record
    try:
        with ProgressBar("Importing", unit="records") as progress:
            summary = bulk.run(
                items,
                into,
                force=force,
                workers=cores(),
                progress=progress,
                written=written,
                examine=examine,
            )
    except bulk.Interrupted as stopped:
        _write("\n".join(summary_lines(stopped.summary, into)))
        raise typer.Exit(ExitCode.INTERRUPTED) from None
    finally:
        if cache is not None:
            cache.save()
    _write("\n".join(summary_lines(summary, into)))
    if summary.counts["failed"]:
        raise typer.Exit(ExitCode.ERROR)
