"""One registry record as the text of a study file: what `import` writes, one or thousands."""

from __future__ import annotations

import datetime as dt
from pathlib import Path
from typing import TYPE_CHECKING, Any

from trialcli.errors import TrialcliError
from trialcli.importers import ctgov

if TYPE_CHECKING:
    from trialcli.loader import Validation
    from trialcli.model import Study


def read_source(source: str) -> tuple[dict[str, Any], str | None, ctgov.Retrieval]:
    """The record `source` names (an NCT id is fetched, a path read), when and how it was read."""
    path = Path(source)
    if ctgov.NCT_ID.match(source) and not path.exists():
        return ctgov.fetch_record(source), dt.date.today().isoformat(), "fetched"
    record = ctgov.read_record(path)
    return record, ctgov.record_version(record), "file"


def study_file(
    record: dict[str, Any], retrieved: str | None, how: ctgov.Retrieval, name: str | None = None
) -> tuple[Study, str]:
    """The study `record` describes and its file's text, checked to read back as that study."""
    study, text, _ = read_back(record, retrieved, how, name)
    return study, text


def read_back(
    record: dict[str, Any], retrieved: str | None, how: ctgov.Retrieval, name: str | None = None
) -> tuple[Study, str, Validation]:
    """`study_file`, with the file's text as read back (what `list` would find in it)."""
    from trialcli.loader import validation
    from trialcli.writer import study_yaml

    study = ctgov.record_to_study(record, retrieved, how)
    text = study_yaml(study, ctgov.header_lines(study, how))
    # The file must read back as this very study before anyone sees it.
    found = validation(text, name or f"{study.id}.yaml")
    if found.study != study or found.problems:
        said = "; ".join(str(p) for p in found.problems[:3]) or "it reads back differently"
        raise TrialcliError(f"the imported study does not validate ({said}); please report this")
    return study, text, found
