"""Real ClinicalTrials.gov records, kept verbatim in tests/fixtures' zips, for several modules."""

from __future__ import annotations

import json
import zipfile
from pathlib import Path
from typing import Any

from trialcli.importers.ctgov import record_to_study
from trialcli.model import Study


def member(archive: Path, nct: str) -> dict[str, Any]:
    with zipfile.ZipFile(archive) as opened:
        data: dict[str, Any] = json.loads(opened.read(f"{nct}.json"))
        return data


def study_of(data: dict[str, Any]) -> Study:
    return record_to_study(data, "2026-01-01")
