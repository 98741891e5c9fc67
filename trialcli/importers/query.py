"""A query of the ClinicalTrials.gov API v2, paged politely: every study it finds, in order.

Pages follow `nextPageToken`; requests are spaced at least MIN_INTERVAL apart; a 429 or
5xx answer is retried after the server's Retry-After, else after a doubling back-off,
RETRIES times; each request has the 30-second overall deadline of a single fetch
(importers/client.py), and a search at most MAX_PAGES pages.
"""

from __future__ import annotations

import time
import urllib.parse
from collections.abc import Callable, Iterator
from dataclasses import dataclass
from typing import Any

from trialcli.importers.client import TIMEOUT_SECONDS, RequestFailed, get
from trialcli.importers.ctgov import RecordError
from trialcli.importers.ctgov.fetch import load_json
from trialcli.settings import URL_ENV, registry_url

PAGE_SIZE = 1000  # the API's largest page
MIN_INTERVAL = 0.5  # seconds between requests: two a second at most
RETRIES = 5
BACKOFF_SECONDS = 2.0  # then 4, 8, 16, 32
MAX_PAGE_BYTES = 256 * 1024 * 1024
# The whole registry is about 560,000 studies: 560 pages of 1,000.
MAX_PAGES = 1_000
MAX_STUDIES = 1_000_000
# The API's words for the phases trialcli writes.
PHASES = {
    "early-1": "EARLY_PHASE1",
    "1": "PHASE1",
    "2": "PHASE2",
    "3": "PHASE3",
    "4": "PHASE4",
    "n/a": "NA",
}


@dataclass(frozen=True)
class Query:
    cond: str | None = None
    intr: str | None = None
    term: str | None = None
    status: str | None = None  # e.g. COMPLETED, or several comma-separated
    phase: str | None = None
    with_results: bool = False

    def __bool__(self) -> bool:
        return any((self.cond, self.intr, self.term, self.status, self.phase, self.with_results))

    def parameters(self) -> dict[str, str]:
        found = {
            "query.cond": self.cond,
            "query.intr": self.intr,
            "query.term": self.term,
            "filter.overallStatus": self.status.upper().replace("-", "_") if self.status else None,
        }
        advanced = []
        if self.phase:
            if self.phase.lower() not in PHASES:
                known = ", ".join(PHASES)
                raise RecordError(f"--phase {self.phase}: choose one of {known}")
            advanced.append(f"AREA[Phase]{PHASES[self.phase.lower()]}")
        if self.with_results:
            advanced.append("AREA[HasResults]true")
        if advanced:
            found["filter.advanced"] = " AND ".join(advanced)
        return {k: v for k, v in found.items() if v}

    def __str__(self) -> str:
        return "the query " + " ".join(f"{k}={v}" for k, v in self.parameters().items())


def studies(query: Query) -> Iterator[dict[str, Any]]:
    """Every study record the query finds, one page at a time.

    Bounded whatever the server does: at most MAX_PAGES pages and MAX_STUDIES studies;
    a page token seen before, or an empty page pointing to another, stops the search
    with a message (the studies found so far are kept by the caller).
    """
    sleep, clock = time.sleep, time.monotonic
    base = registry_url()
    if not base.startswith(("https://", "http://")):
        raise RecordError(f"{URL_ENV} must be an http(s) address, got '{base}'")
    parameters = {**query.parameters(), "pageSize": str(PAGE_SIZE), "format": "json"}
    last = [float("-inf")]
    token: str | None = None
    seen: set[str] = set()
    count = 0
    for pages in range(1, MAX_PAGES + 1):
        page = {**parameters, **({"pageToken": token} if token else {})}
        data = _page(f"{base}?{urllib.parse.urlencode(page)}", sleep, clock, last)
        found = data.get("studies")
        if not isinstance(found, list):
            raise RecordError(f"{query}: a page without a list of studies")
        for study in found:
            if isinstance(study, dict):
                if count == MAX_STUDIES:
                    raise RecordError(f"the search stopped at {MAX_STUDIES:,} studies, its limit")
                count += 1
                yield study
        token = data.get("nextPageToken")
        if not isinstance(token, str) or not token:
            return
        if token in seen:
            raise RecordError(f"the search stopped: page {pages} repeats an earlier page token")
        if not found:
            raise RecordError(f"the search stopped: page {pages} is empty yet points to another")
        seen.add(token)
    raise RecordError(f"the search stopped after {MAX_PAGES:,} pages, its limit")


def _page(
    url: str, sleep: Callable[[float], None], clock: Callable[[], float], last: list[float]
) -> dict[str, Any]:
    for attempt in range(RETRIES + 1):
        wait = last[0] + MIN_INTERVAL - clock()
        if wait > 0:
            sleep(wait)
        last[0] = clock()
        try:
            body = get(url, limit=MAX_PAGE_BYTES, timeout=TIMEOUT_SECONDS)
        except RequestFailed as error:
            status = error.status
            if status is not None and (status == 429 or status >= 500) and attempt < RETRIES:
                after = error.retry_after
                sleep(BACKOFF_SECONDS * 2**attempt if after is None else after)
                continue
            raise RecordError(f"the search failed: {error.reason}") from None
        data = load_json(body, "a page of search results")
        if not isinstance(data, dict):
            raise RecordError("the search failed: a page that is not a JSON object")
        return data
    raise AssertionError("unreachable: the last attempt returns or raises")
