"""`list`, `show` and `validate`: the catalog's studies, one study, and checking files."""

from __future__ import annotations

import functools
from pathlib import Path
from typing import TYPE_CHECKING, Annotated

import typer
from typing_extensions import assert_never

from trialcli import completion
from trialcli.cli.base import (
    ConditionOption,
    DrugOption,
    FormatOption,
    HasResultsOption,
    LimitOption,
    NoPager,
    PhaseOption,
    SearchOption,
    SinceOption,
    SortOption,
    StatusOption,
    StoreOption,
    _cache,
    _catalog,
    _fail,
    _paged,
    _paged_render,
    _selected,
    _store,
    _stored_rows,
    _write,
    _write_csv,
    _write_json,
    _write_markdown,
    app,
    user_errors,
)
from trialcli.cli.replay import replayable
from trialcli.errors import ExitCode
from trialcli.formats import OutputFormat, PageFormat
from trialcli.ops.keys import StudySection

if TYPE_CHECKING:
    from trialcli.ops.page import Page


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
    store: StoreOption = None,
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
    Example: trialcli list --store trials.sqlite --search '"heart failure" AND sglt2'

    With --store, --search is a full-text query of the store (SQLite FTS5: words, "a
    phrase", AND, OR, NOT, prefix*) over id, title, conditions, interventions, arms and
    endpoints.
    """
    from trialcli.ops.listing import Filters
    from trialcli.render.listing import COLUMNS, WIDE_COLUMNS, list_records, render_list

    filters = Filters(drug, condition, phase, status, has_results, since, search, sort, limit)
    stored = _store(store)
    if stored is not None:
        rows = _stored_rows(stored, filters)
    else:
        rows = [row for _, row in _selected(ctx, filters)]
    columns = WIDE_COLUMNS if wide else COLUMNS
    match output:
        case OutputFormat.table:
            _paged_render(no_pager, functools.partial(render_list, rows, wide=wide))
        case OutputFormat.json:
            _write_json(list_records(rows, columns))
        case OutputFormat.csv:
            _write_csv(list_records(rows, columns), columns)
        case OutputFormat.markdown:
            _write_markdown(list_records(rows, columns), columns)
        case _:
            assert_never(output)


@app.command()
@user_errors
# A store's study is never replayed: the key knows files' stamps, not a store's rows.
@replayable(lambda p: [p["study"]], unless=lambda p: _store(p["store"]) is not None)
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
            "safety (or harms), checks, notes, summary or sources.",
        ),
    ] = None,
    no_pager: NoPager = False,
    chosen: Annotated[
        PageFormat,
        typer.Option("--format", "-f", help="table for people; json, csv, markdown or html."),
    ] = PageFormat.table,
    store: StoreOption = None,
    yaml: Annotated[
        bool,
        typer.Option(
            "--yaml",
            help="With a store: print the study's file itself, byte for byte what"
            " 'import --into' writes.",
        ),
    ] = False,
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
    from trialcli.ops.page import build_page

    stored = _store(store)
    if yaml and stored is None:
        raise _fail("--yaml prints a study from a store; give --store FILE", ExitCode.USAGE)
    if stored is not None:
        from trialcli.ops.stored import study_file

        # Made from its record, written and read back as `import --into` does.
        loaded, text = study_file(stored, study)
        if yaml:
            _write(text)
            return
    else:
        loaded = _catalog(ctx).load(study)
    page = build_page(loaded, audit_study(loaded))
    match chosen:
        case PageFormat.table:
            _show_table(page, no_pager, full=full, sections=[s.value for s in section or ()])
        case PageFormat.json:
            from trialcli.render.export import study_json

            _write(study_json(page))
        case PageFormat.csv:
            from trialcli.render.export import FACT_COLUMNS, fact_records

            _write_csv(fact_records(page), FACT_COLUMNS)
        case PageFormat.markdown:
            from trialcli.render.document import study_markdown

            _write(study_markdown(page))
        case PageFormat.html:
            from trialcli.render.html import study_html

            _write(study_html(page))
        case _:
            assert_never(chosen)


def _show_table(page: Page, no_pager: bool, *, full: bool, sections: list[str]) -> None:
    """The first screen, or with `full` the whole page, or the named sections of it."""
    if not full and not sections:
        from trialcli.render.glance import glance_plain, render_glance
        from trialcli.render.lines import plain_width

        width = plain_width()  # piped: plain text, without loading Rich's console
        if width is not None:
            _write(glance_plain(page, width))
            return
        with _paged(no_pager) as console:
            render_glance(page, console)
        return
    from trialcli.render.study import render_sections, render_study

    with _paged(no_pager) as console:
        if sections:
            render_sections(page, console, sections)
        else:
            render_study(page, console)


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
    from trialcli.checking import check_paths, checked
    from trialcli.render.console import make_console
    from trialcli.render.problems import PROBLEM_COLUMNS, problem_records, render_problems
    from trialcli.render.progress import ProgressBar

    with ProgressBar("Checking studies") as progress:
        if paths:
            entries = check_paths(paths, _cache(ctx), progress)
        else:
            entries = checked(_catalog(ctx), progress)
    match output:
        case OutputFormat.table:
            render_problems(entries, make_console(), strict=strict)
        case OutputFormat.json:
            _write_json({"files": len(entries), "problems": problem_records(entries)})
        case OutputFormat.csv:
            _write_csv(problem_records(entries), PROBLEM_COLUMNS)
        case OutputFormat.markdown:
            # A problem without a line or field concerns the whole file: leave the cell empty.
            _write_markdown(problem_records(entries), PROBLEM_COLUMNS, missing="")
        case _:
            assert_never(output)
    if not all(e.ok for e in entries) or (strict and any(e.unacknowledged for e in entries)):
        raise typer.Exit(ExitCode.ERROR)
