"""A query of the ClinicalTrials.gov API v2, paged politely: every study it finds, in order.

Pages follow `nextPageToken`; requests are spaced at least MIN_INTERVAL apart; a 429 or
5xx answer is retried after the server's Retry-After, else after a doubling back-off,
RETRIES times; each request has the 30-second timeout of a single fetch.
"""

from __future__ import annotations

import json
import os
import time
import urllib.error
import urllib.parse
import urllib.request
from collections.abc import Callable, Iterator
from dataclasses import dataclass
from typing import Any

from trialcli import __version__
from trialcli.importers.ctgov import URL_ENV, RecordError

DEFAULT_URL = "https://clinicaltrials.gov/api/v2/studies"
TIMEOUT_SECONDS = 30.0
PAGE_SIZE = 1000  # the API's largest page
MIN_INTERVAL = 0.5  # seconds between requests: two a second at most
RETRIES = 5
BACKOFF_SECONDS = 2.0  # then 4, 8, 16, 32
MAX_PAGE_BYTES = 256 * 1024 * 1024
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
    """Every study record the query finds, one page at a time."""
    sleep, clock = time.sleep, time.monotonic
    base = os.environ.get(URL_ENV, "").strip().rstrip("/") or DEFAULT_URL
    if not base.startswith(("https://", "http://")):
        raise RecordError(f"{URL_ENV} must be an http(s) address, got '{base}'")
    parameters = {**query.parameters(), "pageSize": str(PAGE_SIZE), "format": "json"}
    last = [float("-inf")]
    token: str | None = None
    while True:
        page = {**parameters, **({"pageToken": token} if token else {})}
        data = _page(f"{base}?{urllib.parse.urlencode(page)}", sleep, clock, last)
        found = data.get("studies")
        if not isinstance(found, list):
            raise RecordError(f"{query}: a page without a list of studies")
        yield from (s for s in found if isinstance(s, dict))
        token = data.get("nextPageToken")
        if not isinstance(token, str) or not token:
            return


def _page(
    url: str, sleep: Callable[[float], None], clock: Callable[[], float], last: list[float]
) -> dict[str, Any]:
    request = urllib.request.Request(
        url, headers={"Accept": "application/json", "User-Agent": f"trialcli/{__version__}"}
    )
    for attempt in range(RETRIES + 1):
        wait = last[0] + MIN_INTERVAL - clock()
        if wait > 0:
            sleep(wait)
        last[0] = clock()
        try:
            with urllib.request.urlopen(request, timeout=TIMEOUT_SECONDS) as response:
                body: bytes = response.read(MAX_PAGE_BYTES + 1)
        except urllib.error.HTTPError as error:
            if (error.code == 429 or error.code >= 500) and attempt < RETRIES:
                after = _retry_after(error)
                sleep(BACKOFF_SECONDS * 2**attempt if after is None else after)
                continue
            raise RecordError(f"the search failed: HTTP {error.code} ({error.reason})") from None
        except (urllib.error.URLError, TimeoutError, OSError) as error:
            reason = getattr(error, "reason", None) or error
            raise RecordError(f"the search failed: {reason}") from None
        if len(body) > MAX_PAGE_BYTES:
            raise RecordError("the search failed: a page too large to read")
        try:
            data = json.loads(body.decode("utf-8-sig"))
        except (UnicodeDecodeError, json.JSONDecodeError):
            raise RecordError("the search failed: a page that is not JSON") from None
        if not isinstance(data, dict):
            raise RecordError("the search failed: a page that is not a JSON object")
        return data
    raise AssertionError("unreachable: the last attempt returns or raises")


def _retry_after(error: urllib.error.HTTPError) -> float | None:
    value = error.headers.get("Retry-After") if error.headers else None
    try:
        return min(float(value), 120.0) if value else None
    except ValueError:
        return None
