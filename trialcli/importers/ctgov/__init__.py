"""A ClinicalTrials.gov API v2 record as a trialcli study.

The package follows the record's modules: `fetch` gets the record, `protocol` reads its
identity, status, eligibility and design, `groups` matches result groups to registered
arms, `flow` the participant flow, `baseline`, `outcomes` (measures) and `analyses`
(direction, measure and test of each comparison), and `safety` the adverse events.
`record_to_study` is pure; `fetch_record` and `read_record` do the I/O.
"""

from __future__ import annotations

from trialcli.importers.ctgov.fetch import NCT_ID, fetch_record, read_record
from trialcli.importers.ctgov.groups import UNLINKED
from trialcli.importers.ctgov.record import (
    Retrieval,
    header_lines,
    record_to_study,
    record_version,
)
from trialcli.importers.ctgov.values import RecordError
from trialcli.settings import URL_ENV

__all__ = [
    "NCT_ID",
    "UNLINKED",
    "URL_ENV",
    "RecordError",
    "Retrieval",
    "fetch_record",
    "header_lines",
    "read_record",
    "record_to_study",
    "record_version",
]
