"""The app, its global options and what every command shares: errors as messages,
output that may fail, the catalog, the pager and the machine formats."""

from __future__ import annotations

import functools
import gc
import os
import sys
from collections.abc import Callable, Sequence
from contextlib import AbstractContextManager
from dataclasses import dataclass, field
from pathlib import Path
from typing import TYPE_CHECKING, Annotated, ParamSpec, TypeVar

import typer

from trialcli.arguments import TrialcliGroup, TrialcliTyper, version_line
from trialcli.cli.replay import LISTED
from trialcli.errors import ExitCode, StudyFileError, TrialcliError
from trialcli.formats import OutputFormat
from trialcli.formatting import NOT_REPORTED
from trialcli.render.text import clean

if TYPE_CHECKING:
    from rich.console import Console

    from trialcli.cache import StudyCache
    from trialcli.catalog import Catalog, Entry
    from trialcli.checking import Checked
    from trialcli.ops.listing import Filters as ListFilters
    from trialcli.ops.summary import ListRow

app = TrialcliTyper(
    name="trialcli",
    cls=TrialcliGroup,
    no_args_is_help=True,
    pretty_exceptions_enable=False,
    rich_markup_mode=None,
    add_completion=True,
    context_settings={"help_option_names": ["-h", "--help"]},
)

P = ParamSpec("P")
R = TypeVar("R")


def _fail(message: str, code: int = ExitCode.ERROR) -> typer.Exit:
    typer.echo(f"Error: {clean(message, one_line=False)}", err=True)
    return typer.Exit(code)


def user_errors(command: Callable[P, R]) -> Callable[P, R]:
    """The error boundary: a user's mistake becomes `Error: …` and a non-zero exit."""

    @functools.wraps(command)
    def run(*args: P.args, **kwargs: P.kwargs) -> R:
        try:
            try:
                return command(*args, **kwargs)
            finally:
                _flush_output()
        except StudyFileError as error:
            problems = error.problems
            if len(problems) == 1:
                raise _fail(str(problems[0])) from None
            lines = [f"{problems[0].file} has {len(problems)} problems:"]
            lines += [f"  {p}" for p in problems]
            raise _fail("\n".join(lines)) from None
        except TrialcliError as error:
            raise _fail(str(error), error.exit_code) from None
        except OSError as error:
            reason = error.strerror or str(error)
            if error.filename is not None:  # a path check not caught where it was made
                raise _fail(f"cannot use '{error.filename}': {reason}") from None
            # No file named: standard output failing while Rich writes a table to it.
            raise _output_failed(error) from None

    return run


def _flush_output() -> None:
    """Standard output that cannot be written (a full disk, a closed pipe) is an error."""
    if sys.stdout is None:
        return
    try:
        sys.stdout.flush()
    except OSError as error:
        raise _output_failed(error) from None


def _output_failed(error: OSError) -> typer.Exit:
    """Exit 1, or quietly 0 when the reader closed the pipe (`| head -1`): it asked for no
    more, which is not a problem with the data — as the pager treats a reader quitting."""
    _discard_output()
    if isinstance(error, BrokenPipeError):
        return typer.Exit(ExitCode.OK)
    return _fail(f"cannot write output: {error.strerror or error}")


def _discard_output() -> None:
    # What could not be written would be tried again, and fail again, at exit.
    try:
        devnull = os.open(os.devnull, os.O_WRONLY)
        os.dup2(devnull, sys.stdout.fileno())
        os.close(devnull)
    except (OSError, ValueError, AttributeError):
        pass  # not a real file (tests capture output): nothing is retried at exit


def _version(value: bool) -> None:
    if value:
        typer.echo(version_line())
        raise typer.Exit()


DataDirs = Annotated[
    list[Path] | None,
    typer.Option(
        "--data-dir",
        "-d",
        help="Another folder of study files (repeatable); added after TRIALCLI_PATH.",
        file_okay=False,
        readable=False,  # an unreadable folder is an `Error:` (exit 1), not a usage error
        metavar="DIR",
    ),
]
NoCache = Annotated[
    bool,
    typer.Option(
        "--no-cache",
        help="Parse every study file again, neither reading nor writing the cache.",
    ),
]
FormatOption = Annotated[
    OutputFormat,
    typer.Option("--format", "-f", help="table for people; json, csv or markdown for programs."),
]
NoPager = Annotated[
    bool,
    typer.Option(
        "--no-pager",
        help="Print everything even on a terminal; else taller output goes through "
        "$TRIALCLI_PAGER, $PAGER or less -R.",
    ),
]
FigureExport = Annotated[
    str | None,
    typer.Option(
        "--export", metavar="FILE", help="Also draw the figure to FILE.svg, .png or .pdf."
    ),
]
ForceExport = Annotated[
    bool, typer.Option("--force", help="Let --export replace an existing file.")
]


@dataclass(frozen=True)
class Settings:
    """The global options, for every command."""

    data_dirs: list[Path] = field(default_factory=list)
    use_cache: bool = True


@app.callback()
def main(
    ctx: typer.Context,
    data_dir: DataDirs = None,
    no_cache: NoCache = False,
    version: Annotated[
        bool,
        typer.Option("--version", callback=_version, is_eager=True, help="Show the version."),
    ] = False,
) -> None:
    """Clinical trials, readable in a terminal and checked against their sources.

    Studies come from the bundled data, the folders on TRIALCLI_PATH
    (separated by the system's path separator) and each --data-dir.
    What was learnt from unchanged files is cached in $XDG_CACHE_HOME/trialcli
    (or ~/.cache/trialcli); --no-cache bypasses it.
    """
    ctx.obj = Settings(list(data_dir or []), use_cache=not no_cache)
    # A command is short and leaves little cyclic garbage: the cyclic collector's passes
    # over every live object cost 5-15% of a run and free next to nothing. Paused for the
    # command only (CliRunner runs commands inside a longer process).
    if gc.isenabled():
        gc.disable()
        ctx.call_on_close(gc.enable)


def _settings(ctx: typer.Context) -> Settings:
    return ctx.obj if isinstance(ctx.obj, Settings) else Settings()


def _cache(ctx: typer.Context) -> StudyCache | None:
    from trialcli.cache import StudyCache

    def warn(message: str) -> None:
        typer.echo(f"Warning: {clean(message)}", err=True)

    return StudyCache.default(warn) if _settings(ctx).use_cache else None


def _catalog(ctx: typer.Context) -> Catalog:
    import dataclasses

    from trialcli.checking import discover

    catalog = discover(_settings(ctx).data_dirs, _cache(ctx))
    listed = ctx.meta.get(LISTED)  # the folders as the replay's key saw them, this run
    if listed is not None and listed[0] == catalog.folders:
        catalog = dataclasses.replace(catalog, listed=listed[1], statuses=dict(listed[2]))
    return catalog


def _paged(no_pager: bool) -> AbstractContextManager[Console]:
    from trialcli.render.pager import paged

    return paged(enabled=not no_pager)


def _paged_render(no_pager: bool, draw: Callable[[Console], None]) -> None:
    with _paged(no_pager) as console:
        draw(console)


def _write(text: str) -> None:
    if sys.stdout is None:  # started with standard output closed
        raise TrialcliError("cannot write output: standard output is closed")
    try:
        sys.stdout.write(text if text.endswith("\n") else text + "\n")
    except OSError as error:
        raise _output_failed(error) from None


# `list` filters, which `export` takes too.
DrugOption = Annotated[
    str | None, typer.Option(metavar="TEXT", help="Studies with an intervention naming TEXT.")
]
ConditionOption = Annotated[
    str | None, typer.Option(metavar="TEXT", help="Studies whose condition names TEXT.")
]
PhaseOption = Annotated[
    str | None, typer.Option(metavar="PHASE", help="1, 1/2, 2, 2/3, 3, 4 or n/a.")
]
StatusOption = Annotated[
    str | None, typer.Option(metavar="STATUS", help="e.g. completed, recruiting, terminated.")
]
HasResultsOption = Annotated[
    bool | None,
    typer.Option(
        "--has-results/--no-results", help="Only studies with (or without) reported results."
    ),
]
SinceOption = Annotated[
    int | None, typer.Option(metavar="YEAR", help="Studies that started in YEAR or later.")
]
SearchOption = Annotated[
    str | None,
    typer.Option(
        metavar="TEXT",
        help="Every word in the title, acronym, condition or interventions"
        " (any case, any accents).",
    ),
]
StoreOption = Annotated[
    Path | None,
    typer.Option(
        "--store",
        metavar="FILE",
        readable=False,  # an unreadable store is an `Error:` line (exit 1), not usage
        help="Read the studies of this store ('import --into-store'), not the catalog;"
        " TRIALCLI_STORE gives one when this is not given.",
    ),
]
SortOption = Annotated[str | None, typer.Option(metavar="FIELD", help="Sort by this column.")]
LimitOption = Annotated[int | None, typer.Option(metavar="N", help="At most N studies.")]


def _store(given: Path | None) -> Path | None:
    """The store a command reads: --store, or else TRIALCLI_STORE."""
    from trialcli.settings import store_path

    return given if given is not None else store_path()


def _stored_rows(store: Path, filters: ListFilters) -> list[ListRow]:
    """The store's studies that `filters` keep; its search is FTS5's, over the store's index."""
    import dataclasses

    from trialcli.ops.listing import select
    from trialcli.ops.summary import ListRow
    from trialcli.store import rows

    found = [ListRow(**row) for row in rows(store, filters.search)]
    return select(found, dataclasses.replace(filters, search=None))


def _selected(ctx: typer.Context, filters: ListFilters) -> list[tuple[Path, ListRow]]:
    """The catalog's valid studies that `filters` keep, each with its file."""
    from trialcli.ops.listing import select
    from trialcli.render.progress import ProgressBar

    with ProgressBar("Reading studies") as progress:
        from trialcli.checking import checked

        entries = checked(_catalog(ctx), progress, warnings=False)
    _warn_skipped(entries)
    files = {e.row: e.path for e in entries if e.ok and e.row is not None}
    return [(files[row], row) for row in select(list(files), filters)]


def _warn_skipped(entries: Sequence[Entry | Checked]) -> None:
    """A broken file never hides the good ones: name it on stderr and go on."""
    for entry in entries:
        if not entry.ok:
            errors = [p for p in entry.problems if p.severity == "error"]
            first = errors[0] if errors else None
            typer.echo(
                f"Warning: skipped {clean(str(entry.path))}: {clean(str(first)) if first else ''}"
                " (run 'trialcli validate' for details)",
                err=True,
            )


def _write_csv(records: Sequence[dict[str, object]], columns: Sequence[str]) -> None:
    from trialcli.render.tabular import to_csv

    _write(to_csv(records, columns))


def _write_markdown(
    records: Sequence[dict[str, object]],
    columns: Sequence[str],
    missing: str = NOT_REPORTED,
    absent: str | None = None,
) -> None:
    from trialcli.render.tabular import to_markdown

    _write(to_markdown(records, columns, missing, absent))


def _write_json(data: object) -> None:
    from trialcli.render.tabular import to_json

    _write(to_json(data))
