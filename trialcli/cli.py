"""The command line: parse options, call one operation, hand its result to one renderer.

Heavy modules (Rich, PyYAML, pydantic models) are imported inside the commands so that
`trialcli --version` and `--help` stay quick.
"""

from __future__ import annotations

import functools
import gc
import os
import sys
from collections.abc import Callable, Sequence
from contextlib import AbstractContextManager
from dataclasses import dataclass, field
from enum import Enum
from pathlib import Path
from typing import TYPE_CHECKING, Annotated, ParamSpec, TypeVar

import typer

from trialcli import completion
from trialcli.arguments import TrialcliGroup, TrialcliTyper, version_line
from trialcli.errors import ExitCode, StudyFileError, TrialcliError
from trialcli.formatting import NOT_REPORTED
from trialcli.ops.keys import PoolMethod, SafetySort, ShowFormat, SofFormat, StudySection
from trialcli.render.tabular import OutputFormat
from trialcli.render.text import clean

if TYPE_CHECKING:
    from rich.console import Console

    from trialcli.cache import StudyCache
    from trialcli.catalog import Catalog, Checked, Entry
    from trialcli.importers.query import Query
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
    """Exit 1; quietly when the reader closed the pipe (`| head`): it asked for no more."""
    _discard_output()
    if isinstance(error, BrokenPipeError):
        return typer.Exit(ExitCode.ERROR)
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
    Path | None,
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
    from trialcli.catalog import Catalog

    return Catalog.discover(_settings(ctx).data_dirs, _cache(ctx))


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


class ExportFormat(str, Enum):
    sqlite = "sqlite"
    parquet = "parquet"


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
SortOption = Annotated[str | None, typer.Option(metavar="FIELD", help="Sort by this column.")]
LimitOption = Annotated[int | None, typer.Option(metavar="N", help="At most N studies.")]


@app.command("list")
@user_errors
def list_studies(
    ctx: typer.Context,
    no_pager: NoPager = False,
    output: FormatOption = OutputFormat.table,
    drug: DrugOption = None,
    condition: ConditionOption = None,
    phase: PhaseOption = None,
    status: StatusOption = None,
    has_results: HasResultsOption = None,
    since: SinceOption = None,
    search: SearchOption = None,
    sort: SortOption = None,
    limit: LimitOption = None,
    wide: Annotated[
        bool,
        typer.Option(
            "--wide",
            "-w",
            help="Add condition, interventions, status, has_results and start_year.",
        ),
    ] = False,
) -> None:
    """List every study in the catalog, one row each; filters combine.

    Example: trialcli list --format csv
    Example: trialcli list --condition "heart failure" --phase 3 --has-results
    """
    from trialcli.ops.listing import Filters
    from trialcli.render.listing import COLUMNS, WIDE_COLUMNS, list_records, render_list

    filters = Filters(drug, condition, phase, status, has_results, since, search, sort, limit)
    rows = [row for _, row in _selected(ctx, filters)]
    columns = WIDE_COLUMNS if wide else COLUMNS
    _emit_rows(
        output,
        list_records(rows, columns),
        columns,
        functools.partial(_paged_render, no_pager, functools.partial(render_list, rows, wide=wide)),
    )


def _selected(ctx: typer.Context, filters: ListFilters) -> list[tuple[Path, ListRow]]:
    """The catalog's valid studies that `filters` keep, each with its file."""
    from trialcli.ops.listing import select
    from trialcli.render.progress import ProgressBar

    with ProgressBar("Reading studies") as progress:
        entries = _catalog(ctx).checked(progress, warnings=False)
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


def _emit_rows(
    output: OutputFormat,
    records: list[dict[str, object]],
    columns: tuple[str, ...],
    table: Callable[[], None],
    missing: str = NOT_REPORTED,
) -> None:
    from trialcli.render import tabular

    if output is OutputFormat.table:
        table()
    elif output is OutputFormat.json:
        _write(tabular.to_json(records))
    elif output is OutputFormat.csv:
        _write(tabular.to_csv(records, columns))
    else:
        _write(tabular.to_markdown(records, columns, missing))


@app.command()
@user_errors
def show(
    ctx: typer.Context,
    study: Annotated[
        str,
        typer.Argument(
            metavar="STUDY",
            help="A study id, acronym or NCT id (see 'trialcli list'), a .yaml file, or - "
            "for standard input.",
            autocompletion=completion.study_ids,
        ),
    ],
    full: Annotated[
        bool, typer.Option("--full", help="The whole page: every figure, note and source.")
    ] = False,
    section: Annotated[
        list[StudySection] | None,
        typer.Option(
            "--section",
            "-s",
            metavar="NAME",
            help="Only this part of the whole page (repeatable): design, arms, endpoints, "
            "safety, checks, notes, summary or sources.",
        ),
    ] = None,
    no_pager: NoPager = False,
    chosen: Annotated[
        ShowFormat,
        typer.Option("--format", "-f", help="table for people; json, csv, markdown or html."),
    ] = ShowFormat.table,
) -> None:
    """Show one study at a glance: what it found, its harms, and where each figure is from.

    The first screen holds the primary endpoints, key secondary ones and the harms the
    sources report; --full prints everything, --section one part of it. --format json
    gives the study as validated plus a "computed" block; csv gives one row per arm
    result and per comparison; markdown gives a document to paste; html gives one
    self-contained page (figures inline, nothing fetched) to hand on or print. All but
    the first screen keep everything.

    Example: trialcli show care-ms-ii
    """
    from trialcli.ops.audit import audit_study

    loaded = _catalog(ctx).load(study)
    checked = audit_study(loaded)
    if chosen is ShowFormat.html:
        from trialcli.ops.effects import absolute_effects
        from trialcli.render.html import study_html

        _write(study_html(loaded, checked, absolute_effects(loaded)))
        return
    output = OutputFormat(chosen.value)
    if output is OutputFormat.table and not full and not section:
        from trialcli.ops.glance import glance
        from trialcli.render.glance import glance_plain, render_glance
        from trialcli.render.lines import plain_width

        page = glance(loaded, checked)
        width = plain_width()  # piped: plain text, without loading Rich's console
        if width is not None:
            _write(glance_plain(page, width))
            return
        with _paged(no_pager) as console:
            render_glance(page, console)
        return
    from trialcli.ops.effects import absolute_effects

    effects = absolute_effects(loaded)
    if output is OutputFormat.table:
        from trialcli.render.study import render_sections, render_study

        with _paged(no_pager) as console:
            if section:
                render_sections(loaded, console, checked, effects, [s.value for s in section])
            else:
                render_study(loaded, console, checked, effects)
    elif output is OutputFormat.json:
        from trialcli.render.export import study_json

        _write(study_json(loaded, checked, effects))
    elif output is OutputFormat.csv:
        from dataclasses import asdict

        from trialcli.ops.results import COLUMNS, result_rows
        from trialcli.render.tabular import to_csv

        _write(to_csv([asdict(row) for row in result_rows(loaded)], COLUMNS))
    else:
        from trialcli.render.document import study_markdown

        _write(study_markdown(loaded, checked, effects))


@app.command()
@user_errors
def validate(
    ctx: typer.Context,
    paths: Annotated[
        list[Path] | None,
        typer.Argument(
            metavar="PATH",
            help="Study files or folders (- reads one from standard input); the whole "
            "catalog when none are given.",
            readable=False,  # an unreadable file is an `Error:` (exit 1), as in show
        ),
    ] = None,
    output: FormatOption = OutputFormat.table,
    strict: Annotated[
        bool,
        typer.Option(
            "--strict",
            help="Fail (exit 1) on consistency warnings too, except disagreements "
            "the data records on purpose.",
        ),
    ] = False,
) -> None:
    """Check study files and report every problem with file:line:column.

    Errors make a file invalid. Consistency warnings (figures that disagree with
    each other or between sources) name the line of every number involved.
    Exits 0 when every file is valid, 1 when any is not, or with --strict when
    a warning is not a disagreement the data records on purpose.

    Example: trialcli validate --strict my-studies/
    """
    from trialcli.catalog import check_paths
    from trialcli.render.console import make_console
    from trialcli.render.problems import PROBLEM_COLUMNS, problem_records, render_problems
    from trialcli.render.progress import ProgressBar

    with ProgressBar("Checking studies") as progress:
        if paths:
            entries = check_paths(paths, _cache(ctx), progress)
        else:
            entries = _catalog(ctx).checked(progress)
    if output is OutputFormat.json:
        from trialcli.render.tabular import to_json

        _write(to_json({"files": len(entries), "problems": problem_records(entries)}))
    else:
        table = functools.partial(render_problems, entries, make_console(), strict=strict)
        # A problem without a line or field concerns the whole file: leave the cell empty.
        _emit_rows(output, problem_records(entries), PROBLEM_COLUMNS, table, missing="")
    if not all(e.ok for e in entries) or (strict and any(e.unacknowledged for e in entries)):
        raise typer.Exit(ExitCode.ERROR)


@app.command("ae")
@user_errors
def adverse_events(
    ctx: typer.Context,
    studies: Annotated[
        list[str],
        typer.Argument(
            metavar="STUDY",
            help="One study for its table, several for a pivot (ids or .yaml files).",
            autocompletion=completion.study_ids,
        ),
    ],
    min_pct: Annotated[
        float | None,
        typer.Option("--min-pct", min=0, max=100, metavar="X", help="At least X% in any arm."),
    ] = None,
    min_diff: Annotated[
        float | None,
        typer.Option(
            "--min-diff",
            min=0,
            max=100,
            metavar="X",
            help="At least X percentage points from the comparator, either way "
            "(with --excess: more on the experimental arm).",
        ),
    ] = None,
    excess: Annotated[
        bool,
        typer.Option(
            "--excess",
            help="More frequent than on the comparator (the label convention).",
        ),
    ] = False,
    serious: Annotated[
        bool, typer.Option("--serious", help="Only serious findings and those with a death.")
    ] = False,
    soc: Annotated[
        str | None,
        typer.Option("--soc", metavar="TEXT", help="Organ-system class containing TEXT."),
    ] = None,
    arm: Annotated[
        str | None,
        typer.Option(
            "--arm",
            metavar="ID",
            help="Only findings reporting this arm or group.",
            autocompletion=completion.arm_ids,
        ),
    ] = None,
    sort: Annotated[
        SafetySort,
        typer.Option("--sort", help="soc (grouped), incidence, difference or term."),
    ] = SafetySort.soc,
    no_pager: NoPager = False,
    export: FigureExport = None,
    force: ForceExport = False,
    output: FormatOption = OutputFormat.table,
) -> None:
    """Adverse events per arm, with differences from the comparator computed.

    One study: a summary block (any adverse event, serious adverse events,
    discontinuations, deaths), then findings by organ-system class, each arm as
    n/N (x%) with its source, and the risk difference (Newcombe 95% CI) and risk
    ratio vs the comparator. Several studies: terms as rows, studies as columns.
    Filters combine. --export draws one study's findings as a dot plot.
    Also available as 'trialcli adverse-events'.

    Example: trialcli ae care-ms-ii --min-pct 10 --excess
    """
    from trialcli.ops.safety import Filters, safety_pivot, safety_table
    from trialcli.render import safety as render

    if export is not None:
        from trialcli.figures import check_figure_path

        if len(dict.fromkeys(studies)) > 1:
            raise TrialcliError("--export draws one study's adverse events; name one study")
        check_figure_path(export, force=force)
    catalog = _catalog(ctx)
    loaded = [catalog.load(ref) for ref in dict.fromkeys(studies)]
    filters = Filters(
        min_pct=min_pct, min_diff=min_diff, excess=excess, serious=serious, soc=soc, arm=arm
    )
    if len(loaded) == 1:
        table = safety_table(loaded[0], filters, sort)
        if export is not None:
            from trialcli.figures import save_figure
            from trialcli.figures.safety import safety_figure

            title = f"{table.study.acronym}: adverse events"
            save_figure(lambda: safety_figure(table), export, force=force, title=title)
            typer.echo(f"Wrote {clean(str(export))}", err=True)
        columns = (
            render.TABLE_MARKDOWN_COLUMNS
            if output is OutputFormat.markdown
            else render.TABLE_COLUMNS
        )
        _emit_rows(
            output,
            render.table_records(table, document=output is OutputFormat.markdown),
            columns,
            lambda: _paged_render(
                no_pager, lambda console: render.render_safety_table(table, console)
            ),
        )
        return
    pivot = safety_pivot(loaded, filters, sort)
    for study_id in pivot.lacking_arm:
        typer.echo(
            f"Warning: {clean(study_id)} has no arm or pooled group '{clean(arm or '')}'; "
            "its column is empty",
            err=True,
        )
    if output is OutputFormat.json:
        from trialcli.render.tabular import to_json

        _write(to_json(render.pivot_json(pivot)))
        return
    _emit_rows(
        output,
        render.pivot_records(pivot),
        render.pivot_columns(pivot),
        lambda: _paged_render(no_pager, lambda console: render.render_safety_pivot(pivot, console)),
    )


# The long name, for people who do not know the abbreviation; hidden from the listing.
app.command("adverse-events", hidden=True)(adverse_events)


@app.command()
@user_errors
def flow(
    ctx: typer.Context,
    study: Annotated[
        str,
        typer.Argument(
            metavar="STUDY",
            help="A study id, acronym or NCT id, a .yaml file, or - for standard input.",
            autocompletion=completion.study_ids,
        ),
    ],
    export: FigureExport = None,
    force: ForceExport = False,
    output: FormatOption = OutputFormat.table,
) -> None:
    """Participant flow as a CONSORT diagram: enrolment, allocation, follow-up, analysis.

    Each period of follow-up shows who started, completed and did not (with the reasons)
    per arm; a number the sources do not give reads "not reported"; a total that does
    not add up is marked ⚠. csv gives one row per number.

    Example: trialcli flow care-ms-i --export flow.svg
    """
    from trialcli.ops.flow import study_flow

    if export is not None:
        from trialcli.figures import check_figure_path

        check_figure_path(export, force=force)
    result = study_flow(_catalog(ctx).load(study))
    if output is OutputFormat.table:
        from trialcli.render.console import make_console
        from trialcli.render.flow import render_flow

        render_flow(result, make_console())
    elif output is OutputFormat.json:
        from trialcli.render.flow import flow_json
        from trialcli.render.tabular import to_json

        _write(to_json(flow_json(result)))
    elif output is OutputFormat.csv:
        from trialcli.render.flow import CSV_COLUMNS, flow_records
        from trialcli.render.tabular import to_csv

        _write(to_csv(flow_records(result), CSV_COLUMNS))
    else:
        from trialcli.render.flow import flow_markdown

        _write(flow_markdown(result))
    if export is not None:
        from trialcli.figures import save_figure
        from trialcli.figures.flow import flow_figure

        title = f"{result.acronym}: participant flow"
        save_figure(lambda: flow_figure(result), export, force=force, title=title)
        typer.echo(f"Wrote {clean(str(export))}", err=True)


@app.command()
@user_errors
def diff(
    ctx: typer.Context,
    study_a: Annotated[
        str,
        typer.Argument(
            metavar="A", help="A study id or a .yaml file.", autocompletion=completion.study_ids
        ),
    ],
    study_b: Annotated[
        str,
        typer.Argument(
            metavar="B",
            help="Another study, or another version.",
            autocompletion=completion.study_ids,
        ),
    ],
    changed_only: Annotated[
        bool, typer.Option("--changed-only", help="Hide the rows that are the same.")
    ] = False,
    exit_code: Annotated[
        bool,
        typer.Option("--exit-code", help="Exit 1 when the studies differ (like git diff)."),
    ] = False,
    full: Annotated[
        bool, typer.Option("--full", help="Every row, notes and sources included.")
    ] = False,
    no_pager: NoPager = False,
    output: FormatOption = OutputFormat.table,
) -> None:
    """Two studies side by side: the differences that matter first.

    Two studies: design, population, N, arms, each primary endpoint's verdict and effect,
    the harms whose excess differs most, and which verdicts changed. --full (and the
    json, csv and markdown formats) align every row by meaning: arms by role and drug,
    endpoints by their code (else by name, time frame, kind and unit), comparisons by
    measure, safety findings by term. Two versions of one study file: the rows that
    changed (--full: every row).

    Example: trialcli diff care-ms-i care-ms-ii
    """
    from trialcli.ops.diff import diff_studies, side_labels

    catalog = _catalog(ctx)
    a, b = catalog.load(study_a), catalog.load(study_b)
    labels = side_labels(a, b, study_a, study_b)
    result = diff_studies(a, b, *labels)
    differs = not result.identical
    versions = a.id == b.id
    if changed_only or (versions and not full and output is OutputFormat.table):
        result = result.changed_only()
    if output is OutputFormat.table and not full and not versions and not changed_only:
        from trialcli.ops.diff_glance import diff_glance
        from trialcli.render.diff import render_diff_glance

        page = diff_glance(a, b, *labels)
        _paged_render(no_pager, lambda console: render_diff_glance(page, console))
    elif output is OutputFormat.table:
        from trialcli.render.diff import render_diff

        _paged_render(no_pager, lambda console: render_diff(result, console))
    elif output is OutputFormat.json:
        from trialcli.render.diff import diff_json
        from trialcli.render.tabular import to_json

        _write(to_json(diff_json(result)))
    else:
        from trialcli.render.diff import diff_columns, diff_records

        _emit_rows(output, diff_records(result), diff_columns(result), lambda: None)
    if exit_code and differs:
        raise typer.Exit(ExitCode.ERROR)


@app.command()
@user_errors
def compare(
    ctx: typer.Context,
    endpoint: Annotated[
        list[str],
        typer.Option(
            "--endpoint",
            "-e",
            metavar="CODE|STUDY:ID",
            help="An endpoint code, e.g. annualized-relapse-rate, or one study's endpoint "
            "as STUDY:ENDPOINT_ID (repeatable; see docs/compare-selectors.md).",
            autocompletion=completion.endpoint_codes,
        ),
    ],
    studies: Annotated[
        list[str] | None,
        typer.Argument(
            metavar="STUDY", help="Study ids or .yaml files.", autocompletion=completion.study_ids
        ),
    ] = None,
    drug: Annotated[
        str | None,
        typer.Option("--drug", metavar="NAME", help="Every catalog study with an arm on NAME."),
    ] = None,
    export: Annotated[
        str | None,
        typer.Option(
            "--export",
            metavar="FILE",
            help="Also draw the plot to FILE.svg, .png or .pdf (a figure), or FILE.html "
            "(the terminal's text).",
        ),
    ] = None,
    force: Annotated[
        bool, typer.Option("--force", help="Let --export replace an existing file.")
    ] = False,
    pool: Annotated[
        bool,
        typer.Option("--pool", help="Add a pooled estimate to each panel of 2+ poolable studies."),
    ] = False,
    method: Annotated[
        PoolMethod | None,
        typer.Option("--method", help="How to pool (with --pool); default reml."),
    ] = None,
    hksj: Annotated[
        bool,
        typer.Option("--hksj", help="Hartung–Knapp–Sidik–Jonkman CI for the pooled estimate."),
    ] = False,
    output: FormatOption = OutputFormat.table,
) -> None:
    """One endpoint across studies as a forest plot: one row per study; --pool adds a pooled row.

    Ratios are drawn on a log scale, differences on a linear one; each measure has its
    own panel. A relative reduction is converted to a ratio (and marked) only for a
    study that reports no ratio. A chosen endpoint with nothing to draw is listed with
    the reason; a comparison whose direction is unknown is listed, never drawn. Different
    measures are never pooled (see docs/pooling.md).

    Example: trialcli compare --drug alemtuzumab -e annualized-relapse-rate --pool
    """
    from trialcli.ops.compare import (
        Selection,
        compare_studies,
        missing_endpoints,
        split_selector,
        uses_drug,
    )

    selectors = [split_selector(value) for value in endpoint]
    if not studies and drug is None and all(ref is None for ref, _ in selectors):
        raise TrialcliError("name the studies to compare, or give --drug NAME")
    if export is not None and output is not OutputFormat.table:
        raise TrialcliError("--export writes the plot; use it with --format table")
    if not pool and (method is not None or hksj):
        raise typer.BadParameter("--method and --hksj choose how to pool; add --pool")
    catalog = _catalog(ctx)
    chosen = [catalog.load(ref) for ref in studies or []]
    picked: list[tuple[str, str]] = []
    for ref, endpoint_id in selectors:
        if ref is not None:
            loaded = catalog.load(ref)
            if all(s.id != loaded.id for s in chosen):
                chosen.append(loaded)
            picked.append((loaded.id, endpoint_id))
    codes = tuple(dict.fromkeys(code for ref, code in selectors if ref is None))
    selection = Selection(codes, tuple(dict.fromkeys(picked)))
    if drug is not None:
        entries = catalog.entries()
        _warn_skipped(entries)
        on_drug = [e.study for e in entries if e.ok and e.study and uses_drug(e.study, drug)]
        if not on_drug:
            raise TrialcliError(f"no study in the catalog has an arm on '{drug}'")
        known = {s.id for s in chosen}
        chosen += [s for s in on_drug if s.id not in known]
        # Oldest first, as forest plots of a drug's trials are usually read.
        chosen.sort(key=lambda s: (s.start_date or "9999", s.id))
    problems = missing_endpoints(chosen, selection)
    if problems:
        raise TrialcliError("; ".join(problems))
    plot = compare_studies(chosen, selection)
    pooled = None
    if pool:
        from trialcli.ops.pool import pool_plot

        pooled = pool_plot(plot, chosen, (method or PoolMethod.reml).value, hksj)
    if output is OutputFormat.table:
        from trialcli.files import output_path
        from trialcli.render.console import check_export, make_console, save_recording
        from trialcli.render.forest import render_forest

        target = output_path(export, None) if export is not None else None
        figure = target is not None and target.suffix.lower() != ".html"
        if target is not None:
            from trialcli.figures import check_figure_path

            (check_figure_path if figure else check_export)(target, force=force)
        console = make_console(record=target is not None and not figure)
        render_forest(plot, console, pooled)
        if pooled is not None:
            from trialcli.render.pool import render_pooled

            render_pooled(pooled, console)
        if target is not None:
            if figure:
                from trialcli.figures import save_figure
                from trialcli.figures.forest import forest_figure

                title = f"Forest plot: {selection.label}"
                save_figure(lambda: forest_figure(plot, pooled), target, force=force, title=title)
            else:
                title = f"trialcli compare {selection.label}"
                save_recording(console, target, force=force, title=title)
            typer.echo(f"Wrote {clean(str(target))}", err=True)
        return
    if pooled is not None:
        from trialcli.render.pool import POOL_COLUMNS, pooled_forest_json, pooled_records

        if output is OutputFormat.json:
            from trialcli.render.tabular import to_json

            _write(to_json(pooled_forest_json(plot, pooled)))
        else:
            _emit_rows(output, pooled_records(plot, pooled), POOL_COLUMNS, lambda: None)
        return
    from trialcli.render.forest import COLUMNS, forest_json, forest_records

    if output is OutputFormat.json:
        from trialcli.render.tabular import to_json

        _write(to_json(forest_json(plot)))
    else:
        _emit_rows(output, forest_records(plot), COLUMNS, lambda: None)


@app.command()
@user_errors
def sof(
    ctx: typer.Context,
    studies: Annotated[list[str], typer.Argument(metavar="STUDY...", help="Study ids or files.")],
    endpoints: Annotated[
        list[str] | None,
        typer.Option("--endpoint", "-e", metavar="CODE", help="Only these endpoint codes or ids."),
    ] = None,
    output: Annotated[
        SofFormat,
        typer.Option("--format", "-f", help="table for people; markdown, html, csv or json."),
    ] = SofFormat.table,
) -> None:
    """A Summary-of-Findings table: at most seven outcomes, primary endpoints first.

    Relative effects as reported (pooled across studies when there are several), and the
    anticipated absolute effects per 1,000 computed from them. Certainty reads "not
    assessed" unless a study file records a rating with its source.

    Example: trialcli sof care-ms-ii --format markdown
    """
    from trialcli.ops.sof import summary_of_findings

    catalog = _catalog(ctx)
    chosen = [catalog.load(ref) for ref in studies]
    if endpoints:
        known = {k for s in chosen for e in s.endpoints for k in (e.code, e.id) if k}
        unknown = [code for code in endpoints if code not in known]
        if unknown:
            codes = ", ".join(sorted({e.code for s in chosen for e in s.endpoints if e.code}))
            raise TrialcliError(
                f"no endpoint '{clean(unknown[0])}' in these studies; their codes: {codes}"
            )
    table = summary_of_findings(chosen, endpoints or ())
    from trialcli.render import sof as render

    if output is SofFormat.table:
        from trialcli.render.console import make_console

        render.render_sof(table, make_console())
    elif output is SofFormat.html:
        _write(render.sof_html(table))
    elif output is SofFormat.json:
        from trialcli.render.tabular import to_json

        _write(to_json(render.sof_json(table)))
    else:
        _emit_rows(
            OutputFormat(output.value), render.sof_records(table), render.COLUMNS, lambda: None
        )


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
    """
    from trialcli.importers.query import Query

    query = Query(cond, intr, term, status, phase, with_results)
    sources = sources or []
    if into is not None:
        if output is not None:
            raise _fail("give either --into or --output, not both", ExitCode.USAGE)
        if not sources and not query:
            raise _fail("give a SOURCE or a search (--cond, --intr, --term…)", ExitCode.USAGE)
        _import_into(sources, query, into, force)
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


def _import_into(sources: list[str], query: Query, into: Path, force: bool) -> None:
    from trialcli.importers import bulk
    from trialcli.parallel import cores
    from trialcli.render.bulk import summary_lines
    from trialcli.render.progress import ProgressBar

    items = bulk.plan(sources, query)
    try:
        with ProgressBar("Importing", unit="records") as progress:
            summary = bulk.run(items, into, force=force, workers=cores(), progress=progress)
    except bulk.Interrupted as stopped:
        _write("\n".join(summary_lines(stopped.summary, into)))
        raise typer.Exit(ExitCode.INTERRUPTED) from None
    _write("\n".join(summary_lines(summary, into)))
    if summary.counts["failed"]:
        raise typer.Exit(ExitCode.ERROR)


@app.command()
@user_errors
def export(
    ctx: typer.Context,
    target: Annotated[
        Path, typer.Argument(metavar="TARGET", help="FILE.db for sqlite, a new folder for parquet.")
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
        if to is ExportFormat.sqlite:
            from trialcli.export.sqlite import write_sqlite

            write_sqlite(rows, target, force=force)
        else:
            from trialcli.export.parquet import write_parquet

            write_parquet(rows, target, force=force)
    for reason in exported.left_out:
        typer.echo(f"Warning: left out {clean(reason)}", err=True)
    counts = ", ".join(f"{n:,} {name.replace('_', ' ')}" for name, n in exported.rows.items())
    typer.echo(f"Wrote {clean(str(target))}: {counts}", err=True)
