"""`export`: the catalog as SQLite or Parquet tables."""

from __future__ import annotations

from pathlib import Path
from typing import Annotated

import typer
from typing_extensions import assert_never

from trialcli.cli.base import (
    ConditionOption,
    DrugOption,
    HasResultsOption,
    PhaseOption,
    SearchOption,
    SinceOption,
    StatusOption,
    _catalog,
    _selected,
    app,
    user_errors,
)
from trialcli.errors import TrialcliError
from trialcli.formats import ExportFormat
from trialcli.render.text import clean


@app.command()
@user_errors
def export(
    ctx: typer.Context,
    target: Annotated[
        str,
        typer.Argument(
            metavar="TARGET",
            help="FILE.db for sqlite ('-' prints it, DIR/ writes DIR/catalog.db), "
            "a new folder for parquet.",
        ),
    ],
    to: Annotated[
        ExportFormat, typer.Option("--to", help="sqlite (built in) or parquet (needs pyarrow).")
    ] = ExportFormat.sqlite,
    force: Annotated[bool, typer.Option("--force", help="Replace an existing export.")] = False,
    drug: DrugOption = None,
    condition: ConditionOption = None,
    phase: PhaseOption = None,
    status: StatusOption = None,
    has_results: HasResultsOption = None,
    since: SinceOption = None,
    search: SearchOption = None,
) -> None:
    """Write the catalog, or the studies a `list` filter keeps, as relational tables.

    Studies, arms, endpoints, results, comparisons, safety findings and sources, joined by
    study_id; what trialcli computed is in columns named computed_* (docs/catalog.md).

    Example: trialcli export --to sqlite catalog.db --condition "heart failure"
    """
    from trialcli.export import Exported, catalog_rows
    from trialcli.ops.listing import Filters
    from trialcli.render.progress import ProgressBar

    destination = _destination(target, to, force=force)
    filters = Filters(drug, condition, phase, status, has_results, since, search)
    exported = Exported()
    if filters == Filters():
        # Every study: no `list` pass first, since the export checks each file anyway.
        named = _catalog(ctx).ids()
        paths = sorted((p[0] for p in named.values() if len(p) == 1), key=lambda p: p.stem)
        exported.left_out += [
            f"{path}: study id '{sid}' is used by {len(p)} files"
            for sid, p in named.items()
            if len(p) > 1
            for path in p
        ]
    else:
        paths = [path for path, _ in _selected(ctx, filters)]
    with ProgressBar("Exporting", unit="studies") as progress:
        rows = catalog_rows(paths, exported, progress)
        match to:
            case ExportFormat.sqlite:
                from trialcli.export.sqlite import write_sqlite

                write_sqlite(rows, destination, force=force)
            case ExportFormat.parquet:
                from trialcli.export.parquet import write_parquet

                assert destination is not None  # _destination refuses '-' for a folder
                write_parquet(rows, destination, force=force)
            case _:
                assert_never(to)
    for reason in exported.left_out:
        typer.echo(f"Warning: left out {clean(reason)}", err=True)
    counts = ", ".join(f"{n:,} {name.replace('_', ' ')}" for name, n in exported.rows.items())
    where = "standard output" if destination is None else str(destination)
    typer.echo(f"Wrote {clean(where)}: {counts}", err=True)


def _destination(target: str, to: ExportFormat, *, force: bool) -> Path | None:
    """Where the export goes, checked before any study is read (None: standard output)."""
    from trialcli.files import check_target, output_path

    if to is ExportFormat.parquet:
        if target == "-":
            raise TrialcliError("--to parquet writes a folder; only sqlite goes to - (stdout)")
        # A trailing slash names the folder itself: the export is that folder.
        return Path(target.rstrip("/") or "/")
    if target == "-":
        return None
    path = output_path(target, "catalog.db")
    check_target(path, force=force)
    return path
