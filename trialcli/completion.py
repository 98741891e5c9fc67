"""Shell completion of study ids, arm ids and endpoint codes.

Commands, options and choices such as `--sort` values are completed by Typer itself.
These functions run only when the shell asks (`_TRIALCLI_COMPLETE` is set), so the
catalog is imported inside them and start-up is unchanged. A completion never fails
loudly: a study that does not load simply offers nothing.
"""

from __future__ import annotations

import re
import shlex
from collections.abc import Iterable
from pathlib import Path
from typing import TYPE_CHECKING

import typer

from trialcli.errors import TrialcliError

if TYPE_CHECKING:
    from trialcli.catalog import Catalog
    from trialcli.model import Study

_SLUG = re.compile(r"[a-z0-9]+(?:-[a-z0-9]+)*\Z")
# Path characters every shell takes literally.
_SAFE_WORD = re.compile(r"[A-Za-z0-9_./+:,@%=-]+\Z")


def _catalog(ctx: typer.Context) -> Catalog:
    """The catalog the command line names: its --data-dir folders, its --no-cache."""
    from trialcli.cache import StudyCache
    from trialcli.catalog import Catalog

    root = ctx.find_root().params
    folders = [Path(folder) for folder in root.get("data_dir") or []]
    cache = None if root.get("no_cache") else StudyCache.default()
    return Catalog.discover(folders, cache)


def _studies(ctx: typer.Context, refs: Iterable[str]) -> list[Study]:
    """The studies already named on the line that load; the others are skipped."""
    catalog = _catalog(ctx)
    found: list[Study] = []
    for ref in refs:
        if ref == "-":  # standard input is read by the command, never by completion
            continue
        try:
            found.append(catalog.load(ref))
        except TrialcliError:
            continue
    return found


def _named(ctx: typer.Context) -> list[str]:
    # While completing, Click leaves the studies typed so far unparsed, in ctx.args.
    return list(ctx.params.get("studies") or ctx.args)


def _starting(incomplete: str, words: Iterable[str]) -> list[str]:
    return sorted({word for word in words if word.startswith(incomplete)})


def study_ids(ctx: typer.Context, incomplete: str) -> list[str]:
    """Catalog ids (from file names: nothing is parsed), or study files for a path."""
    if "/" in incomplete or incomplete.startswith("."):
        folder = Path(incomplete).parent if not incomplete.endswith("/") else Path(incomplete)
        try:
            paths = [p for p in folder.iterdir() if p.is_dir() or p.suffix in {".yaml", ".yml"}]
        except OSError:
            return []
        names = [str(folder / p.name) + ("/" if p.is_dir() else "") for p in paths]
        found = _starting(incomplete.removeprefix("./"), [n.removeprefix("./") for n in names])
        # The shell inserts what is offered as typed: a name such as `$(touch x).yaml`
        # would run when Enter is pressed, so every unusual name is offered quoted.
        return [name if _SAFE_WORD.match(name) else shlex.quote(name) for name in found]
    try:
        # Only ids that are slugs: a file named `$(cmd).yaml` is never offered as an id.
        return _starting(incomplete, (i for i in _catalog(ctx).ids() if _SLUG.match(i)))
    except TrialcliError:
        return []


def arm_ids(ctx: typer.Context, incomplete: str) -> list[str]:
    """The arm and pooled-group ids of the studies named before `--arm`."""
    from trialcli.ops.safety import group_ids

    studies = _studies(ctx, _named(ctx))
    return _starting(incomplete, (group for s in studies for group in group_ids(s)))


def endpoint_codes(ctx: typer.Context, incomplete: str) -> list[str]:
    """The endpoint codes of the studies named (or, with none named, of the catalog)."""
    from trialcli.ops.compare import endpoint_codes as codes

    named = _named(ctx)
    if named:
        studies = _studies(ctx, named)
    else:
        try:
            studies = [e.study for e in _catalog(ctx).entries() if e.ok and e.study]
        except TrialcliError:
            return []
    return _starting(incomplete, codes(studies))
