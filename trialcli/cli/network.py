"""`network`: every treatment against every other, through common comparators."""

from __future__ import annotations

from enum import Enum
from typing import Annotated

import typer
from typing_extensions import assert_never

from trialcli import completion
from trialcli.cli.base import (
    ConditionOption,
    DrugOption,
    FigureExport,
    ForceExport,
    FormatOption,
    NoPager,
    _catalog,
    _paged_render,
    _warn_skipped,
    _write_csv,
    _write_json,
    _write_markdown,
    app,
    user_errors,
)
from trialcli.cli.replay import replayable
from trialcli.errors import TrialcliError
from trialcli.formats import OutputFormat
from trialcli.ops.keys import DEFAULT_MEASURE, NetworkMeasure


class NetworkModel(str, Enum):
    random = "random"
    common = "common"


class Tau2Estimator(str, Enum):
    reml = "reml"
    dl = "dl"


class BetterDirection(str, Enum):
    # Members not named `lower`/`higher`: those are str methods.
    lower_is_better = "lower"
    higher_is_better = "higher"


@app.command()
@user_errors
@replayable(
    lambda p: p["studies"] or [], unless=lambda p: p["export"] is not None, whole_catalog=True
)
def network(
    ctx: typer.Context,
    studies: Annotated[
        list[str] | None,
        typer.Argument(
            metavar="[STUDY]...",
            help="Studies to use (ids or .yaml files); default: every catalog study with the "
            "endpoint.",
            autocompletion=completion.study_ids,
        ),
    ] = None,
    endpoint: Annotated[
        str,
        typer.Option(
            "--endpoint", "-e", metavar="CODE", help="The endpoint's code (or id) in each study."
        ),
    ] = ...,  # type: ignore[assignment]
    reference: Annotated[
        str | None,
        typer.Option(
            metavar="TREATMENT", help="Compare every treatment with this one (default: placebo)."
        ),
    ] = None,
    measure: Annotated[
        NetworkMeasure,
        typer.Option(help="The scale: odds ratios (default) or risk ratios."),
    ] = DEFAULT_MEASURE,
    model: Annotated[
        NetworkModel, typer.Option(help="Random effects (default) or a common effect.")
    ] = NetworkModel.random,
    method: Annotated[
        Tau2Estimator, typer.Option(help="How τ² is estimated: REML (default) or DL.")
    ] = Tau2Estimator.reml,
    better: Annotated[
        BetterDirection | None,
        typer.Option(help="Which way is better for the endpoint, for the ranking."),
    ] = None,
    by_dose: Annotated[
        bool, typer.Option("--by-dose", help="Keep each dose of a drug as its own treatment.")
    ] = False,
    drug: DrugOption = None,
    condition: ConditionOption = None,
    export: FigureExport = None,
    force: ForceExport = False,
    no_pager: NoPager = False,
    output: FormatOption = OutputFormat.table,
) -> None:
    """Which treatment works best: a network meta-analysis of one endpoint.

    Every catalog study with the endpoint's per-arm events/total joins the network
    (nodes are treatments: an arm's `treatment:`, else its drug and brand). Prints every
    treatment against the reference, P-scores, heterogeneity split into within- and
    between-design (inconsistency), every pair with its share of direct evidence, and
    what the network rests on. --export draws the network graph and every treatment
    against the reference. docs/network.md explains the model.

    Example: trialcli network -e relapse-24m --better lower
    """
    from trialcli.ops.compare import uses_drug
    from trialcli.ops.network import build_network
    from trialcli.render import network as render
    from trialcli.stats.network import NetworkError

    if export is not None:
        from trialcli.figures import check_figure_path

        check_figure_path(export, force=force)
    catalog = _catalog(ctx)
    if studies:
        chosen = [catalog.load(ref) for ref in studies]
        missing = [
            s.acronym for s in chosen if not any(endpoint in (e.code, e.id) for e in s.endpoints)
        ]
        if missing:
            raise TrialcliError(f"no endpoint '{endpoint}' in {', '.join(missing)}")
    else:
        entries = catalog.entries()
        _warn_skipped(entries)
        chosen = [e.study for e in entries if e.ok and e.study is not None]
    if drug is not None:
        chosen = [s for s in chosen if uses_drug(s, drug)]
    if condition is not None:
        wanted = condition.casefold()
        chosen = [s for s in chosen if wanted in s.population.condition.casefold()]
    try:
        report = build_network(
            chosen,
            endpoint,
            reference=reference,
            measure=measure,
            model=model.value,
            method=method.value,
            better=better.value if better else None,
            by_dose=by_dose,
        )
    except NetworkError as error:
        raise TrialcliError(str(error)) from None
    if export is not None:
        from trialcli.figures import save_figure
        from trialcli.figures.network import network_figure
        from trialcli.render.text import clean

        title = f"Network meta-analysis: {report.endpoint}"
        save_figure(lambda: network_figure(report), export, force=force, title=title)
        typer.echo(f"Wrote {clean(str(export))}", err=True)
    match output:
        case OutputFormat.table:
            _paged_render(no_pager, lambda console: render.render_network(report, console))
        case OutputFormat.json:
            _write_json(render.network_json(report))
        case OutputFormat.csv:
            _write_csv(render.league_records(report), render.LEAGUE_COLUMNS)
        case OutputFormat.markdown:
            _write_markdown(render.league_records(report), render.LEAGUE_COLUMNS)
        case _:
            assert_never(output)
