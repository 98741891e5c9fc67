"""Which studies and endpoints `compare` looks at: named studies, STUDY:ID selectors, --drug.

Kept out of the command line so that the choice is one typed function: the CLI reads the
options, this decides what they select, compare and pool draw and pool it.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from typing import TYPE_CHECKING

from trialcli.errors import TrialcliError
from trialcli.model import Study
from trialcli.ops.compare import Selection, missing_endpoints, split_selector, uses_drug

if TYPE_CHECKING:
    from trialcli.catalog import Catalog, Entry


@dataclass(frozen=True)
class Chosen:
    studies: tuple[Study, ...]
    selection: Selection
    skipped: tuple[Entry, ...]  # catalog files that could not be read (for a warning)


def choose(
    catalog: Catalog, refs: Sequence[str], endpoints: Sequence[str], drug: str | None
) -> Chosen:
    """The studies and endpoints the options name; oldest first when chosen by drug."""
    selectors = [split_selector(value) for value in endpoints]
    if not refs and drug is None and all(ref is None for ref, _ in selectors):
        raise TrialcliError("name the studies to compare, or give --drug NAME")
    chosen = [catalog.load(ref) for ref in refs]
    picked: list[tuple[str, str]] = []
    for ref, endpoint_id in selectors:
        if ref is not None:
            loaded = catalog.load(ref)
            if all(s.id != loaded.id for s in chosen):
                chosen.append(loaded)
            picked.append((loaded.id, endpoint_id))
    codes = tuple(dict.fromkeys(code for ref, code in selectors if ref is None))
    selection = Selection(codes, tuple(dict.fromkeys(picked)))
    skipped: list[Entry] = []
    if drug is not None:
        entries = catalog.entries()
        skipped = [e for e in entries if not e.ok]
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
    return Chosen(tuple(chosen), selection, tuple(skipped))
